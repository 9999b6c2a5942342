"""The per-frame vector: which feature kinds it holds, in which columns, and how a mirror moves them.

A vector concatenates its kinds in the fixed order of :data:`~soccer_lstm.config.FEATURE_KINDS`
(``bow``, ``motion``, ``hof``, ``mbh``, ``hog``) whatever order a user wrote them in, so that
``hof+bow`` and ``bow+hof`` are the same vector. The layout maps each kind to its ``[start, stop)``
columns.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from soccer_lstm.config import feature_kinds

Layout = Mapping[str, Sequence[int]]


def kind_width(kind: str, k: int = 0, motion_model: str = "affine", grid: int = 3) -> int:
    """Columns of one feature kind: ``k`` words, the motion model's numbers, or a grid's histogram."""
    if kind == "bow":
        return k
    if kind == "motion":
        from soccer_lstm.features.motion import motion_dim

        return motion_dim(motion_model)
    from soccer_lstm.features.local import local_dim

    return local_dim(kind, grid)


def feature_layout(features: str, k: int = 0, motion_model: str = "affine", grid: int = 3) -> dict[str, list[int]]:
    """Column ranges ``{kind: [start, stop]}`` of each feature kind inside a per-frame vector."""
    layout: dict[str, list[int]] = {}
    width = 0
    for kind in feature_kinds(features):
        step = kind_width(kind, k, motion_model, grid)
        layout[kind] = [width, width + step]
        width += step
    return layout


def layout_mirror(layout: Layout | None) -> tuple[np.ndarray, np.ndarray] | None:
    """How a left-right mirror of the clip changes a per-frame vector of ``layout``.

    Returns
    -------
    (source, sign) or None
        The mirrored vector is ``vector[source] * sign``: camera-motion columns that a mirror
        negates get ``sign = -1``; HOF, MBH and HOG columns are permuted (grid columns swap,
        orientation bins reflect). Exact for these kinds; visual words are left as they are. None
        when the layout holds nothing that a mirror changes.
    """
    if not layout:
        return None
    width = max(stop for _, stop in layout.values())
    source = np.arange(width)
    sign = np.ones(width, np.float32)
    changed = False
    for kind, (start, stop) in layout.items():
        if kind == "motion":
            from soccer_lstm.features.motion import mirror_columns

            sign[[start + c for c in mirror_columns(stop - start)]] = -1.0
            changed = True
        elif kind in ("hof", "mbh", "hog"):
            from soccer_lstm.features.local import grid_of, mirror_permutation

            source[start:stop] = start + mirror_permutation(kind, grid_of(kind, stop - start))
            changed = True
    return (source, sign) if changed else None
