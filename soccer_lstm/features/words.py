"""The per-frame encoder: a visual vocabulary learnt in ``fit``, one vector per frame in ``transform``.

:class:`VisualWords` is the closest analogue of scikit-learn's ``CountVectorizer`` for clips: its
``fit`` builds the k-means codebook on a seeded sample of the training clips' SIFT descriptors,
its ``transform`` turns each clip into a ``(T, D)`` array, the visual-word histogram of each frame
followed by the other kinds of ``features`` (camera motion, local motion histograms), which need no
fitting. ``X`` is a sequence of :class:`~soccer_lstm.features.sift.ClipFeatures` (a list, or a
lazy :class:`~soccer_lstm.store.StoreClips` view that loads one clip at a time).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from soccer_lstm.config import CodebookConfig, EncodeConfig, ExtractConfig, check_field
from soccer_lstm.features.codebook import Codebook, sample_descriptors
from soccer_lstm.features.kinds import KindSettings, compute_kinds, feature_layout, needs_codebook


def encode_clip(features: Any, codebook: Codebook | None, config: EncodeConfig, grid: int = ExtractConfig.grid) -> np.ndarray:
    """One vector per frame: the kinds of ``config.features`` concatenated in registry order.

    Raises
    ------
    UserError
        If BoW is asked for without a codebook, or a local kind (HOF, MBH, HOG) from features that
        an older version extracted without them.
    """
    k = len(codebook.cluster_centers_) if codebook is not None else 0
    return compute_kinds(features, config.features, KindSettings(k, config.motion_model, grid), codebook)


class VisualWords(TransformerMixin, BaseEstimator):
    """Encode clips as sequences of per-frame vectors, with a codebook fit on the training clips.

    Parameters
    ----------
    features : str
        Any ``+`` combination of ``bow``, ``motion``, ``hof``, ``mbh``, ``hog`` (``--features``).
    k : int
        Visual words (``--k``).
    sample_size : int
        Descriptors sampled (seeded) to fit k-means; bounds memory.
    kmeans_batch_size : int
        MiniBatchKMeans batch size.
    motion_model : {"affine", "similarity"}
        Camera motion model.
    grid : int
        Cells per side of the stored HOF/MBH/HOG grids (the extract option the clips were made with).
    random_state : int
        Seeds the descriptor sample and k-means.

    Attributes
    ----------
    codebook_ : Codebook or None
        The fitted vocabulary (None when ``features`` holds no ``bow``).
    layout_ : dict of str to [start, stop]
        Columns of each kind in the output vectors.
    """

    def __init__(self, features: str = EncodeConfig.features, k: int = CodebookConfig.k,
                 sample_size: int = CodebookConfig.sample_size,
                 kmeans_batch_size: int = CodebookConfig.kmeans_batch_size,
                 motion_model: str = EncodeConfig.motion_model, grid: int = ExtractConfig.grid,
                 random_state: int = CodebookConfig.seed) -> None:
        self.features = features
        self.k = k
        self.sample_size = sample_size
        self.kmeans_batch_size = kmeans_batch_size
        self.motion_model = motion_model
        self.grid = grid
        self.random_state = random_state

    @classmethod
    def from_config(cls, codebook: CodebookConfig, encode: EncodeConfig, grid: int = ExtractConfig.grid) -> "VisualWords":
        return cls(features=encode.features, k=codebook.k, sample_size=codebook.sample_size,
                   kmeans_batch_size=codebook.kmeans_batch_size, motion_model=encode.motion_model, grid=grid,
                   random_state=codebook.seed)

    def encode_config(self) -> EncodeConfig:
        return EncodeConfig(features=self.features, motion_model=self.motion_model)

    def codebook_config(self) -> CodebookConfig:
        return CodebookConfig(k=self.k, sample_size=self.sample_size, kmeans_batch_size=self.kmeans_batch_size,
                              seed=self.random_state)

    def _validate_params(self) -> None:
        from soccer_lstm.config import validate

        validate(self.codebook_config(), spelling="key")
        validate(self.encode_config(), spelling="key")
        check_field(ExtractConfig.__dataclass_fields__["grid"], self.grid, spelling="key")

    def fit(self, clips: Sequence[Any], y: Any = None) -> "VisualWords":
        """Fit the codebook on a seeded sample of the descriptors of ``clips`` (when ``bow`` is asked for)."""
        self._validate_params()
        self.codebook_ = None
        if needs_codebook(self.features):
            self.codebook_ = fit_codebook(clips, self.codebook_config())
        self.layout_ = feature_layout(self.features, KindSettings(self.k, self.motion_model, self.grid))
        return self

    def transform(self, clips: Sequence[Any]) -> list[np.ndarray]:
        """One ``(T, D)`` float32 array per clip (a frame without keypoints: an all-zero histogram)."""
        check_is_fitted(self, "layout_")
        config = self.encode_config()
        return [encode_clip(clips[i], self.codebook_, config) for i in range(len(clips))]


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

