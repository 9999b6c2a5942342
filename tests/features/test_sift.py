from __future__ import annotations

from pathlib import Path

import numpy as np

from clipgen import clip_frames, write_frame_folder
from soccer_lstm.config import ExtractConfig
from soccer_lstm.features.sift import extract_clip


def test_empty_frames_keep_their_place_in_the_timeline(tmp_path: Path) -> None:
    frames = clip_frames("still", 0, 5)
    frames[2] = np.zeros_like(frames[2])  # a black frame: no keypoints
    clip = extract_clip(write_frame_folder(tmp_path / "c", frames), ExtractConfig(crop_bars=False))
    assert clip.n_frames == 5
    counts = np.diff(clip.offsets)
    assert counts[2] == 0 and (np.delete(counts, 2) > 0).all()
    assert clip.descriptors.dtype == np.uint8 and clip.descriptors.shape[1] == 128
    assert clip.positions.shape == (clip.offsets[-1], 2)


def test_max_keypoints_caps_each_frame(tmp_path: Path) -> None:
    clip = extract_clip(write_frame_folder(tmp_path / "c", clip_frames("still", 0, 3)),
                        ExtractConfig(max_keypoints=20))
    assert np.diff(clip.offsets).max() <= 20
