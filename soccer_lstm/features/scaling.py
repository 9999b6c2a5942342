"""Standardisation of chosen feature columns with statistics learnt on training clips only."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.exceptions import NotFittedError


class SequenceScaler:
    """Standardise columns ``start:stop`` of every frame; other columns pass through.

    Parameters
    ----------
    start, stop : int
        Column range to standardise (BoW histograms stay as they are; motion gets scaled).
    uncentered : sequence of int
        Columns (indices of the whole frame vector, inside ``start:stop``) that are divided by their
        root mean square but not shifted: signed quantities such as a horizontal pan, so that a
        left-right mirror (a sign change) stays a sign change after scaling.
    mirror : sequence of int
        For each column of the whole frame vector, the column it comes from in the left-right
        mirrored frame (empty: none moves). Columns that a mirror swaps get the average of their
        statistics, so that a mirrored copy (a permutation of the columns) stays one after scaling.
    """

    def __init__(self, start: int = 0, stop: int = 0, uncentered: Sequence[int] = (),
                 mirror: Sequence[int] = ()) -> None:
        self.start = start
        self.stop = stop
        self.uncentered = tuple(int(c) for c in uncentered)
        self.mirror = tuple(int(c) for c in mirror)

    def fit(self, sequences: Sequence[np.ndarray]) -> "SequenceScaler":
        if self.stop > self.start:
            frames = np.concatenate([s[:, self.start:self.stop] for s in sequences]).astype(np.float64)
            self.mean_ = frames.mean(axis=0)
            keep = [c - self.start for c in self.uncentered]
            self.mean_[keep] = 0.0
            std = np.sqrt(((frames - self.mean_) ** 2).mean(axis=0))
            if self.mirror:
                std = self._symmetric(std)
            self.scale_ = np.where(std > 1e-8, std, 1.0)
        else:
            self.mean_ = np.zeros(0)
            self.scale_ = np.ones(0)
        return self

    def _symmetric(self, std: np.ndarray) -> np.ndarray:
        """Average mean and second moment over mirror partners (a no-op on columns that stay put)."""
        source = np.asarray(self.mirror[self.start:self.stop]) - self.start
        moved = np.flatnonzero(source != np.arange(len(source)))
        if len(moved):
            second = std ** 2 + self.mean_ ** 2
            mean = (self.mean_ + self.mean_[source]) / 2
            second = (second + second[source]) / 2
            self.mean_[moved] = mean[moved]
            std = std.copy()
            std[moved] = np.sqrt(np.maximum(second[moved] - mean[moved] ** 2, 0.0))
        return std

    def transform(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        if not hasattr(self, "mean_"):
            raise NotFittedError("this SequenceScaler is not fitted yet")
        if self.stop <= self.start:
            return list(sequences)
        out = []
        for seq in sequences:
            seq = np.array(seq, dtype=np.float32, copy=True)
            seq[:, self.start:self.stop] = (seq[:, self.start:self.stop] - self.mean_) / self.scale_
            out.append(seq)
        return out

    def fit_transform(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        return self.fit(sequences).transform(sequences)

    def to_dict(self) -> dict:
        return {"start": self.start, "stop": self.stop, "uncentered": list(self.uncentered), "mirror": list(self.mirror),
                "mean": self.mean_.tolist(), "scale": self.scale_.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> "SequenceScaler":
        scaler = cls(int(data["start"]), int(data["stop"]), data.get("uncentered", ()), data.get("mirror", ()))
        scaler.mean_ = np.asarray(data["mean"], dtype=np.float64)
        scaler.scale_ = np.asarray(data["scale"], dtype=np.float64)
        return scaler
