"""Every option of every stage, declared once: its default, its help, its range.

Each field of the dataclasses below is declared with :func:`option`, whose metadata holds the help
text, the allowed values or range and (for a few) a short flag. Everything else is generated from
them: the click options (:mod:`soccer_lstm.cli_options`), the TOML keys of experiment files (a
section per dataclass, a key per field), the Makefile's variables (``make/options.mk``, see :mod:`soccer_lstm.cli_options`) and
the checks of :func:`validate`. Nothing else holds a default.

A value is checked when a config is built (:func:`from_dict`, :func:`override`, :func:`validate`):
its type, its range and the cross-field rules, with a one-line error that names the option as the
user wrote it (``--validation-split`` on the command line, ``validation_split`` in a TOML file).
"""
from __future__ import annotations

from dataclasses import MISSING, Field, asdict, dataclass, field, fields, replace
from typing import Any, Iterator

from soccer_lstm.errors import UserError

FLOW_PRESETS = ("ultrafast", "fast", "medium")
AGGREGATIONS = ("mean", "vote", "last")
OPTIMIZERS = ("adam", "paper")
SCALINGS = ("motion", "all", "none")
FUSIONS = ("early", "late", "joint")
MOTION_MODELS = ("affine", "similarity")
INFERENCES = ("centred", "windows", "state")
# The clip classifiers train can fit: the paper's LSTM and every baseline of the results table
# (soccer_lstm/models/baselines.py, nw.py).
CLASSIFIERS = ("lstm", "nw_knn", "nw_svm", "chi2_svm", "frame_svm_vote", "clip_logistic")
# Those that compare raw visual-word histograms (alignment, chi2): they need --features bow.
HISTOGRAM_CLASSIFIERS = ("nw_knn", "nw_svm", "chi2_svm")


class OptionError(UserError, ValueError):
    """A bad option value: a user error for the CLI (exit 2), a ValueError for scikit-learn callers."""


def option(default: Any, help: str, *, choices: tuple[str, ...] | None = None, low: float | None = None,
           high: float | None = None, high_open: bool = False, short: str | None = None,
           metavar: str | None = None) -> Any:
    """A config field with its help text and checks (see :func:`validate`).

    Parameters
    ----------
    default
        The one default of the option.
    help : str
        One line, shown by ``--help`` and ``make help``.
    choices : tuple of str, optional
        The allowed values of a text option.
    low, high : number, optional
        Inclusive lower bound and upper bound (exclusive with ``high_open``).
    short : str, optional
        A short flag (``-k``).
    """
    return field(default=default, metadata={"help": help, "choices": choices, "low": low, "high": high,
                                            "high_open": high_open, "short": short, "metavar": metavar})


def _seed(what: str) -> Any:
    # One --seed on the command line sets the seed of every config a command uses (its help joins
    # what each seeds, see soccer_lstm/cli_options.py); a TOML file can set each section's seed on
    # its own (e.g. [evaluate] seed fixes the folds for every row).
    return option(0, f"Seed of {what}.")


@dataclass(frozen=True)
class ExtractConfig:
    """Options of ``extract``: how frames are decoded and what is computed per frame."""

    resize: int = option(320, "Longest side of processed frames in pixels (0 keeps the decoded size).", low=0)
    frame_step: int = option(1, "Keep every n-th frame.", low=1)
    max_keypoints: int = option(300, "Strongest SIFT keypoints kept per frame (0 = all).", low=0)
    crop_bars: bool = option(True, "Remove black letterbox/pillarbox bars before resizing.")
    contrast_threshold: float = option(0.04, "SIFT contrast threshold (OpenCV's default 0.04).", low=0.0, high=1.0)
    flow_preset: str = option("fast", "DIS optical flow preset for the local motion histograms (HOF, MBH).",
                              choices=FLOW_PRESETS)
    grid: int = option(3, "Cells per side of the HOF/MBH/HOG spatial grid.", low=1, high=8)


@dataclass(frozen=True)
class CodebookConfig:
    """Options of ``codebook``: the k-means visual vocabulary."""

    k: int = option(200, "Visual words (k-means clusters).", low=2, short="-k")
    sample_size: int = option(50_000, "Descriptors sampled (seeded) to fit k-means; bounds memory.", low=2)
    kmeans_batch_size: int = option(4096, "MiniBatchKMeans batch size.", low=1)
    seed: int = _seed("the descriptor sample and k-means")


