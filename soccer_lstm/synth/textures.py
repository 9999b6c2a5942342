"""Textures for the static layers: grass, crowd, advertising boards, image grain.

Heavy random fields (grass mottling, grain) are generated once per process from a fixed seed and
cached; each clip takes them at a random offset from its own generator, so clips stay
deterministic and distinct while the per-clip cost stays a few milliseconds.
"""
from __future__ import annotations

import functools

import cv2
import numpy as np

_CACHE_SEED = 20100915   # fixed: cached fields must be identical in every process
GRAIN_TILE = 1024        # side of the cached grain tile, pixels

BRANDS = ("FIZZ", "ALTO", "NOVA", "KRONE", "VELOX", "MERIDA", "POLARIS", "ZENTA", "ORBIS", "LUMEN",
          "TAURO", "QUASAR", "BRAVA", "HELIO", "SOLARA", "VANTA", "ARGO", "DELTA AIR", "PIXEL",
          "RIVA", "GOALBET", "OMNIA", "TERRA", "KAPPA ONE")


@functools.lru_cache(maxsize=4)
def _mottle(shape: tuple[int, int]) -> np.ndarray:
    """Low-frequency grass mottling in [-1, 1], float32, cached per shape."""
    rng = np.random.default_rng(_CACHE_SEED)
    field = np.zeros(shape, np.float32)
    for scale, weight in ((24, 0.55), (8, 0.3), (2, 0.15)):
        small = rng.standard_normal((shape[0] // scale + 2, shape[1] // scale + 2)).astype(np.float32)
        field += weight * cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return np.clip(field / 1.2, -1.0, 1.0)


@functools.lru_cache(maxsize=2)
def grain_tiles() -> tuple[np.ndarray, np.ndarray]:
    """Cached fine grain (positive part, negative part) as 3-channel uint8 tiles, unit amplitude 12."""
    rng = np.random.default_rng(_CACHE_SEED + 1)
    fine = rng.standard_normal((GRAIN_TILE, GRAIN_TILE)).astype(np.float32)
    # Grass blades: a little anisotropic blur, then contrast back up.
    fine = cv2.GaussianBlur(fine, (3, 1), 0.8) * 12.0
    pos = np.clip(fine, 0, 255).astype(np.uint8)
    neg = np.clip(-fine, 0, 255).astype(np.uint8)
    return cv2.merge([pos, pos, pos]), cv2.merge([neg, neg, neg])


def add_grain(image: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> None:
    """Add the cached grain to ``image`` in place at a random offset, scaled by ``strength`` (<= 1)."""
    pos, neg = grain_tiles()
    h, w = image.shape[:2]
    oy, ox = (int(v) for v in rng.integers(0, GRAIN_TILE, 2))
    reps = (-(-(h + oy) // GRAIN_TILE), -(-(w + ox) // GRAIN_TILE), 1)
    if reps[0] > 1 or reps[1] > 1:
        pos, neg = np.tile(pos, reps), np.tile(neg, reps)
    p = pos[oy:oy + h, ox:ox + w]
    n = neg[oy:oy + h, ox:ox + w]
    if strength < 1.0:
        p = cv2.convertScaleAbs(p, alpha=strength)
        n = cv2.convertScaleAbs(n, alpha=strength)
    cv2.add(image, p, dst=image)
    cv2.subtract(image, n, dst=image)


def grass(shape: tuple[int, int], ppm: float, colors: tuple[np.ndarray, np.ndarray], stripe_m: float,
          checker: bool, x0: float, rng: np.random.Generator) -> np.ndarray:
    """Mown grass: alternating stripe colours across the pitch length plus mottling.

    Parameters
    ----------
    shape : (rows, cols)
        Texture size; columns run along the pitch length, ``ppm`` pixels per metre.
    colors : two BGR float arrays
        Colours of the light and dark stripes.
    stripe_m : float
        Stripe width in metres.
    checker : bool
        Also stripe across the width (a chequerboard mowing pattern).
    x0 : float
        World X of column 0, so stripes line up with the pitch.
    """
    rows, cols = shape
    x = x0 + np.arange(cols, dtype=np.float32) / ppm
    stripe = (np.floor(x / stripe_m).astype(np.int32) & 1)[None, :]
    if checker:
        y = np.arange(rows, dtype=np.float32) / ppm
        stripe = stripe ^ (np.floor(y / (stripe_m * 1.3)).astype(np.int32) & 1)[:, None]
    stripe = np.broadcast_to(stripe, shape).astype(np.float32)
    big = _mottle((512, 1024))
    oy = int(rng.integers(0, 512 - min(rows, 511)))
    ox = int(rng.integers(0, 1024 - min(cols, 1023)))
    mottle = big[oy:oy + rows, ox:ox + cols] if rows <= 512 and cols <= 1024 else cv2.resize(big, (cols, rows))
    light, dark = (np.asarray(c, np.float32) for c in colors)
    base = light[None, None, :] * (1 - stripe[..., None]) + dark[None, None, :] * stripe[..., None]
    texture = base * (1.0 + 0.10 * mottle[..., None])
    return np.clip(texture, 0, 255).astype(np.uint8)


def crowd(rows_m: float, cols_m: float, ppm: float, rng: np.random.Generator, palette_shift: float) -> np.ndarray:
    """A packed stand: seat rows of small people (shirt block and head), aisles and tier edges.

    Rows of the texture run down the stand (row 0 is the top); ``ppm`` pixels per metre.
    """
    cell_h, cell_w = 6, 4                     # one seat: 0.75 m deep, 0.5 m wide at ppm 8
    n_rows = max(1, int(rows_m * ppm / cell_h))
    n_cols = max(1, int(cols_m * ppm / cell_w))
    seat = np.array([90, 60, 50], np.float32) * (0.7 + 0.6 * rng.random(3, dtype=np.float32))
    # Shirts: mostly the home colour family plus random others, like a real crowd.
    home = rng.random(3, dtype=np.float32) * 200 + 30
    shirts = rng.random((n_rows, n_cols, 3), dtype=np.float32) * 230 + 10
    home_mask = rng.random((n_rows, n_cols, 1), dtype=np.float32) < palette_shift
    shirts = np.where(home_mask, home * (0.8 + 0.4 * rng.random((n_rows, n_cols, 1), dtype=np.float32)), shirts)
    skin = np.array([120, 150, 195], np.float32) * (0.55 + 0.5 * rng.random((n_rows, n_cols, 1), dtype=np.float32))
    empty = rng.random((n_rows, n_cols, 1), dtype=np.float32) < 0.12
    cells = np.empty((n_rows, cell_h, n_cols, cell_w, 3), np.float32)
    cells[:] = seat
    cells[:, 3:6, :, 0:4] = shirts[:, None, :, None, :]
    cells[:, 1:3, :, 1:3] = skin[:, None, :, None, :]
    cells[:, 0, :, :] = seat * 0.55          # row edge (step) shadow
    cells = np.where(empty[:, None, :, None, :], seat, cells)
    image = cells.reshape(n_rows * cell_h, n_cols * cell_w, 3)
    # Stagger alternate rows by half a seat, then aisles every ~20 m.
    image = image.reshape(n_rows, cell_h, n_cols * cell_w, 3)
    image[1::2] = np.roll(image[1::2], cell_w // 2, axis=2)
    image = image.reshape(n_rows * cell_h, n_cols * cell_w, 3)
    aisle_every = int(20 * ppm)
    for col in range(int(rng.integers(0, aisle_every)), image.shape[1], aisle_every):
        image[:, col:col + int(1.2 * ppm)] = seat * 0.8
    return np.clip(image, 0, 255).astype(np.uint8)


def boards(length_m: float, ppm: float, rng: np.random.Generator) -> np.ndarray:
    """A run of advertising boards, about one metre tall, with brand names on coloured panels."""
    height = int(round(ppm))
    width = int(round(length_m * ppm))
    image = np.zeros((height, width, 3), np.uint8)
    x = 0
    while x < width:
        panel = int(rng.uniform(6.0, 12.0) * ppm)
        background = rng.integers(0, 256, 3)
        # Text colour with a guaranteed luminance contrast to the panel.
        text = np.where(background.mean() > 128, rng.integers(0, 70, 3), rng.integers(190, 256, 3))
        image[:, x:x + panel] = background
        brand = BRANDS[int(rng.integers(len(BRANDS)))]
        scale = height / 30.0
        thickness = max(1, int(round(height / 12)))
        (tw, th), _ = cv2.getTextSize(brand, cv2.FONT_HERSHEY_DUPLEX, scale, thickness)
        repeats = max(1, int(panel // max(tw + 2 * height, 1)))
        for k in range(repeats):
            tx = x + int((k + 0.5) * panel / repeats - tw / 2)
            cv2.putText(image, brand, (tx, int(height * 0.5 + th * 0.5)), cv2.FONT_HERSHEY_DUPLEX, scale,
                        tuple(int(c) for c in text), thickness, cv2.LINE_AA)
        if rng.random() < 0.5:  # a logo mark: a disc or a stripe band
            cx = x + int(rng.uniform(0.05, 0.95) * panel)
            cv2.circle(image, (cx, height // 2), max(2, height // 3), tuple(int(c) for c in text), -1, cv2.LINE_AA)
        image[:, x:x + 1] = 20  # panel seam
        x += panel
    image[:2] = (image[:2] * 0.6).astype(np.uint8)   # top edge in shade
    return image
