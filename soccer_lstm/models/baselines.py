"""Clip classifiers to compare the LSTM with: Ballan et al.'s two rows and two quick peers.

Every classifier speaks the project's clip interface: a clip is a 2-D float array (frames x
features, one row per frame, lengths may differ), ``fit(sequences, labels)`` returns ``self``,
``predict(sequences)`` returns class names, ``predict_proba(sequences)`` returns one column per
entry of ``classes_`` (sorted class names). Hyperparameters are keyword arguments stored as given;
learned state ends in ``_``.

- :class:`NWKNeighborsClassifier`: Ballan et al.'s k-NN, clips compared by Needleman-Wunsch
  alignment of their per-frame histogram sequences.
- :class:`NWStringKernelSVC`: Ballan et al.'s SVM with a string kernel built from the same
  alignment, made positive semi-definite.
- :class:`ClipHistogramChi2SVC`: one mean histogram per clip, chi2-kernel SVM (order-free).
- :class:`FrameLinearSVCVote`: a linear SVM on every frame and a majority vote per clip.
- :class:`ClipStatsLogistic`: the mean and standard deviation of each clip's per-frame vectors,
  logistic regression: the simplest classifier that uses the LSTM's own inputs.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from soccer_lstm.models.clips import as_sequences as _as_sequences
from soccer_lstm.models.clips import check_param
from soccer_lstm.models.alignment import alignment_scores, normalize_scores, self_alignment_scores

__all__ = ["NWKNeighborsClassifier", "NWStringKernelSVC", "ClipHistogramChi2SVC", "FrameLinearSVCVote",
           "ClipStatsLogistic", "BASELINES", "make_baseline"]


def _check_labels(sequences: list[np.ndarray], labels: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted class labels (of the labels' own type: integers stay integers) and the class index of every clip."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(sequences):
        raise ValueError(f"{len(sequences)} sequences but {len(labels)} labels")
    classes, encoded = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"need at least two classes, got {len(classes)}")
    return classes, encoded


def _check_width(estimator: BaseEstimator, sequences: list[np.ndarray]) -> None:
    if sequences[0].shape[1] != estimator.n_features_in_:
        raise ValueError(f"sequences have {sequences[0].shape[1]} features per frame; "
                         f"the classifier was fitted with {estimator.n_features_in_}")


class _ClipClassifier(ClassifierMixin, BaseEstimator):
    """Shared ``predict``: the class with the highest ``predict_proba``, ties to the first class."""

    # These classifiers compare raw histograms (intersection, chi2): cross-validation must not
    # standardise their inputs.
    input_scaling = "none"

    def predict(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Class name of every clip."""
        check_is_fitted(self, "classes_")
        return self.classes_[np.argmax(self.predict_proba(sequences), axis=1)]


