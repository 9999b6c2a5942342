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
GRAIN_TILE = 1536        # side of the cached grain tile, pixels
MOTTLE_SHAPE = (512, 1024)
CROWD_PPM = 8.0          # crowd texture pixels per metre
CROWD_SIZE_M = (45.0, 240.0)   # cached stand: depth up the slope, length
CROWD_VARIANTS = 4

BRANDS = ("FIZZ", "ALTO", "NOVA", "KRONE", "VELOX", "MERIDA", "POLARIS", "ZENTA", "ORBIS", "LUMEN",
          "TAURO", "QUASAR", "BRAVA", "HELIO", "SOLARA", "VANTA", "ARGO", "DELTA AIR", "PIXEL",
          "RIVA", "GOALBET", "OMNIA", "TERRA", "KAPPA ONE")


@functools.lru_cache(maxsize=2)
def _mottle() -> tuple[np.ndarray, np.ndarray]:
    """Cached low-frequency grass mottling, (positive, negative) 3-channel uint8 parts, about +-12 levels."""
    rows, cols = MOTTLE_SHAPE
    rng = np.random.default_rng(_CACHE_SEED)
    field = np.zeros((rows, cols), np.float32)
    for scale, weight in ((24, 0.55), (8, 0.3), (2, 0.15)):
        small = rng.standard_normal((rows // scale + 2, cols // scale + 2)).astype(np.float32)
        field += weight * cv2.resize(small, (cols, rows), interpolation=cv2.INTER_CUBIC)
    field = np.clip(field * 12.0, -40, 40)
    pos = np.clip(field, 0, 255).astype(np.uint8)
    neg = np.clip(-field, 0, 255).astype(np.uint8)
    return cv2.merge([pos, pos, pos]), cv2.merge([neg, neg, neg])


@functools.lru_cache(maxsize=2)
def grain_tiles() -> tuple[np.ndarray, np.ndarray]:
    """Cached fine grain (positive part, negative part) as 3-channel uint8 tiles, about +-12 levels."""
    rng = np.random.default_rng(_CACHE_SEED + 1)
    fine = rng.standard_normal((GRAIN_TILE, GRAIN_TILE)).astype(np.float32)
    # Grass blades: a little anisotropic blur, then contrast back up.
    fine = cv2.GaussianBlur(fine, (3, 1), 0.8) * 12.0
    pos = np.clip(fine, 0, 255).astype(np.uint8)
    neg = np.clip(-fine, 0, 255).astype(np.uint8)
    return cv2.merge([pos, pos, pos]), cv2.merge([neg, neg, neg])


def _tiled_crop(tile: np.ndarray, oy: int, ox: int, h: int, w: int) -> np.ndarray:
    """The ``h`` x ``w`` window at ``(oy, ox)`` of ``tile`` repeated periodically (a view when it fits)."""
    th, tw = tile.shape[:2]
    oy, ox = oy % th, ox % tw
    if oy + h <= th and ox + w <= tw:
        return tile[oy:oy + h, ox:ox + w]
    rows = np.arange(oy, oy + h) % th
    cols = np.arange(ox, ox + w) % tw
    return tile.take(rows, axis=0).take(cols, axis=1)


def add_grain(image: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> None:
    """Add the cached grain to ``image`` in place at a random offset, scaled by ``strength`` (<= 1)."""
    pos, neg = grain_tiles()
    h, w = image.shape[:2]
    oy = int(rng.integers(0, max(1, GRAIN_TILE - h)))
    ox = int(rng.integers(0, max(1, GRAIN_TILE - w)))
    p = _tiled_crop(pos, oy, ox, h, w)
    n = _tiled_crop(neg, oy, ox, h, w)
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
    stripe = np.broadcast_to(stripe, shape)
    palette = np.clip(np.stack([np.asarray(c, np.float32) for c in colors]), 0, 255).astype(np.uint8)
    texture = palette[stripe]
    pos, neg = _mottle()
    oy = int(rng.integers(0, max(1, MOTTLE_SHAPE[0] - rows)))
    ox = int(rng.integers(0, max(1, MOTTLE_SHAPE[1] - cols)))
    cv2.add(texture, _tiled_crop(pos, oy, ox, rows, cols), dst=texture)
    cv2.subtract(texture, _tiled_crop(neg, oy, ox, rows, cols), dst=texture)
    return texture


@functools.lru_cache(maxsize=CROWD_VARIANTS)
def _crowd_variant(variant: int) -> np.ndarray:
    return _draw_crowd(CROWD_SIZE_M[0], CROWD_SIZE_M[1], CROWD_PPM,
                       np.random.default_rng([_CACHE_SEED, variant]), 0.15 + 0.15 * variant)


def crowd(rows_m: float, cols_m: float, rng: np.random.Generator) -> np.ndarray:
    """A crowd texture ``rows_m`` x ``cols_m`` metres at :data:`CROWD_PPM`: one of a few cached stands,
    cut at a random place and possibly mirrored, so each clip's stand looks different."""
    big = _crowd_variant(int(rng.integers(CROWD_VARIANTS)))
    rows, cols = int(rows_m * CROWD_PPM), int(cols_m * CROWD_PPM)
    ox = int(rng.integers(0, big.shape[1]))
    out = _tiled_crop(big, 0, ox, rows, cols)
    return out[:, ::-1] if rng.random() < 0.5 else out


def _draw_crowd(rows_m: float, cols_m: float, ppm: float, rng: np.random.Generator, palette_shift: float) -> np.ndarray:
    """A packed stand: seat rows of small people (shirt block and head), aisles and tier edges.

    Rows of the texture run down the stand (row 0 is the top); ``ppm`` pixels per metre.
    """
    cell_h, cell_w = 6, 4                     # one seat: 0.75 m deep, 0.5 m wide at ppm 8
    n_rows = max(1, int(rows_m * ppm / cell_h))
    n_cols = max(1, int(cols_m * ppm / cell_w))
    seat = np.array([90, 60, 50], np.float32) * (0.7 + 0.6 * rng.random(3, dtype=np.float32))
    # Shirts: mostly the home colour family plus random others, like a real crowd.
    home = rng.random(3, dtype=np.float32) * 200 + 30
    # Real crowds are mostly dark and muted: a brightness per person, a little colour on top.
    brightness = rng.gamma(2.0, 35.0, (n_rows, n_cols, 1)).astype(np.float32) + 15
    colour = 1.0 + 0.9 * (rng.random((n_rows, n_cols, 3), dtype=np.float32) - 0.5)
    shirts = np.clip(brightness * colour, 5, 240)
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
    # The roof shades the upper rows.
    image *= np.linspace(0.55, 1.0, image.shape[0], dtype=np.float32)[:, None, None]
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
