"""The paper's classifier: one LSTM layer, a softmax at every timestep, one label per clip.

:class:`LSTMClassifier` speaks the estimator interface shared by all classifiers of the project:
``fit(sequences, labels)``, ``predict``, ``predict_proba`` over lists of ``(T, D)`` arrays.
Padded timesteps are masked explicitly (a boolean mask input), never by a magic value: an empty
frame is an all-zero histogram and must stay a real timestep.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from soccer_lstm.config import TrainConfig
from soccer_lstm.errors import ArtifactError
from soccer_lstm.features.kinds import check_layout, layout_of, settings_of
from soccer_lstm.models import training
from soccer_lstm.models.aggregate import aggregate
from soccer_lstm.models.forward import (NETWORK_INFO, NETWORK_WEIGHTS, NumpyNetwork, as_sequences as _as_sequences,
                                        clip_steps, describe, fusion_groups, pad_sequences, reading_network_info)
from soccer_lstm.models.network import build_lstm, import_keras, make_optimizer

KERAS_MODEL = "model.keras"


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
# ``random_state`` (scikit-learn's name), ``scale`` belongs to the scaler and ``classifier`` names this class.
MODEL_PARAMS = tuple(name for name in TrainConfig.__dataclass_fields__ if name not in ("seed", "scale", "classifier"))


class LSTMClassifier(ClassifierMixin, BaseEstimator):
    """LSTM over per-frame vectors with a per-frame softmax and a clip-level aggregation.

    A scikit-learn classifier whose samples are clips: ``X`` is a list of ``(T, D)`` arrays (one row
    per frame, lengths may differ), ``y`` holds labels of any sortable type.

    Parameters
    ----------
    units, optimizer, learning_rate, batch_size, epochs, patience, validation_split, dropout, \
