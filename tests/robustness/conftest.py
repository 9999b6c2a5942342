"""Fixtures of the robustness tests: a small good dataset (copied per test) and a tiny trained model."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import run_cli
from robust_helpers import FAST, make_good_dataset, no_crash


@pytest.fixture(scope="session")
def good_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two classes x 3 clips x 6 frames, written once; copy it before adding files."""
    return make_good_dataset(tmp_path_factory.mktemp("robust") / "good")


@pytest.fixture
def dataset(good_dataset: Path, tmp_path: Path) -> Path:
    """A private copy of the good dataset that a test may add broken clips to."""
    return Path(shutil.copytree(good_dataset, tmp_path / "data"))


@pytest.fixture(scope="session")
def trained(good_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """extract -> codebook -> encode -> train (2 epochs, 8 units) on the good dataset, once."""
    root = tmp_path_factory.mktemp("trained")
    paths = {"features": root / "features", "codebook": root / "codebook.npz", "sequences": root / "sequences",
             "model": root / "model"}
    steps = [("extract", good_dataset, "-o", paths["features"], *FAST),
             ("codebook", paths["features"], "-o", paths["codebook"], "-k", "12", "--sample-size", "400"),
             ("encode", paths["features"], "--codebook", paths["codebook"], "-o", paths["sequences"]),
             ("train", paths["sequences"], "-o", paths["model"], "--epochs", "2", "--units", "8")]
    for step in steps:
        result = run_cli(*step)
        no_crash(result)
        assert result.exit_code == 0, (step[0], result.output)
    return paths
