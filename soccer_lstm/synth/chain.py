"""One continuous camera shot made of several scripts: open play that runs into a set piece and on.

A broadcast's main camera does not cut when the ball goes out: it follows play to the touchline,
where the thrower picks the ball up, or to the goal area, where the keeper places it. :func:`chain`
joins scripts (open play, an action, open play, ...) into one :class:`~soccer_lstm.synth.script.Script`
filmed by one camera without a cut:

- every person is one *track* over the whole shot: an actor of the next part takes over the track of
  the nearest person of the same kit, who runs (at most ``RUN_SPEED``) to where that part needs him
  before it begins; people a part does not need stay where they are;
- the ball travels (rolled or lofted) from where one part leaves it to where the next one needs it;
- the camera's aim and zoom glide from one part's to the next's while that happens.

:func:`second_angle` re-frames a script from another camera on the main stand, tighter: a replay.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

from soccer_lstm.synth.camera import PITCH_LENGTH
from soccer_lstm.synth.script import BALL_RADIUS, Builder, Script

RUN_SPEED = 7.0          # metres per second a player covers to take his place for the next part
BALL_SPEED = 18.0        # metres per second of the ball sent on to the next part
MIN_BLEND_S = 1.0        # the shortest glide of camera, ball and players into the next part
MAX_BLEND_S = 6.0


def _smoothstep(n: int) -> np.ndarray:
    u = (np.arange(n) + 1.0) / (n + 1.0)
    return u * u * (3 - 2 * u)


def chain(parts: Sequence[Script | int], fps: float, rng: np.random.Generator) -> Script:
    """Join ``parts`` into one continuous shot.

    Parameters
    ----------
    parts : sequence of Script or int
        The parts in time order; an int ``n`` is ``n`` frames in which play pauses (everyone holds
        their place), for a stretch too short to script. At least one part must be a Script.
    fps : float
        Frame rate of every part.
    rng : numpy.random.Generator
        Draws the new players' skins and strides.

    Returns
    -------
    Script
        ``action`` is ``"wide"``, ``side`` is +1 and ``instant`` is None; the camera stands where
        the first scripted part's does.
    """
    lengths = [p if isinstance(p, int) else len(p.zoom) for p in parts]
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(int)
    total = int(starts[-1])
    scripts = [(int(s), p) for s, p in zip(starts, parts) if not isinstance(p, int)]
    if not scripts:
        raise ValueError("chain needs at least one scripted part")
    tracks: list[dict] = []
    ball = np.full((total, 3), np.nan)
    focus = np.full((total, 3), np.nan)
    zoom = np.full(total, np.nan)
    joins: list[int] = []
    for start, script in scripts:
        n = len(script.zoom)
        _assign(tracks, script, start, total)
        ball[start:start + n] = script.ball
        focus[start:start + n] = script.focus
        zoom[start:start + n] = script.zoom
        if start > 0:
            joins.append(start)
    for array in (ball, focus, zoom):
        _hold(array)
    previous = 0
    for join in joins:
        room = join - previous
        _glide_ball(ball, join, room, fps)
        glide = int(min(room, max(MIN_BLEND_S * fps, _ball_frames(ball, join, room, fps))))
        _blend(focus, join, glide)
        _blend(zoom, join, glide)
        for track in tracks:
            _hold(track["position"])
            _run_to(track, join, room, fps)
        previous = join
    builder = Builder(rng, total, fps, "home")
    for track in tracks:
        _hold(track["position"])
        pose = track["pose"]
        pose[track["free"]] = -1            # running into place or holding it: pose from the speed
        actor = builder.add(track["kit"], track["position"], pose)
        actor.skin = track["skin"]
    first = scripts[0][1]
    return Script("wide", fps, 1, builder.actors, ball, focus, zoom, first.camera_position.copy())


def _assign(tracks: list[dict], script: Script, start: int, total: int) -> None:
    """Give each actor of ``script`` the nearest free track of his kit (a new one where none is left)."""
    n = len(script.zoom)
    last = {id(t): _last_known(t["position"], start) for t in tracks}
    pairs = []
    for a, actor in enumerate(script.actors):
        for t, track in enumerate(tracks):
            if track["kit"] == actor.kit and last[id(track)] is not None:
                pairs.append((float(np.linalg.norm(last[id(track)] - actor.position[0])), a, t))
    taken_actor: set[int] = set()
    taken_track: set[int] = set()
    owner: dict[int, int] = {}
    for _, a, t in sorted(pairs):
        if a not in taken_actor and t not in taken_track:
            owner[a] = t
            taken_actor.add(a)
            taken_track.add(t)
    for a, actor in enumerate(script.actors):
        if a in owner:
            track = tracks[owner[a]]
        else:
            track = {"kit": actor.kit, "skin": actor.skin, "position": np.full((total, 2), np.nan),
                     "pose": np.full(total, -1), "free": np.ones(total, bool)}
            tracks.append(track)
        track["position"][start:start + n] = actor.position
        track["pose"][start:start + n] = actor.pose
        track["free"][start:start + n] = False


def _last_known(position: np.ndarray, before: int) -> np.ndarray | None:
    known = np.flatnonzero(~np.isnan(position[:before, 0]))
    return position[known[-1]] if len(known) else None


def _hold(array: np.ndarray) -> None:
    """Fill NaN rows (in place) with the last value before them, or the first after them at the start."""
    missing = np.isnan(array.reshape(len(array), -1)[:, 0])
    if not missing.any() or missing.all():
        return
    index = np.where(~missing, np.arange(len(array)), 0)
    np.maximum.accumulate(index, out=index)
    first = int(np.flatnonzero(~missing)[0])
    index[:first] = first
    array[:] = array[index]


def _blend(array: np.ndarray, join: int, frames: int) -> None:
    """Glide ``array`` over the ``frames`` before ``join`` to its value at ``join`` (in place)."""
    if frames < 1 or join >= len(array):
        return
    weight = _smoothstep(frames).reshape(-1, *([1] * (array.ndim - 1)))
    array[join - frames:join] = array[join - frames:join] * (1 - weight) + array[join] * weight


def _ball_frames(ball: np.ndarray, join: int, room: int, fps: float) -> float:
    origin = ball[max(join - room, join - int(MAX_BLEND_S * fps))]
    return float(np.linalg.norm(ball[join, :2] - origin[:2])) / BALL_SPEED * fps


def _glide_ball(ball: np.ndarray, join: int, room: int, fps: float) -> None:
    """Send the ball from where the last part has it to where the next part needs it, on an arc."""
    frames = int(np.clip(_ball_frames(ball, join, room, fps), MIN_BLEND_S * fps * 0.5, MAX_BLEND_S * fps))
    frames = min(frames, room)
    if frames < 1:
        return
    origin, target = ball[join - frames].copy(), ball[join].copy()
    s = _smoothstep(frames)[:, None]
    path = origin + (target - origin) * s
    distance = float(np.linalg.norm(target[:2] - origin[:2]))
    apex = min(distance / 6.0, 8.0)
    path[:, 2] = np.maximum(path[:, 2] + 4 * apex * s[:, 0] * (1 - s[:, 0]), BALL_RADIUS)
    ball[join - frames:join] = path


def _run_to(track: dict, join: int, room: int, fps: float) -> None:
    """Have a track's person run to his place at ``join`` before it (in place), if he has to move."""
    position = track["position"]
    if join >= len(position):
        return
    gap = float(np.linalg.norm(position[join] - position[join - 1]))
    if gap < 0.05:
        return
    frames = int(min(room, max(MIN_BLEND_S * fps, gap / RUN_SPEED * fps)))
    _blend(position, join, frames)
    track["free"][join - frames:join] = True


def second_angle(script: Script, rng: np.random.Generator) -> Script:
    """``script`` seen again from another camera on the main stand, lower and tighter: a replay."""
    position = script.camera_position.copy()
    position[0] = float(np.clip(position[0] + rng.choice([-1, 1]) * rng.uniform(15, 30), 10, PITCH_LENGTH - 10))
    position[1] = -rng.uniform(14, 20)
    position[2] = rng.uniform(7, 11)
    zoom = np.asarray(script.zoom, float) * rng.uniform(1.3, 1.7)
    return replace(script, camera_position=position, zoom=zoom)

