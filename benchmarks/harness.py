"""Shared by the benchmark modules: timing helpers, child processes, the rendered clips."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
CLIP_SIZE = (640, 360)          # broadcast-like frames; the reference figure is at 640x360
CODEBOOK_K = 100                # bench codebook: scaled down from the default k=200 / 50 000 samples
CODEBOOK_SAMPLE = 10_000        # so that the three sizes fit the time budget; the bound is the same
DESCRIPTORS_PER_STORE_CLIP = 5_000


# ----------------------------------------------------------------------------- helpers
def now() -> float:
    return time.perf_counter()


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def child(task: str, *args: str) -> dict[str, Any]:
    """Run ``task`` of this script in a fresh Python process; return the JSON it prints last."""
    started = now()
    done = subprocess.run([sys.executable, str(HERE / "run.py"), "--child", task, *args],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"bench child {task} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = now() - started
    return result


def best(values: list[float]) -> float:
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
                started = now()
                video = render_clip(action, seed=1000 + 10 * c + i, size=CLIP_SIZE, n_frames=n_frames)
                rendering += now() - started
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
                started = now()
                for t in range(n_frames):
                    x = 4 * t if c == 0 else width - 4 * t
                    writer.write(np.ascontiguousarray(scene[2 * t:2 * t + height, x:x + width]))
                rendering += now() - started
                frames += n_frames
                writer.release()
        source = "moving texture (soccer_lstm.synth not importable)"
    return {"source": source, "frames": frames, "seconds": rendering,
            "fps": frames / rendering if rendering else None}


def clip_paths(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.avi"))


# ----------------------------------------------------------------------------- extraction
def process_cpu() -> dict[int, float]:
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


