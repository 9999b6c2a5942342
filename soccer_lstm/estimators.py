"""The scikit-learn estimators of the project, and the one function that joins them into a pipeline.

Every step follows scikit-learn's contract (parameters only in ``__init__``, learnt state ending in
``_``, ``get_params``/``set_params``/``clone``), and each learns the shape of its input in ``fit``
from what the step before emits, so a whole clip classifier is an ordinary
:class:`sklearn.pipeline.Pipeline` that ``cross_validate``, ``GridSearchCV`` and ``clone`` accept::

    Pipeline([("words", VisualWords(k=200)), ("kinds", FrameKinds("bow+motion")),
              ("scale", SequenceScaler()), ("classifier", LSTMClassifier())])

Samples are clips: the pipeline takes a sequence of
:class:`~soccer_lstm.features.sift.ClipFeatures` (what ``extract`` stores per clip); the steps
after ``kinds`` take :class:`~soccer_lstm.features.kinds.FrameVectors` (a list of ``(T, D)`` arrays
that knows the columns of each kind). ``train``, ``evaluate``/``reproduce``, ``predict``, ``score``
and ``spot`` all build their pipeline with :func:`make_clip_pipeline`.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from soccer_lstm.config import CLASSIFIERS, PipelineConfig, TrainConfig

__all__ = ["LSTMClassifier", "SequenceScaler", "VisualWords", "FrameKinds", "NWKNeighborsClassifier",
           "NWStringKernelSVC", "ClipHistogramChi2SVC", "FrameLinearSVCVote", "ClipStatsLogistic",
           "make_classifier", "make_clip_pipeline"]


def make_classifier(train: TrainConfig = TrainConfig(), params: Mapping[str, Any] | None = None,
                    verbose: int = 0) -> Any:
    """The unfitted classifier ``train.classifier`` names, seeded with ``train.seed``.

    Parameters
    ----------
    train : TrainConfig
        ``classifier`` picks it: ``lstm`` (built from the other options of ``train``) or a baseline.
    params : mapping, optional
        A baseline's keyword parameters (an experiment row's ``[classifier]``); for the LSTM only
        ``members``, its ``ensemble``.

    Raises
    ------
    ValueError
        On an unknown classifier name or parameter.
    """
    params = dict(params or {})
    if train.classifier not in CLASSIFIERS:
        raise ValueError(f"unknown classifier {train.classifier!r}; known: {', '.join(CLASSIFIERS)}")
    if train.classifier == CLASSIFIERS[0]:
        from soccer_lstm.models.lstm import LSTMClassifier

        # One ensemble mechanism: members = n is the LSTM's own ``ensemble`` (seeds seed, seed+1, ...).
        members = int(params.pop("members", train.ensemble))
        if params:
            raise ValueError(f"the LSTM takes no parameter(s) {', '.join(sorted(params))} here (its options are TrainConfig's)")
        return LSTMClassifier.from_config(replace(train, ensemble=members), verbose=verbose)
    from soccer_lstm.models.baselines import make_baseline

    estimator = make_baseline(train.classifier, **params)
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=train.seed)
    return estimator


def make_clip_pipeline(config: PipelineConfig = PipelineConfig(), classifier: Any = None,
                       memory: Any = None, verbose: int = 0) -> Any:
    """The pipeline ``words -> kinds -> scale -> classifier`` of a set of stage configs.

    Parameters
    ----------
    config : PipelineConfig
        Options of the codebook, encode and train stages (see :mod:`soccer_lstm.config`).
    classifier : estimator, optional
        Any clip classifier; defaults to the one ``config.train`` names (:func:`make_classifier`). A
        classifier whose ``input_scaling`` is ``"none"`` (the histogram baselines) gets unscaled inputs.
    memory : str or joblib.Memory, optional
        Caches the fitted words and kinds steps (scikit-learn's ``Pipeline(memory=...)``), so a grid
        search over the classifier's parameters fits each codebook once.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; its ``fit`` takes a sequence of ``ClipFeatures`` and their labels. The words step
        is ``"passthrough"`` when the kinds hold no visual words.
    """
    from sklearn.pipeline import Pipeline

    from soccer_lstm.features.kinds import needs_codebook
    from soccer_lstm.features.scaling import SequenceScaler
    from soccer_lstm.features.words import FrameKinds, VisualWords

    if classifier is None:
        classifier = make_classifier(config.train, verbose=verbose)
    words = VisualWords.from_config(config.codebook) if needs_codebook(config.encode.features) else "passthrough"
    scale = getattr(classifier, "input_scaling", config.train.scale)
    return Pipeline([("words", words), ("kinds", FrameKinds.from_config(config.encode)),
                     ("scale", SequenceScaler(scale=scale)), ("classifier", classifier)], memory=memory)


def __getattr__(name: str) -> Any:
    """The estimator classes, imported when first used (TensorFlow only for the LSTM)."""
    if name in __all__:
        import soccer_lstm

        return getattr(soccer_lstm, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
