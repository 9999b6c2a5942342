"""Spotting: throughput as a multiple of real time, where its time goes, and peak memory against length.

- Throughput: ``spot`` (decode, SIFT, local motion, camera motion, visual words, the classifier over windows) on
  a generated 25 fps video at SoccerNet's 224p size (398x224), with a model trained at the default
  extract settings, in a fresh process (TensorFlow's start-up and the model's loading reported
  apart); once at the model's frame step (1), once with ``--frame-step 2``, and once at light
  settings (frame step 2, ``--resize 160``, 150 keypoints, ``ultrafast`` flow) that a model would have
  to be trained with: how far the classical features are from 10x real time.
- Where the time goes: one streaming pass over the same video with SIFT, local motion and the block
  encoding (camera motion, visual words) timed inside it, and the LSTM over its vectors.
- Memory: peak RSS of a fresh ``spot`` process on a short video and on a 10 times longer one
  (smaller frames, so that the pair runs in seconds: what is compared is growth with length).
- Whole matches: a game's two halves at once (``--n-jobs 2``) at the settings of ``make spot-demo``
  (the Makefile's ``SPOT_STEP``, ``SPOT_RESIZE``: the README's whole-match settings) with a model
  trained at them, workers' start-up included, in video seconds per wall-clock second, beside a
  bare decode loop over the same two videos in two processes (the limit), and the start-up alone
  (importing TensorFlow; loading the model).
"""
from __future__ import annotations

import json
import re
import resource
import shutil
import time
from pathlib import Path
from typing import Any

from harness import child, now, say

SPOT_SIZE = (398, 224)     # SoccerNet's 224p videos
ACTIONS = ("shot-on-goal", "throw-in")


def whole_match_settings(makefile: Path = Path(__file__).resolve().parent.parent / "Makefile") -> dict[str, Any]:
    """The extract settings ``make spot-demo`` trains and spots at, read from the Makefile's ``SPOT_*`` lines,
    and its features (``features``)."""
    names = {"SPOT_STEP": "frame_step", "SPOT_RESIZE": "resize"}
    found = dict(re.findall(r"^(SPOT_[A-Z]+)\s*\?=\s*(\S+)", makefile.read_text(), re.MULTILINE))
    settings: dict[str, Any] = {option: int(found[name]) for name, option in names.items() if name in found}
    if "SPOT_FEATURES" in found:
        settings["features"] = found["SPOT_FEATURES"]
    return settings


def _model(work: Path, quick: bool, settings: dict[str, Any] | None = None, name: str = "spot",
           n_frames: int = 16) -> Path:
    """A small model trained on 398x224 clips of ``n_frames`` at the default extract settings, or at
    ``settings`` (its speed is a full model's)."""
    from soccer_lstm.config import CodebookConfig, EncodeConfig, ExtractConfig, TrainConfig
    from soccer_lstm.pipeline import run_codebook, run_encode, run_extract, run_train
    from soccer_lstm.spotting.synthetic import write_training_set

    data = write_training_set(work / f"{name}-data", ACTIONS, per_class=2 if quick else 3, n_frames=n_frames,
                              size=SPOT_SIZE)
    settings = dict(settings or {})
    encode = EncodeConfig(features=settings.pop("features")) if "features" in settings else EncodeConfig()
    run_extract(data, work / f"{name}-features", ExtractConfig(**settings))
    run_codebook(work / f"{name}-features", work / f"{name}-codebook.npz", CodebookConfig(k=32, sample_size=4000))
    run_encode(work / f"{name}-features", work / f"{name}-codebook.npz", work / f"{name}-sequences", encode)
    run_train(work / f"{name}-sequences", work / f"{name}-model", TrainConfig(epochs=2, patience=3))
    return work / f"{name}-model"


