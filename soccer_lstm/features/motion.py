"""Dominant camera motion between consecutive frames, from the SIFT keypoints ``extract`` stored.

For every pair of consecutive frames ``(t - 1, t)``:

1. descriptors are matched with a FLANN KD-tree and Lowe's ratio test;
2. matches that stay within ``still_tolerance`` px of where they began along a chain of at least
   ``static_frames`` consecutive frames are set aside as static overlays (broadcaster logos, score
   boxes, the edges of black bars), unless the still matches are themselves the dominant, spread-out
   group: then the camera is still and they *are* the camera;
3. the global motion is fitted with RANSAC (``cv2.estimateAffine2D`` for the 6-parameter affine
   model, ``cv2.estimateAffinePartial2D`` for the 4-parameter similarity model), so that players
   moving on their own are rejected as outliers; a least-squares refit on the tightest inliers
   then removes the pull of keypoints that shifted a little (at a player's edge).

Matching and RANSAC are repeatable: OpenCV's RNG is seeded before each FLANN index is built
(``cv2.setRNGSeed``, which resets the calling thread's OpenCV RNG) and RANSAC uses a fixed seed.

Too few matches, or a degenerate fit, gives the identity with ``valid = False``; nothing here
raises on empty frames or one-frame clips. Frame 0 has no predecessor: it holds the identity with
``valid = False`` and no matches.

Motions are ``x_t = A x_{t-1} + b`` stored as ``[a11, a12, tx, a21, a22, ty]`` in processed-frame
pixels (origin at the top-left corner); :func:`to_original_pixels` expresses them in pixels of the
decoded video and :func:`motion_features` turns them into resolution-independent per-frame vectors.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from soccer_lstm.config import MOTION_MODELS
from soccer_lstm.errors import UserError
from soccer_lstm.features.matching import (RATIO, PairMatches, match_clip, match_frames,  # noqa: F401 (public here too)
                                           occupied_cells, static_masks)
from soccer_lstm.features.sift import ClipFeatures

IDENTITY = np.array([1.0, 0.0, 0.0, 0.0, 1.0, 0.0])

RANSAC_THRESHOLD = 1.5      # px in the processed frame; SIFT localisation is ~0.3 px, players move more
MIN_MATCHES = 8             # fewer ratio-test matches (or RANSAC inliers) gives identity + valid False
STATIC_FRAMES = 5           # a still chain spanning this many frames is a static overlay
STILL_TOLERANCE = 0.5       # px per frame below which a match counts as "still"
STILL_MIN_CELLS = 5         # still matches covering this many cells are a still background, not a logo
RANSAC_ITERS = 2000
RANSAC_CONFIDENCE = 0.995
REFINE_ITERS = 10           # Levenberg-Marquardt refinement on the inliers after RANSAC
MAX_SCALE_CHANGE = 2.0      # a frame-to-frame zoom beyond this factor is a failed fit, not a camera


def motion_dim(model: str = "affine") -> int:
    """Length of the per-frame vector :func:`motion_features` returns for ``model``.

    9 for ``"affine"`` (6 motion numbers + inlier ratio, log1p(match count), valid flag) and 7 for
    ``"similarity"`` (4 motion numbers + the same 3).
    """
    return {"affine": 6, "similarity": 4}[_check_model(model)] + 3


# Columns of the motion vector (see :func:`motion_features`) that change sign when the clip is
# mirrored left-right (x -> W - x): with F = diag(-1, 1), F A F keeps a11, a22 and flips a12, a21 and
# the horizontal shift; for the similarity model the rotation and the horizontal shift flip.
MIRROR_COLUMNS = {"affine": (1, 2, 3), "similarity": (1, 2)}


def mirror_columns(width: int) -> tuple[int, ...]:
    """Columns of a ``width``-long motion vector that a left-right mirror negates (others unchanged)."""
    for model, columns in MIRROR_COLUMNS.items():
        if motion_dim(model) == width:
            return columns
    raise ValueError(f"no motion model gives {width} numbers per frame")


def _check_model(model: str) -> str:
    if model not in MOTION_MODELS:
        raise UserError(f"unknown motion model {model!r}; use one of {', '.join(MOTION_MODELS)}")
    return model


@dataclass
class MotionTrack:
    """Per-frame camera motion of one clip (frame ``t`` holds the motion from ``t - 1`` to ``t``).

    Attributes
    ----------
    affine : ndarray, shape (T, 6), float64
        ``[a11, a12, tx, a21, a22, ty]`` in processed-frame pixels; identity where not ``valid``.
    inliers : ndarray, shape (T,), float32
        Share of the ratio-test matches that follow the fitted motion (0 where not ``valid``).
    matches : ndarray, shape (T,), int64
        Ratio-test matches between frames ``t - 1`` and ``t`` (0 for frame 0).
    valid : ndarray, shape (T,), bool
        False where there were too few matches or the fit failed (and for frame 0).
    static : ndarray, shape (T,), int64
        Matches set aside as static overlays.
    camera_still : ndarray, shape (T,), bool
        True where the still matches were taken as the camera (a still camera).
    model : str
        ``"affine"`` or ``"similarity"``.
    proc_size : tuple of int
        Width and height of the processed frames the motions refer to.
    """

    affine: np.ndarray
    inliers: np.ndarray
    matches: np.ndarray
    valid: np.ndarray
    static: np.ndarray
    camera_still: np.ndarray
    model: str
    proc_size: tuple[int, int]

    @property
    def n_frames(self) -> int:
        return len(self.affine)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays, ready for :func:`soccer_lstm.artifacts.save_npz`."""
        return {"affine": self.affine, "inliers": self.inliers, "matches": self.matches,
                "valid": self.valid, "static": self.static, "camera_still": self.camera_still}


