from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, str(Path(__file__).parent))

from clipgen import make_dataset  # noqa: E402

REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three classes x 6 clips x 12 frames at 96x72, written once per test session."""
    return make_dataset(tmp_path_factory.mktemp("tiny") / "data")


@pytest.fixture(scope="session")
def tiny_features(tiny_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny dataset after ``extract``."""
    from soccer_lstm.config import ExtractConfig
    from soccer_lstm.pipeline import run_extract

    out = tmp_path_factory.mktemp("tiny_features") / "features"
    run_extract(tiny_dataset, out, ExtractConfig(resize=160, max_keypoints=150))
    return out