class NWKNeighborsClassifier(_ClipClassifier):
    """k nearest neighbours over clips, similarity = Needleman-Wunsch alignment score.

    Ballan et al. (2009) row of the paper's table (52.75 % on MICC-Soccer-Actions-4 with k = 1).

    Parameters
    ----------
    n_neighbors : int
        Neighbours that vote (1 in Ballan et al.).
    gap : float
        Penalty for leaving one frame unmatched.
    similarity : {"intersection", "cosine"}
        Match score of two frames' histograms.
    normalize : bool
        Divide the score by ``sqrt(s(a, a) * s(b, b))`` so that long clips are not favoured merely
        for having more frames to match.

    Attributes
    ----------
    classes_ : ndarray
        Sorted class labels.
    sequences_ : list of ndarray
        The training clips (k-NN keeps them all).
    """

    def __init__(self, n_neighbors: int = 1, gap: float = 0.5, similarity: str = "intersection",
                 normalize: bool = True) -> None:
        self.n_neighbors = n_neighbors
        self.gap = gap
        self.similarity = similarity
        self.normalize = normalize

    def fit(self, sequences: Sequence[np.ndarray], labels: Sequence[str]) -> "NWKNeighborsClassifier":
        """Store the training clips and their labels."""
        check_param(self, "n_neighbors", integer=True, low=1)
        check_param(self, "gap", low=0)
        check_param(self, "similarity", choices=("intersection", "cosine"))
        check_param(self, "normalize", boolean=True)
        sequences = _as_sequences(sequences)
        self.classes_, self.y_ = _check_labels(sequences, labels)
        self.n_features_in_ = sequences[0].shape[1]
        self.sequences_ = sequences
        self.self_scores_ = self_alignment_scores(sequences, self.gap, self.similarity)
        return self

    def similarities(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Similarity of every clip with every training clip, shape (n_clips, n_training_clips)."""
        check_is_fitted(self, "sequences_")
        sequences = _as_sequences(sequences)
        _check_width(self, sequences)
        scores = alignment_scores(sequences, self.sequences_, gap=self.gap, similarity=self.similarity)
        if self.normalize:
            own = self_alignment_scores(sequences, self.gap, self.similarity)
            scores = normalize_scores(scores, own, self.self_scores_)
        return scores

    def predict_proba(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Share of the k nearest training clips in each class.

        Ties in the vote go to the class whose neighbours are most similar in total, so ``k = 2``
        is not a coin toss.
        """
        scores = self.similarities(sequences)
        k = min(int(self.n_neighbors), scores.shape[1])
        # Stable sort of negated scores: among equal scores the earlier training clip wins.
        nearest = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        votes = np.zeros((len(scores), len(self.classes_)), dtype=np.float64)
        strength = np.zeros_like(votes)
        rows = np.arange(len(scores))[:, None]
        np.add.at(votes, (rows, self.y_[nearest]), 1.0)
        np.add.at(strength, (rows, self.y_[nearest]), scores[rows, nearest])
        # A tie-break smaller than one vote: the similarity sum, squashed into (0, 0.5).
        tie_break = 0.5 / (1.0 + np.exp(-strength))
        ranked = votes + np.where(votes > 0, tie_break, 0.0)
        proba = votes / k
        winners = np.argmax(ranked, axis=1)
        # Make argmax(proba) agree with the tie-broken winner without changing the vote shares much.
        proba[np.arange(len(proba)), winners] += 1e-9
        return proba / proba.sum(axis=1, keepdims=True)


class NWStringKernelSVC(_ClipClassifier):
    """SVM with a string kernel from Needleman-Wunsch alignment scores (Ballan et al., 2009).

    The kernel of two clips is their normalised alignment score (see
    :func:`~soccer_lstm.models.alignment.normalize_scores`). Alignment scores do not make a
    positive semi-definite Gram matrix in general, so the training Gram matrix ``K`` is repaired by
    clipping its negative eigenvalues: with ``K = V diag(l) V^T`` and ``P = V diag(l > 0) V^T``,
    the SVM trains on ``K P = V diag(max(l, 0)) V^T`` and every test row ``k`` becomes ``k P``, the
    same linear map, so training and test kernels stay consistent.

    Parameters
    ----------
    C : float
        SVM regularisation.
    gap : float
        Alignment gap penalty.
    similarity : {"intersection", "cosine"}
        Match score of two frames.
    psd : bool
        Clip negative eigenvalues (True) or use the raw kernel (False, for experiments).
    class_weight : {"balanced"} or None
        Passed to :class:`sklearn.svm.SVC`.
    random_state : int
        Seeds the SVC's probability calibration.

    Attributes
    ----------
    classes_ : ndarray
        Sorted class labels.
    projection_ : ndarray (n_train, n_train)
        ``P`` above (identity when ``psd`` is False).
    clipped_eigenvalues_ : int
        How many negative eigenvalues were clipped.
    svc_ : sklearn.svm.SVC
    """

    def __init__(self, C: float = 10.0, gap: float = 0.5, similarity: str = "intersection",
                 psd: bool = True, class_weight: str | None = None, random_state: int = 0) -> None:
        self.C = C
        self.gap = gap
        self.similarity = similarity
        self.psd = psd
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, sequences: Sequence[np.ndarray], labels: Sequence[str]) -> "NWStringKernelSVC":
        """Align every pair of training clips, repair the Gram matrix and fit the SVM."""
        from sklearn.svm import SVC

        check_param(self, "C", low=0, low_open=True)
        check_param(self, "gap", low=0)
        check_param(self, "similarity", choices=("intersection", "cosine"))
        check_param(self, "psd", boolean=True)
        check_param(self, "class_weight", choices=(None, "balanced"))
        check_param(self, "random_state", integer=True)
        sequences = _as_sequences(sequences)
        self.classes_, y = _check_labels(sequences, labels)
        self.n_features_in_ = sequences[0].shape[1]
        self.sequences_ = sequences
        scores = alignment_scores(sequences, gap=self.gap, similarity=self.similarity)
        self.self_scores_ = np.diag(scores).copy()
        gram = normalize_scores(scores, self.self_scores_, self.self_scores_)
        gram = 0.5 * (gram + gram.T)
        if self.psd:
            eigenvalues, vectors = np.linalg.eigh(gram)
            keep = eigenvalues > 0
            self.clipped_eigenvalues_ = int((~keep).sum())
            self.projection_ = (vectors[:, keep] @ vectors[:, keep].T)
            gram = (vectors[:, keep] * eigenvalues[keep]) @ vectors[:, keep].T
            gram = 0.5 * (gram + gram.T)
        else:
            self.clipped_eigenvalues_ = 0
            self.projection_ = np.eye(len(sequences))
        self.train_gram_ = gram
        self.svc_ = SVC(C=self.C, kernel="precomputed", class_weight=self.class_weight,
                        random_state=self.random_state).fit(gram, y)
        return self

    def kernel(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Kernel rows of clips against the training clips, through the same PSD repair."""
        check_is_fitted(self, "svc_")
        sequences = _as_sequences(sequences)
        _check_width(self, sequences)
        scores = alignment_scores(sequences, self.sequences_, gap=self.gap, similarity=self.similarity)
        own = self_alignment_scores(sequences, self.gap, self.similarity)
        return normalize_scores(scores, own, self.self_scores_) @ self.projection_

    def decision_function(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """The SVC's one-vs-rest decision values, one column per class (one column for two classes)."""
        return self.svc_.decision_function(self.kernel(sequences))

    def predict_proba(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Softmax of the one-vs-rest decision values: a ranking, not a calibrated probability."""
        return _decision_to_proba(self.decision_function(sequences), len(self.classes_))


def check_segments(segments: Any) -> int:
    """``segments`` as an int, or ValueError when it is not a whole number >= 1."""
    if isinstance(segments, bool) or not isinstance(segments, (int, np.integer)) or segments < 1:
        raise ValueError(f"segments must be a whole number >= 1, got {segments!r}")
    return int(segments)


class ClipHistogramChi2SVC(_ClipClassifier):
    """One histogram per clip (the mean of its frames' histograms) and a chi2-kernel SVM.

    What a quick peer would do: with ``segments=1`` it ignores frame order entirely. With
    ``segments=n`` the clip is cut into ``n`` consecutive parts of (nearly) equal length, each part
    gets its own mean histogram and the concatenation (each part weighing ``1/n``) is the clip's
    histogram: coarse order (what comes first, what comes last) without any sequence model.

    Parameters
    ----------
    C : float
        SVM regularisation.
    gamma : float or None
        chi2 kernel ``exp(-gamma * sum((x - y)^2 / (x + y)))``; None sets it to one over the mean
        chi2 distance between training clips.
    class_weight : {"balanced"} or None
    random_state : int
        Seeds the SVC.
    segments : int
        Consecutive time segments per clip (1: one histogram for the whole clip).

    Attributes
    ----------
    classes_ : ndarray
        Sorted class labels.
    gamma_ : float
        The gamma used.
    histograms_ : ndarray (n_train, segments * D)
    svc_ : sklearn.svm.SVC
    """

    def __init__(self, C: float = 10.0, gamma: float | None = None, class_weight: str | None = None,
                 random_state: int = 0, segments: int = 1) -> None:
        self.C = C
        self.gamma = gamma
        self.class_weight = class_weight
        self.random_state = random_state
        self.segments = segments

    @staticmethod
    def clip_histograms(sequences: Sequence[np.ndarray], segments: int = 1) -> np.ndarray:
        """Each clip's histogram, ``(n, segments * D)``.

        Per segment: the mean of its frames' histograms, L1-normalised again and divided by
        ``segments``, so a clip's vector sums to one. A segment without frames (an empty clip, or a
        clip shorter than ``segments``) is all zeros, and the vector then sums to less.
        """
        sequences = _as_sequences(sequences)
        if any((s < 0).any() for s in sequences):
            raise ValueError("the chi2 kernel needs non-negative features (bag-of-words histograms)")
        segments = check_segments(segments)
        width = sequences[0].shape[1]
        parts = [np.array_split(s, segments) for s in sequences]
        means = np.stack([[p.mean(axis=0) if len(p) else np.zeros(width) for p in clip] for clip in parts])
        totals = means.sum(axis=2, keepdims=True)
        means = np.divide(means, totals * segments, out=np.zeros_like(means, np.float64), where=totals > 0)
        return means.reshape(len(sequences), -1)

    def fit(self, sequences: Sequence[np.ndarray], labels: Sequence[str]) -> "ClipHistogramChi2SVC":
        """Average each clip and fit the SVM on the chi2 Gram matrix."""
        from sklearn.metrics.pairwise import additive_chi2_kernel, chi2_kernel
        from sklearn.svm import SVC

        check_param(self, "C", low=0, low_open=True)
        if self.gamma is not None:
            check_param(self, "gamma", low=0, low_open=True)
        check_param(self, "class_weight", choices=(None, "balanced"))
        check_param(self, "random_state", integer=True)
        check_segments(self.segments)
        sequences = _as_sequences(sequences)
        self.classes_, y = _check_labels(sequences, labels)
        self.n_features_in_ = sequences[0].shape[1]
        self.histograms_ = self.clip_histograms(sequences, self.segments)
        if self.gamma is None:
            distances = -additive_chi2_kernel(self.histograms_)
            off_diagonal = distances[~np.eye(len(distances), dtype=bool)]
            mean = float(off_diagonal.mean()) if off_diagonal.size else 0.0
            self.gamma_ = 1.0 / mean if mean > 0 else 1.0
        else:
            self.gamma_ = float(self.gamma)
        gram = chi2_kernel(self.histograms_, gamma=self.gamma_)
        self.svc_ = SVC(C=self.C, kernel="precomputed", class_weight=self.class_weight,
                        random_state=self.random_state).fit(gram, y)
        return self

    def decision_function(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """The SVC's decision values on the chi2 kernel rows."""
        from sklearn.metrics.pairwise import chi2_kernel

        check_is_fitted(self, "svc_")
        sequences = _as_sequences(sequences)
        _check_width(self, sequences)
        rows = chi2_kernel(self.clip_histograms(sequences, self.segments), self.histograms_, gamma=self.gamma_)
        return self.svc_.decision_function(rows)

    def predict_proba(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Softmax of the decision values: a ranking, not a calibrated probability."""
        return _decision_to_proba(self.decision_function(sequences), len(self.classes_))


class FrameLinearSVCVote(_ClipClassifier):
    """A linear SVM on every frame (standardised features), then a majority vote per clip.

    Every frame inherits its clip's label. Ties in the vote go to the class with the larger summed
    decision value; a clip without frames gets the most frequent training class.

    Parameters
    ----------
    C : float
        LinearSVC regularisation.
    class_weight : {"balanced"} or None
    max_iter : int
        LinearSVC iterations.
    random_state : int
        Seeds LinearSVC's coordinate descent.

    Attributes
    ----------
    classes_ : ndarray
        Sorted class labels.
    model_ : sklearn.pipeline.Pipeline
        StandardScaler followed by LinearSVC, fitted on the training frames.
    prior_ : int
        Index of the most frequent training class.
    """

    def __init__(self, C: float = 0.1, class_weight: str | None = None, max_iter: int = 5000,
                 random_state: int = 0) -> None:
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, sequences: Sequence[np.ndarray], labels: Sequence[str]) -> "FrameLinearSVCVote":
        """Fit the frame classifier on every frame of every training clip."""
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import LinearSVC

        check_param(self, "C", low=0, low_open=True)
        check_param(self, "class_weight", choices=(None, "balanced"))
        check_param(self, "max_iter", integer=True, low=1)
        check_param(self, "random_state", integer=True)
        sequences = _as_sequences(sequences)
        self.classes_, y = _check_labels(sequences, labels)
        self.n_features_in_ = sequences[0].shape[1]
        frames = np.concatenate(sequences)
        frame_labels = np.repeat(y, [len(s) for s in sequences])
        if len(np.unique(frame_labels)) < 2:
            raise ValueError("the training frames cover fewer than two classes")
        self.prior_ = int(np.bincount(y).argmax())
        self.model_ = make_pipeline(StandardScaler(),
                                    LinearSVC(C=self.C, class_weight=self.class_weight,
                                              max_iter=self.max_iter, random_state=self.random_state))
        self.model_.fit(frames, frame_labels)
        # The frame model may have seen fewer classes than the clips (a class with empty clips).
        self.frame_classes_ = self.model_.classes_
        return self

    def predict_proba(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Share of each clip's frames voting for each class (ties nudged by decision values)."""
        check_is_fitted(self, "model_")
        sequences = _as_sequences(sequences)
        _check_width(self, sequences)
        n_classes = len(self.classes_)
        proba = np.zeros((len(sequences), n_classes), dtype=np.float64)
        lengths = np.array([len(s) for s in sequences])
        if lengths.sum():
            frames = np.concatenate(sequences)
            decision = self.model_.decision_function(frames)
            if decision.ndim == 1:
                decision = np.stack([-decision, decision], axis=1)
            votes = self.frame_classes_[np.argmax(decision, axis=1)]
            clip_of_frame = np.repeat(np.arange(len(sequences)), lengths)
            np.add.at(proba, (clip_of_frame, votes), 1.0)
            summed = np.zeros_like(proba)
            np.add.at(summed, (clip_of_frame[:, None], self.frame_classes_[None, :]), decision)
            winners = np.argmax(proba + 1e-6 * _squash(summed) * (proba == proba.max(axis=1, keepdims=True)),
                                axis=1)
            proba[np.arange(len(proba)), winners] += 1e-9
        empty = lengths == 0
        proba[empty, self.prior_] = 1.0
        return proba / proba.sum(axis=1, keepdims=True)


class ClipStatsLogistic(_ClipClassifier):
    """Logistic regression on each clip's mean and standard deviation of its per-frame vectors.

    Order-free, like the chi2 SVM, but on the same per-frame vectors the LSTM reads (any feature
    kinds): what the LSTM is worth is what it adds over this. The clip statistics are
    standardised with the training clips' before the regression.

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength of the logistic regression.
    max_iter : int
        Solver iterations.
    random_state : int
        Passed to the logistic regression (its lbfgs solver is deterministic).

    Attributes
    ----------
    classes_ : ndarray
        Sorted class labels.
    model_ : sklearn.pipeline.Pipeline
        StandardScaler followed by LogisticRegression, fitted on the training clips' statistics.
    """

    # The LSTM's own standardised inputs: the comparison is on the same vectors.
    input_scaling = "all"

    def __init__(self, C: float = 0.1, max_iter: int = 2000, random_state: int = 0) -> None:
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state

    @staticmethod
    def clip_statistics(sequences: list[np.ndarray]) -> np.ndarray:
        """``[mean, std]`` over the frames of each clip (zeros for a clip without frames)."""
        width = sequences[0].shape[1]
        return np.array([np.concatenate([s.mean(axis=0), s.std(axis=0)]) if len(s) else np.zeros(2 * width)
                         for s in sequences])

    def fit(self, sequences: Sequence[np.ndarray], labels: Sequence[str]) -> "ClipStatsLogistic":
        """Fit the regression on the training clips' statistics."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        check_param(self, "C", low=0, low_open=True)
        check_param(self, "max_iter", integer=True, low=1)
        check_param(self, "random_state", integer=True)
        sequences = _as_sequences(sequences)
        self.classes_, y = _check_labels(sequences, labels)
        self.n_features_in_ = sequences[0].shape[1]
        self.model_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=self.max_iter,
                                                                          random_state=self.random_state))
        self.model_.fit(self.clip_statistics(sequences), y)
        return self

    def predict_proba(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Class probabilities of every clip, one column per entry of ``classes_``."""
        check_is_fitted(self, "model_")
        sequences = _as_sequences(sequences)
        _check_width(self, sequences)
        return self.model_.predict_proba(self.clip_statistics(sequences))


def _squash(values: np.ndarray) -> np.ndarray:
    """Map to (0, 1) monotonically; used for tie-breaks smaller than one vote."""
    return 1.0 / (1.0 + np.exp(-np.clip(values, -50, 50)))


def _decision_to_proba(decision: np.ndarray, n_classes: int) -> np.ndarray:
    """Softmax over decision values; a binary SVC's single column becomes two."""
    decision = np.asarray(decision, dtype=np.float64)
    if n_classes == 2 and decision.ndim == 1:
        decision = np.stack([-decision, decision], axis=1)
    shifted = decision - decision.max(axis=1, keepdims=True)
    weights = np.exp(shifted)
    return weights / weights.sum(axis=1, keepdims=True)


BASELINES = {
    "nw_knn": NWKNeighborsClassifier,
    "nw_svm": NWStringKernelSVC,
    "chi2_svm": ClipHistogramChi2SVC,
    "frame_svm_vote": FrameLinearSVCVote,
    "clip_logistic": ClipStatsLogistic,
}


def make_baseline(name: str, **params: object) -> _ClipClassifier:
    """Build a baseline classifier by its short name (see :data:`BASELINES`).

    Raises
    ------
    ValueError
        If the name is unknown.
    """
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; known: {', '.join(BASELINES)}")
    return BASELINES[name](**params)
