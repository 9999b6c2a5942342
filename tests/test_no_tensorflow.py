"""``predict``, ``score`` and ``spot`` run the network in NumPy: none of them imports TensorFlow or Keras.

An LSTM model's whole chain (visual words, kinds, scaling, network) is NumPy on these paths, so
``predict`` and ``spot`` import neither scikit-learn nor SciPy (most of a cold start-up), and
``predict`` no progress bar or plotting library either.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run_cli
from soccer_lstm.spotting.synthetic import write_long_video, write_training_set

HEAVY = ("tensorflow", "keras", "sklearn", "scipy", "tqdm", "matplotlib")

# Runs one command of the CLI in a fresh interpreter, then says which of HEAVY it imported.
RUN = """
import json, sys
from soccer_lstm.cli import cli
try:
    cli.main({args!r}, standalone_mode=False)
finally:
    print(json.dumps([m for m in {heavy!r} if m in sys.modules]), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny spotting model (one action and background), its training clips and a short game video."""
    root = tmp_path_factory.mktemp("no_tf")
    data = write_training_set(root / "data", ["throw-in"], per_class=3, n_frames=10)
    for args in (("extract", data, "-o", root / "features", "--resize", "96", "--max-keypoints", "60"),
                 ("codebook", root / "features", "-o", root / "codebook.npz", "-k", "6", "--sample-size", "300"),
                 ("encode", root / "features", "--codebook", root / "codebook.npz", "-o", root / "sequences"),
                 ("train", root / "sequences", "-o", root / "model", "--units", "3", "--epochs", "1", "--no-mirror")):
        result = run_cli(*args)
        assert result.exit_code == 0, (args[0], result.output)
    video = write_long_video(root / "game" / "match.avi", ["throw-in"], seed=2, gap_frames=10).path
    return {"data": data, "model": root / "model", "video": Path(video), "root": root}


def imported_by(*args: object) -> list[str]:
    """What of :data:`HEAVY` the CLI imported for ``args`` (which must succeed)."""
    code = RUN.format(args=["-q", *map(str, args)], heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stderr.strip().splitlines()[-1])


def test_predict_imports_no_tensorflow_sklearn_scipy_or_bars(trained: dict[str, Path]) -> None:
    clip = sorted((trained["data"] / "throw-in").glob("*.avi"))[0]
    assert imported_by("predict", "--model", trained["model"], clip) == []
    assert imported_by("predict", "--model", trained["model"], "--sequences", trained["root"] / "sequences") == []


def test_the_library_predicts_without_click_either(trained: dict[str, Path]) -> None:
    """From Python, predict imports none of the heavy packages, nor the command line's click."""
    clip = sorted((trained["data"] / "throw-in").glob("*.avi"))[0]
    code = ("import json, sys\n"
            "from soccer_lstm.stages.predict import predict\n"
            f"answers = list(predict({str(trained['model'])!r}, [{str(clip)!r}]))\n"
            "assert answers[0].label is not None, answers[0]\n"
            f"print(json.dumps([m for m in {(*HEAVY, 'click')!r} if m in sys.modules]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_score_imports_no_tensorflow_sklearn_or_scipy(trained: dict[str, Path]) -> None:
    """score draws its confusion matrix: matplotlib is its own, the rest is predict's path."""
    imported = imported_by("score", "--model", trained["model"], trained["data"], "-o", trained["root"] / "score")
    assert set(imported) <= {"matplotlib"}, imported
    assert (trained["root"] / "score" / "metrics.json").is_file()


def test_spot_imports_no_tensorflow_sklearn_or_scipy(trained: dict[str, Path]) -> None:
    out = trained["root"] / "spot"
    assert imported_by("spot", "--model", trained["model"], trained["video"], "-o", out) == []
    assert (out / "match" / "results_spotting.json").is_file()
    assert imported_by("spot", "--model", trained["model"], trained["video"], "-o", trained["root"] / "carried",
                       "--inference", "state") == []


def test_the_check_sees_tensorflow_when_it_is_imported(trained: dict[str, Path]) -> None:
    """The check itself can fail: ``train`` does import TensorFlow (and scikit-learn)."""
    assert {"tensorflow", "sklearn"} <= set(imported_by("train", trained["root"] / "sequences", "-o", trained["root"] / "again",
                                       "--units", "2", "--epochs", "1", "--no-mirror"))
