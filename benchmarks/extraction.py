"""Extraction against a bare OpenCV loop, --n-jobs and Dask scaling, local and camera motion per frame."""
from __future__ import annotations

import json
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from harness import best, clip_paths, load_average, now, process_cpu, say


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
    wall, cpu = now(), time.process_time()
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
    return frames, now() - wall, time.process_time() - cpu


def pipeline_pass(data: Path, out: Path, config: Any, n_jobs: int) -> tuple[int, float, float, float | None]:
    """``run_extract`` into a fresh folder.

    Returns frames, wall seconds, CPU seconds of this process, and the CPU seconds of this process
    and all its worker processes together (None without workers or without psutil).
    """
    from soccer_lstm.pipeline import run_extract

    shutil.rmtree(out, ignore_errors=True)
    before = process_cpu()
    wall, cpu = now(), time.process_time()
    summary = run_extract(data, out, config, n_jobs=n_jobs)
    wall, cpu = now() - wall, time.process_time() - cpu
    after = process_cpu()
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
        say(f"  {label} {name:17s} rep {rep + 1}: {frames} frames in {wall:6.2f} s = {frames / wall:6.1f} frames/s"
             f"  (load {load_average()})")

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
    best_s = {name: best([run[1] for run in r]) for name, r in runs.items()}
    fps = {name: n / median[name] for name in runs}
    pair_time = [j[1] / r[1] for r, j in zip(runs["reference"], runs["jobs1"])]
    pair_cpu = [j[2] / r[2] for r, j in zip(runs["reference"], runs["jobs1"]) if r[2]]
    cpu_jobs1 = best([run[2] for run in runs["jobs1"]])
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
        "best_fps": {name: n / best_s[name] for name in runs},
        "n_jobs_scaling": fps["jobs2"] / fps["jobs1"],
        "jobs2_first_run_s": runs["jobs2"][0][1], "jobs2_best_s": best_s["jobs2"],
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
        "n_jobs_scaling_cpu_estimate": 2 * cpu_jobs1 / best(total_jobs2) if total_jobs2 else None,
    }
    if threaded_reference:
        cpu_ref = best([run[2] for run in runs["reference"]])
        result["opencv_threads"]["reference_threads"] = cv2.getNumThreads()
        result["reference_threads_fps"] = fps["reference_threads"]
        result["jobs2_over_threaded_reference"] = fps["jobs2"] / fps["reference_threads"]
        result["threaded_cpu_over_single"] = (best([run[2] for run in runs["reference_threads"]]) / cpu_ref
                                              if cpu_ref else None)
    return result


def bench_dask(data: Path, work: Path, config: Any, repeats: int, jobs2_fps: float) -> dict[str, Any] | None:
    """Extraction on a local Dask cluster (two single-threaded worker processes on loopback)."""
    try:
        from distributed import LocalCluster
    except ImportError:
        return None
    from soccer_lstm.pipeline import run_extract

    started = now()
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"},
                      silence_logs=40) as cluster:
        startup = now() - started
        seconds = []
        for rep in range(repeats):
            out = work / "dask-features"
            shutil.rmtree(out, ignore_errors=True)
            t = now()
            summary = run_extract(data, out, config, scheduler=cluster.scheduler_address)
            seconds.append(now() - t)
            frames = sum(c["n_frames"] for c in json.loads((out / "index.json").read_text())["clips"])
            say(f"  dask 2 workers rep {rep + 1}: {frames} frames in {seconds[-1]:6.2f} s = "
                 f"{frames / seconds[-1]:6.1f} frames/s  (load {load_average()})")
            if summary.failed:
                raise RuntimeError(f"distributed extraction failed: {summary.failed}")
    fps = frames / best(seconds)
    return {"workers": 2, "threads_per_worker": 1, "cluster_start_s": startup, "frames": frames,
            "first_run_s": seconds[0], "best_s": best(seconds), "fps": fps, "over_jobs2": fps / jobs2_fps}


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
                started = now()
                (sift_pass if name == "sift" else local_pass)()
                times[name].append(now() - started)
    sift_s, local_s = (statistics.median(times[k]) / n_frames for k in ("sift", "local"))
    say(f"  local motion {1000 * local_s:.2f} ms/frame, SIFT {1000 * sift_s:.2f} ms/frame "
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
        started = now()
        for clip in clips:
            motion_features(clip)
        seconds.append(now() - started)
    per_pair = best(seconds) / pairs
    return {"pairs": pairs, "s_per_pair": per_pair, "sift_s_per_frame": sift_s_per_frame,
            "ratio_to_sift": per_pair / sift_s_per_frame}


# ----------------------------------------------------------------------------- codebook
