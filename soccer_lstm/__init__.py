"""soccer-lstm: action classification in sports clips with SIFT bag-of-words, camera motion and an LSTM.

The Python API (see ``docs/api.md``):

- the stages, each reading the previous stage's folder and writing its own, skipping what is up to
  date: :func:`run_extract`, :func:`run_codebook`, :func:`run_encode`, :func:`run_train`,
  :func:`load_model`, :func:`predict_clips`, :func:`run_evaluate`, :func:`run_reproduce`;
- the scikit-learn estimators: :class:`VisualWords`, :class:`FrameKinds`, :class:`SequenceScaler`,
  :class:`LSTMClassifier`, the baselines, and :func:`make_clip_pipeline`, which joins them;
- spotting in whole games: :func:`render_games`, :func:`cut_clips`, :func:`run_spot`,
  :func:`score_games` (SoccerNet's files: :mod:`soccer_lstm.spotting.soccernet`);
- the options of every stage: :mod:`soccer_lstm.config`.

Names are imported when first used, so ``import soccer_lstm`` stays fast and never loads TensorFlow.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_API: dict[str, str] = {
    "run_extract": "soccer_lstm.stages.extract", "run_codebook": "soccer_lstm.stages.codebook",
    "run_encode": "soccer_lstm.stages.encode", "run_train": "soccer_lstm.stages.train",
    "load_sequences": "soccer_lstm.stages.encode", "load_model": "soccer_lstm.stages.predict",
    "predict_clips": "soccer_lstm.stages.predict", "iter_predict_clips": "soccer_lstm.stages.predict",
    "predict_sequences": "soccer_lstm.stages.predict", "run_score": "soccer_lstm.evaluation.score",
    "run_evaluate": "soccer_lstm.evaluation.reproduce", "run_reproduce": "soccer_lstm.evaluation.reproduce",
    "cross_validate": "soccer_lstm.evaluation.cv", "FeatureStore": "soccer_lstm.store",
    "StoreClips": "soccer_lstm.store", "camera_motion": "soccer_lstm.features.camera",
    "VisualWords": "soccer_lstm.features.words", "SequenceScaler": "soccer_lstm.features.scaling",
    "LSTMClassifier": "soccer_lstm.models.lstm", "make_clip_pipeline": "soccer_lstm.estimators",
    "make_classifier": "soccer_lstm.estimators", "FrameKinds": "soccer_lstm.features.words",
    "NWKNeighborsClassifier": "soccer_lstm.models.nw", "NWStringKernelSVC": "soccer_lstm.models.nw",
    "ClipHistogramChi2SVC": "soccer_lstm.models.baselines", "FrameLinearSVCVote": "soccer_lstm.models.baselines",
    "ClipStatsLogistic": "soccer_lstm.models.baselines",
    "render_games": "soccer_lstm.spotting.games", "cut_clips": "soccer_lstm.spotting.clips",
    "run_spot": "soccer_lstm.spotting.spot", "score_games": "soccer_lstm.spotting.metric",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'soccer_lstm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
