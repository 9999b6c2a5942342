"""How the players move and where things are: per-frame HOF, MBH and HOG on a spatial grid.

For every processed frame ``t`` of a clip, in the same decode pass as SIFT:

1. dense optical flow from frame ``t - 1`` to frame ``t`` (OpenCV's DIS optical flow);
2. the camera's dominant motion is removed from it: a global affine motion is fitted with RANSAC
   to the flow sampled on a regular grid (players moving on their own are outliers), and its flow
   field is subtracted, so that a pan or a zoom leaves near-zero local motion while a player
   running against the pan stands out;
3. on a downsampled copy of the fields (``POOL_SCALE``) and a ``grid x grid`` spatial grid:

   - **HOF**: magnitude-weighted orientation histogram of the compensated flow, ``ORIENTATIONS``
     bins over 360 degrees plus one bin counting the pixels that move less than ``STILL_FLOW``;
   - **MBH-x, MBH-y**: magnitude-weighted orientation histograms (360 degrees) of the spatial
     gradients of the flow's x and y components (motion boundaries: insensitive to any uniform
     motion, so to the camera by construction);
   - **HOG**: magnitude-weighted orientation histogram (180 degrees, unsigned) of the frame's
     intensity gradient.

Orientation bins are centred on multiples of ``360 / ORIENTATIONS`` (or ``180 / ORIENTATIONS``)
degrees and each vector votes for its two nearest bins by linear interpolation; a pixel belongs to
the cell that holds its centre. Both choices make a left-right mirror an exact permutation of the
histogram (see :func:`mirror_permutation`): grid columns swap, and each orientation bin maps to its
reflection. Each kind is L1-normalised over the whole frame (all cells together, so the spatial
distribution is kept) and square-rooted (Hellinger / RootSIFT). Frame 0 has no predecessor: its
motion histograms (HOF, MBH) are zeros, as its camera motion is the identity.

A frame without texture (all black) gives zero MBH and HOG, and HOF counts all its pixels as
still: the orientation bins stay zero.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from soccer_lstm.features.kinds import EXTRACTED_KINDS as LOCAL_KINDS  # the histograms this module computes

FLOW_PRESETS = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
                "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}

ORIENTATIONS = 8        # orientation bins of every histogram (45 degrees for HOF/MBH, 22.5 for HOG)
STILL_FLOW = 0.5        # px per frame (processed size) below which a pixel counts in HOF's still bin
POOL_SCALE = 2          # fields are averaged over 2 x 2 pixels before binning (4x fewer pixels)
SAMPLE_STEP = 8         # px between the flow samples that the camera fit uses
RANSAC_THRESHOLD = 1.0  # px: a flow sample further than this from the camera fit is local motion
MIN_SAMPLES = 12        # fewer flow samples (a tiny frame) -> subtract the median flow instead


def local_dim(kind: str, grid: int) -> int:
    """Length of the per-frame vector of ``kind`` on a ``grid x grid`` grid."""
    cells = grid * grid
    return {"hof": cells * (ORIENTATIONS + 1), "mbh": 2 * cells * ORIENTATIONS, "hog": cells * ORIENTATIONS}[kind]


def grid_of(kind: str, width: int) -> int:
    """The grid size that gives a ``kind`` vector of ``width`` numbers (inverse of :func:`local_dim`)."""
    per_cell = local_dim(kind, 1)
    grid = int(round(np.sqrt(width / per_cell)))
    if grid < 1 or local_dim(kind, grid) != width:
        raise ValueError(f"no grid gives {width} numbers per frame for {kind}")
    return grid


# ----------------------------------------------------------------------------- mirror
def _bin_map(reflection: str, bins: int) -> np.ndarray:
    """Where each orientation bin goes under a reflection of the angle.

    ``"pi-theta"`` (a vector's x component changes sign) or ``"-theta"`` (its y component does), on
    a 360-degree histogram. On a 180-degree (unsigned) one, ``pi - theta`` is ``-theta``.
    """
    k = np.arange(bins)
    return (bins // 2 - k) % bins if reflection == "pi-theta" else (-k) % bins


def mirror_permutation(kind: str, grid: int) -> np.ndarray:
    """Index ``p`` such that ``vector[p]`` is the ``kind`` vector of the left-right mirrored frame.

    Grid column ``c`` becomes ``grid - 1 - c``. HOF: a flow vector ``(u, v)`` becomes ``(-u, v)``
    (angle ``pi - theta``), the still bin stays. MBH-x: the gradient of ``u`` becomes
    ``(u_x, -u_y)`` (angle ``-theta``); MBH-y: the gradient of ``v`` becomes ``(-v_x, v_y)``
    (``pi - theta``). HOG (unsigned): ``pi - theta``, which is ``-theta`` modulo 180 degrees.
    """
    def block(bin_map: np.ndarray) -> np.ndarray:
        per_cell = len(bin_map)
        rows, cols = np.divmod(np.arange(grid * grid), grid)
        source_cell = rows * grid + (grid - 1 - cols)
        return (source_cell[:, None] * per_cell + bin_map[None, :]).reshape(-1)

    orientation = _bin_map("pi-theta", ORIENTATIONS)
    if kind == "hof":
        return block(np.append(orientation, ORIENTATIONS))
    if kind == "hog":
        return block(_bin_map("-theta", ORIENTATIONS))
    if kind == "mbh":
        half = grid * grid * ORIENTATIONS
        return np.concatenate([block(_bin_map("-theta", ORIENTATIONS)), half + block(orientation)])
    raise ValueError(f"unknown local feature kind {kind!r}")


# ----------------------------------------------------------------------------- histograms
@lru_cache(maxsize=8)
def _cell_index(height: int, width: int, grid: int) -> np.ndarray:
    """Cell of every pixel (row-major cells), by where the pixel's centre falls: mirror-symmetric.

    Cached: every frame of a clip has the same size (read-only; callers never write into it).
    """
    rows = np.minimum(((np.arange(height) + 0.5) * grid / height).astype(np.int64), grid - 1)
    cols = np.minimum(((np.arange(width) + 0.5) * grid / width).astype(np.int64), grid - 1)
    return (rows[:, None] * grid + cols[None, :]).reshape(-1)


def orientation_histograms(dx: np.ndarray, dy: np.ndarray, signed: np.ndarray, cells: np.ndarray, n_cells: int,
                           still: float | None = None) -> np.ndarray:
    """Per-cell magnitude-weighted orientation histograms of several vector fields at once.

    Parameters
    ----------
    dx, dy : ndarray (F, N)
        The components of ``F`` fields of ``N`` pixels each.
    signed : ndarray (F,) of bool
        Orientations over 360 degrees (True) or 180 (False), per field.
    cells : ndarray (N,) of int
        Cell of each pixel (:func:`_cell_index`).
    n_cells : int
        Number of cells.
    still : float, optional
        In field 0 only, vectors shorter than this vote 1 for an extra last bin instead of their
        orientation (HOF's still bin).

    Returns
    -------
    ndarray (F, n_cells, ORIENTATIONS + 1), float64
        The last bin is zero except in field 0 with ``still``.
    """
    n_fields = len(dx)
    bins = ORIENTATIONS + 1
    # OpenCV's polar conversion is ~40x faster than numpy's arctan2 and mirror-symmetric: it computes
    # the angle of (|x|, |y|) and maps it to its quadrant, so (-x, y) gets exactly pi minus the angle.
    magnitude, angle = cv2.cartToPolar(np.ascontiguousarray(dx, np.float32), np.ascontiguousarray(dy, np.float32))
    position = angle * np.where(np.asarray(signed)[:, None], ORIENTATIONS / (2 * np.pi),
                                ORIENTATIONS / np.pi).astype(np.float32)
    np.subtract(position, ORIENTATIONS, out=position, where=position >= ORIENTATIONS)  # 180-degree folding
    low = np.floor(position)
    upper_share = position - low
    low = low.astype(np.int64) % ORIENTATIONS
    base = (np.arange(n_fields)[:, None] * n_cells + cells[None, :]) * bins
    size = n_fields * n_cells * bins
    if still is not None:
        is_still = magnitude[0] < still
        magnitude[0][is_still] = 0.0
    hist = np.bincount((base + low).ravel(), weights=(magnitude * (1 - upper_share)).ravel(), minlength=size)
    hist += np.bincount((base + (low + 1) % ORIENTATIONS).ravel(), weights=(magnitude * upper_share).ravel(),
                        minlength=size)
    if still is not None:
        hist += np.bincount(base[0] + ORIENTATIONS, weights=is_still, minlength=size)
    return hist.reshape(n_fields, n_cells, bins)


def _normalise(hist: np.ndarray) -> np.ndarray:
    """L1 over the whole frame, then the square root (0 stays 0)."""
    total = hist.sum()
    return np.sqrt(hist.reshape(-1) / total) if total > 0 else np.zeros(hist.size)


def _gradients(field: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Central differences ``[-1, 0, 1] / 2`` with reflected borders (exact under a mirror)."""
    dx = cv2.Sobel(field, cv2.CV_32F, 1, 0, ksize=1, scale=0.5, borderType=cv2.BORDER_REFLECT)
    dy = cv2.Sobel(field, cv2.CV_32F, 0, 1, ksize=1, scale=0.5, borderType=cv2.BORDER_REFLECT)
    return dx, dy


def frame_histograms(gray: np.ndarray, flow: np.ndarray | None, grid: int = 3) -> dict[str, np.ndarray]:
    """HOF, MBH and HOG of one frame from its (already camera-compensated) flow.

    Parameters
    ----------
    gray : ndarray (H, W), float32 or uint8
        The frame at the resolution the histograms are pooled on.
    flow : ndarray (H, W, 2) or None
        Local motion from the previous frame (px per frame); None for the first frame (zero HOF
        and MBH).
    grid : int
        Cells per side of the spatial grid.

    Returns
    -------
    dict
        ``hof`` (grid^2 * 9), ``mbh`` (2 * grid^2 * 8), ``hog`` (grid^2 * 8), float32, each
        L1-normalised and square-rooted.
    """
    height, width = gray.shape[:2]
    n_cells = grid * grid
    cells = _cell_index(height, width, grid)
    fields = [_gradients(np.asarray(gray, np.float32))]          # HOG (unsigned)
    if flow is not None:
        u, v = np.ascontiguousarray(flow[..., 0]), np.ascontiguousarray(flow[..., 1])
        fields = [(u, v), _gradients(u), _gradients(v), *fields]  # HOF, MBH-x, MBH-y, HOG
    dx = np.stack([f[0].reshape(-1) for f in fields]).astype(np.float32)
    dy = np.stack([f[1].reshape(-1) for f in fields]).astype(np.float32)
    signed = np.array([True] * (len(fields) - 1) + [False])
    hist = orientation_histograms(dx, dy, signed, cells, n_cells, STILL_FLOW if flow is not None else None)
    out = {"hog": _normalise(hist[-1, :, :ORIENTATIONS])}
    if flow is None:
        out["hof"] = np.zeros(local_dim("hof", grid))
        out["mbh"] = np.zeros(local_dim("mbh", grid))
    else:
        out["hof"] = _normalise(hist[0])
        out["mbh"] = np.concatenate([_normalise(hist[1, :, :ORIENTATIONS]), _normalise(hist[2, :, :ORIENTATIONS])])
    return {kind: np.asarray(value, np.float32) for kind, value in out.items()}


# ----------------------------------------------------------------------------- camera
def camera_flow(flow: np.ndarray, step: int = SAMPLE_STEP, threshold: float = RANSAC_THRESHOLD) -> np.ndarray:
    """The flow field of the camera's dominant motion: a RANSAC affine fit to sampled flow vectors.

    OpenCV's RANSAC draws from a fixed seed, so the fit is repeatable. With too few samples, or
    when no fit is found, the camera moves by the median flow vector.
    """
    height, width = flow.shape[:2]
    ys, xs = np.mgrid[step // 2:height:step, step // 2:width:step]
    src = np.column_stack([xs.ravel(), ys.ravel()]).astype(np.float32)
    vectors = flow[ys.ravel(), xs.ravel()]
    matrix = None
    if len(src) >= MIN_SAMPLES:
        matrix, _ = cv2.estimateAffine2D(src.reshape(-1, 1, 2), (src + vectors).reshape(-1, 1, 2), method=cv2.RANSAC,
                                         ransacReprojThreshold=threshold, maxIters=500, confidence=0.99,
                                         refineIters=10)
    if matrix is None or not np.all(np.isfinite(matrix)):
        median = np.median(vectors, axis=0) if len(vectors) else np.zeros(2)
        return np.broadcast_to(median.astype(np.float32), flow.shape)
    x = np.arange(width, dtype=np.float32)[None, :]
    y = np.arange(height, dtype=np.float32)[:, None]
    u = (matrix[0, 0] - 1) * x + matrix[0, 1] * y + matrix[0, 2]
    v = matrix[1, 0] * x + (matrix[1, 1] - 1) * y + matrix[1, 2]
    return np.stack([u, v], axis=-1).astype(np.float32)


def _pool(image: np.ndarray) -> np.ndarray:
    """Average over POOL_SCALE x POOL_SCALE pixels (area interpolation: symmetric under a mirror)."""
    height, width = image.shape[:2]
    size = (max(1, width // POOL_SCALE), max(1, height // POOL_SCALE))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


@dataclass
class LocalMotion:
    """Per-frame HOF, MBH and HOG of one clip, fed frame by frame (see the module docstring).

    Parameters
    ----------
    grid : int
        Cells per side of the spatial grid.
    preset : {"ultrafast", "fast", "medium"}
        DIS optical flow preset.
    """

    grid: int = 3
    preset: str = "fast"

    def __post_init__(self) -> None:
        self._flow = cv2.DISOpticalFlow_create(FLOW_PRESETS[self.preset])
        self._previous: np.ndarray | None = None
        self._rows: dict[str, list[np.ndarray]] = {kind: [] for kind in LOCAL_KINDS}

    def add(self, gray: np.ndarray) -> None:
        """Histograms of the next processed frame (uint8 grayscale, the size of every other frame)."""
        flow = None
        if self._previous is not None and self._previous.shape == gray.shape:
            raw = self._flow.calc(self._previous, gray, None)
            flow = _pool(raw - camera_flow(raw))
        self._previous = gray
        for kind, row in frame_histograms(_pool(gray.astype(np.float32)), flow, self.grid).items():
            self._rows[kind].append(row)

    def take(self) -> dict[str, np.ndarray]:
        """The float16 rows of the frames added since the last call, forgotten here (streaming keeps memory flat)."""
        rows = self.arrays()
        self._rows = {kind: [] for kind in LOCAL_KINDS}
        return rows

    def arrays(self) -> dict[str, np.ndarray]:
        """``hof``, ``mbh``, ``hog``: one float16 row per frame added."""
        return {kind: np.asarray(rows, np.float16).reshape(len(rows), local_dim(kind, self.grid))
                for kind, rows in self._rows.items()}


# ----------------------------------------------------------------------------- inspection
def moving_share(hof: np.ndarray, grid: int) -> np.ndarray:
    """Per frame and cell, the share of the frame's HOF mass in orientation bins (not still), ``(T, grid^2)``.

    The stored HOF is square-rooted, so squaring gives back the L1-normalised mass.
    """
    mass = np.asarray(hof, np.float64).reshape(len(hof), grid * grid, ORIENTATIONS + 1) ** 2
    return mass[:, :, :ORIENTATIONS].sum(axis=2)


def mean_direction(hof: np.ndarray, grid: int) -> np.ndarray:
    """Per cell, the mean local motion direction over the clip as a vector (``(grid^2, 2)``, x right, y down)."""
    mass = np.asarray(hof, np.float64).reshape(len(hof), grid * grid, ORIENTATIONS + 1)[:, :, :ORIENTATIONS] ** 2
    angles = np.arange(ORIENTATIONS) * 2 * np.pi / ORIENTATIONS
    totals = mass.sum(axis=0)
    return np.stack([totals @ np.cos(angles), totals @ np.sin(angles)], axis=1)


def plot_local_motion(hof: np.ndarray, grid: int, path: object, title: str = "", fps: float = 0.0) -> None:
    """Where the players move: local motion per grid cell over time, and its mean direction per cell.

    Draws to a PNG atomically: on top, one row per cell (row-major, top-left first) and one column
    per frame, coloured by the share of the frame's local motion in that cell; below, the grid with
    each cell shaded by its share over the clip and an arrow along its mean direction.
    """
    from soccer_lstm.figures import new_figure, save_png

    share = moving_share(hof, grid)
    direction = mean_direction(hof, grid)
    fig = new_figure(7, 7)
    ax_time, ax_grid = fig.subplots(2, 1, gridspec_kw={"height_ratios": [1, 1.2]})
    extent = [0, len(share) / fps if fps > 0 else len(share), grid * grid - 0.5, -0.5]
    image = ax_time.imshow(share.T, aspect="auto", cmap="magma", interpolation="nearest", extent=extent)
    ax_time.set_ylabel("grid cell (row-major)")
    ax_time.set_xlabel("time (s)" if fps > 0 else "frame")
    ax_time.set_title(title or "local motion (camera removed)")
    fig.colorbar(image, ax=ax_time, label="share of the frame's motion")
    overall = share.sum(axis=0).reshape(grid, grid)
    ax_grid.imshow(overall, cmap="magma", interpolation="nearest")
    scale = 0.4 / max(float(np.abs(direction).max()), 1e-9)
    for cell, (dx, dy) in enumerate(direction):
        row, col = divmod(cell, grid)
        ax_grid.arrow(col, row, dx * scale, dy * scale, color="cyan", width=0.02, length_includes_head=True)
    ax_grid.set_xticks(range(grid))
    ax_grid.set_yticks(range(grid))
    ax_grid.set_title("over the clip: where, and which way (arrows)")
    fig.tight_layout()
    save_png(fig, path)
