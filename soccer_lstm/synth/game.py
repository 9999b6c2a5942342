"""A whole half of a broadcast-style game: open play with the four actions at random times.

Between two actions lie 15-50 s of open play (8-30 s before the first), so actions come about every
20-60 s and never overlap. The four classes come in shuffled rounds, so a half holds about as many of
each. Every action has one instant, the moment the ball is struck or released: the goal kick's and the
free kick's kick, the shot, the release of the throw. That instant, in seconds from the start of the
half, is the action's timestamp.

The camera work is a broadcast director's (:mod:`soccer_lstm.synth.director`): most actions happen
inside a long wide shot of the main camera that follows play into the set piece
(:func:`soccer_lstm.synth.chain.chain`); one in four comes right after a cut; close-ups and replays
come after actions and after other moments of open play alike, and the director cuts to a fresh wide
shot every 4-12 s away from those moments.

The whole half uses one :class:`~soccer_lstm.synth.look.Look` (one pair of kits, one stadium look,
one broadcaster), and its frames are produced one shot at a time, so a long half takes no more memory
than a shot. Everything is a pure function of ``(seed, half)``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator

import numpy as np

from soccer_lstm.errors import UserError
from soccer_lstm.synth.actions import make_script
from soccer_lstm.synth.chain import chain, second_angle
from soccer_lstm.synth.director import CLOSE_UP, REPLAY, WIDE, Moment, plan_cuts
from soccer_lstm.synth.look import Look, make_look
from soccer_lstm.synth.open_play import OPEN_PLAY, open_play
from soccer_lstm.synth.render import CLASSES, _check, film
from soccer_lstm.synth.script import Script

ACTION_S = (3.0, 5.0)           # an action's script
FIRST_GAP_S = (8.0, 30.0)       # open play before the first action
GAP_S = (15.0, 50.0)            # open play between two actions
MIN_SHOT_S = 2.0
MIN_OPEN_PLAY_S = 1.0           # a shorter stretch of a wide shot between two parts is a pause, not scripted


@dataclass(frozen=True)
class Part:
    """A stretch of a wide shot: open play or an action, its first frame in the half, length and seed."""

    kind: str            # "open-play" or an action class
    first_frame: int
    n_frames: int
    seed: int


@dataclass(frozen=True)
class Shot:
    """One camera shot of a half, from one cut to the next.

    ``kind`` is ``"wide"`` (the main camera; ``parts`` are the open play and actions it shows, in
    order), ``"close-up"`` or ``"replay"`` (``parts`` holds the action it shows again, if any).
    """

    kind: str
    first_frame: int
    n_frames: int
    seed: int
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class GameAction:
    """An action of a half: its class and its instant in seconds from the start of the half."""

    label: str
    seconds: float


@dataclass
class Half:
    """A planned half: its shots, its actions (in time order) and its frames, produced on demand."""

    shots: list[Shot]
    actions: list[GameAction]
    fps: float
    size: tuple[int, int]
    look: Look

    @property
    def n_frames(self) -> int:
        return sum(shot.n_frames for shot in self.shots)

    @property
    def cuts(self) -> list[int]:
        """The frames where a new shot starts (a hard cut), after the first."""
        return [shot.first_frame for shot in self.shots[1:]]

    @property
    def jpeg_quality(self) -> int:
        """The broadcaster's JPEG quality, the one the video file is written at."""
        return self.look.jpeg_quality

    def script(self, shot: Shot) -> Script:
        """The script ``shot`` films."""
        fps = self.fps
        if shot.kind == CLOSE_UP:
            return open_play(np.random.default_rng([shot.seed, 1]), shot.n_frames, fps, close_up=True)
        if shot.kind == REPLAY:
            if shot.parts:
                seen = _part_script(shot.parts[0], fps)
            else:
                seen = open_play(np.random.default_rng([shot.seed, 1]), shot.n_frames, fps)
            return second_angle(seen, np.random.default_rng([shot.seed, 3]))
        pieces = [_part_script(part, fps) for part in shot.parts]
        return chain(pieces, fps, np.random.default_rng([shot.seed, 3]))

    def frames(self) -> Iterator[np.ndarray]:
        """The half's uncompressed uint8 BGR frames, one at a time, in order."""
        for shot in self.shots:
            yield from film(self.script(shot), self.look, self.size, np.random.default_rng([shot.seed, 2]),
                            first_frame=shot.first_frame)


def _part_script(part: Part, fps: float) -> Script | int:
    rng = np.random.default_rng([part.seed, 1])
    if part.kind != OPEN_PLAY:
        return make_script(part.kind, rng, part.n_frames, fps)
    if part.n_frames < MIN_OPEN_PLAY_S * fps:
        return part.n_frames
    return open_play(rng, part.n_frames, fps)


