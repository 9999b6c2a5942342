"""Shot boundaries by frame differencing, and the cuts-only spotter: the shortcut baseline.

A hard cut is one frame-to-frame change that stands out: the mean absolute difference of two
consecutive frames (grey, shrunk to ``SMALL`` pixels) is at least ``MIN_CHANGE`` grey levels and
``RATIO`` times the change just before it and the one just after it. A pan or a zoom changes every
frame by about as much as the last, so it never stands out; a cut changes one frame a lot. (On
rendered games, cuts stand out by 2.8 times or more, and nothing else by more than 1.2 times.)

The cuts-only spotter knows nothing but cuts. On the training games it learns, per class, the
median delay from an action's instant back to the last cut before it; on a video it puts, at each
cut, one event of every class at that class's delay. If a renderer or a broadcast cuts just before
its actions, this spotter scores well without seeing any football, so its score beside a model's
says how much of the model's score the cuts alone could give.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from soccer_lstm.errors import ClipError, UserError
from soccer_lstm.spotting.layout import find_games
from soccer_lstm.spotting.plan import plan_games
from soccer_lstm.spotting.soccernet import PREDICTIONS_FILE, Event, read_labels, write_predictions
from soccer_lstm.video import _raw_frames

SMALL = (64, 36)          # frames are compared at this size (width, height)
MIN_CHANGE = 6.0          # grey levels: a smaller change is never a cut
RATIO = 2.0               # a cut's change is this many times the changes just before and after it
MIN_SHOT_S = 0.5          # two cuts closer than this are one


@dataclass(frozen=True)
class VideoCuts:
    """A video's hard cuts: ``cuts`` are the seconds at which a new shot starts (its first frame)."""

    path: Path
    fps: float
    n_frames: int
    cuts: tuple[float, ...]

    @property
    def seconds(self) -> float:
        return self.n_frames / self.fps


def frame_changes(path: str | Path) -> tuple[np.ndarray, float]:
    """Mean absolute grey difference between each frame and the next (``n_frames - 1`` values), and the fps."""
    path = Path(path)
    frames, fps = _raw_frames(path)
    changes: list[float] = []
    previous = None
    try:
        for frame in frames:
            if frame.ndim == 3:
                frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            small = cv2.resize(frame, SMALL, interpolation=cv2.INTER_AREA).astype(np.float32)
            if previous is not None:
                changes.append(float(cv2.absdiff(small, previous).mean()))
            previous = small
    except cv2.error as exc:
        raise ClipError(path, f"decoding failed ({exc.err or exc})") from None
    if previous is None:
        raise ClipError(path, "no frame could be decoded (not a video, or truncated)")
    return np.asarray(changes), fps if fps > 0 else 25.0


def find_cuts(changes: np.ndarray, fps: float) -> list[int]:
    """Frames (indices of a shot's first frame) where ``changes`` (from :func:`frame_changes`) stands out."""
    changes = np.asarray(changes, float)
    padded = np.pad(changes, 1, mode="constant")
    cuts: list[int] = []
    for i, change in enumerate(changes):
        if change < MIN_CHANGE:
            continue
        if change >= RATIO * max(padded[i], padded[i + 2]):
            frame = i + 1
            if not cuts or frame - cuts[-1] >= MIN_SHOT_S * fps:
                cuts.append(frame)
    return cuts


def video_cuts(path: str | Path) -> VideoCuts:
    """The hard cuts of one video file."""
    changes, fps = frame_changes(path)
    return VideoCuts(Path(path), fps, len(changes) + 1, tuple(f / fps for f in find_cuts(changes, fps)))


class CutsSpotter:
    """Events at a fixed delay after every cut, one per class: the delays are learned on annotated games.

    Attributes (after :meth:`fit`)
    ----------
    delays_ : dict of str to float
        Per class, the median seconds from the last cut (or the video's start) to an action's instant.
    """

    def fit(self, halves: Sequence[tuple[VideoCuts, Sequence[Event]]]) -> CutsSpotter:
        """Learn the delays from ``(cuts of a half's video, that half's annotations)`` pairs."""
        delays: dict[str, list[float]] = {}
        for cuts, events in halves:
            starts = np.asarray((0.0, *cuts.cuts))
            for event in events:
                before = starts[starts <= event.seconds]
                delays.setdefault(event.label, []).append(event.seconds - float(before.max()))
        if not delays:
            raise UserError("the training games hold no annotated action to learn the delays from")
        self.delays_ = {label: float(np.median(values)) for label, values in sorted(delays.items())}
        return self

    def predict(self, cuts: VideoCuts, half: int = 1) -> list[Event]:
        """One event per class at its delay after each cut of ``cuts`` (inside the video), confidence 1."""
        if not hasattr(self, "delays_"):
            raise RuntimeError("CutsSpotter is not fitted: call fit() first")
        events = []
        for cut in cuts.cuts:
            for label, delay in self.delays_.items():
                if cut + delay < cuts.seconds:
                    events.append(Event(half, int(round((cut + delay) * 1000)), label, 1.0))
        return events


def fit_on_games(root: str | Path) -> CutsSpotter:
    """A :class:`CutsSpotter` fitted on every annotated game under ``root`` (SoccerNet's layout)."""
    halves = []
    for game in find_games(root):
        events = read_labels(game.labels)[1]
        for half, video in game.videos.items():
            halves.append((video_cuts(video), [e for e in events if e.half == half]))
    if not halves:
        raise UserError(f"{root}: no game with a video of its halves to learn the cuts from")
    return CutsSpotter().fit(halves)


def spot_cuts(train_root: str | Path, videos: Sequence[str | Path], out_dir: str | Path,
              overwrite: bool = False) -> dict[str, float]:
    """Write ``OUT/<game>/results_spotting.json`` for ``videos`` with a cuts-only spotter fitted on ``train_root``.

    ``videos`` are read as ``spot`` reads them (video files or folders of games); the files have
    ``spot``'s format, so ``spot-score`` scores them. Returns the learned delays per class.
    """
    from soccer_lstm.ownership import claim_folder, folder_ref

    games = plan_games(videos)
    spotter = fit_on_games(train_root)
    claim_folder(out_dir, "spot-cuts", {"train": folder_ref(train_root)}, overwrite)
    for game in games:
        events = [e for job in game.videos for e in spotter.predict(video_cuts(job.path), job.half)]
        write_predictions(Path(out_dir) / game.key / PREDICTIONS_FILE, events, game.url_local)
    return spotter.delays_
