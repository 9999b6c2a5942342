"""How :class:`~soccer_lstm.models.lstm.LSTMClassifier` trains: a lean loop around the Keras network.

``keras.Model.fit`` traced training, evaluation and prediction functions for every new model (twice
each for a partial last batch) and ran a data adapter and a ``predict`` call every epoch; for the
small models of cross-validation that fixed cost outweighed the training itself. Here one traced
training step serves every batch and one traced forward pass serves validation. It trains as
``Model.fit`` with ``EarlyStopping(restore_best_weights=True)`` does (tests/models/test_training.py);
``python benchmarks/run.py --only inference`` measures the difference in speed. Prediction does not
come here: it runs in NumPy (:mod:`soccer_lstm.models.forward`).
"""
from __future__ import annotations

import weakref
from typing import Any, Callable, Sequence

import numpy as np

from soccer_lstm.models.aggregate import aggregate


def clip_accuracy(probabilities: np.ndarray, mask: np.ndarray, y: np.ndarray, aggregation: str) -> float:
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
        this = weakref.ref(model)  # a strong reference here would keep every model of a run alive
        function = tf.function(lambda *parts: this()(list(parts), training=False), input_signature=_input_specs(widths))
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


def _weighted_loss(probabilities: Sequence[np.ndarray], y: np.ndarray, weights: np.ndarray, mask: np.ndarray) -> float:
    """The validation part's loss on the scale of :func:`per_clip_loss`: the per-frame cross-entropy
    averaged over each clip's frames (``weights`` sum to 1 per clip), then over clips and outputs.

    The training step's own figure (Keras' masked loss: divided by all real steps, summed over
    outputs) is this times clips per real step and outputs, a constant for one validation part, so
    early stopping picks the same epoch on either.
    """
    picked = [np.take_along_axis(p, y[..., None], axis=-1)[..., 0] for p in probabilities]
    losses = [-np.log(np.clip(p, 1e-7, 1.0)) for p in picked]
    clips = max(int(mask.any(axis=1).sum()), 1)
    return float(sum((loss * weights).sum() for loss in losses) / clips / len(losses))


def per_clip_loss(step_loss: float, real_steps: int, clips: int, outputs: int) -> float:
    """A training step's loss as a per-frame cross-entropy that can be read against chance.

    The step minimises Keras' masked loss: the weighted cross-entropy summed over the batch's steps,
    each clip's weights summing to 1 (every clip weighs the same, padded steps nothing), divided by
    the batch's real steps, summed over the outputs. That is the per-clip mean cross-entropy divided
    by the mean clip length (0.03 for 40-frame clips where chance is 1.1). Times real steps per clip
    and divided by the outputs, it is the per-frame cross-entropy averaged over each clip's frames,
    then over clips and outputs: ``ln(classes)`` for a model that answers uniformly.
    """
    return step_loss * real_steps / max(clips, 1) / max(outputs, 1)


def train_model(model: Any, optimizer: Any, x: Sequence[np.ndarray], y: np.ndarray, weights: np.ndarray,
                validation: tuple[Sequence[np.ndarray], np.ndarray, np.ndarray] | None, *, epochs: int,
                batch_size: int, patience: int, seed: int, shuffle: bool = True,
                on_epoch: Callable[[int, dict[str, float], np.ndarray | None], None] | None = None) -> dict[str, list[float]]:
    """Mini-batch training with early stopping; the best epoch's weights are kept.

    What ``keras.Model.fit`` with ``EarlyStopping(restore_best_weights=True)`` did here, at a
    fraction of its cost for these small models: one traced training step serves every batch
    (batch size and clip length vary; each batch is cut to its longest clip), validation reuses the
    traced forward pass instead of tracing evaluation and prediction functions of its own, and
    nothing runs per batch but the step. The loss minimised is Keras' for a masked output: the
    weighted per-frame cross-entropy summed over the batch's steps (padded steps weigh nothing),
    divided by the number of real steps, summed over the model's outputs. The history records it
    rescaled by :func:`per_clip_loss` (the per-frame cross-entropy averaged over each clip's frames,
    clips and outputs), which reads against chance, ``ln(classes)``. ``x`` holds the model's inputs, the
    mask last; ``y`` and ``weights`` are ``(n, T)``. Early stopping watches the validation loss, or
    the training loss without validation; ``on_epoch(epoch, logs, validation_probabilities)`` may
    add to the epoch's figures. Returns the history: ``loss``, and ``val_loss`` plus whatever
    ``on_epoch`` added. Batches are drawn in a new order every epoch from a generator of ``seed``
    (in the clips' order with ``shuffle=False``, as ``Model.fit(shuffle=False)`` does).
    tests/models/test_training.py checks the losses, the stopping epoch and the weights kept
    against ``Model.fit``.
    """
    import keras
    import tensorflow as tf

    widths = [int(a.shape[2]) for a in x[:-1]]
    specs = _input_specs(widths)
    label_spec = tf.TensorSpec((None, None), tf.int32)
    weight_spec = tf.TensorSpec((None, None), tf.float32)
    optimizer.build(model.trainable_variables)
    n_outputs = len(model.outputs)

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
        for rows in _batches(len(y), batch_size, rng.permutation(len(y)) if shuffle else None):
            parts, steps = _trimmed(x, rows)
            loss = float(step(tuple(parts), y[rows, :steps], weights[rows, :steps]))
            losses.append(per_clip_loss(loss, int(parts[-1].sum()), len(rows), n_outputs))
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
