"""The pipeline stages as commands: thin adapters over :mod:`soccer_lstm.pipeline`."""
from __future__ import annotations

import itertools
import json
import sys
from typing import Any

import click

from soccer_lstm.cli_options import (codebook_options, encode_options, extract_config, extract_options,
                                     folds_option, n_jobs_option, out_option, overwrite_option, scheduler_option,
                                     min_margin_option, model_option, seed_option,
                                     seeds_type, strict_option, train_config, train_options)


def _say(ctx: click.Context, message: str) -> None:
    if not ctx.find_root().obj.get("quiet"):
        click.echo(message, err=True)


@click.command()
@click.argument("data", type=click.Path())
@out_option("Features folder to write (one .npz per clip plus index.json).")
@extract_options
@n_jobs_option
@scheduler_option
@strict_option
@overwrite_option
@click.pass_context
def extract(ctx: click.Context, data: str, out: str, n_jobs: int, scheduler: str | None, strict: bool,
            overwrite: bool, **options: Any) -> None:
    """Decode each clip of DATA once and store per-frame SIFT keypoints and descriptors.

    DATA is a folder with one subfolder per class (videos or folders of frames), or a CSV manifest
    with lines path,label[,group]. Finished clips are skipped when extract runs again.
    """
    from soccer_lstm.errors import BatchError
    from soccer_lstm.pipeline import run_extract

    try:
        summary = run_extract(data, out, extract_config(options), n_jobs=n_jobs, scheduler=scheduler, strict=strict,
                              overwrite=overwrite)
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
@seed_option
@overwrite_option
@click.pass_context
def codebook(ctx: click.Context, features: str, out: str, k: int, sample_size: int, seed: int,
             overwrite: bool) -> None:
    """Fit a k-means visual vocabulary on a seeded sample of the descriptors in FEATURES."""
    from soccer_lstm.config import CodebookConfig, validate
    from soccer_lstm.pipeline import run_codebook

    on_interrupt(ctx, "Interrupted; the codebook was not written (it is fitted again when re-run).")
    book, rebuilt = run_codebook(features, out, validate(CodebookConfig(k=k, sample_size=sample_size, seed=seed)),
                                 overwrite=overwrite)
    _say(ctx, f"codebook: {'fitted' if rebuilt else 'up to date'}, {len(book.cluster_centers_)} words, "
              f"fingerprint {book.fingerprint_} -> {out}")


@click.command()
@click.argument("features", type=click.Path())
@click.option("--codebook", "codebook_path", type=click.Path(), default=None,
              help="Codebook from 'soccer-lstm codebook' (needed for bow features).")
@out_option("Sequences folder to write (one .npz per clip plus index.json).")
@encode_options
@n_jobs_option
@scheduler_option
@overwrite_option
@click.pass_context
def encode(ctx: click.Context, features: str, codebook_path: str | None, out: str, n_jobs: int,
           scheduler: str | None, overwrite: bool, **options: Any) -> None:
    """Turn each clip of FEATURES into one vector per frame (BoW histogram and/or camera motion)."""
    from soccer_lstm.config import EncodeConfig, validate
    from soccer_lstm.pipeline import run_encode

    config = validate(EncodeConfig(features=options["feature_kind"], motion_model=options["motion_model"]))
    encoded, cached = run_encode(features, codebook_path, out, config, n_jobs=n_jobs, scheduler=scheduler,
                                 overwrite=overwrite)
    _say(ctx, f"encode: {encoded} clips encoded, {cached} up to date ({config.features}) -> {out}")


@click.command()
@click.argument("sequences", type=click.Path())
@out_option("Model folder to write.")
@train_options
@seed_option
@overwrite_option
@click.option("--plot", is_flag=True, help="Also draw the learning curve into OUT/learning_curve.png.")
@click.pass_context
def train(ctx: click.Context, sequences: str, out: str, seed: int, overwrite: bool, plot: bool,
          **options: Any) -> None:
    """Train the LSTM on the encoded SEQUENCES (early stopping on a validation part).

    Shows each epoch's training loss, validation loss and validation clip accuracy, then the best
    epoch (whose weights are kept); the history is saved in OUT/history.json.
    """
    from soccer_lstm.pipeline import run_train

    config = train_config(options, seed)
    on_interrupt(ctx, "Interrupted; no model was written (training starts over when re-run).")
    classifier, trained = run_train(sequences, out, config, overwrite=overwrite, plot=plot)
    if trained:
        _say(ctx, f"train: {classifier.best_summary()}; classes {', '.join(classifier.classes_)} -> {out}")
    else:
        _say(ctx, f"train: model up to date -> {out}")


