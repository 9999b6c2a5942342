"""Peak picking on hand-made probability curves: suppression, threshold, the background class skipped."""
from __future__ import annotations

import numpy as np

from soccer_lstm.spotting.peaks import curve_peaks, pick_peaks, suppress

CLASSES = ["background", "goal", "throw-in"]


def bump(times: np.ndarray, centre: float, height: float, width: float = 0.5) -> np.ndarray:
    return height * np.exp(-0.5 * ((times - centre) / width) ** 2)


def curves(times: np.ndarray, goal: list[tuple[float, float]], throw: list[tuple[float, float]]) -> np.ndarray:
    p = np.zeros((len(times), 3))
    for centre, height in goal:
        p[:, 1] += bump(times, centre, height)
    for centre, height in throw:
        p[:, 2] += bump(times, centre, height)
    p[:, 0] = np.clip(1 - p[:, 1] - p[:, 2], 0, 1)
    return p


def test_each_bump_above_the_threshold_is_one_event_at_its_top() -> None:
    times = np.arange(0, 60, 0.04)
    p = curves(times, goal=[(10.0, 0.9), (40.0, 0.6)], throw=[(25.0, 0.8), (50.0, 0.2)])
    events = pick_peaks(p, times, CLASSES, "background", nms=5.0, min_confidence=0.5)
    assert [(round(e.seconds, 2), e.label) for e in events] == [(10.0, "goal"), (25.0, "throw-in"), (40.0, "goal")]
    assert [round(e.confidence, 2) for e in events] == [0.9, 0.8, 0.6]


def test_the_background_class_is_never_an_event() -> None:
    times = np.arange(0, 20, 0.1)
    p = curves(times, goal=[(10.0, 0.6)], throw=[])
    events = pick_peaks(p, times, CLASSES, "background", nms=1.0, min_confidence=0.1)
    assert {e.label for e in events} == {"goal"}
    with_background = pick_peaks(p, times, CLASSES, None, nms=1.0, min_confidence=0.1)
    assert "background" in {e.label for e in with_background}


def test_suppression_keeps_the_higher_of_two_close_peaks_of_one_class_only() -> None:
    times = np.arange(0, 30, 0.04)
    p = curves(times, goal=[(10.0, 0.7), (12.0, 0.9)], throw=[(11.0, 0.8)])
    close = pick_peaks(p, times, CLASSES, "background", nms=5.0, min_confidence=0.3)
    assert [(round(e.seconds, 1), e.label) for e in close] == [(11.0, "throw-in"), (12.0, "goal")]
    apart = pick_peaks(p, times, CLASSES, "background", nms=1.0, min_confidence=0.3)
    assert [(round(e.seconds, 1), e.label) for e in apart] == [(10.0, "goal"), (11.0, "throw-in"), (12.0, "goal")]


def test_a_shoulder_beyond_the_suppression_window_is_not_a_second_event() -> None:
    times = np.arange(0, 30, 0.04)
    p = curves(times, goal=[(10.0, 0.95)], throw=[])
    p[:, 1] = np.maximum(p[:, 1], np.where(np.abs(times - 10) < 6, 0.7, 0.0))   # a wide high shoulder
    events = pick_peaks(p, times, CLASSES, "background", nms=2.0, min_confidence=0.5)
    assert [round(e.seconds, 1) for e in events] == [10.0]


def test_a_flat_top_is_one_event_in_its_middle() -> None:
    curve = np.array([0.1, 0.6, 0.8, 0.8, 0.8, 0.8, 0.8, 0.2, 0.1])
    assert curve_peaks(curve, 0.5).tolist() == [4]
    assert curve_peaks(curve, 0.9).tolist() == []
    assert curve_peaks(np.array([0.9, 0.1, 0.2]), 0.1).tolist() == [0, 2]   # the ends count
    assert curve_peaks(np.zeros(0), 0.1).tolist() == []


def test_suppress_orders_by_score_and_returns_in_time_order() -> None:
    times = np.array([0.0, 1.0, 2.0, 10.0])
    scores = np.array([0.5, 0.9, 0.6, 0.4])
    assert suppress(times, scores, 1.5).tolist() == [1, 3]
    assert suppress(times, scores, 0.0).tolist() == [0, 1, 2, 3]
