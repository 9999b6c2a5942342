"""What a clip looks like: the stadium drawn once per clip, players and ball drawn per frame.

The stadium (grass, markings, goals, boards, stands) is drawn into the image plane of the clip's
:class:`~soccer_lstm.synth.camera.Pinhole` by warping flat textures with the homography of the
plane they lie on, painted from far to near. Players, referees and the ball are drawn afterwards
in frame pixels, from their projected feet and heads, so they move independently of the camera.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from soccer_lstm.synth import textures
from soccer_lstm.synth.camera import PITCH_LENGTH, PITCH_WIDTH, Pinhole

SHIFT = 4                  # sub-pixel bits for OpenCV drawing
ONE = 1 << SHIFT
GOAL_HALF_WIDTH = 3.66
GOAL_HEIGHT = 2.44
BOARD_Y = PITCH_WIDTH + 3.0      # far boards stand 3 m behind the far touchline
END_BOARD_GAP = 4.0              # end boards stand this far behind each goal line
STAND_Y = BOARD_Y + 2.5          # first crowd row
GRASS_PPM = 6.0                  # texture resolutions, pixels per metre
CROWD_PPM = textures.CROWD_PPM
BOARD_PPM = 24.0

# Kit colours (BGR). Pairs are drawn so that the two teams always contrast.
KIT_COLOURS = {
    "white": (235, 235, 235), "black": (25, 25, 25), "red": (40, 30, 200), "blue": (170, 60, 20),
    "sky": (225, 175, 95), "yellow": (30, 215, 240), "green": (60, 140, 20), "orange": (20, 120, 240),
    "claret": (70, 20, 120), "navy": (80, 30, 15), "purple": (140, 40, 110), "grey": (130, 130, 130),
}
KEEPER_COLOURS = ("lime", "pink", "amber", "teal", "charcoal")
KEEPER_BGR = {"lime": (40, 240, 170), "pink": (170, 90, 245), "amber": (0, 180, 255), "teal": (150, 150, 0),
              "charcoal": (55, 50, 45)}
PATTERNS = ("plain", "stripes", "hoops", "sleeves", "sash")


@dataclass
class Kit:
    """Colours and shirt pattern of one team (or a keeper, or the referees)."""

    shirt: tuple[int, int, int]
    shorts: tuple[int, int, int]
    socks: tuple[int, int, int]
    detail: tuple[int, int, int]
    pattern: str = "plain"


@dataclass
class Look:
    """Everything about a clip's appearance that is not the action itself."""

    grass: tuple[np.ndarray, np.ndarray]
    stripe_m: float
    checker: bool
    line_colour: tuple[int, int, int]
    roof_colour: tuple[int, int, int]
    shadow: tuple[float, float] | None        # far-stand shadow edge: Y at X=0 and at X=105
    kits: dict[str, Kit]
    gain: float
    tint: np.ndarray
    gamma: float
    noise_sigma: float
    jpeg_quality: int
    blur_gain: float
    overlay: dict = field(default_factory=dict)


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    return float(np.abs(np.asarray(a, float) - np.asarray(b, float)).sum())


def _team_kit(rng: np.random.Generator, avoid: tuple[int, int, int] | None) -> Kit:
    names = list(KIT_COLOURS)
    while True:
        shirt = KIT_COLOURS[names[int(rng.integers(len(names)))]]
        if avoid is None or _contrast(shirt, avoid) > 220:
            break
    detail = KIT_COLOURS[names[int(rng.integers(len(names)))]]
    if _contrast(detail, shirt) < 120:
        detail = (235, 235, 235) if np.mean(shirt) < 128 else (25, 25, 25)
    shorts = shirt if rng.random() < 0.4 else (detail if rng.random() < 0.5 else (235, 235, 235) if rng.random() < 0.5 else (25, 25, 25))
    socks = shorts if rng.random() < 0.5 else shirt
    pattern = PATTERNS[int(rng.choice(len(PATTERNS), p=[0.45, 0.2, 0.1, 0.15, 0.1]))]
    return Kit(shirt, shorts, socks, detail, pattern)


