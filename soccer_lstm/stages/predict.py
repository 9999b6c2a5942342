"""``predict``: a trained model folder loaded and applied to clips or encoded sequences.

:func:`load_model` is the one loader of a model folder: ``predict``, ``score`` and ``spot`` all apply
the chain it gives (:attr:`TrainedPipeline.pipeline`: words -> kinds -> scale -> classifier). For an
LSTM model every step is NumPy (the codebook's nearest centres, the registry's kinds, an affine
scaling, :class:`~soccer_lstm.models.forward.NetworkClassifier`): nothing on this path imports
scikit-learn, SciPy or TensorFlow, which cost most of a cold start. A baseline classifier imports
scikit-learn when it is loaded.
"""
from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from soccer_lstm import progress
from soccer_lstm.artifacts import read_json
from soccer_lstm.config import CLASSIFIERS, EncodeConfig, ExtractConfig, PredictConfig
from soccer_lstm.errors import ArtifactError, ClipError, UserError
from soccer_lstm.estimators import FittedPipeline, fitted_pipeline
from soccer_lstm.features.codebook import Codebook
from soccer_lstm.features.fitted import Standardiser
from soccer_lstm.features.sift import extract_clip
from soccer_lstm.schema import schema_version
from soccer_lstm.store import INDEX
from soccer_lstm.stages.train import MODEL_META, classifier_file

log = logging.getLogger(__name__)


@dataclass
class TrainedPipeline:
    """Everything ``predict``, ``score`` and ``spot`` need, loaded from a model folder (:func:`load_model`).

    ``classifier``, ``codebook`` and ``scaler`` are the fitted parts that :attr:`pipeline` chains;
    ``extract`` and ``encode`` the options the model was trained with; ``meta`` its ``pipeline.json``.
    """

    classifier: Any
    codebook: Codebook | None
    scaler: Standardiser
    extract: ExtractConfig
    encode: EncodeConfig
    meta: dict[str, Any]
    _pipeline: Any = field(default=None, repr=False, compare=False)

    @property
    def classes(self) -> list[str]:
        return list(self.meta["classes"])

    @property
    def pipeline(self) -> FittedPipeline:
        """The model's fitted steps ``words -> kinds -> scale -> classifier``
        (:func:`soccer_lstm.estimators.fitted_pipeline`): ``pipeline[:-1].transform([features])`` gives
        a clip's scaled per-frame vectors, ``predict_proba`` takes
        :class:`~soccer_lstm.features.sift.ClipFeatures`."""
        if self._pipeline is None:
            self._pipeline = fitted_pipeline(self.codebook, self.encode, self.meta["layout"], self.scaler,
                                             self.classifier)
        return self._pipeline

    @property
    def classifier_name(self) -> str:
        """The classifier's name (``lstm``, or a baseline's)."""
        return str(self.meta.get("classifier", CLASSIFIERS[0]))

    def check_per_frame(self, where: object, mode: str = "spot") -> None:
        """Refuse a classifier that gives no per-frame decisions (what ``mode`` needs).

        Raises
        ------
        UserError
            Naming the model folder, its classifier and the mode that needs per-frame decisions.
        """
        if not hasattr(self.classifier, "predict_steps"):
            raise UserError(f"{where}: {mode} needs a per-frame classifier (lstm) but this model's classifier is "
                            f"{self.classifier_name}; use --inference centred (any classifier), or train one "
                            f"with --classifier lstm")


