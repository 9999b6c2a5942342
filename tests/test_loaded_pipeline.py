"""The model that ``load_model`` gives: NumPy steps that compute what the scikit-learn estimators of the same model compute."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers import sklearn_model
from stage_fixtures import small_run  # noqa: F401 (fixture)
from soccer_lstm.errors import ArtifactError


@pytest.fixture(scope="module")
def models(small_run: dict[str, Path]) -> tuple:  # noqa: F811
    """The bow+motion model of the tiny run, as load_model gives it and as its scikit-learn estimators."""
    from soccer_lstm.features.sift import extract_clip
    from soccer_lstm.stages.predict import load_model

    loaded = load_model(small_run["model"])
    clips = sorted(Path(small_run["data"]).rglob("*.avi"))[::4]
    features = [extract_clip(clip, loaded.extract) for clip in clips]
    return loaded, sklearn_model(small_run["model"]), features


def test_the_loaded_steps_are_numpy_objects(models: tuple) -> None:
    from sklearn.base import BaseEstimator

    loaded, _, _ = models
    chain = loaded.pipeline
    assert [name for name, _ in chain.steps] == ["words", "kinds", "scale", "classifier"]
    assert [type(step).__name__ for _, step in chain.steps] == ["WordHistograms", "KindVectors", "Standardiser",
                                                                 "NetworkClassifier"]
    assert not any(isinstance(step, BaseEstimator) for _, step in chain.steps)
    assert chain["kinds"].layout_ == loaded.meta["layout"] and chain[-1] is loaded.classifier
    assert [name for name, _ in chain[:-1].steps] == ["words", "kinds", "scale"] and len(chain[2:]) == 2


def test_each_step_computes_what_its_estimator_computes(models: tuple) -> None:
    loaded, reference, features = models
    ours, theirs = loaded.pipeline, reference.pipeline
    words, expected_words = ours[:1].transform(features), theirs[:1].transform(features)
    for clip, expected in zip(words, expected_words):
        np.testing.assert_array_equal(clip.words, expected.words)
    vectors, expected_vectors = ours[1:2].transform(words), theirs[1:2].transform(expected_words)
    assert vectors.layout == expected_vectors.layout == loaded.meta["layout"]
    for clip, expected in zip(vectors, expected_vectors):
        np.testing.assert_array_equal(clip, expected)
    scaled, expected_scaled = ours[2:3].transform(vectors), theirs[2:3].transform(vectors)
    for clip, expected in zip(scaled, expected_scaled):
        np.testing.assert_allclose(clip, expected, rtol=0, atol=1e-6)
    for steps, expected in zip(ours[-1].predict_steps(scaled), theirs[-1].predict_steps(scaled)):
        np.testing.assert_allclose(steps, expected, rtol=0, atol=1e-6)
    proba = ours.predict_proba(features)
    np.testing.assert_allclose(proba, theirs.predict_proba(features), rtol=0, atol=1e-6)
    assert list(ours.predict(features)) == list(theirs.predict(features))
    assert proba.shape == (len(features), len(loaded.classes)) and np.allclose(proba.sum(axis=1), 1)


def test_the_loaded_scaler_is_the_stored_one(models: tuple) -> None:
    from soccer_lstm.features.scaling import SequenceScaler

    loaded, reference, _ = models
    assert loaded.scaler.to_dict() == reference.scaler.to_dict() == loaded.meta["scaler"]
    assert isinstance(SequenceScaler.from_dict(loaded.meta["scaler"]), SequenceScaler)


def test_a_network_that_does_not_match_its_description_is_refused(small_run: dict[str, Path],  # noqa: F811
                                                                  tmp_path: Path) -> None:
    from soccer_lstm.models.forward import NetworkClassifier

    copy = Path(shutil.copytree(small_run["model"], tmp_path / "m"))
    info = json.loads((copy / "lstm.json").read_text())
    info["network"]["units"] += 1
    (copy / "lstm.json").write_text(json.dumps(info))
    with pytest.raises(ArtifactError, match="lstm.json: malformed"):
        NetworkClassifier.load(copy)
    info["network"]["units"] -= 1
    info["params"]["aggregation"] = "median"
    (copy / "lstm.json").write_text(json.dumps(info))
    with pytest.raises(ArtifactError, match="lstm.json: malformed"):
        NetworkClassifier.load(copy)
    (copy / "lstm.json").write_text("[]")
    with pytest.raises(ArtifactError, match="older version"):
        NetworkClassifier.load(copy)


def test_a_layout_of_other_kinds_than_the_model_is_refused_on_loading(small_run: dict[str, Path],  # noqa: F811
                                                                      tmp_path: Path) -> None:
    from soccer_lstm.stages.predict import load_model

    copy = Path(shutil.copytree(small_run["model"], tmp_path / "m"))
    meta = json.loads((copy / "pipeline.json").read_text())
    meta["layout"] = {"motion": meta["layout"]["motion"]}
    (copy / "pipeline.json").write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match="pipeline.json: malformed model description"):
        load_model(copy)
