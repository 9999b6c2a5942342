"""The registry of per-frame feature kinds: every rule about a kind, in one table.

A per-frame vector concatenates the kinds named by ``--features`` (``bow+motion+hof``...) in the
fixed order of :data:`KINDS`, whatever order a user wrote them in, so that ``hof+bow`` and
``bow+hof`` are the same vector. For each kind the registry holds

- its name and a one-line description;
- its width under the given :class:`KindSettings` (words ``k``, motion model, grid);
- how it is computed from a clip's stored per-frame features (:class:`~soccer_lstm.features.sift.ClipFeatures`);
- its left-right mirror (how a mirrored frame's vector is read from the original's);
- whether it needs SIFT keypoints, whether ``extract`` stores it as a per-frame histogram, and
  whether it depends on the training fold (the visual words do: their codebook is fit on it).

``--features`` is parsed once (:func:`parse_kinds`); every stage asks this module, so a new kind
is one more entry in :data:`KINDS` (and, if its width depends on a new option, one more field of
:class:`KindSettings`). A kind that depends on the fold gets the fold's codebook in ``compute``
(the words step passes it along with each clip's histograms). This module imports only NumPy at import time (the modules that
compute the kinds are imported when first used), so :mod:`soccer_lstm.config` can ask it too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

Layout = Mapping[str, Sequence[int]]
Mirror = "tuple[np.ndarray, np.ndarray] | None"


@dataclass(frozen=True)
class KindSettings:
    """The settings that fix the widths of the kinds: visual words, motion model, grid cells per side,
    the cells per side of each level of the spatial pyramid (``spm``)."""

    k: int = 0
    motion_model: str = "affine"
    grid: int = 3
    spm_levels: tuple[int, ...] = (1, 2)


@dataclass(frozen=True)
class FeatureKind:
    """One kind of per-frame feature.

    Attributes
    ----------
    name, description : str
    width : callable
        ``width(settings)``: its columns.
    compute : callable
        ``compute(clip_features, settings, codebook)``: its ``(T, width)`` float32 block.
    mirror : callable
        ``mirror(width, settings)``: ``(source, sign)`` so that the mirrored block is
        ``block[:, source] * sign``, or None when a left-right mirror leaves the block as it is.
    needs_sift : bool
        Computed from SIFT keypoints (extract must detect them).
    extracted : bool
        Stored by ``extract`` as a per-frame histogram (``ClipFeatures.local[name]``).
    fold_dependent : bool
        Learnt on the training clips (a codebook), so cross-validation computes it per fold.
    """

    name: str
    description: str
    width: Callable[[KindSettings], int]
    compute: Callable[[Any, KindSettings, Any], np.ndarray]
    mirror: Callable[[int, KindSettings], Any]
    needs_sift: bool
    extracted: bool
    fold_dependent: bool


# ----------------------------------------------------------------------------- the kinds
def _bow_block(features: Any, settings: KindSettings, codebook: Any) -> np.ndarray:
    from soccer_lstm.errors import UserError
    from soccer_lstm.features.bow import bow_histograms

    words = getattr(features, "words", None)  # histograms the pipeline's words step already made
    if words is not None:
        return np.asarray(words, np.float32)
    if codebook is None:
        raise UserError("BoW features need a codebook (--codebook)")
    return bow_histograms(features.descriptors, features.offsets, codebook)


def _motion_width(settings: KindSettings) -> int:
    from soccer_lstm.features.motion import motion_dim

    return motion_dim(settings.motion_model)


def _motion_block(features: Any, settings: KindSettings, codebook: Any) -> np.ndarray:
    from soccer_lstm.features.motion import motion_features

    return np.asarray(motion_features(features, model=settings.motion_model), np.float32)


def _motion_mirror(width: int, settings: KindSettings) -> tuple[np.ndarray, np.ndarray]:
    from soccer_lstm.features.motion import mirror_columns

    sign = np.ones(width, np.float32)
    sign[list(mirror_columns(width))] = -1.0
    return np.arange(width), sign


def _spm_width(settings: KindSettings) -> int:
    from soccer_lstm.features.spm import pyramid_width

    return pyramid_width(settings.k, settings.spm_levels)


def _spm_block(features: Any, settings: KindSettings, codebook: Any) -> np.ndarray:
    from soccer_lstm.errors import UserError
    from soccer_lstm.features.spm import clip_pyramid

    if codebook is None:
        raise UserError("spm features need a codebook (--codebook)")
    return clip_pyramid(features, codebook, settings.spm_levels)


def _spm_mirror(width: int, settings: KindSettings) -> tuple[np.ndarray, np.ndarray]:
    from soccer_lstm.features.spm import pyramid_cells, pyramid_mirror

    cells = pyramid_cells(settings.spm_levels)
    if width % cells:
        raise ValueError(f"an spm block of {width} columns is not {cells} cells (levels "
                         f"{','.join(map(str, settings.spm_levels))}) of words")
    return pyramid_mirror(width // cells, settings.spm_levels), np.ones(width, np.float32)


def _local(kind: str) -> FeatureKind:
    """A histogram that ``extract`` stores per frame (HOF, MBH, HOG on a grid of cells)."""
    def width(settings: KindSettings) -> int:
        from soccer_lstm.features.local import local_dim

        return local_dim(kind, settings.grid)

    def compute(features: Any, settings: KindSettings, codebook: Any) -> np.ndarray:
        if kind not in features.local:
            from soccer_lstm.errors import UserError

            raise UserError(f"these features hold no '{kind}' histograms (extracted by an older version); "
                            f"re-run extract")
        return np.asarray(features.local[kind], np.float32)

    def mirror(block_width: int, settings: KindSettings) -> tuple[np.ndarray, np.ndarray]:
        from soccer_lstm.features.local import grid_of, mirror_permutation

        return mirror_permutation(kind, grid_of(kind, block_width)), np.ones(block_width, np.float32)

    descriptions = {"hof": "histograms of the local (camera-compensated) optical flow per grid cell",
                    "mbh": "motion boundary histograms per grid cell",
                    "hog": "histograms of oriented gradients per grid cell (the layout of edges)"}
    return FeatureKind(kind, descriptions[kind], width, compute, mirror, needs_sift=False, extracted=True,
                       fold_dependent=False)


KINDS: dict[str, FeatureKind] = {kind.name: kind for kind in (
    FeatureKind("bow", "visual-word histogram of the frame's SIFT descriptors", lambda s: s.k, _bow_block,
                lambda width, settings: None, needs_sift=True, extracted=False, fold_dependent=True),
    FeatureKind("spm", "visual-word histograms in the cells of a spatial pyramid (where the words are)", _spm_width,
                _spm_block, _spm_mirror, needs_sift=True, extracted=False, fold_dependent=True),
    FeatureKind("motion", "camera motion between frames, fit on SIFT matches", _motion_width, _motion_block,
                _motion_mirror, needs_sift=True, extracted=False, fold_dependent=False),
    _local("hof"),
    _local("mbh"),
    _local("hog"),
)}
"""Every feature kind, in the order their blocks are concatenated."""

FEATURE_KINDS = tuple(KINDS)
EXTRACTED_KINDS = tuple(name for name, kind in KINDS.items() if kind.extracted)


# ----------------------------------------------------------------------------- asking the registry
def parse_spm_levels(value: Any, name: str = "--spm-levels") -> tuple[int, ...]:
    """The levels of an ``--spm-levels`` value (:func:`soccer_lstm.features.spm.parse_levels`), for
    :mod:`soccer_lstm.config`, whose one way into the features is this module."""
    from soccer_lstm.features.spm import parse_levels

    return parse_levels(value, name)


def encode_settings(encode: Any, k: int = 0, grid: int = 3) -> KindSettings:
    """The :class:`KindSettings` of an :class:`~soccer_lstm.config.EncodeConfig` (``k`` words, ``grid`` cells)."""
    from soccer_lstm.features.spm import parse_levels

    return KindSettings(int(k), encode.motion_model, int(grid), parse_levels(encode.spm_levels))


def parse_kinds(features: str | Iterable[str], spelling: str = "flag") -> tuple[str, ...]:
    """The kinds named in a ``--features`` value (or already a sequence of names), in registry order.

    Raises
    ------
    OptionError
        On an unknown, repeated or missing kind, naming the option as the user spelt it.
    """
    from soccer_lstm.config import OptionError, spelled

    name = spelled("features", spelling)
    if isinstance(features, str):
        names = [part.strip() for part in features.split("+")]
    elif isinstance(features, (list, tuple)) and all(isinstance(n, str) for n in features):
        names = list(features)
    else:
        raise OptionError(f"{name}: expected text such as 'bow+motion', got {features!r}")
    unknown = [part for part in names if part not in KINDS]
    if unknown or not names:
        raise OptionError(f"{name}: unknown kind(s) {', '.join(repr(n) for n in unknown)} in {features!r}; "
                          f"join any of {', '.join(FEATURE_KINDS)} with '+'")
    if len(set(names)) != len(names):
        raise OptionError(f"{name}: a kind is repeated in {features!r}")
    return tuple(kind for kind in FEATURE_KINDS if kind in names)


def needs_codebook(features: str | Iterable[str]) -> bool:
    """Whether any of the kinds is learnt on the training clips (needs the fold's codebook)."""
    return any(KINDS[kind].fold_dependent for kind in parse_kinds(features, spelling="key"))


def needs_sift(features: str | Iterable[str]) -> bool:
    """Whether any of the kinds is computed from SIFT keypoints."""
    return any(KINDS[kind].needs_sift for kind in parse_kinds(features, spelling="key"))


def feature_layout(features: str | Iterable[str], settings: KindSettings = KindSettings()) -> dict[str, list[int]]:
    """Column ranges ``{kind: [start, stop]}`` of each kind inside a per-frame vector."""
    layout: dict[str, list[int]] = {}
    width = 0
    for kind in parse_kinds(features, spelling="key"):
        step = int(KINDS[kind].width(settings))
        layout[kind] = [width, width + step]
        width += step
    return layout


def compute_kinds(features: Any, kinds: str | Iterable[str], settings: KindSettings,
                  codebook: Any = None) -> np.ndarray:
    """One vector per frame of a clip: the blocks of ``kinds`` concatenated in registry order.

    Raises
    ------
    UserError
        When a kind cannot be computed (BoW without a codebook, a histogram an older extract did not store).
    """
    if codebook is None:  # the words step's codebook, when the clip comes from it
        codebook = getattr(features, "codebook", None)
    blocks = [KINDS[kind].compute(features, settings, codebook) for kind in parse_kinds(kinds, spelling="key")]
    return np.concatenate(blocks, axis=1).astype(np.float32)


def layout_mirror(layout: Layout | None, settings: KindSettings | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """How a left-right mirror of the clip changes a per-frame vector of ``layout``.

    ``settings`` (what :class:`FrameVectors` carry) tell a kind's inner structure where its width
    alone does not (the pyramid levels of ``spm``); the defaults when None.

    Returns
    -------
    (source, sign) or None
        The mirrored vector is ``vector[source] * sign``, each kind's block moved as its registry
        entry says (camera-motion columns negated; HOF, MBH and HOG grid columns swapped and
        orientation bins reflected; visual words unchanged, the pyramid's cells swapped). None when no
        kind of the layout changes.

    Raises
    ------
    ValueError
        When a block's width does not fit ``settings`` (an spm block of other levels).
    """
    if not layout:
        return None
    settings = settings if settings is not None else KindSettings()
    width = max(int(stop) for _, stop in layout.values())
    source = np.arange(width)
    sign = np.ones(width, np.float32)
    changed = False
    for kind, (start, stop) in layout.items():
        entry = KINDS.get(kind)  # a column group of another name (a test's) is left as it is
        moved = entry.mirror(int(stop) - int(start), settings) if entry is not None else None
        if moved is not None:
            source[start:stop] = start + np.asarray(moved[0])
            sign[start:stop] = moved[1]
            changed = True
    return (source, sign) if changed else None


# ----------------------------------------------------------------------------- what the steps pass on
class FrameVectors(list):
    """Clips as per-frame vectors (a list of ``(T, D)`` arrays) that know the layout of their columns.

    What the encoding steps of the pipeline emit: the steps after them (the scaler, the classifier)
    learn the layout in ``fit`` from their input, as scikit-learn's steps learn the number and names
    of their features, instead of having it pushed into their constructors. A plain list works too:
    then every column is one kind that no mirror changes. ``settings`` are the
    :class:`KindSettings` the vectors were made with, where a kind's mirror needs more than its
    width (the levels of ``spm``); None for the defaults.
    """

    def __init__(self, sequences: Iterable[np.ndarray] = (), layout: Layout | None = None,
                 settings: KindSettings | None = None) -> None:
        super().__init__(sequences)
        self.layout = {kind: [int(a), int(b)] for kind, (a, b) in layout.items()} if layout else None
        self.settings = settings

    def take(self, index: Iterable[int]) -> "FrameVectors":
        """The clips at ``index``, with the same layout."""
        return FrameVectors([self[int(i)] for i in index], self.layout, self.settings)

    def __reduce__(self) -> Any:  # pickled with its layout (worker processes of cross-validation)
        return (FrameVectors, (list(self), self.layout, self.settings))


def layout_of(sequences: Any) -> dict[str, list[int]] | None:
    """The layout that ``sequences`` carry (:class:`FrameVectors`), or None for a plain list."""
    return getattr(sequences, "layout", None)


def settings_of(sequences: Any) -> KindSettings | None:
    """The :class:`KindSettings` that ``sequences`` carry (:class:`FrameVectors`), or None."""
    settings = getattr(sequences, "settings", None)
    return settings if isinstance(settings, KindSettings) else None


def check_layout(layout: Any, width: int) -> dict[str, list[int]] | None:
    """``layout`` as ``{kind: [start, stop]}`` after checking its ranges lie within ``width`` columns.

    Raises
    ------
    ValueError
        On a range that is empty or reversed, or columns beyond ``width``.
    """
    if layout is None:
        return None
    try:
        ranges = {str(kind): [int(a), int(b)] for kind, (a, b) in dict(layout).items()}
    except (TypeError, ValueError):
        ranges = None
    if not ranges or any(not 0 <= a < b for a, b in ranges.values()) or max(b for _, b in ranges.values()) > width:
        raise ValueError(f"layout must map each feature kind to [start, stop] columns within {width}, got {layout!r}")
    return ranges
