"""Write tests/data/soccernet_reference.json: generated spotting cases and the official SoccerNet evaluation's figures.

Run it with a Python that has the ``SoccerNet`` package (not a dependency of this project), e.g.::

    python3 -m venv /tmp/venv-soccernet && /tmp/venv-soccernet/bin/pip install SoccerNet
    /tmp/venv-soccernet/bin/python tests/spotting/make_soccernet_reference.py

Each case is a set of games (``Labels-v2.json`` and ``results_spotting.json`` as SoccerNet writes
them), a label dictionary, and what ``SoccerNet.Evaluation.ActionSpotting.evaluate`` returns for the
loose and tight average-mAP and for single tolerances of 1 to 5 s (``a_mAP`` and
``a_mAP_per_class``). ``tests/test_soccernet_reference.py`` scores the same files with
``soccer_lstm.spotting.metric`` and compares, without the package. The files are written here by
hand, not with soccer-lstm's writers, so that the reference does not depend on the code it checks.
"""
from __future__ import annotations

import contextlib
import datetime
import io
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "data" / "soccernet_reference.json"
METRICS = ("loose", "tight", "at1", "at2", "at3", "at4", "at5")
HALF_MS = 45 * 60 * 1000


def game_time(half: int, position_ms: int) -> str:
    seconds = position_ms // 1000
    return f"{half} - {seconds // 60:02d}:{seconds % 60:02d}"


def annotation(half: int, position_ms: int, label: str, visibility: str = "visible") -> dict:
    return {"gameTime": game_time(half, position_ms), "label": label, "position": str(int(position_ms)),
            "team": "home", "visibility": visibility}


def prediction(half: int, position_ms: int, label: str, confidence: float) -> dict:
    return {"gameTime": game_time(half, position_ms), "label": label, "position": str(int(position_ms)),
            "half": str(half), "confidence": f"{confidence:.6f}"}


def random_game(rng: np.random.Generator, classes: list[str], n_truth: int, jitter_ms: float, hit_rate: float,
                n_false: int, minutes: int = 10) -> tuple[list[dict], list[dict]]:
    """Annotations over two halves, predictions near a share of them (normal jitter) and false alarms."""
    span = minutes * 60 * 1000
    truth = [annotation(int(rng.integers(1, 3)), int(rng.integers(0, span)), str(rng.choice(classes)),
                        "not shown" if rng.random() < 0.15 else "visible") for _ in range(n_truth)]
    guesses = [prediction(int(a["gameTime"][0]), max(0, int(a["position"]) + int(rng.normal(0, jitter_ms))),
                          a["label"], float(rng.uniform(0.05, 1))) for a in truth if rng.random() < hit_rate]
    guesses += [prediction(int(rng.integers(1, 3)), int(rng.integers(0, span)), str(rng.choice(classes)),
                           float(rng.uniform(0, 0.8))) for _ in range(n_false)]
    order = rng.permutation(len(guesses))
    return truth, [guesses[i] for i in order]


