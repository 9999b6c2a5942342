"""Every output folder belongs to one stage and one input (issue 15): refused, or replaced whole with --overwrite."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from clipgen import make_dataset
from helpers import run_cli
from stage_fixtures import FAST, TINY_TRAIN, small_run  # noqa: F401 (fixture)


def refused(result, folder: Path, *words: str) -> str:
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    assert str(folder) in errors[0], errors[0]
    for word in words:
        assert word in errors[0], (word, errors[0])
    return errors[0]


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_train_into_a_features_folder_is_refused(small_run: dict[str, Path]) -> None:
    before = files(small_run["features"])
    result = run_cli("train", str(small_run["sequences"]), "-o", str(small_run["features"]), *TINY_TRAIN)
    refused(result, small_run["features"], "soccer-lstm extract", "features folder")
    assert files(small_run["features"]) == before


def test_extract_and_evaluate_into_a_model_folder_are_refused(small_run: dict[str, Path]) -> None:
    model = small_run["model"]
    before = files(model)
    refused(run_cli("extract", str(small_run["data"]), "-o", str(model), *FAST), model, "soccer-lstm train")
    refused(run_cli("evaluate", str(small_run["features"]), "-o", str(model), "-k", "4", "--folds", "2",
                    *TINY_TRAIN), model, "soccer-lstm train")
    refused(run_cli("encode", str(small_run["features"]), "--codebook", str(small_run["codebook"]), "-o",
                    str(model)), model, "soccer-lstm train")
    assert files(model) == before


def test_a_folder_holding_other_files_is_refused(small_run: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    refused(run_cli("extract", str(small_run["data"]), "-o", str(tmp_path), *FAST), tmp_path, "not empty")
    refused(run_cli("train", str(small_run["sequences"]), "-o", str(tmp_path), *TINY_TRAIN), tmp_path, "not empty")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_extract_of_another_dataset_is_refused_then_replaces_cleanly_with_overwrite(tmp_path: Path) -> None:
    first = make_dataset(tmp_path / "first", clips_per_class=2, n_frames=4)
    other = make_dataset(tmp_path / "other", clips_per_class=1, n_frames=4, classes=("a", "b"))
    out = tmp_path / "features"
    assert run_cli("extract", str(first), "-o", str(out), *FAST).exit_code == 0
    before = files(out)
    refused(run_cli("extract", str(other), "-o", str(out), *FAST), out, str(first.resolve()), "--overwrite")
    assert files(out) == before
    assert run_cli("extract", str(other), "-o", str(out), *FAST, "--overwrite").exit_code == 0
    index = json.loads((out / "index.json").read_text())
    assert sorted(c["clip_id"] for c in index["clips"]) == ["a/a_00", "b/b_00"]
    assert sorted(p.name for p in (out / "clips").glob("*.npz")) == sorted(Path(c["file"]).name for c in index["clips"])


def test_own_folder_reruns_still_work(tmp_path: Path) -> None:
    """What make does: the same command again, a clip added, the dataset copied elsewhere."""
    data = make_dataset(tmp_path / "data", clips_per_class=2, n_frames=4)
    out = tmp_path / "features"
    assert run_cli("extract", str(data), "-o", str(out), *FAST).exit_code == 0
    assert run_cli("extract", str(data), "-o", str(out), *FAST).exit_code == 0
    copy = Path(shutil.copytree(data, tmp_path / "copy"))
    result = run_cli("extract", str(copy), "-o", str(out), *FAST, quiet=False)
    assert result.exit_code == 0 and "0 clips extracted" in result.stderr, result.output
    shutil.copy(copy / "still" / "still_00.avi", copy / "still" / "still_09.avi")
    assert run_cli("extract", str(copy), "-o", str(out), *FAST).exit_code == 0
    (copy / "still" / "still_09.avi").unlink()
    assert run_cli("extract", str(copy), "-o", str(out), *FAST).exit_code == 0
    index = json.loads((out / "index.json").read_text())
    assert len(list((out / "clips").glob("*.npz"))) == len(index["clips"]) == 6  # the removed clip's file is gone


def test_codebook_of_another_features_folder_needs_overwrite(small_run: dict[str, Path], tmp_path: Path) -> None:
    other = tmp_path / "features"
    shutil.copytree(small_run["features"], other)
    (other / ".soccer-lstm-owner.json").unlink()  # a features folder of its own, not a moved one
    book = tmp_path / "codebook.npz"
    assert run_cli("codebook", str(small_run["features"]), "-o", str(book), "-k", "4",
                   "--sample-size", "100").exit_code == 0
    refused(run_cli("codebook", str(other), "-o", str(book), "-k", "4", "--sample-size", "100"), book, "--overwrite")
    assert run_cli("codebook", str(other), "-o", str(book), "-k", "4", "--sample-size", "100",
                   "--overwrite").exit_code == 0


def test_folders_written_before_owner_files_are_adopted(tmp_path: Path) -> None:
    """An OUT made by an earlier version (no owner file) keeps working with make's usual re-runs."""
    data = make_dataset(tmp_path / "data", clips_per_class=2, n_frames=4)
    other = make_dataset(tmp_path / "other", clips_per_class=1, n_frames=4, classes=("a", "b"))
    out = tmp_path / "features"
    assert run_cli("extract", str(data), "-o", str(out), *FAST).exit_code == 0
    (out / ".soccer-lstm-owner.json").unlink()
    assert run_cli("extract", str(data), "-o", str(out), *FAST).exit_code == 0
    assert json.loads((out / ".soccer-lstm-owner.json").read_text())["stage"] == "extract"
    (out / ".soccer-lstm-owner.json").unlink()
    refused(run_cli("extract", str(other), "-o", str(out), *FAST), out, "--overwrite")
