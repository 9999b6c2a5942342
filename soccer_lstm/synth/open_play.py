"""Open play, the football between the actions of a game: passing, running, the camera on the ball.

Two teams of ten outfield players and a keeper keep their shape around a block that follows the
ball; the ball goes from a carrier, who dribbles it for a moment, to a team-mate with a pass along
the ground or a lofted one, and now and then to an opponent (an interception). The player nearest the
ball of the side in possession runs to it and carries it; the nearest opponent closes him down. The
main camera follows the ball from the stand, wide; a close-up follows the carrier from near.

Nothing here is one of the four actions: no ball goes out of play, no shot, no set piece, so a
game's annotations are exactly the action segments cut between the open-play shots.
"""
from __future__ import annotations

import numpy as np

from soccer_lstm.synth.camera import PITCH_LENGTH, PITCH_WIDTH, smooth
from soccer_lstm.synth.people import KICK
from soccer_lstm.synth.script import BALL_RADIUS, MID_Y, Builder, Script

OPEN_PLAY = "open-play"
# Outfield shape of a team attacking towards +X: (metres ahead of the block's centre, metres across).
FORMATION = ((-18, 12), (-20, 27), (-20, 41), (-18, 56), (-2, 14), (-5, 29), (-5, 40), (-2, 54),
             (14, 26), (15, 43))
FIELD_MARGIN = 4.0           # the ball stays this far inside the lines: open play never goes out


def open_play(rng: np.random.Generator, n_frames: int, fps: float, close_up: bool = False) -> Script:
    """Draw one open-play shot.

    Parameters
    ----------
    rng : numpy.random.Generator
        The shot's own generator; all randomness comes from it.
    n_frames : int
        Length of the shot in frames.
    fps : float
        Frame rate; motion is in metres and seconds.
    close_up : bool
        A tight shot that follows the player on the ball instead of the main camera's wide view.

    Returns
    -------
    Script
        ``action`` is ``"open-play"`` and ``instant`` is None.
    """
    builder = Builder(rng, int(n_frames), float(fps), "home" if rng.random() < 0.5 else "away")
    ball, possessions = _ball_path(builder)
    carriers = _teams(builder, ball, possessions)
    focus, zoom = _camera(builder, ball, carriers, close_up)
    lag = rng.uniform(0.55, 0.8)
    focus = np.stack([smooth(focus[:, k], lag) for k in range(3)], axis=1)
    focus[:, :2] += builder.wander(rng.uniform(0.05, 0.2 if close_up else 0.4))
    camera_position = np.array([PITCH_LENGTH / 2 + rng.uniform(-4, 4), -rng.uniform(22, 34), rng.uniform(14, 24)])
    return Script(OPEN_PLAY, builder.fps, 1, builder.actors, ball, focus, np.asarray(zoom, float), camera_position)


def _direction(team: str) -> float:
    """+1 when ``team`` attacks towards X = 105 (home does, in every game's first half), -1 otherwise."""
    return 1.0 if team == "home" else -1.0


def _inside(point: np.ndarray) -> np.ndarray:
    return np.clip(point, [FIELD_MARGIN, FIELD_MARGIN], [PITCH_LENGTH - FIELD_MARGIN, PITCH_WIDTH - FIELD_MARGIN])


def _ball_path(builder: Builder) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """Ball positions (T, 3) and the possessions ``(first frame, last frame, team)`` of the shot."""
    rng, n, fps = builder.rng, builder.n, builder.fps
    ball = np.empty((n, 3))
    possessions: list[tuple[int, int, str]] = []
    team = builder.attack
    position = _inside(np.array([rng.uniform(20, 85), rng.uniform(8, 60)]))
    i = 0
    while i < n:
        # Dribble: a few touches forward-ish at running speed.
        frames = max(2, int(rng.uniform(0.6, 2.6) * fps))
        angle = rng.normal(0.0 if _direction(team) > 0 else np.pi, 0.9)
        step = np.array([np.cos(angle), np.sin(angle)]) * rng.uniform(1.5, 6.0) / fps
        start = i
        for k in range(i, min(n, i + frames)):
            position = _inside(position + step)
            touch = 0.25 * abs(np.sin((k - start) * 2.5 / fps * np.pi))
            ball[k] = (*(position + step / max(np.linalg.norm(step), 1e-9) * touch), BALL_RADIUS)
        i = min(n, i + frames)
        possessions.append((start, i - 1, team))
        if i >= n:
            break
        # Pass: along the ground, or lofted; now and then it is cut out by the other side.
        angle = rng.normal(0.0 if _direction(team) > 0 else np.pi, 1.2)
        target = _inside(position + np.array([np.cos(angle), np.sin(angle)]) * rng.uniform(8, 30))
        lofted = rng.random() < 0.15
        speed = rng.uniform(16, 22) if lofted else rng.uniform(11, 19)
        apex = rng.uniform(2.0, 7.0) if lofted else 0.0
        flight = max(3, int(np.linalg.norm(target - position) / speed * fps))
        s = np.arange(1, flight + 1) / flight
        along = 1.0 - (1.0 - s) ** 1.6              # the ball slows on the grass
        for j, k in enumerate(range(i, min(n, i + flight))):
            xy = position + (target - position) * along[j]
            ball[k] = (xy[0], xy[1], BALL_RADIUS + 4.0 * apex * s[j] * (1.0 - s[j]))
        position = target
        i += flight
        if rng.random() < 0.2:
            team = "away" if team == "home" else "home"
    return ball, possessions


