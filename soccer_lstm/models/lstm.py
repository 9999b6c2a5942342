"""The paper's classifier: one LSTM layer, a softmax at every timestep, one label per clip.

:class:`LSTMClassifier` speaks the estimator interface shared by all classifiers of the project:
``fit(sequences, labels)``, ``predict``, ``predict_proba`` over lists of ``(T, D)`` arrays.
Padded timesteps are masked explicitly (a boolean mask input), never by a magic value: an empty
frame is an all-zero histogram and must stay a real timestep.
"""
from __future__ import annotations

import logging
import os
import weakref
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from sklearn.exceptions import NotFittedError

from soccer_lstm.config import TrainConfig
from soccer_lstm.errors import ArtifactError
from soccer_lstm.models.aggregate import aggregate

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# oneDNN kernels make results depend on the machine's instruction set and print log noise;
# the stock Eigen kernels are as fast for a 150-cell LSTM and repeat bit for bit.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# Cross-validation predicts on sequences of a new length in every fold; TensorFlow's retracing
# warning about that is noise for a user.
logging.getLogger("tensorflow").setLevel(logging.ERROR)
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def build_lstm(n_features: int | Sequence[int], n_classes: int, units: int = 150, dropout: float = 0.0,
               seed: int = 0, members: int = 1, joint: bool = False) -> Any:
    """The Keras model: inputs ``frames`` (batch, T, D) and ``mask`` (batch, T) -> (batch, T, C).

    ``n_features`` may list several input widths (one per feature kind), named ``frames_0``,
    ``frames_1``, ... Each input gets its own LSTM. Without ``joint`` (late fusion) each also gets
    its own softmax: separate outputs, trained apart and averaged at prediction time. With ``joint``, the
    per-kind scores (logits) are added under one softmax and trained together, so the model
    learns which kind to trust for which class. With ``members > 1`` everything is repeated with
    seeds ``seed``, ``seed+1``, ...: independent members sharing no weights, averaged at
    prediction time, all in a single model file.
    """
    import keras

    widths = [n_features] if isinstance(n_features, int) else list(n_features)
    inputs = [keras.Input(shape=(None, w), name="frames" if len(widths) == 1 else f"frames_{g}")
              for g, w in enumerate(widths)]
    mask = keras.Input(shape=(None,), dtype="bool", name="mask")
    joint = joint and len(widths) > 1
    outputs = []
    for m in range(members):
        logits = []
        for g, frames in enumerate(inputs):
            suffix = "".join(f"_{i}" for i, n in ((g, len(widths)), (m, members)) if n > 1)
            hidden = frames
            if dropout:
                hidden = keras.layers.Dropout(dropout, seed=seed + m, name=f"input_dropout{suffix}")(hidden)
            hidden = keras.layers.LSTM(units, return_sequences=True, seed=seed + m, name=f"lstm{suffix}")(hidden, mask=mask)
            if joint:
                logits.append(keras.layers.Dense(n_classes, name=f"per_frame_scores{suffix}")(hidden))
            else:
                outputs.append(keras.layers.Dense(n_classes, activation="softmax", name=f"per_frame_softmax{suffix}")(hidden))
        if joint:
            member = "" if members == 1 else f"_{m}"
            summed = keras.layers.Add(name=f"fused_scores{member}")(logits)
            outputs.append(keras.layers.Activation("softmax", name=f"per_frame_softmax{member}")(summed))
    return keras.Model(inputs=[*inputs, mask], outputs=outputs if len(outputs) > 1 else outputs[0], name="soccer_lstm")


def make_optimizer(config: TrainConfig) -> tuple[Any, int]:
    """The optimiser and batch size of a preset.

    ``paper``: SGD, learning rate 1e-4, momentum 0.9, one clip per update (online BPTT).
    ``adam``: Adam at ``config.learning_rate`` with mini-batches: reaches the same loss in a
    fraction of the epochs (see README).
    """
    import keras

    if config.optimizer == "paper":
        return keras.optimizers.SGD(learning_rate=1e-4, momentum=0.9), 1
    return keras.optimizers.Adam(learning_rate=config.learning_rate, clipnorm=1.0), config.batch_size


