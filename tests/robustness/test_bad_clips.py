"""extract on folders of broken clips: each bad clip is skipped with one line naming it, the others
are extracted, the summary comes at the end, and ``--strict`` stops instead (exit code 2)."""
from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from clipgen import texture
from helpers import run_cli
from robust_helpers import (FAST, IS_ROOT, error_line, frames, make_clip, no_crash, png_bomb, read_index,
                            report_lines, snapshot)


def add_broken_clips(root: Path) -> dict[str, Path]:
    """Every kind of bad input of issue 7 that extract should skip or survive, by case name."""
    kick, throw = root / "kick", root / "throw"
    cases: dict[str, Path] = {}
    cases["zero_bytes"] = kick / "zero.avi"
    cases["zero_bytes"].write_bytes(b"")
    cases["random_bytes"] = kick / "noise.mp4"
    cases["random_bytes"].write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    cases["text_file"] = kick / "readme.avi"
    cases["text_file"].write_text("This is a note about the match, not a video.\n", encoding="utf-8")
    full = make_clip(root / "full.avi", seed=7, n=20)
    cases["truncated"] = kick / "truncated.avi"
    data = full.read_bytes()
    cases["truncated"].write_bytes(data[:len(data) // 2])
    full.unlink()
    cases["single_frame"] = make_clip(kick / "single.avi", seed=8, n=1)
    cases["all_black"] = throw / "black.avi"
    from clipgen import write_avi
    write_avi(cases["all_black"], [np.zeros((48, 64, 3), np.uint8)] * 4)
    cases["one_pixel"] = write_avi(throw / "dot.avi", [np.full((1, 1, 3), 128, np.uint8)] * 3)
    huge = throw / "huge"
    huge.mkdir()
    big = cv2.resize(texture(3), (2400, 1800), interpolation=cv2.INTER_NEAREST)
    for i in range(2):
        cv2.imwrite(str(huge / f"{i:04d}.png"), big)
    cases["huge_frame"] = huge
    cases["bomb_frame"] = throw / "bomb"
    png_bomb(cases["bomb_frame"] / "0001.png")
    notes = kick / "frames_with_notes"
    notes.mkdir()
    for i, frame in enumerate(frames(9, n=3)):
        cv2.imwrite(str(notes / f"{i:04d}.png"), frame)
    (notes / "notes.txt").write_text("shot by camera 2\n")
    cases["frames_with_non_image"] = notes
    broken = kick / "frames_broken"
    broken.mkdir()
    for i, frame in enumerate(frames(10, n=2)):
        cv2.imwrite(str(broken / f"{i:04d}.png"), frame)
    (broken / "0002.png").write_text("not a png")
    cases["frame_not_an_image"] = broken
    (root / "empty-class").mkdir()
    return cases


SKIPPED = {  # case -> words of the problem reported on its 'skipped' line
    "zero_bytes": "empty file (0 bytes)",
    "random_bytes": "not a readable video",
    "text_file": "a text file, not a video",
    "one_pixel": "1x1 pixels, too small",
    "bomb_frame": "frame 0001.png: image too large",
    "frame_not_an_image": "frame 0002.png: not a readable image",
}
KEPT = {"truncated", "single_frame", "all_black", "huge_frame", "frames_with_non_image"}


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from robust_helpers import make_good_dataset

    root = make_good_dataset(tmp_path_factory.mktemp("broken") / "data")
    cases = add_broken_clips(root)
    out = root.parent / "features"
    result = run_cli("extract", root, "-o", out, *FAST)
    return {"root": root, "cases": cases, "out": out, "result": result}


def test_extract_goes_on_past_bad_clips(broken_run: dict) -> None:
    result = broken_run["result"]
    no_crash(result)
    assert result.exit_code == 0, result.output
    index = read_index(broken_run["out"])
    kept = {entry["path"] for entry in index["clips"]}
    assert len(kept) == 6 + len(KEPT)
    assert {str(broken_run["cases"][c]) for c in KEPT} <= kept
    assert {str(broken_run["cases"][c]) for c in SKIPPED}.isdisjoint(kept)
    assert {f["path"] for f in index["failed"]} == {str(broken_run["cases"][c]) for c in SKIPPED}


@pytest.mark.parametrize("case", sorted(SKIPPED))
def test_bad_clip_is_one_line_naming_the_file(broken_run: dict, case: str) -> None:
    skipped = report_lines(broken_run["result"], "skipped")
    path = str(broken_run["cases"][case])
    assert path in skipped, broken_run["result"].stderr
    assert SKIPPED[case] in skipped[path]
    lines = [line for line in broken_run["result"].stderr.splitlines() if path in line]
    assert len(lines) == 1


def test_summary_comes_last(broken_run: dict) -> None:
    lines = [line for line in broken_run["result"].stderr.splitlines() if line.strip()]
    n = len(SKIPPED)
    assert all(line.startswith(("skipped ", "warning ")) for line in lines), lines
    assert len([line for line in lines if line.startswith("skipped ")]) == n
    verbose = run_cli("extract", broken_run["root"], "-o", broken_run["out"], *FAST, quiet=False)
    assert verbose.exit_code == 0
    last = [line for line in verbose.stderr.splitlines() if line.strip()][-1]
    assert f"{n} skipped" in last and f"{6 + len(KEPT)} up to date" in last and "0 clips extracted" in last


def test_truncated_video_keeps_decodable_frames_with_a_warning(broken_run: dict) -> None:
    path = str(broken_run["cases"]["truncated"])
    warnings = report_lines(broken_run["result"], "warning")
    assert "truncated" in warnings[path]
    entry = next(e for e in read_index(broken_run["out"])["clips"] if e["path"] == path)
    assert 1 <= entry["n_frames"] < 20


def test_frames_are_kept_even_when_empty(broken_run: dict) -> None:
    entries = {e["path"]: e for e in read_index(broken_run["out"])["clips"]}
    cases = broken_run["cases"]
    assert entries[str(cases["single_frame"])]["n_frames"] == 1
    black = entries[str(cases["all_black"])]
    assert black["n_frames"] == 4 and black["n_descriptors"] == 0  # no keypoints, every frame kept
    assert entries[str(cases["frames_with_non_image"])]["n_frames"] == 3  # notes.txt is not a frame
    huge = entries[str(cases["huge_frame"])]
    assert huge["n_frames"] == 2 and huge["n_descriptors"] > 0


def test_empty_class_folder_is_ignored_with_a_warning(broken_run: dict, caplog: pytest.LogCaptureFixture) -> None:
    from soccer_lstm.dataset import discover

    with caplog.at_level(logging.WARNING, logger="soccer_lstm.dataset"):
        clips = discover(broken_run["root"])
    assert "empty-class" not in {c.label for c in clips}
    messages = [r.getMessage() for r in caplog.records]
    assert any("empty-class" in m and "no clips" in m for m in messages), messages


def test_strict_stops_at_the_first_bad_clip(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "features"
    assert run_cli("extract", dataset, "-o", out, *FAST).exit_code == 0
    before = snapshot(out)
    (dataset / "kick" / "zero.avi").write_bytes(b"")
    result = run_cli("extract", dataset, "-o", out, *FAST, "--strict")
    error_line(result, dataset / "kick" / "zero.avi", "empty file", "--strict")
    assert snapshot(out) == before  # the finished artifacts and index are untouched
    assert run_cli("extract", dataset, "-o", out, *FAST).exit_code == 0  # without --strict it goes on


def test_dataset_where_no_clip_is_readable(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "kick").mkdir(parents=True)
    (root / "kick" / "a.avi").write_bytes(b"")
    (root / "kick" / "b.avi").write_text("text")
    result = run_cli("extract", root, "-o", tmp_path / "out", *FAST)
    error_line(result, root, "none of the 2 clips")
    assert set(report_lines(result, "skipped")) == {str(root / "kick" / "a.avi"), str(root / "kick" / "b.avi")}
    assert not (tmp_path / "out" / "index.json").exists()


@pytest.mark.skipif(IS_ROOT, reason="root reads files whatever their permissions; the monkeypatched test covers the path")
def test_unreadable_clip_real_permissions(dataset: Path, tmp_path: Path) -> None:
    locked = dataset / "kick" / "kick_0.avi"
    locked.chmod(0)
    try:
        result = run_cli("extract", dataset, "-o", tmp_path / "out", *FAST)
    finally:
        locked.chmod(0o644)
    no_crash(result)
    assert result.exit_code == 0
    assert "permission denied" in report_lines(result, "skipped")[str(locked)]


def test_unreadable_clip_reported(dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs as root too: opening the clip raises PermissionError as it would for another user."""
    import builtins

    import soccer_lstm.video as video

    locked = dataset / "kick" / "kick_0.avi"
    locked_frames = dataset / "throw" / "locked_frames"
    locked_frames.mkdir()
    for i, frame in enumerate(frames(3, n=2)):
        cv2.imwrite(str(locked_frames / f"{i}.png"), frame)

    def guarded_open(path, *args, **kwargs):
        if Path(path) == locked or Path(path).parent == locked_frames:
            raise PermissionError(13, "Permission denied", str(path))
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(video, "open", guarded_open, raising=False)
    result = run_cli("extract", dataset, "-o", tmp_path / "out", *FAST)
    no_crash(result)
    assert result.exit_code == 0
    skipped = report_lines(result, "skipped")
    assert "permission denied" in skipped[str(locked)]
    assert "frame 0.png: permission denied" in skipped[str(locked_frames)]
    assert len(read_index(tmp_path / "out")["clips"]) == 5


def test_unreadable_clip_under_strict_names_it(dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import soccer_lstm.artifacts as artifacts

    locked = dataset / "throw" / "throw_1.avi"
    real = artifacts.file_signature

    def signature(path):  # stat() of a clip in a folder without search permission
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr("soccer_lstm.stages.extract.file_signature", signature)
    error_line(run_cli("extract", dataset, "-o", tmp_path / "out", *FAST, "--strict"), locked, "permission denied")


def test_one_class_dataset_extracts_but_does_not_train(good_dataset: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "one"
    shutil.copytree(good_dataset / "kick", root / "kick")
    features, book, seqs = tmp_path / "f", tmp_path / "c.npz", tmp_path / "s"
    for args in (("extract", root, "-o", features, *FAST), ("codebook", features, "-o", book, "-k", "8"),
                 ("encode", features, "--codebook", book, "-o", seqs)):
        result = run_cli(*args)
        no_crash(result)
        assert result.exit_code == 0, result.output
    line = error_line(run_cli("train", seqs, "-o", tmp_path / "model"), seqs, "at least two classes")
    assert "kick" in line
    assert not (tmp_path / "model").exists()


def test_paths_with_spaces_and_non_ascii(good_dataset: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "clips du match – été"
    shutil.copytree(good_dataset / "throw", root / "touche ß")
    shutil.copytree(good_dataset / "kick", root / "tir au but é")
    odd = root / "tir au but é" / "clip n°1 ü 日本.avi"
    shutil.move(str(root / "tir au but é" / "kick_0.avi"), odd)
    features, book, seqs = tmp_path / "sortie é" / "f", tmp_path / "sortie é" / "c b.npz", tmp_path / "sortie é" / "s"
    for args in (("extract", root, "-o", features, *FAST), ("codebook", features, "-o", book, "-k", "8"),
                 ("encode", features, "--codebook", book, "-o", seqs)):
        result = run_cli(*args)
        no_crash(result)
        assert result.exit_code == 0, result.output
    entries = read_index(features)["clips"]
    assert {e["label"] for e in entries} == {"touche ß", "tir au but é"}
    odd_entry = next(e for e in entries if e["path"] == str(odd))
    assert odd_entry["clip_id"] == "tir au but é/clip n°1 ü 日本"
    assert (features / odd_entry["file"]).is_file() and odd_entry["file"].isascii()
    assert {e["clip_id"] for e in read_index(seqs)["clips"]} == {e["clip_id"] for e in entries}


def test_manifest_line_whose_file_is_missing(good_dataset: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "clips.csv"
    ghost = tmp_path / "gone" / "ghost.avi"
    rows = ["path,label"] + [f"{p},{p.parent.name}" for p in sorted(good_dataset.rglob("*.avi"))]
    manifest.write_text("\n".join(rows + [f"{ghost},kick"]) + "\n", encoding="utf-8")
    result = run_cli("extract", manifest, "-o", tmp_path / "out", *FAST)
    no_crash(result)
    assert result.exit_code == 0, result.output
    assert report_lines(result, "skipped") == {str(ghost): "no such file"}
    assert len(read_index(tmp_path / "out")["clips"]) == 6
    error_line(run_cli("extract", manifest, "-o", tmp_path / "out", *FAST, "--strict"), ghost, "no such file")


def test_manifest_row_without_a_label(tmp_path: Path) -> None:
    manifest = tmp_path / "clips.csv"
    manifest.write_text("path,label\nsome.avi,\n", encoding="utf-8")
    error_line(run_cli("extract", manifest, "-o", tmp_path / "out"), manifest, "line 2")


def test_unlistable_folders(dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A frame folder that cannot be listed is one skipped clip; a class folder that cannot be listed
    stops the run (a whole class would silently go missing)."""
    locked_frames = dataset / "throw" / "frames"
    locked_frames.mkdir()
    for i, frame in enumerate(frames(4, n=2)):
        cv2.imwrite(str(locked_frames / f"{i}.png"), frame)
    locked = {locked_frames}
    real = Path.iterdir

    def iterdir(self: Path):
        if self in locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    result = run_cli("extract", dataset, "-o", tmp_path / "out", *FAST)
    no_crash(result)
    assert result.exit_code == 0, result.output
    assert "permission denied" in report_lines(result, "skipped")[str(locked_frames)]
    locked.add(dataset / "kick")
    error_line(run_cli("extract", dataset, "-o", tmp_path / "out", *FAST), dataset / "kick", "permission denied")


def test_clips_without_keypoints_encode_to_zero_histograms(broken_run: dict) -> None:
    """An all-black clip and a one-frame clip go through codebook and encode: every frame is a timestep."""
    from soccer_lstm.artifacts import load_npz

    out, root = broken_run["out"], broken_run["root"].parent
    book, sequences = root / "codebook.npz", root / "sequences"
    for args in (("codebook", out, "-o", book, "-k", "8", "--sample-size", "300"),
                 ("encode", out, "--codebook", book, "-o", sequences, "--features", "bow")):
        result = run_cli(*args)
        no_crash(result)
        assert result.exit_code == 0, result.output
    files = {e["path"]: e["file"] for e in read_index(sequences)["clips"]}
    black = load_npz(sequences / files[str(broken_run["cases"]["all_black"])])[0]["sequence"]
    assert black.shape == (4, 8) and not black.any()
    single = load_npz(sequences / files[str(broken_run["cases"]["single_frame"])])[0]["sequence"]
    assert single.shape == (1, 8) and single.sum() > 0
