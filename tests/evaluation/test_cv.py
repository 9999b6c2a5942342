"""Cross-validation: every fitted step sees only its fold's training clips, groups stay whole, the
summary's numbers are computed over the right axes."""
from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import numpy as np
import pytest
from sklearn.base import BaseEstimator

from helpers import write_feature_store
from soccer_lstm.config import CodebookConfig, EncodeConfig, EvalConfig, ExtractConfig, PipelineConfig, TrainConfig
from soccer_lstm.evaluation.cv import CVResult, EncodedFolds, FoldResult, cross_validate, format_metrics
from soccer_lstm.store import FeatureStore

LABELS = ["kick"] * 4 + ["pass"] * 4 + ["throw"] * 4


class Recorder(BaseEstimator):
    """A classifier that answers the first class it saw and remembers what it was fit on."""

    fitted: list[list[str]] = []

    def fit(self, sequences: Sequence[np.ndarray], labels: Sequence[str]) -> "Recorder":
        Recorder.fitted.append(list(labels))
        self.answer_ = sorted(labels)[0]
        return self

    def predict(self, sequences: Sequence[np.ndarray]) -> list[str]:
        return [self.answer_] * len(sequences)


def _config(**evaluate: int) -> PipelineConfig:
    return PipelineConfig(codebook=CodebookConfig(k=4, sample_size=100_000), encode=EncodeConfig(features="bow"),
                          train=TrainConfig(scale="all"), evaluate=EvalConfig(**evaluate))


def _train_index(fold: FoldResult, n: int) -> np.ndarray:
    return np.setdiff1d(np.arange(n), fold.test_index)


def test_codebook_and_scaler_are_fit_on_each_folds_training_clips_only(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from soccer_lstm.features.codebook import Codebook
    from soccer_lstm.features.scaling import SequenceScaler

    store = FeatureStore(write_feature_store(tmp_path / "features", LABELS))
    books, scalings = [], []
    fit_book, fit_scaler = Codebook.fit, SequenceScaler.fit

    def spy_book(self: Codebook, descriptors: np.ndarray) -> Codebook:
        books.append(set(np.unique(np.asarray(descriptors)[:, 0]).astype(int).tolist()))  # column 0: clip tag
        return fit_book(self, descriptors)

    def spy_scaler(self: SequenceScaler, sequences: Sequence[np.ndarray], y=None) -> SequenceScaler:
        scalings.append(np.concatenate(sequences))
        return fit_scaler(self, sequences, y)

    monkeypatch.setattr(Codebook, "fit", spy_book)
    monkeypatch.setattr(SequenceScaler, "fit", spy_scaler)
    Recorder.fitted = []
    config, cache = _config(folds=3), EncodedFolds()
    result = cross_validate(store, config, make_classifier=lambda seed: Recorder(), seeds=(0, 1), cache=cache)

    assert len(result.folds) == 6 and len(books) == 6 and len(scalings) == 6  # a codebook per fold and seed
    for fold, book, scaled, labels in zip(result.folds, books, scalings, Recorder.fitted):
        train = _train_index(fold, len(store))
        assert book == set(train.tolist()), f"seed {fold.seed} fold {fold.fold}: codebook fit on clips {sorted(book)}"
        sequences = cache.vectors(store, train, replace(config.codebook, seed=fold.seed), config.encode)
        np.testing.assert_array_equal(scaled, np.concatenate([sequences[i] for i in train]),
                                      err_msg=f"seed {fold.seed} fold {fold.fold}: scaler not fit on the training clips")
        assert labels == [LABELS[i] for i in train]


def test_groups_of_a_manifest_never_straddle_folds(tiny_dataset: Path, tiny_features: Path, tmp_path: Path) -> None:
    """End to end: manifest column ``group`` -> extract -> store -> the folds of cross-validation."""
    from soccer_lstm.pipeline import run_extract

    manifest = tmp_path / "clips.csv"
    clips = sorted(p for p in tiny_dataset.rglob("*.avi"))
    with open(manifest, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "label", "group"])
        for path in clips:  # one match per clip number: three clips of three classes each
            writer.writerow([str(path), path.parent.name, f"match{int(path.stem[-2:])}"])
    out = Path(shutil.copytree(tiny_features, tmp_path / "features"))  # same clips: nothing is extracted again
    summary = run_extract(manifest, out, ExtractConfig(resize=160, max_keypoints=150))
    assert (summary.extracted, summary.cached) == (0, len(clips))
    store = FeatureStore(out)
    assert sorted(set(store.groups)) == [f"match{i}" for i in range(6)]

    result = cross_validate(store, replace(_config(folds=3), codebook=CodebookConfig(k=8, sample_size=2000)),
                            make_classifier=lambda seed: Recorder())
    tested = []
    for fold in result.folds:
        test_groups = {store.groups[i] for i in fold.test_index}
        train_groups = {store.groups[i] for i in _train_index(fold, len(store))}
        assert not test_groups & train_groups, f"fold {fold.fold}: groups {sorted(test_groups & train_groups)} straddle"
        tested += fold.test_index
    assert sorted(tested) == list(range(len(store)))