def make_look(rng: np.random.Generator) -> Look:
    """Draw a clip's appearance: grass, lighting, kits, overlays, degradations."""
    hue = rng.uniform(-1, 1)
    light = np.array([45 + 12 * hue, 150 + rng.uniform(-25, 20), 70 + rng.uniform(-20, 25)], np.float32)
    dark = light * rng.uniform(0.72, 0.88)
    if rng.random() < 0.5:
        light, dark = dark, light
    home = _team_kit(rng, None)
    away = _team_kit(rng, home.shirt)
    keepers = rng.choice(len(KEEPER_COLOURS), 2, replace=False)
    kits = {
        "home": home,
        "away": away,
        "home_keeper": _keeper_kit(KEEPER_COLOURS[int(keepers[0])]),
        "away_keeper": _keeper_kit(KEEPER_COLOURS[int(keepers[1])]),
        "referee": _referee_kit(rng, home.shirt, away.shirt),
    }
    shadow = None
    if rng.random() < 0.35:
        a, b = rng.uniform(20, 60, 2)
        shadow = (float(a), float(b))
    abbreviations = rng.choice(["ARS", "BAR", "JUV", "MIL", "LYO", "POR", "AJX", "CEL", "BEN", "SEV",
                                "NAP", "ROM", "VAL", "PSV", "GAL", "RBL"], 2, replace=False)
    overlay = {
        "logo_corner": int(rng.integers(2)),           # 0: top-left, 1: top-right; score goes opposite
        "channel": str(rng.choice(["SPN", "TV4", "MCS", "RAI", "SKY", "CAN+", "BTS", "ZDF"])),
        "teams": [str(a) for a in abbreviations],
        "score": [int(v) for v in rng.integers(0, 4, 2)],
        "clock_s": int(rng.integers(60, 90 * 60)),
        "logo_colour": tuple(int(c) for c in rng.integers(60, 256, 3)),
    }
    return Look(
        grass=(light, dark),
        stripe_m=float(rng.uniform(4.5, 7.0)),
        checker=bool(rng.random() < 0.2),
        line_colour=tuple(int(c) for c in rng.integers(215, 250, 3)),
        roof_colour=tuple(int(c) for c in rng.integers(25, 70, 3)),
        shadow=shadow,
        kits=kits,
        gain=float(rng.uniform(0.8, 1.15)),
        tint=rng.uniform(0.93, 1.07, 3).astype(np.float32),
        gamma=float(rng.uniform(0.85, 1.2)),
        noise_sigma=float(rng.uniform(1.5, 5.0)),
        jpeg_quality=int(rng.integers(35, 80)),
        blur_gain=float(rng.uniform(0.3, 0.7)),
        overlay=overlay,
    )


def _keeper_kit(name: str) -> Kit:
    colour = KEEPER_BGR[name]
    return Kit(colour, colour, colour, (25, 25, 25) if np.mean(colour) > 100 else (230, 230, 230), "sleeves")


def _referee_kit(rng: np.random.Generator, *avoid: tuple[int, int, int]) -> Kit:
    for colour in ((25, 25, 25), (30, 220, 240), (60, 40, 200), (90, 200, 60)):
        if all(_contrast(colour, a) > 150 for a in avoid) or rng.random() < 0.1:
            return Kit(colour, (25, 25, 25), (25, 25, 25), (200, 200, 200), "plain")
    return Kit((90, 200, 60), (25, 25, 25), (25, 25, 25), (200, 200, 200), "plain")


# --------------------------------------------------------------------------------------------
# The stadium, drawn once per clip
# --------------------------------------------------------------------------------------------

