"""SoccerNet's JSON files and ``spot-score``: round trips, 1.0 and 0, a hand-made AP, the official figure."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli
from soccer_lstm.errors import UserError
from soccer_lstm.spotting.metric import average_precision, score_games, spotting_score
from soccer_lstm.spotting.soccernet import (Event, read_labels, read_predictions, write_labels,
                                            write_predictions)


def _game(root: Path, name: str, events: list[Event]) -> Path:
    write_labels(root / name / "Labels-v2.json", events, url_local=name)
    return root / name


def _events(rng: np.random.Generator, classes: list[str], n: int, halves: int = 2) -> list[Event]:
    return [Event(half=int(rng.integers(1, halves + 1)), position_ms=int(rng.integers(0, 600_000)),
                  label=str(rng.choice(classes)), visibility=str(rng.choice(["visible", "not shown"])),
                  team=str(rng.choice(["home", "away"]))) for _ in range(n)]


# ------------------------------------------------------------------------------ the JSON files
def test_labels_and_predictions_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    labels = sorted(_events(rng, ["Goal", "Throw-in", "Corner"], 20), key=lambda e: (e.half, e.position_ms, e.label))
    write_labels(tmp_path / "Labels-v2.json", labels, url_local="league/season/game")
    url, back = read_labels(tmp_path / "Labels-v2.json")
    assert url == "league/season/game" and back == labels
    raw = json.loads((tmp_path / "Labels-v2.json").read_text())
    assert all(isinstance(a["position"], str) and a["position"].isdigit() for a in raw["annotations"])
    assert raw["annotations"][0]["gameTime"] == labels[0].game_time

    predictions = [Event(e.half, e.position_ms, e.label, confidence=round(float(c), 6))
                   for e, c in zip(labels, rng.uniform(0, 1, len(labels)))]
    write_predictions(tmp_path / "results_spotting.json", predictions)
    _, back = read_predictions(tmp_path / "results_spotting.json")
    assert back == sorted(predictions, key=lambda e: (e.half, e.position_ms, e.label))
    raw = json.loads((tmp_path / "results_spotting.json").read_text())
    assert all(int(p["position"]) >= 0 and p["half"] in ("1", "2") for p in raw["predictions"])


# ------------------------------------------------------------------------------ the metric
def test_annotations_as_predictions_score_one_and_nothing_scores_zero(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    labels, predictions, empty = tmp_path / "games", tmp_path / "predictions", tmp_path / "none"
    empty.mkdir()
    for name in ("a/2020/game1", "b/2021/game2"):
        events = _events(rng, ["goal-kick", "throw-in", "shot-on-goal"], 12)
        _game(labels, name, events + [Event(1, 5000, "background")])
        write_predictions(predictions / name / "results_spotting.json", [e for e in events])
    perfect = score_games(labels, predictions)
    assert perfect.classes == ["goal-kick", "shot-on-goal", "throw-in"]        # background is no class
    assert perfect.average_map_loose == pytest.approx(1.0) and perfect.average_map_tight == pytest.approx(1.0)
    assert all(v == pytest.approx(1.0) for v in perfect.per_class_at_tolerance.values())

    result = run_cli("spot-score", "--labels", labels, "--predictions", empty, "--json", quiet=False)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["average_mAP_loose"] == 0.0 and figures["average_mAP_tight"] == 0.0
    assert set(figures["per_class"]) == {"goal-kick", "shot-on-goal", "throw-in"}
    assert all(v == {"loose": 0.0, "tight": 0.0} for v in figures["per_class"].values())
    assert figures["games_without_predictions"] == ["a/2020/game1", "b/2021/game2"]
    assert "no predictions for game a/2020/game1" in result.stderr


def test_a_hand_made_case_has_the_ap_worked_out_by_hand() -> None:
    truth = [Event(1, 10_000, "goal"), Event(1, 100_000, "goal")]
    # 11 s: a hit within 1 s (tolerance 2 s and more) but not within 0.5 s; 50 s: a false alarm.
    guesses = [Event(1, 11_000, "goal", 0.9), Event(1, 50_000, "goal", 0.8), Event(1, 100_000, "goal", 0.3)]
    score = spotting_score([("g", truth, guesses)])
    # Both hits: precision 1 up to recall 0.5, 2/3 at recall 1 -> (6 * 1 + 5 * 2/3) / 11.
    both = (6 + 5 * 2 / 3) / 11
    # Only the 100 s hit (tolerance 1 s): precision 1/3 at recall 0.5 -> 6 * (1/3) / 11.
    one = 6 * (1 / 3) / 11
    assert score.per_class_at_tolerance["goal"] == pytest.approx(both)
    assert score.map_by_tolerance[1.0] == pytest.approx(one)
    assert score.average_map_tight == pytest.approx(((one + both) / 2 + 3 * both) / 4)
    assert score.average_map_loose == pytest.approx(both)
    assert average_precision(np.array([0.5]), np.array([True]), 1) == pytest.approx(1.0)


def test_two_annotations_in_one_half_second_count_once_and_the_later_prediction_wins() -> None:
    truth = [Event(1, 10_000, "goal"), Event(1, 10_400, "goal")]
    assert spotting_score([("g", truth, [Event(1, 10_000, "goal", 0.9)])]).average_map_tight == pytest.approx(1.0)
    # Same cell, file order: the later (low) score replaces the earlier (high) one.
    first_high = [Event(1, 30_000, "goal", 0.9), Event(1, 30_200, "goal", 0.1), Event(1, 10_000, "goal", 0.5)]
    score = spotting_score([("g", truth, first_high)])
    assert score.per_class_at_tolerance["goal"] == pytest.approx(1.0)   # the 0.1 false alarm ranks last


def test_bad_labels_are_named_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "games" / "game1" / "Labels-v2.json"
    bad.parent.mkdir(parents=True)
    bad.write_text('{"annotations": [ {"label": ')
    (tmp_path / "predictions").mkdir()
    result = run_cli("spot-score", "--labels", tmp_path / "games", "--predictions", tmp_path / "predictions",
                     quiet=False)
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and str(bad) in result.output and "not valid JSON" in result.output
    with pytest.raises(UserError, match="no game found"):
        score_games(tmp_path / "predictions", tmp_path / "predictions")


def test_the_table_lists_every_class_and_both_averages(tmp_path: Path) -> None:
    _game(tmp_path / "games", "g", [Event(1, 20_000, "Throw-in"), Event(1, 80_000, "Goal")])
    write_predictions(tmp_path / "out" / "g" / "results_spotting.json", [Event(1, 21_000, "Throw-in", 0.7),
                                                                         Event(1, 50_000, "throw-in", 0.7)])
    result = run_cli("spot-score", "--labels", tmp_path / "games", "--predictions", tmp_path / "out", quiet=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["class", "actions", "AP", "loose", "AP", "tight", "AP@5s"]
    assert lines[1].split()[0] == "Goal" and lines[2].split()[:2] == ["Throw-in", "1"]
    assert any(line.startswith("average-mAP loose") for line in lines)
    assert any(line.startswith("average-mAP tight") for line in lines)
    assert "not scored" in result.stderr and "throw-in" in result.stderr


# ------------------------------------------------------------------------------ the official evaluation
def test_the_figures_match_the_official_soccernet_evaluation(tmp_path: Path) -> None:
    pytest.importorskip("SoccerNet.Evaluation.ActionSpotting",
                        reason="the SoccerNet package is not installed (pip install -e '.[soccernet]')")
    from SoccerNet.Evaluation.ActionSpotting import evaluate

    rng = np.random.default_rng(7)
    classes = ["Corner", "Goal", "Throw-in"]
    labels_root, predictions_root = tmp_path / "labels", tmp_path / "predictions"
    for g in range(3):
        name = f"league/season/game{g}"
        truth = _events(rng, classes, 15)
        _game(labels_root, name, truth)
        # Near misses, far misses, ties, two in one cell, in shuffled file order.
        guesses = [{"half": str(e.half), "position": str(max(0, e.position_ms + int(rng.normal(0, 4000)))),
                    "label": e.label, "confidence": f"{rng.choice([rng.uniform(), 0.5]):.6f}"}
                   for e in truth if rng.random() < 0.8]
        guesses += [{"half": str(e.half), "position": str(e.position_ms), "label": e.label,
                     "confidence": f"{rng.uniform():.6f}"} for e in _events(rng, classes, 10)]
        guesses += [dict(guesses[0], position=str(int(guesses[0]["position"]) + 100), confidence="0.990000")]
        for item in guesses:
            item["gameTime"] = f"{item['half']} - 00:00"
        order = rng.permutation(len(guesses))
        path = predictions_root / name / "results_spotting.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"UrlLocal": name, "predictions": [guesses[i] for i in order]}))
    ours = score_games(labels_root, predictions_root)
    dictionary = {c: i for i, c in enumerate(classes)}
    for metric, mine, per_class in (("loose", ours.average_map_loose, ours.per_class_loose),
                                    ("tight", ours.average_map_tight, ours.per_class_tight),
                                    ("at5", ours.map_at_tolerance, ours.per_class_at_tolerance)):
        theirs = evaluate(SoccerNet_path=str(labels_root), Predictions_path=str(predictions_root),
                          prediction_file="results_spotting.json", label_files="Labels-v2.json", dataset=None,
                          version=2, framerate=2, metric=metric, EVENT_DICTIONARY=dictionary)
        assert 0.05 < mine < 0.95
        assert mine == pytest.approx(theirs["a_mAP"], abs=1e-12), metric
        assert [per_class[c] for c in classes] == pytest.approx(list(theirs["a_mAP_per_class"]), abs=1e-12)
