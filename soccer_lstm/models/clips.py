"""What every clip classifier accepts as ``X``: a list of clips, each a ``(frames, features)`` array."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def as_sequences(sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Validate a list of clips: each a 2-D float32 array, all with the same number of columns.

    Raises
    ------
    ValueError
        On an empty list, a clip that is not 2-D, or clips of different widths.
    """
    result = [np.asarray(s, dtype=np.float32) for s in sequences]
    if not result:
        raise ValueError("expected at least one sequence")
    if any(s.ndim != 2 for s in result):
        raise ValueError("every sequence must be a 2-D array (frames x features)")
    widths = {s.shape[1] for s in result}
    if len(widths) > 1:
        raise ValueError(f"sequences have different feature widths: {sorted(widths)}")
    return result


def check_param(estimator: object, name: str, *, choices: tuple | None = None, low: float | None = None,
                low_open: bool = False, integer: bool = False, boolean: bool = False) -> None:
    """Refuse a bad hyperparameter of ``estimator`` at ``fit`` time, as scikit-learn does.

    Raises
    ------
    ValueError
        Naming the estimator, the parameter, what it must be and what it is.
    """
    value = getattr(estimator, name)
    where = f"{type(estimator).__name__}: {name}"
    if choices is not None:
        if value not in choices:
            raise ValueError(f"{where} must be one of {', '.join(map(repr, choices))}, got {value!r}")
        return
    if boolean:
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{where} must be True or False, got {value!r}")
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer) if integer else (int, float, np.number)):
        raise ValueError(f"{where} must be a {'whole number' if integer else 'number'}, got {value!r}")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{where} must be {'greater than' if low_open else 'at least'} {low}, got {value!r}")
