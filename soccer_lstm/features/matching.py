"""Keypoint matching between consecutive frames, and the still matches that belong to overlays.

:mod:`soccer_lstm.features.motion` fits the camera's motion to these matches; here they are found
(FLANN with Lowe's ratio test) and the matches that never move (a score bar, a channel logo) are
told apart from a still camera.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from soccer_lstm.features.sift import ClipFeatures

RATIO = 0.8                 # Lowe's ratio test (nearest / second nearest distance)
GRID = 4                    # the frame is cut into GRID x GRID cells to measure how spread matches are
FLANN_TREES = 1             # randomised KD-trees in the FLANN index (one suffices for ~300 keypoints)
FLANN_CHECKS = 32           # leaves visited per query: as many matches as an exact search, 2x faster
FLANN_SEED = 0              # OpenCV's RNG seed before each index build, so matching is repeatable
FLANN_INDEX_KDTREE = 1


@dataclass
class PairMatches:
    prev_idx: np.ndarray   # keypoint rows (local to frame t - 1)
    cur_idx: np.ndarray    # keypoint rows (local to frame t)
    src: np.ndarray        # positions in frame t - 1, (n, 2) float32
    dst: np.ndarray        # positions in frame t, (n, 2) float32
    still: np.ndarray      # (n,) bool: moved less than the still tolerance


def empty_pair() -> PairMatches:
    none = np.zeros(0, np.int64)
    return PairMatches(none, none, np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32),
                        np.zeros(0, bool))


def match_frames(desc_prev: np.ndarray, desc_cur: np.ndarray, ratio: float = RATIO,
                 trees: int = FLANN_TREES, checks: int = FLANN_CHECKS) -> tuple[np.ndarray, np.ndarray]:
    """Match two frames' SIFT descriptors with a FLANN KD-tree and Lowe's ratio test.

    Parameters
    ----------
    desc_prev, desc_cur : ndarray, shape (n, 128)
        Descriptors of the earlier and the later frame (any numeric dtype).
    ratio : float
        A match is kept when its distance is below ``ratio`` times the second-nearest distance.
    trees, checks : int
        FLANN KD-tree index and search parameters.

    Returns
    -------
    prev_idx, cur_idx : ndarray of int64
        Matched rows of ``desc_prev`` and ``desc_cur``; each row of ``desc_prev`` appears at most once.
    """
    none = np.zeros(0, np.int64)
    if len(desc_prev) == 0 or len(desc_cur) < 2:
        return none, none
    # FLANN's randomised trees draw from OpenCV's RNG; seeding it makes every run match the same.
    cv2.setRNGSeed(FLANN_SEED)
    matcher = cv2.FlannBasedMatcher({"algorithm": FLANN_INDEX_KDTREE, "trees": trees}, {"checks": checks})
    knn = matcher.knnMatch(np.ascontiguousarray(desc_prev, np.float32),
                           np.ascontiguousarray(desc_cur, np.float32), k=2)
    prev_idx, cur_idx = [], []
    for pair in knn:
        if len(pair) == 2 and pair[0].distance < ratio * pair[1].distance:
            prev_idx.append(pair[0].queryIdx)
            cur_idx.append(pair[0].trainIdx)
    if not prev_idx:
        return none, none
    return np.asarray(prev_idx, np.int64), np.asarray(cur_idx, np.int64)


def match_clip(clip: ClipFeatures, ratio: float, still_tolerance: float) -> list[PairMatches]:
    """Matches of every consecutive pair; entry ``t`` holds pair ``(t - 1, t)`` (entry 0 is empty)."""
    pairs = [empty_pair()]
    for t in range(1, clip.n_frames):
        desc_prev, pos_prev = clip.frame(t - 1)
        desc_cur, pos_cur = clip.frame(t)
        prev_idx, cur_idx = match_frames(desc_prev, desc_cur, ratio)
        src, dst = pos_prev[prev_idx].astype(np.float32), pos_cur[cur_idx].astype(np.float32)
        still = np.linalg.norm(dst - src, axis=1) < still_tolerance
        pairs.append(PairMatches(prev_idx, cur_idx, src, dst, still))
    return pairs


def static_masks(clip: ClipFeatures, pairs: list[PairMatches], static_frames: int,
                  still_tolerance: float) -> list[np.ndarray]:
    """For each pair, which matches belong to a still chain spanning at least ``static_frames`` frames.

    A chain links a still match of pair ``(t - 1, t)`` to a still match of pair ``(t, t + 1)`` that
    starts at the same keypoint of frame ``t``, and it only grows while the keypoint stays within
    ``still_tolerance`` of where the chain began: an overlay does not move at all, whereas a slow
    pan (a fraction of a pixel per frame) drifts away and is not mistaken for one. The required
    length is capped by the clip length, so overlays are still recognised in short clips.
    """
    n_frames = clip.n_frames
    needed_pairs = max(1, min(static_frames, n_frames) - 1)
    positions = [clip.frame(t)[1].astype(np.float64) for t in range(n_frames)]
    backward = chain_pass(pairs, positions, still_tolerance, forward=False)
    forward = chain_pass(pairs, positions, still_tolerance, forward=True)
    masks = [np.zeros(0, bool)]
    for t in range(1, n_frames):
        chain = backward[t] + forward[t] - 1   # both counts include the match itself
        masks.append(pairs[t].still & (chain >= needed_pairs))
    return masks


def chain_pass(pairs: list[PairMatches], positions: list[np.ndarray], tolerance: float,
                forward: bool) -> list[np.ndarray]:
    """Length (in frame pairs) of the anchored still chain ending at each still match.

    With ``forward=False`` chains run from the start of the clip to the match; with ``forward=True``
    they run from the end of the clip back to it. Non-still matches get 0.
    """
    n_frames = len(positions)
    lengths = [np.zeros(len(p), np.int64) for p in positions]   # per keypoint
    anchors = [p.copy() for p in positions]                       # where its chain began
    per_match = [np.zeros(0, np.int64) for _ in range(n_frames)]
    order = range(n_frames - 1, 0, -1) if forward else range(1, n_frames)
    for t in order:
        p = pairs[t]
        per_match[t] = np.zeros(len(p.src), np.int64)
        src_frame, dst_frame = (t, t - 1) if forward else (t - 1, t)
        src_idx, dst_idx = (p.cur_idx, p.prev_idx) if forward else (p.prev_idx, p.cur_idx)
        sel = np.flatnonzero(p.still)
        if len(sel) == 0:
            continue
        src, dst = src_idx[sel], dst_idx[sel]
        anchor = anchors[src_frame][src]
        anchored = np.linalg.norm(positions[dst_frame][dst] - anchor, axis=1) < tolerance
        length = np.where(anchored, lengths[src_frame][src] + 1, 1)
        anchor = np.where(anchored[:, None], anchor, positions[src_frame][src])
        per_match[t][sel] = length
        keep = np.argsort(length, kind="stable")   # the longest chain wins a shared keypoint
        lengths[dst_frame][dst[keep]] = length[keep]
        anchors[dst_frame][dst[keep]] = anchor[keep]
    return per_match


def occupied_cells(points: np.ndarray, size: tuple[int, int]) -> int:
    if len(points) == 0:
        return 0
    width, height = max(size[0], 1), max(size[1], 1)
    cx = np.clip((points[:, 0] * GRID / width).astype(int), 0, GRID - 1)
    cy = np.clip((points[:, 1] * GRID / height).astype(int), 0, GRID - 1)
    return len(np.unique(cy * GRID + cx))
