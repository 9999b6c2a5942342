"""Clip-level decisions from per-timestep probabilities."""
from __future__ import annotations

import numpy as np
import pytest

from soccer_lstm.models.aggregate import aggregate


def test_aggregations() -> None:
    p = np.array([[0.6, 0.4], [0.6, 0.4], [0.0, 1.0]])
    assert aggregate(p, "mean").argmax() == 1
    assert aggregate(p, "vote").argmax() == 0  # two votes beat one, whatever the mean says
    assert np.allclose(aggregate(p, "last"), [0, 1])
    with pytest.raises(ValueError):
        aggregate(p, "median")
    with pytest.raises(ValueError):
        aggregate(np.zeros((0, 2)), "mean")


def test_a_tied_vote_goes_to_the_class_with_the_higher_mean_probability() -> None:
    # One vote each; class 1 has the higher mean (0.65 vs 0.35), so it wins although it comes second.
    p = np.array([[0.6, 0.4], [0.1, 0.9]])
    scores = aggregate(p, "vote")
    assert scores.argmax() == 1
    np.testing.assert_allclose(scores, [0.5, 0.5], atol=1e-6)  # the tie-break never shows in the shares
    # And the other way round, so that a tie-break towards the first or the last class fails too.
    assert aggregate(p[:, ::-1], "vote").argmax() == 0
