"""Held-out scoring: a trained model on a labelled dataset it has not seen.

``soccer-lstm score --model M DATA -o OUT`` classifies every clip of DATA (laid out like a training
set: one subfolder per class, or a CSV manifest) with the model and writes ``OUT/metrics.json``
(accuracy, per-class recall and precision, confusion matrix, every prediction) and
``OUT/confusion.png``. It is only a held-out figure when DATA shares no clip with the model's
training set: the model records the content fingerprints of its training clips (``pipeline.json``'s
``training_clips``), so every scored clip that is one of them is flagged, counted and said
("N of M were training clips: not a held-out figure"), wherever it lies and whatever its name.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from soccer_lstm.config import PredictConfig
from soccer_lstm.errors import UserError

METRICS = "metrics.json"
CONFUSION_PNG = "confusion.png"


def run_score(model_dir: str | Path, data: str | Path, out_dir: str | Path,
              config: PredictConfig = PredictConfig(), overwrite: bool = False,
              on_clip: Callable[[Any, str], None] | None = None) -> dict[str, Any]:
    """Classify every clip of a labelled dataset and write ``metrics.json`` and ``confusion.png``.

    Parameters
    ----------
    model_dir : path-like
        Model folder written by ``train``.
    data : path-like
        Labelled dataset (folder per class, or manifest).
    out_dir : path-like
        Score folder to write (claimed like any stage folder, see :mod:`soccer_lstm.ownership`).
    config : PredictConfig
        The low-confidence margin.
    overwrite : bool
        Replace a score folder made from another model or dataset.
    on_clip : callable, optional
        ``on_clip(prediction, true_label)`` after each clip, for streaming output.

    Returns
    -------
    dict
        The metrics written.

    Raises
    ------
    UserError
        If DATA holds classes the model does not know, or no clip could be classified.
    """
    from soccer_lstm.artifacts import write_json
    from soccer_lstm.dataset import discover
    from soccer_lstm.evaluation.plots import plot_confusion
    from soccer_lstm.ownership import claim_folder, dataset_ref, folder_ref
    from soccer_lstm.stages.predict import iter_predict_clips, load_model

    pipeline = load_model(model_dir)
    clips = discover(data)
    classes = pipeline.classes
    unknown = sorted({c.label for c in clips} - set(classes))
    if unknown:
        raise UserError(f"{data}: class(es) {', '.join(unknown)} are not among the model's classes "
                        f"({', '.join(classes)}); score needs a dataset labelled like the training set")
    out_dir = Path(out_dir)
    claim_folder(out_dir, "score", {"model": folder_ref(model_dir),
                                    "data": dataset_ref(data, [c.clip_id for c in clips])}, overwrite)
    training = _training_clips(model_dir)
    predictions, failed = [], []
    # The generator comes first in zip: it is asked once more at the end, so its progress completes.
    for result, clip in zip(iter_predict_clips(pipeline, [c.path for c in clips], config), clips):
        if on_clip is not None:
            on_clip(result, clip.label)
        if result.error:
            failed.append({"path": result.path, "problem": result.error})
            continue
        predictions.append({"clip_id": clip.clip_id, "path": result.path, "label": clip.label,
                            "predicted": result.label, "probabilities": result.probabilities,
                            "margin": result.margin, "low_confidence": result.low_confidence,
                            "warnings": result.warnings,
                            "training_clip": None if training is None else _fingerprint(clip.path) in training})
    if not predictions:
        raise UserError(f"{data}: none of the {len(clips)} clips could be classified")
    metrics = score_metrics(predictions, classes)
    metrics.update({"stage": "score", "model": str(Path(model_dir).resolve()), "data": str(Path(data).resolve()),
                    "dataset": Path(data).resolve().name, "min_margin": config.min_margin,
                    **training_clip_metrics(predictions),
                    "predictions": predictions, "failed": failed})
    write_json(out_dir / METRICS, metrics)
    plot_confusion(np.array(metrics["confusion_matrix"]), classes, out_dir / CONFUSION_PNG,
                   title=f"{metrics['dataset']}: {len(predictions)} clips scored by {Path(model_dir).name} "
                         f"(accuracy {100 * metrics['accuracy']:.1f} %"
                         + (f"; {metrics['n_training_clips']} were training clips)" if metrics["n_training_clips"]
                            else ")"))
    return metrics


def _training_clips(model_dir: str | Path) -> set[str] | None:
    """The content fingerprints of the model's training clips; None for a model that records none."""
    from soccer_lstm.artifacts import read_json
    from soccer_lstm.errors import ArtifactError

    try:
        recorded = read_json(Path(model_dir) / "pipeline.json").get("training_clips")
    except (ArtifactError, AttributeError):
        return None
    return set(recorded) if isinstance(recorded, list) else None