def cases() -> list[dict]:
    """The generated cases: name, what it exercises, classes, games ``{name: (annotations, predictions)}``."""
    rng = np.random.default_rng(2026)
    out = []

    def add(name: str, what: str, classes: list[str], games: dict) -> None:
        out.append({"name": name, "what": what, "classes": classes, "games": games})

    three = ["Corner", "Goal", "Throw-in"]
    add("three-games-loose", "three games, both halves, three classes, predictions within a few seconds",
        three, {f"league/season/game{g}": random_game(rng, three, 18, 3000, 0.8, 8) for g in range(3)})
    add("two-games-tight", "two games, predictions within half a second or so, few false alarms",
        three, {f"g{g}": random_game(rng, three, 20, 600, 0.9, 3) for g in range(2)})
    five = ["goal-kick", "placed-kick", "shot-on-goal", "throw-in", "Kick-off"]
    add("five-classes-far", "five classes, predictions up to half a minute off, many false alarms",
        five, {f"a/b/game{g}": random_game(rng, five, 25, 15000, 0.7, 25, minutes=30) for g in range(2)})
    one = random_game(rng, three, 12, 2000, 0.8, 5)
    add("empty-predictions", "one game with predictions, one whose predictions file holds none",
        three, {"full": one, "empty": (random_game(rng, three, 10, 0, 0, 0)[0], [])})
    truth, guesses = random_game(rng, three, 24, 1500, 0.9, 6)
    add("class-without-predictions", "Throw-in annotated but never predicted; Penalty in the dictionary, never annotated",
        three + ["Penalty"], {"game": (truth, [p for p in guesses if p["label"] != "Throw-in"])})
    truth = [annotation(1, 60_000 * k + 10_000, "Goal") for k in range(1, 9)]
    guesses = [prediction(1, 60_000 * k + 10_000 + d, "Goal", 0.5) for k in range(1, 9) for d in (-2500, 0, 1500, 7000)]
    guesses += [prediction(2, 30_000 * k, "Goal", 0.5) for k in range(1, 5)]
    # Two close actions and two equal predictions between them: which of the equal ones the first
    # action takes (the earliest, officially) decides whether the second finds one (500 ms per cell).
    for start, (gap, early, late) in zip(range(300_000, 900_000, 100_000),
                                         [(3000, -2000, 2000), (2500, -1500, 1500), (4000, -3500, 3000),
                                          (1500, -1000, 1000), (8000, -6000, 5500), (6000, -9000, 4000)]):
        truth += [annotation(2, start, "Goal"), annotation(2, start + gap, "Goal")]
        guesses += [prediction(2, start + early, "Goal", 0.5), prediction(2, start + late, "Goal", 0.5)]
    add("ties-in-confidence", "every prediction scores 0.5: matches and false alarms tie at each threshold, and "
        "which of two equal predictions an action takes decides whether the next action finds one",
        ["Goal"], {"game": (truth, guesses)})
    truth = [annotation(1, 120_000 * k, "Corner") for k in range(1, 11)]
    offsets = (500, 1000, 1499, 1500, 2000, 2499, 2500, 3000, -1000, -2500)      # 500 ms per cell at 2 cells/s
    guesses = [prediction(1, 120_000 * k + d, "Corner", 0.3 + 0.05 * k) for k, d in zip(range(1, 11), offsets)]
    add("tolerance-edge", "predictions exactly at delta/2 cells and one cell beyond, for the tight tolerances",
        ["Corner"], {"game": (truth, guesses)})
    truth = [annotation(1, 100_000, "Goal"), annotation(1, 100_400, "Goal"), annotation(2, 200_000, "Goal"),
             annotation(1, 130 * 60_000, "Goal"), annotation(2, 50_000, "Throw-in", "not shown")]
    guesses = [prediction(1, 100_100, "Goal", 0.9), prediction(1, 100_200, "Goal", 0.2),     # one cell: the later stays
               prediction(2, 200_000, "Goal", 1.0), prediction(2, 201_000, "Goal", 0.0),
               prediction(1, 125 * 60_000, "Goal", 0.7),                                      # past 120 min: last cell
               prediction(2, 50_000, "Throw-in", 0.6), prediction(1, 10_000, "Offside", 0.9)]  # a label not scored
    add("cells-and-bounds", "two annotations and two predictions in one cell, confidence 0 and 1, events past "
        "120 minutes, an unshown action, a label outside the dictionary", ["Goal", "Throw-in"], {"game": (truth, guesses)})
    return out


def official(case: dict, root: Path) -> dict:
    """Write the case's files under ``root`` and run the official evaluation for every metric."""
    from SoccerNet.Evaluation.ActionSpotting import evaluate

    labels, predictions = root / "labels", root / "predictions"
    for name, (truth, guesses) in case["games"].items():
        (labels / name).mkdir(parents=True)
        (predictions / name).mkdir(parents=True)
        (labels / name / "Labels-v2.json").write_text(json.dumps({"UrlLocal": name, "annotations": truth}))
        (predictions / name / "results_spotting.json").write_text(json.dumps({"UrlLocal": name, "predictions": guesses}))
    dictionary = {c: i for i, c in enumerate(case["classes"])}
    figures = {}
    for metric in METRICS:
        with contextlib.redirect_stderr(io.StringIO()):
            result = evaluate(SoccerNet_path=str(labels), Predictions_path=str(predictions),
                              prediction_file="results_spotting.json", label_files="Labels-v2.json", dataset=None,
                              version=2, framerate=2, metric=metric, EVENT_DICTIONARY=dictionary)
        figures[metric] = {"a_mAP": float(result["a_mAP"]), "a_mAP_per_class": [float(v) for v in result["a_mAP_per_class"]]}
    return figures


def main() -> int:
    import SoccerNet

    done = []
    for case in cases():
        with tempfile.TemporaryDirectory() as folder:
            figures = official(case, Path(folder))
        done.append({"name": case["name"], "what": case["what"], "classes": case["classes"],
                     "games": {name: {"annotations": truth, "predictions": guesses}
                               for name, (truth, guesses) in case["games"].items()},
                     "official": figures})
        print(f"{case['name']:<28} loose {figures['loose']['a_mAP']:.4f}  tight {figures['tight']['a_mAP']:.4f}")
    reference = {"made_by": "tests/spotting/make_soccernet_reference.py: SoccerNet "
                            f"{getattr(SoccerNet, '__version__', '?')}, SoccerNet.Evaluation.ActionSpotting.evaluate "
                            "(version=2, framerate=2, dataset=None)",
                 "made_on": datetime.date.today().isoformat(), "metrics": list(METRICS), "cases": done}
    OUT.write_text(json.dumps(reference, separators=(",", ":")) + "\n")
    print(f"{OUT}: {len(done)} cases, {OUT.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
