"""Helpers shared by the tests."""
from __future__ import annotations

from click.testing import CliRunner, Result


def run_cli(*args: str, quiet: bool = True) -> Result:
    """Invoke the ``soccer-lstm`` click group in-process and return click's result."""
    from soccer_lstm.cli import cli

    return CliRunner().invoke(cli, (["-q"] if quiet else []) + list(args), catch_exceptions=False)