@click.command()
@click.argument("features", type=click.Path())
@out_option("Folder for metrics.json.")
@codebook_options
@encode_options
@train_options
@folds_option
@seed_option
@click.option("--seeds", type=seeds_type, default=None, help="Repeat with these seeds, e.g. 0,1,2 (overrides --seed).")
@n_jobs_option
@overwrite_option
@click.pass_context
def evaluate(ctx: click.Context, features: str, out: str, k: int, sample_size: int, folds: int, seed: int,
             seeds: list[int] | None, n_jobs: int, overwrite: bool, **options: Any) -> None:
    """Stratified (or grouped) k-fold cross-validation of the whole pipeline on FEATURES.

    The codebook, the motion scaler and the LSTM are fit on the training folds only. One line per
    fold as it finishes; finished folds are kept in OUT/folds, so an interrupted run resumes.
    With --n-jobs, that many folds train at once, one process each.
    """
    from soccer_lstm.config import CodebookConfig, EncodeConfig, EvalConfig, PipelineConfig, validate
    from soccer_lstm.evaluation.cv import format_metrics, run_evaluate

    encode_config = validate(EncodeConfig(features=options.pop("feature_kind"), motion_model=options.pop("motion_model")))
    config = PipelineConfig(
        extract=_extract_config_of(features),
        codebook=validate(CodebookConfig(k=k, sample_size=sample_size, seed=seed)),
        encode=encode_config, train=train_config(options, seed), evaluate=validate(EvalConfig(folds=folds, seed=seed)))
    on_interrupt(ctx, f"Interrupted; finished folds are kept in {out}/folds; re-run the same command to resume.")

    def on_fold(fold: Any, n_folds: int, kept: bool) -> None:
        how = "kept from an earlier run" if kept else f"{fold.train_seconds:.1f} s"
        _say(ctx, f"seed {fold.seed} fold {fold.fold + 1}/{n_folds}: accuracy {fold.accuracy:.3f} "
                  f"on {len(fold.test_index)} clips ({how})")

    metrics = run_evaluate(features, out, config, seeds=seeds or [seed], overwrite=overwrite, on_fold=on_fold,
                           n_jobs=n_jobs)
    click.echo(format_metrics(metrics))


def _extract_config_of(features: str) -> Any:
    from soccer_lstm.config import ExtractConfig
    from soccer_lstm.store import FeatureStore

    return ExtractConfig(**FeatureStore(features).config)


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
@min_margin_option
@click.pass_context
def predict(ctx: click.Context, model_dir: str, clips: tuple[str, ...], sequences_dir: str | None,
            as_json: bool, min_margin: float) -> None:
    """Classify CLIPS (video files or frame folders) with a trained model.

    Each clip's answer is printed as soon as it is known: ``path, label, (probability)``, followed by
    ``low confidence (runner-up ...)`` when the runner-up is within --min-margin. A clip unlike the
    training clips (frame size, frame rate, length, keypoints per frame) gets a warning on stderr.
    A clip whose features cannot be computed is reported on stderr; the others are still answered
    and the exit code is 1. Problems with the model or --sequences folder exit with code 2.
    """
    from soccer_lstm.config import PredictConfig, validate
    from soccer_lstm.pipeline import iter_predict_clips, load_model, predict_sequences

    if not clips and not sequences_dir:
        raise click.UsageError("give clips to classify, or --sequences DIR")
    config = validate(PredictConfig(min_margin=min_margin))
    pipeline = load_model(model_dir)
    on_interrupt(ctx, "Interrupted; the clips printed above were answered, the others were not.")
    results = predict_sequences(pipeline, sequences_dir, config) if sequences_dir else []
    failed = 0
    # chain, not a tuple: each clip is classified only when the loop reaches it, and printed at once.
    for result in itertools.chain(results, iter_predict_clips(pipeline, clips, config) if clips else ()):
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
