"""The report's figures: PNGs written atomically, without pyplot's global state."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from soccer_lstm.evaluation.plots import plot_confusion, plot_rates

PNG = b"\x89PNG\r\n\x1a\n"


def test_confusion_and_rates_are_pngs_and_pyplot_is_never_used(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # importing pyplot now raises ImportError
    plot_confusion(np.array([[3, 1], [0, 0]]), ["kick", "throw"], tmp_path / "c" / "m.png", title="x")
    plot_rates(["A", "B"], [50.0, float("nan")], [5.0, float("nan")], [52.75, None], tmp_path / "r.png", chance=25.0)
    for path in (tmp_path / "c" / "m.png", tmp_path / "r.png"):
        assert path.read_bytes()[:8] == PNG
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_confusion_matrix_that_does_not_match_its_classes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not match 3 classes"):
        plot_confusion(np.zeros((2, 2)), ["a", "b", "c"], tmp_path / "m.png")
    assert not (tmp_path / "m.png").exists()
