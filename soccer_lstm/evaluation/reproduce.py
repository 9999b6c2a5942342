"""The one cross-validation engine: every row of a table, or a single row, under one protocol.

:func:`run_rows` cross-validates rows on a feature store with :func:`soccer_lstm.evaluation.cv.cross_validate`
(the same folds for every row and seed; codebooks and encodings shared across rows) and writes,
per row, ``rows/<id>/config.json`` (the fully resolved config), ``rows/<id>/folds/`` (each finished
fold, so an interrupted run resumes within a row) and ``rows/<id>/results.json`` (rates, confusion
matrix, every prediction); a row whose results exist for the same inputs is read back instead of
re-run. Both commands are thin on top of it:

- :func:`run_reproduce` (``soccer-lstm reproduce``): the rows of an experiment file on a dataset,
  features extracted once into ``OUT/features``;
- :func:`run_evaluate` (``soccer-lstm evaluate``): one row, the LSTM of a config, on a features
  folder that ``extract`` wrote.

Both write the same report (``report.md``, ``metrics.json``, ``rates.png``, ``confusion/``) under the
same thread limits.
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from soccer_lstm import __version__
from soccer_lstm.artifacts import fingerprint, read_json, write_json
from soccer_lstm.config import PipelineConfig
from soccer_lstm.features.kinds import KINDS, parse_kinds
from soccer_lstm.errors import ArtifactError, UserError
from soccer_lstm.environment import restored_environment
from soccer_lstm.evaluation.cv import CVResult, EncodedFolds
from soccer_lstm.evaluation.experiment import (LSTM, RowSpec, classifier_factory, load_experiment,  # noqa: F401
                                               shuffle_frames, validate_row)
from soccer_lstm.evaluation.report import RowResult, class_order, write_report
from soccer_lstm.schema import schema_version
from soccer_lstm.store import FeatureStore

log = logging.getLogger(__name__)


@dataclass
class ReproduceResult:
    """What :func:`run_reproduce` and :func:`run_evaluate` produced.

    Attributes
    ----------
    rows : list of RowResult
        The table, in the experiment's order.
    paths : dict of str to Path
        ``report``, ``metrics``, ``rates`` and one confusion figure per row id.
    failed : list of str
        Ids of rows that failed (the others still ran).
    """

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


@contextlib.contextmanager
def thread_limits(threads: int | None) -> Iterator[None]:
    """Limit k-means, BLAS and TensorFlow to ``threads`` threads inside the block (None: no limit).

    One is the default: on a machine shared with other jobs, OpenMP's spinning threads made k-means
    twenty times slower (95 s instead of 7 s for one codebook), and the models here are too small
    to gain from more threads. The TensorFlow variables are put back as they were afterwards.
    """
    if not threads:
        yield
        return
    from threadpoolctl import threadpool_limits

    with restored_environment(TF_THREAD_VARIABLES):
        limit_tensorflow_threads(threads)
        with threadpool_limits(limits=threads):
            yield


TF_THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def limit_tensorflow_threads(threads: int) -> None:
    """Ask TensorFlow for ``threads`` intra-op and inter-op threads, unless the user chose already.

    TensorFlow reads these variables when its runtime starts, so this only acts before the first
    TensorFlow operation of the process.
    """
    for name in TF_THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))


def run_rows(store: FeatureStore, rows: Sequence[RowSpec], out: Path, seeds: Sequence[int], fresh: bool = False,
             verbose: int = 0, say: Callable[[str], None] | None = None,
             data: str | Path | None = None, n_jobs: int = 1) -> tuple[list[RowResult], list[str]]:
    """Cross-validate ``rows`` on ``store`` for every seed; write and return each row's results.

    Returns the row results (in order) and the ids of rows that failed. A row whose saved results
    match its inputs (config, seeds, the clips' features, the schema and package versions) is read
    back; within a row, finished folds are read back from ``rows/<id>/folds``. ``n_jobs`` (seed,
    fold) runs of a row train at once, one process each.
    """
    from soccer_lstm.evaluation import cv

    say = say or (lambda message: log.info("%s", message))
    # A row that reads no local histograms depends on the clips' SIFT alone: new flow options keep it.
    features_key = [entry.fingerprint for entry in store.entries]
    sift_key = [entry.sift_fingerprint or entry.fingerprint for entry in store.entries]
    cache = EncodedFolds()
    results: list[RowResult] = []
    failed: list[str] = []
    for number, row in enumerate(rows, start=1):
        folder = out / "rows" / row.row_id
        resolved = {**row.resolved(), "seeds": list(seeds), "data": str(data if data is not None else store.folder),
                    "package_version": __version__, "schema_version": schema_version("evaluate")}
        write_json(folder / "config.json", resolved)
        uses_local = any(KINDS[kind].extracted for kind in parse_kinds(row.features))
        key = fingerprint(row.resolved(), list(seeds), features_key if uses_local else sift_key, __version__,
                          schema_version("evaluate"))
        saved = None if fresh else _saved_row(folder / "results.json", key)
        if saved is not None:
            saved.classifier = _classifier_label(row)  # a label, not a result: follow the current wording
            results.append(saved)
            say(f"[{number}/{len(rows)}] {row.name}: {saved.mean:.1f} % (saved results, same config)")
            continue
        say(f"[{number}/{len(rows)}] {row.name}: {len(seeds)} seed(s) x {row.pipeline.evaluate.folds} folds ...")
        row_started = time.perf_counter()

        def on_fold(fold: Any, n_folds: int, kept: bool) -> None:
            how = "kept from an earlier run" if kept else f"{fold.train_seconds:.1f} s"
            say(f"seed {fold.seed} fold {fold.fold + 1}/{n_folds}: accuracy {fold.accuracy:.3f} "
                f"on {len(fold.test_index)} clips ({how})")

        try:
            result = cv.cross_validate(store, row.pipeline, make_classifier=classifier_factory(row, verbose),
                                       seeds=seeds, transform=shuffle_frames if row.shuffle_frames else None,
                                       cache=cache, verbose=verbose, on_fold=on_fold,
                                       fold_dir=None if fresh else folder / "folds", fold_key=row.resolved(),
                                       n_jobs=n_jobs)
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
        row_result = _row_result(row, result, time.perf_counter() - row_started)
        write_json(folder / "results.json", {
            "key": key, "schema_version": schema_version("evaluate"), "package_version": __version__,
            "row": _row_payload(row_result), "summary": result.summary(),
            "predictions": _predictions(result)})
        results.append(row_result)
        say(f"[{number}/{len(rows)}] {row.name}: {row_result.mean:.1f} % +- {row_result.std:.1f} "
            f"({time.perf_counter() - row_started:.0f}s)")
    return results, failed


def _predictions(result: CVResult) -> list[dict[str, Any]]:
    return [{"clip_id": result.clip_ids[i], "label": result.labels[i], "predicted": p, "fold": f.fold,
             "seed": f.seed} for f in result.folds for i, p in zip(f.test_index, f.predicted)]


def _context(store: FeatureStore, data: str | Path, rows: Sequence[RowSpec], seeds: Sequence[int],
             command: str | None) -> dict[str, Any]:
    counts = Counter(store.labels)
    order = class_order(list(counts))
    return {"dataset": str(data), "n_clips": len(store), "class_counts": {c: counts[c] for c in order},
            "folds": rows[0].pipeline.evaluate.folds, "seeds": list(seeds), "command": command,
            "package_version": __version__, "schema_version": schema_version("evaluate")}


def run_reproduce(experiment: str | Path, data: str | Path, out: str | Path, seeds: Sequence[int] = (0,),
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
        Re-run rows and folds even when their saved results match.
    verbose : int
        Keras verbosity for the LSTM rows.
    command : str, optional
        The command line, recorded in the report.
    say : callable, optional
        Receives one-line progress messages.
    threads : int or None
        Threads for k-means, BLAS and TensorFlow (see :func:`thread_limits`).
    overwrite : bool
        Replace the contents of a report folder made from another dataset.

    Returns
    -------
    ReproduceResult
    """
    from soccer_lstm.dataset import discover
    from soccer_lstm.ownership import claim_folder, dataset_ref
    from soccer_lstm.pipeline import run_extract

    say = say or (lambda message: log.info("%s", message))
    seeds = _check_seeds(seeds)
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
    with thread_limits(threads):
        started = time.perf_counter()
        data_ref = dataset_ref(data, [clip.clip_id for clip in discover(data)])
        claim_folder(out, "reproduce", {"data": data_ref}, overwrite, parts=["features"])
        summary = run_extract(data, out / "features", extract_config, n_jobs=n_jobs, overwrite=overwrite)
        say(f"features: {summary.extracted} clips extracted, {summary.cached} up to date, "
            f"{len(summary.failed)} skipped ({time.perf_counter() - started:.0f}s)")
        for path, problem in summary.failed:
            say(f"  skipped {path}: {problem}")
        store = FeatureStore(out / "features")
        results, failed = run_rows(store, rows, out, seeds, fresh, verbose, say, data, n_jobs)
    context = {**_context(store, data, rows, seeds, command), "experiment": str(experiment),
               "extract": asdict(extract_config), "skipped_clips": [p for p, _ in summary.failed]}
    paths = write_report(results, out, title=spec.title, context=context)
    return ReproduceResult(results, paths, failed)


def run_evaluate(features_dir: str | Path, out: str | Path, config: PipelineConfig, seeds: Sequence[int] = (),
                 threads: int | None = 1, fresh: bool = False, overwrite: bool = False, verbose: int = 0,
                 say: Callable[[str], None] | None = None, command: str | None = None,
                 n_jobs: int = 1) -> dict[str, Any]:
    """Cross-validate the classifier of ``config`` (the LSTM by default) on a features folder: a one-row
    :func:`run_reproduce`.

    Writes what reproduce writes (``rows/<id>/``, ``report.md``, ``rates.png``, ``confusion/``) and a
    ``metrics.json`` whose top level also holds the row's summary (``accuracy_mean``,
    ``fold_accuracies``, ``per_class_recall``, ``confusion_matrix``, ``config``, ``predictions``).
    ``seeds`` defaults to the train seed of ``config``. Returns that ``metrics.json``.
    """
    from soccer_lstm.evaluation.report import slug
    from soccer_lstm.ownership import claim_folder, folder_ref

    store = FeatureStore(features_dir)
    config = PipelineConfig(**{**{k: getattr(config, k) for k in ("codebook", "encode", "train", "evaluate")},
                               "extract": _extract_config_of(store)})
    seeds = _check_seeds(seeds or [config.train.seed])
    out = Path(out)
    claim_folder(out, "evaluate", {"features": folder_ref(features_dir)}, overwrite)
    features = config.encode.features
    classifier = config.train.classifier
    row = validate_row(RowSpec(row_id=slug(f"{features}-{classifier}"), name=f"{features} + "
                               f"{'LSTM' if classifier == LSTM else classifier}", classifier=classifier,
                               features=features, paper_rate=None, config_file="", pipeline=config), "evaluate")
    with thread_limits(threads):
        results, failed = run_rows(store, [row], out, seeds, fresh, verbose, say, features_dir, n_jobs)
    if failed:
        raise UserError(f"{features_dir}: evaluation {results[0].skipped}")
    saved = read_json(out / "rows" / row.row_id / "results.json")
    # The dataset is what the features were extracted from (its folder names the report and plots),
    # not the features folder.
    dataset = store.index.get("source") or features_dir
    metrics = {**_context(store, dataset, [row], seeds, command), **saved["summary"],
               "config": config.as_dict(), "features_dir": str(features_dir), "predictions": saved["predictions"]}
    write_report(results, out, title=f"Cross-validation of {row.name}", context=metrics)
    return read_json(out / "metrics.json")


def _extract_config_of(store: FeatureStore) -> Any:
    from soccer_lstm.config import ExtractConfig, from_dict

    try:
        return from_dict(ExtractConfig, store.config, spelling="key")
    except UserError:
        raise ArtifactError(f"{store.folder}: its index records extract options of another version; "
                            f"re-run extract") from None


def _check_seeds(seeds: Sequence[int]) -> list[int]:
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise UserError("--seeds needs at least one seed")
    return seeds
