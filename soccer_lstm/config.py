"""Every option of every stage, declared once with its default and a one-line reason.

The CLI, the Makefile, experiment files and the library all read these dataclasses; nothing else
holds a default. :func:`validate` holds every cross-field check.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from soccer_lstm.errors import UserError

# Kinds of per-frame features, in the order they are concatenated; --features joins any of them
# with "+" (e.g. bow+motion+hof+mbh+hog). See soccer_lstm/features/layout.py.
FEATURE_KINDS = ("bow", "motion", "hof", "mbh", "hog")
FLOW_PRESETS = ("ultrafast", "fast", "medium")
AGGREGATIONS = ("mean", "vote", "last")
OPTIMIZERS = ("adam", "paper")
SCALINGS = ("motion", "all", "none")
FUSIONS = ("early", "late", "joint")
MOTION_MODELS = ("affine", "similarity")


@dataclass(frozen=True)
class ExtractConfig:
    resize: int = 320            # longest side of the processed frame (px); 0 keeps the decoded size
    frame_step: int = 1          # keep every n-th frame
    max_keypoints: int = 300     # strongest SIFT keypoints kept per frame; 0 = all
    crop_bars: bool = True       # remove black letterbox/pillarbox bars before resizing
    contrast_threshold: float = 0.04  # SIFT contrast threshold (OpenCV's default)
    flow_preset: str = "fast"    # DIS optical flow preset for HOF/MBH (see README: measured)
    grid: int = 3                # cells per side of the HOF/MBH/HOG spatial grid


@dataclass(frozen=True)
class CodebookConfig:
    k: int = 200                 # number of visual words (see README: measured on the real sets)
    sample_size: int = 50_000    # descriptors sampled (seeded) to fit k-means; bounds memory
    batch_size: int = 4096       # MiniBatchKMeans batch size
    seed: int = 0                # seeds the subsample and k-means


@dataclass(frozen=True)
class EncodeConfig:
    features: str = "bow"        # any "+" combination of bow, motion, hof, mbh, hog
    motion_model: str = "affine"  # affine (6 numbers) | similarity (4 numbers)


@dataclass(frozen=True)
class TrainConfig:
    units: int = 150             # LSTM cells, as in the paper
    optimizer: str = "adam"      # adam (fast default) | paper (SGD 1e-4, momentum 0.9, batch 1)
    learning_rate: float = 1e-3  # for adam; the paper preset fixes its own
    batch_size: int = 8          # clips per update for adam; paper preset uses 1
    epochs: int = 150            # upper bound; early stopping usually ends sooner
    patience: int = 20           # epochs without validation improvement before stopping
    validation_split: float = 0.2  # share of training clips held out for early stopping
    dropout: float = 0.2         # dropout on LSTM inputs; regularises ~100-clip datasets
    aggregation: str = "mean"    # mean | vote | last: how per-frame decisions become one label
    max_steps: int = 0           # truncate sequences longer than this (0 = no limit)
    scale: str = "all"           # standardise every column with training-clip statistics (motion, all, none)
    ensemble: int = 1            # independent LSTMs (consecutive seeds) whose outputs are averaged
    fusion: str = "joint"        # bow+motion: joint = one LSTM per kind, scores summed under one softmax;
                                 # late = one softmax per kind, averaged; early = one LSTM on both
    mirror: bool = True          # also train on left-right mirrored copies of the clips' camera motion
    seed: int = 0                # seeds weight init, shuffling and the validation split


@dataclass(frozen=True)
class PredictConfig:
    # An answer is flagged "low confidence" when its top probability beats the runner-up by less than
    # this (see README, "Predicting": measured on held-out football clips).
    min_margin: float = 0.15


@dataclass(frozen=True)
class EvalConfig:
    folds: int = 3               # k of k-fold cross-validation (3 in the paper)
    seed: int = 0                # seeds the fold assignment


@dataclass(frozen=True)
class PipelineConfig:
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    codebook: CodebookConfig = field(default_factory=CodebookConfig)
    encode: EncodeConfig = field(default_factory=EncodeConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    evaluate: EvalConfig = field(default_factory=EvalConfig)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def feature_kinds(features: str) -> tuple[str, ...]:
    """The kinds named in a ``--features`` value, in :data:`FEATURE_KINDS` order.

    Raises
    ------
    UserError
        On an unknown, repeated or missing kind.
    """
    names = [name.strip() for name in str(features).split("+")]
    unknown = [name for name in names if name not in FEATURE_KINDS]
    if unknown or not names:
        raise UserError(f"--features: unknown kind(s) {', '.join(repr(n) for n in unknown)} in {features!r}; "
                        f"join any of {', '.join(FEATURE_KINDS)} with '+'")
    if len(set(names)) != len(names):
        raise UserError(f"--features: a kind is repeated in {features!r}")
    return tuple(kind for kind in FEATURE_KINDS if kind in names)


def from_dict(cls: type, values: dict[str, Any] | None) -> Any:
    """Build a config dataclass from a mapping, refusing unknown keys with a clear message."""
    values = dict(values or {})
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UserError(f"unknown option(s) for {cls.__name__}: {', '.join(unknown)}")
    if cls is PipelineConfig:
        kwargs = {name: from_dict(type(getattr(PipelineConfig(), name)), values.get(name)) for name in known}
        return validate(cls(**kwargs))
    return validate(cls(**values))


def override(config: Any, **changes: Any) -> Any:
    """A copy of ``config`` with the non-None ``changes`` applied and validated."""
    changes = {k: v for k, v in changes.items() if v is not None}
    return validate(replace(config, **changes)) if changes else config


def validate(config: Any) -> Any:
    """Cross-field checks for any stage config; returns it unchanged or raises UserError."""
    def need(condition: bool, message: str) -> None:
        if not condition:
            raise UserError(message)

    if isinstance(config, ExtractConfig):
        need(config.resize >= 0, "--resize must be 0 or a positive number of pixels")
        need(config.frame_step >= 1, "--frame-step must be at least 1")
        need(config.max_keypoints >= 0, "--max-keypoints must be 0 (all) or positive")
        need(config.flow_preset in FLOW_PRESETS, f"--flow-preset must be one of {', '.join(FLOW_PRESETS)}")
        need(isinstance(config.grid, int) and 1 <= config.grid <= 8, "--grid must be between 1 and 8")
    elif isinstance(config, CodebookConfig):
        need(config.k >= 2, "--k must be at least 2")
        need(config.sample_size >= config.k, "--sample-size must be at least k")
    elif isinstance(config, EncodeConfig):
        feature_kinds(config.features)
        need(config.motion_model in MOTION_MODELS, f"--motion-model must be one of {', '.join(MOTION_MODELS)}")
    elif isinstance(config, TrainConfig):
        need(config.units >= 1, "--units must be positive")
        need(config.ensemble >= 1, "--ensemble must be at least 1")
        need(config.fusion in FUSIONS, f"--fusion must be one of {', '.join(FUSIONS)}")
        need(config.optimizer in OPTIMIZERS, f"--optimizer must be one of {', '.join(OPTIMIZERS)}")
        need(config.aggregation in AGGREGATIONS, f"--aggregation must be one of {', '.join(AGGREGATIONS)}")
        need(0.0 <= config.validation_split < 0.9, "--validation-split must be in [0, 0.9)")
        need(0.0 <= config.dropout < 1.0, "--dropout must be in [0, 1)")
        need(config.scale in SCALINGS, f"--scale must be one of {', '.join(SCALINGS)}")
        need(config.epochs >= 1 and config.batch_size >= 1, "--epochs and --batch-size must be positive")
        need(isinstance(config.mirror, bool), "mirror must be true or false")
    elif isinstance(config, PredictConfig):
        need(0.0 <= config.min_margin <= 1.0, "--min-margin must be in [0, 1]")
    elif isinstance(config, EvalConfig):
        need(config.folds >= 2, "--folds must be at least 2")
    return config
