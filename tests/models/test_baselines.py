"""String kernel and baseline classifiers on sequences small enough to check by hand."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from helpers import onehot, random_histograms
from soccer_lstm.models.baselines import (ClipHistogramChi2SVC, FrameLinearSVCVote, NWKNeighborsClassifier,
                                          NWStringKernelSVC, make_baseline)


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
