"""Options shared by several commands, each declared once and reused as a decorator."""
from __future__ import annotations

from typing import Any, Callable

import click

from soccer_lstm.config import (AGGREGATIONS, FEATURE_KINDS, FLOW_PRESETS, MOTION_MODELS, OPTIMIZERS, SCALINGS, FUSIONS,
                                CodebookConfig, EncodeConfig, EvalConfig, ExtractConfig, PredictConfig, TrainConfig)

F = Callable[..., Any]


def _compose(*decorators: F) -> F:
    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func
    return apply


def out_option(help_text: str, required: bool = True) -> F:
    return click.option("-o", "--out", "out", type=click.Path(), required=required, help=help_text)


n_jobs_option = click.option("-j", "--n-jobs", type=int, default=1, show_default=True,
                             help="Parallel worker processes (-1 = all cores).")
scheduler_option = click.option("--scheduler", metavar="ADDRESS", default=None,
                                help="Run per-clip work on a Dask cluster (tcp://host:8786); needs the 'distributed' extra.")
overwrite_option = click.option(
    "--overwrite", is_flag=True,
    help="If --out holds this stage's output made from another input, remove its contents and start afresh "
         "(without it, such a folder is refused; another stage's folder is always refused).")
strict_option = click.option("--strict", is_flag=True, help="Stop at the first unreadable clip instead of skipping it.")

_e = ExtractConfig()
extract_options = _compose(
    click.option("--resize", type=click.IntRange(min=0), default=_e.resize, show_default=True,
                 help="Longest side of processed frames in pixels (0 keeps the decoded size)."),
    click.option("--frame-step", type=click.IntRange(min=1), default=_e.frame_step, show_default=True,
                 help="Keep every n-th frame."),
    click.option("--max-keypoints", type=click.IntRange(min=0), default=_e.max_keypoints, show_default=True,
                 help="Strongest SIFT keypoints kept per frame (0 = all)."),
    click.option("--crop-bars/--no-crop-bars", default=_e.crop_bars, show_default=True,
                 help="Remove black letterbox/pillarbox bars."),
    click.option("--flow-preset", type=click.Choice(FLOW_PRESETS), default=_e.flow_preset, show_default=True,
                 help="DIS optical flow preset for the local motion histograms (HOF, MBH)."),
    click.option("--grid", type=click.IntRange(1, 8), default=_e.grid, show_default=True,
                 help="Cells per side of the HOF/MBH/HOG spatial grid."),
)


def extract_config(kwargs: dict[str, Any]) -> ExtractConfig:
    from soccer_lstm.config import validate

    return validate(ExtractConfig(resize=kwargs.pop("resize"), frame_step=kwargs.pop("frame_step"),
                                  max_keypoints=kwargs.pop("max_keypoints"), crop_bars=kwargs.pop("crop_bars"),
                                  flow_preset=kwargs.pop("flow_preset"), grid=kwargs.pop("grid")))


_c = CodebookConfig()
codebook_options = _compose(
    click.option("-k", "--k", "k", type=click.IntRange(min=2), default=_c.k, show_default=True, help="Visual words."),
    click.option("--sample-size", type=click.IntRange(min=2), default=_c.sample_size, show_default=True,
                 help="Descriptors sampled (seeded) to fit k-means; bounds memory."),
)

def _check_features(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from soccer_lstm.config import feature_kinds
    from soccer_lstm.errors import UserError

    try:
        feature_kinds(value)
    except UserError as exc:
        raise click.BadParameter(str(exc).removeprefix("--features: ")) from None
    return value


_n = EncodeConfig()
encode_options = _compose(
    click.option("--features", "feature_kind", callback=_check_features, default=_n.features, show_default=True,
                 help=f"Per-frame vector: any '+' combination of {', '.join(FEATURE_KINDS)} (visual words, camera "
                      f"motion, local motion histograms, motion boundaries, gradient layout)."),
    click.option("--motion-model", type=click.Choice(MOTION_MODELS), default=_n.motion_model, show_default=True,
                 help="Camera motion model."),
)

_t = TrainConfig()
train_options = _compose(
    click.option("--units", type=click.IntRange(min=1), default=_t.units, show_default=True, help="LSTM cells."),
    click.option("--optimizer", type=click.Choice(OPTIMIZERS), default=_t.optimizer, show_default=True,
                 help="adam (fast) or paper (SGD lr 1e-4, momentum 0.9, one clip per update)."),
    click.option("--learning-rate", type=float, default=_t.learning_rate, show_default=True, help="Adam learning rate."),
    click.option("--batch-size", type=click.IntRange(min=1), default=_t.batch_size, show_default=True, help="Clips per update (adam)."),
    click.option("--epochs", type=click.IntRange(min=1), default=_t.epochs, show_default=True, help="Maximum epochs."),
    click.option("--patience", type=click.IntRange(min=1), default=_t.patience, show_default=True,
                 help="Early stopping: epochs without validation improvement."),
    click.option("--dropout", type=click.FloatRange(0, 1, max_open=True), default=_t.dropout, show_default=True,
                 help="Dropout on the LSTM inputs."),
    click.option("--aggregation", type=click.Choice(AGGREGATIONS), default=_t.aggregation, show_default=True,
                 help="Per-frame decisions -> clip label."),
    click.option("--scale", type=click.Choice(SCALINGS), default=_t.scale, show_default=True,
                 help="Standardise motion columns, all columns or none (training-clip statistics)."),
    click.option("--ensemble", type=click.IntRange(min=1), default=_t.ensemble, show_default=True,
                 help="Independent LSTMs (consecutive seeds) averaged into one model."),
    click.option("--fusion", type=click.Choice(FUSIONS), default=_t.fusion, show_default=True,
                 help="bow+motion: one LSTM per feature kind with their scores added under one softmax, trained "
                      "together (joint); one softmax each, averaged (late); one LSTM on both (early)."),
    click.option("--mirror/--no-mirror", default=_t.mirror, show_default=True,
                 help="Also train on left-right mirrored copies of the clips' camera motion (a pan to the "
                      "left and one to the right are the same action)."),
)


def train_config(kwargs: dict[str, Any], seed: int) -> TrainConfig:
    from soccer_lstm.config import validate

    names = ("units", "optimizer", "learning_rate", "batch_size", "epochs", "patience", "dropout", "aggregation",
             "scale", "ensemble", "fusion", "mirror")
    return validate(TrainConfig(**{n: kwargs.pop(n) for n in names}, seed=seed))


min_margin_option = click.option(
    "--min-margin", type=click.FloatRange(0, 1), default=PredictConfig().min_margin, show_default=True,
    help="Flag an answer as low confidence when its top probability beats the runner-up by less than this.")
model_option = click.option("--model", "model_dir", type=click.Path(), required=True,
                            help="Model folder from 'soccer-lstm train' (the folder, not a file in it).")
seed_option = click.option("--seed", type=int, default=0, show_default=True, help="Seed of every random step.")
folds_option = click.option("--folds", type=click.IntRange(min=2), default=EvalConfig().folds, show_default=True,
                            help="k of k-fold cross-validation.")


def seeds_type(value: str) -> list[int]:
    try:
        return [int(s) for s in value.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {value!r}") from None
