"""The click options, generated from the config dataclasses; and the Makefile's variables.

Every option of :mod:`soccer_lstm.config` becomes a click option here (flag, type, range, default
and help all read from the field), so the CLI cannot disagree with the config. Options that are not
part of a stage config (paths, ``--overwrite``, ``--strict``) are declared once below and reused as
decorators. ``--config FILE.toml`` feeds the command's defaults from the same sections and keys an
experiment file uses (precedence: built-in default < config file < flag).

``python -m soccer_lstm.cli_options makefile`` writes ``make/options.mk``: one Makefile variable per
option (``VALIDATION_SPLIT`` for ``--validation-split``), passed to a command only when a user set
it, so ``make`` and the CLI share their defaults.
"""
from __future__ import annotations

import tomllib
from dataclasses import Field, fields
from typing import Any, Callable, Iterable

import click

from soccer_lstm.config import (SECTIONS, STAGE_CONFIGS, CodebookConfig, EncodeConfig, EvalConfig, ExtractConfig,
                                OptionError, PipelineConfig, PredictConfig, RunConfig, TrainConfig, check_field, default_of,
                                flag, validate)

F = Callable[..., Any]


def _compose(*decorators: F) -> F:
    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func
    return apply


def _click_type(f: Field) -> Any:
    meta = f.metadata
    if meta.get("choices"):
        return click.Choice(meta["choices"])
    if meta.get("low") is None and meta.get("high") is None:  # no range: nothing to show (not "x<=None")
        return {"int": int, "float": float}.get(f.type, str)
    if f.type == "int":
        return click.IntRange(min=meta.get("low"), max=meta.get("high"))
    if f.type == "float":
        return click.FloatRange(min=meta.get("low"), max=meta.get("high"), max_open=bool(meta.get("high_open")))
    return str


def field_option(f: Field, help_text: str | None = None) -> F:
    """The click option of one config field (``help_text`` replaces the field's help)."""
    meta = f.metadata
    help_text = help_text or meta["help"]
    if f.type == "bool":
        name = f.name.replace("_", "-")
        return click.option(f"--{name}/--no-{name}", f.name, default=default_of(f), show_default=True,
                            help=help_text)
    names = [meta["short"], flag(f.name)] if meta.get("short") else [flag(f.name)]
    return click.option(*names, f.name, type=_click_type(f), default=default_of(f), show_default=True,
                        metavar=meta.get("metavar"), help=help_text)


def _shared_help(same: list[Field]) -> str:
    """The help of an option several configs share (``seed``): one flag sets them all, so it says
    what each of them seeds ("Seed of the descriptor sample and k-means; the fold assignment.")."""
    helps = list(dict.fromkeys(f.metadata["help"] for f in same))
    if len(helps) == 1:
        return helps[0]
    prefix = "Seed of " if all(h.startswith("Seed of ") for h in helps) else ""
    return prefix + "; ".join(h.removeprefix(prefix).rstrip(".") for h in helps) + "."


def config_options(*classes: type, only: Iterable[str] | None = None, without: Iterable[str] = ()) -> F:
    """Click options for every field of ``classes`` (a name shared by several, ``seed``, once, its
    help saying what it sets in each)."""
    chosen: dict[str, list[Field]] = {}
    keep, skip = (set(only) if only is not None else None), set(without)
    for cls in classes:
        for f in fields(cls):
            if f.name in skip or (keep is not None and f.name not in keep):
                continue
            chosen.setdefault(f.name, []).append(f)
    return _compose(*(field_option(same[0], _shared_help(same)) for same in chosen.values()))


def build_config(cls: type, options: dict[str, Any]) -> Any:
    """The validated config of ``cls`` from a command's keyword arguments (its fields are popped,
    except ``seed``, which every config of the command shares)."""
    values = {}
    for f in fields(cls):
        if f.name in options:
            values[f.name] = options[f.name] if f.name == "seed" else options.pop(f.name)
    return validate(cls(**values))


def pipeline_config(options: dict[str, Any], extract: ExtractConfig = ExtractConfig()) -> PipelineConfig:
    """The codebook, encode, train and evaluate configs of a command's options (``seed`` sets all)."""
    config = PipelineConfig(extract=extract, codebook=build_config(CodebookConfig, options),
                            encode=build_config(EncodeConfig, options), train=build_config(TrainConfig, options),
                            evaluate=build_config(EvalConfig, options))
    options.pop("seed", None)
    return config


