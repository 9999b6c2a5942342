"""SoccerNet's action-spotting metric: average-mAP over tolerances (loose and tight) and per-class AP.

Written from the facts of the official evaluation (``SoccerNet/Evaluation/ActionSpotting.py`` of
the ``SoccerNet`` package, 0.2.0), so that the figures agree with it to rounding:

- Events go on a grid of :data:`FRAMERATE` cells per second, 120 minutes per half: an event at
  ``position`` ms falls in cell ``int(2 * position / 1000)`` (the last cell beyond). A half holds at
  most one ground truth and one prediction per class and cell: several annotations in a cell count
  once; of several predictions the later one in the file stays. A negative confidence is no prediction.
- At a tolerance ``delta`` (seconds), the ground truths of a half and class, in time order, each take
  the highest-scoring prediction not yet taken within ``delta / 2`` on either side (the earliest of
  equal scores); taken predictions are true positives, the others false positives.
- Precision and recall at 200 confidence thresholds ``linspace(0, 1, 200)`` (predictions scoring at
  least the threshold; a ratio with nothing to count is 0); AP is the 11-point interpolated average
  (the best precision at recall >= 0, 0.1, ..., 1; 0 where none); mAP is the mean AP over classes.
- Average-mAP is the area under mAP against the tolerance by trapezoids, divided by the number of
  intervals: loose tolerances 5, 10, ..., 60 s, tight 1, 2, ..., 5 s.

The classes are those of the annotations (their sorted union, ``background`` excluded) unless given;
a game without a predictions file counts as a game without predictions. Unlike the official code,
which reads only halves 1 and 2, every half is scored.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from soccer_lstm.errors import UserError
from soccer_lstm.spotting.layout import find_games
from soccer_lstm.spotting.soccernet import Event, read_labels, read_predictions

log = logging.getLogger(__name__)

FRAMERATE = 2
HALF_CELLS = 120 * 60 * FRAMERATE
THRESHOLDS = np.linspace(0, 1, 200)
LOOSE_DELTAS = tuple(float(d) for d in range(5, 65, 5))
TIGHT_DELTAS = (1.0, 2.0, 3.0, 4.0, 5.0)
BACKGROUND = "background"


@dataclass
class _Half:
    """One half's events of one class on the grid: ground-truth cells; prediction cells and scores."""

    truth: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cells: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class SpottingScore:
    """The metric on a set of games.

    Attributes
    ----------
    classes : list of str
    average_map_loose, average_map_tight : float
        SoccerNet's average-mAP over the loose and the tight tolerances.
    per_class_loose, per_class_tight : dict of str to float
        Each class's AP averaged over the same tolerances.
    tolerance : float
        The single tolerance of ``map_at_tolerance`` and ``per_class_at_tolerance`` (seconds).
    map_at_tolerance : float
    per_class_at_tolerance : dict of str to float
    map_by_tolerance : dict of float to float
        mAP at every tolerance computed.
    actions : dict of str to int
        Ground-truth actions of each class (one per half-second cell).
    games : list of str
    games_without_predictions : list of str
    """

    classes: list[str]
    average_map_loose: float
    average_map_tight: float
    per_class_loose: dict[str, float]
    per_class_tight: dict[str, float]
    tolerance: float
    map_at_tolerance: float
    per_class_at_tolerance: dict[str, float]
    map_by_tolerance: dict[float, float]
    actions: dict[str, int]
    games: list[str]
    games_without_predictions: list[str]

    def as_dict(self) -> dict:
        """The JSON object ``spot-score --json`` prints."""
        return {
            "average_mAP_loose": self.average_map_loose,
            "average_mAP_tight": self.average_map_tight,
            "per_class": {c: {"loose": self.per_class_loose[c], "tight": self.per_class_tight[c]} for c in self.classes},
            "tolerance_s": self.tolerance,
            "mAP_at_tolerance": self.map_at_tolerance,
            "per_class_at_tolerance": dict(self.per_class_at_tolerance),
            "mAP_by_tolerance": {f"{d:g}": v for d, v in sorted(self.map_by_tolerance.items())},
            "actions": dict(self.actions),
            "classes": list(self.classes),
            "games": list(self.games),
            "games_without_predictions": list(self.games_without_predictions),
        }


def cell(position_ms: int) -> int:
    """The grid cell of an event at ``position_ms`` (as the official evaluation computes it)."""
    return min(int(FRAMERATE * (int(position_ms) / 1000)), HALF_CELLS - 1)


