"""``soccer-lstm score``: a trained model on a labelled held-out dataset."""
from __future__ import annotations

import click

from typing import Any

from soccer_lstm.cli_options import (build_config, config_file_option, model_option, out_option, overwrite_option,
                                     predict_options)
from soccer_lstm.commands.stages import on_interrupt, report_warnings


@click.command()
@model_option
@click.argument("data", type=click.Path())
@out_option("Score folder to write: metrics.json and confusion.png.")
@predict_options
@overwrite_option
@config_file_option
@click.pass_context
def score(ctx: click.Context, model_dir: str, data: str, out: str, overwrite: bool, **options: Any) -> None:
    """Score a trained model on DATA, a labelled dataset laid out like a training set.

    Writes OUT/metrics.json (accuracy, per-class recall and precision, confusion matrix, every
    prediction) and OUT/confusion.png, and prints a short table. The figure is held-out only if DATA
    shares no clip with the model's training clips.
    """
    from soccer_lstm.config import PredictConfig
    from soccer_lstm.evaluation.score import format_score, run_score

    config = build_config(PredictConfig, options)
    on_interrupt(ctx, "Interrupted; no metrics were written (score starts over when re-run).")

    def on_clip(result, label: str) -> None:
        if result.error:
            click.echo(f"skipped {result.path}: {result.error}", err=True)
        else:
            report_warnings(result)

    metrics = run_score(model_dir, data, out, config, overwrite=overwrite, on_clip=on_clip)
    click.echo(format_score(metrics))
    if not ctx.find_root().obj.get("quiet"):
        click.echo(f"score: metrics.json and confusion.png -> {out}", err=True)
