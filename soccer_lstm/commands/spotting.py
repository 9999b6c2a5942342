"""``soccer-lstm spot-score`` and ``soccer-lstm clips``: scoring spotted actions; training clips cut from games."""
from __future__ import annotations

import json
from typing import Any

import click

from soccer_lstm.cli_options import build_config, config_file_option, config_options, out_option, overwrite_option
from soccer_lstm.config import ClipsConfig, SpotScoreConfig


def _class_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [part.strip() for part in value.split(",") if part.strip()]
    if not names:
        raise click.BadParameter("expected class names separated by commas, e.g. Goal,Throw-in")
    return sorted(set(names))


@click.command("spot-score")
@click.option("--labels", "labels_root", type=click.Path(), required=True,
              help="Folder of annotated games (any folder holding Labels-v2.json, at any depth).")
@click.option("--predictions", "predictions_root", type=click.Path(), required=True,
              help="Folder of predictions: PREDICTIONS/<game>/results_spotting.json, <game> as under --labels.")
@click.option("--classes", default=None, metavar="A,B,C",
              help="Score only these classes (default: every label of the annotations but background).")
@config_options(SpotScoreConfig)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@config_file_option
def spot_score(labels_root: str, predictions_root: str, classes: str | None, as_json: bool, **options: Any) -> None:
    """Score spotted actions with SoccerNet's metric: average-mAP (loose 5-60 s, tight 1-5 s) and AP per class.

    Computed as SoccerNet's official evaluation does (2 cells per second, greedy matching, 11-point
    AP). A game with no results_spotting.json counts as a game without predictions (a warning says so).
    """
    from soccer_lstm.spotting.metric import format_spotting_score, score_games

    config = build_config(SpotScoreConfig, options)
    score = score_games(labels_root, predictions_root, classes=_class_list(classes), tolerance=config.tolerance)
    click.echo(json.dumps(score.as_dict(), indent=2) if as_json else format_spotting_score(score))


@click.command("clips")
@click.argument("games", type=click.Path())
@click.option("-o", "--out", "out", type=click.Path(), required=True,
              help="Dataset folder to write: OUT/<label>/<game>_<half>_<ms>.avi and OUT/manifest.csv.")
@click.option("--classes", default=None, metavar="A,B,C",
              help="Keep only these labels (default: every label of the annotations); background is always made.")
@config_options(ClipsConfig)
@overwrite_option
@config_file_option
@click.pass_context
def clips(ctx: click.Context, games: str, out: str, classes: str | None, overwrite: bool, **options: Any) -> None:
    """Cut training clips from the annotated games under GAMES: one per action, and background.

    GAMES holds games in SoccerNet's layout (any folder with Labels-v2.json and <half>_*.<video>
    files: `synth --games` output or your own SoccerNet games). OUT is an ordinary folder-per-class
    dataset with a `background` class: extract, encode, train and evaluate read it unchanged
    (OUT/manifest.csv groups the clips by game).
    """
    from soccer_lstm.spotting.clips import cut_clips

    config = build_config(ClipsConfig, options)
    result = cut_clips(games, out, window=config.clip_seconds,
                       background_per_game=None if config.background_per_game < 0 else config.background_per_game,
                       classes=_class_list(classes), seed=config.seed, overwrite=overwrite)
    if not ctx.find_root().obj.get("quiet"):
        counts = ", ".join(f"{label} {n}" for label, n in sorted(result.counts.items()))
        click.echo(f"clips: {sum(result.counts.values())} clips from {result.games - len(result.skipped_games)} "
                   f"of {result.games} games ({counts}) -> {out}")


@click.command("spot-cuts")
@click.option("--train", "train_root", type=click.Path(), required=True,
              help="Annotated training games (Labels-v2.json and <half>_*.<video>) to learn each class's delay after a cut.")
@click.argument("videos", nargs=-1, type=click.Path(), required=True)
@out_option("Folder for each game's results_spotting.json (spot's format: spot-score scores it).")
@overwrite_option
@click.pass_context
def spot_cuts(ctx: click.Context, train_root: str, videos: tuple[str, ...], out: str, overwrite: bool) -> None:
    """The cuts-only spotter, a baseline: events at each hard cut, at each class's median delay after a cut.

    It finds hard cuts by frame differencing and learns, on the games of --train, how long after the
    last cut each class's actions come. It sees no football: its score beside a model's (spot-score)
    says how much of that score the camera cuts alone could give.
    """
    from soccer_lstm.spotting.cuts import spot_cuts as run

    delays = run(train_root, list(videos), out, overwrite=overwrite)
    if not ctx.find_root().obj.get("quiet"):
        text = ", ".join(f"{label} {delay:.1f} s" for label, delay in delays.items())
        click.echo(f"spot-cuts: delays after a cut ({text}) -> {out}")
