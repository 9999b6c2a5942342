"""The estimators follow scikit-learn's contract: clone round-trips every parameter, unfitted use is
refused, bad parameters fail in fit, labels of any type work, and the whole clip classifier is a
Pipeline that sklearn.model_selection runs."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from soccer_lstm.features.scaling import SequenceScaler
from soccer_lstm.features.words import FrameKinds, VisualWords
from soccer_lstm.models.baselines import BASELINES
from soccer_lstm.models.lstm import LSTMClassifier

LAYOUT = {"bow": [0, 4], "motion": [4, 13]}


def _estimators() -> list:
    """Every estimator, each with every parameter set away from its default where possible."""
    return [
        LSTMClassifier(units=7, optimizer="paper", learning_rate=0.01, batch_size=3, epochs=5, patience=2,
                       validation_split=0.1, dropout=0.3, aggregation="vote", max_steps=9, ensemble=2,
                       fusion="late", mirror=False, random_state=4, verbose=1),
        SequenceScaler(scale="motion"),
        VisualWords(k=12, sample_size=500, kmeans_batch_size=64, random_state=3),
        FrameKinds(features="bow+motion", motion_model="similarity"),
        *[cls() for cls in BASELINES.values()],
    ]


@pytest.mark.parametrize("estimator", _estimators(), ids=lambda e: type(e).__name__)
def test_clone_round_trips_every_parameter(estimator) -> None:
    params = estimator.get_params()
    copy = clone(estimator)
    assert copy.get_params() == params and copy is not estimator
    again = clone(copy).set_params(**params)
    assert again.get_params() == params


@pytest.mark.parametrize("estimator", _estimators(), ids=lambda e: type(e).__name__)
def test_unfitted_estimators_refuse_to_predict(estimator) -> None:
    clips = [np.zeros((3, 13), np.float32)]
    method = getattr(estimator, "predict", None) or estimator.transform
    with pytest.raises(NotFittedError):
        method(clips)


@pytest.mark.parametrize("estimator, params, message", [
    (LSTMClassifier(), {"fusion": "middle"}, "fusion must be one of"),
    (LSTMClassifier(), {"units": "150"}, "units must be a whole number"),
    (LSTMClassifier(), {"dropout": 1.5}, "dropout must be in"),
    (SequenceScaler(), {"scale": "some"}, "scale must be one of"),
    (VisualWords(), {"k": 200.5}, "k must be a whole number"),
    (FrameKinds(), {"features": "sift"}, "unknown kind"),
    (FrameKinds(), {"motion_model": "projective"}, "motion_model must be one of"),
    (BASELINES["nw_knn"](), {"similarity": "euclid"}, "similarity must be one of"),
    (BASELINES["chi2_svm"](), {"C": -1.0}, "C must be greater than 0"),
])
def test_bad_parameters_fail_in_fit_with_a_value_error_naming_them(estimator, params, message) -> None:
    estimator.set_params(**params)  # set_params stores; fit checks
    with pytest.raises(ValueError, match=message):
        estimator.fit([np.random.default_rng(0).random((4, 13)).astype(np.float32)] * 4, [0, 1, 0, 1])


def _bow_clips(n: int, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    clips = [rng.dirichlet(np.ones(6) + 5 * (np.arange(6) < 3) * label, size=int(rng.integers(3, 7))).astype(np.float32)
             for label in y]
    return clips, y


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_baselines_score_integer_labels_under_cross_val_score(name) -> None:
    from sklearn.model_selection import cross_val_score

    clips, y = _bow_clips(12)
    scores = cross_val_score(BASELINES[name](), clips, y, cv=3, error_score="raise")
    assert not np.isnan(scores).any() and (scores >= 0).all()
    model = BASELINES[name]().fit(clips, y)
    assert model.classes_.dtype.kind == "i" and set(model.predict(clips)) <= {0, 1}


def test_a_pipeline_of_encoder_scaler_and_lstm_runs_under_cross_validate(tiny_features) -> None:
    """Words, kinds, scaler and LSTM in one Pipeline on the tiny generated set: every fitted step is
    fit on the training folds by construction, each learns its layout from its input (so another
    codebook size is a set_params away), integer labels come back as integers."""
    from sklearn.model_selection import StratifiedKFold, cross_validate

    from soccer_lstm.config import CodebookConfig, EncodeConfig, PipelineConfig, TrainConfig
    from soccer_lstm.estimators import make_clip_pipeline
    from soccer_lstm.store import FeatureStore

    store = FeatureStore(tiny_features)
    clips = [store.load(i) for i in range(len(store))]
    names = sorted(set(store.labels))
    y = np.array([names.index(label) for label in store.labels])
    pipeline = make_clip_pipeline(PipelineConfig(codebook=CodebookConfig(k=8, sample_size=2000),
                                                 encode=EncodeConfig(features="bow+motion"),
                                                 train=TrainConfig(units=4, epochs=2, patience=2, validation_split=0.0)))
    assert [name for name, _ in pipeline.steps] == ["words", "kinds", "scale", "classifier"]
    result = cross_validate(pipeline, clips, y, cv=StratifiedKFold(3, shuffle=True, random_state=0),
                            error_score="raise", return_estimator=True)
    assert len(result["test_score"]) == 3 and not np.isnan(result["test_score"]).any()
    fitted = result["estimator"][0]
    assert fitted.named_steps["words"].codebook_.cluster_centers_.shape == (8, 128)
    assert set(fitted.predict(clips[:3])) <= set(range(len(names)))
    # The shape error of issue 25: a codebook size set after construction reaches every later step.
    other = clone(pipeline).set_params(words__k=6).fit(clips, y)
    assert other.named_steps["classifier"].layout_ == {"bow": [0, 6], "motion": [6, 15]}
    assert other.named_steps["scale"].layout_ == other.named_steps["kinds"].layout_
    assert other.named_steps["classifier"].n_features_in_ == 15


def test_grid_search_over_the_codebook_size_and_a_classifier_parameter(tmp_path) -> None:
    """GridSearchCV over ``words__k`` and ``classifier__C`` on tiny made-up features (no video)."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from helpers import write_feature_store
    from soccer_lstm.config import CodebookConfig, EncodeConfig, PipelineConfig, TrainConfig
    from soccer_lstm.estimators import make_clip_pipeline
    from soccer_lstm.store import FeatureStore

    labels = ["kick", "pass", "throw"] * 4
    store = FeatureStore(write_feature_store(tmp_path / "features", labels, seed=3))
    clips = [store.load(i) for i in range(len(store))]
    pipeline = make_clip_pipeline(PipelineConfig(codebook=CodebookConfig(k=4, sample_size=1000),
                                                 encode=EncodeConfig(features="bow"),
                                                 train=TrainConfig(classifier="clip_logistic")))
    search = GridSearchCV(pipeline, {"words__k": [3, 5], "classifier__C": [0.01, 1.0]},
                          cv=StratifiedKFold(3, shuffle=True, random_state=0), error_score="raise")
    search.fit(clips, store.labels)
    assert len(search.cv_results_["params"]) == 4 and not np.isnan(search.cv_results_["mean_test_score"]).any()
    best = search.best_estimator_
    k = search.best_params_["words__k"]
    assert best.named_steps["words"].codebook_.cluster_centers_.shape == (k, 128)
    assert best.named_steps["classifier"].n_features_in_ == k
    assert best.named_steps["kinds"].layout_ == {"bow": [0, k]}
    assert set(best.predict(clips)) <= set(labels)


