"""k-fold cross-validation from extracted features, with every fitted step inside the fold.

The folds come from :mod:`sklearn.model_selection` (``StratifiedKFold``, or ``StratifiedGroupKFold``
when clips share groups; :func:`soccer_lstm.dataset.make_folds`). Each fold fits the pipeline of
:func:`soccer_lstm.estimators.make_clip_pipeline` on its training clips only. Its first two steps,
the visual words and the other kinds, are the costly ones and their output does not depend on the
classifier, so :class:`EncodedFolds` keeps it: the words step is fit once per (training clips,
codebook options) and every clip encoded with it once, for every row and seed that shares them,
and the kinds that do not depend on the fold (the registry says which) are computed once per clip
for all folds. The rest of the fold's pipeline (the scaler, the classifier) is then fit on the
training clips' vectors. Any clip classifier can be evaluated, so the paper's LSTM and the
baselines run under the same protocol and the same folds. Metrics come from :mod:`sklearn.metrics`.
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
from soccer_lstm.config import CodebookConfig, EncodeConfig, PipelineConfig
from soccer_lstm.dataset import check_trainable, class_names, make_folds
from soccer_lstm.estimators import make_clip_pipeline
from soccer_lstm.features.kinds import KINDS, FrameVectors, encode_settings, parse_kinds
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


class EncodedFolds:
    """The output of the words and kinds steps of each fold's pipeline, for every clip, kept for reuse.

    ``vectors(store, train_index, codebook, encode)`` is what the fold's
    ``pipeline[:2].fit(training clips).transform(every clip)`` gives: the words step
    (:class:`~soccer_lstm.features.words.VisualWords`) fit on the training clips only, the kinds
    step (:class:`~soccer_lstm.features.words.FrameKinds`) after it. Blocks are kept per kind: a kind
    that depends on the fold per (training clips, codebook options), the others once per clip.
    """

    def __init__(self) -> None:
        self._blocks: dict[tuple, list[np.ndarray]] = {}

    def vectors(self, store: FeatureStore, train_index: np.ndarray, codebook_config: CodebookConfig,
                encode_config: EncodeConfig) -> FrameVectors:
        """Every clip's per-frame vectors under the pipeline fit on the clips ``train_index``."""
        blocks = [self._kind_blocks(store, kind, train_index, codebook_config, encode_config)
                  for kind in parse_kinds(encode_config.features)]
        layout, start = {}, 0
        for kind, kind_blocks in zip(parse_kinds(encode_config.features), blocks):
            width = int(kind_blocks[0].shape[1]) if kind_blocks else 0
            layout[kind] = [start, start + width]
            start += width
        return FrameVectors((np.concatenate(clip, axis=1).astype(np.float32) for clip in zip(*blocks)), layout,
                            encode_settings(encode_config))

    def _kind_blocks(self, store: FeatureStore, kind: str, train_index: np.ndarray, codebook_config: CodebookConfig,
                     encode_config: EncodeConfig) -> list[np.ndarray]:
        from soccer_lstm.features.words import FrameKinds, VisualWords

        fold_dependent = KINDS[kind].fold_dependent
        key = (str(store.folder), kind, encode_config.motion_model, encode_config.spm_levels,
               (tuple(int(i) for i in train_index), tuple(asdict(codebook_config).items())) if fold_dependent else None)
        if key not in self._blocks:
            clips = StoreClips(store)
            words = VisualWords.from_config(codebook_config).fit(StoreClips(store, train_index)) if fold_dependent else None
            step = FrameKinds(features=kind, motion_model=encode_config.motion_model,
                              spm_levels=encode_config.spm_levels)
            first = words.transform([clips[0]]) if words else [clips[0]]
            step.fit(first)
            self._blocks[key] = [step.transform(words.transform([clips[i]]) if words else [clips[i]])[0]
                                 for i in progress.bar(range(len(clips)), desc=kind if not words else "encode",
                                                       unit="clip")]
        return self._blocks[key]


def cross_validate(store: FeatureStore, config: PipelineConfig,
                   make_classifier: Callable[[int], Estimator] | None = None,
                   seeds: Sequence[int] = (0,), transform: SequenceTransform | None = None,
                   cache: EncodedFolds | None = None, verbose: int = 0,
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
        ``make_classifier(seed)`` returns a fresh estimator; defaults to the classifier ``config.train`` names.
    seeds : sequence of int
        Repeats with these seeds (classifier and codebook seeds; the folds stay fixed).
    transform : callable, optional
        ``transform(sequences, seed)`` applied to every clip's sequence before training and testing
        (e.g. shuffling frame order).
    cache : EncodedFolds, optional
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
    cache = cache or EncodedFolds()
    result = CVResult(class_names(labels), labels, [e.clip_id for e in store.entries])
    y = np.asarray(labels)
    if make_classifier is None:
        from soccer_lstm.estimators import make_classifier as make_configured

        def make_classifier(seed: int) -> Estimator:
            return make_configured(replace(config.train, seed=seed), verbose=verbose)

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
        sequences = cache.vectors(store, train, codebook_config, config.encode)
        if transform is not None:
            sequences = FrameVectors(transform(list(sequences), seed), sequences.layout, sequences.settings)
        # The fold's pipeline after the words and kinds steps, whose output ``cache`` holds.
        model = make_clip_pipeline(config, make_classifier(seed))[2:]
        work = (model, sequences.take(train), y[train].tolist(), sequences.take(test))
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


def format_metrics(metrics: dict[str, Any]) -> str:
    """A short terminal table: accuracy over folds and per-class recall."""
    folds = ", ".join(f"{a:.3f}" for a in metrics["fold_accuracies"])
    lines = [f"accuracy {metrics['accuracy_mean']:.3f} +- {metrics['accuracy_std']:.3f}  "
             f"({len(metrics['fold_accuracies'])} folds: {folds})",
             f"{'class':<24}{'recall':>8}"]
    lines += [f"{c:<24}{'-' if r is None else format(r, '.3f'):>8}" for c, r in metrics["per_class_recall"].items()]
    return "\n".join(lines)
