"""Clips whose classes differ only in where a group of objects sits: the top, middle or bottom third.

Every clip shows the same kind of scene: a plain pitch-green background with faint random blobs
spread over the whole frame, and a group of the same distinctive objects (small players: a
coloured disc with a dark outline and a white number patch) drifting slowly sideways. Only the
group's row differs between the classes, so a bag of visual words sees the same words in every
class (near chance), while a spatial pyramid sees where they are.

``python tests/locationgen.py OUT [CLIPS_PER_CLASS]`` writes such a dataset (one folder per class)
for a measured figure (docs/results.md); the tests call :func:`make_location_dataset`.
"""
from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clipgen import write_avi  # noqa: E402

LOCATIONS = ("top", "middle", "bottom")
SIZE = (160, 120)


def location_frames(label: str, seed: int, n_frames: int = 10, size: tuple[int, int] = SIZE) -> list[np.ndarray]:
    """Frames of one clip of class ``label`` (one of :data:`LOCATIONS`)."""
    rng = np.random.default_rng([seed, LOCATIONS.index(label)])
    width, height = size
    background = np.full((height, width, 3), (60, 140, 70), np.uint8)
    for _ in range(40):  # faint clutter everywhere, the same in every class
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        shade = tuple(int(c) for c in rng.integers(40, 170, 3))
        cv2.circle(background, (x, y), int(rng.integers(1, 4)), shade, -1)
    band = LOCATIONS.index(label)
    top = band * height / 3
    players = [(float(rng.uniform(0.1, 0.9) * width), float(rng.uniform(top + 8, top + height / 3 - 8)))
               for _ in range(5)]
    colour = tuple(int(c) for c in rng.choice([(30, 30, 200), (200, 60, 30), (20, 200, 220)]))
    drift = float(rng.choice([-1.5, 1.5]))
    frames = []
    for t in range(n_frames):
        frame = background.copy()
        for x, y in players:
            cx, cy = int(round(x + drift * t)) % width, int(round(y))
            cv2.circle(frame, (cx, cy), 6, (10, 10, 10), -1)
            cv2.circle(frame, (cx, cy), 5, colour, -1)
            cv2.rectangle(frame, (cx - 2, cy - 2), (cx + 2, cy + 1), (250, 250, 250), -1)
        frames.append(frame)
    return frames


def make_location_dataset(root: Path, clips_per_class: int = 6, n_frames: int = 10) -> Path:
    """One folder per class of :data:`LOCATIONS`, ``clips_per_class`` MJPG clips each."""
    for label in LOCATIONS:
        for i in range(clips_per_class):
            write_avi(root / label / f"{label}_{i:02d}.avi", location_frames(label, i, n_frames))
    return root


if __name__ == "__main__":
    out = make_location_dataset(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 6)
    print(f"wrote {len(LOCATIONS)} classes to {out}")
