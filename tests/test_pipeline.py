"""End to end through the CLI on clips generated here: extract -> codebook -> encode -> train -> predict."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from clipgen import make_dataset
from helpers import run_cli
from soccer_lstm.artifacts import load_npz, read_json


def test_extract_writes_compact_per_clip_artifacts_and_skips_on_rerun(tiny_dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "features"
    first = run_cli("extract", str(tiny_dataset), "-o", str(out), "--resize", "160", quiet=False)
    assert first.exit_code == 0, first.output
    index = read_json(out / "index.json")
    assert len(index["clips"]) == 18
    arrays, meta = load_npz(out / index["clips"][0]["file"])
    assert arrays["descriptors"].dtype == np.uint8
    assert len(arrays["offsets"]) == meta["n_frames"] + 1 == 13
    second = run_cli("extract", str(tiny_dataset), "-o", str(out), "--resize", "160", quiet=False)
    assert "0 clips extracted, 18 up to date" in second.output
    third = run_cli("extract", str(tiny_dataset), "-o", str(out), "--resize", "120", quiet=False)
    assert "18 clips extracted" in third.output  # other parameters: rebuilt


def test_extract_cache_follows_clip_content_not_timestamps(tiny_features: Path, tmp_path: Path,
                                                           monkeypatch) -> None:
    """A copied or touched dataset is not extracted again; a changed clip is."""
    import os
    import shutil

    import soccer_lstm.pipeline as pipeline
    import soccer_lstm.stages.extract as extract_stage
    from soccer_lstm.config import ExtractConfig

    config = ExtractConfig(resize=160, max_keypoints=150)
    source = Path(read_json(tiny_features / "index.json")["source"])
    copy = tmp_path / "copy"
    shutil.copytree(source, copy, copy_function=shutil.copyfile)  # new mtimes, same bytes
    out = tmp_path / "features"
    shutil.copytree(tiny_features, out)
    before = {c["clip_id"]: c["fingerprint"] for c in read_json(out / "index.json")["clips"]}

    summary = pipeline.run_extract(copy, out, config)
    assert (summary.extracted, summary.cached) == (0, 18)
    assert {c["clip_id"]: c["fingerprint"] for c in read_json(out / "index.json")["clips"]} == before

    # The new signatures were recorded: the next run settles every clip without reading it.
    def no_hashing(path):
        raise AssertionError(f"{path} was hashed again")

    with monkeypatch.context() as patch:
        patch.setattr(extract_stage, "file_digest", no_hashing)
        assert pipeline.run_extract(copy, out, config).cached == 18

    clips = sorted(p for p in copy.rglob("*") if p.is_file())
    changed, other = clips[0], clips[-1]
    changed.write_bytes(other.read_bytes())
    stamp = changed.stat().st_mtime_ns - 10**9
    os.utime(other, ns=(stamp, stamp))  # touched only
    summary = pipeline.run_extract(copy, out, config)
    assert (summary.extracted, summary.cached) == (1, 17)
    after = {c["path"]: c["fingerprint"] for c in read_json(out / "index.json")["clips"]}
    assert after[str(changed)] == after[str(other)]  # keyed on the bytes: now those of the other clip


def test_encode_caches_per_clip_and_rebuilds_for_another_codebook(tiny_features: Path, tmp_path: Path) -> None:
    assert run_cli("codebook", str(tiny_features), "-o", str(tmp_path / "cb.npz"), "-k", "16").exit_code == 0
    args = ["encode", str(tiny_features), "--codebook", str(tmp_path / "cb.npz"), "-o", str(tmp_path / "seq"),
            "--features", "bow"]
    assert run_cli(*args).exit_code == 0
    index = read_json(tmp_path / "seq" / "index.json")
    arrays, _ = load_npz(tmp_path / "seq" / index["clips"][0]["file"])
    sums = arrays["sequence"].sum(axis=1)
    assert arrays["sequence"].shape[1] == 16 and np.allclose(sums[sums > 0], 1.0, atol=1e-5)
    assert "0 clips encoded, 18 up to date" in run_cli(*args, quiet=False).output
    assert run_cli("codebook", str(tiny_features), "-o", str(tmp_path / "cb.npz"), "-k", "12").exit_code == 0
    assert "18 clips encoded" in run_cli(*args, quiet=False).output


def test_train_and_predict_above_chance_on_held_out_clips(tiny_features: Path, tmp_path: Path) -> None:
    cb, seq, model = tmp_path / "cb.npz", tmp_path / "seq", tmp_path / "model"
    assert run_cli("codebook", str(tiny_features), "-o", str(cb), "-k", "24").exit_code == 0
    assert run_cli("encode", str(tiny_features), "--codebook", str(cb), "-o", str(seq),
                   "--features", "bow+motion").exit_code == 0
    # The tiny set's classes differ by pan direction, so mirrored copies would merge two of them.
    result = run_cli("train", str(seq), "-o", str(model), "--units", "24", "--epochs", "40",
                     "--learning-rate", "0.01", "--patience", "40", "--no-mirror")
    assert result.exit_code == 0, result.output
    meta = read_json(model / "pipeline.json")
    assert meta["classes"] == ["pan-left", "pan-right", "still"] and meta["features"] == "bow+motion"
    assert meta["codebook_fingerprint"] and (model / "codebook.npz").is_file()
    # Clips the model never saw: other seeds than the training clips' (clipgen seeds 0-205).
    held_out = make_dataset(tmp_path / "held-out", clips_per_class=3, first_seed=1000)
    clips = sorted(str(p) for p in held_out.rglob("*.avi"))
    result = run_cli("predict", "--model", str(model), "--json", *clips)
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(clips)
    assert all(abs(sum(a["probabilities"].values()) - 1) < 1e-3 for a in answers)
    correct = sum(a["label"] == Path(a["path"]).parent.name for a in answers)
    assert correct / len(answers) > 1 / 3 + 0.2, [(Path(a["path"]).parent.name, a["label"]) for a in answers]


def test_evaluate_cross_validates_above_chance(tiny_features: Path, tmp_path: Path) -> None:
    result = run_cli("evaluate", str(tiny_features), "-o", str(tmp_path / "eval"), "-k", "24", "--units", "24",
                     "--epochs", "40", "--learning-rate", "0.01", "--features", "bow+motion", "--no-mirror")
    assert result.exit_code == 0, result.output
    metrics = read_json(tmp_path / "eval" / "metrics.json")
    assert len(metrics["fold_accuracies"]) == 3
    assert np.asarray(metrics["confusion_matrix"]).sum() == 18
    assert metrics["accuracy_mean"] > 1 / 3 + 0.2
    assert metrics["config"]["codebook"]["k"] == 24 and "accuracy" in result.output


# --- caches and refusals of train and predict, without TensorFlow --------------------------------

class FakeLSTM:
    """Stands in for LSTMClassifier in run_train: counts fits, writes a model folder, trains nothing."""

    fits = 0

    @classmethod
    def from_config(cls, config, verbose: int = 0) -> "FakeLSTM":
        return cls()

    def fit(self, sequences, labels) -> "FakeLSTM":
        FakeLSTM.fits += 1
        self.classes_, self.epochs_run_ = np.array(sorted(set(labels))), 1
        self.best_epoch_, self.history_ = 1, {"loss": [1.0]}
        return self

    def save(self, folder: Path) -> None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / "network.npz").write_bytes(b"not a real model")

    def predict_proba(self, sequences) -> np.ndarray:
        return np.tile([1.0, 0.0], (len(sequences), 1))


def _bow_sequences(seed: int, n: int = 6) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.dirichlet(np.ones(4), size=int(rng.integers(3, 7))).astype(np.float32) for _ in range(n)]


def test_a_model_is_trained_again_after_a_change_of_any_input(tmp_path: Path, monkeypatch) -> None:
    import soccer_lstm.models.lstm as lstm
    import soccer_lstm.pipeline as pipeline
    import soccer_lstm.stages.train as train_stage
    from soccer_lstm.config import TrainConfig
    from helpers import write_sequences

    monkeypatch.setattr(lstm, "LSTMClassifier", FakeLSTM)
    FakeLSTM.fits = 0
    labels, layout = ["kick", "throw"] * 3, {"bow": [0, 4]}
    sequences, model = write_sequences(tmp_path / "seq", _bow_sequences(0), labels, layout, "bow"), tmp_path / "model"

    def trained(config: TrainConfig = TrainConfig(epochs=3)) -> bool:
        before = FakeLSTM.fits
        rebuilt = pipeline.run_train(sequences, model, config).trained
        assert rebuilt == (FakeLSTM.fits == before + 1)
        return rebuilt

    assert trained(), "first run"
    assert not trained(), "nothing changed, yet trained again"
    assert trained(TrainConfig(epochs=4)), "another train config, yet up to date"
    assert not trained(TrainConfig(epochs=4)), "nothing changed, yet trained again"
    write_sequences(sequences, _bow_sequences(1), labels, layout, "bow")
    assert trained(TrainConfig(epochs=4)), "other sequences, yet up to date"
    monkeypatch.setattr(train_stage, "__version__", "0.0.0-other")
    assert trained(TrainConfig(epochs=4)), "another package version, yet up to date"
    (model / "network.npz").unlink()
    assert trained(TrainConfig(epochs=4)), "the model file is missing, yet up to date"

def test_sequences_of_another_motion_model_are_refused(tmp_path: Path) -> None:
    from soccer_lstm.config import EncodeConfig, ExtractConfig
    from soccer_lstm.errors import UserError
    from soccer_lstm.features.motion import motion_dim
    from soccer_lstm.features.scaling import SequenceScaler
    from soccer_lstm.pipeline import TrainedPipeline, predict_sequences
    from helpers import write_sequences

    affine = {"motion": [0, motion_dim("affine")]}
    pipeline = TrainedPipeline(FakeLSTM(), None, SequenceScaler().fit([]), ExtractConfig(),
                               EncodeConfig(features="motion", motion_model="affine"),
                               {"classes": ["kick", "throw"], "features": "motion", "layout": affine,
                                "codebook_fingerprint": None})
    rng = np.random.default_rng(0)
    labels = ["kick", "throw"]
    same = write_sequences(tmp_path / "affine", [rng.normal(size=(4, motion_dim("affine"))) for _ in labels], labels,
                           affine, "motion")
    assert [p.label for p in predict_sequences(pipeline, same)] == ["kick", "kick"]
    other = write_sequences(tmp_path / "similarity", [rng.normal(size=(4, motion_dim("similarity"))) for _ in labels],
                            labels, {"motion": [0, motion_dim("similarity")]}, "motion",
                            config={"features": "motion", "motion_model": "similarity"})
    with pytest.raises(UserError, match="another motion model"):
        predict_sequences(pipeline, other)
