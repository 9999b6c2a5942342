"""Experiment files: the rows of a results table, each resolved to a full config before any work.

An experiment file (``experiments/paper.toml``) lists the rows; each row names an override file
that changes ``experiments/base.toml`` (one level of inheritance, no more), a classifier and a
feature kind, and the rate the paper reports. :func:`load_experiment` resolves and checks every
row, so a typo fails in a second, not after an hour of training. TOML is read with the standard
library's :mod:`tomllib`; option values are checked by :mod:`soccer_lstm.config` and named as the
file spells them.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from soccer_lstm.config import CLASSIFIERS, HISTOGRAM_CLASSIFIERS, PipelineConfig, from_dict
from soccer_lstm.errors import UserError
from soccer_lstm.evaluation.report import slug
from soccer_lstm.features.kinds import parse_kinds

LSTM = CLASSIFIERS[0]
BASELINE_CLASSIFIERS = CLASSIFIERS[1:]
# Baselines whose similarity or kernel only makes sense for non-negative histograms.
ROW_SECTIONS = ("codebook", "encode", "train", "classifier", "transform")
SHARED_SECTIONS = ("extract", "evaluate")
TRANSFORM_OPTIONS = ("shuffle_frames",)
ROW_KEYS = ("id", "name", "config", "classifier", "features", "paper_rate")


@dataclass(frozen=True)
class RowSpec:
    """One fully resolved row of the table.

    Attributes
    ----------
    row_id, name : str
        File-name-safe identifier and display name.
    classifier : str
        One of :data:`CLASSIFIERS`.
    features : str
        Any ``+`` combination of ``bow``, ``motion``, ``hof``, ``mbh``, ``hog``.
    paper_rate : float or None
        The paper's rate in percent.
    config_file : str
        The row's override file.
    pipeline : PipelineConfig
        base.toml with the row's overrides, features set.
    classifier_params : dict
        Keyword arguments of the classifier (from the override file's ``[classifier]``).
    shuffle_frames : bool
        Shuffle the frames of every clip (seeded) before training and testing.
    """

    row_id: str
    name: str
    classifier: str
    features: str
    paper_rate: float | None
    config_file: str
    pipeline: PipelineConfig
    classifier_params: dict[str, Any] = field(default_factory=dict)
    shuffle_frames: bool = False

    def resolved(self) -> dict[str, Any]:
        """The row's complete configuration as plain data (written beside its results)."""
        return {"id": self.row_id, "name": self.name, "classifier": self.classifier, "features": self.features,
                "paper_rate": self.paper_rate, "config_file": self.config_file,
                "pipeline": self.pipeline.as_dict(), "classifier_params": dict(self.classifier_params),
                "transform": {"shuffle_frames": self.shuffle_frames}}


@dataclass(frozen=True)
class Experiment:
    """An experiment file: a title, the base config and the rows."""

    path: Path
    title: str
    base_file: str
    rows: tuple[RowSpec, ...]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise UserError(f"{path}: no such experiment file") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror or exc})") from None


def load_experiment(path: str | Path) -> Experiment:
    """Read an experiment file and resolve every row against its base config.

    Raises
    ------
    UserError
        Naming the file and the problem: a missing or malformed file, an unknown section, option,
        classifier or feature kind, a row that changes the shared extract or evaluate settings, a
        duplicate row id.
    """
    path = Path(path)
    spec = _read_toml(path)
    unknown = sorted(set(spec) - {"title", "base", "rows"})
    if unknown:
        raise UserError(f"{path}: unknown key(s) {', '.join(unknown)} (expected title, base, [[rows]])")
    base_name = spec.get("base", "base.toml")
    base = _read_toml(path.parent / base_name)
    _check_sections(path.parent / base_name, base, (*SHARED_SECTIONS, "codebook", "encode", "train"))
    rows_spec = spec.get("rows")
    if not isinstance(rows_spec, list) or not rows_spec:
        raise UserError(f"{path}: lists no [[rows]]")
    rows = tuple(_resolve_row(path, number, entry, base) for number, entry in enumerate(rows_spec, start=1))
    seen: set[str] = set()
    for row in rows:
        if row.row_id in seen:
            raise UserError(f"{path}: two rows have the id {row.row_id!r}")
        seen.add(row.row_id)
    return Experiment(path, str(spec.get("title", "Results")), str(base_name), rows)


def _check_sections(path: Path, data: dict[str, Any], allowed: Sequence[str]) -> None:
    for key, value in data.items():
        if key in SHARED_SECTIONS and key not in allowed:
            raise UserError(f"{path}: [{key}] must be the same for every row; set it in the base config")
        if key not in allowed:
            raise UserError(f"{path}: unknown section [{key}] (expected {', '.join(allowed)})")
        if not isinstance(value, dict):
            raise UserError(f"{path}: '{key}' must be a table ([{key}])")


