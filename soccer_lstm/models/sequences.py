"""What every clip classifier accepts as ``X``: a list of clips, each a ``(frames, features)`` array."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from soccer_lstm.models.forward import as_sequences  # noqa: F401  (NumPy only: the loaded LSTM validates with it too)


def check_param(estimator: object, name: str, *, choices: tuple | None = None, low: float | None = None,
                low_open: bool = False, integer: bool = False, boolean: bool = False) -> None:
    """Refuse a bad hyperparameter of ``estimator`` at ``fit`` time, as scikit-learn does.

    Raises
    ------
    ValueError
        Naming the estimator, the parameter, what it must be and what it is.
    """
    value = getattr(estimator, name)
    where = f"{type(estimator).__name__}: {name}"
    if choices is not None:
        if value not in choices:
            raise ValueError(f"{where} must be one of {', '.join(map(repr, choices))}, got {value!r}")
        return
    if boolean:
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{where} must be True or False, got {value!r}")
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer) if integer else (int, float, np.number)):
        raise ValueError(f"{where} must be a {'whole number' if integer else 'number'}, got {value!r}")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{where} must be {'greater than' if low_open else 'at least'} {low}, got {value!r}")


def check_labels(sequences: list[np.ndarray], labels: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted class labels (of the labels' own type: integers stay integers) and the class index of every clip."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(sequences):
        raise ValueError(f"{len(sequences)} sequences but {len(labels)} labels")
    classes, encoded = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"need at least two classes, got {len(classes)}")
    return classes, encoded


def check_width(estimator: BaseEstimator, sequences: list[np.ndarray]) -> None:
    if sequences[0].shape[1] != estimator.n_features_in_:
        raise ValueError(f"sequences have {sequences[0].shape[1]} features per frame; "
                         f"the classifier was fitted with {estimator.n_features_in_}")


class ClipClassifier(ClassifierMixin, BaseEstimator):
    """Shared ``predict``: the class with the highest ``predict_proba``, ties to the first class."""

    # These classifiers compare raw histograms (intersection, chi2): cross-validation must not
    # standardise their inputs.
    input_scaling = "none"

    def predict(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Class name of every clip."""
        check_is_fitted(self, "classes_")
        return self.classes_[np.argmax(self.predict_proba(sequences), axis=1)]


def squash(values: np.ndarray) -> np.ndarray:
    """Map to (0, 1) monotonically; used for tie-breaks smaller than one vote."""
    return 1.0 / (1.0 + np.exp(-np.clip(values, -50, 50)))


def decision_to_proba(decision: np.ndarray, n_classes: int) -> np.ndarray:
    """Softmax over decision values; a binary SVC's single column becomes two."""
    decision = np.asarray(decision, dtype=np.float64)
    if n_classes == 2 and decision.ndim == 1:
        decision = np.stack([-decision, decision], axis=1)
    shifted = decision - decision.max(axis=1, keepdims=True)
    weights = np.exp(shifted)
    return weights / weights.sum(axis=1, keepdims=True)
