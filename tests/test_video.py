from __future__ import annotations

from pathlib import Path

import numpy as np

from clipgen import clip_frames, write_frame_folder
from soccer_lstm.video import FrameGeometry, find_bars, iter_frames


def test_black_bars_are_found() -> None:
    frame = np.zeros((90, 160), np.uint8)
    frame[:, 40:120] = np.random.default_rng(0).integers(30, 255, (90, 80))
    assert find_bars([frame]) == (40, 0, 120, 90)


def test_a_dark_scene_is_not_cropped_away() -> None:
    frame = np.zeros((90, 160), np.uint8)
    frame[40:45, 70:75] = 200
    assert find_bars([frame]) == (0, 0, 160, 90)


def test_frames_are_cropped_resized_and_stepped(tmp_path: Path) -> None:
    frames = clip_frames("still", 0, 6, size=(120, 60))
    for frame in frames:
        frame[:, :20] = 0
        frame[:, 100:] = 0
    geometry = FrameGeometry()
    out = list(iter_frames(write_frame_folder(tmp_path / "clip", frames), resize=160, frame_step=2,
                           geometry=geometry))
    assert len(out) == 3
    assert geometry.crop[0] >= 18 and geometry.crop[2] <= 102
    assert max(out[0].shape) == 160 and out[0].ndim == 2
