from __future__ import annotations

import numpy as np
import pytest

from soccer_lstm.features.bow import bow_histograms
from soccer_lstm.features.codebook import Codebook, sample_descriptors


def test_sample_is_bounded_seeded_and_drawn_from_every_clip() -> None:
    rng = np.random.default_rng(0)
    clips = [rng.integers(0, 255, (n, 128), dtype=np.uint8) for n in (500, 0, 300, 200)]
    loaded = []

    def load(i: int) -> np.ndarray:
        loaded.append(i)
        return clips[i]

    sample = sample_descriptors([len(c) for c in clips], load, 100, seed=3)
    assert sample.shape == (100, 128)
    assert 1 not in loaded  # a clip without descriptors is never read
    again = sample_descriptors([len(c) for c in clips], lambda i: clips[i], 100, seed=3)
    assert (sample == again).all()


def test_codebook_assigns_nearest_centre() -> None:
    rng = np.random.default_rng(0)
    centres = rng.uniform(0, 255, (4, 128)).astype(np.float32)
    data = np.concatenate([c + rng.normal(0, 1, (50, 128)) for c in centres]).astype(np.float32)
    book = Codebook(k=4, seed=0).fit(data)
    words = book.predict(data)
    assert len(set(words[:50])) == 1 and len(set(words)) == 4


def test_histograms_are_l1_normalised_with_k_bins_and_zero_for_empty_frames() -> None:
    book = Codebook.from_centers(np.eye(3, 128, dtype=np.float32) * 100)
    descriptors = (np.eye(3, 128) * 100).astype(np.uint8)[[0, 0, 1, 2]]
    offsets = np.array([0, 3, 3, 4])  # frame 1 is empty
    hist = bow_histograms(descriptors, offsets, book)
    assert hist.shape == (3, 3)
    assert np.allclose(hist[0], [2 / 3, 1 / 3, 0]) and (hist[1] == 0).all() and np.allclose(hist[2], [0, 0, 1])


def test_unfitted_codebook_refuses_to_predict() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        Codebook().predict(np.zeros((1, 128)))
