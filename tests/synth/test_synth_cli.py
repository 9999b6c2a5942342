"""``soccer-lstm synth``: help, options, one-line errors, files and preview."""
from __future__ import annotations

from pathlib import Path

from helpers import run_cli
from soccer_lstm.synth import CLASSES


def test_synth_help() -> None:
    result = run_cli("synth", "--help", quiet=False)
    assert result.exit_code == 0, result.output
    for option in ("--out", "--clips-per-class", "--seed", "--size", "--frames", "--fps", "--preview"):
        assert option in result.output


def test_synth_writes_clips_and_preview(tmp_path: Path) -> None:
    out, sheet = tmp_path / "data", tmp_path / "sheet.png"
    result = run_cli("synth", "--out", str(out), "--clips-per-class", "1", "--seed", "3", "--size", "128x96",
                  "--frames", "9-10", "--preview", str(sheet))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == list(CLASSES)
    assert len(list(out.rglob("*.avi"))) == len(CLASSES)
    assert sheet.stat().st_size > 0


def test_synth_needs_out_or_preview() -> None:
    result = run_cli("synth", quiet=False)
    assert result.exit_code == 2
    assert "--out" in result.output


def test_synth_rejects_bad_size_and_range(tmp_path: Path) -> None:
    for args in (("--size", "big"), ("--frames", "60-40"), ("--frames", "a-b"), ("--size", "10x10")):
        result = run_cli("synth", "--out", str(tmp_path / "x"), *args, quiet=False)
        assert result.exit_code == 2, (args, result.output)
        assert "Error" in result.output
    assert not (tmp_path / "x").exists() or not list((tmp_path / "x").rglob("*.avi"))
