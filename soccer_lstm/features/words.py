"""The first steps of the clip pipeline: visual words learnt in ``fit``, then the per-frame vector.

:class:`VisualWords` is the closest analogue of scikit-learn's ``CountVectorizer`` for clips: its
``fit`` builds the k-means codebook on a seeded sample of the training clips' SIFT descriptors, its
``transform`` gives each clip its frames' visual-word histograms (:class:`~soccer_lstm.features.fitted.WordedClip`).
:class:`FrameKinds` then makes one vector per frame of the kinds of ``features`` (the words and any
of camera motion, HOF, MBH, HOG, which need no fitting), in the order of the registry
(:mod:`soccer_lstm.features.kinds`), and emits :class:`~soccer_lstm.features.kinds.FrameVectors`
that carry their layout to the steps after. ``X`` is a sequence of
:class:`~soccer_lstm.features.sift.ClipFeatures` (a list, or a lazy
:class:`~soccer_lstm.store.StoreClips` view that loads one clip at a time). Both transform through
the NumPy steps of :mod:`soccer_lstm.features.fitted` (:class:`WordHistograms`, :class:`KindVectors`),
which a loaded model applies without importing scikit-learn.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from soccer_lstm.config import CodebookConfig, EncodeConfig, check_field
from soccer_lstm.features.codebook import Codebook, sample_descriptors
from soccer_lstm.features.fitted import KindVectors, WordedClip, WordHistograms, encode_clip  # noqa: F401
from soccer_lstm.features.kinds import (EXTRACTED_KINDS, FrameVectors, KindSettings, feature_layout,
                                        needs_codebook, parse_kinds)


class VisualWords(TransformerMixin, BaseEstimator):
    """The visual vocabulary of the training clips, and each clip's per-frame word histograms.

    Parameters
    ----------
    k : int
        Visual words (``--k``).
    sample_size : int
        Descriptors sampled (seeded) to fit k-means; bounds memory.
    kmeans_batch_size : int
        MiniBatchKMeans batch size.
    random_state : int
        Seeds the descriptor sample and k-means.

    Attributes
    ----------
    codebook_ : Codebook
        The fitted vocabulary.
    """

    def __init__(self, k: int = CodebookConfig.k, sample_size: int = CodebookConfig.sample_size,
                 kmeans_batch_size: int = CodebookConfig.kmeans_batch_size,
                 random_state: int = CodebookConfig.seed) -> None:
        self.k = k
        self.sample_size = sample_size
        self.kmeans_batch_size = kmeans_batch_size
        self.random_state = random_state

    @classmethod
    def from_config(cls, codebook: CodebookConfig) -> "VisualWords":
        return cls(k=codebook.k, sample_size=codebook.sample_size, kmeans_batch_size=codebook.kmeans_batch_size,
                   random_state=codebook.seed)

    @classmethod
    def fitted(cls, codebook: Codebook, config: CodebookConfig = CodebookConfig()) -> "VisualWords":
        """The fitted step of a saved codebook (what a model folder holds), as ``fit`` would have left it."""
        words = cls.from_config(replace(config, k=len(codebook.cluster_centers_)))
        words.codebook_ = codebook
        return words

    def codebook_config(self) -> CodebookConfig:
        return CodebookConfig(k=self.k, sample_size=self.sample_size, kmeans_batch_size=self.kmeans_batch_size,
                              seed=self.random_state)

    def fit(self, clips: Sequence[Any], y: Any = None) -> "VisualWords":
        """Fit the codebook on a seeded sample of the descriptors of ``clips``."""
        from soccer_lstm.config import validate

        self.codebook_ = fit_codebook(clips, validate(self.codebook_config(), spelling="key"))
        return self

    def transform(self, clips: Sequence[Any]) -> list[WordedClip]:
        """Each clip with its ``(T, k)`` word histograms (a frame without keypoints: all zeros)."""
        check_is_fitted(self, "codebook_")
        return WordHistograms(self.codebook_).transform(clips)


class FrameKinds(TransformerMixin, BaseEstimator):
    """One vector per frame of a clip: the kinds of ``features``, in registry order, with their layout.

    Parameters
    ----------
    features : str
        Any ``+`` combination of the registry's kinds (``--features``). ``bow`` needs the words
        step before this one (its histograms).
    motion_model : {"affine", "similarity"}
        Camera motion model.
    spm_levels : str
        Cells per side of each level of the ``spm`` pyramid (``--spm-levels``).

    Attributes
    ----------
    layout_ : dict of str to [start, stop]
        Columns of each kind in the output vectors, learnt from the input's widths (the words of
        the step before, the grid of the stored histograms).
    """

    def __init__(self, features: str = EncodeConfig.features, motion_model: str = EncodeConfig.motion_model,
                 spm_levels: str = EncodeConfig.spm_levels) -> None:
        self.features = features
        self.motion_model = motion_model
        self.spm_levels = spm_levels

    @classmethod
    def from_config(cls, encode: EncodeConfig) -> "FrameKinds":
        return cls(features=encode.features, motion_model=encode.motion_model, spm_levels=encode.spm_levels)

    @classmethod
    def fitted(cls, encode: EncodeConfig, layout: dict[str, list[int]]) -> "FrameKinds":
        """The fitted step of a saved model (its encode options and layout), as ``fit`` would have left it."""
        kinds = cls.from_config(encode)
        names = parse_kinds(encode.features)
        if set(layout) != set(names):
            raise ValueError(f"layout {layout!r} does not hold the kinds of {encode.features!r}")
        kinds.layout_ = {kind: [int(layout[kind][0]), int(layout[kind][1])] for kind in names}
        kinds.n_features_out_ = max(stop for _, stop in kinds.layout_.values())
        return kinds

    def fit(self, clips: Sequence[Any], y: Any = None) -> "FrameKinds":
        """Check the parameters and learn the layout from the first clip's words and stored histograms."""
        kinds = parse_kinds(self.features, spelling="key")
        check_field(EncodeConfig.__dataclass_fields__["motion_model"], self.motion_model, spelling="key")
        if not len(clips):
            raise ValueError("FrameKinds: expected at least one clip")
        first = clips[0]
        words = getattr(first, "words", None)
        if needs_codebook(kinds) and words is None:
            raise ValueError(f"FrameKinds: features {self.features!r} hold bow, which needs the words step before it")
        self.layout_ = feature_layout(kinds, self._settings(int(np.shape(words)[1]) if words is not None else 0,
                                                            _grid_of(first, kinds)))
        self.n_features_out_ = max(stop for _, stop in self.layout_.values())
        return self

    def transform(self, clips: Sequence[Any]) -> FrameVectors:
        """The clips' per-frame vectors, float32 ``(T, D)`` each, with :attr:`layout_`."""
        check_is_fitted(self, "layout_")
        return KindVectors(self.layout_, self.motion_model, self.spm_levels).transform(clips)

    def _settings(self, k: int = 0, grid: int = 3) -> KindSettings:
        from soccer_lstm.features.spm import parse_levels

        return KindSettings(k, self.motion_model, grid, parse_levels(self.spm_levels, "spm_levels"))


def _grid_of(clip: Any, kinds: Sequence[str]) -> int:
    """The grid the stored histograms were made on (read from their widths; 3 when none is stored)."""
    from soccer_lstm.features.local import grid_of

    local = getattr(clip, "local", {}) or {}
    for kind in EXTRACTED_KINDS:
        if kind in kinds and kind in local:
            return grid_of(kind, int(np.shape(local[kind])[1]))
    return 3


def fit_codebook(clips: Sequence[Any], config: CodebookConfig = CodebookConfig()) -> Codebook:
    """A codebook fit on a seeded subsample of the descriptors of ``clips`` only.

    ``clips`` may offer ``descriptor_count(i)`` (a :class:`~soccer_lstm.store.StoreClips` view), so
    that only the clips the sample draws from are read.
    """
    if hasattr(clips, "descriptor_count"):
        counts = [clips.descriptor_count(i) for i in range(len(clips))]
    else:
        counts = [int(clips[i].offsets[-1]) for i in range(len(clips))]
    sample = sample_descriptors(counts, lambda j: clips[j].descriptors, config.sample_size, config.seed)
    return Codebook(k=config.k, batch_size=config.kmeans_batch_size, seed=config.seed).fit(sample)
