from __future__ import annotations

import numpy as np

from soccer_lstm.features.scaling import SequenceScaler
from soccer_lstm.features.kinds import FrameVectors


def make_scaler(layout, scale):
    return _Scaler(layout, scale)


class _Scaler:
    """A scaler fit on clips that carry ``layout`` (what the kinds step emits)."""

    def __init__(self, layout, scale):
        self.layout, self.scale = layout, scale

    def fit(self, sequences):
        return SequenceScaler(scale=self.scale).fit(FrameVectors(sequences, self.layout))


def test_scaler_standardises_its_columns_and_keeps_mirror_columns_uncentred() -> None:
    rng = np.random.default_rng(0)
    # 4 BoW columns, then 9 affine motion columns whose mean is far from zero.
    sequences = [(rng.normal(0, 1, (int(rng.integers(5, 9)), 13)) + 3.0).astype(np.float32) for _ in range(12)]
    scaler = make_scaler({"bow": [0, 4], "motion": [4, 13]}, "all").fit(sequences)
    assert scaler.uncentered_ == (5, 6, 7)
    out = np.concatenate(scaler.transform(sequences))
    centred = [c for c in range(13) if c not in (5, 6, 7)]
    np.testing.assert_allclose(out[:, centred].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out[:, centred].std(axis=0), 1, atol=1e-4)
    # Uncentred columns: unit root mean square, and a sign change stays a sign change.
    np.testing.assert_allclose(np.sqrt((out[:, [5, 6, 7]] ** 2).mean(axis=0)), 1, atol=1e-4)
    flipped = sequences[0].copy()
    flipped[:, [5, 6, 7]] *= -1
    np.testing.assert_allclose(scaler.transform([flipped])[0][:, [5, 6, 7]], -scaler.transform(sequences[:1])[0][:, [5, 6, 7]],
                               rtol=1e-6)
    again = SequenceScaler.from_dict(scaler.to_dict())
    np.testing.assert_allclose(again.transform(sequences[:2])[1], scaler.transform(sequences[:2])[1])
    assert make_scaler({"bow": [0, 4]}, "all").fit(sequences).uncentered_ == ()
    assert make_scaler({"bow": [0, 4], "motion": [4, 13]}, "none").fit(sequences).transform(sequences[:1])[0] is sequences[0]
