"""score: a trained model on a labelled held-out folder (issue 15)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from clipgen import make_dataset
from helpers import run_cli
from stage_fixtures import small_run  # noqa: F401 (fixture)


def test_score_writes_metrics_and_a_confusion_png(small_run: dict[str, Path], tmp_path: Path) -> None:
    held_out = make_dataset(tmp_path / "held_out", clips_per_class=1, n_frames=8)
    out = tmp_path / "score"
    result = run_cli("score", "--model", str(small_run["model"]), str(held_out), "-o", str(out))
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_clips"] == 3 and 0.0 <= metrics["accuracy"] <= 1.0
    assert set(metrics["per_class_recall"]) == set(metrics["per_class_precision"]) == {"pan-left", "pan-right", "still"}
    assert sum(map(sum, metrics["confusion_matrix"])) == 3
    assert {p["label"] for p in metrics["predictions"]} == {"pan-left", "pan-right", "still"}
    assert (out / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.stdout.startswith(f"accuracy {metrics['accuracy']:.3f} on 3 clips of held_out")
    assert "precision" in result.stdout


def test_score_refuses_classes_the_model_does_not_know(small_run: dict[str, Path], tmp_path: Path) -> None:
    other = make_dataset(tmp_path / "other", clips_per_class=1, n_frames=4, classes=("still", "zoom"))
    result = run_cli("score", "--model", str(small_run["model"]), str(other), "-o", str(tmp_path / "s"))
    assert result.exit_code == 2 and "zoom" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "s").exists()


def test_predict_on_a_class_folder_points_to_score(small_run: dict[str, Path]) -> None:
    result = run_cli("predict", "--model", str(small_run["model"]), str(small_run["data"]))
    assert "soccer-lstm score" in result.stderr, result.output


@pytest.mark.parametrize("seed", range(4))
def test_score_metrics_count_as_scikit_learn_does(seed: int) -> None:
    """score counts in NumPy (it imports no scikit-learn); the figures are scikit-learn's, a class never
    answered or never tested included."""
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    from soccer_lstm.evaluation.score import score_metrics

    rng = np.random.default_rng(seed)
    classes = ["corner", "goal-kick", "kick-off", "throw-in"]
    truth = list(rng.choice(classes[:3], 25))  # throw-in never tested
    predicted = list(rng.choice(classes[1:] if seed % 2 else classes, 25))  # corner never answered on odd seeds
    metrics = score_metrics([{"label": t, "predicted": p, "low_confidence": bool(i % 3 == 0)}
                             for i, (t, p) in enumerate(zip(truth, predicted))], classes)
    precision, recall, _, _ = precision_recall_fscore_support(truth, predicted, labels=classes, average=None,
                                                              zero_division=np.nan)
    assert metrics["confusion_matrix"] == confusion_matrix(truth, predicted, labels=classes).tolist()
    assert metrics["accuracy"] == accuracy_score(truth, predicted)
    for c, p, r in zip(classes, precision, recall):
        assert metrics["per_class_precision"][c] == (None if np.isnan(p) else p)
        assert metrics["per_class_recall"][c] == (None if np.isnan(r) else r)
    assert metrics["per_class_recall"]["throw-in"] is None
