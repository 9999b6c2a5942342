"""``soccer-lstm spot-score`` and ``soccer-lstm clips``: scoring spotted actions; training clips cut from games."""
from __future__ import annotations

import json

import click


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
@click.option("--tolerance", type=click.FloatRange(min=0, min_open=True), default=5.0, show_default=True,
              help="Also report AP at this single tolerance in seconds (a prediction counts within half of it).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
def spot_score(labels_root: str, predictions_root: str, classes: str | None, tolerance: float, as_json: bool) -> None:
    """Score spotted actions with SoccerNet's metric: average-mAP (loose 5-60 s, tight 1-5 s) and AP per class.

    Computed as SoccerNet's official evaluation does (2 cells per second, greedy matching, 11-point
    AP). A game with no results_spotting.json counts as a game without predictions (a warning says so).
    """
    from soccer_lstm.spotting.metric import format_spotting_score, score_games

    score = score_games(labels_root, predictions_root, classes=_class_list(classes), tolerance=tolerance)
    click.echo(json.dumps(score.as_dict(), indent=2) if as_json else format_spotting_score(score))


@click.command("clips")
@click.argument("games", type=click.Path())
@click.option("-o", "--out", "out", type=click.Path(), required=True,
              help="Dataset folder to write: OUT/<label>/<game>_<half>_<ms>.avi and OUT/manifest.csv.")
@click.option("--window", type=click.FloatRange(min=0, min_open=True), default=2.0, show_default=True,
              help="Clip length in seconds, centred on each action's instant.")
@click.option("--background-per-game", type=click.IntRange(min=0), default=None,
              help="Background clips per game, away from every action  [default: as many as one class has "
                   "in that game].")
@click.option("--classes", default=None, metavar="A,B,C",
              help="Keep only these labels (default: every label of the annotations); background is always made.")
@click.option("--seed", type=int, default=0, show_default=True, help="Where the background clips fall.")
@click.option("--overwrite", is_flag=True, help="Replace a dataset this command made from other games.")
@click.pass_context
def clips(ctx: click.Context, games: str, out: str, window: float, background_per_game: int | None,
          classes: str | None, seed: int, overwrite: bool) -> None:
    """Cut training clips from the annotated games under GAMES: one per action, and background.

    GAMES holds games in SoccerNet's layout (any folder with Labels-v2.json and <half>_*.<video>
    files: `synth --games` output or your own SoccerNet games). OUT is an ordinary folder-per-class
    dataset with a `background` class: extract, encode, train and evaluate read it unchanged
    (OUT/manifest.csv groups the clips by game).
    """
    from soccer_lstm.spotting.clips import cut_clips

    result = cut_clips(games, out, window=window, background_per_game=background_per_game,
                       classes=_class_list(classes), seed=seed, overwrite=overwrite)
    if not ctx.find_root().obj.get("quiet"):
        counts = ", ".join(f"{label} {n}" for label, n in sorted(result.counts.items()))
        click.echo(f"clips: {sum(result.counts.values())} clips from {result.games - len(result.skipped_games)} "
                   f"of {result.games} games ({counts}) -> {out}")
