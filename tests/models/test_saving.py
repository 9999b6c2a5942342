"""Every classifier train can fit is saved in safe formats (JSON + npz, no pickle) and loads back
predicting what it predicted before; a model folder of a baseline serves predict, score and
evaluate, and spot refuses it in one line."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from soccer_lstm.errors import ArtifactError
from soccer_lstm.models.baselines import BASELINES
from soccer_lstm.models.saving import CLASSIFIER_JSON, CLASSIFIER_NPZ, load_classifier, save_classifier
from stage_fixtures import small_run  # noqa: F401 (fixture)


def _clips(n: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
    rng = np.random.default_rng(seed)
    labels = [["kick", "pass", "throw"][i % 3] for i in range(n)]
    clips = [rng.dirichlet(np.ones(6) + 5 * (np.arange(6) == i % 3), size=int(rng.integers(3, 8))).astype(np.float32)
             for i in range(n)]
    return clips, labels


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_every_baseline_loads_back_with_the_same_predictions(tmp_path: Path, name: str) -> None:
    clips, labels = _clips(15, 0)
    test, _ = _clips(7, 1)
    model = BASELINES[name](random_state=3).fit(clips, labels) if "random_state" in BASELINES[name]().get_params() \
        else BASELINES[name]().fit(clips, labels)
    save_classifier(model, tmp_path, name)
    with np.load(tmp_path / CLASSIFIER_NPZ, allow_pickle=False) as arrays:  # plain arrays only
        assert all(arrays[key].dtype != object for key in arrays.files)
    loaded = load_classifier(tmp_path, name)
    assert type(loaded) is type(model) and loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(test), model.predict_proba(test))
    np.testing.assert_array_equal(loaded.predict(test), model.predict(test))
    assert list(loaded.classes_) == ["kick", "pass", "throw"]


def test_a_saved_baseline_never_builds_a_class_outside_the_allowlist(tmp_path: Path) -> None:
    clips, labels = _clips(9, 0)
    save_classifier(BASELINES["clip_logistic"]().fit(clips, labels), tmp_path, "clip_logistic")
    info = json.loads((tmp_path / CLASSIFIER_JSON).read_text())
    info["tree"]["object"] = ["os", "system"]
    (tmp_path / CLASSIFIER_JSON).write_text(json.dumps(info))
    with pytest.raises(ArtifactError, match="refuses to build a os.system"):
        load_classifier(tmp_path, "clip_logistic")
    with pytest.raises(ArtifactError, match="not a saved nw_knn"):
        load_classifier(tmp_path, "nw_knn")


def test_train_a_baseline_then_predict_score_and_a_plain_refusal_from_spot(small_run, tmp_path: Path) -> None:
    from helpers import run_cli

    model = tmp_path / "logistic"
    trained = run_cli("train", small_run["sequences"], "-o", model, "--classifier", "clip_logistic", quiet=False)
    assert trained.exit_code == 0, trained.output
    assert "clip_logistic" in trained.output
    meta = json.loads((model / "pipeline.json").read_text())
    assert meta["classifier"] == "clip_logistic" and (model / CLASSIFIER_NPZ).is_file()
    assert not (model / "model.keras").exists() and not (model / "history.json").exists()
    clip = sorted(Path(small_run["data"]).rglob("*.avi"))[0]
    predicted = run_cli("predict", "--model", model, clip)
    assert predicted.exit_code == 0, predicted.output
    assert any(label in predicted.output for label in meta["classes"]), predicted.output
    again = run_cli("train", small_run["sequences"], "-o", model, "--classifier", "clip_logistic", quiet=False)
    assert again.exit_code == 0 and "up to date" in again.output
    spot = run_cli("spot", "--model", model, clip, "-o", tmp_path / "spot", "--inference", "windows")
    assert spot.exit_code == 2
    assert "--inference windows needs a per-frame classifier (lstm)" in spot.output and "clip_logistic" in spot.output
    assert "--inference centred" in spot.output
    assert "Traceback" not in spot.output
    bad = run_cli("train", small_run["sequences"], "-o", tmp_path / "x", "--classifier", "forest")
    assert bad.exit_code == 2 and "--classifier" in bad.output
    histograms = run_cli("train", small_run["sequences"], "-o", tmp_path / "y", "--classifier", "chi2_svm")
    assert histograms.exit_code == 2 and "encode with --features bow" in histograms.output
    assert not (tmp_path / "y" / "pipeline.json").exists()


def test_a_loaded_model_is_the_one_pipeline_predict_answers_with(small_run, tmp_path: Path) -> None:
    """load_model gives the fitted make_clip_pipeline: its predict_proba on a clip's features is predict's answer."""
    from soccer_lstm.config import ExtractConfig
    from soccer_lstm.features.sift import extract_clip
    from soccer_lstm.stages.predict import load_model, predict_clips

    model = load_model(small_run["model"])
    assert [name for name, _ in model.pipeline.steps] == ["words", "kinds", "scale", "classifier"]
    clip = sorted(Path(small_run["data"]).rglob("*.avi"))[1]
    features = extract_clip(clip, model.extract)
    proba = model.pipeline.predict_proba([features])[0]
    answer = predict_clips(model, [clip])[0]
    assert answer.error is None
    np.testing.assert_allclose([answer.probabilities[c] for c in model.classes], proba, atol=1e-5)
    assert model.pipeline.named_steps["kinds"].layout_ == model.meta["layout"]
    assert isinstance(model.extract, ExtractConfig)
