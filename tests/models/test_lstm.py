from __future__ import annotations

import numpy as np
import pytest

from soccer_lstm.features.kinds import FrameVectors
from soccer_lstm.models.lstm import LSTMClassifier, pad_sequences


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
                           validation_split=0.0, dropout=0.0, random_state=0).fit(x, y)
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
                           dropout=0.0, fusion=fusion, random_state=0).fit(FrameVectors(x, {"noise": [0, 3], "trend": [3, 6]}), y)
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
                           dropout=0.0, random_state=0)
    model.fit(FrameVectors(x, {"motion": [0, 9]}), kinds)
    assert model._mirror_columns() == [1, 2, 3]
    # (epochs == patience, so early stopping cannot end it: check that training learnt, not its length)
    assert model.epochs_run_ == len(model.history_["loss"]) and model.history_["loss"][-1] < 0.5 * model.history_["loss"][0]
    assert list(model.predict(left)) == ["pan"] * 6
    model.set_params(mirror=False)
    assert model._mirror_columns() == []
    model.layout_ = {"bow": [0, 5]}
    assert LSTMClassifier()._mirror_columns() == [] and model.set_params(mirror=True)._mirror_columns() == []


# --- what the loss sees: spied on the training loop, no training ----------------------------------

class Spy:
    """Stands in for ``train_model``: records what the loss would be given and trains nothing.

    The loss sums one weighted cross-entropy per model output, each with the same per-step targets
    and weights: ``y`` and ``sample_weight`` hold them once per output of the real model.
    """

    def __call__(self, model, optimizer, x, y, weights, validation, **kwargs):
        n_outputs = len(model.outputs)
        self.n_outputs = n_outputs
        self.x = x
        self.y, self.sample_weight = (y, weights) if n_outputs == 1 else ([y] * n_outputs, [weights] * n_outputs)
        self.validation_data = validation
        return {"loss": [1.0]}


def _spied_fit(monkeypatch: pytest.MonkeyPatch, model: LSTMClassifier, sequences, labels) -> Spy:
    import soccer_lstm.models.training as training

    spy = Spy()
    monkeypatch.setattr(training, "train_model", spy)
    model.fit(sequences, labels)
    return spy


def _as_list(target) -> list[np.ndarray]:
    return list(target) if isinstance(target, (list, tuple)) else [target]


LAYOUT = {"bow": [0, 3], "motion": [3, 12]}


@pytest.mark.parametrize("fusion, layout, ensemble, n_weights", [
    ("early", None, 1, 1),      # one input
    ("early", LAYOUT, 1, 1),    # both kinds in one LSTM
    ("late", LAYOUT, 1, 2),     # one softmax (one loss) per kind
    ("joint", LAYOUT, 1, 1),    # one softmax over summed scores
    ("late", LAYOUT, 2, 4),     # two members, two kinds
])
def test_padded_steps_weigh_nothing_and_every_clip_weighs_one(monkeypatch, fusion, layout, ensemble, n_weights) -> None:
    rng = np.random.default_rng(0)
    lengths = [2, 7, 3, 5, 1, 6, 4, 7]
    sequences = [rng.normal(0, 1, (n, 12)).astype(np.float32) for n in lengths]
    labels = ["a", "b"] * 4
    model = LSTMClassifier(units=4, epochs=1, validation_split=0.25, fusion=fusion, ensemble=ensemble, mirror=True,
                           random_state=0)
    spy = _spied_fit(monkeypatch, model, FrameVectors(sequences, layout), labels)
    mask = spy.x[-1]
    val_mask = spy.validation_data[0][-1]
    assert mask.dtype == bool and mask.shape[1] == max(lengths)
    for weights, padded, part in [(w, mask, "train") for w in _as_list(spy.sample_weight)] + \
                                 [(w, val_mask, "validation") for w in _as_list(spy.validation_data[2])]:
        assert weights.shape == padded.shape, part
        assert (weights[~padded] == 0).all(), f"{part}: a padded step has weight {weights[~padded].max()}"
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-6, err_msg=f"{part}: a clip does not weigh one")
    assert len(_as_list(spy.sample_weight)) == n_weights == len(_as_list(spy.y))
    # Every clip is there once with its own length; mirrored copies (motion layouts) follow the originals.
    train_lengths, held_out = mask.sum(axis=1).tolist(), val_mask.sum(axis=1).tolist()
    n_train = len(lengths) - len(held_out)
    assert sorted(train_lengths[:n_train] + held_out) == sorted(lengths)
    assert train_lengths[n_train:] == (train_lengths[:n_train] if layout else [])

def test_max_steps_truncates_what_the_model_trains_and_predicts_on(monkeypatch) -> None:
    sequences = [np.full((n, 3), float(n), np.float32) for n in (2, 9, 5, 12)]
    x, mask = pad_sequences(sequences, max_steps=4)
    assert x.shape == (4, 4, 3) and mask.sum(axis=1).tolist() == [2, 4, 4, 4]
    np.testing.assert_array_equal(x[1], np.full((4, 3), 9.0))  # the first steps are kept
    model = LSTMClassifier(units=4, epochs=1, validation_split=0.0, max_steps=4, mirror=False, random_state=0)
    spy = _spied_fit(monkeypatch, model, sequences, ["a", "b", "a", "b"])
    frames, mask = spy.x
    assert frames.shape[1] == mask.shape[1] == 4 and mask.sum(axis=1).tolist() == [2, 4, 4, 4]
    assert spy.sample_weight.shape == (4, 4) and spy.y.shape == (4, 4)
