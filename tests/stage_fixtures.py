"""A tiny trained pipeline shared by the tests of issue 15 (folder rule, predict, score, training feedback)."""
from __future__ import annotations

from pathlib import Path

import pytest

from clipgen import make_dataset
from helpers import run_cli

FAST = ("--resize", "96", "--max-keypoints", "60")
TINY_TRAIN = ("--epochs", "3", "--units", "4", "--patience", "2", "--no-mirror")


def run_ok(*args: object) -> str:
    result = run_cli(*[str(a) for a in args])
    assert result.exit_code == 0, (args[0], result.output)
    return result.output


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """extract -> codebook -> encode -> train on 3 classes x 5 clips x 8 frames of 96x72 px.

    Built once per session: every test module imports this fixture, so it is made in a fixed
    folder of the session's base temp and reused when it is complete.
    """
    root = tmp_path_factory.getbasetemp() / "issue15_small_run"
    data, out = root / "data", root / "out"
    if not (root / "complete").exists():
        data = make_dataset(data, clips_per_class=5, n_frames=8)
        run_ok("extract", data, "-o", out / "features", *FAST)
        run_ok("codebook", out / "features", "-o", out / "codebook.npz", "-k", "8", "--sample-size", "200")
        run_ok("encode", out / "features", "--codebook", out / "codebook.npz", "-o", out / "sequences",
               "--features", "bow+motion")
        run_ok("train", out / "sequences", "-o", out / "model", *TINY_TRAIN)
        (root / "complete").touch()
    return {"data": data, "features": out / "features", "codebook": out / "codebook.npz",
            "sequences": out / "sequences", "model": out / "model", "root": root}
