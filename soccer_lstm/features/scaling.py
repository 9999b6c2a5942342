"""Standardisation of per-frame feature columns with statistics learnt on training clips only."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from soccer_lstm.config import SCALINGS
from soccer_lstm.features.kinds import FrameVectors, check_layout, layout_of, settings_of


class SequenceScaler(TransformerMixin, BaseEstimator):
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

    def _columns(self, width: int, mirrored: bool = True) -> tuple[int, int, tuple[int, ...], tuple[int, ...]]:
        from soccer_lstm.features.kinds import layout_mirror

        if self.scale not in SCALINGS:
            raise ValueError(f"SequenceScaler: scale must be one of {', '.join(SCALINGS)}, got {self.scale!r}")
        layout = self.layout_
        mirror = layout_mirror(layout, getattr(self, "kind_settings_", None)) if mirrored else None
        uncentered = tuple(int(c) for c in np.flatnonzero(mirror[1] < 0)) if mirror else ()
        source = tuple(int(c) for c in mirror[0]) if mirror else ()
        if self.scale == "all":
            return 0, max(stop for _, stop in layout.values()) if layout else width, uncentered, source
        if self.scale == "motion":
            start, stop = layout.get("motion", [0, 0]) if layout else (0, 0)
            return int(start), int(stop), uncentered, ()
        return 0, 0, (), ()

    def fit(self, sequences: Sequence[np.ndarray], y: Any = None) -> "SequenceScaler":
        """Learn each standardised column's mean and spread over every frame of ``sequences``."""
        width = int(np.asarray(sequences[0]).shape[1]) if len(sequences) else 0
        self.layout_ = check_layout(layout_of(sequences), width)
        self.kind_settings_ = settings_of(sequences)
        sequences = list(sequences)
        self.start_, self.stop_, self.uncentered_, self.mirror_ = self._columns(width)
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

    def transform(self, sequences: Sequence[np.ndarray]) -> FrameVectors:
        """The clips with their standardised columns (new float32 arrays; the input is unchanged)."""
        check_is_fitted(self, "mean_")
        if self.stop_ <= self.start_:
            return FrameVectors(sequences, self.layout_, getattr(self, "kind_settings_", None))
        out = FrameVectors(layout=self.layout_, settings=getattr(self, "kind_settings_", None))
        for seq in sequences:
            seq = np.array(seq, dtype=np.float32, copy=True)
            seq[:, self.start_:self.stop_] = (seq[:, self.start_:self.stop_] - self.mean_) / self.scale_
            out.append(seq)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Parameters and learnt statistics as plain data (stored in a model folder's pipeline.json)."""
        check_is_fitted(self, "mean_")
        return {"layout": self.layout_,
                "scale": self.scale, "n_features_in": self.n_features_in_,
                "mean": self.mean_.tolist(), "std": self.scale_.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SequenceScaler":
        """The fitted scaler of :meth:`to_dict`."""
        scaler = cls(scale=data["scale"])
        width = int(data["n_features_in"])
        scaler.layout_ = check_layout(data["layout"], width)
        try:
            scaler.start_, scaler.stop_, scaler.uncentered_, scaler.mirror_ = scaler._columns(width)
        except ValueError:  # an spm block of other levels than the defaults: the mirror only served fit
            scaler.start_, scaler.stop_, scaler.uncentered_, scaler.mirror_ = scaler._columns(width, mirrored=False)
        scaler.n_features_in_ = width
        scaler.mean_ = np.asarray(data["mean"], dtype=np.float64)
        scaler.scale_ = np.asarray(data["std"], dtype=np.float64)
        if scaler.mean_.shape != (max(scaler.stop_ - scaler.start_, 0),) or scaler.scale_.shape != scaler.mean_.shape:
            raise ValueError("scaler statistics do not match its layout")
        return scaler
