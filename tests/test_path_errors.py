"""Path errors say what was given and what is expected (issue 15)."""
from __future__ import annotations

import shutil
from pathlib import Path

from clipgen import make_dataset
from helpers import run_cli
from stage_fixtures import FAST, small_run  # noqa: F401 (fixture)


def one_error(result) -> str:
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_codebook_given_a_folder(small_run: dict[str, Path], tmp_path: Path) -> None:
    folder = small_run["codebook"].parent
    line = one_error(run_cli("encode", str(small_run["features"]), "--codebook", str(folder), "-o", str(tmp_path / "s")))
    assert str(folder) in line and "is a folder" in line and "codebook file" in line and "not found" not in line


def test_model_given_the_keras_file(small_run: dict[str, Path]) -> None:
    keras_file = small_run["model"] / "model.keras"
    clip = str(sorted(small_run["data"].glob("still/*.avi"))[0])
    line = one_error(run_cli("predict", "--model", str(keras_file), clip))
    assert str(keras_file) in line and "model folder" in line and str(small_run["model"]) in line
    assert "no such model folder" not in line


def test_extract_given_the_parent_of_the_dataset(tmp_path: Path) -> None:
    make_dataset(tmp_path / "parent" / "dataset", clips_per_class=1, n_frames=3)
    line = one_error(run_cli("extract", str(tmp_path / "parent"), "-o", str(tmp_path / "f"), *FAST))
    assert "folder of datasets" in line and str(tmp_path / "parent" / "dataset") in line
    assert not (tmp_path / "f").exists()


def test_extract_given_the_parent_of_a_dataset_with_one_class_dataset_beside(tmp_path: Path) -> None:
    """The parent's other subfolder holds clips itself: it would have been a one-class dataset."""
    make_dataset(tmp_path / "parent" / "dataset", clips_per_class=1, n_frames=3)
    shutil.copytree(tmp_path / "parent" / "dataset" / "still", tmp_path / "parent" / "loose")
    line = one_error(run_cli("extract", str(tmp_path / "parent"), "-o", str(tmp_path / "f"), *FAST))
    assert "folder of datasets" in line


def test_extract_given_one_class_folder(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "dataset", clips_per_class=2, n_frames=3)
    line = one_error(run_cli("extract", str(data / "still"), "-o", str(tmp_path / "f"), *FAST))
    assert "one class folder" in line and str(data.resolve()) in line


def test_extract_given_one_class_folder_of_frame_folders(tmp_path: Path) -> None:
    from clipgen import clip_frames, write_frame_folder

    for i in range(2):
        write_frame_folder(tmp_path / "dataset" / "kick" / f"event_{i}", clip_frames("still", i, 3))
    line = one_error(run_cli("extract", str(tmp_path / "dataset" / "kick"), "-o", str(tmp_path / "f"), *FAST))
    assert "one class folder" in line and "2 frame folders" in line


def test_log_warnings_share_the_format_of_the_commands_warnings(tmp_path: Path) -> None:
    """A library warning reads like extract's own lines: 'warning <path>: <problem>'."""
    data = make_dataset(tmp_path / "dataset", clips_per_class=1, n_frames=3)
    (data / "empty-class").mkdir()
    result = run_cli("extract", str(data), "-o", str(tmp_path / "f"), *FAST, quiet=False)
    assert result.exit_code == 0, result.output
    assert f"warning {data / 'empty-class'}: class folder holds no clips" in result.stderr.splitlines()[0] or any(
        line.startswith(f"warning {data / 'empty-class'}: class folder holds no clips")
        for line in result.stderr.splitlines()), result.stderr
    assert "WARNING" not in result.stderr
