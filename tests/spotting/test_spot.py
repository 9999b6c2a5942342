"""``soccer-lstm spot`` end to end: a tiny model trained on generated clips finds the actions of a long video."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli
from soccer_lstm.spotting.soccernet import read_predictions
from soccer_lstm.spotting.synthetic import LongVideo, hits, write_long_video, write_training_set
from soccer_lstm.spotting.timeline import load_timeline

ACTIONS = ["shot-on-goal", "throw-in"]


def run_ok(*args: object) -> str:
    result = run_cli(*args)
    assert result.exit_code == 0, (args[0], result.output)
    return result.output


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """extract -> codebook -> encode -> train on 2 actions + background, 6 clips each of 20 frames at 128x96."""
    root = tmp_path_factory.mktemp("spot_model")
    data = write_training_set(root / "data", ACTIONS, per_class=6, n_frames=20)
    run_ok("extract", data, "-o", root / "features", "--resize", "128", "--max-keypoints", "100")
    run_ok("codebook", root / "features", "-o", root / "codebook.npz", "-k", "16", "--sample-size", "2000")
    run_ok("encode", root / "features", "--codebook", root / "codebook.npz", "-o", root / "sequences")
    run_ok("train", root / "sequences", "-o", root / "model", "--units", "16", "--epochs", "40", "--patience", "10")
    return root / "model"


@pytest.fixture(scope="module")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> LongVideo:
    return write_long_video(tmp_path_factory.mktemp("long") / "match.avi", ACTIONS * 3, seed=1, gap_frames=40)


def test_a_long_video_is_spotted_within_two_seconds_of_every_action(model: Path, long_video: LongVideo,
                                                                    tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("spot", "--model", model, long_video.path, "-o", out, "--plot", "--nms", "2")
    assert result.exit_code == 0, result.output
    predictions = out / "match" / "results_spotting.json"
    assert result.output.strip().splitlines()[-1] == str(predictions)
    _, events = read_predictions(predictions)
    spotted = [(e.seconds, e.label) for e in events]
    assert hits(spotted, long_video.events, tolerance=2.0) == len(long_video.events), (spotted, long_video.events)
    assert all(e.half == 1 and 0 < e.confidence <= 1 and e.label in ACTIONS for e in events)
    assert len(events) <= 2 * len(long_video.events)
    times, probabilities, classes, meta = load_timeline(out / "match" / "timeline.npz")
    assert classes == ["background", *ACTIONS] and probabilities.shape == (long_video.n_frames, 3)
    np.testing.assert_allclose(times[1] - times[0], 1 / 25)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-4)
    assert meta["inference"] == "centred" and (out / "match" / "timeline.png").stat().st_size > 0


def test_both_halves_of_a_game_end_in_one_predictions_file(model: Path, long_video: LongVideo, tmp_path: Path) -> None:
    game = tmp_path / "games" / "league" / "2026-a_vs_b"
    game.mkdir(parents=True)
    shutil.copy(long_video.path, game / "1_224p.avi")
    shutil.copy(long_video.path, game / "2_224p.avi")
    (game / "Labels-v2.json").write_text(json.dumps({"UrlLocal": "league/2026-a_vs_b", "annotations": [
        {"gameTime": "2 - 00:03", "label": "throw-in", "position": "3400", "team": "home", "visibility": "visible"}]}))
    out = tmp_path / "out"
    result = run_cli("spot", "--model", model, tmp_path / "games", "-o", out, "--plot", "--nms", "2")
    assert result.exit_code == 0, result.output
    url, events = read_predictions(out / "league" / "2026-a_vs_b" / "results_spotting.json")
    assert url == "league/2026-a_vs_b"
    first = [(e.position_ms, e.label) for e in events if e.half == 1]
    assert first and first == [(e.position_ms, e.label) for e in events if e.half == 2]
    for half in (1, 2):
        assert (out / "league" / "2026-a_vs_b" / f"timeline_{half}.npz").is_file()
        assert (out / "league" / "2026-a_vs_b" / f"timeline_{half}.png").is_file()


def test_two_jobs_spot_the_halves_in_parallel_with_the_same_results(model: Path, long_video: LongVideo,
                                                                    tmp_path: Path) -> None:
    game = tmp_path / "games" / "g"
    game.mkdir(parents=True)
    shutil.copy(long_video.path, game / "1_224p.avi")
    shutil.copy(long_video.path, game / "2_224p.avi")
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    assert run_cli("spot", "--model", model, tmp_path / "games", "-o", serial, "--nms", "2").exit_code == 0
    result = run_cli("spot", "--model", model, tmp_path / "games", "-o", parallel, "--nms", "2", "--n-jobs", "2")
    assert result.exit_code == 0, result.output
    assert read_predictions(parallel / "g" / "results_spotting.json") == read_predictions(serial / "g" / "results_spotting.json")
    assert {e.half for e in read_predictions(parallel / "g" / "results_spotting.json")[1]} == {1, 2}


def test_carried_state_spots_too(model: Path, long_video: LongVideo, tmp_path: Path) -> None:
    result = run_cli("spot", "--model", model, long_video.path, "-o", tmp_path, "--inference", "state", "--nms", "2")
    assert result.exit_code == 0, result.output
    _, events = read_predictions(tmp_path / "match" / "results_spotting.json")
    assert hits([(e.seconds, e.label) for e in events], long_video.events, 2.0) >= len(long_video.events) - 1


def test_a_video_shorter_than_one_window_is_answered(model: Path, long_video: LongVideo, tmp_path: Path) -> None:
    import cv2

    short = tmp_path / "short.avi"
    capture = cv2.VideoCapture(str(long_video.path))
    writer = cv2.VideoWriter(str(short), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (128, 96))
    for _ in range(5):
        writer.write(capture.read()[1])
    writer.release()
    capture.release()
    result = run_cli("spot", "--model", model, short, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    _, probabilities, _, _ = load_timeline(tmp_path / "out" / "short" / "timeline.npz")
    assert probabilities.shape == (5, 3)


def test_a_video_damaged_part_way_is_spotted_up_to_the_damage(model: Path, long_video: LongVideo,
                                                              tmp_path: Path) -> None:
    cut = tmp_path / "cut.avi"
    data = long_video.path.read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    result = run_cli("spot", "--model", model, cut, "-o", tmp_path / "out", quiet=False)
    assert result.exit_code == 0, result.output
    assert f"warning {cut}: only" in result.output and "truncated" in result.output
    _, probabilities, _, meta = load_timeline(tmp_path / "out" / "cut" / "timeline.npz")
    assert 0 < len(probabilities) < long_video.n_frames and meta["warnings"]


def error_line(result: object) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_a_model_without_the_background_class_is_refused_with_how_to_train_one(model: Path, long_video: LongVideo,
                                                                               tmp_path: Path) -> None:
    line = error_line(run_cli("spot", "--model", model, long_video.path, "-o", tmp_path, "--background", "idle"))
    assert "no 'idle' class" in line and "soccer-lstm clips GAMES -o DATASET" in line
    assert not any(tmp_path.iterdir())


def test_a_labels_file_that_does_not_parse_is_named(model: Path, long_video: LongVideo, tmp_path: Path) -> None:
    game = tmp_path / "game"
    game.mkdir()
    shutil.copy(long_video.path, game / "1_224p.avi")
    (game / "Labels-v2.json").write_text("{not json")
    line = error_line(run_cli("spot", "--model", model, game / "1_224p.avi", "-o", tmp_path / "out"))
    assert str(game / "Labels-v2.json") in line and "not valid JSON" in line


def test_missing_and_unreadable_videos_are_named(model: Path, tmp_path: Path) -> None:
    line = error_line(run_cli("spot", "--model", model, tmp_path / "nowhere.mkv", "-o", tmp_path / "out"))
    assert f"{tmp_path / 'nowhere.mkv'}: no such video" in line
    text = tmp_path / "notes.avi"
    text.write_text("a note, not a video\n")
    line = error_line(run_cli("spot", "--model", model, text, "-o", tmp_path / "out"))
    assert f"{text}: a text file, not a video" in line


def test_help() -> None:
    result = run_cli("spot", "--help")
    assert result.exit_code == 0 and "--inference" in result.output and "--frame-step" in result.output


def test_window_sizes_come_from_the_model_unless_given() -> None:
    from soccer_lstm.config import SpotConfig
    from soccer_lstm.spotting.spot import DEFAULT_WINDOW, window_frames

    profile = {"n_frames": [12.0, 40.0]}
    assert window_frames(SpotConfig(), profile, 25.0, 1) == (40, 10)
    assert window_frames(SpotConfig(), None, 25.0, 1) == (DEFAULT_WINDOW, DEFAULT_WINDOW // 4)
    assert window_frames(SpotConfig(window=4.0, stride=1.0), profile, 25.0, 2) == (50, 12)
    assert window_frames(SpotConfig(window=0.01), profile, 25.0, 1) == (1, 1)


def test_out_follows_the_folder_rule(model: Path, long_video: LongVideo, tmp_path: Path) -> None:
    """Another stage's folder is refused; the same model's predictions are added to; another model's need --overwrite."""
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / ".soccer-lstm-owner.json").write_text(json.dumps({"stage": "extract", "id": "x",
                                                                              "inputs": {}}))
    line = error_line(run_cli("spot", "--model", model, long_video.path, "-o", tmp_path / "features"))
    assert "is a features folder written by 'soccer-lstm extract'" in line
    out = tmp_path / "out"
    run_ok("spot", "--model", model, long_video.path, "-o", out, "--window", "0.4")
    run_ok("spot", "--model", model, long_video.path, "-o", out, "--window", "0.4")
    other = tmp_path / "other-model"
    shutil.copytree(model, other)
    (other / ".soccer-lstm-owner.json").unlink(missing_ok=True)
    line = error_line(run_cli("spot", "--model", other, long_video.path, "-o", out))
    assert "--overwrite" in line
    run_ok("spot", "--model", other, long_video.path, "-o", out, "--overwrite", "--window", "0.4")
    assert (out / "match" / "results_spotting.json").is_file()


