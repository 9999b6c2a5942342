"""Reproduce the paper's results table on any dataset: every row under one protocol, one report.

An experiment file (``experiments/paper.toml``) lists the rows; each row names an override file
that changes ``experiments/base.toml`` (one level of inheritance, no more), a classifier and a
feature kind, and the rate the paper reports. :func:`run_reproduce`:

1. resolves and checks every row before any work starts, so a typo fails in a second, not after
   an hour of training;
2. extracts SIFT features of the dataset once (cached by the extract stage's fingerprints);
3. cross-validates every row with :func:`soccer_lstm.evaluation.cv.cross_validate` on the same
   folds, for every seed; codebooks and encodings are shared across rows, and camera motion, which
   nothing is fitted for, is computed once per clip;
4. writes, per row, ``rows/<id>/config.json`` (the fully resolved config) and ``rows/<id>/results.json``
   (rates, confusion matrix, every prediction); a row whose results already exist for the same
   config, features and seeds is read back instead of re-run, so an interrupted run resumes;
5. writes the report (:func:`soccer_lstm.evaluation.report.write_report`).

TOML is read with the standard library's :mod:`tomllib`.
"""
from __future__ import annotations

import logging
import time
import tomllib
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from soccer_lstm import __version__
from soccer_lstm.artifacts import fingerprint, read_json, write_json
from soccer_lstm.config import PipelineConfig, feature_kinds, from_dict
from soccer_lstm.errors import ArtifactError, UserError
from soccer_lstm.evaluation.cv import CVResult, FoldCache
from soccer_lstm.evaluation.report import RowResult, class_order, slug, write_report

log = logging.getLogger(__name__)

LSTM = "lstm"
BASELINE_CLASSIFIERS = ("nw_knn", "nw_svm", "chi2_svm", "frame_svm_vote", "clip_logistic")
CLASSIFIERS = (LSTM, *BASELINE_CLASSIFIERS)
# Baselines whose similarity or kernel only makes sense for non-negative histograms.
HISTOGRAM_ONLY = ("nw_knn", "nw_svm", "chi2_svm")
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
        feature_kinds(row.features)
    except UserError as exc:
        raise UserError(f"{where}: features {row.features!r}: {str(exc).removeprefix('--features: ')}") from None
    if row.classifier in HISTOGRAM_ONLY and row.features != "bow":
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
    """``make(seed)`` returning a fresh, seeded classifier for ``row``."""
    if row.classifier == LSTM:
        from soccer_lstm.models.lstm import LSTMClassifier

        # One ensemble mechanism: [classifier] members = n is the LSTM's own ``ensemble`` (n members
        # in one model, seeds seed, seed+1, ...).
        members = int(row.classifier_params.get("members", row.pipeline.train.ensemble))
        train = replace(row.pipeline.train, ensemble=members)

        def make_lstm(seed: int) -> Any:
            return LSTMClassifier.from_config(replace(train, seed=seed), verbose=verbose)

        return make_lstm

    from soccer_lstm.models.baselines import make_baseline

    def make_baseline_row(seed: int) -> Any:
        estimator = make_baseline(row.classifier, **row.classifier_params)
        if "random_state" in estimator.get_params():
            estimator.set_params(random_state=seed)
        return estimator

    return make_baseline_row


def shuffle_frames(sequences: list[np.ndarray], seed: int) -> list[np.ndarray]:
    """Each clip with its frames in a random order (seeded by ``seed`` and the clip's position)."""
    return [np.asarray(s)[np.random.default_rng([seed, i]).permutation(len(s))] for i, s in enumerate(sequences)]


