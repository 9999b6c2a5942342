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
that knows the columns of each kind). ``train`` and ``evaluate``/``reproduce`` build their pipeline
with :func:`make_clip_pipeline`.

A trained model only transforms and predicts: :func:`fitted_pipeline` joins the fitted steps of a
model folder (what :func:`soccer_lstm.stages.predict.load_model` reads) into a
:class:`FittedPipeline`, the same four steps with the prediction half of ``Pipeline``'s interface,
and for the LSTM in NumPy only (:mod:`soccer_lstm.features.fitted`,
:class:`~soccer_lstm.models.forward.NetworkClassifier`): ``predict``, ``score`` and ``spot`` apply it
without importing scikit-learn, SciPy or TensorFlow.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Sequence

from soccer_lstm.config import CLASSIFIERS, EncodeConfig, PipelineConfig, TrainConfig

__all__ = ["LSTMClassifier", "SequenceScaler", "VisualWords", "FrameKinds", "NWKNeighborsClassifier",
           "NWStringKernelSVC", "ClipHistogramChi2SVC", "FrameLinearSVCVote", "ClipStatsLogistic",
           "make_classifier", "make_clip_pipeline", "FittedPipeline", "fitted_pipeline"]


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


class FittedPipeline:
    """Fitted steps applied in order, with the prediction half of scikit-learn's ``Pipeline`` interface.

    ``steps`` is a list of ``(name, step)``; a step may be ``"passthrough"``. Slicing gives a
    pipeline of the steps sliced (``model[:-1]``: every step before the classifier), an index or a
    name gives the step. Nothing here fits: a model folder's steps come fitted.

    Parameters
    ----------
    steps : list of (str, object)
    """

    def __init__(self, steps: Sequence[tuple[str, Any]]) -> None:
        self.steps = list(steps)

    @property
    def named_steps(self) -> dict[str, Any]:
        return dict(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int | slice | str) -> Any:
        if isinstance(index, slice):
            return FittedPipeline(self.steps[index])
        if isinstance(index, str):
            return self.named_steps[index]
        return self.steps[index][1]

    def transform(self, X: Any) -> Any:
        """``X`` through every step (each must transform)."""
        for _, step in self.steps:
            if step is not None and step != "passthrough":
                X = step.transform(X)
        return X

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities of the last step on ``X`` transformed by the steps before it."""
        return self.steps[-1][1].predict_proba(self[:-1].transform(X))

    def predict(self, X: Any) -> Any:
        """Labels of the last step on ``X`` transformed by the steps before it."""
        return self.steps[-1][1].predict(self[:-1].transform(X))


def fitted_pipeline(codebook: Any, encode: EncodeConfig, layout: Mapping[str, Sequence[int]], scaler: Any,
                    classifier: Any) -> FittedPipeline:
    """The steps ``words -> kinds -> scale -> classifier`` of a trained model, as :func:`make_clip_pipeline`
    would have left them after ``fit``.

    Parameters
    ----------
    codebook : Codebook or None
        The visual words (``words`` is ``"passthrough"`` when the kinds hold none).
    encode : EncodeConfig
        The kinds and motion model the model was trained on.
    layout : dict of str to [start, stop]
        The columns of each kind (``pipeline.json``'s ``layout``).
    scaler : Standardiser
        The fitted scaling (a :class:`~soccer_lstm.features.scaling.SequenceScaler` works too).
    classifier : object
        The fitted classifier (``predict_proba``).

    Raises
    ------
    ValueError
        When the kinds hold visual words but no codebook is given, or the layout names other kinds.
    """
    from soccer_lstm.features.fitted import KindVectors, WordHistograms
    from soccer_lstm.features.kinds import needs_codebook, parse_kinds

    if needs_codebook(encode.features) and codebook is None:
        raise ValueError(f"features {encode.features!r} hold visual words but the model has no codebook")
    if set(layout) != set(parse_kinds(encode.features)):
        raise ValueError(f"layout {dict(layout)!r} does not hold the kinds of {encode.features!r}")
    words = WordHistograms(codebook) if needs_codebook(encode.features) else "passthrough"
    return FittedPipeline([("words", words), ("kinds", KindVectors(layout, encode.motion_model, encode.spm_levels)),
                           ("scale", scaler), ("classifier", classifier)])


def __getattr__(name: str) -> Any:
    """The estimator classes, imported when first used (TensorFlow only for the LSTM)."""
    if name in __all__:
        import soccer_lstm

        return getattr(soccer_lstm, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
