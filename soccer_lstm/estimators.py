"""The scikit-learn estimators of the project, and the pipeline they make together.

Every step follows scikit-learn's contract (parameters only in ``__init__``, learnt state ending in
``_``, ``get_params``/``set_params``/``clone``), so a whole clip classifier is an ordinary
:class:`sklearn.pipeline.Pipeline` that ``cross_validate``, ``GridSearchCV`` and ``clone`` accept::

    Pipeline([("words", VisualWords(k=200)), ("scale", SequenceScaler(layout)), ("lstm", LSTMClassifier(layout=layout))])

Samples are clips: the pipeline takes a sequence of
:class:`~soccer_lstm.features.sift.ClipFeatures` (what ``extract`` stores per clip), the steps
after ``words`` a list of ``(T, D)`` arrays.
"""
from __future__ import annotations

from typing import Any

from soccer_lstm.config import CodebookConfig, EncodeConfig, ExtractConfig, TrainConfig

__all__ = ["LSTMClassifier", "SequenceScaler", "VisualWords", "NWKNeighborsClassifier", "NWStringKernelSVC",
           "ClipHistogramChi2SVC", "FrameLinearSVCVote", "ClipStatsLogistic", "make_clip_pipeline"]


def make_clip_pipeline(codebook: CodebookConfig = CodebookConfig(), encode: EncodeConfig = EncodeConfig(),
                       train: TrainConfig = TrainConfig(), grid: int = ExtractConfig.grid,
                       classifier: Any = None) -> Any:
    """The pipeline ``words -> scale -> classifier`` of a set of stage configs.

    Parameters
    ----------
    codebook, encode, train : config dataclasses
        Options of the codebook, encode and train stages (see :mod:`soccer_lstm.config`).
    grid : int
        The extract option ``grid`` the clips were made with (the width of HOF/MBH/HOG).
    classifier : estimator, optional
        Any clip classifier (a baseline); defaults to the LSTM of ``train``. A classifier whose
        ``input_scaling`` is ``"none"`` (the histogram baselines) gets unscaled inputs.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; its ``fit`` takes a sequence of ``ClipFeatures`` and their labels.
    """
    from sklearn.pipeline import Pipeline

    from soccer_lstm.features.kinds import KindSettings, feature_layout
    from soccer_lstm.features.scaling import SequenceScaler
    from soccer_lstm.features.words import VisualWords
    from soccer_lstm.models.lstm import LSTMClassifier

    words = VisualWords.from_config(codebook, encode, grid)
    layout = feature_layout(encode.features, KindSettings(codebook.k, encode.motion_model, grid))
    if classifier is None:
        classifier = LSTMClassifier.from_config(train, layout=layout)
    elif "layout" in classifier.get_params():
        classifier.set_params(layout=layout)
    scale = getattr(classifier, "input_scaling", train.scale)
    return Pipeline([("words", words), ("scale", SequenceScaler(layout=layout, scale=scale)), ("classifier", classifier)])


def __getattr__(name: str) -> Any:
    """The estimator classes, imported when first used (TensorFlow only for the LSTM)."""
    if name in __all__:
        import soccer_lstm

        return getattr(soccer_lstm, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
