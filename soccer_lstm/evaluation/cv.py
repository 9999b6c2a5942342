"""k-fold cross-validation from extracted features, with every fitted step inside the fold.

For each fold the codebook, the motion scaler and the classifier are fit on the training clips
only; the test clips are encoded with that fold's codebook. Any estimator speaking
``fit(sequences, labels)`` / ``predict(sequences)`` can be evaluated, so the paper's LSTM and the
baselines run under the same protocol and the same folds.
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from soccer_lstm import progress
from soccer_lstm.config import CodebookConfig, EncodeConfig, PipelineConfig, feature_kinds
from soccer_lstm.dataset import check_trainable, class_names, make_folds
from soccer_lstm.pipeline import encode_clip, feature_layout, fit_codebook, make_scaler
from soccer_lstm.store import FeatureStore

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

    def confusion(self) -> np.ndarray:
        """Counts summed over folds and seeds: rows true class, columns predicted, sorted classes."""
        matrix = np.zeros((len(self.classes), len(self.classes)), np.int64)
        position = {c: i for i, c in enumerate(self.classes)}
        for fold in self.folds:
            for i, pred in zip(fold.test_index, fold.predicted):
                matrix[position[self.labels[i]], position[pred]] += 1
        return matrix

    def summary(self) -> dict[str, Any]:
        matrix = self.confusion()
        recall = matrix.diagonal() / np.maximum(matrix.sum(axis=1), 1)
        return {
            "accuracy_mean": float(np.mean(self.accuracies)),
            "accuracy_std": float(np.std(self.accuracies)),
            "fold_accuracies": self.accuracies,
            "per_class_recall": {c: float(r) for c, r in zip(self.classes, recall)},
            "confusion_matrix": matrix.tolist(),
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
            codebook = None
            if "bow" in feature_kinds(encode_config.features):
                book_key = (train_key, tuple(asdict(codebook_config).items()))
                if book_key not in self._codebooks:
                    self._codebooks[book_key] = fit_codebook(store, train_index, codebook_config)
                codebook = self._codebooks[book_key]
            k = len(codebook.cluster_centers_) if codebook is not None else 0
            encoded = [encode_clip(store.load(i), codebook, encode_config)
                       for i in progress.bar(range(len(store)), desc="encode", unit="clip")]
            self._sequences[key] = (encoded, feature_layout(encode_config, k, store.grid))
        return self._sequences[key]


def cross_validate(store: FeatureStore, config: PipelineConfig,
                   make_classifier: Callable[[int], Estimator] | None = None,
                   seeds: Sequence[int] = (0,), transform: SequenceTransform | None = None,
                   cache: FoldCache | None = None, verbose: int = 0,
                   on_fold: Callable[[FoldResult, int, bool], None] | None = None,
                   fold_dir: Any = None) -> CVResult:
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
    """
    from dataclasses import replace

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

    for seed in seeds:
        codebook_config = replace(config.codebook, seed=seed)
        for fold_number, (train, test) in enumerate(folds):
            key = _fold_key(store, config, seed, fold_number, test) if fold_dir is not None else None
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
            # Histogram baselines (chi2, alignment of histograms) need the raw histograms; the LSTM
            # takes standardised inputs. A classifier says which through ``input_scaling``.
            scale = getattr(classifier, "input_scaling", config.train.scale)
            scaler = make_scaler(layout, scale).fit([sequences[i] for i in train])
            train_x = scaler.transform([sequences[i] for i in train])
            test_x = scaler.transform([sequences[i] for i in test])
            started = time.perf_counter()
            with progress.without_epoch_lines():
                classifier.fit(train_x, y[train].tolist())
            seconds = time.perf_counter() - started
            predicted = [str(p) for p in classifier.predict(test_x)]
            accuracy = float(np.mean(np.asarray(predicted) == y[test]))
            log.info("seed %d fold %d: accuracy %.3f (%.1fs)", seed, fold_number, accuracy, seconds)
            fold_result = FoldResult(fold_number, seed, test.tolist(), predicted, accuracy, seconds)
            result.folds.append(fold_result)
            if key:
                from soccer_lstm.artifacts import write_json

                write_json(Path(fold_dir) / f"{key}.json", {"key": key, **asdict(fold_result)})
            if on_fold is not None:
                on_fold(fold_result, len(folds), False)
    if fold_dir is not None:  # results of other configs or seeds never mix with these
        from soccer_lstm.ownership import prune

        prune(fold_dir, [f"{_fold_key(store, config, s, n, t)}.json" for s in seeds
                         for n, (_, t) in enumerate(folds)], pattern="*.json")
    return result


def _fold_key(store: FeatureStore, config: PipelineConfig, seed: int, fold: int, test: np.ndarray) -> str:
    from soccer_lstm import __version__
    from soccer_lstm.artifacts import fingerprint

    return fingerprint([e.fingerprint for e in store.entries], config.as_dict(), seed, fold,
                       [int(i) for i in test], __version__)


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


def run_evaluate(features_dir: str, out_dir: str, config: PipelineConfig, seeds: Sequence[int] = (0,),
                 verbose: int = 0, overwrite: bool = False,
                 on_fold: Callable[[FoldResult, int, bool], None] | None = None) -> dict[str, Any]:
    """Cross-validate the LSTM pipeline on a feature store; write ``metrics.json``; return it.

    Each finished fold is kept in ``out_dir/folds/``; running the same evaluation again reads
    finished folds back and computes only the others (see :func:`cross_validate`).
    """
    from soccer_lstm.artifacts import write_json
    from soccer_lstm.ownership import claim_folder, folder_ref

    store = FeatureStore(features_dir)
    claim_folder(out_dir, "evaluate", {"features": folder_ref(features_dir)}, overwrite)
    result = cross_validate(store, config, seeds=seeds, verbose=verbose, on_fold=on_fold,
                            fold_dir=Path(out_dir) / "folds")
    metrics = {**result.summary(), "seeds": list(seeds), "config": config.as_dict(),
               "features_dir": str(features_dir),
               "predictions": [{"clip_id": result.clip_ids[i], "label": result.labels[i], "predicted": p,
                                "fold": f.fold, "seed": f.seed}
                               for f in result.folds for i, p in zip(f.test_index, f.predicted)]}
    write_json(Path(out_dir) / "metrics.json", metrics)
    return metrics


def format_metrics(metrics: dict[str, Any]) -> str:
    """A short terminal table: accuracy over folds and per-class recall."""
    folds = ", ".join(f"{a:.3f}" for a in metrics["fold_accuracies"])
    lines = [f"accuracy {metrics['accuracy_mean']:.3f} +- {metrics['accuracy_std']:.3f}  "
             f"({len(metrics['fold_accuracies'])} folds: {folds})",
             f"{'class':<24}{'recall':>8}"]
    lines += [f"{c:<24}{r:>8.3f}" for c, r in metrics["per_class_recall"].items()]
    return "\n".join(lines)
