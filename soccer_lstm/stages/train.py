"""``train``: a clip classifier (the LSTM by default) on encoded sequences, written as a self-contained model folder."""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from soccer_lstm import __version__
from soccer_lstm.artifacts import check_can_create, fingerprint, read_json, write_json
from soccer_lstm.config import CLASSIFIERS, HISTOGRAM_CLASSIFIERS, EncodeConfig, PipelineConfig, TrainConfig
from soccer_lstm.dataset import check_trainable
from soccer_lstm.errors import ArtifactError, UserError
from soccer_lstm.features.kinds import FrameVectors, encode_settings
from soccer_lstm.ownership import claim_folder, folder_ref
from soccer_lstm.schema import SCHEMA_VERSIONS, schema_version
from soccer_lstm.store import INDEX
from soccer_lstm.stages.codebook import load_codebook, save_codebook

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
              verbose: int = 0, overwrite: bool = False) -> "TrainResult":
    """Train ``config.classifier`` on an ``encode`` output; the model folder is self-contained for predict.

    The model is the pipeline of :func:`soccer_lstm.estimators.make_clip_pipeline`; the sequences
    are the output of its words and kinds steps (the codebook and encode stages), so this fits the
    rest, the scaler and the classifier, on them. For the LSTM, progress goes to stderr epoch by
    epoch and the per-epoch history (training loss, validation loss, validation clip accuracy) and
    the best epoch are saved in ``history.json`` (:func:`soccer_lstm.evaluation.plots.plot_training`
    draws it).
    """
    from soccer_lstm.estimators import make_clip_pipeline
    from soccer_lstm.stages.encode import load_sequences  # not at import: predict reads MODEL_META from here

    loaded = load_sequences(sequences_dir)
    sequences, labels, index = loaded.sequences, loaded.labels, loaded.index
    check_trainable(labels, sequences_dir)
    if config.classifier in HISTOGRAM_CLASSIFIERS and index.get("features") != "bow":
        raise UserError(f"{sequences_dir}: holds '{index.get('features')}' features but --classifier "
                        f"{config.classifier} compares visual-word histograms: encode with --features bow")
    model_dir = Path(model_dir)
    if model_dir.exists() and not model_dir.is_dir():
        raise UserError(f"{model_dir}: is a file, not a folder; choose another --out")
    check_can_create(model_dir / MODEL_META)
    claim_folder(model_dir, "train", {"sequences": folder_ref(sequences_dir)}, overwrite)
    inputs_fp = fingerprint([c["fingerprint"] for c in index["clips"]], asdict(config), __version__, schema_version("train"))
    meta_path = model_dir / MODEL_META
    if meta_path.is_file() and (model_dir / classifier_file(config.classifier)).is_file():
        try:
            if read_json(meta_path).get("inputs_fingerprint") == inputs_fp:
                return TrainResult(None, False, model_dir)
        except (ArtifactError, KeyError, TypeError):
            pass  # trained again, and plotted from the new history
    codebook_meta = None
    if index.get("codebook"):  # checked before training, not after minutes of it
        codebook, codebook_meta = load_codebook(index["codebook_path"])
        if codebook.fingerprint_ != index["codebook"]:
            raise ArtifactError(f"{index['codebook_path']}: changed since encode; re-run encode")
    # The steps after words and kinds; the sequences carry the layout those steps emit.
    model = make_clip_pipeline(PipelineConfig(train=config), verbose=verbose)[2:]
    started = time.perf_counter()
    encode = EncodeConfig(**{key: value for key, value in index["config"].items()
                             if key in EncodeConfig.__dataclass_fields__})
    model.fit(FrameVectors(sequences, index["layout"], encode_settings(encode)), labels)
    seconds = time.perf_counter() - started
    scaler, classifier = model.named_steps["scale"], model.named_steps["classifier"]
    # pipeline.json is written last: its presence marks a complete model folder.
    try:
        if meta_path.exists():
            meta_path.unlink()
        save_model_classifier(classifier, model_dir, config.classifier)
    except OSError as exc:  # Keras writes its own file first (disk full, read-only folder)
        raise UserError(f"{model_dir}: the model could not be written ({exc.strerror or exc})") from None
    if codebook_meta is not None:
        save_codebook(model_dir / "codebook.npz", codebook, {k: v for k, v in codebook_meta.items()
                                                              if k not in ("format_version", "package_version", "schema_version", "stage",
                                                                           "fingerprint")})
    history = getattr(classifier, "history_", None)
    write_json(meta_path, {
        "stage": "train", "package_version": __version__, "schema_versions": dict(SCHEMA_VERSIONS),
        "classifier": config.classifier, "classes": np.asarray(classifier.classes_).tolist(),
        "features": index["features"], "encode": index["config"], "layout": index["layout"],
        "codebook_fingerprint": index.get("codebook"), "extract": index["extract"],
        "train": asdict(config), "scaler": scaler.to_dict(), "inputs_fingerprint": inputs_fp,
        "n_clips": len(labels), "train_seconds": round(seconds, 2), "epochs_run": getattr(classifier, "epochs_run_", None),
        "profile": _training_profile(index), "best_epoch": getattr(classifier, "best_epoch_", None),
        "dataset": _dataset_name(index), "training_clips": training_clip_fingerprints(index)})
    from soccer_lstm.models.advice import training_notes

    notes = tuple(training_notes(classifier, labels))
    if history is not None:
        write_json(model_dir / "history.json", {"history": history, "best_epoch": classifier.best_epoch_,
                                                "epochs_run": classifier.epochs_run_, "monitor": "val_loss"
                                                if "val_loss" in history else "loss", "notes": list(notes),
                                                "loss": "per-frame cross-entropy averaged over each clip's frames, "
                                                        "then over clips (chance: ln of the number of classes)"})
    elif (model_dir / "history.json").exists():
        (model_dir / "history.json").unlink()  # an earlier LSTM's, not this model's
    return TrainResult(classifier, True, model_dir, notes)


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


def classifier_file(name: str) -> str:
    """The file of a model folder that holds its classifier ``name`` (the LSTM's network, or a baseline's arrays)."""
    from soccer_lstm.models.saving import CLASSIFIER_JSON

    return "network.npz" if name == CLASSIFIERS[0] else CLASSIFIER_JSON


def save_model_classifier(classifier: Any, model_dir: Path, name: str) -> None:
    """Write the fitted classifier ``name`` into a model folder (the LSTM its own way, a baseline as JSON + npz)."""
    if name == CLASSIFIERS[0]:
        classifier.save(model_dir)
    else:
        from soccer_lstm.models.saving import save_classifier

        save_classifier(classifier, model_dir, name)


def load_model_classifier(model_dir: Path, name: str) -> Any:
    """The classifier ``name`` that :func:`save_model_classifier` wrote into ``model_dir``."""
    if name == CLASSIFIERS[0]:
        from soccer_lstm.models.lstm import LSTMClassifier

        return LSTMClassifier.load(model_dir)
    if name not in CLASSIFIERS:
        raise ArtifactError(f"{model_dir / MODEL_META}: unknown classifier {name!r}; re-run train")
    from soccer_lstm.models.saving import load_classifier

    return load_classifier(model_dir, name)


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
