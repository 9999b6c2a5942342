"""Streaming a whole video's per-frame vectors: what extract + encode give, in memory that does not grow."""
from __future__ import annotations

import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from clipgen import clip_frames, write_avi
from soccer_lstm.config import EncodeConfig, ExtractConfig
from soccer_lstm.estimators import fitted_pipeline
from soccer_lstm.features.kinds import feature_layout
from soccer_lstm.features.scaling import SequenceScaler
from soccer_lstm.features.sift import extract_clip
from soccer_lstm.features.words import encode_clip
from soccer_lstm.spotting.stream import StreamInfo, stream_vectors

EXTRACT = ExtractConfig(resize=96, max_keypoints=60)


def panning_video(path: Path, n_frames: int) -> Path:
    return write_avi(path, clip_frames("pan-left", 3, n_frames=n_frames), fps=25.0)


def pipeline(features: str = "motion+hof+mbh+hog", codebook: object = None) -> SimpleNamespace:
    """The parts of a trained pipeline that streaming reads; the scaler leaves vectors as they are."""
    encode = EncodeConfig(features=features)
    layout = feature_layout(features)
    scaler = SequenceScaler(scale="none").fit([np.zeros((1, max(b for _, b in layout.values())), np.float32)])
    return SimpleNamespace(encode=encode, pipeline=fitted_pipeline(codebook, encode, layout, scaler, None))


def streamed(path: Path, model: SimpleNamespace, **kwargs: int) -> tuple[np.ndarray, StreamInfo]:
    info = StreamInfo()
    return np.concatenate(list(stream_vectors(path, model, EXTRACT, info, **kwargs))), info


def test_a_video_of_one_block_streams_exactly_what_extract_and_encode_give(tmp_path: Path) -> None:
    video = panning_video(tmp_path / "v.avi", 30)
    model = pipeline()
    vectors, info = streamed(video, model)
    expected = encode_clip(extract_clip(video, EXTRACT), None, model.encode)
    assert info.frames == 30 and info.warning is None
    np.testing.assert_array_equal(vectors, expected)


def test_blocks_give_the_whole_videos_vectors(tmp_path: Path) -> None:
    """Local histograms are exact across blocks; camera motion too here (no still chain outlasts the context)."""
    video = panning_video(tmp_path / "v.avi", 70)
    model = pipeline()
    vectors, info = streamed(video, model, block=16, context=6)
    expected = encode_clip(extract_clip(video, EXTRACT), None, model.encode)
    assert vectors.shape == expected.shape and info.peak_held <= 16 + 2 * 6
    np.testing.assert_array_equal(vectors[:, 9:], expected[:, 9:])
    np.testing.assert_allclose(vectors[:, :9], expected[:, :9], atol=1e-5)


def test_memory_stays_flat_on_a_five_times_longer_video(tmp_path: Path) -> None:
    model = pipeline()
    peaks, held = [], []
    for n_frames in (60, 300):
        video = panning_video(tmp_path / f"v{n_frames}.avi", n_frames)
        tracemalloc.start()
        info = StreamInfo()
        rows = sum(len(block) for block in stream_vectors(video, model, EXTRACT, info, block=20, context=4))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert rows == n_frames
        held.append(info.peak_held)
    assert held[0] == held[1] == 20 + 2 * 4
    assert peaks[1] < 1.3 * peaks[0], f"peak traced memory grew from {peaks[0]} to {peaks[1]} bytes"


def test_a_video_damaged_part_way_streams_up_to_the_damage(tmp_path: Path) -> None:
    video = panning_video(tmp_path / "v.avi", 60)
    data = video.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[:len(data) // 2])
    vectors, info = streamed(cut, pipeline())
    assert 5 < len(vectors) < 60
    assert info.warning and "truncated" in info.warning


def test_an_unreadable_video_is_named(tmp_path: Path) -> None:
    from soccer_lstm.errors import ClipError

    bad = tmp_path / "notes.avi"
    bad.write_text("not a video\n")
    with pytest.raises(ClipError, match="notes.avi"):
        streamed(bad, pipeline())
