"""The ``soccer-lstm`` command group.

Each command lives in ``soccer_lstm/commands/`` and is imported only when it runs, so ``--help``
and light commands never pay for TensorFlow. Every command is a thin adapter: parse, validate, call
one library function, report. :class:`~soccer_lstm.errors.UserError` becomes a one-line message and
exit code 2.
"""
from __future__ import annotations

import importlib
import logging

import click

from soccer_lstm import __version__

# name -> "module:attribute"; one entry per command.
COMMANDS: dict[str, str] = {
    "extract": "soccer_lstm.commands.stages:extract",
    "codebook": "soccer_lstm.commands.stages:codebook",
    "encode": "soccer_lstm.commands.stages:encode",
    "train": "soccer_lstm.commands.stages:train",
    "evaluate": "soccer_lstm.commands.stages:evaluate",
    "predict": "soccer_lstm.commands.stages:predict",
    "score": "soccer_lstm.commands.score:score",
    "reproduce": "soccer_lstm.commands.reproduce:reproduce",
    "motion": "soccer_lstm.commands.motion:motion",
    "synth": "soccer_lstm.commands.synth:synth",
    "spot": "soccer_lstm.commands.spot:spot",
    "spot-score": "soccer_lstm.commands.spotting:spot_score",
    "clips": "soccer_lstm.commands.spotting:clips",
    "spot-cuts": "soccer_lstm.commands.spotting:spot_cuts",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def invoke(self, ctx: click.Context) -> object:
        from soccer_lstm.errors import UserError

        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise UserFacingError(str(exc)) from None
        except KeyboardInterrupt:
            # Each command says what an interruption leaves behind (set by the command once it runs).
            message = (ctx.obj or {}).get("on_interrupt", "Interrupted; finished artifacts are kept, re-run to resume.")
            click.echo(message, err=True)
            raise click.exceptions.Exit(130) from None


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is when a record arrives (click's test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        import sys

        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # a closed or broken stderr must not stop the command
            self.handleError(record)


class _LineFormatter(logging.Formatter):
    """Log records in the format of the commands' own lines: ``warning <path>: <problem>`` like
    extract's and predict's warnings, ``Error: ...`` like user errors; info and debug keep the logger."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().splitlines()[0] if record.getMessage() else ""
        if record.levelno >= logging.ERROR:
            return f"Error: {message}"
        if record.levelno >= logging.WARNING:
            return f"warning {message}"
        return f"{record.levelname.lower()} {record.name}: {message}"


class UserFacingError(click.ClickException):
    """A user error reported as ``Error: <message>`` with exit code 2."""

    exit_code = 2


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="soccer-lstm")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no progress bars.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Classify sports video clips into actions: SIFT bag of visual words, camera motion, LSTM.

    Stages: extract -> codebook -> encode -> train -> predict; evaluate runs k-fold
    cross-validation from extracted features; score measures a trained model on a labelled
    held-out dataset.
    """
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    # No handler on the root logger: other libraries' warnings reach stderr through logging's last
    # resort; the package's own records go to the current stderr in the commands' line format.
    logging.getLogger().setLevel(level)
    package = logging.getLogger("soccer_lstm")
    for old in [h for h in package.handlers if isinstance(h, _StderrHandler)]:
        package.removeHandler(old)
    handler = _StderrHandler()
    handler.setFormatter(_LineFormatter())
    package.addHandler(handler)
    package.setLevel(level)
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet
    ctx.obj["verbose"] = verbose
    from soccer_lstm import progress
    # Progress is the command line's: on for this command (unless -q), and the library's quiet
    # default again afterwards (the command may run inside a Python process: tests, notebooks).
    previous = progress.enabled()
    progress.set_enabled(not quiet)
    ctx.call_on_close(lambda: progress.set_enabled(previous))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="soccer-lstm")
