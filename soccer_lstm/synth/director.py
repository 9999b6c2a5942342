"""Where the director cuts: the shots of a half around its actions and its other moments.

A broadcast director keeps the main camera's wide shot while play builds up, and cuts for a close-up,
a replay or a fresh angle now and then. Here:

- *Moments* are the actions' instants and, in long stretches of open play, a few *highlights* (a
  tackle, a run, a near miss) that are not actions. Every moment gets the same treatment, so a cut
  says nothing about whether an action is near:
  - one moment in four (per kind, in shuffled rounds) comes right after a cut (the director cuts to
    the set piece, ``BEFORE_S`` before a highlight, or where the action's own script starts);
  - one in five (at random) is followed by a cutaway: a close-up of a player, or a second-angle
    replay (of a shot on goal, or of a highlight), then back to the wide shot;
  - otherwise the wide shot runs on through the moment: no cut from ``QUIET_BEFORE_S`` before it to
    ``QUIET_AFTER_S`` after it, except its own cuts above.
- Elsewhere the director cuts every ``WIDE_S`` seconds (4-12) to a fresh wide shot, sometimes with a close-up
  in between (``CLOSE_UP_P``).

Everything is drawn from the half's generator, so the plan is a pure function of the seed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CLOSE_UP, REPLAY, WIDE = "close-up", "replay", "wide"
WIDE_S = (4.0, 12.0)          # a wide shot between two cuts of the director's own rhythm
CLOSE_UP_S = (2.0, 4.0)
CLOSE_UP_P = 0.2              # a close-up after a rhythm cut, with this probability
REPLAY_S = (3.0, 5.0)         # a highlight's replay (an action's replay lasts as long as its script)
BEFORE_S = (1.5, 3.5)         # a highlight's cut before it
CUTAWAY_P = 0.2               # a cutaway after a moment
CUTAWAY_AFTER_S = (1.0, 2.5)  # ... this long after the action's script ends (or the highlight's instant + 1.5 s)
QUIET_BEFORE_S = 11.0         # no rhythm cut this close before a moment
QUIET_AFTER_S = 10.0          # ... or after it
CLEAR_S = (-8.0, 4.0)         # no cutaway of another moment in this window around a moment
HIGHLIGHT_CLEAR_S = 12.0      # a highlight lies this far from any action
HIGHLIGHT_P = 0.6             # a stretch of open play long enough holds a highlight with this probability
MIN_SHOT_S = 2.0


@dataclass(frozen=True)
class Moment:
    """An action or a highlight: its instant (frame) and, for an action, its script's frames."""

    frame: int
    label: str | None = None            # the action's class; None for a highlight
    first_frame: int | None = None      # the action's script: first frame and length
    n_frames: int = 0


@dataclass(frozen=True)
class Cutaway:
    """A shot inserted after a cut: a close-up or a replay, and what it replays."""

    kind: str
    first_frame: int
    n_frames: int
    moment: Moment | None = None


def highlights(rng: np.random.Generator, actions: list[Moment], total: int, fps: float) -> list[Moment]:
    """Open-play moments in the stretches far from every action."""
    clear = HIGHLIGHT_CLEAR_S * fps
    edges = [-clear + 3 * fps] + [a.frame for a in actions] + [total + clear - 3 * fps]
    found = []
    for left, right in zip(edges, edges[1:]):
        low, high = left + clear, right - clear
        if high > low and rng.random() < HIGHLIGHT_P:
            found.append(Moment(int(rng.uniform(low, high))))
    return found


def _rounds(rng: np.random.Generator, count: int) -> list[bool]:
    """``count`` flags, one True in every shuffled round of four."""
    flags: list[bool] = []
    while len(flags) < count:
        flags += [bool(f) for f in rng.permutation([True, False, False, False])]
    return flags[:count]


def _overlaps(a0: float, a1: float, b0: float, b1: float) -> bool:
    return a0 < b1 and b0 < a1


def plan_cuts(rng: np.random.Generator, actions: list[Moment], total: int,
              fps: float) -> tuple[list[int], list[Cutaway]]:
    """The director's cuts of a half: sorted cut frames (shot starts after frame 0) and the cutaways.

    Parameters
    ----------
    rng : numpy.random.Generator
        The half's generator.
    actions : list of Moment
        The actions in time order, with their scripts' frames.
    total : int
        Frames in the half.
    fps : float
        Frame rate.
    """
    s = lambda seconds: int(round(seconds * fps))  # noqa: E731
    moments = sorted(actions + highlights(rng, actions, total, fps), key=lambda m: m.frame)
    before_action = iter(_rounds(rng, len(actions)))
    before_highlight = iter(_rounds(rng, len(moments) - len(actions)))
    cuts: set[int] = set()
    cutaways: list[Cutaway] = []
    for moment in moments:
        if next(before_action if moment.label else before_highlight):
            cut = moment.first_frame if moment.label else moment.frame - s(rng.uniform(*BEFORE_S))
            if cut >= s(MIN_SHOT_S):
                cuts.add(int(cut))
        if rng.random() >= CUTAWAY_P:
            continue
        end = moment.first_frame + moment.n_frames if moment.label else moment.frame + s(1.5)
        start = end + s(rng.uniform(*CUTAWAY_AFTER_S))
        if moment.label == "shot-on-goal" or (moment.label is None and rng.random() < 0.5):
            length = moment.n_frames if moment.label else s(rng.uniform(*REPLAY_S))
            cutaway = Cutaway(REPLAY, start, length, moment)
        else:
            cutaway = Cutaway(CLOSE_UP, start, s(rng.uniform(*CLOSE_UP_S)))
        stop = start + cutaway.n_frames
        clash = any(_overlaps(start, stop, m.frame + s(CLEAR_S[0]), m.frame + s(CLEAR_S[1]))
                    for m in moments if m is not moment)
        clash |= any(_overlaps(start - s(MIN_SHOT_S), stop + s(MIN_SHOT_S), c.first_frame, c.first_frame + c.n_frames)
                     for c in cutaways)
        if not clash and stop <= total - s(MIN_SHOT_S):
            cutaways.append(cutaway)
    quiet = [(m.frame - s(QUIET_BEFORE_S), m.frame + s(QUIET_AFTER_S)) for m in moments]
    quiet += [(c.first_frame - s(MIN_SHOT_S), c.first_frame + c.n_frames + s(MIN_SHOT_S)) for c in cutaways]
    quiet += [(c - s(MIN_SHOT_S), c + s(MIN_SHOT_S)) for c in cuts]
    frame = 0
    while True:
        frame += s(rng.uniform(*WIDE_S))
        for low, high in sorted(quiet):
            if low <= frame < high:
                frame = high + s(rng.uniform(0.5, 3.0))
        if any(low <= frame < high for low, high in quiet) or frame > total - s(MIN_SHOT_S):
            if frame > total - s(MIN_SHOT_S):
                break
            continue
        cuts.add(frame)
        if rng.random() < CLOSE_UP_P:
            length = s(rng.uniform(*CLOSE_UP_S))
            stop = frame + length
            if stop <= total - s(MIN_SHOT_S) and not any(_overlaps(frame, stop + s(MIN_SHOT_S), low, high)
                                                          for low, high in quiet):
                cutaways.append(Cutaway(CLOSE_UP, frame, length))
                frame = stop
    for cutaway in cutaways:
        cuts.update((cutaway.first_frame, cutaway.first_frame + cutaway.n_frames))
    return sorted(c for c in cuts if 0 < c < total), sorted(cutaways, key=lambda c: c.first_frame)
