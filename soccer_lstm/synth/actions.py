"""The four action scripts: where players, ball and camera go, frame by frame.

Every script is written for an attack towards the goal at X = 105 and mirrored (X -> 105 - X)
for half of the clips. Event times are fractions of the clip, so a short clip still shows the
whole action; motion is in metres and seconds, so speeds look physical at any frame rate.

What each class shows (after the MICC-Soccer-Actions-4 definitions):

- goal-kick: ball in the goal area, the keeper runs up and kicks long; the camera, until then on
  the goal, follows the ball away from the goal and zooms out.
- placed-kick: a free kick with a defensive wall; a still moment, the run-up, a kick towards goal
  that the camera follows.
- shot-on-goal: an attack in open play; the camera pans with the ball towards the goal and the
  ball flies at it; the keeper dives.
- throw-in: a player at the far touchline with the ball over the head; a near-static camera,
  either close and tilted up to boards and crowd or the main camera's wide view of the pitch; a
  short throw to a team-mate.

Each script also records its instant on the builder (:attr:`Script.instant`): the keeper's kick, the
free kick, the shot, the release of the throw. That is the timestamp a game's annotation gives it.
"""
from __future__ import annotations

import numpy as np

from soccer_lstm.synth.camera import PITCH_LENGTH, PITCH_WIDTH, smooth
from soccer_lstm.synth.people import ARMS_UP, DIVE, KICK, STAND
from soccer_lstm.synth.script import BALL_RADIUS, GOAL_X, MID_Y, Builder, Script, add_referee

