"""``make bench``: how fast each stage runs, each figure beside a reference measured in the same run.

Writes ``benchmarks/results.json`` (every figure, machine and load) and ``benchmarks/results.md``
(the table quoted in the README). Nothing here is a test: figures are printed, not asserted.

What is measured (clips are rendered into a temporary folder and deleted at the end):

- extraction throughput of the pipeline (``run_extract``, what ``soccer-lstm extract`` calls) against
  a bare loop in one process: ``cv2.VideoCapture`` decode, gray, the same resize, and
  ``cv2.SIFT_create(...).detectAndCompute`` with the same settings, plus the same per-frame local
  motion work (DIS flow, camera fit, HOF/MBH/HOG), over the same frames;
- local motion (flow + histograms) per frame against SIFT per frame at the default size;
- ``--n-jobs 2`` against ``--n-jobs 1`` (each worker gets ``cores // jobs`` OpenCV threads);
- camera-motion estimation per frame pair against SIFT per frame;
- codebook time and peak memory on feature stores of 1x, 10x and 100x descriptors;
- encode throughput, LSTM training time per epoch, predict latency per clip with TensorFlow's
  start-up reported apart;
- frames per second of the synthetic renderer.

Every timed pipeline run writes into a fresh folder, so no cache hides work. Extraction timings
take the median of several interleaved repeats, and the pipeline's overhead is the median of the
time ratios of back-to-back pairs (pipeline, bare loop), because the shared machine's speed drifts
by more than the overhead being measured; other timings take the best of their repeats. The load
average before and after is recorded beside them.

Usage: ``python benchmarks/run.py [--quick] [--keep DIR]``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

HERE = Path(__file__).resolve().parent
CLIP_SIZE = (640, 360)          # broadcast-like frames; the reference figure is at 640x360
CODEBOOK_K = 100                # bench codebook: scaled down from the default k=200 / 50 000 samples
CODEBOOK_SAMPLE = 10_000        # so that the three sizes fit the time budget; the bound is the same
DESCRIPTORS_PER_STORE_CLIP = 5_000


# ----------------------------------------------------------------------------- helpers
def _now() -> float:
    return time.perf_counter()


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _child(task: str, *args: str) -> dict[str, Any]:
    """Run ``task`` of this script in a fresh Python process; return the JSON it prints last."""
    started = _now()
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", task, *args],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"bench child {task} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = _now() - started
    return result


def _best(values: list[float]) -> float:
    return min(values)


# ----------------------------------------------------------------------------- clips
def render_clips(folder: Path, clips_per_class: int, n_frames: int) -> dict[str, Any]:
    """Benchmark clips at 640x360: the synthetic renderer when present, else a moving texture."""
    import cv2

    try:
        from soccer_lstm.synth import CLASSES, render_clip, write_clip
    except ImportError:
        CLASSES, render_clip, write_clip = None, None, None
    rendering, frames = 0.0, 0
    if render_clip is not None:
        for c, action in enumerate(CLASSES):
            for i in range(clips_per_class):
                started = _now()
                video = render_clip(action, seed=1000 + 10 * c + i, size=CLIP_SIZE, n_frames=n_frames)
                rendering += _now() - started
                frames += len(video)
                write_clip(folder / action / f"{action}_{i:03d}.avi", video, fps=25.0)
        source = "soccer_lstm.synth.render_clip"
    else:
        rng = np.random.default_rng(0)
        width, height = CLIP_SIZE
        for c, action in enumerate(("pan-left", "pan-right")):
            for i in range(2 * clips_per_class):
                (folder / action).mkdir(parents=True, exist_ok=True)
                scene = cv2.GaussianBlur((rng.random((height * 2, width * 2, 3)) * 255).astype(np.uint8), (0, 0), 2)
                writer = cv2.VideoWriter(str(folder / action / f"{action}_{i:03d}.avi"),
                                         cv2.VideoWriter_fourcc(*"MJPG"), 25.0, CLIP_SIZE)
                started = _now()
                for t in range(n_frames):
                    x = 4 * t if c == 0 else width - 4 * t
                    writer.write(np.ascontiguousarray(scene[2 * t:2 * t + height, x:x + width]))
                rendering += _now() - started
                frames += n_frames
                writer.release()
        source = "moving texture (soccer_lstm.synth not importable)"
    return {"source": source, "frames": frames, "seconds": rendering,
            "fps": frames / rendering if rendering else None}


def clip_paths(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.avi"))


# ----------------------------------------------------------------------------- extraction
def reference_pass(paths: list[Path], config: Any, threads: int = 1) -> tuple[int, float, float]:
    """The bare OpenCV loop: decode, gray, the pipeline's resize, SIFT, and the same flow and histograms.

    The per-frame local-motion work (DIS flow, camera fit, HOF/MBH/HOG) is the library's own
    :class:`~soccer_lstm.features.local.LocalMotion`, fed the same frames: what is measured against
    it is everything ``extract`` does around the per-frame work. Returns frames, wall, CPU.

    ``threads`` is OpenCV's thread count: 1 is one core, as one pipeline job; 0 leaves OpenCV its
    default pool (every core).
    """
    import cv2

    from soccer_lstm.features.local import LocalMotion
    from soccer_lstm.parallel import opencv_threads

    if threads:
        with opencv_threads(threads):
            return reference_pass(paths, config, threads=0)
    sift = cv2.SIFT_create(nfeatures=config.max_keypoints, contrastThreshold=config.contrast_threshold)
    frames = 0
    wall, cpu = _now(), time.process_time()
    for path in paths:
        capture = cv2.VideoCapture(str(path))
        local = LocalMotion(config.grid, config.flow_preset)
        size = None
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            if size is None:
                height, width = gray.shape
                scale = config.resize / max(width, height) if config.resize else 1.0
                size = (max(1, round(width * scale)), max(1, round(height * scale)))
                interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
            if size != (gray.shape[1], gray.shape[0]):
                gray = cv2.resize(gray, size, interpolation=interpolation)
            sift.detectAndCompute(gray, None)
            local.add(gray)
            frames += 1
        capture.release()
    return frames, _now() - wall, time.process_time() - cpu


def _process_cpu() -> dict[int, float]:
    """CPU seconds so far of this process (key 0) and of each of its live child processes."""
    try:
        import psutil
    except ImportError:
        return {}
    me = psutil.Process()
    times = {0: sum(me.cpu_times()[:2])}
    for child in me.children(recursive=True):
        try:
            times[child.pid] = sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return times


def pipeline_pass(data: Path, out: Path, config: Any, n_jobs: int) -> tuple[int, float, float, float | None]:
    """``run_extract`` into a fresh folder.

    Returns frames, wall seconds, CPU seconds of this process, and the CPU seconds of this process
    and all its worker processes together (None without workers or without psutil).
    """
    from soccer_lstm.pipeline import run_extract

    shutil.rmtree(out, ignore_errors=True)
    before = _process_cpu()
    wall, cpu = _now(), time.process_time()
    summary = run_extract(data, out, config, n_jobs=n_jobs)
    wall, cpu = _now() - wall, time.process_time() - cpu
    after = _process_cpu()
    workers = [after[pid] - before.get(pid, 0.0) for pid in after if pid != 0]
    total = after[0] - before[0] + sum(workers) if workers else None
    if summary.failed or summary.cached:
        raise RuntimeError(f"benchmark extraction did not extract every clip: {summary}")
    index = json.loads((out / "index.json").read_text())
    return sum(c["n_frames"] for c in index["clips"]), wall, cpu, total


def bench_extraction(data: Path, work: Path, config: Any, repeats: int, label: str,
                     threaded_reference: bool = True) -> dict[str, Any]:
    """The bare loop against ``--n-jobs 1`` in back-to-back pairs; ``--n-jobs 2`` between the pairs.

    The machine's speed drifts by more than the overhead being measured (the same SIFT work took
    3.1 s in one minute and 4.7 s in another on this shared 2-core machine), so the overhead is
    the median, over ``2 * repeats - 1`` back-to-back pairs of runs (each pair in alternating order), of the
    time ratio inside the pair: both runs of a pair see the same machine. ``--n-jobs 2`` (and, with
    ``threaded_reference``, the bare loop with OpenCV's own thread pool on every core) run
    ``repeats`` times, between the pairs.
    """
    import cv2

    from soccer_lstm.parallel import OPENCV_THREADS_PER_JOB, available_cores

    paths = clip_paths(data)
    pairs = 2 * repeats - 1
    runs: dict[str, list[tuple]] = {name: [] for name in
                                    ["reference", "jobs1", "jobs2"] + (["reference_threads"] if threaded_reference else [])}

    def one(name: str, rep: int) -> None:
        if name == "reference":
            runs[name].append(reference_pass(paths, config, threads=OPENCV_THREADS_PER_JOB))
        elif name == "reference_threads":
            runs[name].append(reference_pass(paths, config, threads=0))
        else:
            runs[name].append(pipeline_pass(data, work / f"{label}-{name}", config, 1 if name == "jobs1" else 2))
        frames, wall = runs[name][-1][:2]
        _say(f"  {label} {name:17s} rep {rep + 1}: {frames} frames in {wall:6.2f} s = {frames / wall:6.1f} frames/s"
             f"  (load {_load()})")

    others = ["jobs2"] + (["reference_threads"] if threaded_reference else [])
    for rep in range(pairs):
        for name in (("reference", "jobs1") if rep % 2 == 0 else ("jobs1", "reference")):
            one(name, rep)
        if rep < repeats:
            for name in (others if rep % 2 == 0 else others[::-1]):
                one(name, rep)
    frames = {name: r[0][0] for name, r in runs.items()}
    if len(set(frames.values())) != 1:
        raise RuntimeError(f"the reference and the pipeline saw different frame counts: {frames}")
    n = frames["reference"]
    median = {name: statistics.median([run[1] for run in r]) for name, r in runs.items()}
    best = {name: _best([run[1] for run in r]) for name, r in runs.items()}
    fps = {name: n / median[name] for name in runs}
    pair_time = [j[1] / r[1] for r, j in zip(runs["reference"], runs["jobs1"])]
    pair_cpu = [j[2] / r[2] for r, j in zip(runs["reference"], runs["jobs1"]) if r[2]]
    cpu_jobs1 = _best([run[2] for run in runs["jobs1"]])
    total_jobs2 = [run[3] for run in runs["jobs2"] if run[3]]
    result = {
        "config": {"resize": config.resize, "max_keypoints": config.max_keypoints,
                   "contrast_threshold": config.contrast_threshold, "flow_preset": config.flow_preset,
                   "grid": config.grid},
        "frames": n, "clips": len(paths), "repeats": repeats, "pairs": pairs,
        # frames/s from the median run of each variant
        "reference_fps": fps["reference"], "extract_fps": fps["jobs1"], "extract_fps_jobs2": fps["jobs2"],
        "extract_ratio": fps["jobs1"] / fps["reference"],
        # the steadier figure: median over back-to-back pairs of pipeline time / bare-loop time
        "overhead_pct": 100.0 * (statistics.median(pair_time) - 1.0),
        "overhead_pct_pairs": [round(100.0 * (t - 1.0), 2) for t in pair_time],
        "cpu_overhead_pct": 100.0 * (statistics.median(pair_cpu) - 1.0) if pair_cpu else None,
        "cpu_ratio": 1.0 / statistics.median(pair_cpu) if pair_cpu else None,
        "best_fps": {name: n / best[name] for name in runs},
        "n_jobs_scaling": fps["jobs2"] / fps["jobs1"],
        "jobs2_first_run_s": runs["jobs2"][0][1], "jobs2_best_s": best["jobs2"],
        "opencv_threads": {"reference": OPENCV_THREADS_PER_JOB, "jobs1": OPENCV_THREADS_PER_JOB,
                           "jobs2": OPENCV_THREADS_PER_JOB},
        "cores": available_cores(),
        "wall_s": {name: [round(run[1], 3) for run in r] for name, r in runs.items()},
        "cpu_s": {name: [round(run[2], 3) for run in r] for name, r in runs.items()},
        # With the machine shared, wall-clock scaling shows the share of the cores the scheduler
        # gave this run. The CPU estimate is the speed-up on two idle cores with the work evenly
        # split: 2 x CPU of --n-jobs 1 / CPU of --n-jobs 2 (workers and the main process together),
        # so every extra cost of the workers (transfer, pickling, the main process) counts.
        "jobs2_total_cpu_s": [round(t, 3) for t in total_jobs2],
        "n_jobs_scaling_cpu_estimate": 2 * cpu_jobs1 / _best(total_jobs2) if total_jobs2 else None,
    }
    if threaded_reference:
        cpu_ref = _best([run[2] for run in runs["reference"]])
        result["opencv_threads"]["reference_threads"] = cv2.getNumThreads()
        result["reference_threads_fps"] = fps["reference_threads"]
        result["jobs2_over_threaded_reference"] = fps["jobs2"] / fps["reference_threads"]
        result["threaded_cpu_over_single"] = (_best([run[2] for run in runs["reference_threads"]]) / cpu_ref
                                              if cpu_ref else None)
    return result


def bench_dask(data: Path, work: Path, config: Any, repeats: int, jobs2_fps: float) -> dict[str, Any] | None:
    """Extraction on a local Dask cluster (two single-threaded worker processes on loopback)."""
    try:
        from distributed import LocalCluster
    except ImportError:
        return None
    from soccer_lstm.pipeline import run_extract

    started = _now()
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"},
                      silence_logs=40) as cluster:
        startup = _now() - started
        seconds = []
        for rep in range(repeats):
            out = work / "dask-features"
            shutil.rmtree(out, ignore_errors=True)
            t = _now()
            summary = run_extract(data, out, config, scheduler=cluster.scheduler_address)
            seconds.append(_now() - t)
            frames = sum(c["n_frames"] for c in json.loads((out / "index.json").read_text())["clips"])
            _say(f"  dask 2 workers rep {rep + 1}: {frames} frames in {seconds[-1]:6.2f} s = "
                 f"{frames / seconds[-1]:6.1f} frames/s  (load {_load()})")
            if summary.failed:
                raise RuntimeError(f"distributed extraction failed: {summary.failed}")
    fps = frames / _best(seconds)
    return {"workers": 2, "threads_per_worker": 1, "cluster_start_s": startup, "frames": frames,
            "first_run_s": seconds[0], "best_s": _best(seconds), "fps": fps, "over_jobs2": fps / jobs2_fps}


# ----------------------------------------------------------------------------- local motion
def bench_local(data: Path, config: Any, repeats: int) -> dict[str, Any]:
    """Per frame: DIS flow + camera fit + HOF/MBH/HOG against SIFT, on the same decoded frames.

    Both run on one core over every frame of the clips at ``config``'s size, in alternating order;
    the ratio is of the medians.
    """
    import cv2

    from soccer_lstm.features.local import LocalMotion
    from soccer_lstm.features.sift import detect_frame, make_detector
    from soccer_lstm.parallel import opencv_threads
    from soccer_lstm.video import iter_frames

    clips = [list(iter_frames(path, config.resize, config.frame_step, config.crop_bars)) for path in clip_paths(data)]
    n_frames = sum(len(c) for c in clips)
    times: dict[str, list[float]] = {"sift": [], "local": []}

    def sift_pass() -> None:
        detector = make_detector(config)
        for frames in clips:
            for gray in frames:
                detect_frame(detector, gray, config.max_keypoints)

    def local_pass() -> None:
        for frames in clips:
            local = LocalMotion(config.grid, config.flow_preset)
            for gray in frames:
                local.add(gray)

    with opencv_threads(1):
        for rep in range(2 * repeats - 1):
            for name in (("sift", "local") if rep % 2 == 0 else ("local", "sift")):
                started = _now()
                (sift_pass if name == "sift" else local_pass)()
                times[name].append(_now() - started)
    sift_s, local_s = (statistics.median(times[k]) / n_frames for k in ("sift", "local"))
    _say(f"  local motion {1000 * local_s:.2f} ms/frame, SIFT {1000 * sift_s:.2f} ms/frame "
         f"(ratio {local_s / sift_s:.3f}, {cv2.__version__})")
    size = clips[0][0].shape[::-1] if clips and clips[0] else (0, 0)
    return {"frames": n_frames, "size": list(size), "preset": config.flow_preset, "grid": config.grid,
            "local_s_per_frame": local_s, "sift_s_per_frame": sift_s, "ratio_to_sift": local_s / sift_s,
            "runs_s": {k: [round(v, 3) for v in vs] for k, vs in times.items()}}


# ----------------------------------------------------------------------------- motion
def bench_motion(features: Path, sift_s_per_frame: float) -> dict[str, Any] | None:
    try:
        from soccer_lstm.features.motion import motion_features
    except ImportError:
        return None
    from soccer_lstm.store import FeatureStore

    store = FeatureStore(features)
    clips = [store.load(i) for i in range(len(store))]
    pairs = sum(max(0, c.n_frames - 1) for c in clips)
    seconds = []
    for _ in range(2):
        started = _now()
        for clip in clips:
            motion_features(clip)
        seconds.append(_now() - started)
    per_pair = _best(seconds) / pairs
    return {"pairs": pairs, "s_per_pair": per_pair, "sift_s_per_frame": sift_s_per_frame,
            "ratio_to_sift": per_pair / sift_s_per_frame}


# ----------------------------------------------------------------------------- codebook
def make_descriptor_store(folder: Path, pool: np.ndarray, n_clips: int, seed: int) -> int:
    """A feature store of ``n_clips`` clips of jittered real descriptors; returns the total count."""
    from soccer_lstm.artifacts import save_npz, write_json

    rng = np.random.default_rng(seed)
    entries = []
    per_frame = 250
    n_frames = DESCRIPTORS_PER_STORE_CLIP // per_frame
    for i in range(n_clips):
        rows = rng.integers(0, len(pool), DESCRIPTORS_PER_STORE_CLIP)
        jitter = rng.integers(-3, 4, (DESCRIPTORS_PER_STORE_CLIP, 128))
        descriptors = np.clip(pool[rows].astype(np.int16) + jitter, 0, 255).astype(np.uint8)
        positions = rng.random((DESCRIPTORS_PER_STORE_CLIP, 2)).astype(np.float32) * 320
        offsets = np.arange(0, DESCRIPTORS_PER_STORE_CLIP + 1, per_frame, dtype=np.int64)
        file = f"clips/c{i:05d}.npz"
        fp = f"bench{seed}-{i}"
        save_npz(folder / file, {"descriptors": descriptors, "positions": positions, "offsets": offsets},
                 {"stage": "extract", "fingerprint": fp, "n_frames": n_frames,
                  "n_descriptors": DESCRIPTORS_PER_STORE_CLIP})
        entries.append({"clip_id": f"c{i:05d}", "label": "x", "group": f"c{i:05d}", "path": file, "file": file,
                        "fingerprint": fp, "n_frames": n_frames, "n_descriptors": DESCRIPTORS_PER_STORE_CLIP})
    write_json(folder / "index.json", {"stage": "extract", "config": {}, "clips": entries, "failed": []})
    return n_clips * DESCRIPTORS_PER_STORE_CLIP


def bench_codebook(features: Path, work: Path, scales: tuple[int, ...]) -> dict[str, Any]:
    """Codebook fit (in a fresh process each) on stores 1x, 10x, 100x the base size."""
    from soccer_lstm.store import FeatureStore

    store = FeatureStore(features)
    pool = np.concatenate([store.load(i).descriptors for i in range(len(store))])
    base_clips = max(1, CODEBOOK_SAMPLE // DESCRIPTORS_PER_STORE_CLIP)
    sizes, seconds, cpu, peak_mb, rss_mb = [], [], [], [], []
    for scale in scales:
        folder = work / f"store-{scale}x"
        n = make_descriptor_store(folder, pool, base_clips * scale, seed=scale)
        result = _child("codebook", str(folder), str(work / f"codebook-{scale}x.npz"))
        sizes.append(n)
        seconds.append(result["seconds"])
        cpu.append(result["cpu_s"])
        peak_mb.append(result["tracemalloc_peak_mb"])
        rss_mb.append(result["max_rss_mb"])
        _say(f"  codebook {scale:4d}x: {n:>9,d} descriptors, {result['seconds']:6.2f} s ({result['cpu_s']:.2f} s CPU), "
             f"peak {result['tracemalloc_peak_mb']:.1f} MB allocated, max RSS {result['max_rss_mb']:.0f} MB")
        if scale != scales[0]:
            shutil.rmtree(folder)
    return {"k": CODEBOOK_K, "sample_size": CODEBOOK_SAMPLE, "scales": list(scales), "descriptors": sizes,
            "seconds": seconds, "cpu_s": cpu, "peak_mb": peak_mb, "max_rss_mb": rss_mb,
            "time_growth": seconds[-1] / seconds[0], "cpu_growth": cpu[-1] / cpu[0],
            "memory_growth": peak_mb[-1] / peak_mb[0]}


def child_codebook(store: str, out: str) -> dict[str, Any]:
    import tracemalloc

    from soccer_lstm.config import CodebookConfig
    from soccer_lstm.pipeline import run_codebook

    config = CodebookConfig(k=CODEBOOK_K, sample_size=CODEBOOK_SAMPLE)
    tracemalloc.start()
    started, cpu = _now(), time.process_time()
    run_codebook(store, out, config)
    seconds, cpu = _now() - started, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": seconds, "cpu_s": cpu, "tracemalloc_peak_mb": peak / 2**20,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# ----------------------------------------------------------------------------- encode
def bench_encode(features: Path, codebook: Path, work: Path) -> dict[str, Any]:
    from soccer_lstm.config import EncodeConfig
    from soccer_lstm.pipeline import run_encode
    from soccer_lstm.store import FeatureStore

    frames = sum(e.n_frames for e in FeatureStore(features).entries)
    result: dict[str, Any] = {"frames": frames}
    kinds = ["bow"]
    try:
        import soccer_lstm.features.motion  # noqa: F401
        kinds.append("bow+motion")
    except ImportError:
        pass
    for kind in kinds:
        seconds = []
        for rep in range(2):
            out = work / f"sequences-{kind}"
            shutil.rmtree(out, ignore_errors=True)
            started = _now()
            run_encode(features, codebook, out, EncodeConfig(features=kind), n_jobs=1)
            seconds.append(_now() - started)
        result[f"{kind}_fps"] = frames / _best(seconds)
        _say(f"  encode {kind}: {frames / _best(seconds):.0f} frames/s")
    return result


# ----------------------------------------------------------------------------- train and predict
def child_train(sequences: str, model: str, dim: str) -> dict[str, Any]:
    """Seconds per epoch of the LSTM on a MICC-sized set, then a small model for predict."""
    import soccer_lstm.models.lstm as lstm
    from soccer_lstm.config import TrainConfig
    from soccer_lstm.models.lstm import LSTMClassifier
    from soccer_lstm.pipeline import run_train

    epoch_seconds: list[float] = []
    train_model = lstm.train_model

    def timed_train_model(*args: Any, on_epoch: Any = None, **kwargs: Any) -> Any:
        """The classifier's own training loop, also timing each epoch (validation included)."""
        last = [_now()]

        def timed(epoch: int, logs: Any, probabilities: Any) -> None:
            if on_epoch is not None:
                on_epoch(epoch, logs, probabilities)
            epoch_seconds.append(_now() - last[0])
            last[0] = _now()

        return train_model(*args, on_epoch=timed, **kwargs)

    lstm.train_model = timed_train_model  # LSTMClassifier.fit looks it up when it runs
    rng = np.random.default_rng(0)
    n_clips, n_steps, n_dim, epochs = 100, 50, int(dim), 6
    data = [rng.dirichlet(np.ones(n_dim), n_steps).astype(np.float32) for _ in range(n_clips)]
    labels = [f"class{i % 4}" for i in range(n_clips)]
    config = TrainConfig(epochs=epochs, patience=epochs + 1)
    LSTMClassifier.from_config(config).fit(data, labels)
    run_train(sequences, model, TrainConfig(epochs=3, patience=5))
    return {"clips": n_clips, "steps": n_steps, "dim": n_dim, "units": config.units,
            "batch_size": config.batch_size, "epochs": epochs, "epoch_s": epoch_seconds[:epochs],
            "s_per_epoch": statistics.median(epoch_seconds[1:epochs]), "first_epoch_s": epoch_seconds[0]}


def child_predict(model: str, *clips: str) -> dict[str, Any]:
    """TensorFlow start-up (imports and model load) apart from the per-clip latency."""
    started = _now()
    import keras  # noqa: F401
    import tensorflow  # noqa: F401

    from soccer_lstm.pipeline import load_model, predict_clips

    imported = _now()
    pipeline = load_model(model)
    loaded = _now()
    latencies = []
    for clip in clips:
        t = _now()
        [prediction] = predict_clips(pipeline, [clip])
        latencies.append(_now() - t)
        if prediction.error:
            raise RuntimeError(prediction.error)
    return {"import_s": imported - started, "load_model_s": loaded - imported,
            "first_clip_s": latencies[0], "latencies_s": latencies,
            "latency_s": statistics.median(latencies[1:]) if len(latencies) > 1 else latencies[0]}


# ----------------------------------------------------------------------------- report
def markdown(r: dict[str, Any]) -> str:
    e, d = r["extract"], r.get("extract_default")
    lines = [
        "| Measure | soccer-lstm | Reference (same run) | Ratio |",
        "|---|---|---|---|",
        f"| Extraction, {e['frames']} frames at {CLIP_SIZE[0]}x{CLIP_SIZE[1]}, `--n-jobs 1` | "
        f"{e['extract_fps']:.1f} frames/s | bare OpenCV loop {e['reference_fps']:.1f} frames/s | "
        f"{e['extract_ratio']:.3f}; overhead {e['overhead_pct']:+.1f} % time, {e['cpu_overhead_pct']:+.1f} % CPU "
        f"(median of {e['pairs']} back-to-back pairs) |",
        f"| Extraction `--n-jobs 2` vs `--n-jobs 1` ({e['cores']} cores) | {e['extract_fps_jobs2']:.1f} frames/s | "
        f"{e['extract_fps']:.1f} frames/s | {e['n_jobs_scaling']:.2f}x |",
    ]
    if e.get("n_jobs_scaling_cpu_estimate"):
        lines.append(f"| ... the same on idle cores, from CPU times (2 x CPU of `--n-jobs 1` / CPU of all "
                     f"`--n-jobs 2` processes) | | | "
                     f"{e['n_jobs_scaling_cpu_estimate']:.2f}x |")
    lines += [
        f"| Extraction `--n-jobs 2` vs the bare loop with OpenCV's own threads on every core | "
        f"{e['extract_fps_jobs2']:.1f} frames/s | {e['reference_threads_fps']:.1f} frames/s "
        f"({e['threaded_cpu_over_single']:.2f}x the CPU time of one thread) | {e['jobs2_over_threaded_reference']:.2f}x |",
    ]
    if d:
        lines += [
            f"| Extraction at the default `--resize {d['config']['resize']}`, `--n-jobs 1` | {d['extract_fps']:.0f} frames/s | "
            f"bare OpenCV loop {d['reference_fps']:.0f} frames/s | {d['extract_ratio']:.3f}; overhead "
            f"{d['overhead_pct']:+.1f} % time, {d['cpu_overhead_pct']:+.1f} % CPU ({d['pairs']} pairs) |",
            f"| ... `--n-jobs 2` vs `--n-jobs 1` at `--resize {d['config']['resize']}` | {d['extract_fps_jobs2']:.0f} frames/s | "
            f"{d['extract_fps']:.0f} frames/s | {d['n_jobs_scaling']:.2f}x |",
        ]
    k = r.get("dask")
    if k:
        lines.append(f"| Extraction on a local Dask cluster, 2 workers x 1 thread (`--scheduler`) | {k['fps']:.1f} frames/s "
                     f"(cluster start {k['cluster_start_s']:.1f} s, first run {k['first_run_s']:.1f} s) | "
                     f"`--n-jobs 2` {e['extract_fps_jobs2']:.1f} frames/s | {k['over_jobs2']:.2f} |")
    lm = r.get("local")
    if lm:
        lines.append(f"| Local motion per frame at the default size ({lm['size'][0]}x{lm['size'][1]}): DIS flow "
                     f"(`{lm['preset']}`), camera fit, HOF + MBH + HOG on a {lm['grid']}x{lm['grid']} grid | "
                     f"{1000 * lm['local_s_per_frame']:.2f} ms | SIFT per frame {1000 * lm['sift_s_per_frame']:.2f} ms | "
                     f"{lm['ratio_to_sift']:.3f} |")
    m = r.get("motion")
    if m:
        lines.append(f"| Camera motion per frame pair | {1000 * m['s_per_pair']:.1f} ms | SIFT per frame "
                     f"{1000 * m['sift_s_per_frame']:.1f} ms | {m['ratio_to_sift']:.2f} |")
    c = r["codebook"]
    for i, scale in enumerate(c["scales"]):
        lines.append(f"| Codebook, {scale}x = {c['descriptors'][i]:,d} descriptors (k={c['k']}, sample {c['sample_size']:,d}) | "
                     f"{c['seconds'][i]:.1f} s ({c['cpu_s'][i]:.1f} s CPU), peak {c['peak_mb'][i]:.1f} MB | "
                     f"1x: {c['seconds'][0]:.1f} s ({c['cpu_s'][0]:.1f} s CPU), {c['peak_mb'][0]:.1f} MB | "
                     f"time {c['seconds'][i] / c['seconds'][0]:.2f}x (CPU {c['cpu_s'][i] / c['cpu_s'][0]:.2f}x), "
                     f"memory {c['peak_mb'][i] / c['peak_mb'][0]:.2f}x |")
    n = r["encode"]
    for kind in ("bow", "bow+motion"):
        if f"{kind}_fps" in n:
            lines.append(f"| Encode `--features {kind}` | {n[f'{kind}_fps']:.0f} frames/s | extraction "
                         f"{e['extract_fps']:.1f} frames/s | {n[f'{kind}_fps'] / e['extract_fps']:.0f}x |")
    t, p = r["train"], r["predict"]
    lines += [
        f"| LSTM training, {t['clips']} clips x {t['steps']} frames x {t['dim']}, {t['units']} cells | {t['s_per_epoch']:.2f} s/epoch | "
        f"first epoch (graph tracing) {t['first_epoch_s']:.1f} s | |",
        f"| Predict, one clip of {r['clip_frames']} frames (decode + SIFT + encode + LSTM) | {p['latency_s']:.2f} s | "
        f"TensorFlow start-up {p['import_s'] + p['load_model_s']:.1f} s, first clip {p['first_clip_s']:.2f} s | |",
        f"| Synthetic renderer at {CLIP_SIZE[0]}x{CLIP_SIZE[1]} | {r['render']['fps']:.1f} frames/s | "
        f"extraction {e['extract_fps']:.1f} frames/s | {r['render']['fps'] / e['extract_fps']:.2f} |",
    ]
    busy = r["load_before"][0] > r["machine"]["cores"] or r["load_after"][0] > r["machine"]["cores"]
    warning = ("\n\n**The machine was busy** (load average above its core count): wall-clock figures, and "
               "the `--n-jobs 2` scaling above all, show the share of the cores this run was given, not the "
               "code (Linux shares a busy machine between sessions, not processes, so two workers get no more "
               "than one). The CPU-time rows are the steadier figures; re-run `make bench` on a quiet machine."
               if busy else "")
    head = (f"Measured by `make bench` on {r['machine']['cores']} cores ({r['machine']['cpu']}), "
            f"OpenCV {r['machine']['opencv']}, {r['finished']}; load average {r['load_before'][0]:.1f} before, "
            f"{r['load_after'][0]:.1f} after; median of {e['repeats']} interleaved runs (extraction pairs: {e['pairs']}), {r['total_s'] / 60:.1f} min in all.")
    return head + warning + "\n\n" + "\n".join(lines) + "\n"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


# ----------------------------------------------------------------------------- main
def run(out_dir: Path, quick: bool, keep: Path | None) -> dict[str, Any]:
    import cv2

    from soccer_lstm import progress
    from soccer_lstm.config import ExtractConfig
    from soccer_lstm.parallel import available_cores

    progress.set_enabled(False)
    clips_per_class = 1 if quick else 2
    repeats = 1 if quick else 3
    n_frames = 12 if quick else 25
    scales = (1, 10) if quick else (1, 10, 100)
    started = _now()
    results: dict[str, Any] = {"load_before": list(os.getloadavg()), "quick": quick}
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="soccer-lstm-bench-", dir=keep))
    try:
        data = work / "clips"
        _say(f"rendering benchmark clips into {data}")
        results["render"] = render_clips(data, clips_per_class, n_frames)
        results["clip_frames"] = n_frames
        _say(f"  renderer: {results['render']['fps']:.1f} frames/s at {CLIP_SIZE[0]}x{CLIP_SIZE[1]}")

        _say("extraction at 640x360 (SIFT on full frames)")
        config = ExtractConfig(resize=max(CLIP_SIZE))
        results["extract"] = bench_extraction(data, work, config, repeats, "640")
        _say("extraction at the default resize")
        results["extract_default"] = bench_extraction(data, work, ExtractConfig(), max(1, repeats - 1), "default",
                                                      threaded_reference=False)
        features = work / "640-jobs1"
        for key in ("extract_fps", "reference_fps", "extract_ratio", "n_jobs_scaling", "reference_threads_fps",
                    "n_jobs_scaling_cpu_estimate"):
            results[key] = results["extract"][key]

        _say("extraction on a local Dask cluster")
        results["dask"] = bench_dask(data, work, config, max(1, repeats - 1), results["extract"]["extract_fps_jobs2"])
        if results["dask"]:
            results["dask_local_fps"] = results["dask"]["fps"]

        _say("local motion (flow + HOF/MBH/HOG) against SIFT, per frame at the default size")
        results["local"] = bench_local(data, ExtractConfig(), repeats)
        results["local_ratio_to_sift"] = results["local"]["ratio_to_sift"]

        _say("camera motion")
        results["motion"] = bench_motion(features, 1.0 / results["reference_fps"])

        _say("codebook at growing descriptor counts")
        results["codebook"] = bench_codebook(features, work, scales)
        results["codebook_peak_mb"] = dict(zip([f"{s}x" for s in scales], results["codebook"]["peak_mb"]))
        results["codebook_seconds"] = dict(zip([f"{s}x" for s in scales], results["codebook"]["seconds"]))

        _say("encode")
        results["encode"] = bench_encode(features, work / "codebook-1x.npz", work)

        _say("training (fresh process)")
        results["train"] = _child("train", str(work / "sequences-bow"), str(work / "model"), str(CODEBOOK_K))
        results["train_s_per_epoch"] = results["train"]["s_per_epoch"]

        _say("predict (fresh process: TensorFlow start-up, then one clip at a time)")
        results["predict"] = _child("predict", str(work / "model"), *map(str, clip_paths(data)[:4]))
        results["predict_latency_s"] = results["predict"]["latency_s"]
        results["predict_startup_s"] = results["predict"]["import_s"] + results["predict"]["load_model_s"]
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    results["load_after"] = list(os.getloadavg())
    results["total_s"] = _now() - started
    results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results["machine"] = {"cores": available_cores(), "cpu": _cpu_name(), "python": platform.python_version(),
                          "opencv": cv2.__version__, "numpy": np.__version__}
    results = _rounded(results)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    (out_dir / "results.md").write_text(markdown(results))
    return results


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "codebook": child_codebook, "train": child_train, "predict": child_predict}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Tiny sizes and one repeat: checks the script, not the speed.")
    parser.add_argument("--keep", type=Path, default=None, help="Make the work folder inside this folder and keep it.")
    parser.add_argument("--out", type=Path, default=HERE, help="Where results.json and results.md go.")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        task, *rest = args.child
        print(json.dumps(CHILDREN[task](*rest)))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    results = run(args.out, args.quick, args.keep)
    print(markdown(results))
    print(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'} in {results['total_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
