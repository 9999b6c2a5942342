"""Per-frame bag-of-visual-words histograms."""
from __future__ import annotations

import numpy as np

from soccer_lstm.features.bow import bow_histograms
from soccer_lstm.features.codebook import Codebook


def test_histograms_are_l1_normalised_with_k_bins_and_zero_for_empty_frames() -> None:
    book = Codebook.from_centers(np.eye(3, 128, dtype=np.float32) * 100)
    descriptors = (np.eye(3, 128) * 100).astype(np.uint8)[[0, 0, 1, 2]]
    offsets = np.array([0, 3, 3, 4])  # frame 1 is empty
    hist = bow_histograms(descriptors, offsets, book)
    assert hist.shape == (3, 3)
    assert np.allclose(hist[0], [2 / 3, 1 / 3, 0]) and (hist[1] == 0).all() and np.allclose(hist[2], [0, 0, 1])
