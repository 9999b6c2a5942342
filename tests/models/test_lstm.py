from __future__ import annotations

import numpy as np
import pytest

from soccer_lstm.models.aggregate import aggregate
from soccer_lstm.models.lstm import LSTMClassifier, pad_sequences


def test_aggregations() -> None:
    p = np.array([[0.6, 0.4], [0.6, 0.4], [0.0, 1.0]])
    assert aggregate(p, "mean").argmax() == 1
    assert aggregate(p, "vote").argmax() == 0
    assert np.allclose(aggregate(p, "last"), [0, 1])
    with pytest.raises(ValueError):
        aggregate(p, "median")


def test_padding_builds_an_explicit_mask() -> None:
    x, mask = pad_sequences([np.zeros((2, 3)), np.ones((4, 3))])
    assert x.shape == (2, 4, 3) and mask.sum(axis=1).tolist() == [2, 4]


def _toy(n: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
    rng = np.random.default_rng(seed)
    sequences, labels = [], []
    for i in range(n):
        label = "up" if i % 2 else "down"
        length = int(rng.integers(4, 9))
        trend = np.linspace(0, 1, length)[:, None] * (1 if label == "up" else -1)
        sequences.append((trend + rng.normal(0, 0.1, (length, 3))).astype(np.float32))
        labels.append(label)
    return sequences, labels


def test_lstm_learns_a_temporal_toy_task_and_padding_does_not_change_predictions(tmp_path) -> None:
    x, y = _toy(40, 0)
    model = LSTMClassifier(units=16, epochs=60, patience=60, batch_size=8, learning_rate=1e-2,
                           validation_split=0.0, dropout=0.0, seed=0).fit(x, y)
    test_x, test_y = _toy(20, 1)
    assert (model.predict(test_x) == np.array(test_y)).mean() >= 0.8
    alone = model.predict_proba(test_x[:1])
    with_long_neighbour = model.predict_proba([test_x[0], np.zeros((30, 3), np.float32)])[:1]
    assert np.allclose(alone, with_long_neighbour, atol=1e-5)
    model.save(tmp_path / "m")
    loaded = LSTMClassifier.load(tmp_path / "m")
    assert np.allclose(loaded.predict_proba(test_x), model.predict_proba(test_x), atol=1e-6)
    assert list(loaded.classes_) == ["down", "up"]


@pytest.mark.parametrize("fusion, n_outputs", [("late", 2), ("joint", 1), ("early", 1)])
def test_fusion_modes_build_the_stated_model_and_learn_from_the_informative_kind(tmp_path, fusion, n_outputs) -> None:
    # Kind "noise" (columns 0-2) carries nothing; kind "trend" (columns 3-5) carries the label.
    def toy(n: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
        x, y = _toy(n, seed)
        rng = np.random.default_rng(seed + 100)
        return [np.hstack([rng.normal(0, 1, s.shape), s]).astype(np.float32) for s in x], y

    x, y = toy(40, 0)
    model = LSTMClassifier(units=12, epochs=60, patience=60, batch_size=8, learning_rate=1e-2, validation_split=0.0,
                           dropout=0.0, fusion=fusion, seed=0).set_layout({"noise": [0, 3], "trend": [3, 6]}).fit(x, y)
    outputs = model.model_.outputs
    assert len(outputs) == n_outputs
    names = {layer.name for layer in model.model_.layers}
    assert ("fused_scores" in names) == (fusion == "joint")
    assert ("frames_1" in names) == (fusion != "early")
    test_x, test_y = toy(20, 1)
    if fusion != "late":  # late fusion averages in the noise kind's own (overfit) softmax by design
        assert (model.predict(test_x) == np.array(test_y)).mean() >= 0.8
    model.save(tmp_path / "m")
    loaded = LSTMClassifier.load(tmp_path / "m")
    assert loaded.fusion == fusion
    assert np.allclose(loaded.predict_proba(test_x), model.predict_proba(test_x), atol=1e-6)


def test_mirrored_training_copies_teach_both_pan_directions() -> None:
    # Motion-only toy (9 affine columns): "pan" clips only ever pan right in training, "zoom" clips
    # zoom in. A left pan is the mirror image of a right pan: with mirror copies it is a "pan".
    def clip(kind: str, rng: np.random.Generator, direction: float = 1.0) -> np.ndarray:
        frames = rng.normal(0, 0.002, (int(rng.integers(6, 10)), 9))
        if kind == "pan":
            frames[:, 2] += direction * 0.02 * rng.uniform(0.8, 1.2)
        else:
            frames[:, [0, 4]] += 0.02 * rng.uniform(0.8, 1.2)
        frames[:, 6:] = 1.0
        return frames.astype(np.float32)

    rng = np.random.default_rng(0)
    kinds = ["pan", "zoom"] * 15
    x = [clip(k, rng) for k in kinds]
    left = [clip("pan", rng, -1.0) for _ in range(6)]
    model = LSTMClassifier(units=8, epochs=40, patience=40, batch_size=8, learning_rate=1e-2, validation_split=0.0,
                           dropout=0.0, seed=0).set_layout({"motion": [0, 9]})
    assert model._mirror_columns() == [1, 2, 3]
    model.fit(x, kinds)
    assert model.epochs_run_ == 40
    assert list(model.predict(left)) == ["pan"] * 6
    assert LSTMClassifier(mirror=False).set_layout({"motion": [0, 9]})._mirror_columns() == []
    assert LSTMClassifier().set_layout({"bow": [0, 5]})._mirror_columns() == []
