"""The cast of a clip and its builder: actors, ball and camera paths that the action scripts fill in."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from soccer_lstm.synth.camera import PITCH_LENGTH, PITCH_WIDTH, smooth
from soccer_lstm.synth.people import RUN, SKIN_TONES, STAND

GOAL_X = PITCH_LENGTH
MID_Y = PITCH_WIDTH / 2
GRAVITY = 9.81
BALL_RADIUS = 0.11


@dataclass
class Actor:
    """One person on the pitch: kit name, skin tone and per-frame position (metres) and pose."""

    kit: str
    skin: tuple[int, int, int]
    position: np.ndarray                  # (T, 2)
    pose: np.ndarray                      # (T,) int, one of the scene pose codes
    lean: np.ndarray                      # (T,) float, direction of motion along X (frame left/right)
    phase: np.ndarray = field(default=None)  # (T,) running stride phase


@dataclass
class Script:
    """A clip's content in world coordinates, ready to be filmed."""

    action: str
    fps: float
    side: int                             # +1: goal at X = 105; -1: mirrored, goal at X = 0
    actors: list[Actor]
    ball: np.ndarray                      # (T, 3)
    focus: np.ndarray                     # (T, 3) world point the operator keeps at frame centre
    zoom: np.ndarray                      # (T,) frame pixels per image-plane pixel
    camera_position: np.ndarray           # (3,)
    # Seconds from the clip's first frame to the action's instant (the kick, the shot, the release of
    # the throw), the timestamp a spotting annotation gives it; None for open play.
    instant: float | None = None


class Builder:
    """Shared helpers for the scripts: time base, movement curves, people, ball flights."""

    def __init__(self, rng: np.random.Generator, n_frames: int, fps: float, attack: str) -> None:
        self.rng = rng
        self.n = n_frames
        self.fps = fps
        self.t = np.arange(n_frames) / fps
        self.duration = n_frames / fps
        self.attack = attack
        self.defence = "away" if attack == "home" else "home"
        self.actors: list[Actor] = []
        self.instant: float | None = None     # set by an action script: its kick, shot or throw

    def frame_at(self, fraction: float) -> int:
        return int(np.clip(round(fraction * (self.n - 1)), 1, self.n - 2))

    def ease(self, start: float, end: float) -> np.ndarray:
        """0 before ``start`` seconds, 1 after ``end``, smoothstep between."""
        u = np.clip((self.t - start) / max(end - start, 1e-6), 0.0, 1.0)
        return u * u * (3 - 2 * u)

    def wander(self, amplitude: float) -> np.ndarray:
        """A slow random drift (T, 2) in metres, for players jostling on the spot."""
        steps = self.rng.standard_normal((self.n, 2))
        path = np.cumsum(steps, axis=0)
        path = np.stack([smooth(path[:, 0], 0.8), smooth(path[:, 1], 0.8)], axis=1)
        path -= path[0]
        scale = np.abs(path).max() or 1.0
        return path / scale * amplitude

    def move(self, start, end, t0: float, t1: float) -> np.ndarray:
        start, end = np.asarray(start, float), np.asarray(end, float)
        return start + (end - start) * self.ease(t0, t1)[:, None]

    def add(self, kit: str, position: np.ndarray, pose: np.ndarray | None = None) -> Actor:
        position = np.asarray(position, float)
        position = np.stack([np.clip(position[:, 0], -2.0, PITCH_LENGTH + 2.0),
                             np.clip(position[:, 1], -1.0, PITCH_WIDTH + 1.5)], axis=1)
        velocity = np.gradient(position, axis=0) * self.fps
        speed = np.linalg.norm(velocity, axis=1)
        auto = np.where(speed > 1.0, RUN, STAND)
        pose = auto if pose is None else np.where(pose < 0, auto, pose)
        distance = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(position, axis=0), axis=1))])
        phase = self.rng.uniform(0, 2 * np.pi) + distance * (2 * np.pi / 1.7)
        lean = np.tanh(velocity[:, 0] / 2.0)
        skin = SKIN_TONES[int(self.rng.integers(len(SKIN_TONES)))]
        actor = Actor(kit, skin, position, pose.astype(int), lean, phase)
        self.actors.append(actor)
        return actor

    def crowd_of(self, kit: str, count: int, x_range, y_range, drift=None, amplitude: float = 1.5) -> None:
        """``count`` players of ``kit`` scattered in a box, wandering, optionally drifting by ``drift``."""
        for _ in range(count):
            start = np.array([self.rng.uniform(*x_range), self.rng.uniform(*y_range)])
            path = start + self.wander(self.rng.uniform(0.3, amplitude))
            if drift is not None:
                offset, t0, t1 = drift
                path = path + (np.asarray(offset, float) * self.rng.uniform(0.6, 1.2)) * self.ease(t0, t1)[:, None]
            self.add(kit, path)

    def flight(self, start_xy, target_xyz, kick_time: float, speed: float, apex: float,
               stop_x: float | None = None) -> np.ndarray:
        """Ball positions (T, 3) after a kick at ``kick_time``: a parabola towards ``target_xyz``, bounces after.

        Before the kick the rows are left as NaN for the caller to fill.
        """
        start = np.array([start_xy[0], start_xy[1], BALL_RADIUS])
        target = np.asarray(target_xyz, float)
        horizontal = target[:2] - start[:2]
        distance = float(np.linalg.norm(horizontal)) or 1.0
        direction = horizontal / distance
        # Vertical speed that reaches ``apex`` metres; flight time follows from it.
        vz = np.sqrt(2 * GRAVITY * max(apex, 0.05))
        ball = np.full((self.n, 3), np.nan)
        z, vz_now, along, v = BALL_RADIUS, vz, 0.0, speed
        dt = 1.0 / self.fps
        moving = False
        for i in range(self.n):
            if self.t[i] < kick_time:
                continue
            if moving:
                along += v * dt
                v *= 0.985
                vz_now -= GRAVITY * dt
                z += vz_now * dt
                if z < BALL_RADIUS:
                    z, vz_now, v = BALL_RADIUS, abs(vz_now) * 0.45, v * 0.8
            moving = True
            point = start[:2] + direction * along
            if stop_x is not None and point[0] > stop_x:
                along = min(along, (stop_x - start[0]) / direction[0] if direction[0] > 0 else along)
                v, vz_now = 0.0, min(vz_now, 0.0)
                point = start[:2] + direction * along
            ball[i] = (point[0], point[1], z)
        return ball

    def at_feet(self, actor: Actor, lead: float = 0.6) -> np.ndarray:
        """Ball positions (T, 3) dribbled just ahead of ``actor``."""
        velocity = np.gradient(actor.position, axis=0)
        norm = np.linalg.norm(velocity, axis=1, keepdims=True)
        heading = np.where(norm > 1e-6, velocity / np.maximum(norm, 1e-9), [1.0, 0.0])
        touch = 0.3 * np.abs(np.sin(actor.phase / 2))   # the ball runs ahead between touches
        xy = actor.position + heading * (lead + touch)[:, None]
        return np.column_stack([xy, np.full(self.n, BALL_RADIUS)])


def add_referee(builder: Builder, x_range, y_range, follow: np.ndarray | None = None) -> None:
    start = np.array([builder.rng.uniform(*x_range), builder.rng.uniform(*y_range)])
    path = start + builder.wander(1.5)
    if follow is not None:
        path = path + 0.35 * (follow[:, :2] - follow[0, :2])
    builder.add("referee", path)
