"""Filming a script: world image, per-frame camera crop, players, overlays, degradations; AVI files.

Per clip: draw the stadium once into the image plane of the clip's pinhole camera, then for every
frame warp it with the camera's pan/zoom affine, draw players and ball, blur by the camera's own
motion, apply the lighting, add sensor noise, paste the screen-fixed logo and score box, and pass
the frame through JPEG at the clip's quality. Everything random comes from one generator seeded
by (seed, class), so a clip is a pure function of its arguments.
"""
from __future__ import annotations

import functools
import itertools
import os
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import cv2
import numpy as np

from soccer_lstm.errors import UserError
from soccer_lstm.synth import scene
from soccer_lstm.synth.actions import BALL_RADIUS, SCRIPTS, Script, make_script
from soccer_lstm.synth.camera import Pinhole, frame_affines, smooth, visible_box
from soccer_lstm.synth.look import Look, make_look
from soccer_lstm.synth.overlay import Overlay
from soccer_lstm.synth.people import draw_ball, draw_person

CLASSES: tuple[str, ...] = tuple(sorted(SCRIPTS))
FOCAL_PER_WIDTH = 4.0        # image-plane focal length, in frame widths: zoom 1 shows ~16 m at midfield
PERSON_HEIGHT = 1.8          # metres
MAX_PAN = 0.03               # fastest pan, frame widths per frame: an operator never whips faster
NOISE_MARGIN = 16            # the per-clip noise field is this much larger than a frame
VIDEO_FOURCC = "MJPG"
VIDEO_SUFFIX = ".avi"


def _check(action: str, size: tuple[int, int], n_frames: int) -> None:
    if action not in SCRIPTS:
        raise UserError(f"unknown action {action!r}; choose one of {', '.join(CLASSES)}")
    width, height = size
    if width < 64 or height < 48 or width > 1920 or height > 1920:
        raise UserError(f"frame size {width}x{height} is out of range (64x48 .. 1920x1920)")
    if n_frames < 8:
        raise UserError(f"a clip needs at least 8 frames, got {n_frames}")


def clip_rng(seed: int, action: str) -> np.random.Generator:
    """The generator of one clip: derived from ``(seed, class index)`` only."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFFFFFF, CLASSES.index(action)])


def render_clip(action: str, seed: int, size: tuple[int, int] = (320, 240), n_frames: int = 50,
                fps: float = 25.0, compress: bool = True) -> np.ndarray:
    """Render one clip of ``action``.

    Parameters
    ----------
    action : str
        One of :data:`CLASSES`.
    seed : int
        Clip seed; the same arguments always give the same pixels.
    size : (width, height)
        Frame size in pixels.
    n_frames : int
        Number of frames.
    fps : float
        Frame rate the motion is timed for.
    compress : bool
        Pass every frame through JPEG at the clip's broadcast quality, as the video file will.

    Returns
    -------
    numpy.ndarray
        uint8 BGR frames of shape ``(n_frames, height, width, 3)``.
    """
    frames, quality = _render(action, seed, size, n_frames, fps)
    if compress:
        for i, frame in enumerate(frames):
            ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if ok:
                frames[i] = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    return frames


def _render(action: str, seed: int, size: tuple[int, int], n_frames: int, fps: float) -> tuple[np.ndarray, int]:
    """Uncompressed frames and the clip's JPEG quality (the video writer applies it)."""
    size = (int(size[0]), int(size[1]))
    _check(action, size, int(n_frames))
    rng = clip_rng(seed, action)
    look = make_look(rng)
    script = make_script(action, rng, int(n_frames), float(fps))
    return _film(script, look, size, rng), look.jpeg_quality


