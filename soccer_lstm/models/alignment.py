"""Needleman-Wunsch global alignment of sequences of per-frame histograms, vectorised over pairs.

Ballan et al. (2009) compare two clips by aligning their sequences of bag-of-words histograms:
matching frame ``i`` of one clip with frame ``j`` of the other earns the similarity of the two
histograms (histogram intersection, in [0, 1] for L1-normalised histograms), and leaving a frame
unmatched costs a gap penalty. The global (Needleman-Wunsch) score of clips ``a`` and ``b`` is::

    S[0, 0] = 0,  S[i, 0] = -i * gap,  S[0, j] = -j * gap
    S[i, j] = max(S[i-1, j-1] + sim(a_i, b_j),  S[i-1, j] - gap,  S[i, j-1] - gap)
    score(a, b) = S[len(a), len(b)]

Speed matters: a 100-clip dataset needs thousands of alignments per fold. Two tricks make this
numpy-only code fast:

1. The similarity of every frame of every clip with every frame of every other clip comes from one
   matrix computation over stacked frames (a matmul for cosine; a compiled city-block distance for
   intersection, since ``min(x, y) = (x + y - |x - y|) / 2``).
2. The DP runs over the rows ``i`` only, for a whole block of clip pairs at once. Within a row the
   left-to-right dependency ``S[i, j-1] - gap`` unrolls into a running maximum::

       S[i, j] = max_{k <= j} (U[k] + k * gap) - j * gap,   U[k] = max(diag, up) at column k

   which is one ``np.maximum.accumulate`` call. Padding shorter clips with extra columns or rows
   does not change the cells that belong to the real clip, because a cell only depends on cells
   above and to its left; each pair reads its score at its own ``(len(a), len(b))``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

SIMILARITIES = ("intersection", "cosine")


def frame_similarity(a: np.ndarray, b: np.ndarray, similarity: str = "intersection",
                     block: int = 1024) -> np.ndarray:
    """Similarity of every row (frame) of ``a`` with every row of ``b``.

    Parameters
    ----------
    a, b : ndarray of shape (n, D) and (m, D)
        Per-frame feature vectors (L1-normalised histograms for ``"intersection"``).
    similarity : {"intersection", "cosine"}
        ``"intersection"``: ``sum_k min(a_k, b_k)``, in [0, 1] for L1-normalised histograms, 0 for an
        empty (all-zero) frame. ``"cosine"``: the cosine of the angle, 0 where a vector is zero.
    block : int
        Rows of ``a`` handled at once by the intersection (bounds memory to ``block * m`` floats).

    Returns
    -------
    ndarray of shape (n, m), float32
    """
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"expected two 2-D arrays with the same number of columns, got {a.shape} and {b.shape}")
    if similarity == "cosine":
        norm_a = np.linalg.norm(a, axis=1, keepdims=True)
        norm_b = np.linalg.norm(b, axis=1, keepdims=True)
        a = np.divide(a, norm_a, out=np.zeros_like(a), where=norm_a > 0)
        b = np.divide(b, norm_b, out=np.zeros_like(b), where=norm_b > 0)
        return (a @ b.T).astype(np.float32)
    if similarity != "intersection":
        raise ValueError(f"similarity must be one of {', '.join(SIMILARITIES)}, got {similarity!r}")
    # min(x, y) = (x + y - |x - y|) / 2, so the intersection is (sum a + sum b - L1(a, b)) / 2, and
    # scipy's compiled city-block distance is about four times faster than a numpy minimum-sum.
    from scipy.spatial.distance import cdist

    out = np.empty((len(a), len(b)), dtype=np.float32)
    sums_b = b.sum(axis=1, dtype=np.float64)
    step = max(1, int(block))
    for start in range(0, len(a), step):
        rows = a[start:start + step]
        l1 = cdist(rows, b, "cityblock")
        out[start:start + step] = 0.5 * (rows.sum(axis=1, dtype=np.float64)[:, None] + sums_b[None, :] - l1)
    return out


def _stack(sequences: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All frames stacked, each clip's length, and a padded index matrix into the stacked frames.

    The index matrix has one row per clip and ``max(length)`` columns; padding points at one past
    the last frame, where the callers place a zero similarity.
    """
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    dims = {np.asarray(s).shape[1] for s in sequences if np.asarray(s).ndim == 2}
    if any(np.asarray(s).ndim != 2 for s in sequences) or len(dims) > 1:
        raise ValueError("every sequence must be a 2-D array (frames x features) with the same width")
    width = dims.pop() if dims else 0
    frames = (np.concatenate([np.asarray(s, dtype=np.float32) for s in sequences])
              if len(sequences) else np.zeros((0, width), np.float32))
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    longest = int(lengths.max(initial=0))
    index = np.full((len(sequences), max(longest, 1)), len(frames), dtype=np.int64)
    for n, (start, length) in enumerate(zip(offsets[:-1], lengths)):
        index[n, :length] = np.arange(start, start + length)
    return frames, lengths, index


