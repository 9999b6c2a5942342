"""A contact sheet: one clip per class, frames across time, so a user can see the data."""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from soccer_lstm.artifacts import atomic_write
from soccer_lstm.errors import UserError
from soccer_lstm.synth.render import CLASSES, clip_seed, render_clip

LABEL_WIDTH = 110
GAP = 4


def contact_sheet(seed: int = 0, size: tuple[int, int] = (320, 240), frames_per_clip: int = 6,
                  n_frames: int = 50, fps: float = 25.0) -> np.ndarray:
    """Render the contact sheet image (BGR uint8): a row per class, ``frames_per_clip`` columns.

    Clip ``0`` of each class of the data set made with ``seed`` is shown, so the sheet previews
    exactly what ``render_dataset(seed=seed)`` writes first (at length ``n_frames``).
    """
    if frames_per_clip < 1:
        raise UserError(f"frames per clip must be at least 1, got {frames_per_clip}")
    width, height = size
    sheet_w = LABEL_WIDTH + frames_per_clip * (width + GAP) + GAP
    sheet_h = len(CLASSES) * (height + GAP) + GAP
    sheet = np.full((sheet_h, sheet_w, 3), 245, np.uint8)
    for row, action in enumerate(CLASSES):
        clip = render_clip(action, clip_seed(seed, action, 0), size=size, n_frames=n_frames, fps=fps)
        picks = np.linspace(0, len(clip) - 1, frames_per_clip).round().astype(int)
        y = GAP + row * (height + GAP)
        cv2.putText(sheet, action, (8, y + height // 2 + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)
        for col, index in enumerate(picks):
            x = LABEL_WIDTH + GAP + col * (width + GAP)
            sheet[y:y + height, x:x + width] = clip[index]
            cv2.putText(sheet, f"t={index}", (x + 4, y + height - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (255, 255, 255), 1,
                        cv2.LINE_AA)
    return sheet


def write_preview(path: str | os.PathLike, seed: int = 0, size: tuple[int, int] = (320, 240),
                  frames_per_clip: int = 6) -> Path:
    """Write the contact sheet of :func:`contact_sheet` to ``path`` (PNG), atomically.

    Parameters
    ----------
    path : path-like
        Destination; must end in ``.png``.
    seed : int
        Data-set seed whose first clip of each class is shown.
    size : (width, height)
        Frame size of the rendered clips.
    frames_per_clip : int
        Frames shown per clip, evenly spaced in time.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise UserError(f"{path}: the preview is written as a .png file")
    sheet = contact_sheet(seed=seed, size=size, frames_per_clip=frames_per_clip)
    ok, encoded = cv2.imencode(".png", sheet)
    if not ok:
        raise UserError(f"{path}: OpenCV could not encode the preview")
    with atomic_write(path, "wb") as handle:
        handle.write(encoded.tobytes())
    return path