def bench_spotting(work: Path, quick: bool = False) -> dict[str, Any]:
    """Every spotting figure (see the module docstring)."""
    from soccer_lstm.spotting.synthetic import write_long_video

    say("  training a small model at the default extract settings")
    model = _model(work, quick)
    n_actions = 2 if quick else 4
    video = write_long_video(work / "spot-25fps.avi", list(ACTIONS) * (n_actions // 2), seed=7, size=SPOT_SIZE,
                             action_frames=25, gap_frames=50)
    out: dict[str, Any] = {"size": list(SPOT_SIZE), "video_s": video.n_frames / video.fps}
    say(f"  throughput on {out['video_s']:.0f} s of 25 fps video at {SPOT_SIZE[0]}x{SPOT_SIZE[1]}")
    out["step1"] = child("spot", str(model), str(video.path), "{}")
    out["step2"] = child("spot", str(model), str(video.path), json.dumps({"frame_step": 2}))
    light = {"frame_step": 2, "resize": 160, "max_keypoints": 150, "flow_preset": "ultrafast"}
    out["light"] = child("spot", str(model), str(video.path), json.dumps(light))
    out["light"]["settings"] = light
    out["x_real_time"] = out["step1"]["x_real_time"]
    out["x_real_time_step2"] = out["step2"]["x_real_time"]
    # The two halves of a game at once (--n-jobs 2, frame step 2: make spot-demo's settings until
    # 2026-12-06). Longer halves, since each worker's TensorFlow start-up counts here and is nothing next to a real half.
    say("  two halves in parallel (--n-jobs 2, frame step 2)")
    game = work / "spot-game"
    game.mkdir(parents=True, exist_ok=True)
    half = write_long_video(game / "1_224p.avi", list(ACTIONS) * (2 if quick else 6), seed=9, size=SPOT_SIZE,
                            action_frames=25, gap_frames=100 if quick else 375)
    shutil.copy(half.path, game / "2_224p.avi")
    out["halves"] = child("spot_game", str(model), str(game), json.dumps({"frame_step": 2}), "2")
    settings = whole_match_settings()
    say(f"  a game's two halves at the whole-match settings {settings} (a model trained at them), "
        f"and a bare decode loop over them")
    # Trained on 2 s clips, as make spot-demo's (clips --clip-seconds 2): the LSTM windows' length follows.
    match_model = _model(work, quick, settings, "spot-match", n_frames=50)
    # Halves of 10 minutes (the quick run reuses the short game): a worker's start-up and the first
    # call's fixed costs weigh on a whole match as little as they do here.
    match = game
    if not quick:
        match = work / "spot-match-game"
        match.mkdir(parents=True, exist_ok=True)
        write_long_video(match / "1_224p.avi", list(ACTIONS) * 4, seed=10, size=SPOT_SIZE, action_frames=25,
                         gap_frames=1640)
        shutil.copy(match / "1_224p.avi", match / "2_224p.avi")
    out["whole_match"] = child("spot_game", str(match_model), str(match), "{}", "2")
    out["whole_match"]["settings"] = settings
    out["whole_match"]["decode"] = child("spot_decode", str(match / "1_224p.avi"), str(match / "2_224p.avi"))
    out["startup"] = child("spot_startup", str(model))
    say("  where the time goes")
    out["parts"] = child("spot_parts", str(model), str(video.path))
    say("  peak memory, short and 10x longer video")
    small = (160, 90)
    short = write_long_video(work / "spot-short.avi", list(ACTIONS), seed=8, size=small, action_frames=25,
                             gap_frames=40 if quick else 80)
    frames = short.n_frames
    long_actions = list(ACTIONS) * 10
    long = write_long_video(work / "spot-long.avi", long_actions, seed=8, size=small, action_frames=25,
                            gap_frames=max(2, (10 * frames - 25 * len(long_actions)) // (len(long_actions) + 1)))
    overrides = json.dumps({"resize": 160})
    out["memory"] = {"short": child("spot", str(model), str(short.path), overrides),
                     "long": child("spot", str(model), str(long.path), overrides)}
    out["memory"]["length_ratio"] = long.n_frames / short.n_frames
    memory = out["memory"]
    memory["rss_ratio"] = memory["long"]["peak_rss_mb"] / memory["short"]["peak_rss_mb"]
    memory["growth_mb"] = {k: memory[k]["peak_rss_mb"] - memory[k]["rss_after_load_mb"] for k in ("short", "long")}
    return out


def _status_mb(field: str) -> float | None:
    """``VmRSS`` or ``VmHWM`` (peak) of this process in MB, from /proc (None elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Start the peak-RSS count afresh (Linux: ``5`` into /proc/self/clear_refs), so that the peak of
    importing TensorFlow and loading the model does not hide the spotting's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child_spot(model: str, video: str, overrides: str) -> dict[str, Any]:
    """One video spotted in a fresh process: seconds of video per second of work, and peak RSS."""
    started = now()
    from soccer_lstm import progress
    from soccer_lstm.config import SpotConfig
    from soccer_lstm.spotting.spot import model_extract, spot_timeline
    from soccer_lstm.stages.predict import load_model

    progress.set_enabled(False)
    pipeline = load_model(model)
    extract, _ = model_extract(pipeline, json.loads(overrides))
    rss_loaded = _status_mb("VmRSS") or _peak_rss_mb()
    peak_reset = _reset_peak_rss()
    samples: list[float] = []   # RSS after each block: a plateau, or growth with the video's length
    advance = progress.VideoProgress.advance

    def sampled(self: Any, seconds: float) -> None:
        advance(self, seconds)
        samples.append(_status_mb("VmRSS") or 0.0)

    progress.VideoProgress.advance = sampled
    loaded = now()
    timeline = spot_timeline(pipeline, video, SpotConfig(), extract)
    seconds = now() - loaded
    video_s = len(timeline.times) * timeline.frame_step / timeline.fps
    return {"startup_s": loaded - started, "spot_s": seconds, "video_s": video_s, "frames": len(timeline.times),
            "frame_step": extract.frame_step, "resize": extract.resize, "x_real_time": video_s / seconds,
            "peak_rss_mb": _peak_rss_mb(), "rss_after_load_mb": rss_loaded, "peak_reset": peak_reset,
            "rss_by_block_mb": samples}


def child_spot_game(model: str, game: str, overrides: str, n_jobs: str) -> dict[str, Any]:
    """A game's two halves spotted with ``--n-jobs``: seconds of video per second of wall time, the
    workers' start-up (TensorFlow, the model) included."""
    import tempfile

    from soccer_lstm import progress
    from soccer_lstm.config import SpotConfig
    from soccer_lstm.spotting.spot import run_spot

    progress.set_enabled(False)
    with tempfile.TemporaryDirectory() as out:
        started = now()
        results = list(run_spot(model, [game], Path(out) / "predictions", SpotConfig(), json.loads(overrides),
                                n_jobs=int(n_jobs)))
        seconds = now() - started
    if any(r.error for r in results):
        raise RuntimeError("; ".join(str(r.error) for r in results if r.error))
    video_s = sum(r.seconds for r in results)
    return {"videos": len(results), "video_s": video_s, "wall_s": seconds, "x_real_time": video_s / seconds,
            "n_jobs": int(n_jobs), "per_video_x": [r.speed for r in results]}


def _decode(path: str) -> tuple[float, float]:
    """Frames decoded per second by a bare ``cv2.VideoCapture.read`` loop (OpenCV on one thread), and the fps."""
    import cv2

    cv2.setNumThreads(1)
    capture = cv2.VideoCapture(path)
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    frames, started = 0, time.perf_counter()
    while capture.read()[0]:
        frames += 1
    capture.release()
    return frames / fps, time.perf_counter() - started


def child_spot_decode(*videos: str) -> dict[str, Any]:
    """A bare decode loop over ``videos``, one process each at once: video seconds per wall-clock second."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(len(videos)) as pool:
        pool.submit(time.sleep, 0).result()   # the processes are started before the clock
        started = now()
        done = list(pool.map(_decode, videos))
        wall = now() - started
    video_s = sum(v for v, _ in done)
    return {"video_s": video_s, "wall_s": wall, "x_real_time": video_s / wall,
            "per_video_x": [v / s for v, s in done]}


def child_spot_startup(model: str) -> dict[str, Any]:
    """Seconds to import TensorFlow, then to load a model folder, in a fresh process."""
    started = now()
    import tensorflow  # noqa: F401

    imported = now()
    from soccer_lstm.stages.predict import load_model

    load_model(model)
    return {"tensorflow_import_s": imported - started, "model_load_s": now() - imported}


def child_spot_parts(model: str, video: str) -> dict[str, Any]:
    """Seconds per processed frame of each part of one streaming pass, timed inside that pass.

    SIFT (``detect_frame``), local motion (``LocalMotion.add``) and the block encoding (camera
    motion, visual words: the model's words and kinds steps, ``WordHistograms`` and ``KindVectors``)
    are wrapped with timers; decoding and the rest are what
    remains of the pass. The LSTM is timed on the pass's vectors, windows and carried state.
    """
    import numpy as np

    import soccer_lstm.spotting.stream as stream
    from soccer_lstm import progress
    from soccer_lstm.config import SpotConfig
    from soccer_lstm.features.fitted import KindVectors, WordHistograms
    from soccer_lstm.features.local import LocalMotion
    from soccer_lstm.spotting.sequence import CarriedState, SlidingWindows
    from soccer_lstm.spotting.spot import window_frames
    from soccer_lstm.stages.predict import load_model

    progress.set_enabled(False)
    pipeline = load_model(model)
    spent = {"sift": 0.0, "local": 0.0, "motion_words": 0.0}

    def timer(name: str, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started
        return timed

    stream.detect_frame = timer("sift", stream.detect_frame)
    LocalMotion.add = timer("local", LocalMotion.add)
    WordHistograms.transform = timer("motion_words", WordHistograms.transform)
    KindVectors.transform = timer("motion_words", KindVectors.transform)
    started = time.perf_counter()
    blocks = list(stream.stream_vectors(video, pipeline, pipeline.extract))
    total = time.perf_counter() - started
    n = sum(len(b) for b in blocks)
    window, stride = window_frames(SpotConfig(), pipeline.meta.get("profile"), 25.0, pipeline.extract.frame_step)
    pipeline.classifier.predict_steps([blocks[0][:window]])   # TensorFlow's tracing is start-up, not per frame
    lstm = {}
    for name in ("windows", "state"):
        runner = (SlidingWindows(pipeline.classifier.predict_steps, len(pipeline.classes), window, stride)
                  if name == "windows" else CarriedState(pipeline.classifier))
        started = time.perf_counter()
        for block in blocks:
            runner.feed(block)
        runner.finish()
        lstm[name] = (time.perf_counter() - started) / n
    per_frame = {"decode_and_rest": (total - sum(spent.values())) / n, **{k: v / n for k, v in spent.items()},
                 "lstm_windows": lstm["windows"], "lstm_state": lstm["state"]}
    whole = sum(v for k, v in per_frame.items() if k != "lstm_state")
    return {"frames": n, "window": window, "stride": stride, "s_per_frame": per_frame,
            "share": {k: v / whole for k, v in per_frame.items() if k != "lstm_state"},
            "features_dim": int(np.concatenate(blocks).shape[1])}


def markdown_rows(s: dict[str, Any]) -> list[str]:
    """The bench table's rows for spotting."""
    one, two, parts, memory = s["step1"], s["step2"], s["parts"], s["memory"]
    per = parts["s_per_frame"]
    where = ", ".join(f"{name} {1000 * per[name]:.1f} ms ({100 * parts['share'][name]:.0f} %)"
                      for name in ("decode_and_rest", "sift", "local", "motion_words", "lstm_windows"))
    return [
        f"| Spotting at the default settings, {s['video_s']:.0f} s of 25 fps video at {s['size'][0]}x{s['size'][1]} "
        f"(`--resize {one['resize']}`, frame step 1, centred windows) | {one['x_real_time']:.2f}x real time "
        f"({one['frames'] / one['spot_s']:.1f} frames/s) | goal 10x | start-up (imports, NumPy model) "
        f"{one['startup_s']:.1f} s |",
        f"| ... `--frame-step 2` (needs a model trained at frame step 2) | {two['x_real_time']:.2f}x real time | "
        f"frame step 1 {one['x_real_time']:.2f}x | {two['x_real_time'] / one['x_real_time']:.2f} |",
        f"| ... light settings (`--frame-step 2 --resize 160 --max-keypoints 150 --flow-preset ultrafast`; a model "
        f"trained with them) | {s['light']['x_real_time']:.2f}x real time | frame step 1 {one['x_real_time']:.2f}x | "
        f"{s['light']['x_real_time'] / one['x_real_time']:.2f} |",
        f"| ... a game's two halves at once, {s['halves']['video_s'] / 2:.0f} s each (`--n-jobs 2 --frame-step 2`, "
        f"`make spot-demo`'s settings until 2026-12-06; workers' start-up included) | "
        f"{s['halves']['x_real_time']:.2f}x real time | one video at frame step 2 {two['x_real_time']:.2f}x | "
        f"{s['halves']['x_real_time'] / two['x_real_time']:.2f} |",
        *_whole_match_rows(s),
        f"| ... where the time goes, per processed frame | {where} | carried state instead of windows: "
        f"{1000 * per['lstm_state']:.1f} ms | |",
        f"| Spotting peak RSS (after the model is loaded), {memory['long']['video_s']:.0f} s vs "
        f"{memory['short']['video_s']:.0f} s of video (`--resize 160`) | {memory['long']['peak_rss_mb']:.0f} MB "
        f"(+{memory['growth_mb']['long']:.0f} MB over the loaded model) | {memory['short']['peak_rss_mb']:.0f} MB "
        f"(+{memory['growth_mb']['short']:.0f} MB) | {memory['rss_ratio']:.2f} for {memory['length_ratio']:.1f}x "
        f"the length |",
        f"| ... RSS of the long video's spot after a quarter, half, three quarters and all of it | "
        f"{', '.join(f'{v:.0f}' for v in _quarters(memory['long']['rss_by_block_mb']))} MB | "
        f"after loading the model {memory['long']['rss_after_load_mb']:.0f} MB | |",
    ]


def _quarters(values: list[float]) -> list[float]:
    n = len(values)
    return [values[min(n - 1, max(0, round(q * n) - 1))] for q in (0.25, 0.5, 0.75, 1.0)] if n else []


def _whole_match_rows(s: dict[str, Any]) -> list[str]:
    """The whole-match rows (absent from results measured before they existed)."""
    if "whole_match" not in s:
        return []
    match, decode, startup = s["whole_match"], s["whole_match"]["decode"], s["startup"]
    flags = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in match["settings"].items())
    spot_only = [f"{x:.1f}x" for x in match["per_video_x"]]
    return [
        f"| **Whole matches**: a game's two halves at once, {match['video_s'] / 2:.0f} s each, at `make spot-demo`'s "
        f"settings (`{flags}`, a model trained at them; `--n-jobs 2`, workers' start-up included) | "
        f"{match['x_real_time']:.1f}x real time (each half alone, start-up excluded: {', '.join(spot_only)}) | "
        f"bare decode loop over the same two videos, two processes: {decode['x_real_time']:.0f}x | "
        f"{match['x_real_time'] / decode['x_real_time']:.2f} |",
        f"| ... start-up in a fresh process | loading the model {startup['model_load_s']:.1f} s (NumPy network) | "
        f"importing TensorFlow, which spot no longer does: {startup['tensorflow_import_s']:.1f} s | |",
    ]