# ----------------------------------------------------------------------------- feature cache
class SharedMotionCache(FoldCache):
    """A :class:`FoldCache` that computes each clip's fold-independent features once for all folds and seeds.

    Camera motion and the local histograms (HOF, MBH, HOG) have no fitted state (the scaler is fit
    per fold later), so they do not depend on the fold; the bag-of-words part still comes from each
    fold's own codebook. The result is the same vector ``encode_clip`` makes, kinds in their fixed
    order (BoW first).
    """

    def __init__(self) -> None:
        super().__init__()
        self._fixed: dict[tuple[str, str, str], list[np.ndarray]] = {}

    def fixed(self, store: Any, kind: str, encode_config: Any) -> list[np.ndarray]:
        """Per-frame vectors of one fold-independent ``kind`` for every clip of ``store``."""
        key = (str(store.folder), kind, encode_config.motion_model)
        if key not in self._fixed:
            from soccer_lstm import progress
            from soccer_lstm.pipeline import encode_clip

            only = replace(encode_config, features=kind)
            self._fixed[key] = [encode_clip(store.load(i), None, only)
                                for i in progress.bar(range(len(store)), desc=kind, unit="clip")]
        return self._fixed[key]

    def sequences(self, store: Any, train_index: np.ndarray, codebook_config: Any,
                  encode_config: Any) -> tuple[list[np.ndarray], dict[str, list[int]]]:
        from soccer_lstm.pipeline import feature_layout

        kinds = feature_kinds(encode_config.features)
        if kinds == ("bow",):
            return super().sequences(store, train_index, codebook_config, encode_config)
        parts = [self.fixed(store, kind, encode_config) for kind in kinds if kind != "bow"]
        k = 0
        if "bow" in kinds:
            bow, bow_layout = super().sequences(store, train_index, codebook_config,
                                                replace(encode_config, features="bow"))
            parts.insert(0, bow)
            k = bow_layout["bow"][1]
        combined = [np.concatenate(clip, axis=1).astype(np.float32) for clip in zip(*parts)]
        return combined, feature_layout(encode_config, k, store.grid)


def motion_available() -> str | None:
    """None when camera-motion features can be computed, else why not."""
    try:
        from soccer_lstm.features import motion  # noqa: F401
    except ImportError as exc:
        return f"camera-motion features are not available ({exc})"
    return None


# ----------------------------------------------------------------------------- running
@dataclass
class ReproduceResult:
    """What :func:`run_reproduce` produced."""

    rows: list[RowResult]
    paths: dict[str, Path]
    failed: list[str]


def _row_result(row: RowSpec, cv: CVResult, seconds: float) -> RowResult:
    return RowResult(row.name, row.paper_rate, cv.accuracies, cv.confusion(), cv.classes,
                     train_seconds=sum(f.train_seconds for f in cv.folds), seeds=[f.seed for f in cv.folds],
                     row_id=row.row_id, features=row.features, classifier=_classifier_label(row),
                     details={"wall_seconds": round(seconds, 2), "config": f"rows/{row.row_id}/config.json"})


def _classifier_label(row: RowSpec) -> str:
    """The report's Classifier column: the classifier, plus what sets this row apart from its kin."""
    members = int(row.classifier_params.get("members", row.pipeline.train.ensemble)) if row.classifier == LSTM else 1
    label = row.classifier if members == 1 else f"{row.classifier} x{members}"
    segments = row.classifier_params.get("segments", 1)
    if segments != 1:
        label += f" ({segments} segments)"
    return label + (" (shuffled)" if row.shuffle_frames else "")


def _saved_row(path: Path, key: str) -> RowResult | None:
    """A finished row's results when they were made with the same inputs (``key``)."""
    if not path.is_file():
        return None
    try:
        data = read_json(path)
    except ArtifactError:
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    try:
        return RowResult(**data["row"])
    except (KeyError, TypeError, ValueError):
        return None


def _row_payload(result: RowResult) -> dict[str, Any]:
    return {"name": result.name, "paper_rate": result.paper_rate, "accuracies": result.accuracies,
            "confusion": result.confusion.tolist(), "classes": result.classes,
            "train_seconds": result.train_seconds, "seeds": result.seeds, "row_id": result.row_id,
            "features": result.features, "classifier": result.classifier, "skipped": result.skipped,
            "details": result.details}


