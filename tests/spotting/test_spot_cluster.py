"""``spot --scheduler``: videos spread over Dask worker processes, and the warnings about strange footage.

The cluster tests start a ``distributed.LocalCluster`` of two one-thread worker processes on loopback
and check that the files written are those of a local run, also when a worker is killed in the
middle of a video (Dask runs the video again on another worker; nothing is half-written). Each
worker process imports the package and loads the model: on a busy machine that takes minutes, so
these tests get a longer timeout than the suite's.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli
from soccer_lstm.spotting.synthetic import LongVideo, write_long_video
from soccer_lstm.spotting.timeline import load_timeline
from test_parallel import _cluster
from test_spot import long_video, model  # noqa: F401  (fixtures)


def _games(long_video: LongVideo, root: Path) -> Path:  # noqa: F811
    """A folder of one game (both halves: a video for each worker) and nothing else."""
    (root / "game_a").mkdir(parents=True)
    for half in (1, 2):
        shutil.copy(long_video.path, root / "game_a" / f"{half}_224p.avi")
    return root


def _files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_same_output(local: Path, distributed: Path) -> None:
    """The same files; JSON byte for byte, timelines array for array (a zip records its write time), the
    folder's owner file but for its id (drawn afresh for every output folder)."""
    files, other = _files(local), _files(distributed)
    assert sorted(files) == sorted(other)
    assert any(name.endswith("results_spotting.json") for name in files)
    for name, path in files.items():
        if name == ".soccer-lstm-owner.json":
            mine, theirs = json.loads(path.read_text()), json.loads(other[name].read_text())
            assert mine.pop("id") != theirs.pop("id") and mine == theirs
        elif name.endswith(".npz"):
            for mine, theirs in zip(load_timeline(path), load_timeline(other[name])):
                if isinstance(mine, np.ndarray):
                    np.testing.assert_array_equal(mine, theirs)
                else:
                    assert mine == theirs
        else:
            assert path.read_bytes() == other[name].read_bytes(), name


@pytest.fixture(scope="module")
def local_run(model: Path, long_video: LongVideo,  # noqa: F811
              tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    games = _games(long_video, tmp_path_factory.mktemp("games"))
    out = tmp_path_factory.mktemp("local") / "predictions"
    result = run_cli("spot", "--model", model, games, "-o", out, "--nms", "2")
    assert result.exit_code == 0, result.output
    return games, out


@pytest.mark.timeout(900)
def test_a_cluster_writes_what_a_local_run_writes(model: Path, local_run: tuple[Path, Path],  # noqa: F811
                                                  tmp_path: Path) -> None:
    games, local = local_run
    out = tmp_path / "predictions"
    with _cluster() as cluster:
        result = run_cli("spot", "--model", model, games, "-o", out, "--nms", "2", "--scheduler",
                         cluster.scheduler_address)
    assert result.exit_code == 0, result.output
    _assert_same_output(local, out)


def _hold_after_first_block(gate: str, marks: str) -> str:
    """In a worker: after a video's first block, mark ``marks/<pid>`` and wait for the gate file."""
    import os
    import time

    import soccer_lstm.spotting.stream as stream  # spot_timeline looks stream_vectors up here

    original = stream.stream_vectors

    def held(*args, **kwargs):
        for n, block in enumerate(original(*args, **kwargs)):
            yield block
            if n == 0:
                open(os.path.join(marks, str(os.getpid())), "w").close()
                deadline = time.monotonic() + 120
                while not os.path.exists(gate) and time.monotonic() < deadline:
                    time.sleep(0.01)

    stream.stream_vectors = held
    return "held"


@pytest.mark.timeout(900)
def test_a_worker_killed_mid_video_is_replaced_and_nothing_is_half_written(
        model: Path, local_run: tuple[Path, Path], tmp_path: Path) -> None:  # noqa: F811
    Client = pytest.importorskip("distributed").Client
    from soccer_lstm.spotting.spot import run_spot

    games, local = local_run
    gate, marks, out = tmp_path / "gate", tmp_path / "marks", tmp_path / "predictions"
    marks.mkdir()
    outcome: dict[str, object] = {}
    with _cluster() as cluster, Client(cluster) as observer:
        pids = observer.run(os.getpid)
        assert set(observer.run(_hold_after_first_block, str(gate), str(marks)).values()) == {"held"}
        from soccer_lstm.config import SpotConfig

        def spot() -> None:
            try:
                outcome["results"] = list(run_spot(model, [games], out, SpotConfig(nms=2.0),
                                                   scheduler=cluster.scheduler_address))
            except BaseException as exc:  # reported below
                outcome["error"] = exc

        runner = threading.Thread(target=spot)
        runner.start()
        deadline = time.monotonic() + 180
        while not list(marks.iterdir()) and time.monotonic() < deadline and runner.is_alive():
            time.sleep(0.05)
        held = [int(p.name) for p in marks.iterdir()]
        assert held, f"no worker got past a video's first block: {outcome}"
        victim = held[0]
        assert victim in pids.values()
        written_before = _files(out) if out.exists() else {}
        os.kill(victim, signal.SIGKILL)
        gate.touch()
        runner.join(300)
    assert not runner.is_alive() and "error" not in outcome, outcome
    assert not [name for name in written_before if not name.startswith(".")], written_before  # held mid-video
    results = outcome["results"]
    assert len(results) == 2 and not any(r.error for r in results)
    _assert_same_output(local, out)
    assert not list(out.rglob("*.tmp"))


def test_footage_unlike_the_training_clips_is_warned_about_beside_the_predictions(model: Path,  # noqa: F811
                                                                                  tmp_path: Path) -> None:
    # The model was trained on 128x96 clips of 20 frames at 25 fps.
    video = write_long_video(tmp_path / "big.avi", ["throw-in"], seed=3, size=(400, 300), gap_frames=20, fps=60.0)
    out = tmp_path / "out"
    result = run_cli("spot", "--model", model, video.path, "-o", out, "--window", "4")
    assert result.exit_code == 0, result.output
    sidecar = json.loads((out / "big" / "warnings.json").read_text())
    (entry,) = sidecar["videos"]
    warnings = entry["warnings"]
    assert entry["video"] == str(video.path) and entry["half"] == 1
    assert any(w.startswith("frame size 400x300 is far from the training clips' (128x96 px)") for w in warnings)
    assert any(w.startswith("frame rate 60 fps is far from the training clips'") for w in warnings)
    assert any(w.startswith("windows of 240 frames (4.0 s), much longer than any training clip (20 frames)")
               for w in warnings)
    for warning in warnings:
        assert f"warning {video.path}: {warning}" in result.output
    # SoccerNet's format, untouched by the warnings.
    assert set(json.loads((out / "big" / "results_spotting.json").read_text())) == {"UrlLocal", "predictions"}


def test_footage_like_the_training_clips_gets_an_empty_list(model: Path, long_video: LongVideo,  # noqa: F811
                                                            tmp_path: Path) -> None:
    result = run_cli("spot", "--model", model, long_video.path, "-o", tmp_path / "out", "--nms", "2")
    assert result.exit_code == 0, result.output
    sidecar = json.loads((tmp_path / "out" / "match" / "warnings.json").read_text())
    assert sidecar == {"videos": [{"video": str(long_video.path), "half": 1, "warnings": []}]}
    assert "warning" not in result.output
