"""The Keras network of :class:`~soccer_lstm.models.lstm.LSTMClassifier`, its optimiser presets and padding.

Padded timesteps are masked explicitly (a boolean mask input), never by a magic value: an empty
frame is an all-zero histogram and must stay a real timestep.
"""
from __future__ import annotations

import logging
import os
import random
import sys
from typing import Any, Sequence

import numpy as np

from soccer_lstm.config import TrainConfig
from soccer_lstm.environment import restored_environment
from soccer_lstm.models.forward import pad_sequences  # noqa: F401  (here for the training code and its tests)

# Set while TensorFlow is first imported, then put back: oneDNN kernels make results depend on the
# machine's instruction set and print log noise (the stock Eigen kernels are as fast for a 150-cell
# LSTM and repeat bit for bit); TensorFlow reads these once, at import.
KERAS_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow"}


def import_keras() -> Any:
    """Keras (on TensorFlow), imported with :data:`KERAS_ENVIRONMENT`; ``os.environ`` is left as found.

    Only training and the Keras model of a loaded classifier need it; prediction runs in NumPy.
    """
    if "keras" not in sys.modules:
        with restored_environment(KERAS_ENVIRONMENT):
            for name, value in KERAS_ENVIRONMENT.items():
                os.environ.setdefault(name, value)
            import keras  # noqa: F401
        # Cross-validation predicts on sequences of a new length in every fold; TensorFlow's
        # retracing warning about that is noise for a user.
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
    import keras

    return keras


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

    Every random initialiser gets its own seed, drawn from a generator of ``seed`` in the order the
    layers are built (the seeds ``keras.utils.set_random_seed(seed)`` gave them, without touching
    Python's, NumPy's or Keras' global generators).
    """
    keras = import_keras()
    seeds = random.Random(seed)

    def initializer(kind: Any) -> Any:
        return kind(seed=seeds.randint(1, int(1e9)))

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
            lstm = keras.layers.LSTM(units, return_sequences=True, seed=seed + m, name=f"lstm{suffix}",
                                     kernel_initializer=initializer(keras.initializers.GlorotUniform),
                                     recurrent_initializer=initializer(keras.initializers.Orthogonal))
            hidden = lstm(hidden, mask=mask)
            dense = initializer(keras.initializers.GlorotUniform)
            if joint:
                logits.append(keras.layers.Dense(n_classes, kernel_initializer=dense, name=f"per_frame_scores{suffix}")(hidden))
            else:
                outputs.append(keras.layers.Dense(n_classes, activation="softmax", kernel_initializer=dense,
                                                  name=f"per_frame_softmax{suffix}")(hidden))
        if joint:
            member = "" if members == 1 else f"_{m}"
            summed = keras.layers.Add(name=f"fused_scores{member}")(logits)
            outputs.append(keras.layers.Activation("softmax", name=f"per_frame_softmax{member}")(summed))
    return keras.Model(inputs=[*inputs, mask], outputs=outputs if len(outputs) > 1 else outputs[0], name="soccer_lstm")


def make_optimizer(optimizer: str = TrainConfig.optimizer, learning_rate: float = TrainConfig.learning_rate,
                   batch_size: int = TrainConfig.batch_size) -> tuple[Any, int]:
    """The optimiser and batch size of a preset.

    ``paper``: SGD, learning rate 1e-4, momentum 0.9, one clip per update (online BPTT).
    ``adam``: Adam at ``learning_rate`` with mini-batches of ``batch_size`` clips: reaches the same
    loss in a fraction of the epochs (see docs/results.md).
    """
    keras = import_keras()

    if optimizer == "paper":
        return keras.optimizers.SGD(learning_rate=1e-4, momentum=0.9), 1
    return keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=1.0), batch_size
