from __future__ import annotations

import numpy as np
import pytest

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



def _tagged_clips(counts: list[int]) -> list[np.ndarray]:
    """Descriptors whose columns 0-2 say where they come from: clip, row // 256, row % 256."""
    clips = []
    for i, n in enumerate(counts):
        rows = np.zeros((n, 128), np.uint8)
        rows[:, 0], rows[:, 1], rows[:, 2] = i, np.arange(n) // 256, np.arange(n) % 256
        clips.append(rows)
    return clips


def test_sample_holds_the_drawn_rows_spread_over_each_clip_not_its_first_rows() -> None:
    counts = [600, 0, 300, 100]
    clips = _tagged_clips(counts)
    sample = sample_descriptors(counts, lambda i: clips[i], 200, seed=5)
    clip, row = sample[:, 0].astype(int), sample[:, 1].astype(int) * 256 + sample[:, 2].astype(int)
    assert len(set(zip(clip.tolist(), row.tolist()))) == 200  # no row twice
    for i, n in enumerate(counts):
        drawn = np.sort(row[clip == i])
        assert (drawn < max(n, 1)).all()
        if n:
            # A uniform draw reaches far into the clip; the first rows would stop at len(drawn) - 1.
            assert len(drawn) > 0 and drawn[-1] > len(drawn) - 1 and drawn[-1] > n // 2, (i, drawn)
    # Each clip contributes in proportion to its size (600 : 300 : 100 of 1000, +- a few).
    shares = [int((clip == i).sum()) for i in (0, 2, 3)]
    assert abs(shares[0] - 120) < 25 and abs(shares[1] - 60) < 20 and abs(shares[2] - 20) < 12, shares
    # Another seed draws other rows.
    other = sample_descriptors(counts, lambda i: clips[i], 200, seed=6)
    assert not np.array_equal(np.sort(other[:, :3], axis=0), np.sort(sample[:, :3], axis=0))


def test_a_sample_larger_than_the_data_is_all_of_it() -> None:
    counts = [7, 5]
    clips = _tagged_clips(counts)
    sample = sample_descriptors(counts, lambda i: clips[i], 1000, seed=0)
    np.testing.assert_array_equal(sample, np.concatenate(clips))
    with pytest.raises(Exception, match="no SIFT descriptors"):
        sample_descriptors([0, 0], lambda i: clips[i], 10, seed=0)

def test_codebook_assigns_nearest_centre() -> None:
    rng = np.random.default_rng(0)
    centres = rng.uniform(0, 255, (4, 128)).astype(np.float32)
    data = np.concatenate([c + rng.normal(0, 1, (50, 128)) for c in centres]).astype(np.float32)
    book = Codebook(k=4, seed=0).fit(data)
    words = book.predict(data)
    assert len(set(words[:50])) == 1 and len(set(words)) == 4


def test_unfitted_codebook_refuses_to_predict() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        Codebook().predict(np.zeros((1, 128)))
