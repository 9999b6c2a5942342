"""``make bench``: how fast each stage runs, each figure beside a reference measured in the same run.

Writes ``benchmarks/results.json`` (every figure, machine and load) and ``benchmarks/results.md``
(the table quoted in docs/results.md). Nothing here is a test: figures are printed, not asserted.

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
- frames per second of the synthetic renderer;
- spotting (benchmarks/spotting.py): throughput as a multiple of real time for 25 fps video at the
  default settings, where its time goes, and peak memory on a short and a 10 times longer video.

Every timed pipeline run writes into a fresh folder, so no cache hides work. Extraction timings
take the median of several interleaved repeats, and the pipeline's overhead is the median of the
time ratios of back-to-back pairs (pipeline, bare loop), because the shared machine's speed drifts
by more than the overhead being measured; other timings take the best of their repeats. The load
average before and after is recorded beside them.

- inference (benchmarks/inference.py): a cold ``predict`` of one clip against a bare
  ``python -c "import cv2, numpy"``, and the training loop against ``keras.Model.fit``.

Usage: ``python benchmarks/run.py [--quick] [--keep DIR] [--only spotting|inference|cold-predict|encoding]``
(``encoding``: encode throughput of every kind against one extraction of the same clips, in
results-encoding.json and .md).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from extraction import bench_dask, bench_extraction, bench_local, bench_motion
from inference import bench_cold_predict, bench_inference, child_fit_compare
from harness import CLIP_SIZE, CODEBOOK_K, CODEBOOK_SAMPLE, HERE, child, clip_paths, now, render_clips, say
from learning import bench_codebook, bench_encode, child_codebook, child_predict, child_train
from report import cpu_name, markdown, rounded
from spotting import (bench_spotting, child_spot, child_spot_decode, child_spot_game, child_spot_parts,
                      child_spot_startup)


def run(out_dir: Path, quick: bool, keep: Path | None, only: str | None = None) -> dict[str, Any]:
    from soccer_lstm import progress
    from soccer_lstm.config import ExtractConfig

    progress.set_enabled(False)
    clips_per_class = 1 if quick else 2
    repeats = 1 if quick else 3
    n_frames = 12 if quick else 25
    scales = (1, 10) if quick else (1, 10, 100)
    started = now()
    results: dict[str, Any] = {"load_before": list(os.getloadavg()), "quick": quick}
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="soccer-lstm-bench-", dir=keep))
    try:
        if only is not None:   # one section alone: (what it says, its key in the results, what runs it)
            what, key, section = {
                "spotting": ("spotting", "spotting", lambda: bench_spotting(work, quick)),
                "inference": ("inference: cold predict, training loop against Model.fit", "inference",
                              lambda: bench_inference(work, quick)),
                "cold-predict": ("cold predict of one clip", "cold_predict", lambda: bench_cold_predict(work, quick)),
                "encoding": ("encoding against extraction per frame", "encode",
                             lambda: bench_encoding_alone(work, clips_per_class, n_frames)),
            }[only]
            say(what)
            results[key] = section()
            return _finish(results, out_dir, started)
        data = work / "clips"
        say(f"rendering benchmark clips into {data}")
        results["render"] = render_clips(data, clips_per_class, n_frames)
        results["clip_frames"] = n_frames
        say(f"  renderer: {results['render']['fps']:.1f} frames/s at {CLIP_SIZE[0]}x{CLIP_SIZE[1]}")

        say("extraction at 640x360 (SIFT on full frames)")
        config = ExtractConfig(resize=max(CLIP_SIZE))
        results["extract"] = bench_extraction(data, work, config, repeats, "640")
        say("extraction at the default resize")
        results["extract_default"] = bench_extraction(data, work, ExtractConfig(), max(1, repeats - 1), "default",
                                                      threaded_reference=False)
        features = work / "640-jobs1"
        for key in ("extract_fps", "reference_fps", "extract_ratio", "n_jobs_scaling", "reference_threads_fps",
                    "n_jobs_scaling_cpu_estimate"):
            results[key] = results["extract"][key]

        say("extraction on a local Dask cluster")
        results["dask"] = bench_dask(data, work, config, max(1, repeats - 1), results["extract"]["extract_fps_jobs2"])
        if results["dask"]:
            results["dask_local_fps"] = results["dask"]["fps"]

        say("local motion (flow + HOF/MBH/HOG) against SIFT, per frame at the default size")
        results["local"] = bench_local(data, ExtractConfig(), repeats)
        results["local_ratio_to_sift"] = results["local"]["ratio_to_sift"]

        say("camera motion")
        results["motion"] = bench_motion(features, 1.0 / results["reference_fps"])

        say("codebook at growing descriptor counts")
        results["codebook"] = bench_codebook(features, work, scales)
        results["codebook_peak_mb"] = dict(zip([f"{s}x" for s in scales], results["codebook"]["peak_mb"]))
        results["codebook_seconds"] = dict(zip([f"{s}x" for s in scales], results["codebook"]["seconds"]))

        say("encode")
        results["encode"] = bench_encode(features, work / "codebook-1x.npz", work)

        say("training (fresh process)")
        results["train"] = child("train", str(work / "sequences-bow"), str(work / "model"), str(CODEBOOK_K))
        results["train_s_per_epoch"] = results["train"]["s_per_epoch"]

        say("predict (fresh process: start-up, then one clip at a time)")
        results["predict"] = child("predict", str(work / "model"), *map(str, clip_paths(data)[:4]))
        results["predict_latency_s"] = results["predict"]["latency_s"]
        results["predict_startup_s"] = results["predict"]["import_s"] + results["predict"]["load_model_s"]

        say("inference: cold predict, training loop against Model.fit")
        results["inference"] = bench_inference(work, quick)

        say("spotting (fresh processes)")
        results["spotting"] = bench_spotting(work, quick)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return _finish(results, out_dir, started)


def bench_encoding_alone(work: Path, clips_per_class: int, n_frames: int) -> dict[str, Any]:
    """Encode throughput of each kind against one extraction of the same clips (640x360, one job)."""
    from soccer_lstm.config import CodebookConfig, ExtractConfig
    from soccer_lstm.pipeline import run_codebook, run_extract

    data = work / "clips"
    render_clips(data, clips_per_class, n_frames)
    features = work / "features"
    started = now()
    run_extract(data, features, ExtractConfig(resize=max(CLIP_SIZE)), n_jobs=1)
    seconds = now() - started
    from soccer_lstm.store import FeatureStore

    frames = sum(e.n_frames for e in FeatureStore(features).entries)
    run_codebook(features, work / "codebook.npz", CodebookConfig(k=CODEBOOK_K, sample_size=CODEBOOK_SAMPLE))
    result = bench_encode(features, work / "codebook.npz", work)
    result["extract_fps"] = frames / seconds
    say(f"  extraction: {frames / seconds:.1f} frames/s")
    return result


def _finish(results: dict[str, Any], out_dir: Path, started: float) -> dict[str, Any]:
    """Machine, load and time of a run; results.json and results.md written (the spotting section alone: its own files)."""
    import cv2

    from soccer_lstm.parallel import available_cores

    results["load_after"] = list(os.getloadavg())
    results["total_s"] = now() - started
    results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results["machine"] = {"cores": available_cores(), "cpu": cpu_name(), "python": platform.python_version(),
                          "opencv": cv2.__version__, "numpy": np.__version__}
    results = rounded(results)
    name = ("results" if "extract" in results else "results-inference" if "inference" in results
            else "results-cold-predict" if "cold_predict" in results
            else "results-encoding" if "encode" in results else "results-spotting")
    (out_dir / f"{name}.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    (out_dir / f"{name}.md").write_text(markdown(results))
    return results


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "codebook": child_codebook, "train": child_train, "predict": child_predict, "spot": child_spot,
    "spot_parts": child_spot_parts, "spot_game": child_spot_game, "spot_decode": child_spot_decode,
    "spot_startup": child_spot_startup, "fit_compare": child_fit_compare}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Tiny sizes and one repeat: checks the script, not the speed.")
    parser.add_argument("--keep", type=Path, default=None, help="Make the work folder inside this folder and keep it.")
    parser.add_argument("--out", type=Path, default=HERE, help="Where results.json and results.md go.")
    parser.add_argument("--only", choices=["spotting", "inference", "cold-predict", "encoding"], default=None,
                        help="Run one section only (results-spotting.json and .md beside the others); "
                             "cold-predict is the first part of inference.")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        task, *rest = args.child
        print(json.dumps(CHILDREN[task](*rest)))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    results = run(args.out, args.quick, args.keep, args.only)
    print(markdown(results))
    name = "results" if args.only is None else f"results-{args.only}"
    print(f"wrote {args.out / (name + '.json')} and {args.out / (name + '.md')} in {results['total_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

