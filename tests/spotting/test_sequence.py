"""The classifier over a whole video: centred windows, sliding windows and carried state, against the model's own passes."""
from __future__ import annotations

import numpy as np
import pytest

from soccer_lstm.spotting.sequence import CarriedState, CentredWindows, SlidingWindows


def softmax_of_first_columns(windows: list[np.ndarray]) -> list[np.ndarray]:
    """A stub classifier whose frame t's output depends on frame t only (windows change nothing)."""
    out = []
    for w in windows:
        e = np.exp(w[:, :3] - w[:, :3].max(axis=1, keepdims=True))
        out.append(e / e.sum(axis=1, keepdims=True))
    return out


def feed_in_blocks(runner: object, x: np.ndarray, sizes: list[int]) -> np.ndarray:
    parts, i = [], 0
    for size in sizes:
        parts.append(runner.feed(x[i:i + size]))
        i += size
    parts.append(runner.finish())
    return np.concatenate(parts)


@pytest.mark.parametrize("n_frames,window,stride,blocks", [(300, 50, 10, [37] * 9), (300, 50, 50, [300]),
                                                           (30, 50, 12, [10, 20]), (1, 50, 12, [1]),
                                                           (101, 7, 3, [1] * 101)])
def test_windows_give_every_frame_once_whatever_the_blocks(n_frames: int, window: int, stride: int,
                                                          blocks: list[int]) -> None:
    x = np.random.default_rng(0).normal(size=(n_frames, 4)).astype(np.float32)
    runner = SlidingWindows(softmax_of_first_columns, 3, window, stride)
    out = feed_in_blocks(runner, x, blocks)
    np.testing.assert_allclose(out, softmax_of_first_columns([x])[0], atol=1e-6)
    assert runner.held <= window + stride + max(blocks)


def test_a_video_shorter_than_one_window_is_one_short_window() -> None:
    seen = []

    def record(windows: list[np.ndarray]) -> list[np.ndarray]:
        seen.extend(len(w) for w in windows)
        return softmax_of_first_columns(windows)

    out = feed_in_blocks(SlidingWindows(record, 3, 50, 10), np.ones((12, 4), np.float32), [5, 7])
    assert out.shape == (12, 3) and seen == [12]


def window_means(windows: list[np.ndarray]) -> np.ndarray:
    """A stub clip classifier: a window's decision is the mean of its frames' first column."""
    return np.array([[float(w[:, 0].mean())] for w in windows])


@pytest.mark.parametrize("n_frames,window,stride,blocks", [(300, 50, 10, [37] * 9), (300, 50, 50, [300]),
                                                           (101, 7, 3, [1] * 101), (64, 10, 3, [5, 50, 9])])
def test_centred_windows_put_each_decision_at_its_centre_whatever_the_blocks(n_frames: int, window: int, stride: int,
                                                                             blocks: list[int]) -> None:
    # Frame f's vector is f, so a window's mean is its centre: interpolated, every frame between the
    # first and the last centre reads its own index; before (after) them, the first (last) decision.
    x = np.arange(n_frames, dtype=np.float32)[:, None]
    runner = CentredWindows(window_means, 1, window, stride)
    out = feed_in_blocks(runner, x, blocks)[:, 0]
    first, last = (window - 1) / 2, n_frames - 1 - (window - 1) / 2
    frames = np.arange(n_frames)
    np.testing.assert_allclose(out, np.clip(frames, first, last), atol=1e-4)
    assert runner.held <= window + stride + max(blocks)


def test_centred_windows_stream_what_a_whole_pass_gives() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(203, 4)).astype(np.float32)

    def decide(windows: list[np.ndarray]) -> np.ndarray:
        return np.array([softmax_of_first_columns([w])[0].mean(axis=0) for w in windows])

    whole = feed_in_blocks(CentredWindows(decide, 3, 25, 6), x, [203])
    emitted = []
    runner = CentredWindows(decide, 3, 25, 6)
    for i in range(0, 203, 11):
        emitted.append(runner.feed(x[i:i + 11]))
    emitted.append(runner.finish())
    assert sum(len(e) for e in emitted[:-1]) > 150     # frames come out as the video is read, not at the end
    np.testing.assert_allclose(np.concatenate(emitted), whole, atol=1e-6)
    np.testing.assert_allclose(whole.sum(axis=1), 1.0, atol=1e-5)


