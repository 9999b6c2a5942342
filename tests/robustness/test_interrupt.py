"""A killed extract leaves nothing a later run would trust; re-running resumes and ends identical to an
uninterrupted run."""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli
from robust_helpers import make_clip, no_crash, read_index, temporaries

OPTIONS = ("--resize", "240", "--max-keypoints", "150", "--n-jobs", "1")


@pytest.fixture(scope="module")
def twelve_clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kill") / "data"
    for i in range(12):
        make_clip(root / ("kick" if i % 2 else "throw") / f"clip {i:02d}.avi", seed=40 + i, n=16, size=(160, 120))
    return root


@pytest.fixture(scope="module")
def reference(twelve_clips: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The features of an uninterrupted run."""
    out = tmp_path_factory.mktemp("reference") / "features"
    result = run_cli("extract", twelve_clips, "-o", out, *OPTIONS)
    no_crash(result)
    assert result.exit_code == 0, result.output
    return out


def load_all(folder: Path) -> dict[str, dict[str, np.ndarray]]:
    from soccer_lstm.artifacts import load_npz

    return {entry["file"]: load_npz(folder / entry["file"])[0] for entry in read_index(folder)["clips"]}


def finished(folder: Path) -> list[Path]:
    return sorted((folder / "clips").glob("*.npz")) if (folder / "clips").is_dir() else []


# Runs extract in a process of its own that stops for good in the middle of writing the 4th clip's
# artifact (its bytes are in a temporary file, not yet renamed): it says so by creating READY, and
# waits there to be killed. The test waits for READY, an event it controls, rather than polling
# for finished files and hoping to kill the process before it ends.
HOLD_IN_FOURTH_WRITE = """
import os, sys, time
ready, args = sys.argv[1], sys.argv[2:]
rename, renamed = os.replace, []

def replace(src, dst):
    if str(dst).endswith('.npz'):
        renamed.append(dst)
        if len(renamed) == 4:
            open(ready, 'w').close()
            time.sleep(300)  # killed long before
    rename(src, dst)

os.replace = replace
from soccer_lstm.cli import main
sys.argv = ['soccer-lstm', *args]
main()
"""


def test_sigkill_mid_extract_then_resume(twelve_clips: Path, reference: Path, tmp_path: Path) -> None:
    out, ready = tmp_path / "interrupted", tmp_path / "ready"
    process = subprocess.Popen([sys.executable, "-c", HOLD_IN_FOURTH_WRITE, str(ready), "-q", "extract",
                                str(twelve_clips), "-o", str(out), *OPTIONS],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), f"extract never reached its 4th write: {process.stderr.read().decode()[-2000:]}"
    finally:
        process.kill()  # SIGKILL
        process.wait(timeout=30)
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert len(temporaries(out)) == 1  # killed mid-write: the 4th artifact is still a temporary file

    survivors = finished(out)
    assert len(survivors) == 3
    assert not (out / "index.json").exists()  # written last: the killed run left no index to trust
    from soccer_lstm.artifacts import load_npz

    for path in survivors:  # whatever carries an artifact name is complete
        load_npz(path, required=("descriptors", "positions", "offsets"))
    before = {p.name: p.stat().st_mtime_ns for p in survivors}

    rerun = run_cli("extract", twelve_clips, "-o", out, *OPTIONS, quiet=False)
    no_crash(rerun)
    assert rerun.exit_code == 0, rerun.output
    assert f"{12 - len(survivors)} clips extracted, {len(survivors)} up to date" in rerun.stderr
    assert {p.name: p.stat().st_mtime_ns for p in survivors} == before  # finished clips were not redone
    assert temporaries(out) == []

    assert read_index(out)["clips"] == read_index(reference)["clips"]
    got, want = load_all(out), load_all(reference)
    assert got.keys() == want.keys() and len(got) == 12
    for file, arrays in want.items():
        assert got[file].keys() == arrays.keys()
        for name, array in arrays.items():
            np.testing.assert_array_equal(got[file][name], array, err_msg=f"{file}:{name}")


def test_half_written_files_are_never_trusted(twelve_clips: Path, reference: Path, tmp_path: Path) -> None:
    """What a non-atomic writer killed mid-write would leave: a truncated artifact and a stray temp file."""
    out = Path(shutil.copytree(reference, tmp_path / "features"))
    want = load_all(out)
    victim = finished(out)[0]
    data = victim.read_bytes()
    victim.write_bytes(data[:len(data) // 2])
    stray = victim.parent / f".{victim.name}.abc123.tmp"
    stray.write_bytes(data[:100])
    (out / "index.json").unlink()

    rerun = run_cli("extract", twelve_clips, "-o", out, *OPTIONS, quiet=False)
    no_crash(rerun)
    assert "1 clips extracted, 11 up to date" in rerun.stderr
    assert not stray.exists() and temporaries(out) == []
    again = load_all(out)
    for name, array in want[f"clips/{victim.name}"].items():
        np.testing.assert_array_equal(again[f"clips/{victim.name}"][name], array)


def test_interrupt_keyboard_is_exit_130_and_keeps_finished(twelve_clips: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import soccer_lstm.stages.extract as extract_stage

    real = extract_stage.save_npz
    calls = []

    def save_then_interrupt(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(args[0])
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(extract_stage, "save_npz", save_then_interrupt)
    out = tmp_path / "features"
    result = run_cli("extract", twelve_clips, "-o", out, *OPTIONS)
    assert result.exit_code == 130 and "re-run to resume" in result.stderr
    assert len(finished(out)) == 2 and not (out / "index.json").exists()
