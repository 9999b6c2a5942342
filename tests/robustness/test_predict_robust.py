"""predict answers for the clips it can read and reports, in one line each, those it cannot (exit 1)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from clipgen import write_avi
from helpers import run_cli
from robust_helpers import error_line, make_clip, no_crash


def test_predict_answers_good_clips_and_reports_bad_ones(trained: dict, good_dataset: Path, tmp_path: Path) -> None:
    good = good_dataset / "kick" / "kick_1.avi"
    zero = tmp_path / "zero.avi"
    zero.write_bytes(b"")
    text = tmp_path / "notes.mp4"
    text.write_text("hello\n")
    single = make_clip(tmp_path / "one frame.avi", seed=3, n=1)
    black = write_avi(tmp_path / "black.avi", [np.zeros((48, 64, 3), np.uint8)] * 3)
    odd = shutil.copy(good_dataset / "throw" / "throw_0.avi", tmp_path / "clip é ü 1.avi")
    missing = tmp_path / "missing.avi"
    result = run_cli("predict", "--model", trained["model"], good, zero, text, single, black, odd, missing)
    no_crash(result)
    assert result.exit_code == 1, result.output
    answered = {line.split("\t")[0]: line.split("\t")[1] for line in result.stdout.splitlines()}
    assert set(answered) == {str(good), str(single), str(black), str(odd)}
    assert set(answered.values()) <= {"kick", "throw"}
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 3
    for path, words in ((zero, "empty file"), (text, "text file"), (missing, "no such file")):
        assert sum(str(path) in line and words in line for line in errors) == 1, errors


def test_predict_json_marks_the_failed_clip(trained: dict, good_dataset: Path, tmp_path: Path) -> None:
    zero = tmp_path / "zero.avi"
    zero.write_bytes(b"")
    good = good_dataset / "throw" / "throw_2.avi"
    result = run_cli("predict", "--model", trained["model"], "--json", zero, good)
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["path"] == str(zero) and rows[0]["label"] is None and "empty file" in rows[0]["error"]
    assert rows[1]["label"] in ("kick", "throw") and abs(sum(rows[1]["probabilities"].values()) - 1) < 1e-3


def test_predict_only_bad_clips_exits_1(trained: dict, tmp_path: Path) -> None:
    zero = tmp_path / "zero.avi"
    zero.write_bytes(b"")
    result = run_cli("predict", "--model", trained["model"], zero)
    no_crash(result)
    assert result.exit_code == 1 and result.stdout == ""


def test_predict_with_a_missing_or_foreign_model_folder(good_dataset: Path, tmp_path: Path) -> None:
    clip = good_dataset / "kick" / "kick_0.avi"
    error_line(run_cli("predict", "--model", tmp_path / "nope", clip), tmp_path / "nope", "no such model folder")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "pipeline.json").write_text("[1, 2, 3]")
    error_line(run_cli("predict", "--model", tmp_path / "other", clip), "pipeline.json", "not a soccer-lstm model")


def test_predict_with_a_malformed_model_description(trained: dict, good_dataset: Path, tmp_path: Path) -> None:
    model = Path(shutil.copytree(trained["model"], tmp_path / "model"))
    meta = json.loads((model / "pipeline.json").read_text())
    meta["extract"] = {"resize": 96, "unknown_option": 1}
    (model / "pipeline.json").write_text(json.dumps(meta))
    error_line(run_cli("predict", "--model", model, good_dataset / "kick" / "kick_0.avi"),
               model / "pipeline.json", "malformed")