aggregation, max_steps, ensemble, fusion, mirror
        As documented on :class:`~soccer_lstm.config.TrainConfig` (same names, same defaults).
    random_state : int
        Seeds weight initialisation, shuffling and the validation split (``--seed``); only local
        generators are seeded (Python's, NumPy's and Keras' global ones are left as they were).
    verbose : int
        0 (the default): ``fit`` writes nothing, unless the command line turned progress on;
        1 or more: epoch progress (losses, validation clip accuracy) on stderr.

    Attributes
    ----------
    layout_ : dict of str to [start, stop] or None
        Which columns hold which feature kind, learnt in ``fit`` from the input
        (:class:`~soccer_lstm.features.kinds.FrameVectors` carry it). Late and joint fusion and the
        mirrored training copies need it; a plain list of arrays is one kind that nothing mirrors.
    classes_ : ndarray
        Sorted class labels.
    network_ : NumpyNetwork
        The trained network's weights (best weights restored by early stopping) as arrays; every
        prediction runs on it, in NumPy.
    model_ : keras.Model
        The trained Keras network; after :meth:`load`, read from ``model.keras`` when first asked
        for (importing TensorFlow then, not before).
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
                 mirror: bool = TrainConfig.mirror,
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
        self.random_state = random_state
        self.verbose = verbose

    @classmethod
    def from_config(cls, config: TrainConfig, verbose: int = 0) -> "LSTMClassifier":
        """The classifier of a :class:`~soccer_lstm.config.TrainConfig` (its ``seed`` is ``random_state``)."""
        return cls(**{name: getattr(config, name) for name in MODEL_PARAMS}, random_state=config.seed,
                   verbose=verbose)

    def _validate_params(self) -> None:
        """Check every parameter (a misspelt ``fusion`` fails here, it never falls back).

        Raises
        ------
        OptionError
            A ValueError naming the parameter.
        """
        from soccer_lstm.config import check_field

        for name in MODEL_PARAMS:
            check_field(TrainConfig.__dataclass_fields__[name], getattr(self, name), spelling="key")
        check_field(TrainConfig.__dataclass_fields__["seed"], self.random_state, spelling="key")

    def _groups(self) -> list[tuple[int, int]] | None:
        return fusion_groups(self.fusion, getattr(self, "layout_", None))

    def _mirror(self) -> tuple[np.ndarray, np.ndarray] | None:
        """How a left-right mirror changes a frame vector (``vector[source] * sign``), or None."""
        from soccer_lstm.features.kinds import layout_mirror

        return layout_mirror(getattr(self, "layout_", None), getattr(self, "kind_settings_", None)) if self.mirror else None

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
        self._validate_params()
        layout, self.kind_settings_ = layout_of(sequences), settings_of(sequences)
        sequences = _as_sequences(sequences)
        self.layout_ = check_layout(layout, sequences[0].shape[1])
        labels = np.asarray(labels)
        if len(labels) != len(sequences):
            raise ValueError(f"{len(sequences)} sequences but {len(labels)} labels")
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
        self.network_ = NumpyNetwork.from_keras(self.model_, self._describe(x.shape[2]))
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

    def _describe(self, n_features: int) -> dict[str, Any]:
        return describe(self._groups(), n_features, self.ensemble, self.fusion == "joint", self.units,
                        len(self.classes_))

    def _check_fitted(self) -> None:
        check_is_fitted(self, "network_")

    def __getattr__(self, name: str) -> Any:
        # A loaded classifier reads its Keras model only when asked for it: prediction never needs it.
        folder = self.__dict__.get("_keras_folder")
        if name == "model_" and folder is not None:
            self.__dict__["model_"] = _load_keras(folder)
            return self.__dict__["model_"]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def predict_steps(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Per-timestep class probabilities ``(T, C)`` for each clip (padding removed)."""
        self._check_fitted()
        return clip_steps(self.network_, sequences, self.n_features_in_, self.max_steps)

    def predict_proba(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Clip-level class scores after aggregation, ``(n, C)`` in the order of ``classes_``."""
        return np.array([aggregate(p, self.aggregation) for p in self.predict_steps(sequences)])

    def predict(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Clip labels."""
        self._check_fitted()
        return self.classes_[self.predict_proba(sequences).argmax(axis=1)]

    def save(self, folder: str | Path, extra: dict[str, Any] | None = None) -> None:
        """Write ``network.npz`` (the weights), ``model.keras`` (for Keras users) and ``lstm.json``, each atomically.

        ``lstm.json`` (classes, parameters, training history and the ``"network"`` description) is
        written last.
        """
        from soccer_lstm.artifacts import atomic_write, write_json

        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.network_.save(folder / NETWORK_WEIGHTS)
        tmp = folder / ".model.tmp.keras"
        self.model_.save(tmp)
        with open(tmp, "rb") as handle, atomic_write(folder / KERAS_MODEL) as out:
            out.write(handle.read())
        tmp.unlink()
        params = {k: v for k, v in self.get_params().items() if k != "verbose"}
        write_json(folder / NETWORK_INFO, {"classes": self.classes_.tolist(), "params": params,
                                          "n_features_in": self.n_features_in_, "epochs_run": self.epochs_run_,
                                          "history": self.history_, "best_epoch": self.best_epoch_,
                                          "layout": self.layout_, "network": self.network_.description,
                                          **(extra or {})})

    @classmethod
    def load(cls, folder: str | Path) -> "LSTMClassifier":
        """A saved classifier, from ``lstm.json`` and ``network.npz`` only: TensorFlow is not imported.

        Its ``model_`` (the Keras model) is read from ``model.keras``, in Keras' safe mode, when first
        asked for.

        Raises
        ------
        ArtifactError
            A file of the folder missing, damaged or written by an older version.
        """
        folder = Path(folder)
        with reading_network_info(folder) as info:
            classifier = cls(**info["params"])
            classifier.layout_ = check_layout(info.get("layout"), int(info["n_features_in"]))
            classifier._validate_params()
            classifier.classes_ = np.array(info["classes"])
            classifier.n_features_in_ = int(info["n_features_in"])
            if classifier._describe(classifier.n_features_in_) != info["network"]:
                raise ValueError("its network description does not match its parameters")
        classifier.network_ = NumpyNetwork.load(folder / NETWORK_WEIGHTS, info["network"])
        classifier.epochs_run_ = info.get("epochs_run", 0)
        classifier.best_epoch_ = info.get("best_epoch", 0)
        classifier.history_ = info.get("history", {})
        classifier._keras_folder = folder
        return classifier


def _load_keras(folder: Path) -> Any:
    """The Keras model of a saved classifier, loaded in safe mode (no arbitrary code from the file)."""
    keras = import_keras()
    try:
        return keras.models.load_model(folder / KERAS_MODEL, safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises many types for a damaged or foreign file
        raise ArtifactError(f"{folder / KERAS_MODEL}: not a loadable soccer-lstm model ({exc})".splitlines()[0]) from None