def render_world(camera: Pinhole, box: tuple[int, int, int, int], look: Look, rng: np.random.Generator) -> np.ndarray:
    """Draw the static stadium into the image-plane region ``box`` = (x0, y0, x1, y1).

    Returns
    -------
    numpy.ndarray
        uint8 BGR image of shape (y1 - y0, x1 - x0, 3).
    """
    x0, y0, x1, y1 = box
    size = (x1 - x0, y1 - y0)
    offset = np.array([[1.0, 0, -x0], [0, 1.0, -y0], [0, 0, 1.0]])
    world = np.empty((size[1], size[0], 3), np.uint8)
    world[:] = look.roof_colour
    # Roof girders above the stands: a little structure where the crowd ends.
    for k in range(0, size[0], 97):
        cv2.line(world, (k, 0), (k + 40, size[1]), tuple(int(c * 0.7) for c in look.roof_colour), 3)

    def paint(texture: np.ndarray, origin, axis_u, axis_v) -> None:
        """Warp ``texture`` (column = u, row = v, in texture pixels) onto a world plane."""
        homography = offset @ camera.plane_homography(origin, axis_u, axis_v)
        cv2.warpPerspective(texture, homography, size, dst=world, flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_TRANSPARENT)

    slope = np.deg2rad(rng.uniform(28, 36))
    up_stand = np.array([0.0, np.cos(slope), np.sin(slope)])
    stand_depth = 45.0
    # Far stand (texture row 0 is its top row, far from the pitch).
    stand = textures.crowd(stand_depth, 180.0, rng)
    top = np.array([-37.5, STAND_Y, 1.2]) + stand_depth * up_stand
    paint(stand, top, np.array([1.0, 0, 0]) / CROWD_PPM, -up_stand / CROWD_PPM)
    # End stands behind each goal; seen from the halfway line they face the camera obliquely.
    for side in (-1, 1):
        goal_x = PITCH_LENGTH / 2 + side * PITCH_LENGTH / 2
        end = textures.crowd(stand_depth, 100.0, rng)
        up_end = np.array([side * np.cos(slope), 0.0, np.sin(slope)])
        base_x = goal_x + side * (END_BOARD_GAP + 2.5)
        u_axis = np.array([0.0, -side, 0.0])
        start_y = PITCH_WIDTH + 12.0 if side > 0 else -20.0
        origin = np.array([base_x, start_y, 1.2]) + stand_depth * up_end
        paint(end, origin, u_axis / CROWD_PPM, -up_end / CROWD_PPM)

    # Grass, inside the boards.
    gx0, gx1 = -END_BOARD_GAP, PITCH_LENGTH + END_BOARD_GAP
    gy0, gy1 = -12.0, BOARD_Y
    shape = (int((gy1 - gy0) * GRASS_PPM), int((gx1 - gx0) * GRASS_PPM))
    turf = textures.grass(shape, GRASS_PPM, look.grass, look.stripe_m, look.checker, gx0, rng)
    paint(turf, np.array([gx0, gy1, 0.0]), np.array([1.0, 0, 0]) / GRASS_PPM, np.array([0, -1.0, 0]) / GRASS_PPM)
    textures.add_grain(world, rng, strength=0.8)
    if look.shadow is not None:
        _stand_shadow(world, camera, offset, look.shadow)
    _markings(world, camera, offset, look.line_colour)

    # Boards: far side, then the two ends.
    far = textures.boards(gx1 - gx0 + 2, BOARD_PPM, rng)
    paint(far, np.array([gx0 - 1, BOARD_Y, 1.0]), np.array([1.0, 0, 0]) / BOARD_PPM, np.array([0, 0, -1.0]) / BOARD_PPM)
    for side in (-1, 1):
        goal_x = PITCH_LENGTH / 2 + side * PITCH_LENGTH / 2
        end = textures.boards(BOARD_Y - gy0, BOARD_PPM, rng)
        start_y = BOARD_Y if side > 0 else gy0
        paint(end, np.array([goal_x + side * END_BOARD_GAP, start_y, 1.0]),
              np.array([0.0, -side, 0]) / BOARD_PPM, np.array([0, 0, -1.0]) / BOARD_PPM)
    for side in (-1, 1):
        _goal(world, camera, offset, PITCH_LENGTH / 2 + side * PITCH_LENGTH / 2, side)
    _corner_flags(world, camera, offset)
    return world


def _to_pixels(camera: Pinhole, offset: np.ndarray, points: np.ndarray) -> np.ndarray:
    projected = camera.project(points)
    return projected + offset[:2, 2]