def pad_sequences(sequences: Sequence[np.ndarray], max_steps: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stack variable-length ``(T, D)`` sequences into ``(n, T_max, D)`` plus a boolean mask."""
    lengths = [len(s) if not max_steps else min(len(s), max_steps) for s in sequences]
    t_max = max(max(lengths), 1)
    dim = sequences[0].shape[1]
    x = np.zeros((len(sequences), t_max, dim), np.float32)
    mask = np.zeros((len(sequences), t_max), bool)
    for i, (seq, n) in enumerate(zip(sequences, lengths)):
        x[i, :n] = seq[:n]
        mask[i, :n] = True
    return x, mask


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


def _clip_accuracy(probabilities: np.ndarray, mask: np.ndarray, y: np.ndarray, aggregation: str) -> float:
    """Share of clips whose aggregated per-frame probabilities ``(n, T, C)`` give the right label."""
    scores = [aggregate(probabilities[i, mask[i]] if mask[i].any() else probabilities[i, :1], aggregation)
              for i in range(len(mask))]
    return float(np.mean(np.argmax(scores, axis=1) == y))


# One traced forward function per model (see ``forward``), dropped with the model.
_FORWARD: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()


def _input_specs(widths: Sequence[int]) -> list[Any]:
    import tensorflow as tf

    return [tf.TensorSpec((None, None, int(w)), tf.float32) for w in widths] + [tf.TensorSpec((None, None), tf.bool)]


def _batches(n: int, size: int, order: np.ndarray | None = None) -> list[np.ndarray]:
    order = np.arange(n) if order is None else order
    return [order[i:i + size] for i in range(0, n, size)]


def _trimmed(inputs: Sequence[np.ndarray], rows: np.ndarray) -> tuple[list[np.ndarray], int]:
    """The rows' inputs cut to their longest clip (trailing padding changes no valid step)."""
    mask = inputs[-1][rows]
    steps = max(int(mask.sum(axis=1).max()), 1)
    return [a[rows, :steps] for a in inputs], steps


def model_outputs(model: Any, inputs: Sequence[np.ndarray], batch_size: int = 64) -> list[np.ndarray]:
    """Per-frame class probabilities ``(n, T, C)`` of each of a model's outputs (members, per-kind softmaxes).

    The model's call is traced once for any batch size and clip length, so a cross-validation
    fold, a validation pass per epoch and ``predict`` share one graph. Padded steps are zeros.
    """
    import tensorflow as tf

    function = _FORWARD.get(model)
    if function is None:
        widths = [int(t.shape[-1]) for t in model.inputs[:-1]]
        function = tf.function(lambda *parts: model(list(parts), training=False), input_signature=_input_specs(widths))
        _FORWARD[model] = function
    n, t_max = inputs[-1].shape
    result: list[np.ndarray] = []
    for rows in _batches(n, batch_size):
        parts, steps = _trimmed(inputs, rows)
        outputs = function(*parts)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        if not result:
            result = [np.zeros((n, t_max, int(o.shape[-1])), np.float32) for o in outputs]
        for full, output in zip(result, outputs):
            full[rows, :steps] = output.numpy()
    return result


def forward(model: Any, inputs: Sequence[np.ndarray]) -> np.ndarray:
    """Per-frame class probabilities ``(n, T, C)``, a seed ensemble's or late fusion's outputs averaged."""
    return np.mean(model_outputs(model, inputs), axis=0)


def _weighted_loss(probabilities: Sequence[np.ndarray], y: np.ndarray, weights: np.ndarray, mask: np.ndarray) -> float:
    """Keras' masked, weighted cross-entropy (summed over outputs) in NumPy, for the validation part."""
    picked = [np.take_along_axis(p, y[..., None], axis=-1)[..., 0] for p in probabilities]
    losses = [-np.log(np.clip(p, 1e-7, 1.0)) for p in picked]
    return float(sum((loss * weights).sum() for loss in losses) / max(mask.sum(), 1))


def train_model(model: Any, optimizer: Any, x: Sequence[np.ndarray], y: np.ndarray, weights: np.ndarray,
                validation: tuple[Sequence[np.ndarray], np.ndarray, np.ndarray] | None, *, epochs: int,
                batch_size: int, patience: int, seed: int,
                on_epoch: Callable[[int, dict[str, float], np.ndarray | None], None] | None = None) -> dict[str, list[float]]:
    """Mini-batch training with early stopping; the best epoch's weights are kept.

    What ``keras.Model.fit`` with ``EarlyStopping(restore_best_weights=True)`` did here, at a
    fraction of its cost for these small models: one traced training step serves every batch
    (batch size and clip length vary; each batch is cut to its longest clip), validation reuses the
    traced forward pass instead of tracing evaluation and prediction functions of its own, and
    nothing runs per batch but the step. The loss is Keras' for a masked output: the weighted
    per-frame cross-entropy summed over the batch's steps (padded steps weigh nothing), divided by
    the number of real steps, summed over the model's outputs. ``x`` holds the model's inputs, the
    mask last; ``y`` and ``weights`` are ``(n, T)``. Early stopping watches the validation loss, or
    the training loss without validation; ``on_epoch(epoch, logs, validation_probabilities)`` may
    add to the epoch's figures. Returns the history: ``loss``, and ``val_loss`` plus whatever
    ``on_epoch`` added.
    """
    import keras
    import tensorflow as tf

    widths = [int(a.shape[2]) for a in x[:-1]]
    specs = _input_specs(widths)
    label_spec = tf.TensorSpec((None, None), tf.int32)
    weight_spec = tf.TensorSpec((None, None), tf.float32)
    optimizer.build(model.trainable_variables)

    @tf.function(input_signature=[tuple(specs), label_spec, weight_spec], reduce_retracing=True)
    def step(inputs: Any, labels: Any, sample_weight: Any) -> Any:
        real_steps = tf.maximum(tf.reduce_sum(tf.cast(inputs[-1], tf.float32)), 1.0)
        with tf.GradientTape() as tape:
            outputs = model(list(inputs), training=True)
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            loss = tf.add_n([tf.reduce_sum(keras.ops.sparse_categorical_crossentropy(labels, o) * sample_weight)
                             for o in outputs]) / real_steps
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    rng = np.random.default_rng(seed)
    y, weights = y.astype(np.int32), weights.astype(np.float32)
    history: dict[str, list[float]] = {}
    best, best_weights, waited = np.inf, None, 0
    for epoch in range(epochs):
        losses, sizes = [], []
        for rows in _batches(len(y), batch_size, rng.permutation(len(y))):
            parts, steps = _trimmed(x, rows)
            losses.append(float(step(tuple(parts), y[rows, :steps], weights[rows, :steps])))
            sizes.append(len(rows))
        logs = {"loss": float(np.average(losses, weights=sizes))}
        val_probabilities = None
        if validation is not None:
            val_x, val_y, val_w = validation
            outputs = model_outputs(model, val_x)
            logs["val_loss"] = _weighted_loss(outputs, val_y, val_w, val_x[-1])
            val_probabilities = np.mean(outputs, axis=0)
        if on_epoch is not None:
            on_epoch(epoch, logs, val_probabilities)
        for key, value in logs.items():
            history.setdefault(key, []).append(float(value))
        watched = logs["val_loss" if validation is not None else "loss"]
        if watched < best:
            best, best_weights, waited = watched, model.get_weights(), 0
        else:
            waited += 1
            if waited >= patience:
                break
    if best_weights is not None:
        model.set_weights(best_weights)
    return history


class LSTMClassifier:
    """LSTM over per-frame vectors with a per-frame softmax and a clip-level aggregation.

    Parameters are those of :class:`~soccer_lstm.config.TrainConfig`.
    """

    def __init__(self, units: int = 150, optimizer: str = "adam", learning_rate: float = 1e-3,
                 batch_size: int = 8, epochs: int = 150, patience: int = 20, validation_split: float = 0.2,
                 dropout: float = 0.2, aggregation: str = "mean", max_steps: int = 0, scale: str = "all",
                 ensemble: int = 1, fusion: str = "joint", mirror: bool = True, seed: int = 0,
                 verbose: int = 0) -> None:
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
        self.scale = scale  # applied by the pipeline's scaler; kept so the config round-trips
        self.ensemble = ensemble
        self.fusion = fusion
        self.mirror = mirror
        self.layout: dict[str, list[int]] | None = None
        self.seed = seed
        self.verbose = verbose

    @classmethod
    def from_config(cls, config: TrainConfig, verbose: int = 0) -> "LSTMClassifier":
        from dataclasses import asdict

        return cls(**asdict(config), verbose=verbose)

    def config(self) -> TrainConfig:
        return TrainConfig(**{k: getattr(self, k) for k in TrainConfig.__dataclass_fields__})

    def set_layout(self, layout: dict[str, list[int]] | None) -> "LSTMClassifier":
        """Tell the model which columns hold which feature kind (needed for late and joint fusion)."""
        self.layout = {k: list(v) for k, v in layout.items()} if layout else None
        return self

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

    def fit(self, sequences: Sequence[np.ndarray], labels: Sequence[str]) -> "LSTMClassifier":
        """Train on clips (each ``(T, D)``) with their labels; early-stops on a validation part."""
        import keras

        keras.utils.set_random_seed(self.seed)
        labels = np.asarray(labels)
        self.classes_ = np.array(sorted(set(labels.tolist())))
        y = np.searchsorted(self.classes_, labels)
        x, mask = pad_sequences(sequences, self.max_steps)
        # Each clip weighs the same whatever its length; padded steps weigh nothing.
        weights = mask / mask.sum(axis=1, keepdims=True).clip(min=1)
        y_steps = np.repeat(y[:, None], x.shape[1], axis=1)
        train, val = _split_validation(labels, self.validation_split, self.seed)
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
        self.model_ = build_lstm(widths, len(self.classes_), self.units, self.dropout, self.seed, self.ensemble,
                                 joint=joint)
        inputs = self._inputs(x, mask)
        optimizer, batch_size = make_optimizer(self.config())
        validation = (tuple(a[val] for a in inputs), y_steps[val], weights[val]) if len(val) else None
        from soccer_lstm.progress import EpochProgress

        progress = EpochProgress(self.epochs, desc="train")

        def report(epoch: int, logs: dict[str, float], val_probabilities: np.ndarray | None) -> None:
            if val_probabilities is not None:
                logs["val_accuracy"] = _clip_accuracy(val_probabilities, validation[0][-1], y[val], self.aggregation)
            progress.update(epoch + 1, logs)

        # Keras' own bars are never shown (escape codes, one bar per epoch); the progress above is.
        try:
            self.history_ = train_model(self.model_, optimizer, tuple(a[train] for a in inputs), y_steps[train],
                                        weights[train], validation, epochs=self.epochs, batch_size=batch_size,
                                        patience=self.patience, seed=self.seed, on_epoch=report)
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
        if not hasattr(self, "model_"):
            raise NotFittedError("this LSTMClassifier is not fitted yet")

    def predict_steps(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Per-timestep class probabilities ``(T, C)`` for each clip (padding removed)."""
        self._check_fitted()
        x, mask = pad_sequences(sequences, self.max_steps)
        probabilities = forward(self.model_, self._inputs(x, mask))
        return [probabilities[i, mask[i]] if mask[i].any() else probabilities[i, :1] for i in range(len(x))]

    def predict_proba(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Clip-level class scores after aggregation, ``(n, C)`` in the order of ``classes_``."""
        return np.array([aggregate(p, self.aggregation) for p in self.predict_steps(sequences)])

    def predict(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Clip labels."""
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
        write_json(folder / "lstm.json", {"classes": self.classes_.tolist(), "config": self.config().__dict__, "layout": self.layout,
                                          "epochs_run": self.epochs_run_, "history": self.history_,
                                          **(extra or {})})

    @classmethod
    def load(cls, folder: str | Path) -> "LSTMClassifier":
        """Load a saved classifier with Keras' safe mode (no arbitrary code from the file)."""
        import keras

        from soccer_lstm.artifacts import read_json

        folder = Path(folder)
        info = read_json(folder / "lstm.json")
        try:
            config = TrainConfig(**info["config"])
            model = keras.models.load_model(folder / "model.keras", safe_mode=True, compile=False)
        except Exception as exc:  # Keras raises many types for a damaged or foreign file
            raise ArtifactError(f"{folder / 'model.keras'}: not a loadable soccer-lstm model ({exc})".splitlines()[0]) from None
        classifier = cls.from_config(config)
        classifier.model_ = model
        classifier.classes_ = np.array(info["classes"])
        classifier.epochs_run_ = info.get("epochs_run", 0)
        classifier.layout = info.get("layout")
        classifier.history_ = info.get("history", {})
        return classifier
