"""The NumPy forward pass against Keras' own, on the networks build_lstm makes."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from soccer_lstm.features.kinds import FrameVectors
from soccer_lstm.errors import ArtifactError
from soccer_lstm.models.forward import NumpyNetwork, describe
from soccer_lstm.models.lstm import LSTMClassifier
from soccer_lstm.models.network import build_lstm, pad_sequences


def _randomised(model, seed: int) -> None:
    """Weights away from their initial values (biases are zeros, forget gates ones, at first)."""
    rng = np.random.default_rng(seed)
    model.set_weights([w + rng.normal(0, 0.3, w.shape).astype(np.float32) for w in model.get_weights()])


@pytest.mark.parametrize("groups, members, joint", [
    (None, 1, False),                  # one input, one LSTM
    ([(0, 3), (3, 7)], 1, False),      # late fusion: one softmax per kind, averaged
    ([(0, 3), (3, 7)], 1, True),       # joint fusion: scores added under one softmax
    (None, 3, False),                  # seed ensemble
    ([(0, 2), (2, 7)], 2, True),       # ensemble of joint networks
])
def test_numpy_forward_pass_equals_keras_with_masking(groups, members, joint) -> None:
    units, classes, width = 6, 3, 7
    widths = [b - a for a, b in groups] if groups else width
    model = build_lstm(widths, classes, units, seed=4, members=members, joint=joint)
    _randomised(model, 0)
    network = NumpyNetwork.from_keras(model, describe(groups, width, members, joint, units, classes))
    rng = np.random.default_rng(1)
    sequences = [rng.normal(0, 1, (n, width)).astype(np.float32) for n in (9, 1, 4, 9, 6)]
    x, mask = pad_sequences(sequences)
    inputs = [x[:, :, a:b] for a, b in groups] if groups else [x]
    keras_outputs = model([*inputs, mask], training=False)
    keras_outputs = keras_outputs if isinstance(keras_outputs, (list, tuple)) else [keras_outputs]
    keras_outputs = [np.asarray(o) for o in keras_outputs]
    outputs, _ = network.run(x, mask)
    assert len(outputs) == len(keras_outputs) == members * (1 if joint or not groups else len(groups))
    for ours, theirs in zip(outputs, keras_outputs):
        np.testing.assert_allclose(ours, theirs, atol=1e-5)  # padded steps too: both repeat the last output
    averaged = network.predict(x, mask, batch_size=2)  # batches cut to their own longest clip
    for i, n in enumerate(mask.sum(axis=1)):
        np.testing.assert_allclose(averaged[i, :n], np.mean(keras_outputs, axis=0)[i, :n], atol=1e-5)
        # a clip alone gives what it gives among longer ones
        np.testing.assert_allclose(network.predict(x[i:i + 1, :n])[0], averaged[i, :n], atol=1e-6)


def test_carried_state_continues_where_the_last_block_ended() -> None:
    model = build_lstm(5, 2, 4, seed=0)
    _randomised(model, 1)
    network = NumpyNetwork.from_keras(model, describe(None, 5, 1, False, 4, 2))
    x = np.random.default_rng(2).normal(size=(1, 30, 5)).astype(np.float32)
    whole, _ = network.run(x)
    first, state = network.run(x[:, :11])
    rest, _ = network.run(x[:, 11:], state=state)
    np.testing.assert_allclose(np.concatenate([first[0], rest[0]], axis=1), whole[0], atol=1e-6)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple:
    rng = np.random.default_rng(0)
    sequences = [rng.normal(size=(int(rng.integers(3, 12)), 7)).astype(np.float32) for _ in range(12)]
    sequences = FrameVectors(sequences, {"bow": [0, 3], "motion": [3, 7]})
    classifier = LSTMClassifier(units=5, epochs=2, ensemble=2, fusion="late", mirror=False, validation_split=0.0,
                                random_state=3).fit(sequences, ["a", "b", "c"] * 4)
    folder = tmp_path_factory.mktemp("model")
    classifier.save(folder)
    return classifier, folder, sequences


def test_a_saved_classifier_predicts_like_its_keras_model(saved) -> None:
    classifier, folder, sequences = saved
    assert {p.name for p in folder.iterdir()} >= {"lstm.json", "network.npz", "model.keras"}
    loaded = LSTMClassifier.load(folder)
    assert "model_" not in vars(loaded)  # the Keras model is read only when asked for
    x, mask = pad_sequences(sequences)
    keras_probabilities = np.mean([np.asarray(o) for o in loaded.model_(loaded._inputs(x, mask), training=False)], axis=0)
    for steps, clip, valid in zip(loaded.predict_steps(sequences), keras_probabilities, mask):
        np.testing.assert_allclose(steps, clip[valid], atol=1e-5)
    np.testing.assert_allclose(loaded.predict_proba(sequences), classifier.predict_proba(sequences), atol=1e-6)


def test_loading_and_predicting_import_no_tensorflow(saved) -> None:
    _, folder, _ = saved
    code = ("import sys, numpy as np\n"
            "from soccer_lstm.models.lstm import LSTMClassifier\n"
            f"model = LSTMClassifier.load({str(folder)!r})\n"
            "print(list(model.predict([np.zeros((5, 7), np.float32)])))\n"
            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]", out.stdout


def test_a_damaged_or_foreign_weight_file_is_refused(saved, tmp_path) -> None:
    import shutil

    _, folder, _ = saved
    copy = shutil.copytree(folder, tmp_path / "m")
    (copy / "network.npz").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(ArtifactError, match="network.npz"):
        LSTMClassifier.load(copy)
    (copy / "network.npz").unlink()
    with pytest.raises(ArtifactError, match="network.npz: missing"):
        LSTMClassifier.load(copy)
    shutil.copy(folder / "network.npz", copy / "network.npz")
    info = json.loads((copy / "lstm.json").read_text())
    info["network"]["units"] = 9
    (copy / "lstm.json").write_text(json.dumps(info))
    with pytest.raises(ArtifactError, match="lstm.json"):
        LSTMClassifier.load(copy)
