"""Per-frame SIFT keypoints and descriptors of a clip, stored compactly.

A clip's features are three arrays: ``descriptors`` (N x 128, uint8), ``positions`` (N x 2,
float32, x and y in processed-frame pixels) and ``offsets`` (T + 1, int64): frame ``t`` owns rows
``offsets[t]:offsets[t + 1]``. A frame without keypoints keeps its place as an empty range.
Computed in the same decode pass: ``hof``, ``mbh`` and ``hog`` (T x D, float16), the local
motion and layout histograms of :mod:`soccer_lstm.features.local`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import cv2
import numpy as np

from soccer_lstm.config import ExtractConfig
from soccer_lstm.errors import ClipError
from soccer_lstm.video import FrameGeometry, iter_frames

DESCRIPTOR_SIZE = 128


@dataclass
class ClipFeatures:
    """SIFT features of one clip, and its local histograms (see module docstring for the layout)."""

    descriptors: np.ndarray
    positions: np.ndarray
    offsets: np.ndarray
    geometry: dict[str, Any]
    local: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], geometry: dict[str, Any]) -> "ClipFeatures":
        """The features stored by :meth:`arrays` (an artifact without local histograms has none)."""
        from soccer_lstm.features.kinds import EXTRACTED_KINDS

        return cls(arrays["descriptors"], arrays["positions"], arrays["offsets"], geometry,
                   {kind: arrays[kind] for kind in EXTRACTED_KINDS if kind in arrays})

    @property
    def n_frames(self) -> int:
        return len(self.offsets) - 1

    def frame(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Descriptors and positions of frame ``t``."""
        lo, hi = self.offsets[t], self.offsets[t + 1]
        return self.descriptors[lo:hi], self.positions[lo:hi]

    def arrays(self) -> dict[str, np.ndarray]:
        return {"descriptors": self.descriptors, "positions": self.positions, "offsets": self.offsets, **self.local}


def make_detector(config: ExtractConfig) -> cv2.SIFT:
    """The OpenCV SIFT detector for ``config`` (one per process; it is not thread-safe)."""
    return cv2.SIFT_create(nfeatures=config.max_keypoints, contrastThreshold=config.contrast_threshold)


def detect_frame(detector: cv2.SIFT, gray: np.ndarray, max_keypoints: int) -> tuple[np.ndarray, np.ndarray]:
    """SIFT on one frame: uint8 descriptors (n x 128) and float32 positions (n x 2)."""
    keypoints, descriptors = detector.detectAndCompute(gray, None)
    if descriptors is None or not keypoints:
        return np.zeros((0, DESCRIPTOR_SIZE), np.uint8), np.zeros((0, 2), np.float32)
    if max_keypoints and len(keypoints) > max_keypoints:
        # OpenCV can return a few more than nfeatures (one keypoint, several orientations).
        order = np.argsort([-k.response for k in keypoints], kind="stable")[:max_keypoints]
        keypoints = [keypoints[i] for i in order]
        descriptors = descriptors[order]
    positions = cv2.KeyPoint_convert(keypoints).astype(np.float32, copy=False).reshape(-1, 2)
    # OpenCV's SIFT descriptors are already integers in 0..255 stored as float32.
    return np.clip(np.rint(descriptors), 0, 255).astype(np.uint8), positions


def extract_clip(path: str | Path, config: ExtractConfig = ExtractConfig(), sift: bool = True) -> ClipFeatures:
    """Decode a clip once; compute SIFT and the local HOF/MBH/HOG histograms on every kept frame.

    With ``sift=False`` only the local histograms are computed (every frame keeps an empty range of
    keypoints): for a clip whose stored SIFT features are still valid.

    Raises
    ------
    ClipError
        If the clip cannot be decoded.
    """
    from soccer_lstm.features.local import LocalMotion

    detector = make_detector(config)
    local = LocalMotion(config.grid, config.flow_preset)
    geometry = FrameGeometry()
    all_descriptors, all_positions, counts = [], [], []
    try:
        for gray in iter_frames(path, config.resize, config.frame_step, config.crop_bars, geometry):
            if sift:
                descriptors, positions = detect_frame(detector, gray, config.max_keypoints)
            else:
                descriptors, positions = np.zeros((0, DESCRIPTOR_SIZE), np.uint8), np.zeros((0, 2), np.float32)
            local.add(gray)
            all_descriptors.append(descriptors)
            all_positions.append(positions)
            counts.append(len(descriptors))
    except cv2.error as exc:
        raise ClipError(path, f"OpenCV failed ({exc.err or exc})") from None
    except MemoryError:
        raise ClipError(path, "frames too large to process") from None
    if not counts:
        raise ClipError(path, "no frame could be decoded")
    offsets = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return ClipFeatures(np.concatenate(all_descriptors), np.concatenate(all_positions), offsets,
                        geometry.as_dict(), local.arrays())


def extract_params(config: ExtractConfig) -> dict[str, Any]:
    """Parameters recorded with every feature artifact (they enter its fingerprint)."""
    return {**asdict(config), "opencv": cv2.__version__}
