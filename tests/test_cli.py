"""Every entry point answers --help; user errors are one line with exit code 2."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run_cli
from soccer_lstm.cli import COMMANDS


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_console_script_and_module_entry_points() -> None:
    script = Path(sys.executable).parent / "soccer-lstm"
    for argv in ([str(script), "--help"], [sys.executable, "-m", "soccer_lstm", "--help"]):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        for command in COMMANDS:
            assert command in done.stdout


def test_help_does_not_import_tensorflow() -> None:
    code = ("import sys; from click.testing import CliRunner; from soccer_lstm.cli import cli;"
            "CliRunner().invoke(cli, ['train', '--help']); print('tensorflow' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False"


def test_missing_dataset_is_a_one_line_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    result = run_cli("extract", str(missing), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(missing) in lines[0] and "Traceback" not in result.output


def test_empty_dataset_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "data" / "some-class").mkdir(parents=True)
    result = run_cli("extract", str(tmp_path / "data"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "no clips found" in result.output