@dataclass(frozen=True)
class EncodeConfig:
    """Options of ``encode``: what the per-frame vector holds."""

    # The default is the combination with the best mean over the synthetic and both real sets
    # (3-fold CV, seeds 0, 1, 2; docs/results.md, "Where things are": 76.1 against 75.3 for
    # bow+motion+hof+mbh+hog, a margin inside the noise, measured 2026-12-06).
    features: str = option("spm+motion+hof+mbh+hog", "Per-frame vector: any '+' combination of bow, spm, motion, hof, mbh, hog "
                                  "(visual words, visual words per cell of a spatial pyramid, camera motion, local "
                                  "motion histograms, motion boundaries, gradient layout).", metavar="KIND+KIND")
    motion_model: str = option("affine", "Camera motion model: affine (6 numbers) or similarity (4 numbers).",
                               choices=MOTION_MODELS)
    spm_levels: str = option("1,2", "Levels of the spm pyramid: cells per side of each, e.g. 1,2 (the whole frame "
                                    "and 2x2 cells) or 1,2,4.", metavar="1,2")


@dataclass(frozen=True)
class TrainConfig:
    """Options of ``train``: the classifier (the LSTM by default) and how it is fit."""

    classifier: str = option("lstm", "Clip classifier: lstm (the paper's model) or a baseline of the results table "
                                      "(nw_knn, nw_svm, chi2_svm, frame_svm_vote, clip_logistic).", choices=CLASSIFIERS)
    units: int = option(150, "LSTM cells (150 in the paper).", low=1)
    optimizer: str = option("adam", "adam (fast) or paper (SGD lr 1e-4, momentum 0.9, one clip per update).",
                            choices=OPTIMIZERS)
    learning_rate: float = option(1e-3, "Adam learning rate (the paper preset fixes its own).", low=0.0)
    batch_size: int = option(8, "Clips per update (adam; the paper preset uses 1).", low=1)
    epochs: int = option(150, "Maximum epochs (early stopping usually ends sooner).", low=1)
    patience: int = option(20, "Early stopping: epochs without validation improvement.", low=1)
    validation_split: float = option(0.2, "Share of training clips held out for early stopping.", low=0.0,
                                     high=0.9, high_open=True)
    dropout: float = option(0.2, "Dropout on the LSTM inputs.", low=0.0, high=1.0, high_open=True)
    aggregation: str = option("mean", "How per-frame decisions become one clip label.", choices=AGGREGATIONS)
    max_steps: int = option(0, "Truncate sequences longer than this many frames (0 = no limit).", low=0)
    scale: str = option("all", "Standardise every column, the motion columns or none (training-clip statistics).",
                        choices=SCALINGS)
    ensemble: int = option(1, "Independent LSTMs (consecutive seeds) averaged into one model.", low=1)
    fusion: str = option("joint", "Several kinds: one LSTM per kind with scores added under one softmax (joint), "
                                  "one softmax each, averaged (late), or one LSTM on all (early).", choices=FUSIONS)
    mirror: bool = option(True, "Also train on left-right mirrored copies of the clips' camera and local motion.")
    seed: int = _seed("the weight initialisation, shuffling and the validation split")


@dataclass(frozen=True)
class PredictConfig:
    """Options of ``predict`` and ``score``."""

    # Measured on held-out football clips (see docs/results.md, "Predicting").
    min_margin: float = option(0.15, "Flag an answer as low confidence when its top probability beats the "
                                     "runner-up by less than this.", low=0.0, high=1.0)


@dataclass(frozen=True)
class SpotConfig:
    """Options of ``spot``: the classifier over a whole video, and how probabilities become events."""

    background: str = option("background", "The model's class for 'no action' (never spotted; the model must have it).")
    # Measured on generated games (docs/results.md, "Spotting"): see soccer_lstm/spotting/sequence.py.
    inference: str = option("centred", "Classify overlapping windows as clips, each decision at its window's centre "
                                       "(centred; any classifier); average the LSTM's per-frame outputs over the "
                                       "windows (windows); or run the LSTM once over the whole video, its state "
                                       "carried on (state).", choices=INFERENCES)
    window: float = option(0.0, "Seconds of video per window (0: the longest training clip).", low=0.0)
    stride: float = option(0.0, "Seconds between window starts (0: a quarter of the window).", low=0.0)
    nms: float = option(10.0, "Suppression window in seconds: no two events of one class closer than this.", low=0.0)
    # Low: average precision ranks every event by confidence, so a threshold can only cut recall
    # (on the spot-demo's held-out games, 0.5 instead of 0.05 lost 0.09 loose average-mAP).
    min_confidence: float = option(0.05, "Lowest probability peak reported as an event (raise it for a shorter "
                                         "list; AP ranks them by confidence).", low=0.0, high=1.0)
    html: bool = option(False, "Also write OUT/GAME/index.html: the video, the timeline and the events on one "
                               "self-contained page (click an event to jump there).")


