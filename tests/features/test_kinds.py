"""The registry of feature kinds: kinds in a fixed order, their widths and mirrors, scaling that keeps them."""
from __future__ import annotations

import numpy as np
import pytest

from soccer_lstm.config import EncodeConfig, validate
from soccer_lstm.errors import UserError
from soccer_lstm.features.kinds import (KINDS, EXTRACTED_KINDS, FrameVectors, KindSettings, feature_layout as _layout, layout_mirror,
                                        needs_codebook, needs_sift, parse_kinds)
from soccer_lstm.features.local import local_dim, mirror_permutation
from soccer_lstm.features.scaling import SequenceScaler

ALL = "bow+motion+hof+mbh+hog"


def feature_layout(features: str, k: int = 0, motion_model: str = "affine", grid: int = 3) -> dict:
    return _layout(features, KindSettings(k, motion_model, grid))


def make_scaler(layout: dict, scale: str):
    class Laid:  # fits a SequenceScaler on clips that carry the layout, as the kinds step emits them
        def fit(self, clips):
            return SequenceScaler(scale=scale).fit(FrameVectors(clips, layout))
    return Laid()


def test_kinds_come_in_a_fixed_order_whatever_order_they_are_written_in() -> None:
    assert parse_kinds("hog+bow+hof") == ("bow", "hof", "hog")
    assert feature_layout("hog+bow", k=5) == feature_layout("bow+hog", k=5) == {"bow": [0, 5], "hog": [5, 5 + 72]}


@pytest.mark.parametrize("bad", ["bow+bow", "bow+flow", "", "bow+"])
def test_unknown_or_repeated_kinds_are_refused(bad: str) -> None:
    with pytest.raises(UserError, match="--features"):
        validate(EncodeConfig(features=bad))


def test_layout_widths_follow_k_the_motion_model_and_the_grid() -> None:
    layout = feature_layout(ALL, k=10, motion_model="similarity", grid=2)
    assert layout == {"bow": [0, 10], "motion": [10, 17], "hof": [17, 17 + 36], "mbh": [53, 53 + 64],
                      "hog": [117, 117 + 32]}
    assert local_dim("hof", 3) == 81 and local_dim("mbh", 3) == 144 and local_dim("hog", 3) == 72


def test_mirror_of_a_layout_negates_motion_permutes_histograms_and_keeps_words() -> None:
    layout = feature_layout(ALL, k=4)
    source, sign = layout_mirror(layout)
    np.testing.assert_array_equal(source[:4], np.arange(4))                   # words stay
    np.testing.assert_array_equal(np.flatnonzero(sign < 0), [5, 6, 7])        # a12, tx, a21
    start, stop = layout["mbh"]
    np.testing.assert_array_equal(source[start:stop], start + mirror_permutation("mbh", 3))
    assert layout_mirror(feature_layout("bow", k=4)) is None


def test_scaled_mirrored_copy_is_the_mirror_of_the_scaled_clip() -> None:
    # The LSTM mirrors scaled vectors; that is exact only if the scaler treats mirror partners alike.
    layout = feature_layout("motion+hof+hog", grid=2)
    width = max(stop for _, stop in layout.values())
    rng = np.random.default_rng(0)
    clips = [rng.random((7, width)).astype(np.float32) * rng.random(width).astype(np.float32) * 3 for _ in range(5)]
    source, sign = layout_mirror(layout)
    scaler = make_scaler(layout, "all").fit(clips)
    for clip in clips:
        mirrored_then_scaled = scaler.transform([clip[:, source] * sign])[0]
        scaled_then_mirrored = scaler.transform([clip])[0][:, source] * sign
        np.testing.assert_allclose(mirrored_then_scaled, scaled_then_mirrored, rtol=1e-5, atol=1e-5)


