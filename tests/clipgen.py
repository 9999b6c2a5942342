"""Small clips generated inside the tests: textured scenes with a known camera motion per class.

Class ``pan-left`` pans one way, ``pan-right`` the other, ``still`` holds a different texture still;
the three are separable by appearance and by motion, so a working pipeline beats chance.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

CLASSES = ("pan-left", "pan-right", "still")


def texture(seed: int, size: tuple[int, int] = (400, 200), style: int = 0) -> np.ndarray:
    """A SIFT-friendly random texture (blobs, lines, rectangles) as a BGR image."""
    rng = np.random.default_rng(seed)
    width, height = size
    image = np.full((height, width, 3), 90 + 40 * style, np.uint8)
    for _ in range(160):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        color = tuple(int(c) for c in rng.integers(0, 255, 3))
        if style == 0:
            cv2.circle(image, (x, y), int(rng.integers(2, 9)), color, -1)
        elif style == 1:
            cv2.rectangle(image, (x, y), (x + int(rng.integers(3, 14)), y + int(rng.integers(3, 14))), color, -1)
        else:
            cv2.line(image, (x, y), (x + int(rng.integers(-15, 15)), y + int(rng.integers(-15, 15))), color, 2)
    return cv2.GaussianBlur(image, (3, 3), 0)


def clip_frames(label: str, seed: int, n_frames: int = 12, size: tuple[int, int] = (96, 72)) -> list[np.ndarray]:
    """Frames of one clip of ``label``."""
    style = CLASSES.index(label) if label in CLASSES else 0
    world = texture(seed, style=style)
    speed = {"pan-left": -4.0, "pan-right": 4.0}.get(label, 0.0)
    rng = np.random.default_rng(seed + 1000)
    start = float(rng.uniform(150, 200))
    frames = []
    for t in range(n_frames):
        x = start + speed * t
        matrix = np.float32([[1, 0, -x], [0, 1, -60]])
        frames.append(cv2.warpAffine(world, matrix, size, borderMode=cv2.BORDER_REFLECT))
    return frames


def write_avi(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    """Write frames as an MJPG .avi that OpenCV reads back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened(), "OpenCV cannot write MJPG .avi here"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def write_frame_folder(folder: Path, frames: list[np.ndarray]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"frame_{i + 1}.png"), frame)
    return folder


def make_dataset(root: Path, clips_per_class: int = 6, n_frames: int = 12, classes: tuple[str, ...] = CLASSES,
                 first_seed: int = 0) -> Path:
    """A folder-per-class dataset of small .avi clips.

    Clip ``i`` of class ``c`` is drawn with seed ``first_seed + 100 * c + i``: datasets made with
    ``first_seed`` values 1000 apart share no clip (held-out clips for a model trained on another).
    """
    for c, label in enumerate(classes):
        for i in range(clips_per_class):
            write_avi(root / label / f"{label}_{i:02d}.avi", clip_frames(label, first_seed + 100 * c + i, n_frames))
    return root
