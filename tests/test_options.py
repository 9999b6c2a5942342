"""One source for every option: the CLI, the TOML keys and the Makefile all come from soccer_lstm/config.py."""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import fields
from pathlib import Path

import click
import pytest

from helpers import run_cli
from soccer_lstm.cli import COMMANDS, cli
from soccer_lstm.cli_options import MAKEFILE_FRAGMENT, makefile_fragment, option_fields_of
from soccer_lstm.config import STAGE_CONFIGS, default_of, flag

ROOT = Path(__file__).resolve().parents[1]
# Options that are not part of any config: where to read and write, and how a command behaves.
NOT_CONFIG = {"out", "overwrite", "strict", "scheduler", "model_dir", "codebook_path", "plot", "as_json",
              "sequences_dir", "data", "only", "fresh", "help", "local_plot", "config_file", "clips_per_class",
              "classes", "frames", "size", "preview", "games", "labels_root", "predictions_root", "train_root"}


def _commands() -> dict[str, click.Command]:
    """The pipeline's commands (synth renders a data set: its --seed and sizes are the renderer's own)."""
    ctx = click.Context(cli)
    return {name: cli.get_command(ctx, name) for name in COMMANDS if name != "synth"}


def test_every_cli_default_and_help_is_the_configs() -> None:
    checked = 0
    for name, command in _commands().items():
        for param, f in option_fields_of(command):
            assert param.default == default_of(f), f"{name} {param.opts}: default {param.default!r} != {default_of(f)!r}"
            if f.name == "seed":  # one --seed sets the seed of every config of the command: its help joins theirs
                seeds = {g.metadata["help"] for cls in STAGE_CONFIGS for g in fields(cls) if g.name == "seed"}
                parts = param.help.removeprefix("Seed of ").removesuffix(".").split("; ")
                assert all(f"Seed of {part}." in seeds for part in parts), f"{name} --seed: {param.help!r}"
            else:
                assert param.help == f.metadata["help"], f"{name} {param.opts}: help differs from the config's"
            assert flag(f.name) in param.opts or f"--{f.name.replace('_', '-')}" in param.opts[0]
            checked += 1
    assert checked > 50


def test_every_config_option_is_a_cli_option_and_every_cli_option_a_config_option() -> None:
    cli_names = {p.name for command in _commands().values() for p in command.params if isinstance(p, click.Option)}
    config_names = {f.name for cls in STAGE_CONFIGS for f in fields(cls)}
    assert config_names <= cli_names, f"settable only from TOML: {sorted(config_names - cli_names)}"
    extra = cli_names - config_names - NOT_CONFIG
    assert not extra, f"CLI options that no config declares (and TOML cannot set): {sorted(extra)}"


def test_makefile_fragment_is_generated_from_the_config() -> None:
    assert (ROOT / MAKEFILE_FRAGMENT).read_text() == makefile_fragment(), \
        "make/options.mk is stale: run `python -m soccer_lstm.cli_options makefile`"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_passes_only_the_options_a_user_set(tmp_path: Path) -> None:
    """Nothing set: the commands get no option, so make's defaults are the CLI's (the config's)."""
    def dry_run(*assignments: str) -> list[str]:
        done = subprocess.run(["make", "-n", "-C", str(ROOT), f"OUT={tmp_path}", "evaluate", "train", *assignments],
                              capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, done.stderr
        return [line for line in done.stdout.splitlines() if "soccer-lstm " in line]

    for line in dry_run():
        assert "--" not in line.split(" -o ")[1].split(" ", 1)[-1].replace(f"'{tmp_path}", ""), line
    evaluate = next(line for line in dry_run("K=400", "MIRROR=false", "SEEDS=0,1") if " evaluate " in line)
    assert "--k '400'" in evaluate and "--no-mirror" in evaluate and "--seeds '0,1'" in evaluate


def test_error_messages_name_only_flags_that_exist() -> None:
    ctx = click.Context(cli)
    flags = {opt for name in COMMANDS for p in cli.get_command(ctx, name).params for opt in p.opts}
    flags |= {opt for p in cli.params for opt in p.opts} | {"--help", "--version"}
    flags |= {"--nthreads"}  # an option of `dask worker`, named in a hint about starting workers
    flags |= {"--check", "--only"}  # of the docs generator (make docs) and benchmarks/run.py, not of the CLI
    named = set()
    for path in (ROOT / "soccer_lstm").rglob("*.py"):
        named |= set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", path.read_text()))
    missing = sorted(n for n in named - flags if not n.startswith("--no-"))
    assert not missing, f"the source names flags that no command has: {missing}"


@pytest.mark.parametrize("toml, message", [
    ("[codebook]\nk = 200.5\n", "k must be a whole number"),
    ("[train]\nunits = \"150\"\n", "units must be a whole number"),
    ("[codebook]\nkk = 3\n", "has no option 'kk'"),
    ("[model]\nk = 3\n", "unknown section"),
])
def test_a_config_file_is_checked_like_flags(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "options.toml"
    path.write_text(toml)
    result = run_cli("codebook", tmp_path / "features", "-o", tmp_path / "book.npz", "--config", path)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_a_config_file_sets_defaults_and_flags_win(tmp_path: Path) -> None:
    path = tmp_path / "options.toml"
    path.write_text("[codebook]\nk = 7\n[train]\nunits = 3\n")
    seen = {}

    @click.command()
    @click.pass_context
    def probe(ctx: click.Context) -> None:
        seen.update(ctx.parent.params if ctx.parent else {})

    from soccer_lstm.cli_options import build_config, codebook_options, config_file_option
    from soccer_lstm.config import CodebookConfig

    @click.command()
    @codebook_options
    @config_file_option
    def command(**options: object) -> None:
        seen["config"] = build_config(CodebookConfig, dict(options))

    from click.testing import CliRunner

    runner = CliRunner()
    assert runner.invoke(command, ["--config", str(path)]).exit_code == 0
    assert seen["config"].k == 7
    assert runner.invoke(command, ["--config", str(path), "-k", "9"]).exit_code == 0
    assert seen["config"].k == 9


def test_bad_option_values_exit_2_with_one_line(tmp_path: Path) -> None:
    result = run_cli("encode", tmp_path, "-o", tmp_path / "seq", "--features", "sift")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "--features" in lines[0] and "sift" in lines[0]
