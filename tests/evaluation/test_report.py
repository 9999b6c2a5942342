"""The results report from fake row results: table, Markdown, JSON and PNGs."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from soccer_lstm.evaluation.report import (RowResult, class_order, format_table, per_class_recall,
                                           reorder_confusion, slug, write_report)

SORTED = ["Goal-kick", "Placed-kick", "Shot-on-goal", "Throw-in"]


def fake_row(name: str, paper: float | None, accuracies=(0.5, 0.75, 1.0, 0.5), seeds=(0, 0, 1, 1),
             classes=("Throw-in", "Goal-kick", "Shot-on-goal", "Placed-kick")) -> RowResult:
    n = len(classes)
    confusion = np.eye(n, dtype=int) * 5 + 1
    return RowResult(name, paper, list(accuracies), confusion, list(classes), train_seconds=12.5,
                     seeds=list(seeds), features="bow", classifier="lstm")


def test_mean_std_and_seed_spread_in_percent():
    row = fake_row("BoW + LSTM", 76.0)
    assert row.mean == pytest.approx(68.75)
    assert row.std == pytest.approx(100 * np.std([0.5, 0.75, 1.0, 0.5]))
    # per-seed means 62.5 and 75 -> std 6.25
    assert row.seed_std == pytest.approx(6.25)
    assert math.isnan(fake_row("one seed", None, seeds=(0, 0, 0, 0)).seed_std)


def test_paper_class_order_matches_spellings_and_falls_back_to_sorted():
    assert class_order(["throw_in", "goal kick", "shot-on-goal", "placed_kick"]) == \
        ["goal kick", "placed_kick", "shot-on-goal", "throw_in"]
    assert class_order(["Throw-in", "Shot-on-goal", "Placed-kick", "Goal-kick", "Corner"]) == SORTED + ["Corner"]
    assert class_order(["pass", "drill", "juggle"]) == ["drill", "juggle", "pass"]
    assert class_order(["Throw-in", "Goal-kick", "zzz"]) == ["Goal-kick", "Throw-in", "zzz"]


def test_reorder_confusion_permutes_rows_and_columns():
    matrix = np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(reorder_confusion(matrix, ["b", "a"], ["a", "b"]), [[4, 3], [2, 1]])
    with pytest.raises(ValueError):
        reorder_confusion(matrix, ["b", "a"], ["a", "c"])


def test_per_class_recall_and_slug():
    assert per_class_recall(np.array([[3, 1], [0, 0]]), ["x", "y"])["x"] == pytest.approx(0.75)
    assert math.isnan(per_class_recall(np.array([[3, 1], [0, 0]]), ["x", "y"])["y"])
    assert slug("BoW + motion + LSTM") == "bow-motion-lstm"


def test_format_table_has_paper_and_ours_and_skipped_reason():
    rows = [fake_row("Ballan et al. k-NN", 52.75), fake_row("Chi2 SVM", None),
            RowResult("motion + LSTM", 77.0, [], np.zeros((0, 0)), [], skipped="no motion features")]
    text = format_table(rows)
    lines = text.splitlines()
    assert "Paper %" in lines[0] and "Ours %" in lines[0]
    assert "52.75" in lines[2] and "68.8 +- 20.7" in lines[2]
    chi2 = next(line for line in lines if line.startswith("Chi2 SVM"))
    assert "52.75" not in chi2 and " - " in chi2
    assert "skipped: no motion features" in text


def test_write_report_writes_every_file(tmp_path):
    rows = [fake_row("Ballan et al. SVM", 73.25), fake_row("BoW + LSTM", 76.0),
            RowResult("motion + LSTM", 77.0, [], np.zeros((0, 0)), [], skipped="no motion features")]
    paths = write_report(rows, tmp_path / "out", title="Synthetic", context={
        "dataset": "data/synth", "n_clips": 40, "class_counts": {"Goal-kick": 10, "Placed-kick": 10,
                                                                 "Shot-on-goal": 10, "Throw-in": 10},
        "folds": 3, "seeds": [0, 1], "notes": ["a note"]})
    for key in ("report", "metrics", "rates", "ballan-et-al-svm", "bow-lstm"):
        assert paths[key].is_file() and paths[key].stat().st_size > 0
    assert paths["rates"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "motion-lstm" not in paths
    metrics = json.loads(paths["metrics"].read_text())
    row = metrics["rows"][0]
    assert row["classes"] == SORTED
    assert row["paper_rate"] == 73.25 and row["rate_mean"] == pytest.approx(68.75)
    # Confusion in paper order: the fake had classes in another order, its diagonal survives.
    assert np.trace(np.array(row["confusion_matrix"])) == 4 * 6
    assert metrics["rows"][2]["skipped"] == "no motion features"
    assert metrics["chance_rate"] == pytest.approx(25.0)
    text = paths["report"].read_text()
    assert "| Ballan et al. SVM | bow | lstm | 73.25 | 68.8 +- 20.7 |" in text
    assert "confusion/bow-lstm.png" in text and "a note" in text and "Skipped rows" in text


def test_duplicate_row_ids_and_bad_shapes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="share the id"):
        write_report([fake_row("A b", None), fake_row("a-b", None)], tmp_path)
    with pytest.raises(ValueError, match="confusion"):
        RowResult("x", None, [0.5], np.zeros((2, 2)), ["a", "b", "c"])
    with pytest.raises(ValueError, match="seeds"):
        RowResult("x", None, [0.5, 0.5], np.zeros((2, 2)), ["a", "b"], seeds=[0])