def test_centred_windows_on_a_short_or_empty_video() -> None:
    seen = []

    def record(windows: list[np.ndarray]) -> np.ndarray:
        seen.extend(len(w) for w in windows)
        return window_means(windows)

    out = feed_in_blocks(CentredWindows(record, 1, 50, 10), np.arange(12, dtype=np.float32)[:, None], [5, 7])
    assert seen == [12] and np.allclose(out[:, 0], 5.5)
    assert feed_in_blocks(CentredWindows(record, 1, 50, 10), np.zeros((0, 1), np.float32), []).shape == (0, 1)


@pytest.fixture(scope="module")
def tiny_classifier() -> object:
    from soccer_lstm.models.lstm import LSTMClassifier

    rng = np.random.default_rng(1)
    sequences = [rng.normal(size=(15, 7)).astype(np.float32) for _ in range(6)]
    from soccer_lstm.features.kinds import FrameVectors

    return LSTMClassifier(units=5, epochs=2, ensemble=2, mirror=False).fit(
        FrameVectors(sequences, {"bow": [0, 3], "motion": [3, 7]}), ["a", "b", "c"] * 2)


def test_windows_average_the_models_own_window_passes(tiny_classifier: object) -> None:
    x = np.random.default_rng(2).normal(size=(120, 7)).astype(np.float32)
    out = feed_in_blocks(SlidingWindows(tiny_classifier.predict_steps, 3, 40, 20), x, [50, 50, 20])
    sums, counts = np.zeros((120, 3)), np.zeros(120)
    for start in (0, 20, 40, 60, 80):   # the last window ends at the last frame
        sums[start:start + 40] += tiny_classifier.predict_steps([x[start:start + 40]])[0]
        counts[start:start + 40] += 1
    np.testing.assert_allclose(out, sums / counts[:, None], atol=1e-5)


def test_centred_windows_use_the_models_clip_decisions(tiny_classifier: object) -> None:
    x = np.random.default_rng(4).normal(size=(120, 7)).astype(np.float32)
    out = feed_in_blocks(CentredWindows(tiny_classifier.predict_proba, 3, 40, 20), x, [50, 50, 20])
    decisions = tiny_classifier.predict_proba([x[s:s + 40] for s in (0, 20, 40, 60, 80)])
    centres = np.array([19.5, 39.5, 59.5, 79.5, 99.5])
    for c in range(3):
        np.testing.assert_allclose(out[:, c], np.interp(np.arange(120), centres, decisions[:, c]), atol=1e-5)


def _keras_forward(classifier: object, x: np.ndarray) -> np.ndarray:
    """The Keras model's own per-frame probabilities over one whole sequence (outputs averaged)."""
    inputs = classifier._inputs(x[None], np.ones((1, len(x)), bool))
    outputs = classifier.model_(inputs, training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return np.mean([np.asarray(o) for o in outputs], axis=0)[0]


def test_carried_state_is_the_keras_forward_pass_over_the_whole_video(tiny_classifier: object) -> None:
    x = np.random.default_rng(3).normal(size=(200, 7)).astype(np.float32)
    out = feed_in_blocks(CarriedState(tiny_classifier), x, [64, 1, 135])
    np.testing.assert_allclose(out, _keras_forward(tiny_classifier, x), atol=1e-5)
    short = feed_in_blocks(CarriedState(tiny_classifier), x[:3], [3])
    np.testing.assert_allclose(short, _keras_forward(tiny_classifier, x[:3]), atol=1e-5)
    # and not the same as windows restarted from a zero state: the state is really carried
    restarted = np.concatenate([_keras_forward(tiny_classifier, x[:64]), _keras_forward(tiny_classifier, x[64:])])
    assert np.abs(out - restarted)[64:70].max() > 1e-4
