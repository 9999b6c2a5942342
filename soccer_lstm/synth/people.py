"""Players, referees and the ball, drawn per frame in frame pixels from their projected feet and heads."""
from __future__ import annotations

import cv2
import numpy as np

from soccer_lstm.synth.look import ONE, SHIFT, Kit

STAND, RUN, ARMS_UP, KICK, DIVE = range(5)
SKIN_TONES = ((120, 160, 215), (95, 135, 190), (70, 100, 150), (50, 70, 105), (140, 175, 225))


def _pt(x: float, y: float) -> tuple[int, int]:
    return int(round(x * ONE)), int(round(y * ONE))


def draw_person(frame: np.ndarray, foot: np.ndarray, height: float, kit: Kit, skin: tuple[int, int, int],
                pose: int, phase: float, lean: float, shadow_colour: tuple[int, int, int]) -> None:
    """Draw one player (legs, shorts, patterned shirt, arms, head) standing at ``foot`` (frame pixels).

    ``height`` is the player's height in pixels; ``phase`` drives the running stride; ``lean`` is the
    sideways direction of motion (-1 .. 1) used for the kick and dive poses.
    """
    x, y = float(foot[0]), float(foot[1])
    h = float(height)
    if h < 2.0 or x < -h or y < -0.2 * h or x > frame.shape[1] + h or y > frame.shape[0] + 1.2 * h:
        return
    aa = cv2.LINE_AA
    # Shadow on the grass, cast to the side.
    cv2.ellipse(frame, _pt(x + 0.12 * h, y), (int(0.28 * h * ONE), int(0.06 * h * ONE) + 1), 0, 0, 360,
                shadow_colour, -1, aa, SHIFT)
    if pose == DIVE:
        angle = 70.0 * (1 if lean >= 0 else -1)
        centre = _pt(x + 0.3 * h * np.sign(lean or 1), y - 0.35 * h)
        cv2.ellipse(frame, centre, (int(0.45 * h * ONE), int(0.12 * h * ONE) + 1), angle - 90, 0, 360, kit.shirt, -1, aa, SHIFT)
        head = _pt(x + 0.75 * h * np.sign(lean or 1), y - 0.55 * h)
        cv2.circle(frame, head, int(0.075 * h * ONE) + 1, skin, -1, aa, SHIFT)
        return
    leg_w = max(1, int(round(0.08 * h)))
    hip_y = y - 0.47 * h
    stride = 0.0
    if pose == RUN:
        stride = 0.17 * h * np.sin(phase)
    elif pose == KICK:
        stride = 0.3 * h * (1 if lean >= 0 else -1)
    for sign in (-1, 1):
        cv2.line(frame, _pt(x + sign * 0.05 * h, hip_y), _pt(x + sign * 0.05 * h + sign * stride, y - 0.02 * h),
                 kit.socks, leg_w, aa, SHIFT)
    # Shorts and shirt as small polygons; shoulders a little wider than the waist.
    shorts = np.array([_pt(x - 0.12 * h, hip_y - 0.09 * h), _pt(x + 0.12 * h, hip_y - 0.09 * h),
                       _pt(x + 0.13 * h, hip_y + 0.06 * h), _pt(x - 0.13 * h, hip_y + 0.06 * h)], np.int32)
    cv2.fillConvexPoly(frame, shorts, kit.shorts, aa, SHIFT)
    top, waist = y - 0.82 * h, hip_y - 0.08 * h
    shirt = np.array([_pt(x - 0.16 * h, top), _pt(x + 0.16 * h, top), _pt(x + 0.12 * h, waist),
                      _pt(x - 0.12 * h, waist)], np.int32)
    cv2.fillConvexPoly(frame, shirt, kit.shirt, aa, SHIFT)
    if h >= 9:
        _shirt_detail(frame, x, top, waist, h, kit)
    # Arms: swing against the legs when running, up over the head for a throw-in.
    arm_w = max(1, int(round(0.06 * h)))
    sleeve = kit.detail if kit.pattern == "sleeves" else kit.shirt
    for sign in (-1, 1):
        shoulder = (x + sign * 0.16 * h, top + 0.03 * h)
        if pose == ARMS_UP:
            hand = (x + sign * 0.07 * h, y - 1.12 * h)
        else:
            swing = -sign * stride * 0.6 if pose == RUN else 0.0
            hand = (x + sign * 0.22 * h + swing, y - 0.5 * h)
        elbow = (0.5 * (shoulder[0] + hand[0]) + sign * 0.02 * h, 0.5 * (shoulder[1] + hand[1]))
        cv2.line(frame, _pt(*shoulder), _pt(*elbow), sleeve, arm_w, aa, SHIFT)
        cv2.line(frame, _pt(*elbow), _pt(*hand), skin, arm_w, aa, SHIFT)
    cv2.circle(frame, _pt(x, y - 0.9 * h), int(0.075 * h * ONE) + 1, skin, -1, aa, SHIFT)
    if h >= 14:  # hair
        cv2.ellipse(frame, _pt(x, y - 0.93 * h), (int(0.07 * h * ONE), int(0.04 * h * ONE)), 0, 180, 360,
                    (20, 25, 35), -1, aa, SHIFT)


def _shirt_detail(frame, x: float, top: float, waist: float, h: float, kit: Kit) -> None:
    aa = cv2.LINE_AA
    if kit.pattern == "stripes":
        for dx in (-0.08, 0.0, 0.08):
            cv2.line(frame, _pt(x + dx * h, top), _pt(x + dx * h * 0.8, waist), kit.detail, max(1, int(0.03 * h)), aa, SHIFT)
    elif kit.pattern == "hoops":
        for fy in (0.3, 0.65):
            yy = top + fy * (waist - top)
            cv2.line(frame, _pt(x - 0.14 * h, yy), _pt(x + 0.14 * h, yy), kit.detail, max(1, int(0.05 * h)), aa, SHIFT)
    elif kit.pattern == "sash":
        cv2.line(frame, _pt(x - 0.14 * h, top), _pt(x + 0.12 * h, waist), kit.detail, max(1, int(0.06 * h)), aa, SHIFT)
    # The shirt number: a small block in the detail colour.
    cv2.rectangle(frame, _pt(x - 0.04 * h, top + 0.1 * h), _pt(x + 0.04 * h, top + 0.22 * h), kit.detail, -1, aa, SHIFT)


def draw_ball(frame: np.ndarray, ball: np.ndarray, ground: np.ndarray, radius: float) -> None:
    """Draw the ball at ``ball`` with its shadow at ``ground`` (frame pixels)."""
    r = max(1.0, float(radius))
    cv2.ellipse(frame, _pt(*ground), (int(1.1 * r * ONE), int(0.45 * r * ONE) + 1), 0, 0, 360, (25, 50, 25), -1,
                cv2.LINE_AA, SHIFT)
    cv2.circle(frame, _pt(*ball), int(r * ONE), (245, 245, 245), -1, cv2.LINE_AA, SHIFT)
    if r >= 2.5:
        cv2.circle(frame, _pt(ball[0] + 0.3 * r, ball[1] + 0.3 * r), int(0.4 * r * ONE), (120, 120, 120), -1,
                   cv2.LINE_AA, SHIFT)


