"""The lean training loop against ``keras.Model.fit``, and fit's seeding (local generators only)."""
from __future__ import annotations

import random

import numpy as np
import pytest

from soccer_lstm.features.kinds import FrameVectors
from soccer_lstm.models import training
from soccer_lstm.models.lstm import LSTMClassifier
from soccer_lstm.models.network import build_lstm, import_keras, pad_sequences


def _clips(n: int, seed: int, width: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Padded clips of 3 to 9 frames, their per-step labels and weights (each clip weighs one)."""
    rng = np.random.default_rng(seed)
    sequences, labels = [], []
    for i in range(n):
        length, label = int(rng.integers(3, 10)), i % 2
        trend = np.linspace(0, 1, length)[:, None] * (1 if label else -1)
        sequences.append((rng.normal(0, 1, (length, width)) + trend).astype(np.float32))
        labels.append(label)
    x, mask = pad_sequences(sequences)
    weights = (mask / mask.sum(axis=1, keepdims=True)).astype(np.float32)
    y = np.repeat(np.array(labels)[:, None], x.shape[1], axis=1).astype(np.int32)
    return x, mask, y, weights


@pytest.mark.parametrize("groups, members, batch_size", [
    (None, 1, 24),               # one output, whole-set batches
    ([(0, 2), (2, 5)], 2, 10),   # four outputs (late fusion, two members), batches of 10, 10 and 4
])
def test_the_loop_trains_as_model_fit_does(groups, members, batch_size) -> None:
    keras = import_keras()
    x, mask, y, weights = _clips(24, 0)
    val_x, val_mask, val_y, val_weights = _clips(8, 1)

    def inputs(frames: np.ndarray, m: np.ndarray) -> list[np.ndarray]:
        return [*([frames[:, :, a:b] for a, b in groups] if groups else [frames]), m]

    def fresh() -> tuple[object, object]:
        widths = [b - a for a, b in groups] if groups else x.shape[2]
        return (build_lstm(widths, 2, 5, seed=3, members=members),
                keras.optimizers.Adam(learning_rate=0.05, clipnorm=1.0))

    ours, optimizer = fresh()
    history = training.train_model(ours, optimizer, inputs(x, mask), y, weights,
                                   (inputs(val_x, val_mask), val_y, val_weights), epochs=40,
                                   batch_size=batch_size, patience=3, seed=0, shuffle=False)
    theirs, optimizer = fresh()
    n_outputs = len(theirs.outputs)
    assert n_outputs == (1 if groups is None else 2 * members)
    per_output = (lambda a: a) if n_outputs == 1 else (lambda a: [a] * n_outputs)  # noqa: E731
    theirs.compile(optimizer=optimizer, loss=["sparse_categorical_crossentropy"] * n_outputs)
    fitted = theirs.fit(inputs(x, mask), per_output(y), sample_weight=per_output(weights), batch_size=batch_size,
                        epochs=40, shuffle=False, verbose=0,
                        validation_data=(inputs(val_x, val_mask), per_output(val_y), per_output(val_weights)),
                        callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3,
                                                                 restore_best_weights=True)]).history
    # Early stopping must have stopped both (not the epoch limit), at the same epoch.
    assert len(history["loss"]) == len(fitted["loss"]) < 40
    np.testing.assert_allclose(history["loss"], fitted["loss"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(history["val_loss"], fitted["val_loss"], rtol=1e-4, atol=1e-6)
    # Both kept the best epoch's weights.
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)


def _toy(n: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
    rng = np.random.default_rng(seed)
    return ([rng.normal(size=(int(rng.integers(3, 8)), 6)).astype(np.float32) for _ in range(n)],
            ["a", "b"] * (n // 2))


def test_fit_is_reproducible_and_leaves_global_generators_alone() -> None:
    x, y = _toy(12, 0)
    import_keras()  # importing TensorFlow draws from Python's generator, once: not fit's doing
    np.random.seed(123)
    random.seed(456)
    numpy_state, python_state = np.random.get_state(), random.getstate()
    x = FrameVectors(x, {"bow": [0, 3], "hog": [3, 6]})
    params = dict(units=4, epochs=3, batch_size=4, validation_split=0.25, dropout=0.2, ensemble=2,
                  fusion="joint", mirror=False, random_state=7)
    first = LSTMClassifier(**params).fit(x, y)
    second = LSTMClassifier(**params).fit(x, y)
    other = LSTMClassifier(**{**params, "random_state": 8}).fit(x, y)
    for a, b in zip(first.network_.weights().values(), second.network_.weights().values()):
        np.testing.assert_array_equal(a, b)
    assert first.history_ == second.history_
    assert any(not np.array_equal(a, b) for a, b in zip(first.network_.weights().values(),
                                                        other.network_.weights().values()))
    after = np.random.get_state()
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1]) and after[2:] == numpy_state[2:]
    assert random.getstate() == python_state


def test_importing_any_module_leaves_the_environment_alone() -> None:
    import subprocess
    import sys

    code = """
import os, pkgutil, importlib, json
import cv2, sklearn, numpy  # third-party modules set their own defaults; not ours to judge
import soccer_lstm
before = dict(os.environ)
for module in pkgutil.walk_packages(soccer_lstm.__path__, "soccer_lstm."):
    importlib.import_module(module.name)
from soccer_lstm.models.network import import_keras
import_keras()  # TensorFlow's own variables aside, the settings for its import are put back
after = dict(os.environ)
print(json.dumps(sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    changed = set(__import__("json").loads(out.stdout.strip().splitlines()[-1]))
    # Set by TensorFlow itself when imported; OPENCV_FFMPEG_LOGLEVEL: soccer_lstm.video (see the report).
    from helpers import IMPORT_SIDE_EFFECTS

    assert changed <= IMPORT_SIDE_EFFECTS | {"OPENCV_FFMPEG_LOGLEVEL"}, changed
    assert not changed & {"TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "KERAS_BACKEND"}