def _fingerprint(path: str | Path) -> str | None:
    from soccer_lstm.artifacts import file_digest

    try:
        return file_digest(path)
    except OSError:
        return None


def training_clip_metrics(predictions: list[dict[str, Any]]) -> dict[str, Any]:
    """How many scored clips were training clips (None: the model does not say), and the accuracy
    on the others (the held-out part; None when there is none)."""
    flags = [p.get("training_clip") for p in predictions]
    if any(flag is None for flag in flags):
        return {"n_training_clips": None, "accuracy_held_out": None}
    held_out = [p["label"] == p["predicted"] for p, flag in zip(predictions, flags) if not flag]
    return {"n_training_clips": int(sum(flags)),
            "accuracy_held_out": float(np.mean(held_out)) if held_out else None}


def training_clip_note(metrics: dict[str, Any]) -> str:
    """One line on whether the scored clips were held out."""
    n, total = metrics.get("n_training_clips"), metrics["n_clips"]
    if n is None:
        return ("the model does not record its training clips (trained by an older soccer-lstm): "
                "whether these clips were held out is not known")
    if n == 0:
        return f"none of the {total} clips was a training clip of the model: a held-out figure"
    line = f"{n} of {total} were training clips: not a held-out figure"
    if metrics.get("accuracy_held_out") is not None:
        line += f" (accuracy {metrics['accuracy_held_out']:.3f} on the other {total - n})"
    return line


def score_metrics(predictions: list[dict[str, Any]], classes: list[str]) -> dict[str, Any]:
    """Accuracy, per-class recall and precision, confusion matrix (rows true, columns predicted),
    and how accurate the low-confidence answers were against the others.

    Counted in NumPy, as scikit-learn's ``confusion_matrix`` and ``precision_recall_fscore_support``
    count them (a test compares them), so that scoring imports no scikit-learn or SciPy.
    """
    truth, predicted = [p["label"] for p in predictions], [p["predicted"] for p in predictions]
    index = {c: i for i, c in enumerate(classes)}
    matrix = np.zeros((len(classes), len(classes)), np.int64)
    for t, p in zip(truth, predicted):
        if t in index and p in index:
            matrix[index[t], index[p]] += 1
    # The rule of every report: a class never tested (recall) or never answered (precision) has none.
    hits = np.diag(matrix).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(matrix.sum(axis=1) > 0, hits / matrix.sum(axis=1), np.nan)
        precision = np.where(matrix.sum(axis=0) > 0, hits / matrix.sum(axis=0), np.nan)
    correct = np.array([t == p for t, p in zip(truth, predicted)])
    flagged = np.array([bool(p["low_confidence"]) for p in predictions])

    def share(mask: np.ndarray) -> float | None:
        return float(correct[mask].mean()) if mask.any() else None

    def rate(value: float) -> float | None:
        return None if np.isnan(value) else float(value)

    return {"classes": classes, "n_clips": len(predictions), "accuracy": float(correct.mean()),
            "per_class_recall": {c: rate(r) for c, r in zip(classes, recall)},
            "per_class_precision": {c: rate(p) for c, p in zip(classes, precision)},
            "confusion_matrix": matrix.tolist(),
            "low_confidence": {"n": int(flagged.sum()), "accuracy": share(flagged),
                               "accuracy_of_the_others": share(~flagged)}}


def format_score(metrics: dict[str, Any]) -> str:
    """A short terminal table: accuracy, then recall and precision per class."""
    low = metrics["low_confidence"]
    lines = [f"accuracy {metrics['accuracy']:.3f} on {metrics['n_clips']} clips of {metrics['dataset']}"
             + (f" ({len(metrics['failed'])} could not be read)" if metrics.get("failed") else ""),
             training_clip_note(metrics),
             f"low confidence: {low['n']} answers"
             + (f", {low['accuracy']:.3f} of them right" if low["accuracy"] is not None else ""),
             f"{'class':<24}{'recall':>8}{'precision':>11}"]
    lines += [f"{c:<24}{_rate(metrics['per_class_recall'][c]):>8}{_rate(metrics['per_class_precision'][c]):>11}"
              for c in metrics["classes"]]
    return "\n".join(lines)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
