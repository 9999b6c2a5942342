"""Needleman-Wunsch alignment of sequences of histograms, on sequences small enough to check by hand."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import onehot, random_histograms
from soccer_lstm.models.alignment import alignment_scores, frame_similarity, normalize_scores


def naive_nw(a: np.ndarray, b: np.ndarray, gap: float) -> float:
    """The textbook quadratic double loop, as a reference."""
    table = np.zeros((len(a) + 1, len(b) + 1))
    table[:, 0] = -gap * np.arange(len(a) + 1)
    table[0, :] = -gap * np.arange(len(b) + 1)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            match = np.minimum(a[i - 1], b[j - 1]).sum()
            table[i, j] = max(table[i - 1, j - 1] + match, table[i - 1, j] - gap, table[i, j - 1] - gap)
    return table[-1, -1]


# --- frame similarity ----------------------------------------------------------------------------

def test_histogram_intersection_by_hand():
    a = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 0.0]], np.float32)
    b = np.array([[0.25, 0.25, 0.5], [1.0, 0.0, 0.0]], np.float32)
    expected = np.array([[0.5, 0.5], [0.0, 0.0]])   # min-sums; an empty frame matches nothing
    np.testing.assert_allclose(frame_similarity(a, b), expected, atol=1e-6)


def test_cosine_similarity_of_zero_frame_is_zero():
    a = np.array([[1.0, 0.0], [0.0, 0.0]], np.float32)
    b = np.array([[2.0, 0.0], [0.0, 3.0]], np.float32)
    np.testing.assert_allclose(frame_similarity(a, b, "cosine"), [[1.0, 0.0], [0.0, 0.0]], atol=1e-6)


def test_unknown_similarity_is_refused():
    with pytest.raises(ValueError, match="similarity"):
        frame_similarity(np.ones((1, 2)), np.ones((1, 2)), "euclid")


# --- Needleman-Wunsch ----------------------------------------------------------------------------

def test_identical_sequences_score_their_length():
    seq = onehot([0, 1, 2, 3, 1])
    assert alignment_scores([seq], [seq], gap=0.7)[0, 0] == pytest.approx(5.0)


def test_one_inserted_frame_costs_exactly_one_gap():
    seq = onehot([0, 1, 2, 3])
    longer = onehot([0, 1, 3, 2, 3])   # a frame inserted after the second
    for gap in (0.1, 0.4, 0.9):
        score = alignment_scores([seq], [longer], gap=gap)
        assert score[0, 0] == pytest.approx(4.0 - gap)
        assert alignment_scores([longer], [seq], gap=gap)[0, 0] == pytest.approx(4.0 - gap)


def test_small_table_by_hand():
    # a = [w0, w1], b = [w1, w2, (w0 + w1) / 2]. Frame similarities:
    #   a0 vs b: 0, 0, 0.5      a1 vs b: 1, 0, 0.5
    # With gap 0.25 (two sequences of lengths 2 and 3 need at least one gap):
    #   a0-b1, a1-b2, gap b3          = 0 + 0 - 0.25       = -0.25
    #   a0-b1, gap b2, a1-b3          = 0 + 0.5 - 0.25     =  0.25
    #   gap b1, a0-b2, a1-b3          = 0 + 0.5 - 0.25     =  0.25
    #   gap a0, a1-b1, gap b2, gap b3 = 1 - 3 * 0.25       =  0.25
    # so the best is 0.25. Without a gap penalty, a1-b1 alone (1.0) beats everything.
    a = onehot([0, 1], 3)
    b = np.array([[0, 1, 0], [0, 0, 1], [0.5, 0.5, 0]], np.float32)
    assert alignment_scores([a], [b], gap=0.25)[0, 0] == pytest.approx(0.25)
    assert alignment_scores([a], [b], gap=0.0)[0, 0] == pytest.approx(1.0)
    # With gap 2 only one gap is affordable; the best one-gap alignment earns 0.5: 0.5 - 2 = -1.5.
    assert alignment_scores([a], [b], gap=2.0)[0, 0] == pytest.approx(-1.5)


def test_empty_sequence_costs_a_gap_per_frame():
    empty = np.zeros((0, 4), np.float32)
    seq = onehot([0, 1, 2])
    scores = alignment_scores([empty, seq], [seq, empty], gap=0.5)
    np.testing.assert_allclose(scores, [[-1.5, 0.0], [3.0, -1.5]])


def test_all_zero_frames_match_for_nothing():
    zeros = np.zeros((3, 4), np.float32)
    assert alignment_scores([zeros], [zeros], gap=0.5)[0, 0] == pytest.approx(0.0)


def test_matches_the_textbook_loop_on_random_ragged_sequences():
    rng = np.random.default_rng(1)
    seqs = [random_histograms(rng, int(n)) for n in rng.integers(0, 8, size=9)]
    for gap in (0.0, 0.3, 1.2):
        fast = alignment_scores(seqs, gap=gap)
        slow = np.array([[naive_nw(a, b, gap) for b in seqs] for a in seqs])
        np.testing.assert_allclose(fast, slow, atol=1e-5)
        np.testing.assert_allclose(fast, fast.T, atol=1e-5)


def test_blocking_does_not_change_scores():
    rng = np.random.default_rng(2)
    queries = [random_histograms(rng, int(n)) for n in rng.integers(1, 9, size=7)]
    refs = [random_histograms(rng, int(n)) for n in rng.integers(1, 9, size=5)]
    whole = alignment_scores(queries, refs, gap=0.4)
    tiny_blocks = alignment_scores(queries, refs, gap=0.4, max_block_cells=1)
    np.testing.assert_allclose(whole, tiny_blocks, atol=1e-6)


def test_negative_gap_and_mixed_widths_are_refused():
    with pytest.raises(ValueError, match="gap"):
        alignment_scores([onehot([0])], gap=-1.0)
    with pytest.raises(ValueError):
        alignment_scores([onehot([0], 4)], [onehot([0], 5)])


def test_normalised_scores_are_one_on_the_diagonal_and_bounded():
    rng = np.random.default_rng(3)
    seqs = [random_histograms(rng, int(n)) for n in (3, 5, 4)]
    scores = alignment_scores(seqs, gap=0.5)
    normalised = normalize_scores(scores, np.diag(scores), np.diag(scores))
    np.testing.assert_allclose(np.diag(normalised), 1.0, atol=1e-6)
    assert normalised.max() <= 1.0 and normalised.min() >= -1.0