@dataclass(frozen=True)
class EvalConfig:
    """Options of cross-validation (``evaluate``, ``reproduce``)."""

    folds: int = option(3, "k of k-fold cross-validation (3 in the paper).", low=2)
    seed: int = _seed("the fold assignment")


@dataclass(frozen=True)
class RunConfig:
    """How a command runs; changes no result, so it is not part of any fingerprint."""

    n_jobs: int = option(1, "Parallel worker processes for per-clip work and cross-validation folds (-1 = all cores).", low=-1, short="-j")
    threads: int = option(1, "Threads for k-means, BLAS and TensorFlow in this process (0 = the libraries' "
                             "defaults).", low=0)
    seeds: str = option("", "Repeat cross-validation with these seeds, e.g. 0,1,2 (default: --seed); the folds "
                            "stay fixed.", metavar="0,1,2")

    def seed_list(self, default: int = 0) -> list[int]:
        """The seeds to repeat with: ``seeds``, or ``[default]`` (the command's ``--seed``) when empty."""
        return parse_seeds(self.seeds) if self.seeds else [default]


@dataclass(frozen=True)
class ClipsConfig:
    """Options of ``clips``: training clips cut from annotated games."""

    # Centred and 2 s: the built-in training clips are 1.6-2.4 s with the action mid-clip.
    clip_seconds: float = option(2.0, "Clip length in seconds, centred on each action's instant.", low=0.2)
    background_per_game: int = option(-1, "Background clips per game, away from every action (-1: as many as "
                                          "one class has in that game).", low=-1)
    seed: int = _seed("where the background clips fall in each game")


@dataclass(frozen=True)
class SpotScoreConfig:
    """Options of ``spot-score``: SoccerNet's spotting metric."""

    tolerance: float = option(5.0, "Also report AP at this one tolerance in seconds (a prediction counts "
                                   "within half of it either side).", low=0.5)


@dataclass(frozen=True)
class PipelineConfig:
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    codebook: CodebookConfig = field(default_factory=CodebookConfig)
    encode: EncodeConfig = field(default_factory=EncodeConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    evaluate: EvalConfig = field(default_factory=EvalConfig)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# The TOML section of each stage config (and the Makefile's prefix-free variable names).
SECTIONS: dict[type, str] = {ExtractConfig: "extract", CodebookConfig: "codebook", EncodeConfig: "encode",
                             TrainConfig: "train", PredictConfig: "predict", EvalConfig: "evaluate",
                             RunConfig: "run", ClipsConfig: "clips", SpotConfig: "spot", SpotScoreConfig: "spot-score"}
STAGE_CONFIGS = tuple(SECTIONS)


def flag(name: str) -> str:
    """The command-line spelling of an option: ``validation_split`` -> ``--validation-split``."""
    return "--" + name.replace("_", "-")


def spelled(name: str, spelling: str) -> str:
    """An option as the user wrote it: a flag (``spelling == "flag"``) or a key (any other)."""
    return flag(name) if spelling == "flag" else name


def default_of(f: Field) -> Any:
    return f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]


def option_fields(cls: type) -> Iterator[Field]:
    """The fields of a stage config that are options (all of them)."""
    yield from fields(cls)


def feature_kinds(features: str, spelling: str = "flag") -> tuple[str, ...]:
    """The kinds named in a ``--features`` value, in registry order (see
    :func:`soccer_lstm.features.kinds.parse_kinds`, which holds every rule about a kind).

    Raises
    ------
    OptionError
        On an unknown, repeated or missing kind.
    """
    from soccer_lstm.features.kinds import parse_kinds

    return parse_kinds(features, spelling)


