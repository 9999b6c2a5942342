"""The tables of README.md and docs/results.md equal the committed reports they come from (``make docs``)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from soccer_lstm.evaluation import doc_tables
from soccer_lstm.evaluation.doc_tables import TableError, block_names, render, stale_documents, table
from soccer_lstm.spotting.metric import spotting_score
from soccer_lstm.spotting.soccernet import Event

ROOT = doc_tables.ROOT
DATASETS = sorted(p.parent.name for p in (ROOT / "docs" / "results").glob("*/metrics.json"))


def _copy_root(tmp_path: Path) -> Path:
    """README, docs/results.md, the reports and the lock under ``tmp_path``, laid out as in the repository."""
    for name in ("README.md", "docs/results.md", "requirements/lock.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    for dataset in DATASETS:
        (tmp_path / "docs/results" / dataset).mkdir(parents=True)
        shutil.copy(ROOT / "docs/results" / dataset / "metrics.json", tmp_path / "docs/results" / dataset)
        if (ROOT / "docs/results" / dataset / "features/metrics.json").exists():
            (tmp_path / "docs/results" / dataset / "features").mkdir()
            shutil.copy(ROOT / "docs/results" / dataset / "features/metrics.json",
                        tmp_path / "docs/results" / dataset / "features")
    shutil.copytree(ROOT / "docs/results/spotting", tmp_path / "docs/results/spotting")
    shutil.copytree(ROOT / "docs/results/locations", tmp_path / "docs/results/locations")
    (tmp_path / "benchmarks").mkdir()
    shutil.copy(ROOT / "benchmarks/results.md", tmp_path / "benchmarks")
    return tmp_path


def test_every_table_of_the_docs_equals_what_its_report_gives() -> None:
    assert stale_documents() == [], "a table differs from its report: run `make docs` (or fix the report)"
    names = block_names((ROOT / "docs/results.md").read_text()) + block_names((ROOT / "README.md").read_text())
    assert {"paper:synthetic", "real-clips", "features", "versions"} <= set(names)


def test_a_figure_changed_in_the_docs_or_in_a_report_is_noticed(tmp_path: Path) -> None:
    root = _copy_root(tmp_path)
    assert stale_documents(root) == []
    results = root / "docs/results.md"
    text = results.read_text()
    assert "| BoW + LSTM | 76 | 67.0 +- 7.4 | 2.2 |" in text
    results.write_text(text.replace("| BoW + LSTM | 76 | 67.0 +- 7.4 | 2.2 |", "| BoW + LSTM | 76 | 64.7 +- 5.9 | 2.6 |"))
    assert stale_documents(root) == ["docs/results.md"]
    assert render(results.read_text(), root) == text          # make docs puts the report's figure back

    results.write_text(text)
    report = root / "docs/results/basketball_action_dataset/metrics.json"
    metrics = json.loads(report.read_text())
    metrics["rows"][2]["rate_mean"] += 0.1                     # a re-measured row, docs not regenerated
    original = report.read_text()
    report.write_text(json.dumps(metrics))
    assert stale_documents(root) == ["docs/results.md"]
    report.write_text(original)
    assert stale_documents(root) == []

    bench = root / "benchmarks/results.md"
    measured = bench.read_text()
    assert "| Encode `--features bow` | " in measured and "| Encode `--features bow` | " in text
    bench.write_text(measured.replace("| Encode `--features bow` | ", "| Encode `--features bow` | 1"))
    assert stale_documents(root) == ["docs/results.md"]               # a new bench run, docs not regenerated

    lock = root / "requirements/lock.txt"
    lock.write_text(lock.read_text().replace("opencv-contrib-python-headless==5.0.0.93",
                                             "opencv-contrib-python-headless==5.1.0.95"))
    assert set(stale_documents(root)) == {"README.md", "docs/results.md"}   # a refreshed lock: re-measure


def test_the_committed_reports_hold_the_statistics_of_their_own_runs() -> None:
    assert DATASETS, "no committed report under docs/results/"
    paths = [ROOT / "docs/results" / dataset / "metrics.json" for dataset in DATASETS]
    paths += sorted((ROOT / "docs" / "results").glob("*/features/metrics.json"))   # the feature runs
    for path in paths:
        report = json.loads(path.read_text())
        dataset = path.parent.relative_to(ROOT / "docs/results")
        for row in report["rows"]:
            where = f"{dataset}/{row['id']}"
            runs = np.asarray(row["accuracies"]) * 100
            seeds = np.asarray(row["seeds"])
            assert row["runs"] == len(runs) == len(seeds) == report["folds"] * len(report["seeds"]), where
            assert sorted(set(row["seeds"])) == sorted(report["seeds"]), where
            assert row["rate_mean"] == pytest.approx(runs.mean(), abs=1e-4), where
            assert row["rate_std"] == pytest.approx(runs.std(), abs=1e-4), where
            per_seed = [runs[seeds == s].mean() for s in sorted(set(row["seeds"]))]
            assert row["rate_seed_std"] == pytest.approx(np.std(per_seed), abs=1e-4), where
            confusion = np.asarray(row["confusion_matrix"])
            assert confusion.sum() == report["n_clips"] * len(report["seeds"]), where
            recall = np.diag(confusion) / confusion.sum(axis=1)
            assert [row["per_class_recall"][c] for c in row["classes"]] == pytest.approx(list(recall)), where


def test_a_spotting_report_becomes_a_table(tmp_path: Path) -> None:
    truth = [Event(1, 10_000, "goal"), Event(1, 100_000, "goal"), Event(2, 30_000, "throw-in")]
    guesses = [Event(1, 11_000, "goal", 0.9), Event(1, 50_000, "goal", 0.8), Event(1, 100_000, "goal", 0.3)]
    score = spotting_score([("g", truth, guesses)])
    path = tmp_path / "docs/results/spotting/spot-demo.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(score.as_dict()))
    lines = table("spotting:spot-demo", tmp_path).splitlines()
    assert lines[0] == "| class | actions | AP loose | AP tight | AP at 5 s |"
    assert lines[2] == (f"| goal | 2 | {score.per_class_loose['goal']:.3f} | {score.per_class_tight['goal']:.3f} "
                        f"| {score.per_class_at_tolerance['goal']:.3f} |")
    assert lines[3] == "| throw-in | 1 | 0.000 | 0.000 | 0.000 |"
    assert lines[4] == (f"| **average-mAP** / mAP | 3 | **{score.average_map_loose:.3f}** | "
                        f"**{score.average_map_tight:.3f}** | {score.map_at_tolerance:.3f} |")
    doc = "intro\n<!-- table:spotting:spot-demo (generated) -->\n| stale |\n<!-- /table -->\nafter\n"
    assert render(doc, tmp_path) == ("intro\n<!-- table:spotting:spot-demo (generated) -->\n" + "\n".join(lines)
                                     + "\n<!-- /table -->\nafter\n")


def test_spotting_runs_become_one_row_each_and_must_share_their_classes(tmp_path: Path) -> None:
    truth = [Event(1, 10_000, "goal"), Event(1, 60_000, "throw-in")]
    folder = tmp_path / "docs/results/spotting"
    folder.mkdir(parents=True)
    scores = {}
    for name, shift in (("near", 500), ("far", 4_000)):
        guesses = [Event(1, 10_000 + shift, "goal", 0.9), Event(1, 60_000 + shift, "throw-in", 0.7)]
        scores[name] = spotting_score([("g", truth, guesses)])
        (folder / f"{name}.json").write_text(json.dumps(scores[name].as_dict()))
    lines = table("spotting-runs:near,far", tmp_path).splitlines()
    assert lines[0] == "| report | actions | AP loose | AP tight | mAP at 5 s | goal | throw-in |"
    assert len(lines) == 4
    near, far = scores["near"], scores["far"]
    assert lines[2] == (f"| `near` | 2 | {near.average_map_loose:.3f} | {near.average_map_tight:.3f} | "
                        f"{near.map_at_tolerance:.3f} | 1.000 | 1.000 |")
    assert lines[3].startswith("| `far` | 2 |") and lines[3].endswith("| 0.000 | 0.000 |")
    other = spotting_score([("g", truth + [Event(1, 90_000, "penalty")], [])])
    (folder / "other.json").write_text(json.dumps(other.as_dict()))
    with pytest.raises(TableError, match=r"other\.json: other classes"):
        table("spotting-runs:near,other", tmp_path)
    doc = "<!-- table:spotting-runs:near,far (generated) -->\n<!-- /table -->\n"
    assert render(doc, tmp_path).splitlines()[1:-1] == table("spotting-runs:near,far", tmp_path).splitlines()


def test_evaluate_reports_become_one_row_each(tmp_path: Path) -> None:
    for name, features, levels, rate in (("a", "bow", "1,2", 40.04), ("b", "spm+hof", "1,2,4", 93.0)):
        folder = tmp_path / "docs/results/locations" / name
        folder.mkdir(parents=True)
        report = {"rows": [{"rate_mean": rate, "rate_std": 5.66, "runs": 9, "train_seconds": 151.7}],
                  "config": {"encode": {"features": features, "spm_levels": levels}}}
        (folder / "metrics.json").write_text(json.dumps(report))
    lines = table("evaluations:locations/a,locations/b", tmp_path).splitlines()
    assert lines[2] == "| `locations/a` | `bow` | 40.0 +- 5.7 | 9 | 152 s |"
    assert lines[3] == "| `locations/b` | `spm+hof`, levels `1,2,4` | 93.0 +- 5.7 | 9 | 152 s |"
    with pytest.raises(TableError, match=r"locations/c/metrics\.json: cannot read"):
        table("evaluations:locations/a,locations/c", tmp_path)


def test_an_unknown_table_or_a_missing_report_is_named(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="no table called 'nonsense'"):
        render("<!-- table:nonsense -->\n<!-- /table -->\n")
    with pytest.raises(TableError, match="no table called 'paper'"):
        table("paper")
    with pytest.raises(TableError, match=r"spotting[/\\]missing\.json"):
        table("spotting:missing", tmp_path)
    with pytest.raises(TableError, match=r"nowhere[/\\]metrics\.json"):
        table("paper:nowhere", tmp_path)


def test_feature_runs_of_the_three_sets_become_one_table_with_their_mean(tmp_path: Path) -> None:
    def row(row_id: str, rate: float) -> dict:
        return {"id": row_id, "name": f"row {row_id}", "features": row_id, "rate_mean": rate, "rate_std": 1.0}

    reports = {"synthetic": [row("a", 80.0), row("b", 90.0)], "football_skills_ahmedemam2": [row("a", 95.0)],
               "basketball_action_dataset": [row("a", 40.0), row("b", 50.0)]}
    with pytest.raises(TableError, match="features/metrics.json"):
        table("feature-runs", tmp_path)
    for dataset, rows in reports.items():
        path = tmp_path / "docs/results" / dataset / "features/metrics.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"n_clips": 10, "rows": rows}))
    lines = table("feature-runs", tmp_path).splitlines()
    assert lines[0] == ("| row | features | synthetic (10 clips) | football skills (10 clips) | basketball actions "
                        "(10 clips) | mean of the three |")
    assert lines[2] == "| row a | `a` | 80.0 +- 1.0 | 95.0 +- 1.0 | 40.0 +- 1.0 | 71.7 |"
    assert lines[3] == "| row b | `b` | 90.0 +- 1.0 | – | 50.0 +- 1.0 | – |"     # not measured on football