def load_model(model_dir: str | Path) -> TrainedPipeline:
    """Load a model folder written by :func:`run_train`, checking that its parts belong together."""
    model_dir = Path(model_dir)
    if model_dir.is_file():
        raise UserError(f"{model_dir}: is a file; --model takes the model folder that 'soccer-lstm train' wrote "
                        f"(here perhaps {model_dir.parent})")
    if not model_dir.is_dir():
        raise UserError(f"{model_dir}: no such model folder (run 'soccer-lstm train' first)")
    if not (model_dir / MODEL_META).is_file():
        raise UserError(f"{model_dir}: not a model folder (no {MODEL_META}; run 'soccer-lstm train', which "
                        f"writes it last)")
    meta = read_json(model_dir / MODEL_META)
    if not isinstance(meta, dict) or meta.get("stage") != "train":
        raise ArtifactError(f"{model_dir / MODEL_META}: not a soccer-lstm model description")
    made_by = (meta.get("schema_versions") or {}).get("train")
    if made_by != schema_version("train"):
        raise ArtifactError(f"{model_dir}: written by soccer-lstm {meta.get('package_version', '(unknown)')} in "
                            f"model format {made_by or 'unversioned'}; this version reads format "
                            f"{schema_version('train')}: re-run train")
    try:
        extract_config = ExtractConfig(**meta["extract"]) if meta.get("extract") else ExtractConfig()
        encode_config = EncodeConfig(**meta["encode"])
        scaler = Standardiser.from_dict(meta["scaler"])
        list(meta["classes"]), meta["features"], dict(meta["layout"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(f"{model_dir / MODEL_META}: malformed model description ({type(exc).__name__}: "
                            f"{exc}); re-run train".splitlines()[0]) from None
    codebook = None
    if meta.get("codebook_fingerprint"):
        from soccer_lstm.stages.codebook import load_codebook

        codebook, _ = load_codebook(model_dir / "codebook.npz")
        if codebook.fingerprint_ != meta["codebook_fingerprint"]:
            raise ArtifactError(f"{model_dir / 'codebook.npz'}: is not the codebook this model was trained with")
    name = meta.get("classifier", CLASSIFIERS[0])
    if name == CLASSIFIERS[0]:
        from soccer_lstm.models.forward import NetworkClassifier

        classifier = NetworkClassifier.load(model_dir)
    else:
        from soccer_lstm.stages.train import load_model_classifier

        classifier = load_model_classifier(model_dir, name)
    if list(classifier.classes_) != list(meta["classes"]):
        raise ArtifactError(f"{model_dir / classifier_file(name)}: its classes differ from {model_dir / MODEL_META}; "
                            f"the folder mixes two models")
    try:  # the steps are checked against each other now, not at the first clip
        steps = fitted_pipeline(codebook, encode_config, meta["layout"], scaler, classifier)
    except ValueError as exc:
        raise ArtifactError(f"{model_dir / MODEL_META}: malformed model description ({exc}); re-run train"
                            .splitlines()[0]) from None
    return TrainedPipeline(classifier, codebook, scaler, extract_config, encode_config, meta, steps)


def check_compatible(pipeline: TrainedPipeline, sequences_index: dict[str, Any], where: object) -> None:
    """Refuse sequences of another feature kind or codebook than the model was trained on."""
    if sequences_index.get("features") != pipeline.meta["features"]:
        raise UserError(f"{where}: holds '{sequences_index.get('features')}' features but the model was "
                        f"trained on '{pipeline.meta['features']}'")
    if sequences_index.get("codebook") != pipeline.meta.get("codebook_fingerprint"):
        raise UserError(f"{where}: was encoded with codebook {sequences_index.get('codebook')} but the model "
                        f"uses codebook {pipeline.meta.get('codebook_fingerprint')}")
    if sequences_index.get("layout") != pipeline.meta.get("layout"):
        raise UserError(f"{where}: its per-frame vectors are laid out as {sequences_index.get('layout')} but the "
                        f"model expects {pipeline.meta.get('layout')} (another motion model?)")
    levels = (sequences_index.get("config") or {}).get("spm_levels", EncodeConfig.spm_levels)
    if "spm" in (pipeline.meta.get("layout") or {}) and levels != pipeline.encode.spm_levels:
        raise UserError(f"{where}: its spm pyramid has levels {levels} but the model was trained on levels "
                        f"{pipeline.encode.spm_levels}")


@dataclass
class Prediction:
    """The answer for one clip.

    ``margin`` is the top probability minus the runner-up's; ``low_confidence`` says it is under
    :attr:`PredictConfig.min_margin`. ``warnings`` says how the clip differs from the training clips.
    """

    path: str
    label: str | None
    probabilities: dict[str, float] | None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    margin: float | None = None
    low_confidence: bool = False
    runner_up: str | None = None


def iter_predict_clips(pipeline: TrainedPipeline, paths: Sequence[str | Path],
                       config: PredictConfig = PredictConfig()) -> Iterator[Prediction]:
    """Classify clips one at a time, yielding each answer as soon as it is known.

    A clip that cannot be read gets an error entry; a clip unlike the training clips (see
    :mod:`soccer_lstm.profile`) gets warnings.
    """
    from soccer_lstm.profile import clip_stats, unlike_training

    for path in progress.bar(paths, desc="predict"):
        result = Prediction(str(path), None, None)
        try:
            features = extract_clip(path, pipeline.extract)
            sequence = pipeline.pipeline[:2].transform([features])[0]  # the words and kinds steps (then _score)
        except ClipError as exc:
            result.error = exc.problem
        except Exception as exc:  # one clip's failure must not cost the others their answer
            result.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        else:
            stats = clip_stats(features.geometry, features.n_frames, int(features.offsets[-1]))
            result.warnings = unlike_training(pipeline.meta.get("profile"), stats)
            _score(pipeline, [sequence], [result], config)
        yield result


def predict(model_dir: str | Path, clips: Sequence[str | Path] = (), sequences_dir: str | Path | None = None,
            config: PredictConfig = PredictConfig()) -> Iterator[Prediction]:
    """Answers of a model folder for the clips of an ``encode`` folder, then for ``clips``, one at a time.

    The model (and the sequences folder) are checked before the first answer: a problem with them
    raises at once; a clip that cannot be read gets an answer with an ``error``.

    Raises
    ------
    UserError
        A missing or foreign model folder, or sequences of another feature kind or codebook.
    """
    pipeline = load_model(model_dir)
    answers = predict_sequences(pipeline, sequences_dir, config) if sequences_dir else []
    return itertools.chain(answers, iter_predict_clips(pipeline, clips, config) if clips else ())


def predict_clips(pipeline: TrainedPipeline, paths: Sequence[str | Path],
                  config: PredictConfig = PredictConfig()) -> list[Prediction]:
    """Classify clips from their video files or frame folders; a bad clip gets an error entry."""
    return list(iter_predict_clips(pipeline, paths, config))


def predict_sequences(pipeline: TrainedPipeline, sequences_dir: str | Path,
                      config: PredictConfig = PredictConfig()) -> list[Prediction]:
    """Classify the clips of an ``encode`` output folder (their ``path`` is the clip id).

    Raises
    ------
    UserError
        If the folder was encoded with another feature kind or codebook than the model's.
    """
    from soccer_lstm.stages.encode import load_sequences

    folder = Path(sequences_dir)
    if folder.is_dir():  # the kind and codebook are checked before any sequence is read
        index = read_json(folder / INDEX)
        if isinstance(index, dict) and index.get("stage") == "encode":
            check_compatible(pipeline, index, folder)
    loaded = load_sequences(folder)
    sequences, index = loaded.sequences, loaded.index
    check_compatible(pipeline, index, folder)
    results = [Prediction(entry["clip_id"], None, None) for entry in index["clips"]]
    _score(pipeline, sequences, results, config)
    return results


def _score(pipeline: TrainedPipeline, sequences: list[np.ndarray], results: list[Prediction],
           config: PredictConfig = PredictConfig()) -> None:
    """Fill the label, probabilities and confidence of ``results`` from the model's scores of ``sequences``."""
    if sequences:
        scores = pipeline.pipeline[2:].predict_proba(sequences)  # the scale and classifier steps
        classes = pipeline.classes
        for result, row in zip(results, scores):
            order = np.argsort(row)[::-1]
            result.label = classes[int(order[0])]
            result.probabilities = {c: round(float(p), 6) for c, p in zip(classes, row)}
            if len(order) > 1:
                result.runner_up = classes[int(order[1])]
                result.margin = round(float(row[order[0]] - row[order[1]]), 6)
                result.low_confidence = result.margin < config.min_margin
