"""The synthetic soccer renderer: shapes, determinism, files that decode, a preview, distinct classes."""
from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from soccer_lstm.errors import UserError
from soccer_lstm.synth import CLASSES, render_clip, render_dataset, write_preview
from soccer_lstm.synth.render import clip_seed

SMALL = (128, 96)


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _decode(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), path
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def test_classes_are_the_four_paper_actions_sorted() -> None:
    assert CLASSES == ("goal-kick", "placed-kick", "shot-on-goal", "throw-in")


@pytest.mark.parametrize("action", CLASSES)
def test_render_clip_shape_and_determinism(action: str) -> None:
    clip = render_clip(action, seed=3, size=SMALL, n_frames=12)
    assert clip.shape == (12, SMALL[1], SMALL[0], 3)
    assert clip.dtype == np.uint8
    assert np.array_equal(clip, render_clip(action, seed=3, size=SMALL, n_frames=12))
    assert not np.array_equal(clip, render_clip(action, seed=4, size=SMALL, n_frames=12))
    # Not a blank or frozen clip: the picture has contrast and changes over time.
    assert clip.std() > 20
    assert np.abs(clip[-1].astype(int) - clip[0].astype(int)).mean() > 1


def test_bad_arguments_are_user_errors() -> None:
    with pytest.raises(UserError, match="unknown action"):
        render_clip("corner-kick", 0, size=SMALL, n_frames=10)
    with pytest.raises(UserError, match="at least 8 frames"):
        render_clip("throw-in", 0, size=SMALL, n_frames=3)
    with pytest.raises(UserError, match="out of range"):
        render_clip("throw-in", 0, size=(10, 10), n_frames=10)
    with pytest.raises(UserError, match="clip length range"):
        render_dataset("unused", clips_per_class=1, frames=(20, 10), progress=False)
    with pytest.raises(UserError, match="whole number"):
        render_dataset("unused", clips_per_class=1, fps=29.97, progress=False)


@pytest.fixture(scope="module")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "a"
    render_dataset(out, clips_per_class=2, seed=1, size=SMALL, frames=(10, 14), progress=False)
    return out


def test_dataset_layout_and_no_temporary_files(small_set: Path) -> None:
    assert sorted(p.name for p in small_set.iterdir()) == list(CLASSES)
    for action in CLASSES:
        names = sorted(p.name for p in (small_set / action).iterdir())
        assert names == [f"{action}_000.avi", f"{action}_001.avi"]


def test_same_seed_gives_identical_files_other_seed_differs(small_set: Path, tmp_path: Path) -> None:
    again = tmp_path / "b"
    render_dataset(again, clips_per_class=2, seed=1, size=SMALL, frames=(10, 14), progress=False)
    assert _digest(again) == _digest(small_set)
    other = tmp_path / "c"
    render_dataset(other, clips_per_class=2, seed=2, size=SMALL, frames=(10, 14), progress=False)
    first, second = _digest(other), _digest(small_set)
    assert first.keys() == second.keys()
    assert all(first[name] != second[name] for name in first)


def test_every_clip_decodes_with_the_requested_size_and_length(small_set: Path, tmp_path: Path) -> None:
    for path in sorted(small_set.rglob("*.avi")):
        frames = _decode(path)
        assert 10 <= len(frames) <= 14, path
        assert all(f.shape == (SMALL[1], SMALL[0], 3) for f in frames)
    exact = render_dataset(tmp_path / "exact", clips_per_class=1, seed=5, size=(160, 120), frames=(11, 11),
                           fps=12, progress=False)
    for path in exact:
        frames = _decode(path)
        assert len(frames) == 11
        assert frames[0].shape == (120, 160, 3)
        capture = cv2.VideoCapture(str(path))
        assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(12.0, abs=0.01)
        capture.release()