def _in_front(camera: Pinhole, points: np.ndarray, min_depth: float = 2.0) -> bool:
    """Whether every point lies well in front of the camera (projections behind it are garbage)."""
    depth = np.asarray(points, float) @ camera.matrix[2, :3] + camera.matrix[2, 3]
    return bool(np.all(depth > min_depth))


def _polyline_segments(world, camera, offset, points: np.ndarray, width_m: float, colour, closed=False) -> None:
    """Draw a world polyline with a thickness that follows the perspective scale."""
    if closed:
        points = np.vstack([points, points[:1]])
    if not _in_front(camera, points):
        return
    pixels = _to_pixels(camera, offset, points)
    scale = camera.scale_at(points)
    fixed = np.round(pixels * ONE).astype(np.int64)
    h, w = world.shape[:2]
    for i in range(len(points) - 1):
        a, b = pixels[i], pixels[i + 1]
        if max(a[0], b[0]) < -50 or min(a[0], b[0]) > w + 50 or max(a[1], b[1]) < -50 or min(a[1], b[1]) > h + 50:
            continue
        thickness = max(1, int(round(width_m * 0.5 * (scale[i] + scale[i + 1]))))
        cv2.line(world, tuple(int(v) for v in fixed[i]), tuple(int(v) for v in fixed[i + 1]), colour, thickness,
                 cv2.LINE_AA, SHIFT)


def _densify(a, b, step: float = 2.0) -> np.ndarray:
    a, b = np.asarray(a, float), np.asarray(b, float)
    n = max(2, int(np.linalg.norm(b - a) / step) + 1)
    return a + (b - a) * np.linspace(0, 1, n)[:, None]


def _arc(centre, radius, start_deg, end_deg, n=40) -> np.ndarray:
    angles = np.deg2rad(np.linspace(start_deg, end_deg, n))
    return np.stack([centre[0] + radius * np.cos(angles), centre[1] + radius * np.sin(angles), np.zeros(n)], axis=1)


def _markings(world, camera, offset, colour) -> None:
    L, W = PITCH_LENGTH, PITCH_WIDTH
    width = 0.12
    lines = [
        _densify((0, 0, 0), (L, 0, 0)), _densify((0, W, 0), (L, W, 0)),
        _densify((0, 0, 0), (0, W, 0)), _densify((L, 0, 0), (L, W, 0)),
        _densify((L / 2, 0, 0), (L / 2, W, 0)),
        _arc((L / 2, W / 2), 9.15, 0, 360, 64),
    ]
    for goal_x, side in ((0.0, -1), (L, 1)):
        inward = -side
        for depth, half in ((16.5, 20.16), (5.5, 9.16)):
            corner_a = (goal_x, W / 2 - half, 0)
            corner_b = (goal_x + inward * depth, W / 2 - half, 0)
            corner_c = (goal_x + inward * depth, W / 2 + half, 0)
            corner_d = (goal_x, W / 2 + half, 0)
            lines += [_densify(corner_a, corner_b), _densify(corner_b, corner_c), _densify(corner_c, corner_d)]
        spot_x = goal_x + inward * 11.0
        # The penalty arc is the part of the 9.15 m circle outside the area.
        half_angle = np.rad2deg(np.arccos(5.5 / 9.15))
        centre_deg = 180.0 if side > 0 else 0.0
        lines.append(_arc((spot_x, W / 2), 9.15, centre_deg - half_angle, centre_deg + half_angle, 24))
        lines.append(_arc((spot_x, W / 2), 0.2, 0, 360, 8))
        for corner_y, sweep in ((0.0, (0, 90)), (W, (270, 360))):
            start, end = sweep
            if side > 0:
                start, end = 180 - end, 180 - start
            lines.append(_arc((goal_x, corner_y), 1.0, start, end, 8))
    for line in lines:
        _polyline_segments(world, camera, offset, line, width, colour)