def alignment_scores(queries: Sequence[np.ndarray], references: Sequence[np.ndarray] | None = None,
                     gap: float = 0.5, similarity: str = "intersection",
                     max_block_cells: int = 4_000_000) -> np.ndarray:
    """Needleman-Wunsch global alignment score of every query sequence with every reference.

    Parameters
    ----------
    queries : list of ndarray (T_i x D)
        Sequences of per-frame vectors; lengths may differ, a length of 0 is allowed.
    references : list of ndarray (T_j x D), optional
        Defaults to ``queries`` (then the result is symmetric).
    gap : float
        Penalty (>= 0) for leaving one frame of either sequence unmatched.
    similarity : {"intersection", "cosine"}
        Match score of two frames, see :func:`frame_similarity`.
    max_block_cells : int
        Bounds the memory of one vectorised block (pairs x rows x columns of the DP).

    Returns
    -------
    ndarray of shape (len(queries), len(references)), float64
        ``scores[i, j]`` is the best global alignment score of ``queries[i]`` with ``references[j]``;
        identical sequences of L1-normalised non-empty histograms score their length.
    """
    if gap < 0:
        raise ValueError(f"gap must be >= 0, got {gap}")
    symmetric = references is None
    references = queries if references is None else references
    frames_q, len_q, index_q = _stack(queries)
    frames_r, len_r, index_r = _stack(references)
    n_q, n_r = len(len_q), len(len_r)
    scores = np.empty((n_q, n_r), dtype=np.float64)
    if n_q == 0 or n_r == 0:
        return scores
    if frames_q.shape[1] != frames_r.shape[1]:
        raise ValueError(f"queries have {frames_q.shape[1]} features per frame, references {frames_r.shape[1]}")
    # One similarity matrix for all frames, plus a zero row and column that padding points at.
    sim = np.zeros((len(frames_q) + 1, len(frames_r) + 1), dtype=np.float64)
    if len(frames_q) and len(frames_r):
        if symmetric:
            sim[:-1, :-1] = frame_similarity(frames_q, frames_q, similarity)
        else:
            sim[:-1, :-1] = frame_similarity(frames_q, frames_r, similarity)
    cols = index_r.shape[1]
    # Sort queries by length so that a block pads little; each block aligns several queries with
    # every reference at once.
    order = np.argsort(len_q, kind="stable")
    per_query = n_r * max(int(len_q.max()), 1) * cols
    block = max(1, int(max_block_cells // max(per_query, 1)))
    for start in range(0, n_q, block):
        members = order[start:start + block]
        rows = max(int(len_q[members].max()), 1)
        block_sim = sim[index_q[members, :rows][:, None, :, None], index_r[None, :, None, :]]
        scores[members] = _nw_block(block_sim, len_q[members], len_r, gap)
    return scores


def _nw_block(sim: np.ndarray, len_q: np.ndarray, len_r: np.ndarray, gap: float) -> np.ndarray:
    """Needleman-Wunsch for a block of pairs: ``sim`` has shape (queries, refs, rows, cols)."""
    n_q, n_r, rows, cols = sim.shape
    ramp = gap * np.arange(cols + 1, dtype=np.float64)        # k * gap for column k
    previous = np.broadcast_to(-ramp, (n_q, n_r, cols + 1)).copy()   # row 0: -j * gap
    result = np.empty((n_q, n_r), dtype=np.float64)
    ref_columns = len_r[None, :].repeat(n_q, axis=0)
    done = len_q == 0
    if done.any():
        result[done] = np.take_along_axis(previous[done], ref_columns[done][..., None], axis=2)[..., 0]
    current = np.empty_like(previous)
    for i in range(1, rows + 1):
        # U[k] = max(diagonal move, vertical move) for k >= 1; U[0] is the boundary -i * gap.
        np.maximum(previous[..., :-1] + sim[:, :, i - 1, :], previous[..., 1:] - gap, out=current[..., 1:])
        current[..., 0] = -i * gap
        current += ramp
        np.maximum.accumulate(current, axis=2, out=current)
        current -= ramp
        finished = len_q == i
        if finished.any():
            result[finished] = np.take_along_axis(current[finished], ref_columns[finished][..., None],
                                                  axis=2)[..., 0]
        previous, current = current, previous
    return result


def normalize_scores(scores: np.ndarray, self_queries: np.ndarray, self_references: np.ndarray,
                     floor: float = 1.0) -> np.ndarray:
    """Cosine-style normalisation ``s(a, b) / sqrt(s(a, a) * s(b, b))``, clipped to [-1, 1].

    Self-scores are floored at ``floor`` (one perfectly matched frame) so that a clip made of empty
    frames, whose self-score is 0, cannot blow the normalised score up.

    Parameters
    ----------
    scores : ndarray (n, m)
        Alignment scores of queries with references.
    self_queries, self_references : ndarray (n,) and (m,)
        Each sequence's alignment score with itself.
    floor : float
        Lower bound on self-scores.
    """
    left = np.sqrt(np.maximum(np.asarray(self_queries, dtype=np.float64), floor))
    right = np.sqrt(np.maximum(np.asarray(self_references, dtype=np.float64), floor))
    return np.clip(scores / left[:, None] / right[None, :], -1.0, 1.0)


def self_alignment_scores(sequences: Sequence[np.ndarray], gap: float = 0.5,
                          similarity: str = "intersection") -> np.ndarray:
    """Each sequence's alignment score with itself, without aligning every pair.

    Parameters
    ----------
    sequences : list of ndarray (T_i x D)
    gap, similarity
        As in :func:`alignment_scores`.

    Returns
    -------
    ndarray of shape (len(sequences),)
    """
    return np.array([alignment_scores([s], [s], gap=gap, similarity=similarity)[0, 0] for s in sequences],
                    dtype=np.float64)
