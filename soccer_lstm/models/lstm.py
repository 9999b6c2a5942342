"""The paper's classifier: one LSTM layer, a softmax at every timestep, one label per clip.

:class:`LSTMClassifier` speaks the estimator interface shared by all classifiers of the project:
``fit(sequences, labels)``, ``predict``, ``predict_proba`` over lists of ``(T, D)`` arrays.
Padded timesteps are masked explicitly (a boolean mask input), never by a magic value: an empty
frame is an all-zero histogram and must stay a real timestep.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from soccer_lstm.config import TrainConfig
from soccer_lstm.errors import ArtifactError
from soccer_lstm.models import training
from soccer_lstm.models.aggregate import aggregate
from soccer_lstm.models.clips import as_sequences as _as_sequences
from soccer_lstm.models.network import build_lstm, make_optimizer, pad_sequences

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# oneDNN kernels make results depend on the machine's instruction set and print log noise;
# the stock Eigen kernels are as fast for a 150-cell LSTM and repeat bit for bit.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# Cross-validation predicts on sequences of a new length in every fold; TensorFlow's retracing
# warning about that is noise for a user.
logging.getLogger("tensorflow").setLevel(logging.ERROR)
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def _split_validation(labels: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train/validation index split; no validation when a class is too small."""
    index = np.arange(len(labels))
    _, counts = np.unique(labels, return_counts=True)
    n_val = int(round(share * len(labels)))
    if share <= 0 or counts.min() < 2 or n_val < len(counts):
        return index, index[:0]
    from sklearn.model_selection import train_test_split

    train, val = train_test_split(index, test_size=n_val, stratify=labels, random_state=seed)
    return np.sort(train), np.sort(val)


# TrainConfig fields that are parameters of the classifier under the same name; ``seed`` becomes
# ``random_state`` (scikit-learn's name) and ``scale`` belongs to the scaler, not the model.
MODEL_PARAMS = tuple(name for name in TrainConfig.__dataclass_fields__ if name not in ("seed", "scale"))


