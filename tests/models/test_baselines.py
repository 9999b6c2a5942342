"""Alignment, string kernel and baseline classifiers on sequences small enough to check by hand."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from soccer_lstm.models.alignment import alignment_scores, frame_similarity, normalize_scores
from soccer_lstm.models.baselines import (ClipHistogramChi2SVC, FrameLinearSVCVote, NWKNeighborsClassifier,
                                          NWStringKernelSVC, make_baseline)


def onehot(indices: list[int], width: int = 4) -> np.ndarray:
    """A sequence whose frame t is the one-hot histogram of word indices[t]."""
    return np.eye(width, dtype=np.float32)[indices]


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


def random_histograms(rng: np.random.Generator, length: int, width: int = 6) -> np.ndarray:
    values = rng.random((length, width)) ** 3
    return (values / values.sum(axis=1, keepdims=True)).astype(np.float32)


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


# --- classifiers ---------------------------------------------------------------------------------

def toy_set(rng: np.random.Generator, per_class: int = 8, width: int = 8):
    """Three classes of clips: a word pattern that moves over time (class 0 left-to-right, class 1
    right-to-left, class 2 flat), noisy, with varying lengths. Separable by order and content."""
    sequences, labels = [], []
    for label in ("alpha", "beta", "gamma"):
        for _ in range(per_class):
            length = int(rng.integers(6, 11))
            frames = np.full((length, width), 0.05, np.float32)
            for t in range(length):
                position = int(round(t * (width // 2 - 1) / (length - 1)))
                if label == "alpha":
                    frames[t, position] += 1.0
                elif label == "beta":
                    frames[t, width // 2 + position] += 1.0
                else:
                    frames[t, [1, width - 2]] += 0.5
            frames += rng.random(frames.shape).astype(np.float32) * 0.2
            frames /= frames.sum(axis=1, keepdims=True)
            sequences.append(frames)
            labels.append(label)
    return sequences, labels


ALL = [NWKNeighborsClassifier, NWStringKernelSVC, ClipHistogramChi2SVC, FrameLinearSVCVote]


@pytest.mark.parametrize("cls", ALL)
def test_classifier_beats_chance_on_toy_set(cls):
    rng = np.random.default_rng(4)
    train_x, train_y = toy_set(rng)
    test_x, test_y = toy_set(rng, per_class=4)
    model = cls().fit(train_x, train_y)
    assert list(model.classes_) == ["alpha", "beta", "gamma"]
    predicted = model.predict(test_x)
    assert predicted.dtype.kind == "U"
    assert np.mean(predicted == np.array(test_y)) > 0.8
    proba = model.predict_proba(test_x)
    assert proba.shape == (len(test_x), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], predicted)


@pytest.mark.parametrize("cls", ALL)
def test_unfitted_classifier_raises_not_fitted(cls):
    with pytest.raises(NotFittedError):
        cls().predict([onehot([0, 1])])


@pytest.mark.parametrize("cls", ALL)
def test_init_only_stores_params_and_clone_works(cls):
    from sklearn.base import clone

    model = cls()
    assert not [name for name in vars(model) if name.endswith("_")]
    assert clone(model).get_params() == model.get_params()


def test_knn_returns_the_label_of_an_identical_training_clip():
    rng = np.random.default_rng(5)
    seqs = [random_histograms(rng, int(n)) for n in (5, 7, 6, 4)]
    labels = ["a", "b", "c", "d"]
    model = NWKNeighborsClassifier(n_neighbors=1).fit(seqs, labels)
    np.testing.assert_array_equal(model.predict(seqs), labels)
    np.testing.assert_allclose(np.diag(model.similarities(seqs)), 1.0, atol=1e-6)


def test_knn_votes_over_k_neighbours():
    near_a = onehot([0, 0, 0])
    train = [onehot([0, 0, 0]), onehot([0, 0, 1]), onehot([0, 0, 2]), onehot([3, 3, 3])]
    model = NWKNeighborsClassifier(n_neighbors=3).fit(train, ["x", "y", "y", "z"])
    # Neighbours: x (3/3), y (2/3), y (2/3): y wins the vote 2 to 1.
    assert model.predict([near_a])[0] == "y"
    np.testing.assert_allclose(model.predict_proba([near_a])[0], [1 / 3, 2 / 3, 0.0], atol=1e-6)


def test_string_kernel_is_positive_semidefinite_and_consistent():
    rng = np.random.default_rng(6)
    seqs = [random_histograms(rng, int(n)) for n in rng.integers(3, 9, size=15)]
    labels = ["a", "b", "c"] * 5
    model = NWStringKernelSVC(gap=1.5).fit(seqs, labels)
    eigenvalues = np.linalg.eigvalsh(model.train_gram_)
    assert eigenvalues.min() > -1e-8
    # Test rows of the training clips go through the same repair and reproduce the Gram matrix.
    np.testing.assert_allclose(model.kernel(seqs), model.train_gram_, atol=1e-6)


def test_string_kernel_without_repair_keeps_raw_normalised_scores():
    rng = np.random.default_rng(7)
    seqs = [random_histograms(rng, 5) for _ in range(6)]
    model = NWStringKernelSVC(psd=False).fit(seqs, ["a", "b"] * 3)
    assert model.clipped_eigenvalues_ == 0
    np.testing.assert_allclose(np.diag(model.train_gram_), 1.0, atol=1e-6)


def test_chi2_clip_histogram_is_normalised_mean():
    seq = np.array([[1.0, 0.0], [0.0, 0.0], [0.5, 0.5]], np.float32)
    np.testing.assert_allclose(ClipHistogramChi2SVC.clip_histograms([seq]), [[0.75, 0.25]])
    with pytest.raises(ValueError, match="non-negative"):
        ClipHistogramChi2SVC().fit([-seq, seq], ["a", "b"])


def test_chi2_segment_histograms_keep_coarse_order():
    seq = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], np.float32)
    np.testing.assert_allclose(ClipHistogramChi2SVC.clip_histograms([seq], 2), [[0.5, 0.0, 0.0, 0.5]])
    # One frame, two segments: the second segment has no frames and stays zero.
    np.testing.assert_allclose(ClipHistogramChi2SVC.clip_histograms([seq[:1]], 2), [[0.5, 0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="segments"):
        ClipHistogramChi2SVC.clip_histograms([seq], 0)


def test_chi2_segments_separate_classes_that_differ_only_in_order():
    # "early" clips show word 0 then word 1, "late" clips the same words in the opposite order:
    # one histogram per clip cannot tell them apart, two segments can.
    rng = np.random.default_rng(0)

    def clip(first: int, second: int) -> np.ndarray:
        n1, n2 = rng.integers(4, 8, size=2)
        return onehot([first] * n1 + [second] * n2, width=3) * 0.9 + 0.1 / 3

    train = [clip(0, 1) for _ in range(6)] + [clip(1, 0) for _ in range(6)]
    test = [clip(0, 1) for _ in range(4)] + [clip(1, 0) for _ in range(4)]
    labels, truth = ["early"] * 6 + ["late"] * 6, np.array(["early"] * 4 + ["late"] * 4)
    ordered = ClipHistogramChi2SVC(segments=2).fit(train, labels)
    assert (ordered.predict(test) == truth).all()
    assert ordered.histograms_.shape == (12, 6)
    whole = ClipHistogramChi2SVC().fit(train, labels)
    assert (whole.predict(test) == truth).mean() < 0.8


def test_frame_vote_takes_the_majority_of_frames():
    train = [onehot([0, 0, 0, 0]), onehot([1, 1, 1, 1]), onehot([0, 0, 0]), onehot([1, 1, 1])]
    model = FrameLinearSVCVote(C=1.0).fit(train, ["zero", "one", "zero", "one"])
    mostly_one = onehot([1, 1, 0])
    assert model.predict([mostly_one])[0] == "one"
    np.testing.assert_allclose(model.predict_proba([mostly_one])[0], [2 / 3, 1 / 3], atol=1e-6)
    # A clip with no frames falls back to the most frequent class (a tie here: the first, sorted).
    assert model.predict([np.zeros((0, 4), np.float32)])[0] in {"one", "zero"}


def test_binary_and_width_checks():
    train = [onehot([0, 1]), onehot([2, 3])]
    model = NWStringKernelSVC().fit(train, ["p", "q"])
    assert model.predict_proba(train).shape == (2, 2)
    with pytest.raises(ValueError, match="features per frame"):
        model.predict([onehot([0], 5)])
    with pytest.raises(ValueError, match="two classes"):
        NWKNeighborsClassifier().fit(train, ["p", "p"])


def test_make_baseline_by_name():
    assert isinstance(make_baseline("nw_knn", n_neighbors=3), NWKNeighborsClassifier)
    with pytest.raises(ValueError, match="unknown baseline"):
        make_baseline("nope")