def test_scaler_statistics_of_columns_that_stay_put_are_unchanged() -> None:
    layout = {"bow": [0, 4], "motion": [4, 13]}
    rng = np.random.default_rng(1)
    clips = [rng.random((6, 13)).astype(np.float32) for _ in range(4)]
    frames = np.concatenate(clips).astype(np.float64)
    scaler = make_scaler(layout, "all").fit(clips)
    np.testing.assert_allclose(scaler.mean_[:4], frames[:, :4].mean(axis=0))
    np.testing.assert_allclose(scaler.scale_[:4], frames[:, :4].std(axis=0))
    assert scaler.mean_[5] == 0.0                                         # a mirror-negated column


def test_scaler_round_trips_its_mirror() -> None:
    from soccer_lstm.features.scaling import SequenceScaler

    layout = feature_layout("hog", grid=1)
    rng = np.random.default_rng(2)
    scaler = make_scaler(layout, "all").fit([rng.random((5, 8)).astype(np.float32)])
    again = SequenceScaler.from_dict(scaler.to_dict())
    assert again.mirror_ == scaler.mirror_ and again.mirror_
    np.testing.assert_array_equal(again.mean_, scaler.mean_)


def test_lstm_trains_on_the_exact_mirror_of_local_histograms(monkeypatch: pytest.MonkeyPatch) -> None:
    from soccer_lstm.models.lstm import LSTMClassifier

    layout = feature_layout("hof+hog", grid=2)
    width = max(stop for _, stop in layout.values())
    rng = np.random.default_rng(3)
    clips = [rng.random((4, width)).astype(np.float32) for _ in range(6)]
    seen = {}

    def fake_train(model, optimizer, x, y, weights, validation, **kwargs):  # record the training inputs, train nothing
        seen["x"] = x[0]
        raise StopIteration

    import soccer_lstm.models.training as training
    monkeypatch.setattr(training, "train_model", fake_train)
    model = LSTMClassifier(units=2, epochs=1, validation_split=0.0, fusion="early")
    with pytest.raises(StopIteration):
        model.fit(FrameVectors(clips, layout), ["a", "b"] * 3)
    x = seen["x"]
    assert len(x) == 12                                                   # six clips and their mirrors
    source, sign = layout_mirror(layout)
    np.testing.assert_array_equal(x[6:], x[:6][:, :, source] * sign)
    assert not np.array_equal(x[6:], x[:6])


def test_the_registry_says_what_each_kind_needs() -> None:
    assert tuple(KINDS) == ("bow", "spm", "motion", "hof", "mbh", "hog")
    assert EXTRACTED_KINDS == ("hof", "mbh", "hog")
    assert [name for name, kind in KINDS.items() if kind.fold_dependent] == ["bow", "spm"]
    assert needs_codebook("spm+hog")
    assert needs_codebook("hof+bow") and not needs_codebook("motion+hog")
    assert needs_sift("motion") and needs_sift("bow") and not needs_sift("hof+mbh+hog")
    assert parse_kinds(("hog", "bow")) == ("bow", "hog")


def test_every_kind_computes_a_block_as_wide_as_the_registry_says() -> None:
    from soccer_lstm.features.codebook import Codebook
    from soccer_lstm.features.kinds import compute_kinds
    from soccer_lstm.features.sift import ClipFeatures

    rng = np.random.default_rng(0)
    settings = KindSettings(5, "affine", 2)
    offsets = np.arange(0, 6 * 20 + 1, 20)
    local = {kind: rng.random((6, KINDS[kind].width(settings))).astype(np.float32) for kind in EXTRACTED_KINDS}
    features = ClipFeatures(rng.integers(0, 255, (120, 128)).astype(np.uint8),
                            rng.uniform(0, 90, (120, 2)).astype(np.float32), offsets, {"proc_size": [96, 72]}, local)
    codebook = Codebook(k=5, seed=0).fit(rng.random((200, 128)).astype(np.float32) * 255)
    every = "+".join(KINDS)
    layout = _layout(every, settings)
    vectors = compute_kinds(features, every, settings, codebook)
    assert vectors.shape == (6, max(stop for _, stop in layout.values()))
    assert vectors.dtype == np.float32
