"""The spatial pyramid of visual words (``spm``): cells, edges, empty frames, width, mirror, option."""
from __future__ import annotations

import numpy as np
import pytest

from soccer_lstm.config import EncodeConfig, validate
from soccer_lstm.errors import UserError
from soccer_lstm.features.bow import bow_histograms
from soccer_lstm.features.codebook import Codebook
from soccer_lstm.features.kinds import (KINDS, FrameVectors, KindSettings, compute_kinds, encode_settings,
                                        feature_layout, layout_mirror)
from soccer_lstm.features.sift import ClipFeatures
from soccer_lstm.features.spm import (parse_levels, pyramid_cells, pyramid_histograms, pyramid_mirror,
                                      pyramid_width)

SIZE = (100.0, 60.0)


def one_frame(words: list[int], positions: list[tuple[float, float]], k: int = 3, levels=(1, 2)) -> np.ndarray:
    offsets = np.array([0, len(words)])
    return pyramid_histograms(np.array(words), np.array(positions, np.float32).reshape(-1, 2), offsets, SIZE, k,
                              levels)[0]


def cell_block(vector: np.ndarray, cell: int, k: int = 3) -> np.ndarray:
    return vector[cell * k:(cell + 1) * k]


def test_words_land_in_the_cell_that_holds_them() -> None:
    # Cells of (1, 2): 0 the whole frame; 1 top-left, 2 top-right, 3 bottom-left, 4 bottom-right.
    vector = one_frame([0, 1, 2, 1], [(10, 10), (90, 10), (10, 50), (90, 50)])
    np.testing.assert_allclose(cell_block(vector, 0), [0.25, 0.5, 0.25])
    np.testing.assert_allclose(cell_block(vector, 1), [0.25, 0, 0])
    np.testing.assert_allclose(cell_block(vector, 2), [0, 0.25, 0])
    np.testing.assert_allclose(cell_block(vector, 3), [0, 0, 0.25])
    np.testing.assert_allclose(cell_block(vector, 4), [0, 0.25, 0])


def test_keypoints_on_cell_edges_and_frame_edges_find_one_cell() -> None:
    corners = [(0, 0), (100, 60), (100, 0), (0, 60), (50, 30), (49.999, 29.999), (-0.5, 60.5)]
    vector = one_frame([0] * len(corners), corners, k=1)
    # On an inner edge a keypoint goes right and down; on (or just past) the frame's edge, to the edge's cell:
    # top-left (0, 0), (49.999, 29.999); top-right (100, 0); bottom-left (0, 60), (-0.5, 60.5); bottom-right
    # (100, 60), (50, 30).
    np.testing.assert_allclose(vector * len(corners), [7, 2, 1, 2, 2])
    levels = (1, 2, 4)
    edge = one_frame([0, 0], [(100, 60), (0, 0)], k=1, levels=levels)
    assert edge.shape == (pyramid_cells(levels),)
    assert edge[1 + 4 + 15] == 0.5 and edge[1 + 4] == 0.5             # last and first cell of the 4x4 level


def test_a_frame_without_keypoints_keeps_its_place_as_zeros() -> None:
    offsets = np.array([0, 2, 2, 3])                                   # the middle frame has none
    block = pyramid_histograms(np.array([0, 1, 1]), np.array([[5, 5], [95, 55], [40, 40]], np.float32), offsets,
                               SIZE, 2, (1, 2))
    assert block.shape == (3, 2 * 5) and block.dtype == np.float32
    assert not block[1].any()
    for level_start, level_stop in ((0, 2), (2, 10)):                  # each level of a frame sums to 1
        np.testing.assert_allclose(block[[0, 2], level_start:level_stop].sum(axis=1), 1.0)


def test_the_first_level_is_the_bag_of_words() -> None:
    rng = np.random.default_rng(0)
    codebook = Codebook(k=4, seed=0).fit(rng.random((100, 128)).astype(np.float32) * 255)
    descriptors = rng.integers(0, 255, (30, 128)).astype(np.uint8)
    offsets = np.array([0, 10, 10, 30])
    features = ClipFeatures(descriptors, rng.uniform(0, 100, (30, 2)).astype(np.float32), offsets,
                            {"proc_size": [100, 60]})
    block = compute_kinds(features, "spm", KindSettings(4, spm_levels=(1, 2)), codebook)
    np.testing.assert_allclose(block[:, :4], bow_histograms(descriptors, offsets, codebook))
    assert block.shape == (3, pyramid_width(4, (1, 2))) == (3, 20)


