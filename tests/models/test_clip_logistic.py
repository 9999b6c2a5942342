"""The clip-level linear baseline on the LSTM's own per-frame vectors."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from soccer_lstm.models.baselines import ClipStatsLogistic, make_baseline


def test_clip_statistics_are_mean_then_std_per_column() -> None:
    clip = np.array([[0.0, 2.0], [2.0, 2.0]], np.float32)
    np.testing.assert_allclose(ClipStatsLogistic.clip_statistics([clip]), [[1.0, 2.0, 1.0, 0.0]])


def test_separates_classes_that_differ_only_in_how_much_a_column_varies() -> None:
    # Same mean, different spread: a mean-only classifier could not tell them apart.
    rng = np.random.default_rng(0)
    calm = [rng.normal(0, 0.1, (10, 3)).astype(np.float32) for _ in range(12)]
    busy = [rng.normal(0, 1.0, (10, 3)).astype(np.float32) for _ in range(12)]
    model = make_baseline("clip_logistic", C=1.0).fit(calm[:8] + busy[:8], ["calm"] * 8 + ["busy"] * 8)
    assert list(model.predict(calm[8:] + busy[8:])) == ["calm"] * 4 + ["busy"] * 4
    proba = model.predict_proba(calm[8:])
    assert proba.shape == (4, 2) and np.allclose(proba.sum(axis=1), 1.0)


def test_refuses_unfitted_use_and_another_width() -> None:
    with pytest.raises(NotFittedError):
        ClipStatsLogistic().predict([np.zeros((2, 3), np.float32)])
    model = ClipStatsLogistic().fit([np.eye(3, dtype=np.float32), np.ones((3, 3), np.float32)], ["a", "b"])
    with pytest.raises(ValueError, match="features per frame"):
        model.predict([np.zeros((2, 4), np.float32)])
