"""``soccer-lstm motion CLIP``: what the camera did, frame by frame, and where the players moved."""
from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from soccer_lstm.cli_options import build_config, config_file_option, config_options, extract_options
from soccer_lstm.config import EncodeConfig, ExtractConfig


@click.command("motion")
@click.argument("clip", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per frame: frame, affine [a11,a12,tx,a21,a22,ty] (original px), inliers, matches, valid.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Draw the camera trajectory (cumulative pan, tilt, zoom) to this PNG.")
@click.option("--local", "local_plot", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Draw where the players move (HOF with the camera removed, per grid cell over time) to this PNG.")
@config_options(EncodeConfig, only=["motion_model"])
@extract_options
@config_file_option
def motion(clip: Path, as_json: bool, plot: Path | None, local_plot: Path | None, motion_model: str,
           **extract_kwargs: object) -> None:
    """Estimate the dominant camera motion between consecutive frames of CLIP.

    CLIP is a video file or a folder of frame images. Frame t holds the motion from frame t-1 to t
    (frame 0 is the identity). --json gives the affine [a11, a12, tx, a21, a22, ty] with tx, ty in
    pixels of the original frame (origin at its top-left corner); the table shows how the frame
    centre moved (dx, dy, original pixels), the zoom and the rotation.
    """
    from soccer_lstm.features.motion import camera_trajectory, estimate_motion, plot_camera_trajectory, to_original_pixels
    from soccer_lstm.features.sift import extract_clip

    config = build_config(ExtractConfig, dict(extract_kwargs))
    features = extract_clip(clip, config)
    track = estimate_motion(features, motion_model)
    affine = to_original_pixels(track, features.geometry)
    if as_json:
        for t in range(track.n_frames):
            click.echo(json.dumps({"frame": t, "affine": [round(float(v), 6) for v in affine[t]],
                                   "inliers": round(float(track.inliers[t]), 4),
                                   "matches": int(track.matches[t]), "valid": bool(track.valid[t])}))
    else:
        _print_table(affine, track, tuple(features.geometry["orig_size"]))
    if plot is not None:
        plot_camera_trajectory(camera_trajectory(track, features.geometry), plot, title=clip.name,
                               fps=float(features.geometry.get("fps") or 0.0) / config.frame_step)
        click.echo(f"camera trajectory written to {plot}", err=True)
    if local_plot is not None:
        from soccer_lstm.features.local import plot_local_motion

        plot_local_motion(features.local["hof"], config.grid, local_plot, title=f"{clip.name}: local motion",
                          fps=float(features.geometry.get("fps") or 0.0) / config.frame_step)
        click.echo(f"local motion written to {local_plot}", err=True)


def _print_table(affine: np.ndarray, track: object, orig_size: tuple[int, int]) -> None:
    """A readable table: how the frame centre moved (original px), zoom and rotation per frame."""
    from soccer_lstm.features.motion import center_translation

    shift = center_translation(affine, orig_size)
    click.echo(f"{'frame':>5} {'dx(px)':>8} {'dy(px)':>8} {'zoom':>7} {'rot(deg)':>8} "
               f"{'inliers':>7} {'matches':>7}  valid")
    for t, row in enumerate(affine):
        zoom = float(np.sqrt(abs(row[0] * row[4] - row[1] * row[3])))
        rotation = float(np.degrees(np.arctan2(row[3] - row[1], row[0] + row[4])))
        click.echo(f"{t:>5} {shift[t, 0]:>8.2f} {shift[t, 1]:>8.2f} {zoom:>7.4f} {rotation:>8.2f} "
                   f"{track.inliers[t]:>7.2f} {track.matches[t]:>7d}  {'yes' if track.valid[t] else 'no'}")