def test_width_follows_k_and_the_levels() -> None:
    assert feature_layout("bow+spm", KindSettings(k=10)) == {"bow": [0, 10], "spm": [10, 60]}
    assert feature_layout("spm", KindSettings(k=10, spm_levels=(1, 2, 4))) == {"spm": [0, 210]}
    assert KINDS["spm"].fold_dependent and KINDS["spm"].needs_sift and not KINDS["spm"].extracted
    assert encode_settings(EncodeConfig(spm_levels="4,1")).spm_levels == (1, 4)


def test_mirror_swaps_cell_columns_and_keeps_words() -> None:
    k, levels = 3, (1, 2, 4)
    rng = np.random.default_rng(1)
    n = 50
    words = rng.integers(0, k, n)
    positions = np.column_stack([rng.uniform(0, 100, n), rng.uniform(0, 60, n)]).astype(np.float32)
    # Off the cell edges, so that x -> width - x moves each keypoint into the mirrored cell.
    positions[:, 0] = np.where(np.abs((positions[:, 0] % 25) - 12.5) > 12.4, 12.5, positions[:, 0])
    offsets = np.array([0, n])
    original = pyramid_histograms(words, positions, offsets, SIZE, k, levels)
    flipped = positions.copy()
    flipped[:, 0] = SIZE[0] - flipped[:, 0]
    mirrored = pyramid_histograms(words, flipped, offsets, SIZE, k, levels)
    source = pyramid_mirror(k, levels)
    np.testing.assert_allclose(original[:, source], mirrored)
    np.testing.assert_array_equal(source[source], np.arange(len(source)))   # an involution
    assert not np.array_equal(original, mirrored)
    np.testing.assert_array_equal(source[:k], np.arange(k))                  # the whole frame stays


def test_layout_mirror_reads_the_levels_from_the_settings() -> None:
    settings = KindSettings(k=3, spm_levels=(1, 2, 4))
    layout = feature_layout("bow+spm+hog", KindSettings(k=3, grid=2, spm_levels=(1, 2, 4)))
    source, sign = layout_mirror(layout, settings)
    start, stop = layout["spm"]
    np.testing.assert_array_equal(source[start:stop], start + pyramid_mirror(3, (1, 2, 4)))
    assert (sign[start:stop] == 1).all()
    with pytest.raises(ValueError, match="spm block"):
        layout_mirror({"spm": [0, 3 * 21]}, KindSettings(k=3, spm_levels=(1, 2)))   # 63 is not 5 cells of words


def test_lstm_trains_on_the_exact_mirror_of_a_pyramid(monkeypatch: pytest.MonkeyPatch) -> None:
    from soccer_lstm.models.lstm import LSTMClassifier

    settings = KindSettings(k=2, spm_levels=(1, 4))
    layout = feature_layout("spm", settings)
    width = layout["spm"][1]
    rng = np.random.default_rng(3)
    clips = [rng.random((4, width)).astype(np.float32) for _ in range(6)]
    seen = {}

    def fake_train(model, optimizer, x, y, weights, validation, **kwargs):
        seen["x"] = x[0]
        raise StopIteration

    import soccer_lstm.models.training as training
    monkeypatch.setattr(training, "train_model", fake_train)
    model = LSTMClassifier(units=2, epochs=1, validation_split=0.0, fusion="early")
    with pytest.raises(StopIteration):
        model.fit(FrameVectors(clips, layout, settings), ["a", "b"] * 3)
    x = seen["x"]
    source = pyramid_mirror(2, (1, 4))
    np.testing.assert_array_equal(x[6:], x[:6][:, :, source])
    assert not np.array_equal(x[6:], x[:6])


@pytest.mark.parametrize("bad", ["1,1", "0", "9", "a", "", "1,,2", "1.5"])
def test_bad_levels_are_refused_naming_the_option(bad: str) -> None:
    with pytest.raises(UserError, match="--spm-levels"):
        validate(EncodeConfig(spm_levels=bad))


def test_levels_are_read_in_increasing_order() -> None:
    assert parse_levels("2, 1") == (1, 2) and parse_levels([4, 1, 2]) == (1, 2, 4)


def test_features_without_a_frame_size_are_refused_in_one_line() -> None:
    rng = np.random.default_rng(0)
    codebook = Codebook(k=2, seed=0).fit(rng.random((20, 128)).astype(np.float32))
    features = ClipFeatures(np.zeros((2, 128), np.uint8), np.zeros((2, 2), np.float32), np.array([0, 2]), {})
    with pytest.raises(UserError, match="re-run extract"):
        compute_kinds(features, "spm", KindSettings(2), codebook)