def _stand_shadow(world, camera, offset, shadow: tuple[float, float]) -> None:
    """Darken the far part of the pitch and boards, as the stand roof's shadow does in the afternoon."""
    y_left, y_right = shadow
    polygon = np.array([(-20, y_left - 5, 0), (125, y_right + 5, 0), (125, BOARD_Y, 0), (125, BOARD_Y, 1.2),
                        (-20, BOARD_Y, 1.2), (-20, BOARD_Y, 0)], float)
    if not _in_front(camera, polygon):
        return
    pixels = np.round(_to_pixels(camera, offset, polygon) * ONE).astype(np.int32)
    mask = np.zeros(world.shape[:2], np.uint8)
    cv2.fillPoly(mask, [pixels], 255, cv2.LINE_AA, SHIFT)
    region = mask > 0
    world[region] = (world[region].astype(np.uint16) * 165 >> 8).astype(np.uint8)


def _goal(world, camera, offset, goal_x: float, side: int) -> None:
    """Posts, crossbar and net of the goal on line ``goal_x``; the net extends away from the pitch."""
    y_a, y_b = PITCH_WIDTH / 2 - GOAL_HALF_WIDTH, PITCH_WIDTH / 2 + GOAL_HALF_WIDTH
    back_x = goal_x + side * 2.0
    top_back_x = goal_x + side * 1.2
    net = (205, 205, 205)
    step = 0.3
    segments = []
    for y in np.arange(y_a, y_b + 1e-6, step):          # back and roof, lines across
        segments.append([(back_x, y, 0.0), (back_x, y, 2.2), (top_back_x, y, 2.3), (goal_x, y, GOAL_HEIGHT)])
    for z in np.arange(0.0, 2.21, step):                 # back, horizontal lines
        segments.append([(back_x, y_a, z), (back_x, y_b, z)])
    for y in (y_a, y_b):                                  # side panels
        for t in np.linspace(0, 1, 8):
            x = goal_x + (back_x - goal_x) * t
            z_top = GOAL_HEIGHT - (GOAL_HEIGHT - 2.2) * t
            segments.append([(x, y, 0.0), (x, y, z_top)])
        for z in np.arange(0.0, 2.21, step):
            segments.append([(goal_x, y, z), (back_x, y, z)])
    for x in np.linspace(goal_x, top_back_x, 5):          # roof, lines along the depth
        segments.append([(x, y_a, 2.3), (x, y_b, 2.3)])
    if not _in_front(camera, np.array([(goal_x, y_a, 0.0), (back_x, y_b, 2.4)])):
        return
    for segment in segments:
        pixels = np.round(_to_pixels(camera, offset, np.asarray(segment, float)) * ONE).astype(np.int32)
        cv2.polylines(world, [pixels], False, net, 1, cv2.LINE_AA, SHIFT)
    frame = np.array([(goal_x, y_a, 0), (goal_x, y_a, GOAL_HEIGHT), (goal_x, y_b, GOAL_HEIGHT), (goal_x, y_b, 0)], float)
    thickness = max(1, int(round(0.12 * float(camera.scale_at(frame).mean()))))
    pixels = np.round(_to_pixels(camera, offset, frame) * ONE).astype(np.int32)
    cv2.polylines(world, [pixels], False, (250, 250, 250), thickness, cv2.LINE_AA, SHIFT)


def _corner_flags(world, camera, offset) -> None:
    for x in (0.0, PITCH_LENGTH):
        for y in (0.0, PITCH_WIDTH):
            pole = np.array([(x, y, 0.0), (x, y, 1.5)])
            flag = np.array([(x, y, 1.5), (x + 0.0, y, 1.15), (x + (0.45 if x == 0 else -0.45), y, 1.35)])
            if not _in_front(camera, np.vstack([pole, flag])):
                continue
            p = np.round(_to_pixels(camera, offset, pole) * ONE).astype(np.int32)
            f = np.round(_to_pixels(camera, offset, flag) * ONE).astype(np.int32)
            cv2.line(world, tuple(int(v) for v in p[0]), tuple(int(v) for v in p[1]), (40, 220, 240), 1, cv2.LINE_AA, SHIFT)
            cv2.fillConvexPoly(world, f, (30, 60, 230), cv2.LINE_AA, SHIFT)


