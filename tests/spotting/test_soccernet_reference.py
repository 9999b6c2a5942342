"""``spot-score``'s metric against the official SoccerNet evaluation's figures, recorded on generated cases.

The reference (tests/data/soccernet_reference.json) was written by tests/spotting/make_soccernet_reference.py
with the ``SoccerNet`` package; this test needs only the JSON, so it runs in every CI run.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_cli
from soccer_lstm.spotting.metric import score_games

REFERENCE = json.loads((Path(__file__).resolve().parents[1] / "data" / "soccernet_reference.json").read_text())
CASES = {case["name"]: case for case in REFERENCE["cases"]}


def _write(case: dict, root: Path) -> tuple[Path, Path]:
    labels, predictions = root / "labels", root / "predictions"
    for name, game in case["games"].items():
        for folder, file, key in ((labels, "Labels-v2.json", "annotations"),
                                  (predictions, "results_spotting.json", "predictions")):
            (folder / name).mkdir(parents=True)
            (folder / name / file).write_text(json.dumps({"UrlLocal": name, key: game[key]}))
    return labels, predictions


def test_the_reference_covers_the_cases_it_claims() -> None:
    assert len(CASES) >= 8 and REFERENCE["metrics"] == ["loose", "tight", "at1", "at2", "at3", "at4", "at5"]
    assert any(not game["predictions"] for case in CASES.values() for game in case["games"].values())
    assert sum(len(case["games"]) > 1 for case in CASES.values()) >= 3
    loose = [case["official"]["loose"]["a_mAP"] for case in CASES.values()]
    assert min(loose) < 0.3 and max(loose) == pytest.approx(1.0)          # hard and easy cases alike


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_metric_equals_the_official_evaluation(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    labels, predictions = _write(case, tmp_path)
    classes = case["classes"]
    ours = score_games(labels, predictions, classes=classes)
    for metric, mine, per_class in (("loose", ours.average_map_loose, ours.per_class_loose),
                                    ("tight", ours.average_map_tight, ours.per_class_tight)):
        theirs = case["official"][metric]
        assert mine == pytest.approx(theirs["a_mAP"], abs=1e-12), metric
        assert [per_class[c] for c in classes] == pytest.approx(theirs["a_mAP_per_class"], abs=1e-12), metric
    for seconds in (1, 2, 3, 4, 5):
        at = score_games(labels, predictions, classes=classes, tolerance=seconds)
        theirs = case["official"][f"at{seconds}"]
        assert at.map_at_tolerance == pytest.approx(theirs["a_mAP"], abs=1e-12), seconds
        assert ([at.per_class_at_tolerance[c] for c in classes]
                == pytest.approx(theirs["a_mAP_per_class"], abs=1e-12)), seconds
        assert ours.map_by_tolerance[float(seconds)] == pytest.approx(theirs["a_mAP"], abs=1e-12), seconds


def test_spot_score_prints_the_official_figures(tmp_path: Path) -> None:
    case = CASES["three-games-loose"]
    labels, predictions = _write(case, tmp_path)
    result = run_cli("spot-score", "--labels", labels, "--predictions", predictions, "--json", quiet=False)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["classes"] == case["classes"]
    for metric in ("loose", "tight"):
        assert printed[f"average_mAP_{metric}"] == pytest.approx(case["official"][metric]["a_mAP"], abs=1e-12)
        assert ([printed["per_class"][c][metric] for c in case["classes"]]
                == pytest.approx(case["official"][metric]["a_mAP_per_class"], abs=1e-12))
    assert printed["mAP_at_tolerance"] == pytest.approx(case["official"]["at5"]["a_mAP"], abs=1e-12)
