"""Per-frame class probabilities turned into events: per-class peaks, suppressed within a window.

For every class but the background, the candidate events are the local maxima of its probability
curve (the middle of a plateau for a flat top) that reach ``min_confidence``; they are taken from
the most probable down, and a candidate closer than ``nms`` seconds to an event already taken of
the same class is dropped (non-maximum suppression). An event's confidence is the probability at
its peak. Only local maxima are candidates, so the shoulder of a peak just outside the suppression
window is not reported as a second event.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class Peak:
    """One spotted event: its time (seconds from the video's start), class and confidence."""

    seconds: float
    label: str
    confidence: float


def curve_peaks(curve: np.ndarray, min_value: float) -> np.ndarray:
    """Indices of the local maxima of ``curve`` at or above ``min_value`` (a plateau's middle once)."""
    curve = np.asarray(curve, np.float64)
    if not len(curve):
        return np.zeros(0, np.int64)
    change = np.flatnonzero(np.diff(curve) != 0) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(curve)]])
    values = curve[starts]
    left = np.concatenate([[-np.inf], values[:-1]])
    right = np.concatenate([values[1:], [-np.inf]])
    keep = (values > left) & (values > right) & (values >= min_value)
    return ((starts[keep] + ends[keep] - 1) // 2).astype(np.int64)


def suppress(times: np.ndarray, scores: np.ndarray, window: float) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression: best first, none within ``window`` of a kept one."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    kept: list[int] = []
    for i in order:
        if all(abs(times[i] - times[j]) >= window for j in kept) or window <= 0:
            kept.append(int(i))
    return np.array(sorted(kept, key=lambda i: times[i]), np.int64)


def pick_peaks(probabilities: np.ndarray, times: np.ndarray, classes: Sequence[str], background: str | None,
               nms: float, min_confidence: float) -> list[Peak]:
    """Events of every class but ``background`` from per-frame probabilities.

    Parameters
    ----------
    probabilities : ndarray (T, C)
        Per-frame class probabilities.
    times : ndarray (T,)
        Seconds of each frame.
    classes : sequence of str
        The ``C`` class names.
    background : str or None
        The class never spotted.
    nms : float
        Seconds: two events of one class are never closer than this.
    min_confidence : float
        Lowest peak probability reported.

    Returns
    -------
    list of Peak
        Sorted by time, then class.
    """
    probabilities = np.asarray(probabilities, np.float64).reshape(len(times), len(classes))
    times = np.asarray(times, np.float64)
    events = []
    for c, label in enumerate(classes):
        if label == background:
            continue
        candidates = curve_peaks(probabilities[:, c], min_confidence)
        kept = candidates[suppress(times[candidates], probabilities[candidates, c], nms)]
        events += [Peak(float(times[i]), label, float(probabilities[i, c])) for i in kept]
    return sorted(events, key=lambda e: (e.seconds, e.label))