def _fit(src: np.ndarray, dst: np.ndarray, model: str, threshold: float) -> np.ndarray | None:
    """RANSAC fit of ``dst ~ A src + b``; the 2 x 3 matrix, or None when OpenCV finds none."""
    estimator = cv2.estimateAffine2D if model == "affine" else cv2.estimateAffinePartial2D
    matrix, _ = estimator(src.reshape(-1, 1, 2), dst.reshape(-1, 1, 2), method=cv2.RANSAC,
                          ransacReprojThreshold=threshold, maxIters=RANSAC_ITERS,
                          confidence=RANSAC_CONFIDENCE, refineIters=REFINE_ITERS)
    if matrix is None or not np.all(np.isfinite(matrix)):
        return None
    return _refine(matrix.astype(np.float64), src, dst, model, threshold)


def _least_squares(src: np.ndarray, dst: np.ndarray, model: str) -> np.ndarray | None:
    """Plain least-squares fit of ``dst ~ A src + b`` (2 x 3), or None when under-determined."""
    src, dst = src.astype(np.float64), dst.astype(np.float64)
    n = len(src)
    if n < (3 if model == "affine" else 2):
        return None
    ones, zeros = np.ones(n), np.zeros(n)
    if model == "affine":
        design = np.column_stack([src, ones])
        solution, _, rank, _ = np.linalg.lstsq(design, dst, rcond=None)
        return solution.T if rank == 3 else None
    # x' = a x - b y + tx,  y' = b x + a y + ty
    design = np.vstack([np.column_stack([src[:, 0], -src[:, 1], ones, zeros]),
                        np.column_stack([src[:, 1], src[:, 0], zeros, ones])])
    solution, _, rank, _ = np.linalg.lstsq(design, np.concatenate([dst[:, 0], dst[:, 1]]), rcond=None)
    if rank < 4:
        return None
    a, b, tx, ty = solution
    return np.array([[a, -b, tx], [b, a, ty]])


