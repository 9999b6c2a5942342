"""Caches know the code: a stage's artifact format cannot change without its schema version.

The test runs every stage on the tiny generated set and records the *format* of what each writes
(file names, JSON keys, array names, dtypes and ranks; not the numbers) next to the stage's version
in ``tests/data/schema_formats.json``. If a format differs from the recorded one while the version
is the same, the test fails: bump the stage in ``soccer_lstm/schema.py`` (old artifacts are then
rebuilt instead of trusted) and record the new format with
``UPDATE_SCHEMA_FORMATS=1 python -m pytest tests/test_schema.py``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from soccer_lstm.schema import SCHEMA_VERSIONS

RECORD = Path(__file__).parent / "data" / "schema_formats.json"
# Nested objects whose keys are names the code chooses (not data such as class names or clip ids).
NESTED = ("scaler", "train", "encode", "extract", "config", "row", "summary", "pipeline", "transform", "codebook",
          "evaluate", "inputs", "geometry", "params")


def _json_format(data: Any, depth: int = 0) -> Any:
    if isinstance(data, dict):
        return {k: (_json_format(v, depth + 1) if k in NESTED and depth < 2 else type(v).__name__)
                for k, v in sorted(data.items())}
    return type(data).__name__


def _npz_format(path: Path) -> dict[str, Any]:
    from soccer_lstm.artifacts import load_npz

    arrays, meta = load_npz(path)
    return {"arrays": {k: f"{v.dtype.kind}{v.dtype.itemsize}/{v.ndim}d" for k, v in sorted(arrays.items())},
            "meta": _json_format(meta)}


def _one(folder: Path, pattern: str) -> Path:
    return sorted(folder.glob(pattern))[0]


@pytest.fixture(scope="module")
def formats(tiny_features: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from soccer_lstm.config import CodebookConfig, EncodeConfig, EvalConfig, PipelineConfig, TrainConfig
    from soccer_lstm.evaluation.reproduce import run_evaluate
    from soccer_lstm.pipeline import run_codebook, run_encode, run_train

    work = tmp_path_factory.mktemp("schema")
    codebook, sequences, model, evaluation = (work / "codebook.npz", work / "sequences", work / "model",
                                              work / "eval")
    run_codebook(tiny_features, codebook, CodebookConfig(k=8, sample_size=2000))
    run_encode(tiny_features, codebook, sequences, EncodeConfig(features="bow+motion+hof"))
    train = TrainConfig(units=2, epochs=1, patience=1, validation_split=0.0)
    run_train(sequences, model, train)
    config = PipelineConfig(codebook=CodebookConfig(k=8, sample_size=2000), encode=EncodeConfig(features="bow"),
                            train=train, evaluate=EvalConfig(folds=2))
    run_evaluate(tiny_features, evaluation, config, threads=None)
    read = lambda path: _json_format(json.loads(path.read_text()))  # noqa: E731
    return {
        "extract": {"index.json": read(tiny_features / "index.json"),
                    "clips/*.npz": _npz_format(_one(tiny_features, "clips/*.npz"))},
        "codebook": {"codebook.npz": _npz_format(codebook)},
        "encode": {"index.json": read(sequences / "index.json"),
                   "clips/*.npz": _npz_format(_one(sequences, "clips/*.npz"))},
        "train": {name: read(model / name) for name in ("pipeline.json", "lstm.json", "history.json")}
                 | {"files": sorted(p.name for p in model.iterdir() if not p.name.startswith("."))},
        "evaluate": {"metrics.json": read(evaluation / "metrics.json"),
                     "rows/*/config.json": read(_one(evaluation, "rows/*/config.json")),
                     "rows/*/results.json": read(_one(evaluation, "rows/*/results.json")),
                     "rows/*/folds/*.json": read(_one(evaluation, "rows/*/folds/*.json"))},
    }


def test_no_artifact_format_changes_without_its_schema_version(formats: dict[str, Any]) -> None:
    current = {stage: {"version": SCHEMA_VERSIONS[stage], "format": formats[stage]} for stage in SCHEMA_VERSIONS}
    # A round trip through JSON, so that tuples and lists compare alike.
    current = json.loads(json.dumps(current))
    if os.environ.get("UPDATE_SCHEMA_FORMATS"):
        RECORD.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    recorded = json.loads(RECORD.read_text())
    assert set(recorded) == set(current), "a stage was added or removed: record the formats again"
    for stage, now in current.items():
        before = recorded[stage]
        if before["version"] == now["version"]:
            assert before["format"] == now["format"], (
                f"what '{stage}' writes changed but its schema version is still {now['version']}: bump "
                f"SCHEMA_VERSIONS['{stage}'] in soccer_lstm/schema.py and record the formats again "
                f"(UPDATE_SCHEMA_FORMATS=1 python -m pytest tests/test_schema.py)")
        else:
            pytest.fail(f"'{stage}' moved to schema version {now['version']}: record its format "
                        f"(UPDATE_SCHEMA_FORMATS=1 python -m pytest tests/test_schema.py)")


def test_a_model_of_another_schema_is_refused(formats: dict[str, Any], tmp_path: Path) -> None:
    """An artifact made under another format is rebuilt or refused, never read as if it were current."""
    from soccer_lstm.artifacts import fingerprint  # noqa: F401  (the key function every stage uses)
    from soccer_lstm.errors import ArtifactError
    from soccer_lstm.store import read_stage_index

    folder = tmp_path / "seq"
    folder.mkdir()
    (folder / "index.json").write_text(json.dumps({"stage": "encode", "schema_version": SCHEMA_VERSIONS["encode"] + 1,
                                                   "package_version": "9.9", "clips": []}))
    with pytest.raises(ArtifactError, match="written by soccer-lstm 9.9 in another sequences format"):
        read_stage_index(folder, "encode", "sequences")
    assert np.all([formats[stage] for stage in SCHEMA_VERSIONS])
