"""Helpers shared by the tests: the one way to invoke the CLI, and small artifact folders written by hand.

Clips are written by :mod:`clipgen` (``write_avi``, ``write_frame_folder``); everything here writes
what a stage would have written, without running the stage, so that a test of one stage does not
pay for the ones before it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
from click.testing import CliRunner, Result


def run_cli(*args: object, quiet: bool = True) -> Result:
    """Invoke the ``soccer-lstm`` click group in-process and return click's result.

    Arguments are turned into strings (paths may be passed as they are). Exceptions that the CLI
    does not turn into an exit code propagate, so a crash fails the test with its traceback.
    """
    from soccer_lstm.cli import cli

    return CliRunner().invoke(cli, (["-q"] if quiet else []) + [str(a) for a in args], catch_exceptions=False)


def sklearn_model(model_dir: Path) -> Any:
    """A model folder as the fitted scikit-learn estimators it was trained with (``VisualWords``,
    ``FrameKinds``, ``SequenceScaler``, ``LSTMClassifier``) in make_clip_pipeline's pipeline, as a
    ``TrainedPipeline``: the reference that what ``load_model`` gives (NumPy only) must equal."""
    from soccer_lstm.config import PipelineConfig, TrainConfig
    from soccer_lstm.estimators import make_clip_pipeline
    from soccer_lstm.features.scaling import SequenceScaler
    from soccer_lstm.features.words import FrameKinds, VisualWords
    from soccer_lstm.models.lstm import LSTMClassifier
    from soccer_lstm.stages.codebook import load_codebook
    from soccer_lstm.stages.predict import TrainedPipeline, load_model

    loaded = load_model(model_dir)
    meta = loaded.meta
    classifier = LSTMClassifier.load(model_dir)
    codebook = load_codebook(Path(model_dir) / "codebook.npz")[0] if meta.get("codebook_fingerprint") else None
    scaler = SequenceScaler.from_dict(meta["scaler"])
    reference = TrainedPipeline(classifier, codebook, scaler, loaded.extract, loaded.encode, meta)
    pipeline = make_clip_pipeline(PipelineConfig(encode=loaded.encode, train=TrainConfig(**meta["train"])),
                                  classifier=classifier)
    if codebook is not None:
        pipeline.set_params(words=VisualWords.fitted(codebook))
    pipeline.set_params(kinds=FrameKinds.fitted(loaded.encode, meta["layout"]), scale=scaler)
    reference._pipeline = pipeline
    return reference


def write_feature_store(folder: Path, labels: Sequence[str], frames: Sequence[int] | None = None,
                        per_frame: int = 12, groups: Sequence[str] | None = None, seed: int = 0) -> Path:
    """An ``extract`` output folder with made-up descriptors, readable by :class:`FeatureStore`.

    Column 0 of every descriptor of clip ``i`` holds ``i`` (a tag), so that whatever is fit on
    descriptors can be traced back to the clips they came from; the other columns are random,
    drawn around a centre that depends on the label.
    """
    from soccer_lstm.artifacts import save_npz, write_json
    from soccer_lstm.schema import schema_version

    rng = np.random.default_rng(seed)
    classes = sorted(set(labels))
    frames = list(frames) if frames is not None else [int(rng.integers(3, 7)) for _ in labels]
    entries = []
    for i, (label, n_frames) in enumerate(zip(labels, frames)):
        n = n_frames * per_frame
        centre = 40 + 60 * classes.index(label)
        descriptors = np.clip(rng.normal(centre, 30, (n, 128)), 0, 255).astype(np.uint8)
        descriptors[:, 0] = i
        offsets = np.arange(0, n + 1, per_frame, dtype=np.int64)
        positions = rng.uniform(0, 100, (n, 2)).astype(np.float32)
        clip_id, fp = f"{label}/clip{i:03d}", f"fp{seed}-{i}"
        file = f"clips/clip{i:03d}.npz"
        save_npz(folder / file, {"descriptors": descriptors, "positions": positions, "offsets": offsets},
                 {"stage": "extract", "clip_id": clip_id, "fingerprint": fp, "geometry": {}})
        entries.append({"clip_id": clip_id, "label": label, "group": groups[i] if groups else clip_id,
                        "path": f"/nowhere/{clip_id}.avi", "file": file, "fingerprint": fp,
                        "n_frames": n_frames, "n_descriptors": n})
    write_json(folder / "index.json", {"stage": "extract", "schema_version": schema_version("extract"), "config": {},
                                       "clips": entries})
    return folder


def write_sequences(folder: Path, sequences: Sequence[np.ndarray], labels: Sequence[str],
                    layout: dict[str, list[int]], features: str, config: dict | None = None) -> Path:
    """An ``encode`` output folder (without a codebook) holding ``sequences``."""
    from soccer_lstm.artifacts import save_npz, write_json
    from soccer_lstm.schema import schema_version

    entries = []
    for i, (sequence, label) in enumerate(zip(sequences, labels)):
        clip_id, file, fp = f"{label}/clip{i:03d}", f"clips/clip{i:03d}.npz", f"seq-{i}-{sequence.sum():.6f}"
        save_npz(folder / file, {"sequence": np.asarray(sequence, np.float32)},
                 {"stage": "encode", "clip_id": clip_id, "fingerprint": fp, "features": features})
        entries.append({"clip_id": clip_id, "label": label, "group": clip_id, "path": clip_id, "file": file,
                        "fingerprint": fp})
    write_json(folder / "index.json", {"stage": "encode", "schema_version": schema_version("encode"), "features": features, "layout": layout,
                                       "config": config or {"features": features, "motion_model": "affine"},
                                       "codebook": None, "codebook_path": None, "extract": {}, "clips": entries})
    return folder


def onehot(indices: list[int], width: int = 4) -> np.ndarray:
    """A sequence whose frame t is the one-hot histogram of word indices[t]."""
    return np.eye(width, dtype=np.float32)[indices]


def random_histograms(rng: np.random.Generator, length: int, width: int = 6) -> np.ndarray:
    """``length`` L1-normalised histograms of ``width`` bins, most of their mass in a few bins."""
    values = rng.random((length, width)) ** 3
    return (values / values.sum(axis=1, keepdims=True)).astype(np.float32)


# Environment variables that TensorFlow itself sets when it is imported (not ours to undo).
IMPORT_SIDE_EFFECTS = frozenset({"TF2_BEHAVIOR", "TPU_ML_PLATFORM", "TPU_ML_PLATFORM_VERSION",
                                 "ENABLE_RUNTIME_UPTIME_TELEMETRY", "HDF5_PLUGIN_PATH"})
