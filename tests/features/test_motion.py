"""Camera motion on clips made by warping a textured scene along a known camera path."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from clipgen import write_avi
from helpers import run_cli
from soccer_lstm.config import ExtractConfig
from soccer_lstm.errors import UserError
from soccer_lstm.features.motion import (
    MotionTrack, estimate_motion, mirror_columns, motion_dim, motion_features,
)
from soccer_lstm.features.camera import camera_trajectory, to_original_pixels
from soccer_lstm.features.sift import ClipFeatures, extract_clip

FRAME_W, FRAME_H = 320, 240


def textured_scene(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A grey scene full of corners and blobs: smooth noise, discs, lines and text-like strokes."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(60, 190, (height // 16 + 2, width // 16 + 2)).astype(np.float32)
    scene = np.clip(cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC), 0, 255).astype(np.uint8)
    for _ in range(width * height // 1500):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        cv2.circle(scene, centre, int(rng.integers(2, 9)), int(rng.integers(0, 256)), -1)
    for _ in range(width * height // 6000):
        p1 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        p2 = (p1[0] + int(rng.integers(-60, 60)), p1[1] + int(rng.integers(-60, 60)))
        cv2.line(scene, p1, p2, int(rng.integers(0, 256)), int(rng.integers(1, 3)))
    letters = "ABCDEFGHKMNPRSTWXZ0123456789"
    for _ in range(width * height // 8000):
        text = "".join(rng.choice(list(letters), size=int(rng.integers(2, 6))))
        origin = (int(rng.integers(0, width - 40)), int(rng.integers(15, height)))
        cv2.putText(scene, text, origin, cv2.FONT_HERSHEY_SIMPLEX, float(rng.uniform(0.4, 0.9)),
                    int(rng.integers(0, 256)), 1, cv2.LINE_AA)
    return cv2.GaussianBlur(scene, (3, 3), 0.7)


def camera_matrix(pan: tuple[float, float], zoom: float, canvas_centre: np.ndarray) -> np.ndarray:
    """3 x 3 map from frame pixels to scene pixels for a camera looking at ``canvas_centre + pan``."""
    frame_centre = np.array([FRAME_W / 2, FRAME_H / 2])
    view = canvas_centre + np.asarray(pan, float)
    matrix = np.eye(3)
    matrix[:2, :2] /= zoom
    matrix[:2, 2] = view - frame_centre / zoom
    return matrix


def render_clip(pans: list[tuple[float, float]], zooms: list[float], movers: int = 4,
                logo: bool = True, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """Frames of a camera moving over a textured scene, and the true frame-to-frame motions (T x 6).

    Independently moving textured objects (the "players") and a static logo are pasted on top.
    """
    rng = np.random.default_rng(seed + 1)
    scene_w, scene_h = 2 * FRAME_W, 2 * FRAME_H
    scene = textured_scene(scene_w, scene_h, seed)
    canvas_centre = np.array([scene_w / 2, scene_h / 2])
    sprite = textured_scene(40, 40, seed + 7)
    logo_patch = np.full((28, 70), 235, np.uint8)
    cv2.putText(logo_patch, "TV1", (6, 22), cv2.FONT_HERSHEY_DUPLEX, 0.8, 20, 2, cv2.LINE_AA)
    cv2.rectangle(logo_patch, (1, 1), (68, 26), 20, 1)
    starts = rng.uniform([0, 0], [FRAME_W - 40, FRAME_H - 40], (movers, 2))
    velocities = rng.uniform(-6, 6, (movers, 2))
    frames, cameras = [], []
    for t, (pan, zoom) in enumerate(zip(pans, zooms)):
        camera = camera_matrix(pan, zoom, canvas_centre)
        frame = cv2.warpAffine(scene, camera[:2], (FRAME_W, FRAME_H),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        for start, velocity in zip(starts, velocities):
            x, y = np.clip(start + t * velocity, 0, [FRAME_W - 40, FRAME_H - 40]).astype(int)
            frame[y:y + 40, x:x + 40] = sprite
        if logo:
            frame[8:36, 12:82] = logo_patch
        frames.append(frame)
        cameras.append(camera)
    truth = np.tile([1.0, 0, 0, 0, 1.0, 0], (len(frames), 1))
    for t in range(1, len(frames)):
        step = np.linalg.inv(cameras[t]) @ cameras[t - 1]   # frame t-1 pixel -> frame t pixel
        truth[t] = step[:2].reshape(-1)
    return frames, truth


def write_frames(frames: list[np.ndarray], folder: Path) -> Path:
    folder.mkdir(parents=True)
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"{i:04d}.png"), frame)
    return folder


def zoom_of(affine: np.ndarray) -> np.ndarray:
    affine = np.asarray(affine).reshape(-1, 6)
    return np.sqrt(np.abs(affine[:, 0] * affine[:, 4] - affine[:, 1] * affine[:, 3]))


def camera_path(n: int) -> tuple[list[tuple[float, float]], list[float]]:
    """Pan right, tilt down and back, zoom in then out: 2-5 px and ~1.5 % per frame."""
    t = np.arange(n)
    pans = [(4.0 * i + 3.0 * np.sin(i / 3), 2.5 * np.sin(i / 4) * i / 2) for i in t]
    zooms = [1.0 + 0.015 * i if i < n // 2 else 1.0 + 0.015 * (n - i) for i in t]
    return pans, zooms


@pytest.fixture(scope="module")
def moving_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    pans, zooms = camera_path(14)
    frames, truth = render_clip(pans, zooms)
    return write_frames(frames, tmp_path_factory.mktemp("clips") / "pan_zoom"), truth


def assert_matches_truth(estimate: np.ndarray, truth: np.ndarray, valid: np.ndarray) -> None:
    assert valid[1:].all(), "every frame pair of a textured clip should give a motion"
    translation_error = np.abs(estimate[1:, [2, 5]] - truth[1:, [2, 5]])
    assert translation_error.max() < 0.5, translation_error
    zoom_error = np.abs(zoom_of(estimate[1:]) / zoom_of(truth[1:]) - 1)
    assert zoom_error.max() < 0.01, zoom_error


@pytest.mark.parametrize("model", ["affine", "similarity"])
def test_pan_tilt_zoom_recovered_despite_players_and_logo(moving_clip, model):
    folder, truth = moving_clip
    clip = extract_clip(folder, ExtractConfig())
    track = estimate_motion(clip, model)
    assert track.affine.shape == (14, 6)
    np.testing.assert_array_equal(track.affine[0], [1, 0, 0, 0, 1, 0])
    assert not track.valid[0] and track.matches[0] == 0
    assert_matches_truth(to_original_pixels(track, clip.geometry), truth, track.valid)
    assert (track.static[1:] > 0).any(), "the pasted logo should be recognised as a static overlay"
    assert not track.camera_still[1:].any()
    assert np.all((track.inliers >= 0) & (track.inliers <= 1))


@pytest.mark.parametrize("model", ["affine", "similarity"])
def test_mirrored_clip_negates_exactly_the_mirror_columns(tmp_path, model):
    """The same clip flipped left-right gives the same motion with the mirror columns negated."""
    pans, zooms = camera_path(10)
    frames, _ = render_clip(pans, zooms, movers=0, logo=False)
    original = extract_clip(write_frames(frames, tmp_path / "a"), ExtractConfig())
    flipped = extract_clip(write_frames([cv2.flip(f, 1) for f in frames], tmp_path / "b"), ExtractConfig())
    plain, mirrored = motion_features(original, model), motion_features(flipped, model)
    columns = list(mirror_columns(motion_dim(model)))
    assert 2 in columns and (model == "similarity" or columns == [1, 2, 3])
    signs = np.ones(motion_dim(model))
    signs[columns] = -1
    # Horizontal shift per frame is 1-2 % of the width here, so a sign error would show as ~0.02.
    assert np.abs(plain[1:, 2]).mean() > 0.008
    np.testing.assert_allclose(mirrored[1:, :-3], plain[1:, :-3] * signs[:-3], atol=2e-3)
    assert np.abs(mirrored[1:, 2] - plain[1:, 2]).mean() > 0.01


def test_original_pixels_undo_the_resize(tmp_path):
    pans, zooms = camera_path(8)
    frames, truth = render_clip(pans, zooms, seed=3)
    big = [cv2.resize(f, (2 * FRAME_W, 2 * FRAME_H), interpolation=cv2.INTER_CUBIC) for f in frames]
    folder = write_frames(big, tmp_path / "big")
    clip = extract_clip(folder, ExtractConfig(resize=320))
    assert clip.geometry["scale"] == pytest.approx(0.5)
    original = to_original_pixels(estimate_motion(clip), clip.geometry)
    # Truth in the 2x frame (cv2.resize maps x to X = 2x + 0.5): same linear part, b -> 2b + 0.5 (1 - A 1).
    scaled = truth.copy()
    scaled[:, [2, 5]] *= 2
    scaled[:, 2] += 0.5 * (1 - truth[:, 0] - truth[:, 1])
    scaled[:, 5] += 0.5 * (1 - truth[:, 3] - truth[:, 4])
    error = np.abs(original[1:, [2, 5]] - scaled[1:, [2, 5]])
    assert error.max() < 1.0, error   # 0.5 px of the processed frame is 1 px of the original
    assert np.abs(zoom_of(original[1:]) / zoom_of(truth[1:]) - 1).max() < 0.01


def test_original_pixels_undo_crop_and_scale():
    geometry = {"orig_size": [1920, 1080], "crop": [240, 60, 1680, 1020], "scale": 0.25, "proc_size": [360, 240]}
    affine = np.array([[1.0, 0, 0, 0, 1, 0], [1.02, 0.01, -3.0, -0.01, 1.02, 2.0]])
    track = MotionTrack(affine, np.ones(2, np.float32), np.full(2, 50), np.ones(2, bool), np.zeros(2, np.int64),
                        np.zeros(2, bool), "affine", (360, 240))
    original = to_original_pixels(track, geometry)
    np.testing.assert_allclose(original[0], [1, 0, 0, 0, 1, 0])
    points = np.array([[240.0, 60.0], [1000.0, 500.0], [1680.0, 1020.0]])
    crop, scale = np.array(geometry["crop"][:2], float), geometry["scale"]
    processed = (points - crop) * scale
    moved = processed @ affine[1].reshape(2, 3)[:, :2].T + affine[1].reshape(2, 3)[:, 2]
    expected = moved / scale + crop
    got = points @ original[1].reshape(2, 3)[:, :2].T + original[1].reshape(2, 3)[:, 2]
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_mjpg_video_clip(tmp_path):
    pans, zooms = camera_path(10)
    frames, truth = render_clip(pans, zooms, seed=5)
    path = write_avi(tmp_path / "clip.avi", [cv2.cvtColor(f, cv2.COLOR_GRAY2BGR) for f in frames], fps=25.0)
    clip = extract_clip(path, ExtractConfig())
    track = estimate_motion(clip)
    assert_matches_truth(to_original_pixels(track, clip.geometry), truth, track.valid)


def test_static_camera_gives_identity(tmp_path):
    n = 10
    frames, _ = render_clip([(0.0, 0.0)] * n, [1.0] * n, movers=5, seed=11)
    clip = extract_clip(write_frames(frames, tmp_path / "still"), ExtractConfig())
    track = estimate_motion(clip)
    assert track.valid[1:].all()
    assert track.camera_still[1:].all()
    np.testing.assert_allclose(track.affine[1:], np.tile([1, 0, 0, 0, 1, 0], (n - 1, 1)), atol=0.05)
    assert np.abs(track.affine[1:, [2, 5]]).max() < 0.3


def score_banner(frame: np.ndarray) -> np.ndarray:
    """Paste a large static score banner: more overlay keypoints than many real broadcasts have."""
    frame = frame.copy()
    banner = np.full((40, 300), 30, np.uint8)
    for i, text in enumerate(["FCB 2 - 1 RMA  45:12", "LIVE  HD  SPORT TV"]):
        cv2.putText(banner, text, (5, 16 + 18 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 240, 1, cv2.LINE_AA)
    frame[195:235, 10:310] = banner
    return frame


def test_pan_stop_pan_with_banner(tmp_path):
    # The camera pans, holds still for six frames, and pans again: the hold is a still camera
    # (identity), the pans are recovered although the banner and logo never move.
    pans = [(3.0 * i, 1.0 * i) for i in range(6)] + [(15.0, 5.0)] * 6 + [(15.0 + 3 * i, 5.0) for i in range(1, 5)]
    frames, truth = render_clip(pans, [1.0] * len(pans), seed=21)
    clip = extract_clip(write_frames([score_banner(f) for f in frames], tmp_path / "hold"), ExtractConfig())
    track = estimate_motion(clip)
    assert_matches_truth(to_original_pixels(track, clip.geometry), truth, track.valid)
    np.testing.assert_array_equal(track.camera_still[1:], [0] * 5 + [1] * 6 + [0] * 4)


def test_slow_pan_is_not_mistaken_for_an_overlay(tmp_path):
    # 0.36 px per frame: every match is "still" frame to frame, but only the logo stays put.
    pans = [(0.3 * i, 0.2 * i) for i in range(10)]
    frames, truth = render_clip(pans, [1.0] * len(pans), seed=4)
    clip = extract_clip(write_frames(frames, tmp_path / "slow"), ExtractConfig())
    track = estimate_motion(clip)
    assert not track.camera_still.any()
    assert_matches_truth(to_original_pixels(track, clip.geometry), truth, track.valid)
    np.testing.assert_array_equal(track.affine, estimate_motion(clip).affine)   # repeatable


def synthetic_features(frames_positions: list[np.ndarray], descriptors: list[np.ndarray],
                       size: tuple[int, int] = (FRAME_W, FRAME_H)) -> ClipFeatures:
    counts = [len(p) for p in frames_positions]
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return ClipFeatures(np.concatenate(descriptors).astype(np.uint8).reshape(-1, 128),
                        np.concatenate(frames_positions).astype(np.float32).reshape(-1, 2), offsets,
                        {"orig_size": list(size), "crop": [0, 0, *size], "scale": 1.0,
                         "proc_size": list(size), "fps": 25.0})


def test_too_few_matches_gives_identity_and_flag():
    rng = np.random.default_rng(0)
    descriptors = [rng.integers(0, 255, (n, 128)) for n in (3, 0, 5, 1)]
    positions = [rng.uniform(0, 200, (len(d), 2)) for d in descriptors]
    clip = synthetic_features(positions, descriptors)
    for model in ("affine", "similarity"):
        track = estimate_motion(clip, model)
        assert not track.valid.any()
        np.testing.assert_array_equal(track.affine, np.tile([1, 0, 0, 0, 1, 0], (4, 1)))
        features = motion_features(clip, model)
        assert features.shape == (4, motion_dim(model)) and features.dtype == np.float32
        assert np.isfinite(features).all()
        assert not features[:, :-3].any() and not features[:, -1].any()


def test_one_frame_and_empty_clips_do_not_crash():
    one = synthetic_features([np.zeros((0, 2))], [np.zeros((0, 128))])
    assert motion_features(one).shape == (1, 9)
    assert motion_features(one, "similarity").shape == (1, 7)
    assert camera_trajectory(estimate_motion(one), one.geometry).shape == (1, 3)


def test_features_are_resolution_independent_and_documented_size(moving_clip):
    folder, truth = moving_clip
    clip = extract_clip(folder, ExtractConfig())
    features = motion_features(clip)
    assert features.shape == (clip.n_frames, motion_dim("affine")) == (14, 9)
    # Column 2 is the pan of the frame centre over the frame width: a pure zoom adds nothing.
    centre = np.array([FRAME_W / 2, FRAME_H / 2])
    true_dx = truth[:, 0] * centre[0] + truth[:, 1] * centre[1] + truth[:, 2] - centre[0]
    np.testing.assert_allclose(features[1:, 2], true_dx[1:] / FRAME_W, atol=0.5 / FRAME_W)
    assert features[1:, -1].all() and not features[0, -1]
    with pytest.raises(UserError):
        motion_dim("homography")


def test_camera_trajectory_follows_the_path(moving_clip):
    folder, _ = moving_clip
    clip = extract_clip(folder, ExtractConfig())
    trajectory = camera_trajectory(estimate_motion(clip), clip.geometry)
    pans, zooms = camera_path(14)
    np.testing.assert_allclose(trajectory[:, 0], [p[0] for p in pans], atol=2.0)
    np.testing.assert_allclose(trajectory[:, 1], [p[1] for p in pans], atol=2.0)
    np.testing.assert_allclose(trajectory[:, 2], zooms, rtol=0.02)


def test_cli_json_one_line_per_frame_and_plot(moving_clip, tmp_path):
    folder, truth = moving_clip
    plot = tmp_path / "camera.png"
    result = run_cli("motion", folder, "--json", "--plot", plot, quiet=False)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [row["frame"] for row in lines] == list(range(14))
    for row in lines:
        assert set(row) >= {"frame", "affine", "inliers", "matches"} and len(row["affine"]) == 6
    assert abs(lines[5]["affine"][2] - truth[5, 2]) < 0.5
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    table = run_cli("motion", folder, "--motion-model", "similarity", quiet=False)
    assert table.exit_code == 0 and len(table.output.splitlines()) == 15


def test_cli_help_and_bad_clip(tmp_path):
    result = run_cli("motion", "--help", quiet=False)
    assert result.exit_code == 0 and "--json" in result.output
    bad = tmp_path / "broken.avi"
    bad.write_bytes(b"not a video")
    result = run_cli("motion", bad, "--json", quiet=False)
    assert result.exit_code == 2
    assert "broken.avi" in result.output
