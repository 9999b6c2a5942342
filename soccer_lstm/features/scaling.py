"""Standardisation of per-frame feature columns with statistics learnt on training clips only."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from soccer_lstm.features.fitted import Standardiser, scaled_columns
from soccer_lstm.features.kinds import check_layout, layout_of, settings_of


class SequenceScaler(TransformerMixin, BaseEstimator, Standardiser):
    """Standardise the columns of every frame of every clip; ``X`` is a list of ``(T, D)`` arrays.

    Which columns, and how, follows from the feature layout, learnt in ``fit`` from the input
    (:class:`~soccer_lstm.features.kinds.FrameVectors` carry it; a plain list is one kind):

    - ``scale="all"``: every column; ``"motion"``: the camera-motion columns only (visual-word
      histograms stay histograms); ``"none"``: nothing (the clips pass through unchanged).
    - Its statistics are those of the training clips together with their left-right mirrors
      (:func:`~soccer_lstm.features.kinds.layout_mirror`): the motion columns a mirror negates
      are divided by their root mean square but not shifted (a sign change stays a sign change),
      and columns a mirror swaps share their statistics, so that mirrored training copies
      (``TrainConfig.mirror``) stay exact after scaling.

    ``transform``, ``to_dict`` and ``from_dict`` are those of
    :class:`~soccer_lstm.features.fitted.Standardiser` (NumPy only), which a loaded model applies.

    Parameters
    ----------
    scale : {"all", "motion", "none"}
        Which columns to standardise.

    Attributes
    ----------
    layout_ : dict of str to [start, stop] or None
        Columns of each feature kind of the input (None: one kind).
    start_, stop_ : int
        The standardised column range.
    uncentered_ : tuple of int
        Columns scaled but not centred.
    mirror_ : tuple of int
        For each column, the column it comes from in the mirrored frame (empty: none moves).
    mean_, scale_ : ndarray
        Statistics of columns ``start_:stop_``.
    """

    def __init__(self, scale: str = "all") -> None:
        self.scale = scale

    def fit(self, sequences: Sequence[np.ndarray], y: Any = None) -> "SequenceScaler":
        """Learn each standardised column's mean and spread over every frame of ``sequences``."""
        width = int(np.asarray(sequences[0]).shape[1]) if len(sequences) else 0
        self.layout_ = check_layout(layout_of(sequences), width)
        self.kind_settings_ = settings_of(sequences)
        sequences = list(sequences)
        self.start_, self.stop_, self.uncentered_, self.mirror_ = scaled_columns(self.scale, self.layout_, width,
                                                                                  self.kind_settings_)
        self.n_features_in_ = width
        if self.stop_ > self.start_:
            frames = np.concatenate([np.asarray(s)[:, self.start_:self.stop_] for s in sequences]).astype(np.float64)
            self.mean_ = frames.mean(axis=0)
            self.mean_[[c - self.start_ for c in self.uncentered_]] = 0.0
            std = np.sqrt(((frames - self.mean_) ** 2).mean(axis=0))
            if self.mirror_:
                std = self._symmetric(std)
            self.scale_ = np.where(std > 1e-8, std, 1.0)
        else:
            self.mean_ = np.zeros(0)
            self.scale_ = np.ones(0)
        return self

    def _symmetric(self, std: np.ndarray) -> np.ndarray:
        """Average mean and second moment over mirror partners (a no-op on columns that stay put)."""
        source = np.asarray(self.mirror_[self.start_:self.stop_]) - self.start_
        moved = np.flatnonzero(source != np.arange(len(source)))
        if len(moved):
            second = std ** 2 + self.mean_ ** 2
            mean = (self.mean_ + self.mean_[source]) / 2
            second = (second + second[source]) / 2
            self.mean_[moved] = mean[moved]
            std = std.copy()
            std[moved] = np.sqrt(np.maximum(second[moved] - mean[moved] ** 2, 0.0))
        return std
