"""``soccer-lstm motion CLIP``: what the camera did, frame by frame, and where the players moved."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

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
           **extract_options_given: Any) -> None:
    """Estimate the dominant camera motion between consecutive frames of CLIP.

    CLIP is a video file or a folder of frame images. Frame t holds the motion from frame t-1 to t
    (frame 0 is the identity). --json gives the affine [a11, a12, tx, a21, a22, ty] with tx, ty in
    pixels of the original frame (origin at its top-left corner); the table shows how the frame
    centre moved (dx, dy, original pixels), the zoom and the rotation.
    """
    from soccer_lstm.features.camera import camera_motion

    config = build_config(ExtractConfig, dict(extract_options_given))
    result = camera_motion(clip, config, motion_model, plot=plot, local_plot=local_plot)
    track = result.track
    if as_json:
        for t in range(track.n_frames):
            click.echo(json.dumps({"frame": t, "affine": [round(float(v), 6) for v in result.affine[t]],
                                   "inliers": round(float(track.inliers[t]), 4),
                                   "matches": int(track.matches[t]), "valid": bool(track.valid[t])}))
    else:
        click.echo(f"{'frame':>5} {'dx(px)':>8} {'dy(px)':>8} {'zoom':>7} {'rot(deg)':>8} "
                   f"{'inliers':>7} {'matches':>7}  valid")
        for t in range(len(result.affine)):
            click.echo(f"{t:>5} {result.shift[t, 0]:>8.2f} {result.shift[t, 1]:>8.2f} {result.zoom[t]:>7.4f} "
                       f"{result.rotation[t]:>8.2f} {track.inliers[t]:>7.2f} {track.matches[t]:>7d}  "
                       f"{'yes' if track.valid[t] else 'no'}")
    if plot is not None:
        click.echo(f"camera trajectory written to {plot}", err=True)
    if local_plot is not None:
        click.echo(f"local motion written to {local_plot}", err=True)