def _halves(labels: Iterable[Event], predictions: Iterable[Event], classes: Sequence[str]) -> list[list[_Half]]:
    """Per half (in half order), per class: the grid's ground truths and predictions of one game."""
    index = {c: i for i, c in enumerate(classes)}
    truth: dict[int, list[set[int]]] = {}
    best: dict[int, list[dict[int, float]]] = {}
    for event in labels:
        if event.label in index:
            truth.setdefault(event.half, [set() for _ in classes])[index[event.label]].add(cell(event.position_ms))
    for event in predictions:                       # in file order: a later prediction replaces an earlier one
        if event.label in index:
            best.setdefault(event.half, [{} for _ in classes])[index[event.label]][cell(event.position_ms)] = event.confidence
    halves = []
    for half in sorted(set(truth) | set(best)):
        row = []
        for c in range(len(classes)):
            cells = {k: s for k, s in (best.get(half) or [{}] * len(classes))[c].items() if s >= 0}
            order = sorted(cells)
            row.append(_Half(np.array(sorted((truth.get(half) or [set()] * len(classes))[c]), np.int64),
                             np.array(order, np.int64), np.array([cells[k] for k in order], float)))
        halves.append(row)
    return halves


def _match(half: _Half, delta_cells: float) -> np.ndarray:
    """Which predictions of ``half`` are true positives at a tolerance of ``delta_cells`` cells."""
    taken = np.zeros(len(half.cells), bool)
    reach = delta_cells / 2
    for truth in half.truth:
        lo = int(np.searchsorted(half.cells, truth - reach, "left"))
        hi = int(np.searchsorted(half.cells, truth + reach, "right"))
        if lo == hi:
            continue
        window = np.where(taken[lo:hi], -np.inf, half.scores[lo:hi])
        k = int(np.argmax(window))                  # the first of equal scores, as the official loop keeps
        if window[k] > -np.inf:
            taken[lo + k] = True
    return taken


def average_precision(scores: np.ndarray, hits: np.ndarray, n_truth: int) -> float:
    """SoccerNet's 11-point AP of predictions ``scores`` of which ``hits`` are true positives."""
    order = np.argsort(scores, kind="stable")
    ranked = np.asarray(scores, float)[order]
    above = np.concatenate([np.cumsum(np.asarray(hits, float)[order][::-1])[::-1], [0.0]])
    precision, recall = [], []
    for threshold in THRESHOLDS:
        first = int(np.searchsorted(ranked, threshold, "left"))
        n, tp = len(ranked) - first, above[first]
        precision.append(tp / n if n else 0.0)
        recall.append(tp / n_truth if n_truth else 0.0)
    precision, recall = np.array(precision), np.array(recall)
    ap = 0.0
    for level in np.arange(11) / 10:
        reached = precision[recall >= level]
        ap += float(reached.max()) if reached.size else 0.0
    return ap / 11


def _per_class_ap(games: list[list[list[_Half]]], n_classes: int, delta: float) -> np.ndarray:
    aps = np.zeros(n_classes)
    for c in range(n_classes):
        scores, hits, n_truth = [], [], 0
        for halves in games:
            for row in halves:
                scores.append(row[c].scores)
                hits.append(_match(row[c], delta * FRAMERATE))
                n_truth += len(row[c].truth)
        aps[c] = average_precision(np.concatenate(scores) if scores else np.zeros(0),
                                   np.concatenate(hits) if hits else np.zeros(0, bool), n_truth)
    return aps


def _area(values: list) -> np.ndarray | float:
    """Trapezoid area over equally spaced tolerances, divided by the number of intervals."""
    if len(values) == 1:
        return values[0]
    total = 0.0
    for a, b in zip(values[:-1], values[1:]):
        total = total + (a + b) / 2
    return total / (len(values) - 1)


