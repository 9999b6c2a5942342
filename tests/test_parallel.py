"""Parallel and distributed per-clip work: local joblib workers and a real Dask cluster on loopback.

The cluster tests start ``distributed.LocalCluster`` with two worker processes and check that
distributed extraction and encoding write exactly what a local run writes, and that a worker
killed in the middle of a run loses and corrupts nothing (Dask runs its task again elsewhere).
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import cv2
import numpy as np
import pytest

from clipgen import write_avi
from soccer_lstm import parallel, progress
from soccer_lstm.artifacts import load_npz
from soccer_lstm.config import CodebookConfig, EncodeConfig, ExtractConfig
from soccer_lstm.errors import UserError
from soccer_lstm.pipeline import run_codebook, run_encode, run_extract
from soccer_lstm.store import INDEX

EXTRACT = ExtractConfig(resize=160, max_keypoints=80)


def _panning_frames(seed: int, n_frames: int = 10, size: tuple[int, int] = (160, 120)) -> list[np.ndarray]:
    """A textured scene panning by a few pixels per frame."""
    rng = np.random.default_rng(seed)
    width, height = size
    scene = cv2.GaussianBlur((rng.random((height * 2, width * 2, 3)) * 255).astype(np.uint8), (0, 0), 1.5)
    return [np.ascontiguousarray(scene[2 * t:2 * t + height, 3 * t:3 * t + width]) for t in range(n_frames)]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two classes of four clips each, plus one file that is not a video."""
    root = tmp_path_factory.mktemp("data")
    for c, label in enumerate(["pan", "still"]):
        (root / label).mkdir()
        for i in range(4):
            write_avi(root / label / f"clip{i}.avi", _panning_frames(seed=10 * c + i), fps=25.0)
    (root / "still" / "broken.avi").write_bytes(b"not a video at all")
    return root


