"""k-fold cross-validation from extracted features, with every fitted step inside the fold.

The folds come from :mod:`sklearn.model_selection` (``StratifiedKFold``, or ``StratifiedGroupKFold``
when clips share groups; :func:`soccer_lstm.dataset.make_folds`). In each fold the pipeline
``words -> scale -> classifier`` of :func:`soccer_lstm.estimators.make_clip_pipeline` is fit on
the training clips only: the words step (the codebook) through :class:`FoldCache`, the pipeline's
memory, which fits one codebook per (training clips, codebook config) and encodes every clip with it
once for all rows; then a fresh ``Pipeline([scale, classifier])`` on the training sequences. Any
clip classifier can be evaluated, so the paper's LSTM and the baselines run under the same protocol
and the same folds. Metrics come from :mod:`sklearn.metrics`.
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from sklearn.metrics import accuracy_score

from soccer_lstm import progress
from soccer_lstm.config import CodebookConfig, EncodeConfig, PipelineConfig, feature_kinds
from soccer_lstm.dataset import check_trainable, class_names, make_folds
from soccer_lstm.features.words import VisualWords, encode_clip
from soccer_lstm.pipeline import feature_layout
from soccer_lstm.store import FeatureStore, StoreClips

log = logging.getLogger(__name__)

Estimator = Any
SequenceTransform = Callable[[list[np.ndarray], int], list[np.ndarray]]


@dataclass
class FoldResult:
    fold: int
    seed: int
    test_index: list[int]
    predicted: list[str]
    accuracy: float
    train_seconds: float


@dataclass
class CVResult:
    classes: list[str]
    labels: list[str]
    clip_ids: list[str]
    folds: list[FoldResult] = field(default_factory=list)

    @property
    def accuracies(self) -> list[float]:
        return [f.accuracy for f in self.folds]

    def _true_and_predicted(self) -> tuple[list[str], list[str]]:
        truth = [self.labels[i] for f in self.folds for i in f.test_index]
        return truth, [p for f in self.folds for p in f.predicted]

    def confusion(self) -> np.ndarray:
        """Counts summed over folds and seeds: rows true class, columns predicted, sorted classes."""
        from sklearn.metrics import confusion_matrix

        truth, predicted = self._true_and_predicted()
        if not truth:
            return np.zeros((len(self.classes), len(self.classes)), np.int64)
        return confusion_matrix(truth, predicted, labels=self.classes).astype(np.int64)

    def summary(self) -> dict[str, Any]:
        """Accuracy over folds, per-class recall (None for a class never tested) and the confusion matrix."""
        from sklearn.metrics import recall_score

        truth, predicted = self._true_and_predicted()
        recall = recall_score(truth, predicted, labels=self.classes, average=None, zero_division=np.nan)
        return {
            "accuracy_mean": float(np.mean(self.accuracies)),
            "accuracy_std": float(np.std(self.accuracies)),
            "fold_accuracies": self.accuracies,
            "per_class_recall": {c: None if np.isnan(r) else float(r) for c, r in zip(self.classes, recall)},
            "confusion_matrix": self.confusion().tolist(),
            "classes": self.classes,
            "train_seconds": float(sum(f.train_seconds for f in self.folds)),
            "n_clips": len(self.labels),
        }


class FoldCache:
    """Codebooks and encoded sequences per (fold, codebook config, features), shared across rows."""

    def __init__(self) -> None:
        self._sequences: dict[tuple, tuple[list[np.ndarray], dict[str, list[int]]]] = {}
        self._codebooks: dict[tuple, Any] = {}

    def sequences(self, store: FeatureStore, train_index: np.ndarray, codebook_config: CodebookConfig,
                  encode_config: EncodeConfig) -> tuple[list[np.ndarray], dict[str, list[int]]]:
        train_key = tuple(int(i) for i in train_index)
        key = (train_key, tuple(asdict(codebook_config).items()), tuple(asdict(encode_config).items()))
        if key not in self._sequences:
            # The words step of the fold's pipeline, fit on its training clips only (one codebook per
            # training set and codebook config, shared by every encoding that needs it).
            book_key = (train_key, tuple(asdict(codebook_config).items()))
            words = VisualWords.from_config(codebook_config, encode_config, store.grid)
            if "bow" in feature_kinds(encode_config.features) and book_key not in self._codebooks:
                self._codebooks[book_key] = words.fit(StoreClips(store, train_index)).codebook_
            words.codebook_ = self._codebooks.get(book_key)
            words.layout_ = feature_layout(encode_config, codebook_config.k, store.grid)
            clips = StoreClips(store)
            encoded = [encode_clip(clips[i], words.codebook_, encode_config)
                       for i in progress.bar(range(len(clips)), desc="encode", unit="clip")]
            self._sequences[key] = (encoded, words.layout_)
        return self._sequences[key]


def cross_validate(store: FeatureStore, config: PipelineConfig,
                   make_classifier: Callable[[int], Estimator] | None = None,
                   seeds: Sequence[int] = (0,), transform: SequenceTransform | None = None,
                   cache: FoldCache | None = None, verbose: int = 0,
                   on_fold: Callable[[FoldResult, int, bool], None] | None = None,
                   fold_dir: Any = None, fold_key: Any = None, n_jobs: int = 1) -> CVResult:
    """Run k-fold cross-validation (the same folds for every seed) and collect predictions.

    Parameters
    ----------
    store : FeatureStore
        Extracted features of the dataset.
    config : PipelineConfig
        Codebook, encode, train and evaluate settings.
    make_classifier : callable, optional
        ``make_classifier(seed)`` returns a fresh estimator; defaults to the LSTM of ``config.train``.
    seeds : sequence of int
        Repeats with these seeds (classifier and codebook seeds; the folds stay fixed).
    transform : callable, optional
        ``transform(sequences, seed)`` applied to every clip's sequence before training and testing
        (e.g. shuffling frame order).
    cache : FoldCache, optional
        Reuse codebooks and encodings across calls with the same folds.
    on_fold : callable, optional
        ``on_fold(fold_result, n_folds, kept)`` as each fold finishes (``kept``: read back from
        ``fold_dir`` instead of computed).
    fold_dir : path-like, optional
        Keep each finished fold's result there, keyed on everything that defines it (the clips'
        features, the whole config, the seed, the fold's test clips, the package version); a fold
        whose key is found is read back instead of computed, so an interrupted run resumes.
    fold_key : JSON-able, optional
        What else defines a fold's result (the row's classifier and its parameters); part of the key.
    n_jobs : int
        Train and test this many (seed, fold) runs at once, each in its own process on one core
        (``-1``: every core). Encoding stays in this process; every run is seeded, so the results
        do not depend on ``n_jobs``.
    """

    labels = store.labels
    check_trainable(labels, store.folder)
    folds = make_folds(labels, store.groups, config.evaluate.folds, config.evaluate.seed)
    cache = cache or FoldCache()
    result = CVResult(class_names(labels), labels, [e.clip_id for e in store.entries])
    y = np.asarray(labels)
    if make_classifier is None:
        from soccer_lstm.models.lstm import LSTMClassifier

        def make_classifier(seed: int) -> Estimator:
            return LSTMClassifier.from_config(replace(config.train, seed=seed), verbose=verbose)

    tasks: list[tuple[int, int, np.ndarray, str | None, tuple]] = []
    # One progress line per fold in a log (the encodings inside say nothing there), a bar on a terminal.
    fold_runs = [(seed, fold_number, split) for seed in seeds for fold_number, split in enumerate(folds)]
    for seed, fold_number, (train, test) in progress.bar(fold_runs, desc="encode", unit="fold"):
        codebook_config = replace(config.codebook, seed=seed)
        key = _fold_key(store, config, seed, fold_number, test, fold_key) if fold_dir is not None else None
        kept = _read_fold(fold_dir, key) if key else None
        if kept is not None:
            result.folds.append(kept)
            if on_fold is not None:
                on_fold(kept, len(folds), True)
            continue
        sequences, layout = cache.sequences(store, train, codebook_config, config.encode)
        if transform is not None:
            sequences = transform(list(sequences), seed)
        classifier = make_classifier(seed)
        if "layout" in getattr(classifier, "get_params", dict)():
            classifier.set_params(layout=layout)  # fusion and mirroring read it in fit
        model = fold_model(classifier, layout, config.train.scale)
        work = (model, [sequences[i] for i in train], y[train].tolist(), [sequences[i] for i in test])
        tasks.append((seed, fold_number, test, key, work))
    from contextlib import closing

    from soccer_lstm.parallel import imap_unordered

    with closing(imap_unordered(_fit_predict, list(enumerate(work for *_, work in tasks)), n_jobs)) as runs:
        for number, predicted, seconds in runs:
            seed, fold_number, test, key, _ = tasks[number]
            accuracy = float(accuracy_score(y[test], predicted))
            log.info("seed %d fold %d: accuracy %.3f (%.1fs)", seed, fold_number, accuracy, seconds)
            fold_result = FoldResult(fold_number, seed, test.tolist(), predicted, accuracy, seconds)
            result.folds.append(fold_result)
            if key:
                from soccer_lstm.artifacts import write_json

                write_json(Path(fold_dir) / f"{key}.json", {"key": key, **asdict(fold_result)})
            if on_fold is not None:
                on_fold(fold_result, len(folds), False)
    order = {seed: n for n, seed in enumerate(seeds)}
    result.folds.sort(key=lambda f: (order[f.seed], f.fold))  # kept and new folds in their run order
    if fold_dir is not None:  # results of other configs or seeds never mix with these
        from soccer_lstm.ownership import prune

        prune(fold_dir, [f"{_fold_key(store, config, s, n, t, fold_key)}.json" for s in seeds
                         for n, (_, t) in enumerate(folds)], pattern="*.json")
    return result


def _fit_predict(task: tuple[int, tuple[Estimator, list[np.ndarray], list[Any], list[np.ndarray]]]
                 ) -> tuple[int, list[str], float]:
    """Fit one fold's model and predict its test clips (in this process or a worker); the task's number first."""
    number, (model, train_x, train_y, test_x) = task
    started = time.perf_counter()
    with progress.without_epoch_lines():
        model.fit(train_x, train_y)
    seconds = time.perf_counter() - started
    return number, [str(p) for p in model.predict(test_x)], seconds


def _fold_key(store: FeatureStore, config: PipelineConfig, seed: int, fold: int, test: np.ndarray,
              extra: Any = None) -> str:
    from soccer_lstm import __version__
    from soccer_lstm.artifacts import fingerprint
    from soccer_lstm.schema import schema_version

    return fingerprint([e.fingerprint for e in store.entries], config.as_dict(), seed, fold,
                       [int(i) for i in test], extra, __version__, schema_version("evaluate"))


def _read_fold(fold_dir: Any, key: str) -> FoldResult | None:
    from soccer_lstm.artifacts import read_json
    from soccer_lstm.errors import ArtifactError

    path = Path(fold_dir) / f"{key}.json"
    if not path.is_file():
        return None
    try:
        data = read_json(path)
        if data.pop("key") != key:
            return None
        return FoldResult(**data)
    except (ArtifactError, KeyError, TypeError):
        return None


def fold_model(classifier: Estimator, layout: dict[str, list[int]], scale: str) -> Any:
    """The part of a fold's pipeline after the words step: ``Pipeline([scale, classifier])``.

    A classifier that compares raw histograms (chi2, alignment of histograms) says so with
    ``input_scaling = "none"``; the LSTM takes the inputs ``scale`` says. A classifier that is not a
    scikit-learn estimator (a test double) gets the same steps by hand.
    """
    from sklearn.pipeline import Pipeline

    from soccer_lstm.features.scaling import SequenceScaler

    scaler = SequenceScaler(layout=layout, scale=getattr(classifier, "input_scaling", scale))
    if hasattr(classifier, "get_params"):
        return Pipeline([("scale", scaler), ("classifier", classifier)])
    return _HandPipeline(scaler, classifier)


class _HandPipeline:
    """``scaler`` then ``classifier`` for a classifier that is not a scikit-learn estimator."""

    def __init__(self, scaler: Any, classifier: Any) -> None:
        self.scaler, self.classifier = scaler, classifier

    def fit(self, sequences: list[np.ndarray], labels: list[Any]) -> "_HandPipeline":
        self.classifier.fit(self.scaler.fit_transform(sequences), labels)
        return self

    def predict(self, sequences: list[np.ndarray]) -> Any:
        return self.classifier.predict(self.scaler.transform(sequences))


def format_metrics(metrics: dict[str, Any]) -> str:
    """A short terminal table: accuracy over folds and per-class recall."""
    folds = ", ".join(f"{a:.3f}" for a in metrics["fold_accuracies"])
    lines = [f"accuracy {metrics['accuracy_mean']:.3f} +- {metrics['accuracy_std']:.3f}  "
             f"({len(metrics['fold_accuracies'])} folds: {folds})",
             f"{'class':<24}{'recall':>8}"]
    lines += [f"{c:<24}{'-' if r is None else format(r, '.3f'):>8}" for c, r in metrics["per_class_recall"].items()]
    return "\n".join(lines)


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
            only = replace(encode_config, features=kind)
            self._fixed[key] = [encode_clip(store.load(i), None, only)
                                for i in progress.bar(range(len(store)), desc=kind, unit="clip")]
        return self._fixed[key]

    def sequences(self, store: Any, train_index: np.ndarray, codebook_config: Any,
                  encode_config: Any) -> tuple[list[np.ndarray], dict[str, list[int]]]:
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
