"""Ballan et al.'s two rows: clips compared by Needleman-Wunsch alignment of their per-frame histograms."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.utils.validation import check_is_fitted

from soccer_lstm.models.alignment import alignment_scores, normalize_scores, self_alignment_scores
from soccer_lstm.models.sequences import ClipClassifier, as_sequences, check_labels, check_param, check_width, decision_to_proba


class NWKNeighborsClassifier(ClipClassifier):
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
        sequences = as_sequences(sequences)
        self.classes_, self.y_ = check_labels(sequences, labels)
        self.n_features_in_ = sequences[0].shape[1]
        self.sequences_ = sequences
        self.self_scores_ = self_alignment_scores(sequences, self.gap, self.similarity)
        return self

    def similarities(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Similarity of every clip with every training clip, shape (n_clips, n_training_clips)."""
        check_is_fitted(self, "sequences_")
        sequences = as_sequences(sequences)
        check_width(self, sequences)
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


class NWStringKernelSVC(ClipClassifier):
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
        sequences = as_sequences(sequences)
        self.classes_, y = check_labels(sequences, labels)
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
        sequences = as_sequences(sequences)
        check_width(self, sequences)
        scores = alignment_scores(sequences, self.sequences_, gap=self.gap, similarity=self.similarity)
        own = self_alignment_scores(sequences, self.gap, self.similarity)
        return normalize_scores(scores, own, self.self_scores_) @ self.projection_

    def decision_function(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """The SVC's one-vs-rest decision values, one column per class (one column for two classes)."""
        return self.svc_.decision_function(self.kernel(sequences))

    def predict_proba(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Softmax of the one-vs-rest decision values: a ranking, not a calibrated probability."""
        return decision_to_proba(self.decision_function(sequences), len(self.classes_))
