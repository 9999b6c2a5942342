"""Whole synthetic games (``synth --games``) and training clips cut from games (``clips``)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli
from soccer_lstm.dataset import discover
from soccer_lstm.spotting.soccernet import Event, read_labels, read_predictions, write_labels
from soccer_lstm.synth import CLASSES, write_clip
from soccer_lstm.synth.game import game_seed, plan_half
from soccer_lstm.video import iter_frames

SIZE, FPS = "96x54", 8


@pytest.fixture(scope="module")
def games(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("games")
    result = run_cli("synth", "--games", "2", "--minutes", "1", "--seed", "4", "--size", SIZE, "--fps", FPS,
                     "--out", out)
    assert result.exit_code == 0, result.output
    return out


def _frame_count(path: Path) -> int:
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        return int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        capture.release()


# ------------------------------------------------------------------------------ games
def test_games_are_in_soccernet_layout_with_parseable_labels(games: Path) -> None:
    assert sorted(p.name for p in games.iterdir()) == ["game_000", "game_001"]
    for game in games.iterdir():
        assert sorted(p.name for p in game.iterdir()) == ["1_54p.mp4", "Labels-v2.json"]
        assert _frame_count(game / "1_54p.mp4") == 60 * FPS
        url, events = read_labels(game / "Labels-v2.json")
        assert url == f"{game.name}/" and events
        assert {e.label for e in events} <= set(CLASSES) and {e.half for e in events} == {1}
        times = [e.seconds for e in events]
        assert 0 < times[0] and times[-1] < 60 and all(b - a >= 15 for a, b in zip(times, times[1:]))
        raw = json.loads((game / "Labels-v2.json").read_text())["annotations"]
        assert all(a["gameTime"].startswith("1 - 00:") and a["position"].isdigit() for a in raw)


def test_games_are_deterministic_per_seed(games: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert run_cli("synth", "--games", "1", "--minutes", "1", "--seed", "4", "--size", SIZE, "--fps", FPS,
                   "--out", again).exit_code == 0
    for name in ("1_54p.mp4", "Labels-v2.json"):
        assert (again / "game_000" / name).read_bytes() == (games / "game_000" / name).read_bytes()
    assert (games / "game_001" / "Labels-v2.json").read_bytes() != (games / "game_000" / "Labels-v2.json").read_bytes()


def test_two_halves_are_two_videos_with_their_own_annotations(tmp_path: Path) -> None:
    result = run_cli("synth", "--games", "1", "--halves", "2", "--minutes", "0.7", "--seed", "1", "--size", SIZE,
                     "--fps", "5", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    game = tmp_path / "game_000"
    assert sorted(p.name for p in game.iterdir()) == ["1_54p.mp4", "2_54p.mp4", "Labels-v2.json"]
    events = read_labels(game / "Labels-v2.json")[1]
    assert {e.half for e in events} == {1, 2} and all(e.seconds < 42 for e in events)
    assert run_cli("synth", "--games", "1", "--fps", "2", "--out", tmp_path, quiet=False).exit_code == 2


def test_every_action_instant_lies_inside_its_part_and_shots_tile_the_half() -> None:
    half = plan_half(game_seed(0, 0), 1, minutes=3, size=(96, 54), fps=25)
    assert sum(s.n_frames for s in half.shots) == 3 * 60 * 25
    assert all(a.first_frame + a.n_frames == b.first_frame for a, b in zip(half.shots, half.shots[1:]))
    for shot in half.shots:      # a wide shot's parts tile it
        if shot.kind == "wide":
            assert shot.parts[0].first_frame == shot.first_frame
            assert sum(p.n_frames for p in shot.parts) == shot.n_frames
    actions = [p for s in half.shots if s.kind == "wide" for p in s.parts if p.kind in CLASSES]
    assert [p.kind for p in actions] == [a.label for a in half.actions] and len(actions) >= 3
    for part, action in zip(actions, half.actions):
        assert part.first_frame / 25 < action.seconds < (part.first_frame + part.n_frames) / 25
    assert {s.kind for s in half.shots} <= {"wide", "close-up", "replay"}
    assert {p.kind for s in half.shots for p in s.parts} - set(CLASSES) <= {"open-play"}


# ------------------------------------------------------------------------------ clips
def test_clips_cuts_one_clip_per_action_and_background(games: Path, tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    result = run_cli("clips", games, "-o", out, "--background-per-game", "2", quiet=False)
    assert result.exit_code == 0, result.output
    expected: dict[str, int] = {"background": 4}
    for game in ("game_000", "game_001"):
        for event in read_labels(games / game / "Labels-v2.json")[1]:
            expected[event.label] = expected.get(event.label, 0) + 1
    found = {p.name: len(list(p.glob("*.avi"))) for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")}
    assert found == expected
    clips = discover(out)
    assert sorted({c.label for c in clips}) == sorted(expected)
    with open(out / "manifest.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["path", "label", "group"] and len(rows) == len(clips) + 1
    assert {r[2] for r in rows[1:]} == {"game_000", "game_001"}
    first = next(c.path for c in clips if c.label != "background")
    assert _frame_count(first) == 2 * FPS
    # The same command again writes the same bytes.
    before = {p: p.read_bytes() for p in out.rglob("*.avi")}
    assert run_cli("clips", games, "-o", out, "--background-per-game", "2").exit_code == 0
    assert {p: p.read_bytes() for p in out.rglob("*.avi")} == before


def test_clips_from_a_user_game_keep_its_labels_and_handle_the_edges(tmp_path: Path) -> None:
    games, out = tmp_path / "games", tmp_path / "dataset"
    game = games / "league" / "2020-2021" / "home 1 - 0 away"
    rng = np.random.default_rng(0)
    write_clip(game / "1_224p.avi", rng.integers(0, 255, (200, 48, 64, 3), dtype=np.uint8), 10)   # 20 s
    write_labels(game / "Labels-v2.json", [Event(1, 300, "Kick-off"), Event(1, 9000, "Goal"),
                                           Event(1, 12000, "Corner"), Event(1, 19_900, "Goal"),
                                           Event(1, 25_000, "Goal"), Event(2, 1000, "Goal")])
    write_labels(games / "no video" / "Labels-v2.json", [Event(1, 5000, "Goal")])
    result = run_cli("clips", games, "-o", out, "--classes", "Goal,Kick-off", "--background-per-game", "1",
                     "--clip-seconds", "1", quiet=False)
    assert result.exit_code == 0, result.output
    assert "no video" in result.stderr and "no video of half 2" in result.stderr and "left out" in result.stderr
    names = {c.clip_id for c in discover(out)}
    prefix = "league__2020-2021__home 1 - 0 away_1"
    assert {n for n in names if not n.startswith("background/")} == {
        f"Kick-off/{prefix}_300", f"Goal/{prefix}_9000", f"Goal/{prefix}_19900"}
    assert len([n for n in names if n.startswith("background/")]) == 1
    edge = out / "Kick-off" / f"{prefix}_300.avi"
    assert _frame_count(edge) == 10                      # cut at the start of the video, a full window long
    frames = list(iter_frames(edge, resize=0))
    assert len(frames) == 10


def test_a_labels_file_that_does_not_parse_is_named_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "games" / "g" / "Labels-v2.json"
    bad.parent.mkdir(parents=True)
    bad.write_text("not json")
    result = run_cli("clips", tmp_path / "games", "-o", tmp_path / "out", quiet=False)
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and str(bad) in result.output


def test_gap_sets_how_much_open_play_lies_between_actions() -> None:
    sparse = plan_half(game_seed(0, 0), 1, minutes=3, size=(96, 54), fps=25)
    dense = plan_half(game_seed(0, 0), 1, minutes=3, size=(96, 54), fps=25, gap=(4.0, 8.0))
    assert len(dense.actions) > 2 * len(sparse.actions)
    instants = [a.seconds for a in dense.actions]
    # an action's shot lasts 3-5 s and its instant lies inside it: consecutive instants are at most
    # gap + two shots apart, and at least the gap's minimum apart
    assert all(4.0 <= b - a <= 8.0 + 10.0 for a, b in zip(instants, instants[1:]))


def test_a_gap_out_of_range_is_refused_in_one_line(tmp_path: Path) -> None:
    result = run_cli("synth", "--games", "1", "--minutes", "0.2", "--gap", "0-5", "--out", tmp_path / "g")
    assert result.exit_code == 2
    assert "--gap" in result.output and len(result.output.strip().splitlines()) == 1


# ------------------------------------------------------------------------------ the cuts-only spotter
def test_spot_cuts_writes_predictions_that_spot_score_scores(games: Path, tmp_path: Path) -> None:
    out = tmp_path / "cuts"
    result = run_cli("spot-cuts", "--train", games, games, "-o", out, quiet=False)
    assert result.exit_code == 0, result.output
    assert "delays after a cut" in result.output
    url, events = read_predictions(out / "game_001" / "results_spotting.json")
    assert url == "game_001/" and {e.label for e in events} <= set(CLASSES)
    scored = run_cli("spot-score", "--labels", games, "--predictions", out, "--json", quiet=False)
    assert scored.exit_code == 0 and "no results_spotting.json" not in scored.stderr
    assert 0 <= json.loads(scored.stdout)["average_mAP_tight"] <= 1


def test_spot_cuts_without_training_games_is_refused_in_one_line(games: Path, tmp_path: Path) -> None:
    result = run_cli("spot-cuts", "--train", tmp_path / "none", games, "-o", tmp_path / "cuts")
    assert result.exit_code == 2
    assert "none" in result.output and len(result.output.strip().splitlines()) == 1
