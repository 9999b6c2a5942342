"""End to end through the CLI on clips generated here: extract -> codebook -> encode -> train -> predict."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

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
        patch.setattr(pipeline, "file_digest", no_hashing)
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
    args = ["encode", str(tiny_features), "--codebook", str(tmp_path / "cb.npz"), "-o", str(tmp_path / "seq")]
    assert run_cli(*args).exit_code == 0
    index = read_json(tmp_path / "seq" / "index.json")
    arrays, _ = load_npz(tmp_path / "seq" / index["clips"][0]["file"])
    sums = arrays["sequence"].sum(axis=1)
    assert arrays["sequence"].shape[1] == 16 and np.allclose(sums[sums > 0], 1.0, atol=1e-5)
    assert "0 clips encoded, 18 up to date" in run_cli(*args, quiet=False).output
    assert run_cli("codebook", str(tiny_features), "-o", str(tmp_path / "cb.npz"), "-k", "12").exit_code == 0
    assert "18 clips encoded" in run_cli(*args, quiet=False).output


def test_train_and_predict_above_chance(tiny_dataset: Path, tiny_features: Path, tmp_path: Path) -> None:
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
    clips = sorted(str(p) for p in tiny_dataset.rglob("*_0[45].avi"))
    result = run_cli("predict", "--model", str(model), "--json", *clips)
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert len(answers) == len(clips)
    assert all(abs(sum(a["probabilities"].values()) - 1) < 1e-3 for a in answers)
    correct = sum(a["label"] == Path(a["path"]).parent.name for a in answers)
    assert correct / len(answers) > 1 / 3 + 0.2


def test_evaluate_cross_validates_above_chance(tiny_features: Path, tmp_path: Path) -> None:
    result = run_cli("evaluate", str(tiny_features), "-o", str(tmp_path / "eval"), "-k", "24", "--units", "24",
                     "--epochs", "40", "--learning-rate", "0.01", "--features", "bow+motion", "--no-mirror")
    assert result.exit_code == 0, result.output
    metrics = read_json(tmp_path / "eval" / "metrics.json")
    assert len(metrics["fold_accuracies"]) == 3
    assert np.asarray(metrics["confusion_matrix"]).sum() == 18
    assert metrics["accuracy_mean"] > 1 / 3 + 0.2
    assert metrics["config"]["codebook"]["k"] == 24 and "accuracy" in result.output