def _resolve_row(path: Path, number: int, entry: Any, base: dict[str, Any]) -> RowSpec:
    where = f"{path}: row {number}"
    if not isinstance(entry, dict):
        raise UserError(f"{where}: expected a table")
    unknown = sorted(set(entry) - set(ROW_KEYS))
    if unknown:
        raise UserError(f"{where}: unknown key(s) {', '.join(unknown)} (expected {', '.join(ROW_KEYS)})")
    for key in ("name", "classifier", "features"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise UserError(f"{where}: needs a '{key}'")
    name = entry["name"]
    row_id = str(entry.get("id") or slug(name))
    if slug(row_id) != row_id:
        raise UserError(f"{where}: id {row_id!r} must be lower-case letters, digits and dashes")
    paper_rate = entry.get("paper_rate")
    if paper_rate is not None and (isinstance(paper_rate, bool) or not isinstance(paper_rate, (int, float))
                                   or not 0 <= paper_rate <= 100):
        raise UserError(f"{where}: paper_rate must be a percentage between 0 and 100")
    override: dict[str, Any] = {}
    config_file = entry.get("config")
    if config_file:
        override_path = path.parent / str(config_file)
        override = _read_toml(override_path)
        _check_sections(override_path, override, ROW_SECTIONS)
        where = f"{override_path}"
    merged = {section: {**base.get(section, {}), **override.get(section, {})}
              for section in ("extract", "codebook", "encode", "train", "evaluate")}
    features = entry["features"]
    if merged["encode"].get("features", features) != features:
        raise UserError(f"{where}: sets features = {merged['encode']['features']!r} but {path} row {number} "
                        f"says {features!r}")
    merged["encode"]["features"] = features
    if merged["train"].get("classifier", entry["classifier"]) != entry["classifier"]:
        raise UserError(f"{where}: sets classifier = {merged['train']['classifier']!r} but {path} row {number} "
                        f"says {entry['classifier']!r}")
    if entry["classifier"] in CLASSIFIERS:  # an unknown one is refused below, naming the row
        merged["train"]["classifier"] = entry["classifier"]
    try:
        pipeline = from_dict(PipelineConfig, merged, spelling="key")
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    except TypeError as exc:
        raise UserError(f"{where}: {exc}") from None
    transform = override.get("transform", {})
    unknown = sorted(set(transform) - set(TRANSFORM_OPTIONS))
    if unknown:
        raise UserError(f"{where}: unknown [transform] option(s) {', '.join(unknown)}")
    row = RowSpec(row_id=row_id, name=name, classifier=entry["classifier"], features=features,
                  paper_rate=None if paper_rate is None else float(paper_rate),
                  config_file=str(config_file or ""), pipeline=pipeline,
                  classifier_params=dict(override.get("classifier", {})),
                  shuffle_frames=bool(transform.get("shuffle_frames", False)))
    return validate_row(row, where)


def validate_row(row: RowSpec, where: object) -> RowSpec:
    """Every cross-field check of a row: classifier known, its parameters accepted, features usable.

    Raises
    ------
    UserError
    """
    if row.classifier not in CLASSIFIERS:
        raise UserError(f"{where}: unknown classifier {row.classifier!r} (expected {', '.join(CLASSIFIERS)})")
    try:
        parse_kinds(row.features)
    except UserError as exc:
        raise UserError(f"{where}: features {row.features!r}: {str(exc).removeprefix('--features: ')}") from None
    if row.classifier in HISTOGRAM_CLASSIFIERS and row.features != "bow":
        raise UserError(f"{where}: classifier {row.classifier} compares histograms and needs features = 'bow'")
    if row.classifier == LSTM:
        unknown = sorted(set(row.classifier_params) - {"members"})
        if unknown:
            raise UserError(f"{where}: [classifier] option(s) {', '.join(unknown)} are not LSTM options "
                            f"(LSTM settings go in [train]; [classifier] takes 'members')")
        members = row.classifier_params.get("members", 1)
        if isinstance(members, bool) or not isinstance(members, int) or members < 1:
            raise UserError(f"{where}: members must be a positive integer")
        if "members" in row.classifier_params and row.pipeline.train.ensemble not in (1, members):
            raise UserError(f"{where}: [classifier] members = {members} and [train] ensemble = "
                            f"{row.pipeline.train.ensemble} disagree; set one of them")
    else:
        from soccer_lstm.models.baselines import BASELINES, check_segments

        if "random_state" in row.classifier_params or "seed" in row.classifier_params:
            raise UserError(f"{where}: the seed comes from --seeds; remove it from [classifier]")
        accepted = set(BASELINES[row.classifier]().get_params()) - {"random_state"}
        unknown = sorted(set(row.classifier_params) - accepted)
        if unknown:
            raise UserError(f"{where}: {row.classifier} has no option(s) {', '.join(unknown)} "
                            f"(it takes {', '.join(sorted(accepted))})")
        try:
            check_segments(row.classifier_params.get("segments", 1))
        except ValueError as exc:
            raise UserError(f"{where}: {exc}") from None
    return row


# ----------------------------------------------------------------------------- classifiers
def classifier_factory(row: RowSpec, verbose: int = 0) -> Callable[[int], Any]:
    """``make(seed)`` returning a fresh, seeded classifier for ``row`` (:func:`soccer_lstm.estimators.make_classifier`)."""
    from soccer_lstm.estimators import make_classifier

    train = replace(row.pipeline.train, classifier=row.classifier)

    def make(seed: int) -> Any:
        return make_classifier(replace(train, seed=seed), row.classifier_params, verbose=verbose)

    return make


def shuffle_frames(sequences: list[np.ndarray], seed: int) -> list[np.ndarray]:
    """Each clip with its frames in a random order (seeded by ``seed`` and the clip's position)."""
    return [np.asarray(s)[np.random.default_rng([seed, i]).permutation(len(s))] for i, s in enumerate(sequences)]