def test_a_frame_folder_and_another_frame_step_are_spotted_with_warnings(model: Path, tmp_path: Path) -> None:
    from clipgen import clip_frames, write_frame_folder

    frames = write_frame_folder(tmp_path / "frames", clip_frames("still", 2, n_frames=10, size=(128, 96)))
    result = run_cli("spot", "--model", model, frames, "-o", tmp_path / "out", "--frame-step", "2", quiet=False)
    assert result.exit_code == 0, result.output
    assert "assumed 25 fps" in result.output and "--frame-step 2 but the model was trained at frame step 1" in result.output
    times, probabilities, _, meta = load_timeline(tmp_path / "out" / "frames" / "timeline.npz")
    assert len(probabilities) == 5 and meta["frame_step"] == 2
    np.testing.assert_allclose(times, np.arange(5) * 2 / 25)


def test_two_videos_with_one_output_folder_are_refused_before_any_work(model: Path, long_video: LongVideo,
                                                                       tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(long_video.path, tmp_path / folder / "match.avi")
    line = error_line(run_cli("spot", "--model", model, tmp_path / "a" / "match.avi", tmp_path / "b" / "match.avi",
                              "-o", tmp_path / "out"))
    assert "same output folder 'match'" in line and not (tmp_path / "out").exists()
    game = tmp_path / "game"
    game.mkdir()
    for name in ("1_224p.avi", "1_720p.avi"):
        shutil.copy(long_video.path, game / name)
    line = error_line(run_cli("spot", "--model", model, game, "-o", tmp_path / "out"))
    assert "already has a video of half 1" in line


def test_a_rendered_game_is_spotted_over_its_whole_length(model: Path, tmp_path: Path) -> None:
    from soccer_lstm.spotting.games import render_games

    game = render_games(tmp_path / "games", games=1, minutes=0.4, seed=3, size=(128, 72), fps=25)[0]
    video = game.videos[0]
    assert video.name == "1_72p.mp4"
    out = tmp_path / "out"
    result = run_cli("spot", "--model", model, tmp_path / "games", "-o", out)
    assert result.exit_code == 0, result.output
    times, probabilities, _, _ = load_timeline(out / "game_000" / "timeline_1.npz")
    assert probabilities.shape[0] == game.frames == 0.4 * 60 * 25      # every frame of the mp4v video is read
    assert (out / "game_000" / "results_spotting.json").is_file()