def run_reproduce(experiment: str | Path, data: str | Path, out: str | Path, seeds: Sequence[int] = (0, 1, 2),
                  n_jobs: int = 1, only: Sequence[str] | None = None, fresh: bool = False, verbose: int = 0,
                  command: str | None = None, say: Callable[[str], None] | None = None,
                  threads: int | None = 1, overwrite: bool = False) -> ReproduceResult:
    """Run every row of an experiment file on a dataset and write the report into ``out``.

    Parameters
    ----------
    experiment : path-like
        The experiment file (e.g. ``experiments/paper.toml``).
    data : path-like
        Dataset folder (one subfolder per class) or CSV manifest.
    out : path-like
        Output folder: ``features/`` (extracted once), ``rows/<id>/``, ``report.md``, ``metrics.json``,
        ``rates.png``, ``confusion/``.
    seeds : sequence of int
        Repeats; each seed reseeds codebooks and classifiers, the folds stay fixed.
    n_jobs : int
        Worker processes for feature extraction.
    only : sequence of str, optional
        Row ids to run (default: all rows).
    fresh : bool
        Re-run rows even when their saved results match.
    verbose : int
        Keras verbosity for the LSTM rows.
    command : str, optional
        The command line, recorded in the report.
    say : callable, optional
        Receives one-line progress messages.
    overwrite : bool
        Replace the contents of a report folder made from another dataset.
    threads : int or None
        Threads for k-means, BLAS and TensorFlow inside this process (None leaves the libraries'
        defaults). One is the default: on a machine shared with other jobs, OpenMP's spinning
        threads made k-means twenty times slower (95 s instead of 7 s for one codebook), and the
        models here are too small to gain from more threads.

    Returns
    -------
    ReproduceResult
    """
    if threads is None:
        return _run_reproduce(experiment, data, out, seeds, n_jobs, only, fresh, verbose, command, say, overwrite)
    from threadpoolctl import threadpool_limits

    limit_tensorflow_threads(threads)
    with threadpool_limits(limits=threads):
        return _run_reproduce(experiment, data, out, seeds, n_jobs, only, fresh, verbose, command, say, overwrite)


def limit_tensorflow_threads(threads: int) -> None:
    """Ask TensorFlow for ``threads`` intra-op and inter-op threads, unless the user chose already.

    TensorFlow reads these variables when its runtime starts, so this only acts before the first
    TensorFlow operation of the process.
    """
    import os

    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(threads))
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", str(threads))