def game_seed(seed: int, game: int) -> int:
    """The seed of game ``game`` of a set of games made with ``seed``."""
    sequence = np.random.SeedSequence([int(seed) & 0xFFFFFFFFFFFF, 0x6A3E, int(game)])
    return int(sequence.generate_state(1, np.uint64)[0] >> 16)


def game_look(seed: int) -> Look:
    """The look of a game (both halves): kits, stadium, broadcaster."""
    return make_look(np.random.default_rng([int(seed), 0]))


def plan_half(seed: int, half: int = 1, minutes: float = 5.0, size: tuple[int, int] = (398, 224),
              fps: float = 25.0, look: Look | None = None, gap: tuple[float, float] = GAP_S) -> Half:
    """Plan half ``half`` of the game of ``seed``: shots, action instants, and a frame source.

    Parameters
    ----------
    seed : int
        The game's seed (see :func:`game_seed`); the same arguments give the same half.
    half : int
        1 or 2; the on-screen clock starts at 00:00 or 45:00.
    minutes : float
        Length of the half.
    size : (width, height)
        Frame size.
    fps : float
        Frame rate.
    look : Look, optional
        The game's look (default :func:`game_look` ``(seed)``).
    gap : (min, max)
        Seconds of open play between two actions (uniform); the first action comes after
        ``FIRST_GAP_S`` clipped to at most ``max``.

    Returns
    -------
    Half
        ``actions`` hold the annotations; ``shots`` the camera shots; ``frames()`` renders the video.
    """
    size = (int(size[0]), int(size[1]))
    _check(CLASSES[0], size, 8)
    if not 0 < gap[0] <= gap[1]:
        raise UserError(f"--gap: the open play between actions must be MIN-MAX seconds with 0 < MIN <= MAX, got {gap}")
    if not minutes * 60 >= MIN_SHOT_S or not fps >= 1:
        raise UserError(f"a half must last at least {MIN_SHOT_S:g} s at 1 frame/s or more "
                        f"(got {minutes:g} min at {fps:g} frames/s)")
    look = look or game_look(seed)
    look = replace(look, overlay={**look.overlay, "clock_s": 45 * 60 * (int(half) - 1)})
    rng = np.random.default_rng([int(seed), 1, int(half)])
    total = int(round(minutes * 60 * fps))
    seconds = lambda s: max(1, int(round(s * fps)))  # noqa: E731
    parts: list[Part] = []
    moments: list[Moment] = []
    actions: list[GameAction] = []
    order: list[str] = []
    done = 0
    between = (float(gap[0]), float(gap[1]))
    gap = rng.uniform(min(FIRST_GAP_S[0], between[0]), min(FIRST_GAP_S[1], between[1]))
    while True:
        length = seconds(rng.uniform(*ACTION_S))
        start = done + seconds(gap)
        if start + length + seconds(MIN_SHOT_S) > total:
            break
        if not order:
            order = [str(a) for a in rng.permutation(CLASSES)]
        part = Part(order.pop(), start, length, int(rng.integers(1 << 48)))
        instant = float(make_script(part.kind, np.random.default_rng([part.seed, 1]), length, fps).instant)
        parts.append(part)
        moments.append(Moment(start + int(round(instant * fps)), part.kind, start, length))
        actions.append(GameAction(part.kind, start / fps + instant))
        done = start + length
        gap = rng.uniform(*between)
    cuts, cutaways = plan_cuts(rng, moments, total, fps)
    inserted = {c.first_frame: c for c in cutaways}
    shots = []
    for first, stop in zip([0, *cuts], [*cuts, total]):
        cutaway = inserted.get(first)
        if cutaway is not None:
            seen = () if cutaway.moment is None or cutaway.moment.label is None else \
                tuple(p for p in parts if p.first_frame == cutaway.moment.first_frame)
            shots.append(Shot(cutaway.kind, first, stop - first, int(rng.integers(1 << 48)), seen))
        else:
            shots.append(Shot(WIDE, first, stop - first, int(rng.integers(1 << 48)),
                              _wide_parts(rng, parts, first, stop)))
    return Half(shots, actions, float(fps), size, look)


def _wide_parts(rng: np.random.Generator, actions: list[Part], first: int, stop: int) -> tuple[Part, ...]:
    """The parts of a wide shot over frames ``[first, stop)``: its actions, with open play around them."""
    inside = [p for p in actions if first <= p.first_frame < stop]
    if any(p.first_frame + p.n_frames > stop for p in inside):
        raise AssertionError("an action's script straddles a cut")   # the director never cuts there
    parts: list[Part] = []
    frame = first
    for action in [*inside, None]:
        until = stop if action is None else action.first_frame
        if until > frame:
            parts.append(Part(OPEN_PLAY, frame, until - frame, int(rng.integers(1 << 48))))
        if action is not None:
            parts.append(action)
            frame = action.first_frame + action.n_frames
    return tuple(parts)