@pytest.fixture(scope="module")
def local_features(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "features"
    summary = run_extract(dataset, out, EXTRACT, n_jobs=1)
    assert summary.extracted == 8 and len(summary.failed) == 1
    return out


@contextlib.contextmanager
def _cluster(n_workers: int = 2) -> Iterator[Any]:
    """A ``LocalCluster`` of ``n_workers`` one-thread worker processes on loopback.

    Starting one sets variables for its workers in this process's environment (OMP_NUM_THREADS,
    PYTHONHASHSEED, ...); they are taken back when it stops, so that later tests do not run with them.
    """
    distributed = pytest.importorskip("distributed")
    before = dict(os.environ)
    try:
        with distributed.LocalCluster(n_workers=n_workers, processes=True, threads_per_worker=1, host="127.0.0.1",
                                      dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"},
                                      silence_logs=40) as local_cluster:
            yield local_cluster
    finally:
        os.environ.clear()
        os.environ.update(before)


@pytest.fixture(scope="module")
def cluster():
    with _cluster() as local_cluster:
        yield local_cluster


def _assert_same_store(a: Path, b: Path, arrays: tuple[str, ...]) -> None:
    index_a, index_b = (json.loads((folder / INDEX).read_text()) for folder in (a, b))
    assert [c["clip_id"] for c in index_a["clips"]] == [c["clip_id"] for c in index_b["clips"]]
    assert index_a["clips"] == index_b["clips"]
    assert index_a.get("failed", []) == index_b.get("failed", [])
    for entry in index_a["clips"]:
        data_a, meta_a = load_npz(a / entry["file"])
        data_b, meta_b = load_npz(b / entry["file"])
        assert meta_a == meta_b
        for name in arrays:
            assert data_a[name].dtype == data_b[name].dtype
            np.testing.assert_array_equal(data_a[name], data_b[name])


# ----------------------------------------------------------------------------- local
def test_effective_jobs_resolves_negative_counts() -> None:
    cores = parallel.available_cores()
    assert parallel.effective_jobs(1) == 1
    assert parallel.effective_jobs(0) == 1
    assert parallel.effective_jobs(3) == 3
    assert parallel.effective_jobs(-1) == cores
    assert parallel.effective_jobs(-cores - 5) == 1


def _opencv_threads(_: object) -> int:
    return cv2.getNumThreads()


def test_every_job_runs_opencv_on_one_thread_and_the_caller_gets_its_setting_back() -> None:
    before = cv2.getNumThreads()
    cv2.setNumThreads(3)
    try:
        assert list(parallel.imap_unordered(_opencv_threads, [0, 1], n_jobs=1)) == [1, 1]
        assert cv2.getNumThreads() == 3
        assert list(parallel.imap_unordered(_opencv_threads, [0, 1, 2], n_jobs=2)) == [1, 1, 1]
    finally:
        cv2.setNumThreads(before)


def test_imap_unordered_returns_every_result_once() -> None:
    assert sorted(parallel.imap_unordered(abs, [-3, 1, -2, 5], n_jobs=2)) == [1, 2, 3, 5]
    assert sorted(parallel.imap_unordered(abs, [-3, 1], n_jobs=1)) == [1, 3]
    assert list(parallel.imap_unordered(abs, [], n_jobs=2)) == []


def _gated_abs(item: tuple[int, str]) -> int:
    """``abs(x)``; every item but ``-1`` first waits for the gate file (at most a minute)."""
    import time

    x, gate = item
    deadline = time.monotonic() + 60
    while x != -1 and not os.path.exists(gate) and time.monotonic() < deadline:
        time.sleep(0.01)
    return abs(x)


def test_stopping_early_cancels_the_workers_quietly(tmp_path: Path) -> None:
    import warnings

    gate = str(tmp_path / "gate")  # never opened: every other item is still running when the caller stops
    items = [(-1, gate)] + [(x, gate) for x in range(-40, -1)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = parallel.imap_unordered(_gated_abs, items, n_jobs=2)
        assert next(results) == 1  # the only item that can finish
        results.close()  # what contextlib.closing does when the caller stops
    assert not [w for w in caught if "tasks" in str(w.message)]


def test_strict_stop_with_two_jobs_is_one_line_without_worker_tracebacks(dataset: Path, tmp_path: Path) -> None:
    """--strict stops at the bad clip while other jobs run: the user sees our error and nothing else."""
    done = subprocess.run([sys.executable, "-m", "soccer_lstm", "-q", "extract", str(dataset), "-o", str(tmp_path / "f"),
                           "--resize", "160", "--strict", "--n-jobs", "2"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "broken.avi" in lines[0], done.stderr[-3000:]


def test_two_local_jobs_write_what_one_writes(dataset: Path, local_features: Path, tmp_path: Path) -> None:
    out = tmp_path / "features"
    summary = run_extract(dataset, out, EXTRACT, n_jobs=2)
    assert summary.extracted == 8
    _assert_same_store(local_features, out, ("descriptors", "positions", "offsets"))


def test_nothing_about_dask_is_imported_without_a_scheduler(dataset: Path, tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys
        from soccer_lstm.cli import cli
        for args in (["extract", {str(dataset)!r}, "-o", {str(tmp_path / "f")!r}, "-j", "2", "--resize", "80"],
                     ["codebook", {str(tmp_path / "f")!r}, "-o", {str(tmp_path / "c.npz")!r}, "-k", "4"],
                     ["encode", {str(tmp_path / "f")!r}, "--codebook", {str(tmp_path / "c.npz")!r},
                      "-o", {str(tmp_path / "s")!r}, "-j", "2"]):
            cli.main(["-q", *args], standalone_mode=False)
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "s" / INDEX).is_file()


def test_unreachable_scheduler_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    pytest.importorskip("distributed")
    monkeypatch.setattr(parallel, "DASK_TIMEOUT", "1s")
    # A port this test holds without listening on it: a connection is refused, and nothing else
    # on the machine can be listening there meanwhile.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        with pytest.raises(UserError, match="cannot reach the Dask scheduler"):
            parallel.imap_unordered(abs, [1, 2], scheduler=f"tcp://127.0.0.1:{port}")


# ----------------------------------------------------------------------------- Dask cluster
def test_distributed_extract_and_encode_match_a_local_run(cluster, dataset: Path, local_features: Path,
                                                          tmp_path: Path) -> None:
    address = cluster.scheduler_address
    remote = tmp_path / "features"
    summary = run_extract(dataset, remote, EXTRACT, scheduler=address)
    assert (summary.extracted, summary.cached, len(summary.failed)) == (8, 0, 1)
    _assert_same_store(local_features, remote, ("descriptors", "positions", "offsets"))

    # A second distributed run finds every clip up to date and asks the cluster for nothing.
    again = run_extract(dataset, remote, EXTRACT, scheduler=address)
    assert (again.extracted, again.cached) == (0, 8)

    codebook = tmp_path / "codebook.npz"
    run_codebook(local_features, codebook, CodebookConfig(k=8, sample_size=500))
    config = EncodeConfig(features="bow")
    assert run_encode(local_features, codebook, tmp_path / "seq_local", config) .encoded == 8
    assert run_encode(local_features, codebook, tmp_path / "seq_dask", config, scheduler=address) .encoded == 8
    assert run_encode(local_features, codebook, tmp_path / "seq_jobs", config, n_jobs=2) .encoded == 8
    _assert_same_store(tmp_path / "seq_local", tmp_path / "seq_dask", ("sequence",))
    _assert_same_store(tmp_path / "seq_local", tmp_path / "seq_jobs", ("sequence",))


def test_workers_with_other_versions_are_refused(cluster) -> None:
    Client = pytest.importorskip("distributed").Client

    with Client(cluster) as client:
        parallel.check_workers(client, parallel.worker_versions())
        expected = {**parallel.worker_versions(), "opencv": "0.0.1"}
        with pytest.raises(UserError, match=r"runs opencv .* \(here 0\.0\.1\)"):
            parallel.check_workers(client, expected)


def test_a_cluster_without_workers_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "DASK_WAIT_FOR_WORKERS", 1)
    with _cluster(n_workers=0) as empty:
        results = parallel.imap_unordered(abs, [1, 2], scheduler=empty.scheduler_address)
        with pytest.raises(UserError, match="no Dask worker joined"):
            list(results)


def test_distributed_encode_reports_a_damaged_feature_file(cluster, local_features: Path, tmp_path: Path,
                                                          recwarn: pytest.WarningsRecorder) -> None:
    copy = tmp_path / "features"
    subprocess.run(["cp", "-r", str(local_features), str(copy)], check=True)
    damaged = next((copy / "clips").glob("*.npz"))
    damaged.write_bytes(b"garbage")
    codebook = tmp_path / "codebook.npz"
    run_codebook(local_features, codebook, CodebookConfig(k=8, sample_size=500))
    with pytest.raises(UserError, match=damaged.name):
        run_encode(copy, codebook, tmp_path / "seq", EncodeConfig(), scheduler=cluster.scheduler_address)
    assert not [w for w in recwarn if "tasks" in str(w.message)]  # the rest was cancelled quietly


def test_a_worker_killed_mid_run_loses_no_clip(dataset: Path, local_features: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    Client = pytest.importorskip("distributed").Client
    gate = tmp_path / "gate"
    first = sorted(dataset.rglob("*.avi"))[0].name  # clips go out in id order: pan/clip0 first

    def hold_clips_at_the_gate(gate: str, first: str) -> None:
        """In a worker: every clip but ``first`` waits for the gate file before it is extracted."""
        import os
        import time

        import soccer_lstm.stages.extract as pipeline  # where extract looks extract_clip up

        extract = pipeline.extract_clip

        def held(path, config, **options):
            deadline = time.monotonic() + 120
            while os.path.basename(str(path)) != first and not os.path.exists(gate) and time.monotonic() < deadline:
                time.sleep(0.01)
            return extract(path, config, **options)

        pipeline.extract_clip = held
        return pipeline.extract_clip.__name__

    with _cluster() as local_cluster, Client(local_cluster) as observer:
        pids = observer.run(os.getpid)
        assert set(observer.run(hold_clips_at_the_gate, str(gate), first).values()) == {"held"}
        killed: list[int] = []
        original_bar = progress.bar

        def bar_that_kills(iterable, *args, **kwargs):
            # When the first clip comes back, every other clip waits at the gate: a worker is
            # certainly busy. Kill it, then open the gate.
            for n, item in enumerate(original_bar(iterable, *args, **kwargs)):
                if n == 0:
                    busy = [w for w, keys in observer.processing().items() if keys]
                    assert busy, "no clip in flight although all but one wait at the gate"
                    killed.append(pids[busy[0]])
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    gate.touch()
                yield item

        monkeypatch.setattr(progress, "bar", bar_that_kills)
        out = tmp_path / "features"
        summary = run_extract(dataset, out, EXTRACT, scheduler=local_cluster.scheduler_address)

    assert len(killed) == 1
    assert (summary.extracted, len(summary.failed)) == (8, 1)
    _assert_same_store(local_features, out, ("descriptors", "positions", "offsets"))
    assert not list(out.rglob("*.tmp"))