def _film(script: Script, look: Look, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    width, height = size
    frames = np.empty((len(script.zoom), height, width, 3), np.uint8)
    for i, frame in enumerate(film(script, look, size, rng)):
        frames[i] = frame
    return frames


def film(script: Script, look: Look, size: tuple[int, int], rng: np.random.Generator,
         first_frame: int = 0) -> Iterator[np.ndarray]:
    """Film ``script`` frame by frame: uncompressed uint8 BGR frames ``(height, width, 3)``, one at a time.

    Every random draw happens before the first frame is yielded, so a caller that consumes the
    frames one by one (a whole game streamed to a file) gets the same pixels as one that stacks them.
    ``first_frame`` is the index of the first frame in a longer video: the on-screen clock runs on it.
    """
    width, height = size
    n = len(script.zoom)
    aim = script.focus.mean(axis=0)
    # Draw the world no sharper than the tightest zoom needs: smaller and faster when zoomed out.
    world_scale = float(min(1.0, 1.15 * script.zoom.max()))
    camera = Pinhole(script.camera_position, aim, FOCAL_PER_WIDTH * width * world_scale)
    zoom = script.zoom / world_scale
    centres = _rate_limit(camera.project(script.focus), zoom, MAX_PAN * width)
    box = visible_box(centres, zoom, size)
    world = scene.render_world(camera, box, look, rng)
    affines = frame_affines(centres - [box[0], box[1]], zoom, size)
    # World -> frame for people and ball: project, then the frame's affine.
    people = _people_table(script, camera, box, affines)
    ball, ball_ground, ball_radius, ball_depth = _ball_table(script, camera, box, affines)
    lut = _lighting_lut(look)
    noise_pos, noise_neg = _noise_fields(rng, size, look.noise_sigma)
    overlay = Overlay(size, look.overlay, look.kits, script.fps)
    shadow = tuple(int(c * 0.55) for c in look.grass[0])
    motion = np.diff(affines[:, :, 2], axis=0, prepend=affines[:1, :, 2])
    offsets = rng.integers(0, NOISE_MARGIN, (n, 2))
    return _frames(script, look, size, world, affines, people, (ball, ball_ground, ball_radius, ball_depth), lut,
                   (noise_pos, noise_neg), overlay, shadow, motion, offsets, first_frame)


def _frames(script, look, size, world, affines, people, ball_table, lut, noise, overlay, shadow, motion, offsets,
            first_frame: int) -> Iterator[np.ndarray]:
    width, height = size
    ball, ball_ground, ball_radius, ball_depth = ball_table
    noise_pos, noise_neg = noise
    for i in range(len(script.zoom)):
        frame = cv2.warpAffine(world, affines[i], size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        _draw_people(frame, script, people, i, ball[i], ball_ground[i], ball_radius[i], ball_depth[i], look, shadow)
        _motion_blur(frame, motion[i], look.blur_gain)
        cv2.LUT(frame, lut, dst=frame)
        oy, ox = offsets[i]
        cv2.add(frame, noise_pos[oy:oy + height, ox:ox + width], dst=frame)
        cv2.subtract(frame, noise_neg[oy:oy + height, ox:ox + width], dst=frame)
        overlay.apply(frame, first_frame + i)
        yield frame


def _rate_limit(centres: np.ndarray, zoom: np.ndarray, max_step: float) -> np.ndarray:
    """Limit the camera's speed to ``max_step`` frame pixels per frame, then smooth out the kinks."""
    out = centres.copy()
    for i in range(1, len(out)):
        step = out[i] - out[i - 1]
        limit = max_step / zoom[i]
        norm = float(np.hypot(*step))
        if norm > limit:
            out[i] = out[i - 1] + step * (limit / norm)
    return np.stack([smooth(out[:, 0], 0.5), smooth(out[:, 1], 0.5)], axis=1)


def _people_table(script: Script, camera: Pinhole, box, affines: np.ndarray) -> dict[str, np.ndarray]:
    positions = np.stack([a.position for a in script.actors], axis=1)          # (T, N, 2)
    feet = np.concatenate([positions, np.zeros(positions.shape[:2] + (1,))], axis=2)
    heads = feet + [0.0, 0.0, PERSON_HEIGHT]
    feet_px = _to_frame(camera, box, affines, feet)
    heads_px = _to_frame(camera, box, affines, heads)
    depth = feet @ camera.matrix[2, :3] + camera.matrix[2, 3]
    return {"feet": feet_px, "height": np.linalg.norm(heads_px - feet_px, axis=2), "depth": depth}


def _ball_table(script: Script, camera: Pinhole, box, affines: np.ndarray):
    ball = script.ball
    ground = ball * [1.0, 1.0, 0.0]
    ball_px = _to_frame(camera, box, affines, ball[:, None, :])[:, 0]
    ground_px = _to_frame(camera, box, affines, ground[:, None, :])[:, 0]
    scale = camera.scale_at(ball) * affines[:, 0, 0]
    depth = ball @ camera.matrix[2, :3] + camera.matrix[2, 3]
    return ball_px, ground_px, BALL_RADIUS * scale * 1.4, depth   # a touch larger: a real ball blurs


def _to_frame(camera: Pinhole, box, affines: np.ndarray, points: np.ndarray) -> np.ndarray:
    """World points (T, N, 3) to frame pixels (T, N, 2) with each frame's own affine."""
    plane = camera.project(points) - [box[0], box[1]]
    return np.einsum("tij,tnj->tni", affines[:, :, :2], plane) + affines[:, None, :, 2]


def _draw_people(frame, script: Script, people, i: int, ball, ball_ground, ball_radius, ball_depth, look, shadow) -> None:
    order = np.argsort(-people["depth"][i])                      # far to near
    ball_drawn = False
    for k in order:
        if not ball_drawn and people["depth"][i, k] < ball_depth:
            draw_ball(frame, ball, ball_ground, ball_radius)
            ball_drawn = True
        actor = script.actors[k]
        draw_person(frame, people["feet"][i, k], people["height"][i, k], look.kits[actor.kit], actor.skin,
                          int(actor.pose[i]), float(actor.phase[i]), float(actor.lean[i]) * script.side, shadow)
    if not ball_drawn:
        draw_ball(frame, ball, ball_ground, ball_radius)


def _motion_blur(frame: np.ndarray, shift: np.ndarray, gain: float) -> None:
    """Smear the frame along the camera's own motion, as a broadcast camera's shutter does."""
    dx, dy = float(abs(shift[0])), float(abs(shift[1]))
    length = min(int(round(max(dx, dy) * gain)), 7)
    if length < 2:
        return
    kernel = (length, 1) if dx >= dy else (1, length)
    cv2.blur(frame, kernel, dst=frame)


def _lighting_lut(look: Look) -> np.ndarray:
    levels = np.arange(256, dtype=np.float32) / 255.0
    curve = np.power(levels, look.gamma)[:, None] * look.gain * look.tint[None, :] * 255.0
    return np.clip(curve, 0, 255).astype(np.uint8).reshape(256, 1, 3)


@functools.lru_cache(maxsize=4)
def _unit_noise(size: tuple[int, int]) -> np.ndarray:
    width, height = size
    rng = np.random.default_rng(424242)   # fixed: the same field in every process; clips scale and shift it
    return rng.standard_normal((height + NOISE_MARGIN, width + NOISE_MARGIN, 3), dtype=np.float32)


def _noise_fields(rng: np.random.Generator, size: tuple[int, int], sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Sensor noise of this clip as (positive, negative) uint8 fields, a frame plus a margin in size."""
    noise = _unit_noise(size)
    if rng.random() < 0.5:
        noise = noise[::-1, ::-1]
    pos = cv2.convertScaleAbs(np.maximum(noise, 0), alpha=sigma)
    neg = cv2.convertScaleAbs(np.minimum(noise, 0), alpha=sigma)
    return pos, neg


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------

def clip_seed(seed: int, action: str, index: int) -> int:
    """The seed of clip ``index`` of ``action`` in a data set made with ``seed``."""
    sequence = np.random.SeedSequence([int(seed) & 0xFFFFFFFFFFFF, CLASSES.index(action), int(index)])
    return int(sequence.generate_state(1, np.uint64)[0] >> 16)


def write_clip(path: str | os.PathLike, frames: np.ndarray | Iterable[np.ndarray], fps: float, quality: int = 90) -> Path:
    """Write ``frames`` (T, H, W, 3), or any iterable of frames, as MJPG in an AVI, atomically.

    ``quality`` is the JPEG quality of every frame (the clip's compression artefacts); OpenCV's own
    MJPG encoder is used (present in every build and byte-for-byte repeatable). See
    :func:`write_frames`.
    """
    path = Path(path)
    if path.suffix.lower() != VIDEO_SUFFIX:
        raise UserError(f"{path}: clips are written as {VIDEO_SUFFIX} files")
    return write_frames(path, frames, fps, VIDEO_FOURCC, cv2.CAP_OPENCV_MJPEG, quality)


def write_frames(path: str | os.PathLike, frames: np.ndarray | Iterable[np.ndarray], fps: float, fourcc: str,
                 backend: int, quality: int | None = None) -> Path:
    """Write frames (uint8 BGR) with OpenCV's ``backend`` and codec ``fourcc`` at ``path``, atomically.

    The frames go to ``.<name>.tmp<suffix>`` beside ``path`` (OpenCV picks the container from the
    extension) and the file is moved over ``path`` only when complete; an iterable is written as it
    comes, so a long video never sits in memory and a killed run leaves no half-written file.
    """
    path = Path(path)
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise UserError(f"{path}: no frames to write")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{path.parent}: cannot create folder ({exc.strerror or exc})") from None
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    height, width = first.shape[:2]
    writer = cv2.VideoWriter(str(tmp), backend, cv2.VideoWriter_fourcc(*fourcc), float(fps), (int(width), int(height)))
    try:
        if not writer.isOpened():
            raise UserError(f"{path}: OpenCV cannot open a {fourcc} ({path.suffix}) writer here")
        if quality is not None:
            writer.set(cv2.VIDEOWRITER_PROP_QUALITY, float(quality))
        for frame in itertools.chain([first], frames):
            writer.write(np.ascontiguousarray(frame))
        writer.release()
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise UserError(f"{path}: OpenCV wrote no data")
        os.replace(tmp, path)
    except OSError as exc:
        raise UserError(f"{path}: could not be written ({exc.strerror or exc})") from None
    finally:
        writer.release()
        if tmp.exists():
            tmp.unlink()
    return path


def render_dataset(out_dir: str | os.PathLike, clips_per_class: int = 25, seed: int = 0,
                   size: tuple[int, int] = (320, 240), frames: Sequence[int] = (40, 60), fps: float = 25.0,
                   progress: bool = True) -> list[Path]:
    """Render ``clips_per_class`` clips of every class into ``out_dir/<class>/<class>_<nnn>.avi``.

    Parameters
    ----------
    out_dir : path-like
        Destination folder; class folders are created inside it. Existing clips of the same name
        are replaced (the same arguments give the same bytes).
    clips_per_class : int
        Clips of each class (MICC-Soccer-Actions-4 has 25).
    seed : int
        Data-set seed; clip ``i`` of class ``c`` uses :func:`clip_seed` ``(seed, c, i)``.
    size : (width, height)
        Frame size.
    frames : (min, max)
        Clip length range in frames, inclusive; each clip draws its length from it.
    fps : float
        Frame rate, a whole number (the AVI header holds whole frame rates).
    progress : bool
        Show a tqdm bar over clips on stderr.

    Returns
    -------
    list of pathlib.Path
        The clip files, class by class, in index order.
    """
    low, high = (int(v) for v in frames)
    if clips_per_class < 1:
        raise UserError(f"clips per class must be at least 1, got {clips_per_class}")
    if low < 8 or high < low:
        raise UserError(f"clip length range {low}-{high} is invalid (need 8 <= MIN <= MAX)")
    if not fps > 0 or not float(fps).is_integer():
        # OpenCV's MJPG writer stores a whole number of frames per second in the AVI header.
        raise UserError(f"frame rate must be a positive whole number of frames per second, got {fps}")
    _check(CLASSES[0], (int(size[0]), int(size[1])), low)
    from tqdm import tqdm

    out_dir = Path(out_dir)
    jobs = [(action, index) for action in CLASSES for index in range(clips_per_class)]
    written: list[Path] = []
    for action, index in tqdm(jobs, desc="synth", unit="clip", disable=not progress, leave=False, dynamic_ncols=True):
        cseed = clip_seed(seed, action, index)
        length = int(np.random.default_rng([cseed, 7]).integers(low, high + 1))
        clip, quality = _render(action, cseed, size, length, fps)
        written.append(write_clip(out_dir / action / f"{action}_{index:03d}{VIDEO_SUFFIX}", clip, fps, quality))
    return written
