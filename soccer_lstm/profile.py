"""What the training clips looked like, and warnings for a clip unlike them.

``train`` records a *profile* of its training clips in the model folder (``pipeline.json``): the range
of frame sizes, frame rates, clip lengths and keypoints per frame. ``predict`` and ``score`` compare
each new clip with it, because a model answers confidently on clips it has never seen anything like
(a model trained on 54-164 px crops labels a 1920x1080 broadcast frame without hesitation).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

# A clip is "far" from the training clips when it lies outside [min / FAR, max * FAR] of theirs.
# Factor 2 on sizes and lengths: SIFT works across a factor of two in scale (one octave), and a clip
# twice as long as any training clip is a sequence length the LSTM never ran for.
FAR = 2.0
FPS_FAR = 1.5         # 25 vs 50 fps halves every motion step; 25 vs 30 does not matter
KEYPOINTS_FEWER = 0.5  # far fewer keypoints per frame: under half of the poorest training clip's


def clip_stats(geometry: Mapping[str, Any], n_frames: int, n_descriptors: int) -> dict[str, float]:
    """The numbers compared for one clip: decoded frame size, frame rate, length, keypoints per frame."""
    width, height = (list(geometry.get("orig_size") or [0, 0]) + [0, 0])[:2]
    return {"width": float(width), "height": float(height), "fps": float(geometry.get("fps") or 0.0),
            "n_frames": float(n_frames), "keypoints_per_frame": float(n_descriptors) / max(int(n_frames), 1)}


def make_profile(stats: Iterable[Mapping[str, float]]) -> dict[str, Any] | None:
    """Min and max of each number over the training clips (None without any clip)."""
    rows = list(stats)
    if not rows:
        return None
    profile: dict[str, Any] = {"n_clips": len(rows)}
    for name in ("width", "height", "fps", "n_frames", "keypoints_per_frame"):
        values = np.array([r[name] for r in rows], float)
        values = values[values > 0] if name == "fps" else values
        if len(values):
            profile[name] = [float(values.min()), float(values.max())]
    longest = np.array([max(r["width"], r["height"]) for r in rows], float)
    profile["longest_side"] = [float(longest.min()), float(longest.max())]
    return profile


def profile_of_features(features_dir: str | Path, files: Iterable[str]) -> dict[str, Any] | None:
    """The profile of clips stored in an ``extract`` folder (None when the folder is gone)."""
    from soccer_lstm.artifacts import read_npz_meta
    from soccer_lstm.errors import ArtifactError

    folder = Path(features_dir)
    stats = []
    for file in files:
        try:
            meta = read_npz_meta(folder / file)
        except ArtifactError:
            return None
        stats.append(clip_stats(meta.get("geometry") or {}, int(meta.get("n_frames", 0)),
                                int(meta.get("n_descriptors", 0))))
    return make_profile(stats)


def unlike_training(profile: Mapping[str, Any] | None, stats: Mapping[str, float]) -> list[str]:
    """One sentence per way in which a clip is far from the training clips (empty when it is not)."""
    if not profile:
        return []
    warnings = []
    low, high = profile.get("longest_side", [0, 0])
    side = max(stats["width"], stats["height"])
    if side and low and (side > high * FAR or side < low / FAR):
        sep = "x" if "-" not in _range(profile, "width") + _range(profile, "height") else " x "
        warnings.append(f"frame size {stats['width']:.0f}x{stats['height']:.0f} is far from the training clips' "
                        f"({_range(profile, 'width')}{sep}{_range(profile, 'height')} px)")
    if "fps" in profile and stats["fps"] > 0:
        low, high = profile["fps"]
        if stats["fps"] > high * FPS_FAR or stats["fps"] < low / FPS_FAR:
            warnings.append(f"frame rate {stats['fps']:.3g} fps is far from the training clips' "
                            f"({_range(profile, 'fps', '.3g')} fps)")
    low, high = profile.get("keypoints_per_frame", [0, 0])
    if low and stats["keypoints_per_frame"] < low * KEYPOINTS_FEWER:
        warnings.append(f"{stats['keypoints_per_frame']:.0f} keypoints per frame, far fewer than the training "
                        f"clips' ({_range(profile, 'keypoints_per_frame')})")
    low, high = profile.get("n_frames", [0, 0])
    if low and (stats["n_frames"] > high * FAR or stats["n_frames"] < low / FAR):
        kind = "longer" if stats["n_frames"] > high else "shorter"
        warnings.append(f"{stats['n_frames']:.0f} frames, much {kind} than any training clip "
                        f"({_range(profile, 'n_frames')} frames)")
    return warnings


def _range(profile: Mapping[str, Any], name: str, spec: str = ".0f") -> str:
    low, high = profile.get(name, [0, 0])
    return f"{low:{spec}}" if low == high else f"{low:{spec}}-{high:{spec}}"
