"""``soccer-lstm spot --model M VIDEO... -o OUT``: the actions of whole videos, in SoccerNet's format."""
from __future__ import annotations

from typing import Any

import click
from click.core import ParameterSource

from soccer_lstm.cli_options import (build_config, config_file_option, config_options, extract_options, model_option,
                                     out_option, overwrite_option, run_config, run_options,
                                     scheduler_option)
from soccer_lstm.config import ExtractConfig, SpotConfig


def _given(ctx: click.Context, names: list[str], options: dict[str, Any]) -> dict[str, Any]:
    """The options a user set (flag, environment or --config file), not click's defaults."""
    return {name: options[name] for name in names
            if ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)}


@click.command("spot")
@model_option
@click.argument("videos", nargs=-1, type=click.Path(), required=True)
@out_option("Folder for each game's results_spotting.json and the per-video timelines.")
@click.option("--plot", is_flag=True, help="Also draw each video's timeline.png (probabilities, spotted and annotated events).")
@config_options(SpotConfig)
@extract_options
@run_options("n_jobs")
@scheduler_option
@overwrite_option
@config_file_option
@click.pass_context
def spot(ctx: click.Context, model_dir: str, videos: tuple[str, ...], out: str, plot: bool, overwrite: bool,
         scheduler: str | None, **options: Any) -> None:
    """Find the actions in whole videos (VIDEO...: video files, frame folders, or folders of games).

    Each video is decoded once, streaming; the model classifies overlapping windows of it, each
    decision at its window's centre (--inference), and per-class probability peaks become events. A game (a folder holding 1_*.mkv and 2_*.mkv, or a Labels-v2.json) gets one
    OUT/GAME/results_spotting.json with both halves; any other video OUT/STEM/results_spotting.json.
    The per-frame probabilities go to timeline.npz (timeline_HALF.npz in a game), and what spot warned
    about each video (footage far from the training clips' size, frame rate or length) to warnings.json
    beside the predictions, as well as to stderr. The extract options default to the model's own (those
    it was trained with); a flag given replaces it. With --scheduler the videos are spread over a Dask
    cluster's workers (they read the model and the videos by the same absolute paths); the files are
    those of a local run.
    """
    from soccer_lstm.commands.stages import on_interrupt
    from soccer_lstm.spotting.spot import run_spot

    on_interrupt(ctx, "Interrupted; the games already finished have their results_spotting.json and timelines "
                      "(no file is half-written); re-run to spot the others.")
    n_jobs = run_config(options).n_jobs
    extract_names = list(ExtractConfig.__dataclass_fields__)
    overrides = _given(ctx, extract_names, options)
    for name in extract_names:
        options.pop(name)
    config = build_config(SpotConfig, options)
    quiet = ctx.find_root().obj.get("quiet")
    deferred: list[str] = []   # failures before the first success: the last becomes the error if all fail
    spotted = failed = 0
    for result in run_spot(model_dir, videos, out, config, overrides, plot=plot, overwrite=overwrite,
                           n_jobs=n_jobs, scheduler=scheduler):
        for warning in result.warnings:
            click.echo(f"warning {result.path}: {warning}", err=True)
        if result.error:
            failed += 1
            if spotted:
                click.echo(f"skipped {result.path}: {result.error}", err=True)
            else:
                deferred.append(f"{result.path}: {result.error}")
            continue
        spotted += 1
        for line in deferred:
            click.echo(f"skipped {line}", err=True)
        deferred = []
        if not quiet:
            click.echo(f"{result.path}: {len(result.events)} events in {result.seconds:.0f} s of video "
                       f"({result.speed:.1f}x real time) -> {result.timeline}", err=True)
        if result.page is not None and not quiet:
            click.echo(f"page: {result.page}", err=True)
        if result.predictions is not None:
            click.echo(str(result.predictions))
    if not spotted:
        from soccer_lstm.errors import UserError

        for line in deferred[:-1]:
            click.echo(f"skipped {line}", err=True)
        raise UserError(deferred[-1] if failed == 1 else f"none of the {failed} videos could be read; {deferred[-1]}")
    if failed:
        ctx.exit(1)