# --------------------------------------------------------------------------- --config FILE.toml
def _read_config_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Make the TOML file's options this command's defaults (flags still win)."""
    if value is None:
        return None
    try:
        with open(value, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise click.BadParameter(f"{value}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise click.BadParameter(f"{value}: not valid TOML ({exc})") from None
    sections = {name: cls for cls, name in SECTIONS.items()}
    accepted = {p.name for p in ctx.command.params}
    defaults: dict[str, Any] = {}
    for section, table in data.items():
        if section not in sections or not isinstance(table, dict):
            raise click.BadParameter(f"{value}: unknown section [{section}] (expected "
                                     f"{', '.join(f'[{s}]' for s in sections)})")
        known = {f.name: f for f in fields(sections[section])}
        for key, item in table.items():
            if key not in known:
                raise click.BadParameter(f"{value}: [{section}] has no option {key!r}")
            if key == "seeds" and isinstance(item, list):
                item = ",".join(map(str, item))
            try:  # checked here: click would silently truncate k = 200.5 to 200
                item = check_field(known[key], item, spelling="key")
            except OptionError as exc:
                raise click.BadParameter(f"{value}: [{section}] {exc}") from None
            if key in accepted:  # one file can serve every stage: other stages' options are left out
                defaults[key] = item
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    return value


config_file_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), is_eager=True, expose_value=False,
    callback=_read_config_file,
    help="TOML file with [extract], [codebook], [encode], [train], [evaluate], [predict], [run], [clips], [spot] "
         "and [spot-score] sections (the keys of soccer_lstm/config.py): its values become this command's defaults; "
         "flags still win.")


# --------------------------------------------------------------------------- options of no stage config
def out_option(help_text: str, required: bool = True) -> F:
    return click.option("-o", "--out", "out", type=click.Path(), required=required, help=help_text)


scheduler_option = click.option("--scheduler", metavar="ADDRESS", default=None,
                                help="Run per-clip work on a Dask cluster (tcp://host:8786); needs the 'distributed' extra.")
overwrite_option = click.option(
    "--overwrite", is_flag=True,
    help="If --out holds this stage's output made from another input, remove its contents and start afresh "
         "(without it, such a folder is refused; another stage's folder is always refused).")
strict_option = click.option("--strict", is_flag=True, help="Stop at the first unreadable clip instead of skipping it.")
model_option = click.option("--model", "model_dir", type=click.Path(), required=True,
                            help="Model folder from 'soccer-lstm train' (the folder, not a file in it).")

extract_options = config_options(ExtractConfig)
codebook_options = config_options(CodebookConfig)
encode_options = config_options(EncodeConfig)
train_options = config_options(TrainConfig)
evaluate_options = config_options(EvalConfig)
predict_options = config_options(PredictConfig)


def run_options(*names: str) -> F:
    """Some of the :class:`~soccer_lstm.config.RunConfig` options (``n_jobs``, ``threads``, ``seeds``)."""
    return config_options(RunConfig, only=names)


def run_config(options: dict[str, Any]) -> RunConfig:
    return build_config(RunConfig, options)


# --------------------------------------------------------------------------- the Makefile's variables
MAKEFILE_FRAGMENT = "make/options.mk"
# The make targets that call a command with its options, and the variables holding those options.
MAKE_COMMANDS = {"extract": "EXTRACT", "codebook": "CODEBOOK", "encode": "ENCODE", "train": "TRAIN",
                 "evaluate": "EVALUATE", "reproduce": "REPRODUCE", "score": "SCORE", "spot": "SPOT"}


# Flags of a command that are no config option but that make passes when set: variable, help.
MAKE_FLAGS = {"plot": "PLOT"}
MAKE_FLAG_HELP = {"plot": "1: also draw the figures (train: OUT/model/learning_curve.png; spot: a timeline per video)."}


def option_fields_of(command: click.Command) -> list[tuple[click.Option, Field]]:
    """The options of a command that are config fields, with their field."""
    by_name = {f.name: f for cls in STAGE_CONFIGS for f in fields(cls)}
    return [(p, by_name[p.name]) for p in command.params if isinstance(p, click.Option) and p.name in by_name]


def makefile_fragment() -> str:
    """``make/options.mk``: per command, the flags of the variables a user set; and ``make help``'s list."""
    from soccer_lstm.cli import cli

    lines = ["# Generated from soccer_lstm/config.py by `python -m soccer_lstm.cli_options makefile`; do not edit.",
             "# A variable reaches a command only when it is set (make K=400 evaluate), so make and the CLI",
             "# share every default.",
             "opt = $(if $($(2)),--$(1) '$($(2))')",
             "bool = $(if $(filter true yes 1,$($(2))),--$(1),$(if $(filter false no 0,$($(2))),--no-$(1)))",
             "flag = $(if $(filter true yes 1,$($(2))),--$(1))",
             ""]
    help_lines: dict[str, str] = {}
    ctx = click.Context(cli)
    for command_name, prefix in MAKE_COMMANDS.items():
        command = cli.get_command(ctx, command_name)
        calls = []
        for param, f in option_fields_of(command):
            variable, name = f.name.upper(), f.name.replace("_", "-")
            calls.append(f"$(call {'bool' if f.type == 'bool' else 'opt'},{name},{variable})")
            default = "true" if default_of(f) is True else "false" if default_of(f) is False else default_of(f)
            line = f"  {variable:<19}{(str(default) or '-') + ' ':<9}{param.help}"
            if len(line) > len(help_lines.get(variable, "")):  # a shared option (SEED): the command that sets most
                help_lines[variable] = line
        for param in command.params:  # plain on/off flags of no config that make passes too (PLOT=1)
            if isinstance(param, click.Option) and param.is_flag and param.name in MAKE_FLAGS:
                variable = MAKE_FLAGS[param.name]
                calls.append(f"$(call flag,{param.name.replace('_', '-')},{variable})")
                help_lines[variable] = f"  {variable:<19}{'- ':<9}{MAKE_FLAG_HELP[param.name]}"
        lines.append(f"{prefix}_FLAGS = {' '.join(calls)}".rstrip())
    lines += ["", "define OPTIONS_HELP", *[help_lines[v] for v in sorted(help_lines)], "endef", "export OPTIONS_HELP", ""]
    return "\n".join(lines)


if __name__ == "__main__":  # python -m soccer_lstm.cli_options makefile
    import sys
    from pathlib import Path

    if sys.argv[1:] != ["makefile"]:
        sys.exit("usage: python -m soccer_lstm.cli_options makefile")
    target = Path(__file__).resolve().parent.parent / MAKEFILE_FRAGMENT
    target.parent.mkdir(exist_ok=True)
    target.write_text(makefile_fragment())
    print(f"wrote {target}")
