"""``train``: the LSTM on encoded sequences, written as a self-contained model folder."""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from soccer_lstm import __version__
from soccer_lstm.artifacts import check_can_create, fingerprint, read_json, write_json
from soccer_lstm.config import TrainConfig
from soccer_lstm.dataset import check_trainable
from soccer_lstm.errors import ArtifactError, UserError
from soccer_lstm.features.scaling import make_scaler
from soccer_lstm.ownership import claim_folder, folder_ref
from soccer_lstm.schema import SCHEMA_VERSIONS, schema_version
from soccer_lstm.store import INDEX
from soccer_lstm.stages.codebook import load_codebook, save_codebook
from soccer_lstm.stages.encode import load_sequences

log = logging.getLogger(__name__)


MODEL_META = "pipeline.json"


@dataclass(frozen=True)
class TrainResult:
    """What :func:`run_train` did: the fitted classifier (None when the model was up to date),
    whether it trained now, and the model folder."""

    classifier: Any
    trained: bool
    model_dir: Path
    notes: tuple[str, ...] = ()  # one line each: validation switched off, a best epoch that came early



def run_train(sequences_dir: str | Path, model_dir: str | Path, config: TrainConfig = TrainConfig(),
              verbose: int = 0, overwrite: bool = False, plot: bool = False) -> "TrainResult":
    """Train the LSTM on an ``encode`` output; the model folder is self-contained for predict.

    Progress goes to stderr epoch by epoch; the per-epoch history (training loss, validation loss,
    validation clip accuracy) and the best epoch are saved in ``history.json``, and with ``plot`` as
    ``learning_curve.png``.
    """
    from soccer_lstm.models.lstm import LSTMClassifier

    loaded = load_sequences(sequences_dir)
    sequences, labels, index = loaded.sequences, loaded.labels, loaded.index
    check_trainable(labels, sequences_dir)
    model_dir = Path(model_dir)
    if model_dir.exists() and not model_dir.is_dir():
        raise UserError(f"{model_dir}: is a file, not a folder; choose another --out")
    check_can_create(model_dir / MODEL_META)
    claim_folder(model_dir, "train", {"sequences": folder_ref(sequences_dir)}, overwrite)
    inputs_fp = fingerprint([c["fingerprint"] for c in index["clips"]], asdict(config), __version__, schema_version("train"))
    meta_path = model_dir / MODEL_META
    if meta_path.is_file() and (model_dir / "model.keras").is_file():
        try:
            meta = read_json(meta_path)
            if meta.get("inputs_fingerprint") == inputs_fp:
                if plot and not (model_dir / "learning_curve.png").is_file():  # `make train PLOT=1` after `make train`
                    saved = read_json(model_dir / "history.json")
                    _plot(saved["history"], saved["best_epoch"], len(meta["classes"]), model_dir, index, len(labels))
                return TrainResult(None, False, model_dir)
        except (ArtifactError, KeyError, TypeError):
            pass  # trained again, and plotted from the new history
    codebook_meta = None
    if index.get("codebook"):  # checked before training, not after minutes of it
        codebook, codebook_meta = load_codebook(index["codebook_path"])
        if codebook.fingerprint_ != index["codebook"]:
            raise ArtifactError(f"{index['codebook_path']}: changed since encode; re-run encode")
    scaler = make_scaler(index["layout"], config.scale)
    sequences = scaler.fit_transform(sequences)
    started = time.perf_counter()
    classifier = LSTMClassifier.from_config(config, layout=index["layout"], verbose=verbose).fit(sequences, labels)
    seconds = time.perf_counter() - started
    # pipeline.json is written last: its presence marks a complete model folder.
    try:
        if meta_path.exists():
            meta_path.unlink()
        classifier.save(model_dir)
    except OSError as exc:  # Keras writes its own file first (disk full, read-only folder)
        raise UserError(f"{model_dir}: the model could not be written ({exc.strerror or exc})") from None
    if codebook_meta is not None:
        save_codebook(model_dir / "codebook.npz", codebook, {k: v for k, v in codebook_meta.items()
                                                              if k not in ("format_version", "package_version", "schema_version", "stage",
                                                                           "fingerprint")})
    write_json(meta_path, {
        "stage": "train", "package_version": __version__, "schema_versions": dict(SCHEMA_VERSIONS),
        "classes": classifier.classes_.tolist(),
        "features": index["features"], "encode": index["config"], "layout": index["layout"],
        "codebook_fingerprint": index.get("codebook"), "extract": index["extract"],
        "train": asdict(config), "scaler": scaler.to_dict(), "inputs_fingerprint": inputs_fp,
        "n_clips": len(labels), "train_seconds": round(seconds, 2), "epochs_run": classifier.epochs_run_,
        "profile": _training_profile(index), "best_epoch": classifier.best_epoch_,
        "training_clips": training_clip_fingerprints(index)})
    from soccer_lstm.models.advice import training_notes

    notes = tuple(training_notes(classifier, labels))
    write_json(model_dir / "history.json", {"history": classifier.history_, "best_epoch": classifier.best_epoch_,
                                            "epochs_run": classifier.epochs_run_, "monitor": "val_loss"
                                            if "val_loss" in classifier.history_ else "loss", "notes": list(notes),
                                            "loss": "per-frame cross-entropy averaged over each clip's frames, "
                                                    "then over clips (chance: ln of the number of classes)"})
    if plot:
        _plot(classifier.history_, classifier.best_epoch_, len(classifier.classes_), model_dir, index, len(labels))
    return TrainResult(classifier, True, model_dir, notes)


def _plot(history: dict[str, list[float]], best_epoch: int, n_classes: int, model_dir: Path, index: dict[str, Any],
          n_clips: int) -> None:
    from soccer_lstm.evaluation.plots import plot_learning_curve

    plot_learning_curve(history, model_dir / "learning_curve.png", best_epoch=best_epoch, n_classes=n_classes,
                        title=f"learning curve on {_dataset_name(index)} ({n_clips} clips, {index['features']})")


def training_clip_fingerprints(index: dict[str, Any]) -> list[str]:
    """The sorted content fingerprints of the clips a sequences index lists (``file_digest``: the
    clip's bytes, not its path), so that ``score`` can tell a training clip wherever it lies.

    A clip no longer at its recorded path is left out (with a warning): it cannot be fingerprinted.
    """
    from soccer_lstm.artifacts import file_digest

    digests, missing = set(), 0
    for clip in index["clips"]:
        try:
            digests.add(file_digest(clip["path"]))
        except (OSError, KeyError, TypeError):
            missing += 1
    if missing:
        log.warning("%d training clip(s) could not be read to record their fingerprints; score will not "
                    "recognise them as training clips", missing)
    return sorted(digests)


def _dataset_name(index: dict[str, Any]) -> str:
    """The name of the dataset a sequences folder was made from (its features folder records it)."""
    try:
        source = read_json(Path(index["features_dir"]) / INDEX)["source"]
        return Path(source).resolve().name
    except (ArtifactError, KeyError, TypeError, OSError):
        return "an unknown dataset"


def _training_profile(index: dict[str, Any]) -> dict[str, Any] | None:
    """Frame sizes, rates, lengths and keypoints of the training clips, read from their features folder."""
    from soccer_lstm.profile import profile_of_features

    features_dir = index.get("features_dir")
    if not features_dir or not Path(features_dir).is_dir():
        log.warning("the features folder of these sequences is unknown or gone; predict will not warn about "
                    "clips unlike the training clips")
        return None
    return profile_of_features(features_dir, [c["file"] for c in index["clips"]])
