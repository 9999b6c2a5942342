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
from sklearn.utils.validation import check_is_fitted

from soccer_lstm.models.sequences import (ClipClassifier, as_sequences, check_labels, check_param, check_width,
                                      decision_to_proba, squash)
from soccer_lstm.models.nw import NWKNeighborsClassifier, NWStringKernelSVC

__all__ = ["NWKNeighborsClassifier", "NWStringKernelSVC", "ClipHistogramChi2SVC", "FrameLinearSVCVote",
           "ClipStatsLogistic", "BASELINES", "make_baseline"]


def check_segments(segments: Any) -> int:
    """``segments`` as an int, or ValueError when it is not a whole number >= 1."""
    if isinstance(segments, bool) or not isinstance(segments, (int, np.integer)) or segments < 1:
        raise ValueError(f"segments must be a whole number >= 1, got {segments!r}")
    return int(segments)


class ClipHistogramChi2SVC(ClipClassifier):
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
        sequences = as_sequences(sequences)
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
        sequences = as_sequences(sequences)
        self.classes_, y = check_labels(sequences, labels)
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
        sequences = as_sequences(sequences)
        check_width(self, sequences)
        rows = chi2_kernel(self.clip_histograms(sequences, self.segments), self.histograms_, gamma=self.gamma_)
        return self.svc_.decision_function(rows)

    def predict_proba(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Softmax of the decision values: a ranking, not a calibrated probability."""
        return decision_to_proba(self.decision_function(sequences), len(self.classes_))


class FrameLinearSVCVote(ClipClassifier):
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
        sequences = as_sequences(sequences)
        self.classes_, y = check_labels(sequences, labels)
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
        sequences = as_sequences(sequences)
        check_width(self, sequences)
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
            winners = np.argmax(proba + 1e-6 * squash(summed) * (proba == proba.max(axis=1, keepdims=True)),
                                axis=1)
            proba[np.arange(len(proba)), winners] += 1e-9
        empty = lengths == 0
        proba[empty, self.prior_] = 1.0
        return proba / proba.sum(axis=1, keepdims=True)


class ClipStatsLogistic(ClipClassifier):
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
        sequences = as_sequences(sequences)
        self.classes_, y = check_labels(sequences, labels)
        self.n_features_in_ = sequences[0].shape[1]
        self.model_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=self.max_iter,
                                                                          random_state=self.random_state))
        self.model_.fit(self.clip_statistics(sequences), y)
        return self

    def predict_proba(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Class probabilities of every clip, one column per entry of ``classes_``."""
        check_is_fitted(self, "model_")
        sequences = as_sequences(sequences)
        check_width(self, sequences)
        return self.model_.predict_proba(self.clip_statistics(sequences))


BASELINES = {
    "nw_knn": NWKNeighborsClassifier,
    "nw_svm": NWStringKernelSVC,
    "chi2_svm": ClipHistogramChi2SVC,
    "frame_svm_vote": FrameLinearSVCVote,
    "clip_logistic": ClipStatsLogistic,
}


def make_baseline(name: str, **params: object) -> ClipClassifier:
    """Build a baseline classifier by its short name (see :data:`BASELINES`).

    Raises
    ------
    ValueError
        If the name or a parameter is unknown.
    """
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; known: {', '.join(BASELINES)}")
    unknown = sorted(set(params) - set(BASELINES[name]().get_params()))
    if unknown:
        raise ValueError(f"{name} has no parameter(s) {', '.join(unknown)}")
    return BASELINES[name](**params)
