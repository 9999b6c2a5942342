"""The pipeline with the local histograms: stored by extract, any combination encoded, options re-extract
only what they affect, the model refuses features of another kind."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from soccer_lstm.config import CodebookConfig, EncodeConfig, ExtractConfig, TrainConfig
from soccer_lstm.errors import UserError
from soccer_lstm.features.local import local_dim
from soccer_lstm.pipeline import (load_model, load_sequences, predict_sequences, run_codebook, run_encode,
                                  run_extract, run_train)
from soccer_lstm.store import FeatureStore

CONFIG = ExtractConfig(resize=160, max_keypoints=150)


def test_extract_stores_local_histograms_beside_sift(tiny_features: Path) -> None:
    store = FeatureStore(tiny_features)
    clip = store.load(0)
    assert clip.local["hof"].shape == (clip.n_frames, local_dim("hof", 3))
    assert clip.local["mbh"].dtype == np.float16
    assert store.entries[0].sift_fingerprint


def test_new_histogram_options_keep_sift_and_the_codebook(tiny_dataset: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "features"
    run_extract(tiny_dataset, out, CONFIG)
    before = FeatureStore(out)
    descriptors = before.load(0).descriptors
    fitted_book = run_codebook(out, tmp_path / "codebook.npz", CodebookConfig(k=8))
    book, fitted = fitted_book.codebook, fitted_book.rebuilt
    assert fitted

    import soccer_lstm.features.sift as sift

    def no_sift(*args, **kwargs):
        raise AssertionError("SIFT ran again although only the histogram options changed")

    monkeypatch.setattr(sift, "detect_frame", no_sift)
    summary = run_extract(tiny_dataset, out, ExtractConfig(resize=160, max_keypoints=150, grid=2))
    assert summary.extracted == len(before) and not summary.failed
    after = FeatureStore(out)
    assert [e.sift_fingerprint for e in after.entries] == [e.sift_fingerprint for e in before.entries]
    assert [e.fingerprint for e in after.entries] != [e.fingerprint for e in before.entries]
    np.testing.assert_array_equal(after.load(0).descriptors, descriptors)
    assert after.load(0).local["hog"].shape[1] == local_dim("hog", 2)
    refitted = run_codebook(out, tmp_path / "codebook.npz", CodebookConfig(k=8)).rebuilt
    assert not refitted


def test_any_combination_encodes_in_the_fixed_order(tiny_features: Path, tmp_path: Path) -> None:
    run_codebook(tiny_features, tmp_path / "codebook.npz", CodebookConfig(k=8))
    run_encode(tiny_features, tmp_path / "codebook.npz", tmp_path / "seq", EncodeConfig(features="hog+motion+bow"))
    loaded = load_sequences(tmp_path / "seq")
    sequences, index = loaded.sequences, loaded.index
    assert index["layout"] == {"bow": [0, 8], "motion": [8, 17], "hog": [17, 17 + 72]}
    clip = FeatureStore(tiny_features).load(0)
    np.testing.assert_allclose(sequences[0][:, 17:], clip.local["hog"].astype(np.float32))


def test_model_refuses_sequences_of_another_kind(tiny_features: Path, tmp_path: Path) -> None:
    run_encode(tiny_features, None, tmp_path / "hof", EncodeConfig(features="hof+mbh"))
    run_encode(tiny_features, None, tmp_path / "hog", EncodeConfig(features="hog"))
    run_train(tmp_path / "hof", tmp_path / "model", TrainConfig(units=4, epochs=2, patience=1))
    model = load_model(tmp_path / "model")
    assert len(predict_sequences(model, tmp_path / "hof")) == len(FeatureStore(tiny_features))
    with pytest.raises(UserError, match="'hog' features but the model was trained on 'hof\\+mbh'"):
        predict_sequences(model, tmp_path / "hog")