class LSTMClassifier(ClassifierMixin, BaseEstimator):
    """LSTM over per-frame vectors with a per-frame softmax and a clip-level aggregation.

    A scikit-learn classifier whose samples are clips: ``X`` is a list of ``(T, D)`` arrays (one row
    per frame, lengths may differ), ``y`` holds labels of any sortable type.

    Parameters
    ----------
    units, optimizer, learning_rate, batch_size, epochs, patience, validation_split, dropout, \
aggregation, max_steps, ensemble, fusion, mirror
        As documented on :class:`~soccer_lstm.config.TrainConfig` (same names, same defaults).
    layout : dict of str to [start, stop], optional
        Which columns hold which feature kind (see :func:`soccer_lstm.features.layout.feature_layout`).
        Late and joint fusion and the mirrored training copies need it; without it the whole vector
        is one kind and nothing is mirrored.
    random_state : int
        Seeds weight initialisation, shuffling and the validation split (``--seed``).
    verbose : int
        0 (the default): ``fit`` writes nothing, unless the command line turned progress on;
        1 or more: epoch progress (losses, validation clip accuracy) on stderr.

    Attributes
    ----------
    classes_ : ndarray
        Sorted class labels.
    model_ : keras.Model
        The trained network (best weights restored by early stopping).
    history_ : dict of str to list of float
        Per-epoch training loss, validation loss and validation clip accuracy.
    epochs_run_, best_epoch_ : int
    n_features_in_ : int
        Columns of the per-frame vectors it was fit on.
    """

    def __init__(self, units: int = TrainConfig.units, optimizer: str = TrainConfig.optimizer,
                 learning_rate: float = TrainConfig.learning_rate, batch_size: int = TrainConfig.batch_size,
                 epochs: int = TrainConfig.epochs, patience: int = TrainConfig.patience,
                 validation_split: float = TrainConfig.validation_split, dropout: float = TrainConfig.dropout,
                 aggregation: str = TrainConfig.aggregation, max_steps: int = TrainConfig.max_steps,
                 ensemble: int = TrainConfig.ensemble, fusion: str = TrainConfig.fusion,
                 mirror: bool = TrainConfig.mirror, layout: dict[str, list[int]] | None = None,
                 random_state: int = TrainConfig.seed, verbose: int = 0) -> None:
        self.units = units
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.patience = patience
        self.validation_split = validation_split
        self.dropout = dropout
        self.aggregation = aggregation
        self.max_steps = max_steps
        self.ensemble = ensemble
        self.fusion = fusion
        self.mirror = mirror
        self.layout = layout
        self.random_state = random_state
        self.verbose = verbose

    @classmethod
    def from_config(cls, config: TrainConfig, layout: dict[str, list[int]] | None = None,
                    verbose: int = 0) -> "LSTMClassifier":
        """The classifier of a :class:`~soccer_lstm.config.TrainConfig` (its ``seed`` is ``random_state``)."""
        return cls(**{name: getattr(config, name) for name in MODEL_PARAMS}, layout=layout,
                   random_state=config.seed, verbose=verbose)

    def _validate_params(self) -> None:
        """Check every parameter (a misspelt ``fusion`` fails here, it never falls back).

        Raises
        ------
        OptionError
            A ValueError naming the parameter.
        """
        from soccer_lstm.config import OptionError, check_field

        for name in MODEL_PARAMS:
            check_field(TrainConfig.__dataclass_fields__[name], getattr(self, name), spelling="key")
        check_field(TrainConfig.__dataclass_fields__["seed"], self.random_state, spelling="key")
        if self.layout is not None:
            try:
                ranges = [(int(a), int(b)) for a, b in dict(self.layout).values()]
            except (TypeError, ValueError):
                ranges = None
            if not ranges or any(not 0 <= a < b for a, b in ranges):
                raise OptionError(f"layout must map each feature kind to [start, stop] columns, got {self.layout!r}")

    def _groups(self) -> list[tuple[int, int]] | None:
        if self.fusion in ("late", "joint") and self.layout and len(self.layout) > 1:
            return sorted(tuple(v) for v in self.layout.values())
        return None

    def _mirror(self) -> tuple[np.ndarray, np.ndarray] | None:
        """How a left-right mirror changes a frame vector (``vector[source] * sign``), or None."""
        from soccer_lstm.features.layout import layout_mirror

        return layout_mirror(self.layout) if self.mirror else None

    def _mirror_columns(self) -> list[int]:
        """The columns negated in the mirrored training copies: the motion columns a left-right flip negates."""
        mirror = self._mirror()
        return [int(c) for c in np.flatnonzero(mirror[1] < 0)] if mirror else []

    def _inputs(self, x: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
        groups = self._groups()
        parts = [x[:, :, a:b] for a, b in groups] if groups else [x]
        return (*parts, mask)

    def fit(self, sequences: Sequence[np.ndarray], labels: Sequence[Any]) -> "LSTMClassifier":
        """Train on clips (each ``(T, D)``) with their labels; early-stops on a validation part.

        Parameters
        ----------
        sequences : list of ndarray (T, D)
        labels : array-like of shape (n_clips,)
            Any sortable labels (strings, integers).

        Returns
        -------
        self
        """
        import keras

        self._validate_params()
        sequences = _as_sequences(sequences)
        labels = np.asarray(labels)
        if len(labels) != len(sequences):
            raise ValueError(f"{len(sequences)} sequences but {len(labels)} labels")
        keras.utils.set_random_seed(self.random_state)
        self.classes_, y = np.unique(labels, return_inverse=True)
        self.n_features_in_ = sequences[0].shape[1]
        x, mask = pad_sequences(sequences, self.max_steps)
        # Each clip weighs the same whatever its length; padded steps weigh nothing.
        weights = mask / mask.sum(axis=1, keepdims=True).clip(min=1)
        y_steps = np.repeat(y[:, None], x.shape[1], axis=1)
        train, val = _split_validation(y, self.validation_split, self.random_state)
        mirror = self._mirror()
        if mirror is not None:
            # Left-right mirrored copies of the training clips (after the validation split, so no
            # clip's twin is held out): an action looks the same towards either goal, the camera's
            # horizontal motion only changes sign and the local histograms swap grid columns and
            # reflect their orientations. Exact for those columns (motion ones are uncentred, swapped
            # ones share their scaling); visual words are left as they are.
            source, sign = mirror
            mirrored = x[train][:, :, source] * sign
            x = np.concatenate([x, mirrored])
            mask, weights, y_steps = (np.concatenate([a, a[train]]) for a in (mask, weights, y_steps))
            train = np.concatenate([train, np.arange(len(labels), len(x))])
        groups = self._groups()
        widths = [b - a for a, b in groups] if groups else x.shape[2]
        joint = self.fusion == "joint"
        self.model_ = build_lstm(widths, len(self.classes_), self.units, self.dropout, self.random_state, self.ensemble,
                                 joint=joint)
        inputs = self._inputs(x, mask)
        optimizer, batch_size = make_optimizer(self.optimizer, self.learning_rate, self.batch_size)
        validation = (tuple(a[val] for a in inputs), y_steps[val], weights[val]) if len(val) else None
        from soccer_lstm.progress import EpochProgress

        progress = EpochProgress(self.epochs, desc="train", verbose=self.verbose)

        def report(epoch: int, logs: dict[str, float], val_probabilities: np.ndarray | None) -> None:
            if val_probabilities is not None:
                logs["val_accuracy"] = training.clip_accuracy(val_probabilities, validation[0][-1], y[val],
                                                              self.aggregation)
            progress.update(epoch + 1, logs)

        # One loss per output of the network (members, late fusion's per-kind softmaxes), summed.
        # Keras' own bars are never shown (escape codes, one bar per epoch); the progress above is.
        try:
            self.history_ = training.train_model(
                self.model_, optimizer, tuple(a[train] for a in inputs), y_steps[train], weights[train], validation,
                epochs=self.epochs, batch_size=batch_size, patience=self.patience, seed=self.random_state,
                on_epoch=report)
        finally:
            progress.close()
        self.epochs_run_ = len(self.history_.get("loss", []))
        watched = self.history_.get("val_loss" if validation is not None else "loss") or [0.0]
        self.best_epoch_ = int(np.argmin(watched)) + 1  # the weights early stopping restored
        return self

    def best_summary(self) -> str:
        """One line: the best epoch (the one whose weights were kept) and its validation figures."""
        best = getattr(self, "best_epoch_", 0)
        if not best:
            return f"{self.epochs_run_} epochs"
        logs = {k: v[best - 1] for k, v in self.history_.items() if len(v) >= best}
        from soccer_lstm.progress import EpochProgress

        return f"best epoch {best} of {self.epochs_run_} ({EpochProgress.figures(logs)})"

    def _check_fitted(self) -> None:
        check_is_fitted(self, "model_")

    def predict_steps(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Per-timestep class probabilities ``(T, C)`` for each clip (padding removed)."""
        self._check_fitted()
        sequences = _as_sequences(sequences)
        if sequences[0].shape[1] != self.n_features_in_:
            raise ValueError(f"sequences have {sequences[0].shape[1]} features per frame; "
                             f"the classifier was fitted with {self.n_features_in_}")
        x, mask = pad_sequences(sequences, self.max_steps)
        probabilities = training.forward(self.model_, self._inputs(x, mask))  # members averaged
        return [probabilities[i, mask[i]] if mask[i].any() else probabilities[i, :1] for i in range(len(x))]

    def predict_proba(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Clip-level class scores after aggregation, ``(n, C)`` in the order of ``classes_``."""
        return np.array([aggregate(p, self.aggregation) for p in self.predict_steps(sequences)])

    def predict(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Clip labels."""
        self._check_fitted()
        return self.classes_[self.predict_proba(sequences).argmax(axis=1)]

    def save(self, folder: str | Path, extra: dict[str, Any] | None = None) -> None:
        """Write ``model.keras`` and ``lstm.json`` (classes, config, training history) atomically."""
        from soccer_lstm.artifacts import atomic_write, write_json

        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / ".model.tmp.keras"
        self.model_.save(tmp)
        with open(tmp, "rb") as handle, atomic_write(folder / "model.keras") as out:
            out.write(handle.read())
        tmp.unlink()
        params = {k: v for k, v in self.get_params().items() if k != "verbose"}
        write_json(folder / "lstm.json", {"classes": self.classes_.tolist(), "params": params,
                                          "n_features_in": self.n_features_in_, "epochs_run": self.epochs_run_,
                                          "history": self.history_, "best_epoch": self.best_epoch_,
                                          **(extra or {})})

    @classmethod
    def load(cls, folder: str | Path) -> "LSTMClassifier":
        """Load a saved classifier with Keras' safe mode (no arbitrary code from the file)."""
        import keras

        from soccer_lstm.artifacts import read_json

        folder = Path(folder)
        info = read_json(folder / "lstm.json")
        if not isinstance(info, dict) or not isinstance(info.get("params"), dict):
            raise ArtifactError(f"{folder / 'lstm.json'}: written by an older version of soccer-lstm; re-run train")
        try:
            classifier = cls(**info["params"])
            classifier._validate_params()
            model = keras.models.load_model(folder / "model.keras", safe_mode=True, compile=False)
        except Exception as exc:  # Keras raises many types for a damaged or foreign file
            raise ArtifactError(f"{folder / 'model.keras'}: not a loadable soccer-lstm model ({exc})".splitlines()[0]) from None
        classifier.model_ = model
        classifier.classes_ = np.array(info["classes"])
        classifier.n_features_in_ = int(info.get("n_features_in") or _input_width(model))
        classifier.epochs_run_ = info.get("epochs_run", 0)
        classifier.best_epoch_ = info.get("best_epoch", 0)
        classifier.history_ = info.get("history", {})
        return classifier


def _input_width(model: Any) -> int:
    """Columns of the per-frame vector a Keras model of :func:`build_lstm` takes (all its frame inputs)."""
    return int(sum(tensor.shape[-1] for tensor in model.inputs[:-1]))