def _teams(builder: Builder, ball: np.ndarray, possessions: list[tuple[int, int, str]]) -> np.ndarray:
    """Add both teams, the keepers and the referee; returns the carrier's position (T, 2) for the camera."""
    rng, n = builder.rng, builder.n
    ball_xy = ball[:, :2]
    follow_x = smooth(ball_xy[:, 0], 0.97)
    follow_y = smooth(ball_xy[:, 1], 0.97)
    anchors: dict[str, np.ndarray] = {}
    for team in ("home", "away"):
        sign = _direction(team)
        # The block sits a little behind the ball and shifts across with it.
        centre_x = np.clip(follow_x - sign * rng.uniform(2, 8), 28, PITCH_LENGTH - 28)
        shift_y = 0.3 * (follow_y - MID_Y)
        paths = []
        for ahead, across in FORMATION:
            x = centre_x + sign * ahead * rng.uniform(0.8, 1.1)
            y = across + shift_y + rng.uniform(-3, 3)
            paths.append(np.column_stack([x, y]) + builder.wander(rng.uniform(0.8, 2.5)))
        anchors[team] = np.stack(paths)                                     # (10, T, 2)
    weights = {team: np.zeros(anchors[team].shape[:2]) for team in anchors}
    targets = {team: anchors[team].copy() for team in anchors}
    kicks = {team: np.full(anchors[team].shape[:2], -1) for team in anchors}
    carrier = ball_xy.copy()
    for first, last, team in possessions:
        other = "away" if team == "home" else "home"
        sign = _direction(team)
        k = int(np.argmin(np.linalg.norm(anchors[team][:, first] - ball_xy[first], axis=1)))
        on_ball = builder.ease(builder.t[first] - 1.0, builder.t[first]) * (1 - builder.ease(builder.t[last], builder.t[last] + 1.0))
        spot = ball_xy - [sign * 0.6, 0.0]
        _pull(weights[team][k], targets[team][k], on_ball, spot)
        kicks[team][k, max(0, last - 1): last + 2] = KICK
        carrier[first:last + 1] = spot[first:last + 1]
        # The nearest opponent closes the carrier down, goal side, without quite getting there.
        j = int(np.argmin(np.linalg.norm(anchors[other][:, first] - ball_xy[first], axis=1)))
        _pull(weights[other][j], targets[other][j], 0.7 * on_ball, ball_xy + [sign * 2.5, rng.uniform(-1.5, 1.5)])
    for team in ("home", "away"):
        for k in range(len(FORMATION)):
            w = weights[team][k][:, None]
            builder.add(team, anchors[team][k] * (1 - w) + targets[team][k] * w, kicks[team][k])
        goal_x = 1.5 if _direction(team) > 0 else PITCH_LENGTH - 1.5
        keeper_y = MID_Y + 0.15 * (follow_y - MID_Y)
        builder.add(f"{team}_keeper", np.column_stack([np.full(n, goal_x), keeper_y]) + builder.wander(0.6))
    referee = np.column_stack([follow_x - rng.uniform(5, 10), follow_y + rng.uniform(4, 9) * rng.choice([-1, 1])])
    builder.add("referee", referee + builder.wander(2.0))
    return carrier


def _pull(weight: np.ndarray, target: np.ndarray, amount: np.ndarray, spot: np.ndarray) -> None:
    """Where ``amount`` exceeds a player's current pull, send him towards ``spot`` that much (in place)."""
    stronger = amount > weight
    weight[stronger] = amount[stronger]
    target[stronger] = spot[stronger]


def _camera(builder: Builder, ball: np.ndarray, carrier: np.ndarray, close_up: bool) -> tuple[np.ndarray, np.ndarray]:
    """The operator's aim (T, 3) and zoom (T,): the ball, wide; or the carrier, tight."""
    rng, n = builder.rng, builder.n
    if close_up:
        focus = np.column_stack([carrier, np.full(n, 0.9)])
        zoom = rng.uniform(1.1, 1.8) * (1 + rng.uniform(-0.1, 0.1) * builder.ease(0, builder.duration))
        return focus, zoom
    # A little lead in the direction the ball travels; the aim stays nearer the middle across.
    velocity = np.gradient(smooth(ball[:, 0], 0.9)) * builder.fps
    lead = np.clip(velocity * 0.4, -6, 6)
    focus = np.column_stack([ball[:, 0] + lead, MID_Y + (ball[:, 1] - MID_Y) * rng.uniform(0.5, 0.8), ball[:, 2] * 0.1])
    zoom = rng.uniform(0.38, 0.6) * (1 + rng.uniform(-0.15, 0.15) * builder.ease(0, builder.duration))
    return focus, zoom
