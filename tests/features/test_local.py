"""HOF, MBH and HOG: camera compensation, where local motion shows, the exact mirror, odd clips."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from clipgen import texture, write_avi, write_frame_folder

from soccer_lstm.config import ExtractConfig
from soccer_lstm.features.local import (ORIENTATIONS, LocalMotion, camera_flow, frame_histograms, local_dim,
                                        mirror_permutation)
from soccer_lstm.features.sift import extract_clip

SIZE = (160, 120)   # processed frame (width, height): the histograms pool it 2x to 80 x 60
GRID = 3


def _gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def camera_clip(n_frames: int = 6, pan: float = 3.0, zoom: float = 1.0, seed: int = 0,
                mover: tuple[float, float] | None = None) -> list[np.ndarray]:
    """Grayscale frames of a textured world seen by a panning (and zooming) camera.

    ``mover`` = (dx, dy) px per frame adds a bright square in the middle third of the frame that
    moves on its own, against the pan.
    """
    # Blurred noise under the shapes: texture everywhere, so the flow is defined everywhere.
    noise = np.random.default_rng(seed).random((400, 600)).astype(np.float32) * 255
    world = cv2.addWeighted(_gray(texture(seed, size=(600, 400))), 0.5,
                            cv2.GaussianBlur(noise, (0, 0), 2).astype(np.uint8), 0.5, 0)
    width, height = SIZE
    frames = []
    for t in range(n_frames):
        scale = zoom ** t
        cx, cy = 300 + pan * t, 200
        # world -> frame: x' = scale * (x - cx) + width / 2
        matrix = np.float32([[scale, 0, width / 2 - scale * cx], [0, scale, height / 2 - scale * cy]])
        frame = cv2.warpAffine(world, matrix, SIZE, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        if mover is not None:
            x, y = int(70 + mover[0] * t), int(50 + mover[1] * t)
            cv2.rectangle(frame, (x, y), (x + 18, y + 18), 255, -1)
            cv2.rectangle(frame, (x + 5, y + 5), (x + 12, y + 12), 0, -1)
        frames.append(frame)
    return frames


def run(frames: list[np.ndarray]) -> dict[str, np.ndarray]:
    local = LocalMotion(GRID, "medium")
    for frame in frames:
        local.add(frame)
    return {kind: values.astype(np.float64) for kind, values in local.arrays().items()}


def orientation_share(hof: np.ndarray) -> np.ndarray:
    """Per frame and cell, the share of the (squared, i.e. un-rooted) HOF mass in orientation bins."""
    mass = hof.reshape(len(hof), GRID * GRID, ORIENTATIONS + 1) ** 2
    return mass[:, :, :ORIENTATIONS].sum(axis=2)


@pytest.mark.parametrize("pan, zoom", [(3.0, 1.0), (-2.0, 1.0), (0.0, 1.03)])
def test_pure_camera_motion_leaves_almost_no_local_motion(pan: float, zoom: float) -> None:
    frames = camera_clip(pan=pan, zoom=zoom)
    raw = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(frames[1], frames[2], None)
    assert np.median(np.hypot(raw[..., 0], raw[..., 1])) > 1.0        # the camera does move
    residual = raw - camera_flow(raw)
    assert np.median(np.hypot(residual[..., 0], residual[..., 1])) < 0.15
    hof = run(frames)["hof"]
    # Nearly all of the frame counts as still once the camera is removed.
    assert orientation_share(hof[1:]).sum(axis=1).max() < 0.05 * GRID * GRID


def test_a_player_moving_against_the_pan_shows_in_its_cells_with_its_own_direction() -> None:
    # The camera pans right (the world moves left in the frame) while the square runs right by 4 px
    # per frame through the centre cell, starting in the left column's middle cell.
    hof = run(camera_clip(n_frames=8, pan=3.0, mover=(4.0, 0.0)))["hof"]
    share = orientation_share(hof[1:])                  # (frames, cells)
    centre_row = [3, 4, 5]
    moving = share[:, centre_row].max(axis=0)
    assert moving.max() > 0.02
    assert share[:, [0, 1, 2, 6, 7, 8]].max() < moving.max() / 3   # top and bottom rows stay still
    mass = hof[1:].reshape(-1, GRID * GRID, ORIENTATIONS + 1) ** 2
    orientations = mass[:, centre_row, :ORIENTATIONS].sum(axis=(0, 1))
    # Bin 0 is motion to the right (0 degrees): the square's own motion, not the camera's.
    assert int(np.argmax(orientations)) in (0,)
    assert orientations[0] > 3 * orientations[ORIENTATIONS // 2]


@pytest.mark.parametrize("size", [(80, 60), (81, 61), (40, 30)])
def test_mirrored_frame_and_flow_give_exactly_the_permuted_histograms(size: tuple[int, int]) -> None:
    rng = np.random.default_rng(1)
    width, height = size
    gray = cv2.GaussianBlur((rng.random((height, width)) * 255).astype(np.float32), (5, 5), 0)
    flow = cv2.GaussianBlur(rng.normal(size=(height, width, 2)).astype(np.float32) * 2, (7, 7), 0)
    original = frame_histograms(gray, flow, GRID)
    mirrored = frame_histograms(np.ascontiguousarray(gray[:, ::-1]),
                                np.ascontiguousarray(flow[:, ::-1] * np.float32([-1, 1])), GRID)
    for kind in ("hof", "mbh", "hog"):
        assert not np.allclose(original[kind], mirrored[kind], atol=1e-3)   # the mirror does change them
        np.testing.assert_allclose(original[kind][mirror_permutation(kind, GRID)], mirrored[kind], atol=1e-6)


def test_a_mirrored_clip_gives_nearly_the_permuted_histograms() -> None:
    # DIS flow itself is not exactly mirror-symmetric, so whole clips agree closely, not exactly.
    frames = camera_clip(n_frames=5, pan=2.0, mover=(3.0, 1.0))
    original = run(frames)
    mirrored = run([np.ascontiguousarray(f[:, ::-1]) for f in frames])
    for kind in ("hof", "mbh", "hog"):
        a, b = original[kind][1:, mirror_permutation(kind, GRID)], mirrored[kind][1:]
        cosine = (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        assert cosine.min() > 0.95, kind


def test_mirror_permutation_is_an_involution_that_swaps_grid_columns() -> None:
    for kind in ("hof", "mbh", "hog"):
        permutation = mirror_permutation(kind, GRID)
        assert sorted(permutation) == list(range(local_dim(kind, GRID)))
        np.testing.assert_array_equal(permutation[permutation], np.arange(len(permutation)))
    hog = mirror_permutation("hog", GRID)
    assert hog[0] == 2 * ORIENTATIONS            # cell (0, 0), bin 0 comes from cell (0, 2), bin 0


def test_first_frame_has_zero_motion_and_a_layout() -> None:
    histograms = run(camera_clip(n_frames=3))
    assert not histograms["hof"][0].any() and not histograms["mbh"][0].any()
    assert histograms["hog"][0].any()
    assert histograms["hof"].shape == (3, local_dim("hof", GRID))
    assert histograms["mbh"].shape == (3, local_dim("mbh", GRID))
    assert histograms["hog"].shape == (3, local_dim("hog", GRID))


def test_one_frame_clip_goes_through(tmp_path: Path) -> None:
    frame = cv2.cvtColor(camera_clip(n_frames=1)[0], cv2.COLOR_GRAY2BGR)
    features = extract_clip(write_avi(tmp_path / "one.avi", [frame]), ExtractConfig(resize=160))
    assert features.n_frames == 1
    assert features.local["hof"].shape == (1, local_dim("hof", GRID)) and not features.local["hof"].any()


def test_all_black_clip_has_no_motion_and_no_layout(tmp_path: Path) -> None:
    black = [np.zeros((120, 160, 3), np.uint8)] * 4
    features = extract_clip(write_avi(tmp_path / "black.avi", black), ExtractConfig(resize=160, crop_bars=False))
    assert not features.local["mbh"].any() and not features.local["hog"].any()
    hof = features.local["hof"].astype(np.float64)
    assert not orientation_share(hof).any()       # nothing moves: no orientation bin is set


def test_frame_folder_at_one_frame_per_second_goes_through(tmp_path: Path) -> None:
    # Consecutive frames far apart in time: large, unrelated motion must not break anything.
    frames = [cv2.cvtColor(f, cv2.COLOR_GRAY2BGR) for f in camera_clip(n_frames=4, pan=40.0, mover=(25, 10))]
    features = extract_clip(write_frame_folder(tmp_path / "slow", frames), ExtractConfig(resize=160))
    for kind in ("hof", "mbh", "hog"):
        values = features.local[kind].astype(np.float64)
        assert values.shape[0] == 4 and np.isfinite(values).all()
    assert features.local["hof"][1:].any()


def test_grid_and_preset_options_change_the_stored_histograms(tmp_path: Path) -> None:
    frames = [cv2.cvtColor(f, cv2.COLOR_GRAY2BGR) for f in camera_clip(n_frames=3, mover=(3, 0))]
    clip = write_avi(tmp_path / "clip.avi", frames)
    features = extract_clip(clip, ExtractConfig(resize=160, grid=2, flow_preset="ultrafast"))
    assert features.local["hog"].shape == (3, local_dim("hog", 2))
    assert features.local["hof"].dtype == np.float16


def test_motion_command_draws_where_the_local_motion_is(tmp_path: Path) -> None:
    from helpers import run_cli

    frames = [cv2.cvtColor(f, cv2.COLOR_GRAY2BGR) for f in camera_clip(n_frames=5, mover=(4, 0))]
    clip = write_avi(tmp_path / "clip.avi", frames)
    result = run_cli("motion", str(clip), "--local", str(tmp_path / "local.png"), "--resize", "160")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "local.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
