"""``spot`` with the model as ``load_model`` gives it writes what the scikit-learn steps of the same model write.

The reference is the model folder assembled from the estimators it was trained with
(:class:`~soccer_lstm.features.words.VisualWords`, :class:`~soccer_lstm.features.words.FrameKinds`,
:class:`~soccer_lstm.features.scaling.SequenceScaler`, :class:`~soccer_lstm.models.lstm.LSTMClassifier`)
in :func:`~soccer_lstm.estimators.make_clip_pipeline`'s pipeline: a change to how a model is loaded or
how spot encodes its windows must leave ``results_spotting.json`` and the timeline as they were, to
the byte. The game is longer than one streaming block, so block boundaries are crossed.
"""
from __future__ import annotations

from pathlib import Path
import numpy as np
import pytest

from helpers import run_cli, sklearn_model
from soccer_lstm.spotting.synthetic import write_long_video, write_training_set
from soccer_lstm.spotting.stream import BLOCK
from soccer_lstm.spotting.timeline import load_timeline

ACTIONS = ["shot-on-goal", "throw-in"]


def run_ok(*args: object) -> None:
    result = run_cli(*args)
    assert result.exit_code == 0, (args[0], result.output)


@pytest.fixture(scope="module")
def game(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny model on visual words, camera motion and HOF (late fusion: two LSTMs), and a game of two blocks."""
    root = tmp_path_factory.mktemp("spot_loaded")
    data = write_training_set(root / "data", ACTIONS, per_class=3, n_frames=12)
    run_ok("extract", data, "-o", root / "features", "--resize", "96", "--max-keypoints", "60")
    run_ok("codebook", root / "features", "-o", root / "codebook.npz", "-k", "8", "--sample-size", "400")
    run_ok("encode", root / "features", "--codebook", root / "codebook.npz", "-o", root / "sequences",
           "--features", "bow+motion+hof")
    run_ok("train", root / "sequences", "-o", root / "model", "--units", "4", "--epochs", "2", "--no-mirror",
           "--fusion", "late")
    video = write_long_video(root / "game" / "match.avi", ACTIONS * 3, seed=1, gap_frames=40)
    assert video.n_frames > BLOCK, "the game must cross a block boundary"
    return {"model": root / "model", "video": Path(video.path), "data": data, "root": root}


@pytest.mark.parametrize("inference", ["centred", "windows", "state"])
def test_spot_writes_what_the_sklearn_steps_of_the_model_write(game: dict[str, Path], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               inference: str) -> None:
    import soccer_lstm.stages.predict as predict_stage

    run_ok("spot", "--model", game["model"], game["video"], "-o", tmp_path / "loaded", "--inference", inference)
    reference = sklearn_model(game["model"])
    monkeypatch.setattr(predict_stage, "load_model", lambda model_dir: reference)
    run_ok("spot", "--model", game["model"], game["video"], "-o", tmp_path / "sklearn", "--inference", inference)
    loaded, expected = (tmp_path / name / "match" for name in ("loaded", "sklearn"))
    assert (loaded / "results_spotting.json").read_bytes() == (expected / "results_spotting.json").read_bytes()
    _, probabilities, classes, _ = load_timeline(loaded / "timeline.npz")
    _, reference_probabilities, _, _ = load_timeline(expected / "timeline.npz")
    assert classes == ["background", *ACTIONS] and len(probabilities) > BLOCK
    np.testing.assert_array_equal(probabilities, reference_probabilities)


def test_centred_windows_spot_with_a_clip_classifier(game: dict[str, Path], tmp_path: Path) -> None:
    """A clip-level baseline has no per-frame decisions: centred windows spot with it all the same."""
    import json

    model = tmp_path / "logistic"
    run_ok("train", game["root"] / "sequences", "-o", model, "--classifier", "clip_logistic")
    run_ok("spot", "--model", model, game["video"], "-o", tmp_path / "spot")
    times, probabilities, classes, meta = load_timeline(tmp_path / "spot" / "match" / "timeline.npz")
    assert classes == ["background", *ACTIONS] and meta["inference"] == "centred"
    assert len(probabilities) > BLOCK and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert np.ptp(probabilities, axis=0).max() > 0.05    # the decisions move along the game
    json.loads((tmp_path / "spot" / "match" / "results_spotting.json").read_text())
    refused = run_cli("spot", "--model", model, game["video"], "-o", tmp_path / "state", "--inference", "state")
    assert refused.exit_code == 2 and "--inference state needs a per-frame classifier" in refused.output