def test_grid_search_over_the_feature_kinds(tiny_features) -> None:
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from soccer_lstm.config import CodebookConfig, EncodeConfig, PipelineConfig, TrainConfig
    from soccer_lstm.estimators import make_clip_pipeline
    from soccer_lstm.store import FeatureStore

    store = FeatureStore(tiny_features)
    clips = [store.load(i) for i in range(len(store))]
    pipeline = make_clip_pipeline(PipelineConfig(codebook=CodebookConfig(k=6, sample_size=1000),
                                                 encode=EncodeConfig(features="bow"),
                                                 train=TrainConfig(classifier="clip_logistic")))
    search = GridSearchCV(pipeline, {"kinds__features": ["bow", "bow+motion", "bow+hog"]},
                          cv=StratifiedKFold(3, shuffle=True, random_state=0), error_score="raise").fit(clips, store.labels)
    widths = {params["kinds__features"]: None for params in search.cv_results_["params"]}
    assert set(widths) == {"bow", "bow+motion", "bow+hog"}
    assert list(search.best_estimator_.named_steps["kinds"].layout_) == \
        search.best_params_["kinds__features"].split("+")


def test_make_classifier_builds_every_classifier_of_the_results_table() -> None:
    from soccer_lstm.config import CLASSIFIERS, TrainConfig
    from soccer_lstm.estimators import make_classifier

    for name in CLASSIFIERS:
        classifier = make_classifier(TrainConfig(classifier=name, seed=5))
        assert type(classifier).__name__ == ("LSTMClassifier" if name == "lstm" else BASELINES[name].__name__)
        if "random_state" in classifier.get_params():
            assert classifier.get_params()["random_state"] == 5
    with pytest.raises(ValueError, match="members"):
        make_classifier(TrainConfig(classifier="nw_knn"), {"members": 2})
