"""The pipeline stages as commands: thin adapters over :mod:`soccer_lstm.pipeline`."""
from __future__ import annotations

import json
import sys
from typing import Any

import click

from soccer_lstm.cli_options import (build_config, codebook_options, config_file_option, config_options,
                                     encode_options, extract_options, model_option, out_option, overwrite_option,
                                     pipeline_config, predict_options, run_config, run_options, scheduler_option,
                                     strict_option, train_options)
from soccer_lstm.config import CodebookConfig, EncodeConfig, EvalConfig, ExtractConfig, PredictConfig, TrainConfig


def _say(ctx: click.Context, message: str) -> None:
    if not ctx.find_root().obj.get("quiet"):
        click.echo(message, err=True)


@click.command()
@click.argument("data", type=click.Path())
@out_option("Features folder to write (one .npz per clip plus index.json).")
@extract_options
@run_options("n_jobs")
@scheduler_option
@strict_option
@overwrite_option
@config_file_option
@click.pass_context
def extract(ctx: click.Context, data: str, out: str, scheduler: str | None, strict: bool,
            overwrite: bool, **options: Any) -> None:
    """Decode each clip of DATA once and store per-frame SIFT keypoints and descriptors.

    DATA is a folder with one subfolder per class (videos or folders of frames), or a CSV manifest
    with lines path,label[,group]. Finished clips are skipped when extract runs again.
    """
    from soccer_lstm.errors import BatchError
    from soccer_lstm.pipeline import run_extract

    try:
        summary = run_extract(data, out, build_config(ExtractConfig, options), n_jobs=run_config(options).n_jobs,
                              scheduler=scheduler, strict=strict, overwrite=overwrite)
    except BatchError as exc:  # list what was skipped before the run stopped, then the error itself
        for path, problem in exc.failures:
            click.echo(f"skipped {path}: {problem}", err=True)
        raise
    # The summary comes at the end, after the progress bar: one line per clip left out or kept with a warning.
    for path, problem in summary.failed:
        click.echo(f"skipped {path}: {problem}", err=True)
    for path, problem in summary.warnings:
        click.echo(f"warning {path}: {problem}", err=True)
    _say(ctx, f"extract: {summary.extracted} clips extracted, {summary.cached} up to date, "
              f"{len(summary.failed)} skipped -> {out}")


@click.command()
@click.argument("features", type=click.Path())
@out_option("Codebook file to write (.npz).")
@codebook_options
@overwrite_option
@config_file_option
@click.pass_context
def codebook(ctx: click.Context, features: str, out: str, overwrite: bool, **options: Any) -> None:
    """Fit a k-means visual vocabulary on a seeded sample of the descriptors in FEATURES."""
    from soccer_lstm.pipeline import run_codebook

    on_interrupt(ctx, "Interrupted; the codebook was not written (it is fitted again when re-run).")
    result = run_codebook(features, out, build_config(CodebookConfig, options), overwrite=overwrite)
    _say(ctx, f"codebook: {'fitted' if result.rebuilt else 'up to date'}, {len(result.codebook.cluster_centers_)} words, "
              f"fingerprint {result.codebook.fingerprint_} -> {out}")


@click.command()
@click.argument("features_dir", metavar="FEATURES", type=click.Path())
@click.option("--codebook", "codebook_path", type=click.Path(), default=None,
              help="Codebook from 'soccer-lstm codebook' (needed for bow features).")
@out_option("Sequences folder to write (one .npz per clip plus index.json).")
@encode_options
@run_options("n_jobs")
@scheduler_option
@overwrite_option
@config_file_option
@click.pass_context
def encode(ctx: click.Context, features_dir: str, codebook_path: str | None, out: str,
           scheduler: str | None, overwrite: bool, **options: Any) -> None:
    """Turn each clip of FEATURES into one vector per frame (visual words, camera and local motion)."""
    from soccer_lstm.pipeline import run_encode

    config = build_config(EncodeConfig, options)
    result = run_encode(features_dir, codebook_path, out, config, n_jobs=run_config(options).n_jobs,
                                 scheduler=scheduler, overwrite=overwrite)
    _say(ctx, f"encode: {result.encoded} clips encoded, {result.cached} up to date ({config.features}) -> {out}")


@click.command()
@click.argument("sequences", type=click.Path())
@out_option("Model folder to write.")
@train_options
@overwrite_option
@click.option("--plot", is_flag=True, help="Also draw the learning curve into OUT/learning_curve.png.")
@config_file_option
@click.pass_context
def train(ctx: click.Context, sequences: str, out: str, overwrite: bool, plot: bool, **options: Any) -> None:
    """Train a clip classifier (the LSTM by default, --classifier) on the encoded SEQUENCES.

    The LSTM early-stops on a validation part: it shows each epoch's training loss, validation loss
    and validation clip accuracy, then the best epoch (whose weights are kept); the history is saved
    in OUT/history.json.
    """
    from pathlib import Path

    from soccer_lstm.pipeline import run_train

    config = build_config(TrainConfig, options)
    on_interrupt(ctx, "Interrupted; no model was written (training starts over when re-run).")
    result = run_train(sequences, out, config, overwrite=overwrite)
    if plot and (result.trained or not (Path(out) / "learning_curve.png").is_file()):
        from soccer_lstm.evaluation.plots import plot_training

        if not plot_training(out):
            _say(ctx, f"train: {config.classifier} keeps no per-epoch history; no learning curve to draw")
    if result.trained:
        classifier = result.classifier
        summary = classifier.best_summary() if hasattr(classifier, "best_summary") else config.classifier
        _say(ctx, f"train: {summary}; classes {', '.join(map(str, classifier.classes_))} -> {out}")
        for note in result.notes:
            _say(ctx, f"train: {note}")
    else:
        _say(ctx, f"train: model up to date -> {out}")