# --------------------------------------------------------------------------------------------
# Players and ball, drawn per frame in frame pixels
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Screen-fixed overlays
# --------------------------------------------------------------------------------------------

class Overlay:
    """The broadcaster's logo and the score/clock box, fixed in screen space.

    Both are opaque, so every pixel they cover is identical from frame to frame except the clock
    digits, which change once per second, as on television.
    """

    def __init__(self, size: tuple[int, int], spec: dict, kits: dict[str, Kit], fps: float) -> None:
        self.width, self.height = size
        self.spec = spec
        self.kits = kits
        self.fps = fps
        self.unit = max(1.0, self.width / 320.0)
        self._logo = self._render_logo()
        self._score_cache: tuple[int, tuple[np.ndarray, np.ndarray, tuple[int, int]]] | None = None

    def _render_logo(self) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
        u = self.unit
        w, h = int(44 * u), int(18 * u)
        patch = np.zeros((h, w, 3), np.uint8)
        mask = np.zeros((h, w), np.uint8)
        colour = self.spec["logo_colour"]
        cv2.circle(mask, (int(8 * u), h // 2), int(7 * u), 255, -1, cv2.LINE_AA)
        cv2.circle(patch, (int(8 * u), h // 2), int(7 * u), colour, -1, cv2.LINE_AA)
        cv2.circle(patch, (int(8 * u), h // 2), int(3 * u), (255, 255, 255), -1, cv2.LINE_AA)
        cv2.putText(mask, self.spec["channel"], (int(17 * u), int(13 * u)), cv2.FONT_HERSHEY_DUPLEX, 0.42 * u, 255,
                    max(1, int(2 * u)), cv2.LINE_AA)
        cv2.putText(patch, self.spec["channel"], (int(17 * u), int(13 * u)), cv2.FONT_HERSHEY_DUPLEX, 0.42 * u,
                    (250, 250, 250), max(1, int(2 * u)), cv2.LINE_AA)
        margin = int(8 * u)
        x = margin if self.spec["logo_corner"] == 0 else self.width - w - margin
        return patch, mask > 100, (x, margin)

    def _render_score(self, second: int) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
        u = self.unit
        w, h = int(112 * u), int(14 * u)
        patch = np.full((h, w, 3), 30, np.uint8)
        patch[:, : int(4 * u)] = self.kits["home"].shirt
        patch[:, int(42 * u): int(46 * u)] = self.kits["away"].shirt
        patch[:, int(80 * u):] = (60, 60, 60)
        home, away = self.spec["teams"]
        score = self.spec["score"]
        clock = self.spec["clock_s"] + second
        font, scale, white = cv2.FONT_HERSHEY_SIMPLEX, 0.32 * u, (245, 245, 245)
        base = int(10 * u)
        cv2.putText(patch, f"{home} {score[0]}", (int(6 * u), base), font, scale, white, 1, cv2.LINE_AA)
        cv2.putText(patch, f"{score[1]} {away}", (int(48 * u), base), font, scale, white, 1, cv2.LINE_AA)
        cv2.putText(patch, f"{clock // 60:02d}:{clock % 60:02d}", (int(83 * u), base), font, scale, white, 1, cv2.LINE_AA)
        margin = int(8 * u)
        x = self.width - w - margin if self.spec["logo_corner"] == 0 else margin
        return patch, np.ones((h, w), bool), (x, margin)

    def apply(self, frame: np.ndarray, index: int) -> None:
        """Paste the overlays onto ``frame`` (in place) for frame number ``index``."""
        second = int(index // max(self.fps, 1.0))
        if self._score_cache is None or self._score_cache[0] != second:
            self._score_cache = (second, self._render_score(second))
        for patch, mask, (x, y) in (self._logo, self._score_cache[1]):
            h, w = mask.shape
            if x < 0 or y + h > frame.shape[0] or x + w > frame.shape[1]:
                continue
            np.copyto(frame[y:y + h, x:x + w], patch, where=mask[..., None])
