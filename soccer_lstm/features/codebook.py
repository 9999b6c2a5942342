"""The k-means visual vocabulary, fit on a seeded subsample of descriptors.

Memory stays bounded by ``sample_size`` descriptors whatever the size of the dataset: a first pass
reads only each clip's descriptor count, a second draws a seeded sample clip by clip.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from soccer_lstm.artifacts import array_fingerprint
from soccer_lstm.errors import UserError
from soccer_lstm.features.fitted import check_fitted


def sample_descriptors(counts: Sequence[int], load: Callable[[int], np.ndarray], sample_size: int,
                       seed: int) -> np.ndarray:
    """Draw up to ``sample_size`` descriptors uniformly from many clips without loading all at once.

    Parameters
    ----------
    counts : sequence of int
        Number of descriptors of each clip.
    load : callable
        ``load(i)`` returns the descriptors of clip ``i`` (uint8, n x 128).
    sample_size : int
        Descriptors to keep in total.
    seed : int
        Seed of the draw.
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        raise UserError("no SIFT descriptors in the training clips (every frame is empty); cannot fit a codebook")
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(total, size=min(sample_size, total), replace=False))
    starts = np.concatenate([[0], np.cumsum(counts)])
    parts = []
    for i in np.flatnonzero(counts):
        lo, hi = np.searchsorted(chosen, [starts[i], starts[i + 1]])
        if hi > lo:
            parts.append(load(int(i))[chosen[lo:hi] - starts[i]])
    return np.concatenate(parts)


class Codebook:
    """A visual vocabulary: ``k`` cluster centres of SIFT descriptors.

    Parameters
    ----------
    k : int
        Number of visual words.
    batch_size : int
        MiniBatchKMeans batch size.
    seed : int
        Seed of k-means.
    """

    def __init__(self, k: int = 200, batch_size: int = 4096, seed: int = 0) -> None:
        self.k = k
        self.batch_size = batch_size
        self.seed = seed

    def fit(self, descriptors: np.ndarray) -> "Codebook":
        """Fit ``k`` centres on a (sampled) descriptor matrix."""
        descriptors = np.asarray(descriptors, dtype=np.float32)
        if len(descriptors) < self.k:
            raise UserError(f"only {len(descriptors)} SIFT descriptors for a codebook of k={self.k} words; "
                            f"lower --k or use more/larger clips")
        # Imported here: sklearn.cluster costs a quarter of a cold predict's imports, which never fit.
        from sklearn.cluster import MiniBatchKMeans

        kmeans = MiniBatchKMeans(n_clusters=self.k, batch_size=self.batch_size, random_state=self.seed,
                                 n_init=3, max_iter=100)
        kmeans.fit(descriptors)
        self.cluster_centers_ = kmeans.cluster_centers_.astype(np.float32)
        self.fingerprint_ = array_fingerprint(self.cluster_centers_)
        return self

    @classmethod
    def from_centers(cls, centers: np.ndarray) -> "Codebook":
        """A fitted codebook from stored centres."""
        book = cls(k=len(centers))
        book.cluster_centers_ = np.asarray(centers, dtype=np.float32)
        book.fingerprint_ = array_fingerprint(book.cluster_centers_)
        return book

    def predict(self, descriptors: np.ndarray) -> np.ndarray:
        """Index of the nearest visual word for each descriptor."""
        check_fitted(self, "cluster_centers_")  # scikit-learn's NotFittedError (imported only to raise it)
        if len(descriptors) == 0:
            return np.zeros(0, np.int64)
        x = np.asarray(descriptors, dtype=np.float32)
        c = self.cluster_centers_
        # ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2; ||x||^2 does not change the argmin.
        distances = (c * c).sum(axis=1)[None, :] - 2.0 * (x @ c.T)
        return distances.argmin(axis=1)