def goal_kick(builder: Builder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keeper kicks long from the goal area; camera leaves the goal following the ball, zooming out."""
    rng = builder.rng
    keeper_kit = f"{builder.defence}_keeper"
    ball_xy = np.array([rng.uniform(99.8, 103.0), MID_Y + rng.choice([-1, 1]) * rng.uniform(1.0, 8.5)])
    kick = builder.duration * rng.uniform(0.3, 0.6)
    builder.instant = kick
    run = rng.uniform(0.5, 0.9)
    keeper_start = np.array([min(104.6, ball_xy[0] + rng.uniform(2.5, 5.0)), ball_xy[1] + rng.uniform(-3, 3)])
    keeper_path = builder.move(keeper_start, ball_xy + [0.5, 0.0], kick - run, kick)
    keeper_path = keeper_path + builder.move([0, 0], [-rng.uniform(2, 5), 0], kick + 0.2, builder.duration + 0.5)
    pose = np.full(builder.n, -1)
    kick_frame = int(np.searchsorted(builder.t, kick))
    pose[max(0, kick_frame - 1): kick_frame + 2] = KICK
    builder.add(keeper_kit, keeper_path, pose)
    long_kick = rng.random() < 0.7
    if long_kick:
        land = np.array([rng.uniform(38, 66), rng.uniform(8, 60)])
        speed, apex = rng.uniform(22, 30), rng.uniform(10, 20)
    else:
        land = np.array([rng.uniform(76, 86), rng.uniform(6, 62)])
        speed, apex = rng.uniform(13, 18), rng.uniform(1.0, 4.0)
    ball = builder.flight(ball_xy, [land[0], land[1], 0.0], kick, speed, apex)
    ball[np.isnan(ball[:, 0])] = [ball_xy[0], ball_xy[1], BALL_RADIUS]
    drift = ((land - [70, MID_Y]) * 0.3, kick, builder.duration + 1)
    builder.crowd_of(builder.defence, int(rng.integers(1, 4)), (82, 92), (8, 60), drift=((-6, 0), kick, builder.duration + 1))
    builder.crowd_of(builder.attack, int(rng.integers(1, 3)), (80, 90), (10, 58), drift=((-6, 0), kick, builder.duration + 1))
    builder.crowd_of(builder.attack, int(rng.integers(3, 7)), (40, 75), (5, 63), drift=drift)
    builder.crowd_of(builder.defence, int(rng.integers(3, 7)), (40, 75), (5, 63), drift=drift)
    add_referee(builder, (55, 75), (15, 55))
    # Camera: on the goal area, then after the ball, heavily smoothed; zoom out after the kick.
    before = np.array([ball_xy[0] - rng.uniform(5, 12), MID_Y + (ball_xy[1] - MID_Y) * 0.5, 0.0])
    follow = np.column_stack([ball[:, :2], ball[:, 2] * 0.12])
    weight = builder.ease(kick + rng.uniform(0.0, 0.2), kick + rng.uniform(0.6, 1.0))[:, None]
    focus = before * (1 - weight) + follow * weight
    z0 = rng.uniform(0.6, 0.9)
    wide = long_kick and rng.random() < 0.55
    z1 = rng.uniform(0.32, 0.45) if wide else z0 * rng.uniform(0.75, 1.05)
    zoom = z0 + (z1 - z0) * builder.ease(kick + 0.1, kick + rng.uniform(0.8, 1.4))
    return ball, focus, zoom


def placed_kick(builder: Builder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A free kick: wall, a still moment, run-up and a kick at goal that the camera follows.

    About one in seven is a deep free kick from around halfway, lofted into the box: no wall, and a long
    pan with a zoom-out that looks, in camera motion alone, much like a goal-kick.
    """
    rng = builder.rng
    deep = rng.random() < 0.15
    if deep:
        ball_xy = np.array([rng.uniform(38, 60), rng.uniform(10, 58)])
    else:
        ball_xy = np.array([rng.uniform(72, 87), rng.uniform(12, 56)])
    to_goal = np.array([GOAL_X, MID_Y]) - ball_xy
    distance = float(np.linalg.norm(to_goal))
    direction = to_goal / distance
    across = np.array([-direction[1], direction[0]])
    kick = builder.duration * (rng.uniform(0.3, 0.65) if rng.random() < 0.7 else rng.uniform(0.75, 0.9))
    builder.instant = kick
    # The wall: 3-6 defenders shoulder to shoulder 9.15 m from the ball, covering the near post.
    n_wall = 0 if deep else int(rng.integers(3, 7))
    wall_centre = ball_xy + direction * 9.15 + across * rng.uniform(-0.8, 0.8)
    for k in range(n_wall):
        spot = wall_centre + across * (k - (n_wall - 1) / 2) * 0.65
        sway = builder.wander(0.15)
        builder.add(builder.defence, spot + sway, np.full(builder.n, STAND))
    # Kicker: waits a few metres back, runs up, strikes.
    run = rng.uniform(0.3, 0.6)
    kicker_start = ball_xy - direction * rng.uniform(2.5, 4.5) + across * rng.uniform(-2.0, 2.0)
    kicker = builder.move(kicker_start, ball_xy - direction * 0.5, kick - run, kick)
    kicker = kicker + builder.move([0, 0], direction * 2.0, kick + 0.1, kick + 0.8)
    pose = np.full(builder.n, -1)
    kick_frame = int(np.searchsorted(builder.t, kick))
    pose[max(0, kick_frame - 1): kick_frame + 2] = KICK
    builder.add(builder.attack, kicker, pose)
    if rng.random() < 0.5:  # a second taker standing over the ball as a dummy
        builder.add(builder.attack, (ball_xy + across * rng.uniform(1.0, 2.0) - direction * 1.0) + builder.wander(0.3))
    # Players waiting in the box, the keeper on the line.
    builder.crowd_of(builder.attack, int(rng.integers(2, 5)), (90, 100), (22, 46), amplitude=1.0)
    builder.crowd_of(builder.defence, int(rng.integers(2, 5)), (90, 101), (22, 46), amplitude=1.0)
    if deep or rng.random() < 0.3:    # crossed into the box rather than shot
        target = np.array([rng.uniform(90, 100), MID_Y + rng.uniform(-10, 10), 0.0])
    else:
        target = np.array([GOAL_X + 0.5, MID_Y + rng.uniform(-3.4, 3.4), rng.uniform(1.0, 2.4)])
    keeper_y = MID_Y + (ball_xy[1] - MID_Y) * 0.12
    dive = kick + rng.uniform(0.3, 0.6)
    keeper = builder.move([GOAL_X - 0.8, keeper_y], [GOAL_X - 0.8, keeper_y + np.clip(target[1] - keeper_y, -2.5, 2.5)],
                          dive, dive + 0.3)
    keeper_pose = np.where(builder.t >= dive, DIVE, STAND)
    builder.add(f"{builder.defence}_keeper", keeper + builder.wander(0.2), keeper_pose)
    add_referee(builder, (ball_xy[0] - 4, ball_xy[0] + 4), (ball_xy[1] - 9, ball_xy[1] - 5))
    speed, apex = (rng.uniform(24, 30), rng.uniform(9, 16)) if deep else (rng.uniform(20, 27), rng.uniform(2.5, 4.5))
    ball = builder.flight(ball_xy, target, kick, speed, apex, stop_x=GOAL_X + 1.6)
    if deep:   # team-mates of both sides spread between the kick and the box
        builder.crowd_of(builder.attack, int(rng.integers(1, 4)), (ball_xy[0] + 5, 85), (8, 60))
        builder.crowd_of(builder.defence, int(rng.integers(1, 4)), (ball_xy[0] + 5, 85), (8, 60))
    ball[np.isnan(ball[:, 0])] = [ball_xy[0], ball_xy[1], BALL_RADIUS]
    # Camera: still on ball, wall and (often) goal; after the kick it follows the ball.
    before = np.append(ball_xy + direction * (rng.uniform(3, 10) if deep else distance * rng.uniform(0.15, 0.5)), 0.0)
    follow = np.column_stack([ball[:, :2], ball[:, 2] * (0.12 if deep else 0.3)])
    weight = builder.ease(kick + rng.uniform(0.05, 0.2), kick + rng.uniform(0.5, 0.9))[:, None]
    focus = before * (1 - weight) + follow * weight
    z0 = rng.uniform(0.55, 0.85) if deep else rng.uniform(0.4, 0.7)
    change = rng.uniform(0.45, 0.65) if deep else rng.choice([0.65, 0.85, 1.0, 1.2], p=[0.35, 0.25, 0.2, 0.2])
    zoom = z0 * (1 + (change - 1) * builder.ease(kick + 0.2, kick + 1.2))
    return ball, focus, zoom


def shot_on_goal(builder: Builder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Open play: an attacker carries the ball towards goal, maybe a pass, then a shot; keeper dives."""
    rng = builder.rng
    shot = builder.duration * rng.uniform(0.5, 0.75)
    builder.instant = shot
    start = np.array([rng.uniform(64, 80), rng.uniform(14, 54)])
    shoot_from = np.array([rng.uniform(82, 93), rng.uniform(22, 46)])
    if rng.random() < 0.35:   # a slow build-up first: the carrier walks the ball before the attack
        pause = shot * rng.uniform(0.25, 0.5)
        start = start + np.array([rng.uniform(-1, 1), rng.uniform(-2, 2)])
        shoot_from = shoot_from.copy()
    else:
        pause = 0.0
    passing = rng.random() < 0.4
    if passing:
        pass_time = shot * rng.uniform(0.35, 0.6)
        pass_from = start + (shoot_from - start) * rng.uniform(0.2, 0.45)
        pass_time = max(pass_time, pause + 0.2)
        first = builder.add(builder.attack, builder.move(start, pass_from, pause, pass_time))
        receiver_start = shoot_from + np.array([-rng.uniform(4, 9), rng.uniform(-8, 8)])
        second = builder.add(builder.attack, builder.move(receiver_start, shoot_from, 0.0, shot))
        ball = builder.at_feet(first)
        flight_pass = builder.flight(ball[builder.frame_at(pass_time / builder.duration), :2],
                                     [*second.position[builder.frame_at(min(1.0, (pass_time + 0.5) / builder.duration)), :2], 0],
                                     pass_time, rng.uniform(15, 20), 0.3)
        feet = builder.at_feet(second)
        mix = builder.ease(pass_time + 0.35, pass_time + 0.6)[:, None]
        ball = np.where(builder.t[:, None] < pass_time, ball, flight_pass * (1 - mix) + feet * mix)
        shooter = second
    else:
        shooter = builder.add(builder.attack, builder.move(start, shoot_from, pause, shot))
        ball = builder.at_feet(shooter)
    shooter.pose[max(0, int(np.searchsorted(builder.t, shot)) - 1): int(np.searchsorted(builder.t, shot)) + 2] = KICK
    on_target = rng.random() < 0.8
    target_y = MID_Y + (rng.uniform(-3.3, 3.3) if on_target else rng.choice([-1, 1]) * rng.uniform(4.0, 7.0))
    target = np.array([GOAL_X + 0.5, target_y, rng.uniform(0.2, 2.3)])
    shot_ball = builder.flight(ball[builder.frame_at(shot / builder.duration), :2], target, shot,
                               rng.uniform(24, 31), rng.uniform(0.3, 2.0), stop_x=GOAL_X + (1.6 if on_target else 6.0))
    after = ~np.isnan(shot_ball[:, 0])
    ball[after] = shot_ball[after]
    # Defenders track back towards goal, other attackers make runs into the box.
    run_in = (np.array([rng.uniform(6, 12), 0.0]), 0.0, builder.duration)
    builder.crowd_of(builder.defence, int(rng.integers(3, 6)), (start[0] + 2, 95), (14, 54), drift=run_in, amplitude=1.0)
    builder.crowd_of(builder.attack, int(rng.integers(1, 4)), (start[0] - 5, 92), (14, 54), drift=run_in, amplitude=1.0)
    builder.crowd_of(builder.defence, int(rng.integers(0, 3)), (start[0] - 15, start[0] - 3), (5, 63),
                     drift=(np.array([8.0, 0.0]), 0.0, builder.duration))
    dive = shot + rng.uniform(0.1, 0.3)
    keeper_y = MID_Y + (shoot_from[1] - MID_Y) * 0.25
    keeper = builder.move([GOAL_X - 1.0, keeper_y], [GOAL_X - 0.8, keeper_y + np.clip(target_y - keeper_y, -2.5, 2.5)],
                          dive, dive + 0.3)
    builder.add(f"{builder.defence}_keeper", keeper, np.where(builder.t >= dive, DIVE, -1))
    add_referee(builder, (start[0] - 12, start[0] - 4), (20, 48), follow=ball)
    # Camera: follows the ball with a lead towards goal, so it keeps panning goal-wards.
    lead = rng.uniform(3, 9)
    focus = np.column_stack([ball[:, 0] + lead, MID_Y + (ball[:, 1] - MID_Y) * rng.uniform(0.5, 0.9), ball[:, 2] * 0.3])
    zoom = rng.uniform(0.4, 0.7) * (1 + (rng.uniform(0.9, 1.25) - 1) * builder.ease(0.0, builder.duration))
    if rng.random() < 0.2:   # a wide shot already framing the box: the camera barely moves
        anchor = np.array([rng.uniform(86, 94), MID_Y + rng.uniform(-6, 6), 0.0])
        focus = anchor + rng.uniform(0.1, 0.3) * (focus - anchor)
        zoom = np.full(builder.n, rng.uniform(0.36, 0.48))
    return ball, focus, zoom


def throw_in(builder: Builder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A throw at the far touchline: arms over the head, a short throw; boards and crowd in view."""
    rng = builder.rng
    x_throw = rng.uniform(18, 92)
    throw = builder.duration * rng.uniform(0.4, 0.7)
    builder.instant = throw
    thrower_xy = np.array([x_throw, PITCH_WIDTH + 0.5])
    pose = np.where(builder.t < throw, ARMS_UP, STAND)
    step = builder.move(thrower_xy + [0, 0.6], thrower_xy, 0.0, throw * 0.5)
    builder.add(builder.attack, step, pose)
    direction = rng.choice([-1, 1])
    receiver_xy = np.array([x_throw + direction * rng.uniform(5, 13), rng.uniform(54, 64)])
    receiver = builder.move(receiver_xy + [direction * 2.0, 2.0], receiver_xy, 0.0, throw)
    catch = throw + rng.uniform(0.6, 0.9)
    play_on = rng.random() < 0.25   # the receiver controls it and runs on down the line; the camera goes along
    if play_on:
        run = np.array([direction * rng.uniform(6, 10), -rng.uniform(0, 4)])
        receiver = receiver + builder.move([0, 0], run, catch, catch + 1.5)
    receiver_actor = builder.add(builder.attack, receiver + builder.wander(0.5))
    builder.crowd_of(builder.defence, int(rng.integers(2, 5)), (x_throw - 15, x_throw + 15), (46, 66), amplitude=2.0)
    builder.crowd_of(builder.attack, int(rng.integers(1, 3)), (x_throw - 15, x_throw + 15), (44, 64), amplitude=2.0)
    # The assistant referee runs the far touchline.
    linesman = np.array([x_throw + rng.choice([-1, 1]) * rng.uniform(6, 20), PITCH_WIDTH + 1.2])
    builder.add("referee", linesman + builder.wander(0.8) * [1, 0.1])
    ball = builder.flight(thrower_xy, [receiver_xy[0], receiver_xy[1], 0.0], throw, rng.uniform(9, 14), rng.uniform(0.6, 1.5))
    # Before the throw the ball is held over the head; the flight starts from there.
    held = np.isnan(ball[:, 0])
    ball[held] = [thrower_xy[0], thrower_xy[1], 2.15]
    released = ~held
    fade = np.clip((builder.t - throw) / 0.4, 0, 1)
    ball[released, 2] = ball[released, 2] + 2.0 * (1 - fade[released])
    if play_on:
        mix = builder.ease(catch - 0.1, catch + 0.2)[:, None]
        ball = ball * (1 - mix) + builder.at_feet(receiver_actor) * mix
    # Camera: nearly still. Half the time a close shot tilted up so boards and stand fill the top of
    # the frame; otherwise the main camera's wider view, mostly pitch with the touchline at the top
    # (so appearance alone often cannot tell a throw-in from open play, as in the paper's BoW row).
    close = rng.random() < 0.5
    if close:
        base = np.array([x_throw + rng.uniform(-5, 5), rng.uniform(54, 66), rng.uniform(0.0, 3.5)])
    else:
        base = np.array([x_throw + rng.uniform(-8, 8), rng.uniform(40, 50), 0.0])
    follow = rng.uniform(0.7, 1.0) if play_on else rng.uniform(0.3, 0.7) if rng.random() < 0.4 else rng.uniform(0.0, 0.2)
    focus = base + follow * np.column_stack([ball[:, 0] - ball[0, 0], ball[:, 1] - ball[0, 1], np.zeros(builder.n)])
    if rng.random() < 0.3:    # the camera is still settling on the thrower when the clip starts
        offset = np.array([rng.choice([-1, 1]) * rng.uniform(2, 6), rng.uniform(-3, 0), 0.0])
        focus = focus + offset * (1 - builder.ease(0.0, builder.duration * rng.uniform(0.2, 0.4)))[:, None]
    change = rng.uniform(1.1, 1.35) if rng.random() < 0.2 else rng.uniform(0.95, 1.05)  # sometimes zooms in on the thrower
    zoom = (rng.uniform(0.55, 0.95) if close else rng.uniform(0.4, 0.6)) * \
        (1 + (change - 1) * builder.ease(0, builder.duration * rng.uniform(0.3, 0.6)))
    return ball, focus, zoom


SCRIPTS = {
    "goal-kick": goal_kick,
    "placed-kick": placed_kick,
    "shot-on-goal": shot_on_goal,
    "throw-in": throw_in,
}


def make_script(action: str, rng: np.random.Generator, n_frames: int, fps: float) -> Script:
    """Draw one clip's script for ``action``.

    Parameters
    ----------
    action : str
        One of :data:`SCRIPTS`.
    rng : numpy.random.Generator
        The clip's own generator; all randomness comes from it.
    n_frames : int
        Clip length in frames (at least 8).
    fps : float
        Frame rate; motion is physical (metres per second).
    """
    attack = "home" if rng.random() < 0.5 else "away"
    builder = Builder(rng, n_frames, fps, attack)
    ball, focus, zoom = SCRIPTS[action](builder)
    # Operator: a slightly lagging, smooth follow plus a little hand jitter.
    lag = rng.uniform(0.55, 0.8)
    focus = np.stack([smooth(focus[:, k], lag) for k in range(3)], axis=1)
    focus[:, :2] += builder.wander(rng.uniform(0.05, 0.25))
    side = 1 if rng.random() < 0.5 else -1
    camera_position = np.array([PITCH_LENGTH / 2 + rng.uniform(-4, 4), -rng.uniform(22, 34), rng.uniform(14, 24)])
    script = Script(action, fps, side, builder.actors, ball, focus, np.asarray(zoom, float), camera_position,
                    instant=builder.instant)
    if side < 0:
        _mirror(script)
    return script


def _mirror(script: Script) -> None:
    """Mirror a script across the halfway line so the action goes towards the goal at X = 0."""
    for actor in script.actors:
        actor.position = actor.position.copy()
        actor.position[:, 0] = PITCH_LENGTH - actor.position[:, 0]
        actor.lean = -actor.lean
    script.ball = script.ball.copy()
    script.ball[:, 0] = PITCH_LENGTH - script.ball[:, 0]
    script.focus = script.focus.copy()
    script.focus[:, 0] = PITCH_LENGTH - script.focus[:, 0]
    script.camera_position = script.camera_position.copy()
    script.camera_position[0] = PITCH_LENGTH - script.camera_position[0]
