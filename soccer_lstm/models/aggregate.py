"""Turn per-timestep class probabilities into one decision per clip."""
from __future__ import annotations

import numpy as np

from soccer_lstm.config import AGGREGATIONS  # the one list; the config checks --aggregation against it


def aggregate(step_probabilities: np.ndarray, how: str = "mean") -> np.ndarray:
    """Clip-level class scores from the ``(T, C)`` softmax outputs of the valid timesteps.

    ``mean`` averages the probabilities; ``vote`` returns the share of timesteps whose arg-max is
    each class (ties go to the class with the higher mean probability); ``last`` keeps the final
    timestep, which has seen the whole clip.
    """
    p = np.asarray(step_probabilities, dtype=np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise ValueError("expected a non-empty (T, C) array of probabilities")
    if how == "mean":
        return p.mean(axis=0)
    if how == "last":
        return p[-1]
    if how == "vote":
        votes = np.bincount(p.argmax(axis=1), minlength=p.shape[1]).astype(np.float64)
        # A tiny tie-breaker that never overturns a vote count.
        return votes / len(p) + 1e-9 * p.mean(axis=0)
    raise ValueError(f"unknown aggregation {how!r}; choose one of {', '.join(AGGREGATIONS)}")