def _refine(matrix: np.ndarray, src: np.ndarray, dst: np.ndarray, model: str, threshold: float) -> np.ndarray:
    """Refit on the tightest inliers: drop matches whose residual is well above the typical one.

    RANSAC's own refinement weighs every match under the threshold equally, so keypoints that
    shifted a little (at the edge of a player, of an occluded patch) still pull the fit; a second
    least-squares pass on matches within a few times the median residual removes that bias.
    """
    for _ in range(2):
        residuals = _residuals(matrix, src, dst)
        inside = residuals < threshold
        if inside.sum() < 3:
            return matrix
        tight = residuals < min(threshold, max(0.3, 3.0 * float(np.median(residuals[inside]))))
        refit = _least_squares(src[tight], dst[tight], model)
        if refit is None or not np.all(np.isfinite(refit)):
            return matrix
        matrix = refit
    return matrix


def _residuals(matrix: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    predicted = src.astype(np.float64) @ matrix[:, :2].T + matrix[:, 2]
    return np.linalg.norm(predicted - dst, axis=1)


def _plausible(matrix: np.ndarray) -> bool:
    det = float(np.linalg.det(matrix[:, :2]))
    return det > 0 and 1 / MAX_SCALE_CHANGE**2 < det < MAX_SCALE_CHANGE**2


def estimate_motion(clip: ClipFeatures, model: str = "affine", *, ratio: float = RATIO,
                    ransac_threshold: float = RANSAC_THRESHOLD, min_matches: int = MIN_MATCHES,
                    static_frames: int = STATIC_FRAMES,
                    still_tolerance: float = STILL_TOLERANCE) -> MotionTrack:
    """Dominant camera motion from frame ``t - 1`` to frame ``t``, for every frame of a clip.

    Parameters
    ----------
    clip : ClipFeatures
        Keypoints and descriptors stored by ``extract`` (no video is decoded here).
    model : {"affine", "similarity"}
        6-parameter affine or 4-parameter similarity (scale, rotation, translation).
    ratio : float
        Lowe's ratio test threshold for FLANN matches.
    ransac_threshold : float
        RANSAC reprojection threshold in processed-frame pixels; also decides which matches count
        as inliers in the reported ratio.
    min_matches : int
        Fewer matches than this (or fewer RANSAC inliers) gives identity with ``valid = False``.
    static_frames : int
        Matches still (within ``still_tolerance`` px per frame) along a chain of this many frames
        are static overlays and do not vote for the camera, unless the still matches outnumber the
        moving consensus and cover at least ``STILL_MIN_CELLS`` of a ``GRID x GRID`` grid: then the
        camera itself is still.
    still_tolerance : float
        Per-frame displacement (px) below which a match counts as still.

    Returns
    -------
    MotionTrack
        One row per frame; frame 0 is the identity.
    """
    _check_model(model)
    n_frames = clip.n_frames
    proc_size = tuple(int(v) for v in clip.geometry.get("proc_size", (0, 0)))
    affine = np.tile(IDENTITY, (max(n_frames, 0), 1))
    inliers = np.zeros(n_frames, np.float32)
    matches = np.zeros(n_frames, np.int64)
    valid = np.zeros(n_frames, bool)
    static = np.zeros(n_frames, np.int64)
    camera_still = np.zeros(n_frames, bool)
    if n_frames >= 2:
        pairs = match_clip(clip, ratio, still_tolerance)
        masks = static_masks(clip, pairs, static_frames, still_tolerance)
        for t in range(1, n_frames):
            p, is_static = pairs[t], masks[t]
            matches[t] = len(p.src)
            static[t] = int(is_static.sum())
            if matches[t] < min_matches:
                continue
            matrix, still = _fit_pair(p, is_static, model, ransac_threshold, min_matches, proc_size)
            if matrix is None:
                continue
            n_inliers = int((_residuals(matrix, p.src, p.dst) < ransac_threshold).sum())
            if n_inliers < min_matches:
                continue
            affine[t] = matrix.reshape(-1)
            inliers[t] = n_inliers / matches[t]
            valid[t] = True
            camera_still[t] = still
    return MotionTrack(affine, inliers, matches, valid, static, camera_still, model, proc_size)


def _fit_pair(p: PairMatches, is_static: np.ndarray, model: str, threshold: float,
              min_matches: int, proc_size: tuple[int, int]) -> tuple[np.ndarray | None, bool]:
    """Fit one frame pair: the moving consensus, unless a spread-out still group outweighs it."""
    moving = ~is_static
    moving_fit, moving_support = None, 0
    if moving.sum() >= min_matches:
        moving_fit = _fit(p.src[moving], p.dst[moving], model, threshold)
        if moving_fit is not None and _plausible(moving_fit):
            moving_support = int((_residuals(moving_fit, p.src[moving], p.dst[moving]) < threshold).sum())
        else:
            moving_fit = None
    n_static = int(is_static.sum())
    still_camera = (n_static >= min_matches and n_static >= moving_support
                    and occupied_cells(p.src[is_static], proc_size) >= STILL_MIN_CELLS)
    if still_camera:
        # The still matches are the camera: fit on everything so that sub-threshold drift is kept.
        matrix = _fit(p.src, p.dst, model, threshold)
        if matrix is not None and _plausible(matrix):
            return matrix, True
    return moving_fit, False


def center_translation(affine: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Displacement of the frame centre under each motion, ``A c + b - c`` (T x 2).

    Unlike ``b`` (which is referred to the top-left corner), it does not change when the camera
    only zooms, so it separates pan and tilt from zoom.
    """
    affine = np.asarray(affine, np.float64).reshape(-1, 6)
    centre = np.array([size[0] / 2.0, size[1] / 2.0])
    linear = affine[:, [0, 1, 3, 4]].reshape(-1, 2, 2)
    return linear @ centre + affine[:, [2, 5]] - centre


def track_features(track: MotionTrack) -> np.ndarray:
    """Per-frame motion vectors of an already estimated track (see :func:`motion_features`)."""
    size = track.proc_size if min(track.proc_size) > 0 else (1, 1)
    affine = track.affine.reshape(-1, 6)
    shift = center_translation(affine, size) / np.array(size, np.float64)
    if track.model == "affine":
        motion = np.column_stack([affine[:, 0] - 1, affine[:, 1], shift[:, 0],
                                  affine[:, 3], affine[:, 4] - 1, shift[:, 1]])
    else:
        scale = np.hypot(affine[:, 0], affine[:, 3])
        rotation = np.arctan2(affine[:, 3], affine[:, 0])
        motion = np.column_stack([scale - 1, rotation, shift[:, 0], shift[:, 1]])
    quality = np.column_stack([track.inliers, np.log1p(track.matches), track.valid])
    return np.hstack([motion.reshape(len(affine), -1), quality.reshape(len(affine), 3)]).astype(np.float32)


def motion_features(clip: ClipFeatures, model: str = "affine", **options: Any) -> np.ndarray:
    """One fixed-length camera-motion vector per frame of ``clip``.

    Parameters
    ----------
    clip : ClipFeatures
        Stored SIFT keypoints and descriptors of the clip.
    model : {"affine", "similarity"}
        Motion model; decides the vector length (:func:`motion_dim`).
    **options
        Passed to :func:`estimate_motion`.

    Returns
    -------
    ndarray, shape (T, D), float32
        ``D = 9`` for affine: ``[a11 - 1, a12, dx / W, a21, a22 - 1, dy / H, inlier ratio,
        log1p(matches), valid]``; ``D = 7`` for similarity: ``[scale - 1, rotation (rad), dx / W,
        dy / H, inlier ratio, log1p(matches), valid]``. ``(dx, dy)`` is the displacement of the
        frame centre (:func:`center_translation`) and ``W, H`` the processed frame size, so clips of
        different resolutions are comparable and a pure zoom adds no translation. Invalid frames
        (and frame 0) hold zero motion, a zero inlier ratio and ``valid = 0``.
    """
    return track_features(estimate_motion(clip, model, **options))
