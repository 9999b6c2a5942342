"""A spatial pyramid of visual words: where in the frame each word was seen.

A frame's bag of words (:mod:`soccer_lstm.features.bow`) says what is seen, never where. The
pyramid counts the same words in the cells of grids over the frame: for each level ``L`` of
``--spm-levels`` (``1,2`` by default: the whole frame, then 2 x 2 cells) the frame is cut into
``L x L`` cells and each cell gets a ``k``-bin histogram of the words of the keypoints inside it.

Layout of one frame's vector (``k * sum(L * L)`` numbers): the levels in increasing order, within a
level the cells row by row (top-left first), within a cell the ``k`` words. Every count is divided by
the frame's number of keypoints, so each level sums to 1 (a level-1 pyramid is the bag of words)
and a cell's mass says how much of the frame's detail lies there; a frame without keypoints is all
zeros.

Cells come from the stored keypoint positions and the processed frame's size
(``geometry["proc_size"]``), so no new extraction is needed. A keypoint on a cell edge belongs to the
cell on its right (below); one on the frame's right or bottom edge (``x == width``) to the last cell.

The left-right mirror moves cells, never words: cell column ``c`` of an ``L x L`` level becomes
``L - 1 - c``. What a mirror does to a word is left as the bag of words leaves it (the SIFT
descriptor of a mirrored patch is in general another word, and no permutation of the words maps one
to the other, so train's mirrored copies keep each word's identity for ``bow`` and for ``spm``
alike): the mirrored pyramid is the original's words in the mirrored cells.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

MAX_LEVEL = 8


def parse_levels(value: str | Iterable[int], name: str = "--spm-levels") -> tuple[int, ...]:
    """Cells per side of each pyramid level, in increasing order: ``"1,2"`` -> ``(1, 2)``.

    Raises
    ------
    OptionError
        Unless the value is distinct whole numbers between 1 and :data:`MAX_LEVEL`, naming ``name``.
    """
    from soccer_lstm.config import OptionError

    parts = [p.strip() for p in value.split(",")] if isinstance(value, str) else list(value)
    try:
        levels = [int(p) for p in parts if not isinstance(p, bool) and str(p).strip().lstrip("+").isdigit()]
    except (TypeError, ValueError):
        levels = []
    if not parts or len(levels) != len(parts) or len(set(levels)) != len(levels) \
            or any(not 1 <= level <= MAX_LEVEL for level in levels):
        raise OptionError(f"{name}: expected distinct cells per side between 1 and {MAX_LEVEL} joined by commas, "
                          f"such as 1,2 or 1,2,4; got {value!r}")
    return tuple(sorted(levels))


def pyramid_cells(levels: Sequence[int]) -> int:
    """Cells of all levels together (5 for ``(1, 2)``)."""
    return int(sum(level * level for level in levels))


def pyramid_width(k: int, levels: Sequence[int]) -> int:
    """Numbers per frame: ``k`` words in every cell."""
    return int(k) * pyramid_cells(levels)


def frame_size(geometry: Any) -> tuple[float, float]:
    """Width and height of the processed frames a clip's keypoint positions refer to.

    Raises
    ------
    UserError
        When the stored features do not say (``proc_size`` missing or zero).
    """
    from soccer_lstm.errors import UserError

    size = (geometry or {}).get("proc_size") if isinstance(geometry, dict) else None
    try:
        width, height = (float(v) for v in size)
    except (TypeError, ValueError):
        width = height = 0.0
    if not (width > 0 and height > 0):
        raise UserError("these features do not record the frame size (proc_size) that spm needs to place "
                        "keypoints in cells; re-run extract")
    return width, height


def pyramid_histograms(words: np.ndarray, positions: np.ndarray, offsets: np.ndarray, size: tuple[float, float],
                       k: int, levels: Sequence[int]) -> np.ndarray:
    """Each frame's visual words counted per cell of every pyramid level.

    Parameters
    ----------
    words : ndarray (N,) of int
        The visual word of each keypoint of the clip, frame after frame.
    positions : ndarray (N, 2)
        Keypoint ``x, y`` in processed-frame pixels.
    offsets : ndarray (T + 1,)
        Frame ``t`` owns keypoints ``offsets[t]:offsets[t + 1]``.
    size : (float, float)
        Width and height of the frame.
    k : int
        Words of the codebook.
    levels : sequence of int
        Cells per side of each level (see :func:`parse_levels`).

    Returns
    -------
    ndarray (T, k * sum(L * L)), float32
        Counts divided by the frame's keypoints (module docstring for the layout).
    """
    n_frames = len(offsets) - 1
    cells = pyramid_cells(levels)
    words = np.asarray(words, np.int64).reshape(-1)
    positions = np.asarray(positions, np.float64).reshape(-1, 2)
    frame_of = np.repeat(np.arange(n_frames), np.diff(offsets))
    per_frame = cells * k
    counts = np.zeros(n_frames * per_frame, np.float64)
    first_cell = 0
    for level in levels:
        column = np.clip(np.floor(positions[:, 0] * level / size[0]), 0, level - 1).astype(np.int64)
        row = np.clip(np.floor(positions[:, 1] * level / size[1]), 0, level - 1).astype(np.int64)
        cell = first_cell + row * level + column
        counts += np.bincount(frame_of * per_frame + cell * k + words, minlength=n_frames * per_frame)
        first_cell += level * level
    totals = np.diff(offsets).astype(np.float64)[:, None]
    return (counts.reshape(n_frames, per_frame) / np.maximum(totals, 1)).astype(np.float32)


def clip_pyramid(features: Any, codebook: Any, levels: Sequence[int]) -> np.ndarray:
    """The pyramid of one clip's stored features (:class:`~soccer_lstm.features.sift.ClipFeatures`)."""
    k = len(codebook.cluster_centers_)
    words = codebook.predict(features.descriptors)
    return pyramid_histograms(words, features.positions, features.offsets, frame_size(features.geometry), k, levels)


def pyramid_mirror(k: int, levels: Sequence[int]) -> np.ndarray:
    """Index ``p`` such that ``vector[p]`` is the pyramid of the left-right mirrored frame.

    Cell ``(row, column)`` of an ``L x L`` level takes the words of cell ``(row, L - 1 - column)``;
    words keep their identity (module docstring).
    """
    source_cells = []
    first_cell = 0
    for level in levels:
        rows, columns = np.divmod(np.arange(level * level), level)
        source_cells.append(first_cell + rows * level + (level - 1 - columns))
        first_cell += level * level
    cells = np.concatenate(source_cells)
    return (cells[:, None] * int(k) + np.arange(int(k))[None, :]).reshape(-1)
