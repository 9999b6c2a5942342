"""A full disk, a read-only folder or an output path that is a file: one clear line, exit 2, and nothing
already written is damaged."""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from helpers import run_cli
from robust_helpers import FAST, IS_ROOT, error_line, snapshot, temporaries


@pytest.fixture
def extracted(dataset: Path, tmp_path: Path) -> Path:
    out = tmp_path / "features"
    assert run_cli("extract", dataset, "-o", out, *FAST).exit_code == 0
    return out


def fail_on_write(monkeypatch: pytest.MonkeyPatch, code: int, after: int = 0) -> None:
    """Make the ``after+1``-th and later fsyncs of artifact files fail with ``code`` (ENOSPC, EROFS...)."""
    import soccer_lstm.artifacts as artifacts

    real = os.fsync
    calls = []

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):  # the folder's fsync after a rename: not a file write
            return real(fd)
        calls.append(fd)
        if len(calls) > after:
            raise OSError(code, os.strerror(code))
        real(fd)

    monkeypatch.setattr(artifacts.os, "fsync", fsync)


def test_disk_full_during_extract_keeps_what_was_written(dataset: Path, extracted: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(extracted)
    fail_on_write(monkeypatch, errno.ENOSPC)
    result = run_cli("extract", dataset, "-o", extracted, "--resize", "96", "--max-keypoints", "40")
    line = error_line(result, extracted, "No space left on device", "nothing was replaced")
    assert result.stderr.strip() == line  # that one line and nothing else (no traceback, no progress)
    monkeypatch.undo()
    assert snapshot(extracted) == before and temporaries(extracted) == []


def test_disk_full_midway_then_resume(dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "features"
    fail_on_write(monkeypatch, errno.ENOSPC, after=3)
    error_line(run_cli("extract", dataset, "-o", out, *FAST), "No space left on device")
    monkeypatch.undo()
    assert len(list((out / "clips").glob("*.npz"))) == 3 and temporaries(out) == []
    rerun = run_cli("extract", dataset, "-o", out, *FAST, quiet=False)
    assert rerun.exit_code == 0 and "3 clips extracted, 3 up to date" in rerun.stderr


def test_disk_full_while_replacing_a_codebook_keeps_the_old_one(extracted: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    book = tmp_path / "codebook.npz"
    assert run_cli("codebook", extracted, "-o", book, "-k", "6").exit_code == 0
    old = book.read_bytes()
    fail_on_write(monkeypatch, errno.ENOSPC)
    error_line(run_cli("codebook", extracted, "-o", book, "-k", "7"), book, "No space left on device")
    monkeypatch.undo()
    assert book.read_bytes() == old and temporaries(tmp_path) == []


def test_read_only_output_folder(extracted: Path, dataset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, chmod does not stop writes: the file system's answer (EROFS) is simulated instead."""
    before = snapshot(extracted)
    import soccer_lstm.artifacts as artifacts

    def replace(src, dst):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(artifacts.os, "replace", replace)
    error_line(run_cli("extract", dataset, "-o", extracted, "--resize", "96", "--max-keypoints", "40"),
               extracted, "Read-only file system")
    monkeypatch.undo()
    assert snapshot(extracted) == before and temporaries(extracted) == []


@pytest.mark.skipif(IS_ROOT, reason="root writes into read-only folders; test_read_only_output_folder simulates it")
def test_read_only_output_folder_real_permissions(extracted: Path, dataset: Path) -> None:
    before = snapshot(extracted)
    folders = [extracted, extracted / "clips"]
    for folder in folders:
        folder.chmod(0o555)
    try:
        result = run_cli("extract", dataset, "-o", extracted, "--resize", "96", "--max-keypoints", "40")
    finally:
        for folder in folders:
            folder.chmod(0o755)
    error_line(result, extracted, "ermission denied")
    assert snapshot(extracted) == before


def test_output_path_is_a_file(dataset: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "features"
    blocker.write_text("keep me")
    error_line(run_cli("extract", dataset, "-o", blocker, *FAST), blocker, "is a file, not a folder")
    assert blocker.read_text() == "keep me"


def test_codebook_path_under_a_file(extracted: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("keep me")
    error_line(run_cli("codebook", extracted, "-o", blocker / "codebook.npz", "-k", "4"), blocker, "is a file")
    assert blocker.read_text() == "keep me"
    error_line(run_cli("codebook", extracted, "-o", tmp_path, "-k", "4"), tmp_path, "is a folder")


def test_extract_into_another_stages_folder_is_refused(extracted: Path, dataset: Path, tmp_path: Path) -> None:
    book, sequences = tmp_path / "c.npz", tmp_path / "sequences"
    assert run_cli("codebook", extracted, "-o", book, "-k", "4").exit_code == 0
    assert run_cli("encode", extracted, "--codebook", book, "-o", sequences).exit_code == 0
    before = snapshot(sequences)
    error_line(run_cli("extract", dataset, "-o", sequences, *FAST), sequences / "index.json", "not a soccer-lstm extract index")
    assert snapshot(sequences) == before


def test_train_output_is_a_file(extracted: Path, tmp_path: Path) -> None:
    book, sequences, blocker = tmp_path / "c.npz", tmp_path / "s", tmp_path / "model"
    assert run_cli("codebook", extracted, "-o", book, "-k", "4").exit_code == 0
    assert run_cli("encode", extracted, "--codebook", book, "-o", sequences).exit_code == 0
    blocker.write_text("keep me")
    error_line(run_cli("train", sequences, "-o", blocker, "--epochs", "1", "--units", "4"), blocker, "is a file")
    assert blocker.read_text() == "keep me"


def test_artifacts_are_readable_by_others_like_any_output(extracted: Path) -> None:
    mask = os.umask(0)
    os.umask(mask)
    for path in [extracted / "index.json", *(extracted / "clips").glob("*.npz")]:
        assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_stage_given_the_wrong_folder_names_the_command_that_makes_the_right_one(dataset: Path,
                                                                                  extracted: Path) -> None:
    # The dataset itself where features or sequences belong: a common slip on the command line.
    error_line(run_cli("codebook", dataset, "-o", dataset.parent / "c.npz"), dataset, "not a features folder",
               "soccer-lstm extract")
    error_line(run_cli("train", dataset, "-o", dataset.parent / "m"), dataset, "not a sequences folder",
               "soccer-lstm encode")
    # Features where sequences belong: the index says which stage wrote it.
    error_line(run_cli("train", extracted, "-o", dataset.parent / "m"), extracted / "index.json",
               "not a soccer-lstm sequences index", "written by 'extract'")
    assert not (dataset.parent / "m").exists() and not (dataset.parent / "c.npz").exists()