def test_decoded_file_matches_the_rendered_clip(tmp_path: Path) -> None:
    path = render_dataset(tmp_path, clips_per_class=1, seed=7, size=SMALL, frames=(12, 12), progress=False)[0]
    action = path.parent.name
    rendered = render_clip(action, clip_seed(7, action, 0), size=SMALL, n_frames=12, compress=False)
    other = render_clip(action, clip_seed(8, action, 0), size=SMALL, n_frames=12, compress=False)
    decoded = np.stack(_decode(path)).astype(int)
    # The file holds the rendered frames up to its JPEG compression.
    error = np.abs(decoded - rendered).mean()
    assert error < 10.0
    assert error < 0.5 * np.abs(decoded - other).mean()


def test_preview_contact_sheet(tmp_path: Path) -> None:
    path = write_preview(tmp_path / "sheet.png", seed=0, size=SMALL, frames_per_clip=3)
    image = cv2.imread(str(path))
    assert image is not None
    assert image.shape[0] >= len(CLASSES) * SMALL[1]
    assert image.shape[1] >= 3 * SMALL[0]
    with pytest.raises(UserError, match=".png"):
        write_preview(tmp_path / "sheet.jpg", size=SMALL)


def test_logo_and_score_overlay_stay_still_while_the_camera_moves() -> None:
    clip = render_clip("shot-on-goal", seed=11, size=(320, 240), n_frames=20, compress=False)
    top = clip[:, :30]
    # The overlay rows hold pixels that never change (the paper discards such static overlays) ...
    still = (top == top[0]).all(axis=(0, 3))
    assert still.sum() > 300
    # ... while the pitch below moves with the camera.
    body = clip[:, 60:]
    assert (body != body[0]).any(axis=(0, 3)).mean() > 0.5


def test_frames_have_plenty_of_sift_keypoints() -> None:
    sift = cv2.SIFT_create()
    for action in CLASSES:
        clip = render_clip(action, seed=2, size=(320, 240), n_frames=10)
        for frame in clip[::4]:
            keypoints = sift.detect(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), None)
            assert len(keypoints) > 100, action


def _camera_speed(clip: np.ndarray) -> float:
    """Mean global shift per frame (pixels), measured from the pixels by phase correlation."""
    # Below the screen-fixed overlays, which would pull the estimate towards zero.
    gray = [np.float32(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY))[f.shape[0] // 3:] for f in clip]
    window = cv2.createHanningWindow(gray[0].shape[::-1], cv2.CV_32F)
    shifts = [np.hypot(*cv2.phaseCorrelate(a, b, window)[0]) for a, b in zip(gray, gray[1:])]
    return float(np.mean(shifts))


def _upper_green_share(clip: np.ndarray) -> float:
    """Share of grass-green pixels in the top third of the frames."""
    top = cv2.cvtColor(np.ascontiguousarray(clip[:, : clip.shape[1] // 3]).reshape(-1, 1, 3), cv2.COLOR_BGR2HSV)
    hue, sat = top[..., 0].astype(int), top[..., 1].astype(int)
    return float(((hue > 35) & (hue < 85) & (sat > 60)).mean())


def test_the_four_classes_differ_in_camera_motion_and_content() -> None:
    seeds = range(6)
    size = (160, 120)
    clips = {a: [render_clip(a, 100 + s, size=size, n_frames=50) for s in seeds] for a in CLASSES}
    speed = {a: np.mean([_camera_speed(c) for c in clips[a]]) for a in CLASSES}
    # Throw-in: a near-static camera; shot-on-goal and goal-kick: the camera travels with the ball.
    assert speed["throw-in"] < 0.6 * speed["shot-on-goal"]
    assert speed["throw-in"] < 0.6 * speed["goal-kick"]
    # Throw-in frames show boards and crowd at the top; a goal-kick opens on the goal area.
    green = {a: np.mean([_upper_green_share(c) for c in clips[a]]) for a in CLASSES}
    assert green["throw-in"] < green["goal-kick"]
    # And no two classes give the same pixels statistics.
    means = {a: np.mean([c.mean(axis=(0, 1, 2)) for c in clips[a]], axis=0) for a in CLASSES}
    for i, a in enumerate(CLASSES):
        for b in CLASSES[i + 1:]:
            assert not np.allclose(means[a], means[b], atol=0.5), (a, b)
