from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, str(Path(__file__).parent))

# Modules that set environment defaults when first imported (KMP_* for scikit-learn, OpenCV's log
# level) are imported here, before any test, so that no test is blamed for them. (soccer_lstm's own
# modules set none but soccer_lstm.video's: tests/models/test_training.py checks.)
import sklearn  # noqa: E402,F401

import soccer_lstm.models.lstm  # noqa: E402,F401
import soccer_lstm.video  # noqa: E402,F401
from clipgen import make_dataset  # noqa: E402
from helpers import IMPORT_SIDE_EFFECTS  # noqa: E402


# Set by TensorFlow when it is first imported, by whichever test needs it first (too slow to import here).


@pytest.fixture(autouse=True)
def _environment_left_as_found() -> Iterator[None]:
    """Fail a test that leaves ``os.environ`` changed (and undo the change for the tests after it).

    A variable set in-process (``TF_NUM_INTRAOP_THREADS`` by ``run_reproduce``, say) would
    otherwise reach every later test, and the suite's result would depend on the order of tests.
    """
    before = dict(os.environ)
    yield
    after = dict(os.environ)
    # pytest itself keeps PYTEST_CURRENT_TEST up to date.
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
                     and not k.startswith("PYTEST_") and k not in IMPORT_SIDE_EFFECTS)
    if changed:
        for name in changed:
            if name in before:
                os.environ[name] = before[name]
            else:
                del os.environ[name]
        pytest.fail(f"the test left the environment changed: {', '.join(changed)}")


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
