"""Every stage's cache key holds its schema version: after a format change, nothing cached is reused.

``tests/test_schema.py`` checks that a format change comes with a version bump; this file checks
that the bump reaches every cache, through each stage's public entry point: bump one stage's number
in ``SCHEMA_VERSIONS`` and run it again on its own output. Leaving the version out of a key (the
break these tests were seen to catch) would read the stale artifacts back as up to date.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers import write_feature_store, write_sequences
from soccer_lstm.artifacts import read_json
from soccer_lstm.config import CodebookConfig, EncodeConfig, EvalConfig, ExtractConfig, PipelineConfig, TrainConfig
from soccer_lstm.errors import UserError
from soccer_lstm.schema import SCHEMA_VERSIONS

LABELS = ["kick"] * 4 + ["pass"] * 4 + ["throw"] * 4


def _bump(monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    monkeypatch.setitem(SCHEMA_VERSIONS, stage, SCHEMA_VERSIONS[stage] + 100)


def test_extract_redoes_every_clip_after_its_schema_changes(tiny_features: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from soccer_lstm.pipeline import run_extract

    config = ExtractConfig(resize=160, max_keypoints=150)
    source = Path(read_json(tiny_features / "index.json")["source"])
    out = Path(shutil.copytree(tiny_features, tmp_path / "features"))
    assert run_extract(source, out, config).cached == 18
    _bump(monkeypatch, "extract")
    summary = run_extract(source, out, config)
    assert (summary.extracted, summary.cached) == (18, 0), "clips of the old extract format were reused"


def test_codebook_is_not_reused_after_its_schema_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from soccer_lstm.pipeline import run_codebook

    features = write_feature_store(tmp_path / "features", LABELS)
    config = CodebookConfig(k=4, sample_size=10_000)
    assert run_codebook(features, tmp_path / "codebook.npz", config).rebuilt
    assert not run_codebook(features, tmp_path / "codebook.npz", config).rebuilt
    _bump(monkeypatch, "codebook")
    try:
        again = run_codebook(features, tmp_path / "codebook.npz", config)
    except UserError as error:                       # refused as another format: not reused either
        assert "codebook format" in str(error)
    else:
        assert again.rebuilt, "a codebook of the old format was reused"


def test_encode_redoes_every_clip_after_its_schema_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from soccer_lstm.pipeline import run_codebook, run_encode

    features = write_feature_store(tmp_path / "features", LABELS)
    run_codebook(features, tmp_path / "codebook.npz", CodebookConfig(k=4, sample_size=10_000))
    config, out = EncodeConfig(features="bow"), tmp_path / "sequences"
    assert run_encode(features, tmp_path / "codebook.npz", out, config).encoded == 12
    assert run_encode(features, tmp_path / "codebook.npz", out, config).cached == 12
    _bump(monkeypatch, "encode")
    result = run_encode(features, tmp_path / "codebook.npz", out, config)
    assert (result.encoded, result.cached) == (12, 0), "sequences of the old encode format were reused"


def test_train_trains_again_after_its_schema_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from soccer_lstm.pipeline import run_train

    rng = np.random.default_rng(0)
    sequences = [rng.dirichlet(np.ones(4), size=int(rng.integers(3, 6))).astype(np.float32) for _ in range(6)]
    folder = write_sequences(tmp_path / "seq", sequences, ["kick", "throw"] * 3, {"bow": [0, 4]}, "bow")
    config = TrainConfig(units=2, epochs=1, patience=1, validation_split=0.0, mirror=False)
    assert run_train(folder, tmp_path / "model", config).trained
    assert not run_train(folder, tmp_path / "model", config).trained
    _bump(monkeypatch, "train")
    assert run_train(folder, tmp_path / "model", config).trained, "a model of the old train format was reused"


def test_evaluate_reuses_neither_rows_nor_folds_after_its_schema_changes(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from soccer_lstm.evaluation.reproduce import run_evaluate

    features = write_feature_store(tmp_path / "features", LABELS)
    config = PipelineConfig(codebook=CodebookConfig(k=4, sample_size=10_000), encode=EncodeConfig(features="bow"),
                            train=TrainConfig(units=2, epochs=1, patience=1, validation_split=0.0, mirror=False),
                            evaluate=EvalConfig(folds=3))
    out, said = tmp_path / "eval", []

    def run() -> str:
        said.clear()
        run_evaluate(features, out, config, seeds=(0,), threads=None, say=said.append)
        return "\n".join(said)

    first = run()
    assert "saved results" not in first and "kept from an earlier run" not in first
    assert "saved results" in run(), "the finished row was not read back"
    for results in out.glob("rows/*/results.json"):              # as if interrupted after the last fold
        results.unlink()
    assert run().count("kept from an earlier run") == 3, "the finished folds were not read back"
    _bump(monkeypatch, "evaluate")
    for results in out.glob("rows/*/results.json"):
        results.unlink()
    assert "kept from an earlier run" not in run(), "folds of the old evaluate format were reused"
    _bump(monkeypatch, "evaluate")
    assert "saved results" not in run(), "a row of the old evaluate format was reused"
