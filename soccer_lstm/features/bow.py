"""Per-frame bag-of-visual-words histograms."""
from __future__ import annotations

import numpy as np

from soccer_lstm.features.codebook import Codebook


def bow_histograms(descriptors: np.ndarray, offsets: np.ndarray, codebook: Codebook) -> np.ndarray:
    """One L1-normalised K-bin histogram per frame (all zeros for a frame without keypoints).

    Parameters
    ----------
    descriptors : ndarray (N, 128)
        Descriptors of all frames of a clip, frame after frame.
    offsets : ndarray (T + 1,)
        Frame ``t`` owns rows ``offsets[t]:offsets[t + 1]``.
    codebook : Codebook
        Fitted vocabulary of ``K`` words.

    Returns
    -------
    ndarray (T, K), float32
    """
    k = len(codebook.cluster_centers_)
    n_frames = len(offsets) - 1
    words = codebook.predict(descriptors)
    frame_of = np.repeat(np.arange(n_frames), np.diff(offsets))
    counts = np.bincount(frame_of * k + words, minlength=n_frames * k).reshape(n_frames, k)
    totals = counts.sum(axis=1, keepdims=True)
    return (counts / np.maximum(totals, 1)).astype(np.float32)