@click.command()
@click.argument("features_dir", metavar="FEATURES", type=click.Path())
@out_option("Folder to write: metrics.json, report.md, rows/<id>/ (as reproduce writes for each row).")
@config_options(CodebookConfig, EncodeConfig, TrainConfig, EvalConfig)
@run_options("seeds", "n_jobs", "threads")
@click.option("--fresh", is_flag=True, help="Compute every fold again even when its saved result matches.")
@overwrite_option
@config_file_option
@click.pass_context
def evaluate(ctx: click.Context, features_dir: str, out: str, fresh: bool, overwrite: bool, **options: Any) -> None:
    """Stratified (or grouped) k-fold cross-validation of the whole pipeline on FEATURES.

    The codebook, the scaler and the LSTM are fit on the training folds only. One line per fold as
    it finishes; finished folds are kept in OUT/rows/<id>/folds, so an interrupted run resumes.
    It is a one-row 'reproduce' on already extracted features: the same engine, metrics and layout.
    With --n-jobs, that many folds train at once, one process each.
    """
    from soccer_lstm.evaluation.cv import format_metrics
    from soccer_lstm.evaluation.reproduce import run_evaluate

    config = pipeline_config(options)
    run = run_config(options)
    on_interrupt(ctx, f"Interrupted; finished folds are kept in {out}/rows; re-run the same command to resume.")
    metrics = run_evaluate(features_dir, out, config, seeds=run.seed_list(config.train.seed), threads=run.threads or None,
                           fresh=fresh, overwrite=overwrite, say=lambda m: _say(ctx, m), command=_command_line(),
                           n_jobs=run.n_jobs)
    click.echo(format_metrics(metrics))


def _command_line() -> str | None:
    """The command line as typed, recorded in reports."""
    import shlex

    return "soccer-lstm " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else None


def on_interrupt(ctx: click.Context, message: str) -> None:
    """What the command group prints if this command is interrupted (it must be true of the command)."""
    ctx.find_root().obj["on_interrupt"] = message


def prediction_record(result: Any) -> dict[str, Any]:
    """The JSON object of one answer (predict --json, score's metrics.json)."""
    if result.error:
        return {"path": result.path, "label": None, "error": result.error}
    return {"path": result.path, "label": result.label, "probabilities": result.probabilities,
            "margin": result.margin, "low_confidence": result.low_confidence, "warnings": result.warnings}


def report_warnings(result: Any) -> None:
    """One ``warning <path>: <problem>`` line per warning on stderr (the format extract uses)."""
    for warning in result.warnings:
        click.echo(f"warning {result.path}: {warning}; the answer may mean little", err=True)


@click.command()
@model_option
@click.argument("clips", nargs=-1, type=click.Path())
@click.option("--sequences", "sequences_dir", type=click.Path(), default=None,
              help="Also classify every clip of this 'encode' output folder (refused if it was encoded with "
                   "another codebook or feature kind than the model's).")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per clip: path, label, probabilities, margin, low_confidence, warnings.")
@predict_options
@config_file_option
@click.pass_context
def predict(ctx: click.Context, model_dir: str, clips: tuple[str, ...], sequences_dir: str | None,
            as_json: bool, **options: Any) -> None:
    """Classify CLIPS (video files or frame folders) with a trained model.

    Each clip's answer is printed as soon as it is known: ``path, label, (probability)``, followed by
    ``low confidence (runner-up ...)`` when the runner-up is within --min-margin. A clip unlike the
    training clips (frame size, frame rate, length, keypoints per frame) gets a warning on stderr.
    A clip whose features cannot be computed is reported on stderr; the others are still answered
    and the exit code is 1. Problems with the model or --sequences folder exit with code 2.
    """
    from soccer_lstm.stages.predict import predict as predict_answers

    if not clips and not sequences_dir:
        raise click.UsageError("give clips to classify, or --sequences DIR")
    config = build_config(PredictConfig, options)
    answers = predict_answers(model_dir, clips, sequences_dir, config)  # the model is checked here
    on_interrupt(ctx, "Interrupted; the clips printed above were answered, the others were not.")
    failed = 0
    # Each clip is classified only when the loop reaches it, and printed at once.
    for result in answers:
        if result.error:
            failed += 1
            if as_json:
                click.echo(json.dumps(prediction_record(result)))
            click.echo(f"Error: {result.path}: {result.error}", err=True)
            continue
        report_warnings(result)
        if as_json:
            click.echo(json.dumps(prediction_record(result)))
        else:
            line = f"{result.path}\t{result.label}\t({result.probabilities[result.label]:.2f})"
            if result.low_confidence:
                line += (f"\tlow confidence (runner-up {result.runner_up} "
                         f"{result.probabilities[result.runner_up]:.2f})")
            click.echo(line)
    if failed:
        sys.exit(1)
