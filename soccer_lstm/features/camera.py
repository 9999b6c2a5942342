"""What the camera did in one clip, for people: motions in original pixels, the cumulative path, plots.

The features the model reads are :func:`soccer_lstm.features.motion.motion_features`; this module
turns the same estimates into what ``soccer-lstm motion`` shows: per-frame motion in pixels of the
original frame, zoom and rotation, and the camera's path.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from soccer_lstm.config import EncodeConfig, ExtractConfig
from soccer_lstm.features.motion import MotionTrack, center_translation, estimate_motion
from soccer_lstm.features.sift import ClipFeatures


@dataclass
class CameraMotion:
    """One clip's camera motion, frame by frame (:func:`camera_motion`).

    Attributes
    ----------
    features : ClipFeatures
        The clip's extracted features (its geometry, its local histograms).
    track : MotionTrack
        The estimated frame-to-frame motions (processed pixels), inlier ratios, matches, validity.
    affine : ndarray (T, 6)
        ``[a11, a12, tx, a21, a22, ty]`` per frame, in pixels of the original frame.
    shift : ndarray (T, 2)
        How the frame centre moved (original pixels).
    zoom, rotation : ndarray (T,)
        Frame-to-frame scale factor and rotation in degrees.
    fps : float
        Frames per second of the processed frames (0 when unknown).
    """

    features: ClipFeatures
    track: MotionTrack
    affine: np.ndarray
    shift: np.ndarray
    zoom: np.ndarray
    rotation: np.ndarray
    fps: float


def camera_motion(clip: str | Path, extract: ExtractConfig = ExtractConfig(),
                  motion_model: str = EncodeConfig.motion_model, plot: str | Path | None = None,
                  local_plot: str | Path | None = None) -> CameraMotion:
    """Estimate the dominant camera motion between consecutive frames of a clip, and draw it.

    Frame ``t`` holds the motion from frame ``t - 1`` to ``t`` (frame 0 is the identity).

    Parameters
    ----------
    clip : path-like
        A video file or a folder of frame images.
    extract : ExtractConfig
        How frames are decoded and keypoints found.
    motion_model : {"affine", "similarity"}
    plot : path-like, optional
        Write the camera trajectory (cumulative pan, tilt, zoom) to this PNG.
    local_plot : path-like, optional
        Write where the players move (HOF with the camera removed, per grid cell) to this PNG.
    """
    from soccer_lstm.features.sift import extract_clip

    features = extract_clip(clip, extract)
    track = estimate_motion(features, motion_model)
    affine = to_original_pixels(track, features.geometry)
    orig_size = tuple(features.geometry["orig_size"])
    zoom = np.sqrt(np.abs(affine[:, 0] * affine[:, 4] - affine[:, 1] * affine[:, 3]))
    rotation = np.degrees(np.arctan2(affine[:, 3] - affine[:, 1], affine[:, 0] + affine[:, 4]))
    fps = float(features.geometry.get("fps") or 0.0) / extract.frame_step
    result = CameraMotion(features, track, affine, center_translation(affine, orig_size), zoom, rotation, fps)
    name = Path(clip).name
    if plot is not None:
        plot_camera_trajectory(camera_trajectory(track, features.geometry), plot, title=name, fps=fps)
    if local_plot is not None:
        from soccer_lstm.features.local import plot_local_motion

        plot_local_motion(features.local["hof"], extract.grid, local_plot, title=f"{name}: local motion", fps=fps)
    return result


def to_original_pixels(track: MotionTrack, geometry: Mapping[str, Any]) -> np.ndarray:
    """The motions of ``track`` in pixels of the original (decoded, uncropped) frame.

    With ``processed = (original - c0) * s`` (``c0`` the crop origin, ``s`` the scale), a motion
    ``x' = A x + b`` in processed pixels is ``o' = A o + b / s + c0 - A c0`` in original pixels.

    Returns
    -------
    ndarray, shape (T, 6), float64
        ``[a11, a12, tx, a21, a22, ty]`` per frame.
    """
    scale = float(geometry.get("scale", 1.0) or 1.0)
    crop = geometry.get("crop", (0, 0, 0, 0))
    origin = np.array([float(crop[0]), float(crop[1])])
    out = np.array(track.affine, dtype=np.float64, copy=True).reshape(-1, 6)
    if len(out) == 0:
        return out
    linear = out[:, [0, 1, 3, 4]].reshape(-1, 2, 2)
    translation = out[:, [2, 5]] / scale + origin - linear @ origin
    out[:, 2], out[:, 5] = translation[:, 0], translation[:, 1]
    return out


def camera_trajectory(track: MotionTrack, geometry: Mapping[str, Any] | None = None) -> np.ndarray:
    """Cumulative camera path: pan, tilt (px) and zoom factor per frame, relative to frame 0.

    The pan and tilt are where the camera's view centre at frame ``t`` lies in frame 0 (positive:
    right and down), in original pixels when ``geometry`` is given (processed pixels otherwise);
    zoom is the cumulative scale change (above 1: zooming in).

    Returns
    -------
    ndarray, shape (T, 3), float64
    """
    affine = to_original_pixels(track, geometry) if geometry is not None else np.asarray(track.affine, np.float64)
    if geometry is not None:
        size = tuple(float(v) for v in geometry.get("orig_size", track.proc_size))
    else:
        size = tuple(float(v) for v in track.proc_size)
    centre = np.array([size[0] / 2.0, size[1] / 2.0, 1.0])
    out = np.zeros((len(affine), 3))
    cumulative = np.eye(3)   # maps frame-0 coordinates to frame-t coordinates
    for t, row in enumerate(affine.reshape(-1, 6)):
        step = np.vstack([row.reshape(2, 3), [0.0, 0.0, 1.0]])
        cumulative = step @ cumulative
        try:
            view = np.linalg.solve(cumulative, centre)
        except np.linalg.LinAlgError:
            view = centre
        out[t] = [view[0] - centre[0], view[1] - centre[1], np.sqrt(abs(np.linalg.det(cumulative[:2, :2])))]
    return out


def plot_camera_trajectory(trajectory: np.ndarray, path: Any, title: str = "", fps: float = 0.0) -> None:
    """Draw pan, tilt and zoom over time (from :func:`camera_trajectory`) to a PNG, atomically."""
    from soccer_lstm.figures import new_figure, save_png

    trajectory = np.asarray(trajectory, np.float64).reshape(-1, 3)
    time = np.arange(len(trajectory)) / fps if fps > 0 else np.arange(len(trajectory))
    fig = new_figure(7, 5)
    ax_pan, ax_zoom = fig.subplots(2, 1, sharex=True)
    ax_pan.plot(time, trajectory[:, 0], label="pan (x, px)")
    ax_pan.plot(time, trajectory[:, 1], label="tilt (y, px)")
    ax_pan.set_ylabel("camera position (px)")
    ax_pan.legend(loc="best")
    ax_zoom.plot(time, trajectory[:, 2], color="tab:green")
    ax_zoom.set_ylabel("zoom (x frame 0)")
    ax_zoom.set_xlabel("time (s)" if fps > 0 else "frame")
    if title:
        ax_pan.set_title(title)
    fig.tight_layout()
    save_png(fig, path)
