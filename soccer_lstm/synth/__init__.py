"""Built-in synthetic data: broadcast-style soccer clips of the four MICC-Soccer-Actions-4 classes.

The renderer knows nothing of the pipeline; it writes ``DIR/<class>/<class>_<nnn>.avi`` clips
(MJPG, OpenCV's built-in writer) that the pipeline reads like any folder-per-class data set.

Public API
----------
CLASSES
    Sorted class names: goal-kick, placed-kick, shot-on-goal, throw-in.
render_clip(action, seed, size=(320, 240), n_frames=50)
    One clip as uint8 BGR frames (T, H, W, 3).
render_dataset(out_dir, clips_per_class=25, seed=0, size=(320, 240), frames=(40, 60), fps=25, progress=True)
    Write a whole data set; returns the clip paths.
write_preview(path, seed=0, size=(320, 240), frames_per_clip=6)
    A PNG contact sheet, one clip per class, frames across time.
"""
from __future__ import annotations

from soccer_lstm.synth.preview import contact_sheet, write_preview
from soccer_lstm.synth.render import CLASSES, clip_seed, render_clip, render_dataset, write_clip

__all__ = ["CLASSES", "clip_seed", "contact_sheet", "render_clip", "render_dataset", "write_clip", "write_preview"]
