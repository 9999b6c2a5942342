"""Feedback while training and evaluating, resumable evaluate, plain log lines (issue 15)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_cli
from stage_fixtures import FAST, TINY_TRAIN, small_run  # noqa: F401 (fixture)


def plain(text: str) -> None:
    """Log output: no carriage return, no escape code, no Keras bar."""
    assert "\r" not in text and "\x1b" not in text, repr(text)
    assert "━" not in text and "step -" not in text and "/step" not in text, text


@pytest.mark.parametrize("verbosity", [[], ["-v"]])
def test_train_reports_every_epoch_and_the_best_one(small_run: dict[str, Path], tmp_path: Path,
                                                    verbosity: list[str]) -> None:
    out = tmp_path / "model"
    result = run_cli(*verbosity, "train", str(small_run["sequences"]), "-o", str(out), *TINY_TRAIN, "--plot",
                     quiet=False)
    assert result.exit_code == 0, result.output
    plain(result.stderr)
    epochs = [line for line in result.stderr.splitlines() if line.startswith("train: epoch ")]
    assert epochs and all("loss" in line and "val loss" in line and "val clip accuracy" in line for line in epochs)
    history = json.loads((out / "history.json").read_text())
    assert len(history["history"]["val_accuracy"]) == len(history["history"]["loss"]) == history["epochs_run"]
    best = history["best_epoch"]
    summary = [line for line in result.stderr.splitlines() if line.startswith("train: best epoch")]
    assert len(summary) == 1 and f"best epoch {best} of {history['epochs_run']}" in summary[0], result.stderr
    assert f"val clip accuracy {history['history']['val_accuracy'][best - 1]:.3g}" in summary[0]
    assert (out / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"


def test_extract_progress_in_a_log_is_plain_lines(small_run: dict[str, Path], tmp_path: Path) -> None:
    result = run_cli("extract", str(small_run["data"]), "-o", str(tmp_path / "f"), *FAST, quiet=False)
    assert result.exit_code == 0
    plain(result.stderr)
    assert "extract: 15/15 clips" in result.stderr.splitlines()


def test_evaluate_prints_one_line_per_fold_and_resumes_after_an_interruption(small_run: dict[str, Path],
                                                                              tmp_path: Path, monkeypatch) -> None:
    from soccer_lstm.models.lstm import LSTMClassifier

    out = tmp_path / "eval"
    args = ("evaluate", str(small_run["features"]), "-o", str(out), "-k", "4", "--sample-size", "100",
            "--folds", "2", *TINY_TRAIN)
    real_fit, calls = LSTMClassifier.fit, []

    def fit_then_interrupt(self, sequences, labels):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_fit(self, sequences, labels)

    monkeypatch.setattr(LSTMClassifier, "fit", fit_then_interrupt)
    first = run_cli(*args, quiet=False)
    assert first.exit_code == 130
    assert "finished folds are kept" in first.stderr and "re-run the same command to resume" in first.stderr
    assert [line for line in first.stderr.splitlines() if line.startswith("seed 0 fold")] == [
        line for line in first.stderr.splitlines() if line.startswith("seed 0 fold 1/2: accuracy")]
    monkeypatch.undo()
    second = run_cli(*args, quiet=False)
    assert second.exit_code == 0, second.output
    plain(second.stderr)
    folds = [line for line in second.stderr.splitlines() if line.startswith("seed 0 fold")]
    assert len(folds) == 2 and "kept from an earlier run" in folds[0] and "kept" not in folds[1], folds
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["fold_accuracies"]) == 2
    assert len(list((out / "rows").glob("*/folds/*.json"))) == 2  # the layout reproduce writes per row


def test_same_seed_same_figures(small_run: dict[str, Path], tmp_path: Path) -> None:
    """Repeatable on one machine: the same command with the same seed gives the same history and answers."""
    clip = str(sorted(small_run["data"].glob("pan-left/*.avi"))[0])
    answers = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert run_cli("train", str(small_run["sequences"]), "-o", str(out), *TINY_TRAIN).exit_code == 0
        history = json.loads((out / "history.json").read_text())["history"]
        answer = json.loads(run_cli("predict", "--model", str(out), "--json", clip).stdout)["probabilities"]
        answers.append((history, answer))
    assert answers[0] == answers[1]