def parse_seeds(value: Any, spelling: str = "flag") -> list[int]:
    """``"0,1,2"`` (or a list of ints) as a list of seeds; empty for ``""``."""
    if isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        parts = [p.strip() for p in str(value).split(",") if p.strip()]
    try:
        seeds = [int(p) for p in parts if not isinstance(p, bool)]
    except (TypeError, ValueError):
        seeds = None
    if seeds is None or len(seeds) != len(parts):
        raise OptionError(f"{spelled('seeds', spelling)}: expected comma-separated whole numbers, got {value!r}")
    return seeds


def check_field(f: Field, value: Any, spelling: str = "flag") -> Any:
    """``value`` checked against the type and metadata of field ``f``; returns it (ints made floats
    for float options).

    Raises
    ------
    OptionError
        Naming the option as the user wrote it.
    """
    name, meta, kind = spelled(f.name, spelling), f.metadata, f.type
    if kind == "bool":
        if not isinstance(value, bool):
            raise OptionError(f"{name} must be true or false, got {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise OptionError(f"{name} must be a whole number, got {value!r}")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise OptionError(f"{name} must be a number, got {value!r}")
        value = float(value)
    elif kind == "str":
        if not isinstance(value, str):
            raise OptionError(f"{name} must be text, got {value!r}")
    choices = meta.get("choices")
    if choices and value not in choices:
        raise OptionError(f"{name} must be one of {', '.join(choices)} (got {value!r})")
    low, high, high_open = meta.get("low"), meta.get("high"), meta.get("high_open")
    if low is not None and high is not None:
        if not (low <= value < high if high_open else low <= value <= high):
            interval = f"[{low}, {high})" if high_open else f"[{low}, {high}]"
            if kind == "int":
                interval = f"between {low} and {high}"
                raise OptionError(f"{name} must be {interval} (got {value!r})")
            raise OptionError(f"{name} must be in {interval} (got {value!r})")
    elif low is not None and value < low:
        raise OptionError(f"{name} must be at least {low} (got {value!r})")
    return value


def validate(config: Any, spelling: str = "flag") -> Any:
    """Every check of a stage config: each field's type and range, then the cross-field rules.

    Returns the config (with ints given for float options turned into floats) or raises
    :class:`OptionError` naming the option as the user wrote it (``spelling``: ``"flag"`` for
    the command line, ``"key"`` for a TOML file or Python).
    """
    if isinstance(config, PipelineConfig):
        return replace(config, **{f.name: validate(getattr(config, f.name), spelling) for f in fields(config)})
    checked = {f.name: check_field(f, getattr(config, f.name), spelling) for f in option_fields(type(config))}
    config = replace(config, **checked) if any(checked[k] is not getattr(config, k) for k in checked) else config
    name = lambda option_name: spelled(option_name, spelling)  # noqa: E731
    if isinstance(config, CodebookConfig) and config.sample_size < config.k:
        raise OptionError(f"{name('sample_size')} must be at least k ({config.k}), got {config.sample_size}")
    if isinstance(config, EncodeConfig):
        from soccer_lstm.features.kinds import parse_spm_levels

        feature_kinds(config.features, spelling)
        parse_spm_levels(config.spm_levels, name('spm_levels'))
    if isinstance(config, RunConfig) and config.seeds:
        parse_seeds(config.seeds, spelling)
    return config


def from_dict(cls: type, values: dict[str, Any] | None, spelling: str = "flag") -> Any:
    """Build and validate a config dataclass from a mapping (a TOML table), refusing unknown keys."""
    values = dict(values or {})
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise OptionError(f"unknown option(s) for {cls.__name__}: {', '.join(unknown)}")
    if cls is PipelineConfig:
        parts = {}
        for f in fields(cls):
            section = values.get(f.name)
            if section is not None and not isinstance(section, dict):
                raise OptionError(f"'{f.name}' must be a table ([{f.name}])")
            parts[f.name] = from_dict(type(default_of(f)), section, spelling)
        return cls(**parts)
    return validate(cls(**values), spelling)


def override(config: Any, spelling: str = "flag", **changes: Any) -> Any:
    """A copy of ``config`` with the non-None ``changes`` applied and validated."""
    changes = {k: v for k, v in changes.items() if v is not None}
    return validate(replace(config, **changes), spelling) if changes else config
