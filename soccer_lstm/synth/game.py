"""A whole half of a broadcast-style game: open play with the four actions at random times.

A half is a sequence of shots cut one after the other, as a broadcast director cuts cameras: wide
open-play shots of the main camera (6-20 s), the odd close-up of the player on the ball (2-4 s), and
now and then an action of the built-in set (3-5 s, filmed with its own script). Between two actions
lie 15-50 s of open play (8-30 s before the first), so actions come about every 20-60 s and never
overlap. The four classes come in shuffled rounds, so a half holds about as many of each.

Every action has one instant, the moment the ball is struck or released: the goal kick's and the free
kick's kick, the shot, the release of the throw. That instant, in seconds from the start of the half,
is the action's timestamp.

The whole half uses one :class:`~soccer_lstm.synth.look.Look` (one pair of kits, one stadium look,
one broadcaster), and its frames are produced one at a time, so a long half takes no more memory
than a shot. Everything is a pure function of ``(seed, half)``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator

import numpy as np

from soccer_lstm.errors import UserError
from soccer_lstm.synth.actions import make_script
from soccer_lstm.synth.look import Look, make_look
from soccer_lstm.synth.open_play import OPEN_PLAY, open_play
from soccer_lstm.synth.render import CLASSES, _check, film
from soccer_lstm.synth.script import Script

CLOSE_UP = "close-up"
OPEN_SHOT_S = (6.0, 20.0)       # a wide open-play shot
CLOSE_UP_S = (2.0, 4.0)         # a close-up after a wide shot, with this probability:
CLOSE_UP_P = 0.2
ACTION_S = (3.0, 5.0)           # an action's shot
FIRST_GAP_S = (8.0, 30.0)       # open play before the first action
GAP_S = (15.0, 50.0)            # open play between two actions
MIN_SHOT_S = 2.0


@dataclass(frozen=True)
class Shot:
    """One camera shot of a half: what it shows, where it starts, how long it lasts, its seed."""

    kind: str            # "open-play", "close-up" or an action class
    first_frame: int
    n_frames: int
    seed: int


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
    _scripts: dict[int, Script]

    @property
    def n_frames(self) -> int:
        return sum(shot.n_frames for shot in self.shots)

    @property
    def jpeg_quality(self) -> int:
        """The broadcaster's JPEG quality, the one the video file is written at."""
        return self.look.jpeg_quality

    def frames(self) -> Iterator[np.ndarray]:
        """The half's uncompressed uint8 BGR frames, one at a time, in order."""
        for index, shot in enumerate(self.shots):
            script = self._scripts.get(index) or open_play(np.random.default_rng([shot.seed, 1]), shot.n_frames,
                                                           self.fps, close_up=shot.kind == CLOSE_UP)
            yield from film(script, self.look, self.size, np.random.default_rng([shot.seed, 2]),
                            first_frame=shot.first_frame)


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
        ``actions`` hold the annotations; ``frames()`` renders the video.
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
    shots: list[Shot] = []
    actions: list[GameAction] = []
    scripts: dict[int, Script] = {}
    order: list[str] = []
    done = 0
    between = (float(gap[0]), float(gap[1]))
    gap = rng.uniform(min(FIRST_GAP_S[0], between[0]), min(FIRST_GAP_S[1], between[1]))
    while True:
        length = seconds(rng.uniform(*ACTION_S))
        if done + seconds(gap) + length + seconds(MIN_SHOT_S) > total:
            break
        done = _open_play(shots, rng, done, seconds(gap), fps)
        if not order:
            order = [str(a) for a in rng.permutation(CLASSES)]
        action = order.pop()
        shot = Shot(action, done, length, int(rng.integers(1 << 48)))
        script = make_script(action, np.random.default_rng([shot.seed, 1]), length, fps)
        scripts[len(shots)] = script
        shots.append(shot)
        actions.append(GameAction(action, done / fps + float(script.instant)))
        done += length
        gap = rng.uniform(*between)
    _open_play(shots, rng, done, total - done, fps)
    return Half(shots, actions, float(fps), size, look, scripts)


def _open_play(shots: list[Shot], rng: np.random.Generator, first: int, n_frames: int, fps: float) -> int:
    """Append open-play shots covering ``n_frames`` from frame ``first``; returns the frame after them."""
    end = first + n_frames
    minimum = int(round(MIN_SHOT_S * fps))
    while first < end:
        kind = OPEN_PLAY
        if shots and shots[-1].kind == OPEN_PLAY and rng.random() < CLOSE_UP_P:
            kind, length = CLOSE_UP, int(round(rng.uniform(*CLOSE_UP_S) * fps))
        else:
            length = int(round(rng.uniform(*OPEN_SHOT_S) * fps))
        if end - (first + length) < minimum:     # no sliver of a shot at the end: this one runs on to it
            length = end - first
        shots.append(Shot(kind, first, length, int(rng.integers(1 << 48))))
        first += length
    return end
