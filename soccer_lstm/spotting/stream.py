"""A whole video's per-frame vectors, computed while it streams: one decode pass, flat memory.

``extract`` + ``encode`` hold a clip's every frame of SIFT descriptors before encoding it; a
45-minute half would need gigabytes. Here frames are decoded once (:func:`~soccer_lstm.video.iter_frames`),
each frame's SIFT keypoints and HOF/MBH/HOG rows are computed as it arrives, and the per-frame
vectors are made block by block with the model's own steps, those ``predict`` applies to a clip
(words and kinds, through the registry's functions that ``encode`` uses too), on a window of the
video made of the block and ``CONTEXT`` frames either side, then scaled by the model's scale step.
Only the current window's keypoints are held.

Visual words, HOF, MBH and HOG depend on one frame (and its predecessor) and are exactly what
extract + encode give for the whole video. The camera motion matches consecutive frames, which the
window holds, and sets aside the still chains of overlays (``STATIC_FRAMES`` long) with context on
both sides; it can differ from the whole-video computation only where a still chain runs longer
than the context (its anchor then starts later), and a video no longer than one block is encoded as
one clip, exactly as ``encode`` would.
"""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import cv2
import numpy as np

from soccer_lstm.config import ExtractConfig
from soccer_lstm.features.kinds import EXTRACTED_KINDS, needs_sift as kinds_need_sift, parse_kinds
from soccer_lstm.errors import ClipError
from soccer_lstm.features.sift import DESCRIPTOR_SIZE, ClipFeatures, detect_frame, make_detector
from soccer_lstm.video import FrameGeometry, iter_frames

log = logging.getLogger(__name__)

BLOCK = 250     # frames encoded at once (10 s at 25 fps): bounds memory, amortises the context
CONTEXT = 16    # frames of context either side of a block for the camera motion's still chains


@dataclass
class StreamInfo:
    """What streaming learnt about a video (filled as it goes).

    Attributes
    ----------
    geometry : FrameGeometry
        Decoded size, crop, frame rate, frames decoded.
    frames : int
        Processed frames (after the frame step) turned into vectors so far.
    warning : str or None
        Why the video ended early (damaged part-way), when it did.
    peak_held : int
        Most frames whose keypoints were held at once (flat in the video's length).
    descriptors : int
        SIFT keypoints kept so far, over every processed frame.
    """

    geometry: FrameGeometry = field(default_factory=FrameGeometry)
    frames: int = 0
    warning: str | None = None
    peak_held: int = 0
    descriptors: int = 0


@dataclass
class _Frame:
    descriptors: np.ndarray
    positions: np.ndarray
    local: dict[str, np.ndarray]


def _window_features(frames: list[_Frame], geometry: dict[str, Any], kinds: tuple[str, ...]) -> ClipFeatures:
    counts = [len(f.descriptors) for f in frames]
    offsets = np.zeros(len(frames) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    descriptors = np.concatenate([f.descriptors for f in frames]) if frames else np.zeros((0, DESCRIPTOR_SIZE), np.uint8)
    positions = np.concatenate([f.positions for f in frames]) if frames else np.zeros((0, 2), np.float32)
    local = {kind: np.stack([f.local[kind] for f in frames]) for kind in EXTRACTED_KINDS if kind in kinds}
    return ClipFeatures(descriptors, positions, offsets, geometry, local)


def stream_vectors(path: str | Path, pipeline: Any, extract: ExtractConfig, info: StreamInfo | None = None,
                   block: int = BLOCK, context: int = CONTEXT) -> Iterator[np.ndarray]:
    """Yield the scaled per-frame vectors of a video, in order, a block of rows at a time.

    Parameters
    ----------
    path : path-like
        A video file or a folder of frame images.
    pipeline : TrainedPipeline
        The model: its steps before the classifier (``pipeline.pipeline``) make the vectors, and its
        encode config says which kinds to compute per frame.
    extract : ExtractConfig
        How frames are decoded and keypoints found (the model's, unless overridden).
    info : StreamInfo, optional
        Filled with the geometry, the frame count and a warning when the video ends early.
    block, context : int
        Frames encoded at once, and frames of context either side (see the module docstring).

    Raises
    ------
    ClipError
        When not one frame can be decoded. A video damaged part-way ends where the damage starts,
        with ``info.warning`` saying so.
    """
    from soccer_lstm.features.local import LocalMotion

    info = info if info is not None else StreamInfo()
    kinds = parse_kinds(pipeline.encode.features)
    needs_sift = kinds_need_sift(kinds)
    detector = make_detector(extract) if needs_sift else None
    local = LocalMotion(extract.grid, extract.flow_preset) if any(k in EXTRACTED_KINDS for k in kinds) else None
    # The model's own steps, as predict applies them to a clip: words + kinds on the window, scale on its rows.
    encoding, scaling = pipeline.pipeline[:2], pipeline.pipeline[2:-1]
    no_desc, no_pos = np.zeros((0, DESCRIPTOR_SIZE), np.uint8), np.zeros((0, 2), np.float32)
    held: deque[_Frame] = deque()   # frames [first, first + len(held)) of the video
    first = 0                       # video index of held[0]
    done = 0                        # frames already yielded

    def encode(upto: int, final: bool) -> np.ndarray:
        """Vectors of frames [done, upto) from the window [done - context, upto + context) held."""
        nonlocal first
        window = list(held)
        features = _window_features(window, info.geometry.as_dict(), kinds)
        rows = encoding.transform([features])[0][done - first:upto - first]
        keep_from = max(upto - context, first) if not final else upto
        for _ in range(keep_from - first):
            held.popleft()
        first = keep_from
        return scaling.transform([rows])[0]

    frames = iter_frames(path, extract.resize, extract.frame_step, extract.crop_bars, info.geometry)
    try:
        while True:
            try:
                gray = next(frames)
            except StopIteration:
                break
            except ClipError as exc:
                if first + len(held) == 0:
                    raise
                info.warning = f"{exc.problem}; spotted up to there"
                break
            try:
                descriptors, positions = (detect_frame(detector, gray, extract.max_keypoints) if needs_sift
                                          else (no_desc, no_pos))
                rows = {}
                if local is not None:
                    local.add(gray)
                    rows = {kind: value[0] for kind, value in local.take().items()}
            except cv2.error as exc:
                if first + len(held) == 0:
                    raise ClipError(path, f"OpenCV failed ({exc.err or exc})") from None
                info.warning = f"OpenCV failed at frame {first + len(held)} ({exc.err or exc}); spotted up to there"
                break
            info.descriptors += len(descriptors)
            held.append(_Frame(descriptors, positions, rows))
            info.peak_held = max(info.peak_held, len(held))
            if first + len(held) >= done + block + context:
                vectors = encode(done + block, final=False)
                done += len(vectors)
                info.frames = done
                yield vectors
    finally:
        frames.close()
    total = first + len(held)
    if total == 0:
        raise ClipError(path, "no frame could be decoded")
    if info.warning is None:
        info.warning = info.geometry.truncation()
    if total > done:
        vectors = encode(total, final=True)
        done += len(vectors)
        info.frames = done
        yield vectors
