"""What a clip looks like: the stadium drawn once per clip, players and ball drawn per frame.

The stadium (grass, markings, goals, boards, stands) is drawn into the image plane of the clip's
:class:`~soccer_lstm.synth.camera.Pinhole` by warping flat textures with the homography of the
plane they lie on, painted from far to near. Players, referees and the ball are drawn afterwards
in frame pixels, from their projected feet and heads, so they move independently of the camera.
"""
from __future__ import annotations

import cv2
import numpy as np

from soccer_lstm.synth import textures
from soccer_lstm.synth.camera import PITCH_LENGTH, PITCH_WIDTH, Pinhole
from soccer_lstm.synth.look import ONE, SHIFT, Look

GOAL_HALF_WIDTH = 3.66
GOAL_HEIGHT = 2.44
BOARD_Y = PITCH_WIDTH + 3.0      # far boards stand 3 m behind the far touchline
END_BOARD_GAP = 4.0              # end boards stand this far behind each goal line
STAND_Y = BOARD_Y + 2.5          # first crowd row
GRASS_PPM = 6.0                  # texture resolutions, pixels per metre
CROWD_PPM = textures.CROWD_PPM
BOARD_PPM = 24.0

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