def _run_reproduce(experiment: str | Path, data: str | Path, out: str | Path, seeds: Sequence[int],
                   n_jobs: int, only: Sequence[str] | None, fresh: bool, verbose: int, command: str | None,
                   say: Callable[[str], None] | None, overwrite: bool = False) -> ReproduceResult:
    from soccer_lstm.evaluation.cv import cross_validate
    from soccer_lstm.pipeline import run_extract
    from soccer_lstm.store import FeatureStore

    say = say or (lambda message: log.info("%s", message))
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise UserError("--seeds needs at least one seed")
    spec = load_experiment(experiment)
    rows = list(spec.rows)
    if only:
        known = {row.row_id for row in rows}
        missing = [r for r in only if r not in known]
        if missing:
            raise UserError(f"{experiment}: no row with id {', '.join(missing)} (rows: {', '.join(sorted(known))})")
        rows = [row for row in rows if row.row_id in set(only)]
    out = Path(out)
    extract_config = rows[0].pipeline.extract
    started = time.perf_counter()
    from soccer_lstm.dataset import discover
    from soccer_lstm.ownership import claim_folder, dataset_ref

    data_ref = dataset_ref(data, [clip.clip_id for clip in discover(data)])
    claim_folder(out, "reproduce", {"data": data_ref}, overwrite)
    summary = run_extract(data, out / "features", extract_config, n_jobs=n_jobs, overwrite=overwrite)
    say(f"features: {summary.extracted} clips extracted, {summary.cached} up to date, "
        f"{len(summary.failed)} skipped ({time.perf_counter() - started:.0f}s)")
    for path, problem in summary.failed:
        say(f"  skipped {path}: {problem}")
    store = FeatureStore(out / "features")
    # A row that reads no local histograms depends on the clips' SIFT alone: new flow options keep it.
    features_key = [entry.fingerprint for entry in store.entries]
    sift_key = [entry.sift_fingerprint or entry.fingerprint for entry in store.entries]
    cache = SharedMotionCache()
    no_motion = motion_available()
    results: list[RowResult] = []
    failed: list[str] = []
    for number, row in enumerate(rows, start=1):
        folder = out / "rows" / row.row_id
        resolved = {**row.resolved(), "seeds": seeds, "data": str(data), "package_version": __version__}
        write_json(folder / "config.json", resolved)
        uses_local = any(kind in ("hof", "mbh", "hog") for kind in feature_kinds(row.features))
        key = fingerprint(row.resolved(), seeds, features_key if uses_local else sift_key, __version__)
        if no_motion and "motion" in row.features:
            results.append(RowResult(row.name, row.paper_rate, [], np.zeros((0, 0)), [], row_id=row.row_id,
                                     features=row.features, classifier=_classifier_label(row), skipped=no_motion))
            say(f"[{number}/{len(rows)}] {row.name}: skipped, {no_motion}")
            continue
        saved = None if fresh else _saved_row(folder / "results.json", key)
        if saved is not None:
            saved.classifier = _classifier_label(row)  # a label, not a result: follow the current wording
            results.append(saved)
            say(f"[{number}/{len(rows)}] {row.name}: {saved.mean:.1f} % (saved results, same config)")
            continue
        say(f"[{number}/{len(rows)}] {row.name}: {len(seeds)} seed(s) x {row.pipeline.evaluate.folds} folds ...")
        row_started = time.perf_counter()
        try:
            cv = cross_validate(store, row.pipeline, make_classifier=classifier_factory(row, verbose), seeds=seeds,
                                transform=shuffle_frames if row.shuffle_frames else None, cache=cache,
                                verbose=verbose)
        except UserError:
            raise
        except Exception as exc:  # one broken row must not throw away the others' hour of work
            log.debug("row %s failed:\n%s", row.row_id, traceback.format_exc())
            problem = f"failed: {type(exc).__name__}: {exc}".splitlines()[0]
            failed.append(row.row_id)
            results.append(RowResult(row.name, row.paper_rate, [], np.zeros((0, 0)), [], row_id=row.row_id,
                                     features=row.features, classifier=_classifier_label(row), skipped=problem))
            say(f"[{number}/{len(rows)}] {row.name}: {problem}")
            continue
        result = _row_result(row, cv, time.perf_counter() - row_started)
        write_json(folder / "results.json", {
            "key": key, "row": _row_payload(result), "summary": cv.summary(),
            "predictions": [{"clip_id": cv.clip_ids[i], "label": cv.labels[i], "predicted": p, "fold": f.fold,
                             "seed": f.seed} for f in cv.folds for i, p in zip(f.test_index, f.predicted)]})
        results.append(result)
        say(f"[{number}/{len(rows)}] {row.name}: {result.mean:.1f} % +- {result.std:.1f} "
            f"({time.perf_counter() - row_started:.0f}s)")
    counts = Counter(store.labels)
    order = class_order(list(counts))
    context = {"dataset": str(data), "n_clips": len(store), "class_counts": {c: counts[c] for c in order},
               "folds": rows[0].pipeline.evaluate.folds, "seeds": seeds, "experiment": str(experiment),
               "command": command, "package_version": __version__,
               "extract": asdict(extract_config), "skipped_clips": [p for p, _ in summary.failed]}
    paths = write_report(results, out, title=spec.title, context=context)
    return ReproduceResult(results, paths, failed)
