"""Generated long videos with known action times, and a matching training set: for tests, the bench, demos.

A long video strings rendered action clips (:func:`soccer_lstm.synth.render_clip`) between
background stretches: a held frame of the same broadcast look (the ball out of play, a replay
freeze), with light sensor noise so that it is not bit-identical from frame to frame. Each action's
time is the middle of its clip. Frames are written as they are made (MJPG .avi), so a long video
costs no memory.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

BACKGROUND = "background"


@dataclass(frozen=True)
class LongVideo:
    """A generated video and its actions: ``events`` are ``(seconds, label)`` pairs."""

    path: Path
    fps: float
    n_frames: int
    events: tuple[tuple[float, str], ...]


def background_frames(seed: int, size: tuple[int, int], n_frames: int) -> np.ndarray:
    """``n_frames`` of a held frame (first frame of a rendered clip) with light noise, BGR uint8."""
    from soccer_lstm.synth import CLASSES, render_clip

    rng = np.random.default_rng(seed)
    still = render_clip(CLASSES[seed % len(CLASSES)], 50_000 + seed, size, 8)[0].astype(np.int16)
    noise = rng.integers(-3, 4, (n_frames, *still.shape), dtype=np.int16)
    return np.clip(still[None] + noise, 0, 255).astype(np.uint8)


def write_training_set(folder: str | Path, actions: Sequence[str], per_class: int, n_frames: int = 20,
                       size: tuple[int, int] = (128, 96), seed: int = 0, fps: float = 25.0) -> Path:
    """A folder-per-class dataset: ``per_class`` clips of each action and of ``background``."""
    from soccer_lstm.synth import render_clip, write_clip

    folder = Path(folder)
    for c, action in enumerate(actions):
        for i in range(per_class):
            write_clip(folder / action / f"{i:03d}.avi", render_clip(action, seed * 1000 + 10 * i + c, size, n_frames),
                       fps)
    for i in range(per_class):
        write_clip(folder / BACKGROUND / f"{i:03d}.avi", background_frames(seed * 1000 + i, size, n_frames), fps)
    return folder


def write_long_video(path: str | Path, actions: Sequence[str], seed: int = 0, size: tuple[int, int] = (128, 96),
                     action_frames: int = 20, gap_frames: int = 40, fps: float = 25.0) -> LongVideo:
    """A video of ``gap, action, gap, action, ..., gap`` with the actions' middles as events.

    Gaps last between half and one and a half times ``gap_frames`` (drawn from ``seed``), so actions
    do not come at a fixed beat. Action clips and background stretches use seeds unlike
    :func:`write_training_set`'s, so the video holds no training clip.
    """
    from soccer_lstm.synth import render_clip

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.CAP_OPENCV_MJPEG, cv2.VideoWriter_fourcc(*"MJPG"), float(fps), size)
    if not writer.isOpened():
        raise RuntimeError(f"{path}: OpenCV cannot write MJPG here")
    events, written = [], 0
    gaps = np.random.default_rng(seed).integers(max(1, gap_frames // 2), max(2, gap_frames * 3 // 2 + 1),
                                                len(actions) + 1)
    try:
        for i, action in enumerate([*actions, None]):
            for frame in background_frames(900_000 + seed * 100 + i, size, int(gaps[i])):
                writer.write(frame)
            written += int(gaps[i])
            if action is None:
                break
            for frame in render_clip(action, 700_000 + seed * 100 + i, size, action_frames):
                writer.write(np.ascontiguousarray(frame))
            events.append(((written + action_frames / 2) / fps, action))
            written += action_frames
    finally:
        writer.release()
    return LongVideo(path, fps, written, tuple(events))


def hits(spotted: Sequence[tuple[float, str]], truth: Sequence[tuple[float, str]], tolerance: float) -> int:
    """Ground-truth actions matched one-to-one by a spotted event of their class within ``tolerance`` seconds."""
    free = list(spotted)
    found = 0
    for seconds, label in truth:
        near = [e for e in free if e[1] == label and abs(e[0] - seconds) <= tolerance]
        if near:
            free.remove(min(near, key=lambda e: abs(e[0] - seconds)))
            found += 1
    return found