def spotting_score(games: Sequence[tuple[str, list[Event], list[Event] | None]], classes: Sequence[str] | None = None,
                   tolerance: float = 5.0) -> SpottingScore:
    """The metric on in-memory games ``(name, annotations, predictions or None)``.

    Parameters
    ----------
    games : sequence of (str, list of Event, list of Event or None)
        Predictions in file order (``None``: the game has no predictions).
    classes : sequence of str, optional
        Classes to score (default: the sorted union of the annotations' labels, without ``background``).
    tolerance : float
        The single tolerance, in seconds, of ``map_at_tolerance`` and ``per_class_at_tolerance``.
    """
    if classes is None:
        classes = sorted({e.label for _, labels, _ in games for e in labels} - {BACKGROUND})
    classes = list(classes)
    if not classes:
        raise UserError("no annotated action to score against")
    if not tolerance > 0:
        raise UserError(f"--tolerance must be more than 0 seconds, got {tolerance}")
    grids = [_halves(labels, predictions or [], classes) for _, labels, predictions in games]
    per_delta: dict[float, np.ndarray] = {}
    for delta in sorted({*LOOSE_DELTAS, *TIGHT_DELTAS, float(tolerance)}):
        per_delta[delta] = _per_class_ap(grids, len(classes), delta)
    loose = [per_delta[d] for d in LOOSE_DELTAS]
    tight = [per_delta[d] for d in TIGHT_DELTAS]
    actions = {c: sum(len(row[i].truth) for halves in grids for row in halves) for i, c in enumerate(classes)}
    return SpottingScore(
        classes=classes,
        average_map_loose=float(_area([np.mean(a) for a in loose])),
        average_map_tight=float(_area([np.mean(a) for a in tight])),
        per_class_loose=dict(zip(classes, map(float, _area(loose)))),
        per_class_tight=dict(zip(classes, map(float, _area(tight)))),
        tolerance=float(tolerance),
        map_at_tolerance=float(np.mean(per_delta[float(tolerance)])),
        per_class_at_tolerance=dict(zip(classes, map(float, per_delta[float(tolerance)]))),
        map_by_tolerance={d: float(np.mean(a)) for d, a in per_delta.items()},
        actions=actions,
        games=[name for name, _, _ in games],
        games_without_predictions=[name for name, _, predictions in games if predictions is None],
    )


def score_games(labels_root: str | Path, predictions_root: str | Path, classes: Sequence[str] | None = None,
                tolerance: float = 5.0) -> SpottingScore:
    """Score the predictions under ``predictions_root`` against the games under ``labels_root``.

    The predictions of game ``G`` (its folder relative to ``labels_root``) are read from
    ``predictions_root/G/results_spotting.json``; a game without that file is warned about and
    counted as a game without predictions.

    Raises
    ------
    UserError
        When a folder is missing, no game is found, or a labels or predictions file is malformed
        (the message names the file).
    """
    predictions_root = Path(predictions_root)
    if not predictions_root.is_dir():
        raise UserError(f"{predictions_root}: not a folder of predictions")
    games = []
    for game in find_games(labels_root):
        _, labels = read_labels(game.labels)
        path = game.predictions(predictions_root)
        if path.is_file():
            predictions = read_predictions(path, sort=False)[1]
        else:
            log.warning("%s: no predictions for game %s (counted as none)", path, game.name)
            predictions = None
        games.append((game.name, labels, predictions))
    scored = set(classes) if classes is not None else {e.label for _, labels, _ in games for e in labels}
    unknown = sorted({e.label for _, _, predictions in games for e in predictions or []} - scored - {BACKGROUND})
    if unknown:
        log.warning("%s: predictions of labels that are not scored (not in the annotations or --classes), left "
                    "out: %s", predictions_root, ", ".join(unknown))
    return spotting_score(games, classes, tolerance)


def format_spotting_score(score: SpottingScore) -> str:
    """A terminal table: AP per class (loose, tight, at the single tolerance), then the averages."""
    at = f"AP@{score.tolerance:g}s"
    width = max(24, *(len(c) + 2 for c in score.classes))
    lines = [f"{'class':<{width}}{'actions':>8}{'AP loose':>10}{'AP tight':>10}{at:>10}"]
    lines += [f"{c:<{width}}{score.actions[c]:>8}{score.per_class_loose[c]:>10.3f}{score.per_class_tight[c]:>10.3f}"
              f"{score.per_class_at_tolerance[c]:>10.3f}" for c in score.classes]
    lines += [f"average-mAP loose (5-60 s): {score.average_map_loose:.4f}",
              f"average-mAP tight (1-5 s):  {score.average_map_tight:.4f}",
              f"mAP at {score.tolerance:g} s: {score.map_at_tolerance:.4f}",
              f"{len(score.games)} games"
              + (f", {len(score.games_without_predictions)} without predictions" if score.games_without_predictions else "")]
    return "\n".join(lines)