def _hand_made_result() -> CVResult:
    # True kick x3 (predicted kick, kick, pass), true pass x1 (predicted pass), true throw x2 (kick, throw).
    labels = ["kick", "kick", "kick", "pass", "throw", "throw"]
    result = CVResult(["kick", "pass", "throw"], labels, [f"c{i}" for i in range(6)])
    result.folds = [FoldResult(0, 0, [0, 3, 4], ["kick", "pass", "kick"], 2 / 3, 1.0),
                    FoldResult(1, 0, [1, 2, 5], ["kick", "pass", "throw"], 2 / 3, 2.0)]
    return result


def test_confusion_rows_are_true_classes_and_recall_is_per_true_class() -> None:
    result = _hand_made_result()
    np.testing.assert_array_equal(result.confusion(), [[2, 1, 0], [0, 1, 0], [1, 0, 1]])
    summary = result.summary()
    # Over the true class (rows): kick 2/3, pass 1/1, throw 1/2. Over columns it would be 2/3, 1/2, 1/1.
    assert summary["per_class_recall"] == pytest.approx({"kick": 2 / 3, "pass": 1.0, "throw": 0.5})
    assert summary["accuracy_mean"] == pytest.approx(2 / 3) and summary["accuracy_std"] == pytest.approx(0)
    assert summary["train_seconds"] == pytest.approx(3.0) and summary["n_clips"] == 6
    text = format_metrics(summary)
    assert "0.667 +- 0.000  (2 folds: 0.667, 0.667)" in text and "throw" in text and "0.500" in text



def test_folds_run_in_worker_processes_give_the_same_result_as_in_this_one(tmp_path: Path) -> None:
    """--n-jobs runs (seed, fold) pairs in other processes: every run is seeded, so nothing changes."""
    store = FeatureStore(write_feature_store(tmp_path / "features", LABELS))
    config = replace(_config(folds=3), train=TrainConfig(units=4, epochs=3, patience=3, scale="all"))
    alone = cross_validate(store, config, seeds=[0, 1])
    parallel = cross_validate(store, config, seeds=[0, 1], n_jobs=2)
    assert [(f.seed, f.fold) for f in parallel.folds] == [(s, n) for s in (0, 1) for n in range(3)]
    assert [(f.seed, f.fold, f.test_index, f.predicted) for f in parallel.folds] == \
           [(f.seed, f.fold, f.test_index, f.predicted) for f in alone.folds]


def test_evaluate_follows_the_classifier_option(tmp_path: Path) -> None:
    """evaluate --classifier cross-validates that classifier under the same protocol (here a baseline, no LSTM)."""
    from helpers import run_cli
    from soccer_lstm.artifacts import read_json

    features = write_feature_store(tmp_path / "features", LABELS)
    result = run_cli("evaluate", features, "-o", tmp_path / "eval", "--classifier", "clip_logistic",
                     "--features", "bow", "-k", "4", "--sample-size", "500")
    assert result.exit_code == 0, result.output
    metrics = read_json(tmp_path / "eval" / "metrics.json")
    assert metrics["config"]["train"]["classifier"] == "clip_logistic"
    assert (tmp_path / "eval" / "rows" / "bow-clip-logistic" / "results.json").is_file()
    assert len(metrics["fold_accuracies"]) == 3
    refused = run_cli("evaluate", features, "-o", tmp_path / "eval2", "--classifier", "chi2_svm", "--features", "bow+motion")
    assert refused.exit_code == 2 and "needs features = 'bow'" in refused.output
