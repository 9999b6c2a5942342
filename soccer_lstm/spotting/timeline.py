"""A video's per-frame probabilities on disk (``timeline.npz``) and as a picture (``timeline.png``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from soccer_lstm.artifacts import load_npz, save_npz
from soccer_lstm.spotting.peaks import Peak
from soccer_lstm.spotting.soccernet import Event


def save_timeline(path: str | Path, times: np.ndarray, probabilities: np.ndarray, classes: Sequence[str],
                  meta: dict[str, Any] | None = None) -> None:
    """Write ``times`` (seconds, float64), ``probabilities`` (T x C, float32) and ``classes`` atomically.

    The archive loads with ``numpy.load`` (no pickle): ``classes`` is an array of strings.
    """
    save_npz(path, {"times": np.asarray(times, np.float64), "probabilities": np.asarray(probabilities, np.float32),
                    "classes": np.asarray(list(classes), dtype=str)}, {"stage": "spot", **(meta or {})})


def load_timeline(path: str | Path) -> tuple[np.ndarray, np.ndarray, list[str], dict[str, Any]]:
    """``(times, probabilities, classes, meta)`` of a ``timeline.npz``."""
    arrays, meta = load_npz(path, required=("times", "probabilities", "classes"))
    return arrays["times"], arrays["probabilities"], [str(c) for c in arrays["classes"]], meta


def plot_timeline(path: str | Path, times: np.ndarray, probabilities: np.ndarray, classes: Sequence[str],
                  events: Sequence[Peak], annotations: Sequence[Event] = (), background: str | None = None,
                  title: str = "") -> None:
    """Draw one probability curve per class over time, the spotted events and the annotated ones.

    Spotted events are triangles on their class's curve at their confidence; annotations (from a
    ``Labels-v2.json``) are dashed vertical lines in their class's colour behind the curves. The
    background class is drawn grey. Written atomically.
    """
    from soccer_lstm.figures import new_figure, save_png

    times = np.asarray(times, np.float64)
    minutes = times[-1] > 600 if len(times) else False
    scale = 60.0 if minutes else 1.0
    fig = new_figure(12, 4.5)
    ax = fig.subplots()
    colours = {}
    palette = [f"C{i}" for i in range(10)]
    for c, label in enumerate(classes):
        colour = "0.6" if label == background else palette[len(colours) % len(palette)]
        colours[label] = colour
        ax.plot(times / scale, probabilities[:, c], color=colour, lw=1.0, label=label)
    for event in events:
        ax.plot(event.seconds / scale, event.confidence, marker="v", color=colours.get(event.label, "k"),
                markersize=8, markeredgecolor="k")
    shown = set()
    for note in annotations:
        colour = colours.get(note.label, "k")
        ax.axvline(note.seconds / scale, color=colour, ls="--", lw=1.2, alpha=0.7, zorder=0,
                   label=None if note.label in shown else f"annotated {note.label}")
        shown.add(note.label)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("time (min)" if minutes else "time (s)")
    ax.set_ylabel("probability")
    ax.set_title(title or "per-frame class probabilities (triangles: spotted events)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    fig.tight_layout()
    save_png(fig, path)
