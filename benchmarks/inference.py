"""``run.py --only inference``: a cold ``predict`` against a bare ``import cv2, numpy``, and the training loop against ``Model.fit``.

``run.py --only cold-predict`` runs the first alone (results-cold-predict.json and .md).

- Cold start: the wall time of ``soccer-lstm predict --model M CLIP`` in a fresh process (one short
  clip, the model trained here with the default network) against ``python -c "import cv2, numpy"``,
  interleaved, median of the repeats. Predict applies the model in NumPy: TensorFlow, scikit-learn
  and SciPy are not imported.
- Training: :func:`soccer_lstm.models.training.train_model` against ``keras.Model.fit`` with
  ``EarlyStopping(restore_best_weights=True)``, same network, data, loss, masks, sample weights and
  batches, each in a fresh process; the whole fit (tracing included) and the median epoch after
  the first.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from harness import CODEBOOK_K, child, clip_paths, now, render_clips, say


def _timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of a command in a fresh process."""
    before = os.times()
    started = now()
    subprocess.run(command, check=True, capture_output=True)
    wall = now() - started
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def bench_cold_predict(work: Path, quick: bool) -> dict[str, Any]:
    """Cold ``predict`` of one clip against a bare ``import cv2, numpy``, interleaved (``run.py --only cold-predict``)."""
    from soccer_lstm.config import CodebookConfig, TrainConfig
    from soccer_lstm.pipeline import run_codebook, run_encode, run_extract, run_train

    repeats = 2 if quick else 5
    data = work / "inference-clips"
    render_clips(data, 1, 12 if quick else 25)
    say("  a model with the default network (trained for 2 epochs: its speed, not its accuracy, matters)")
    run_extract(data, work / "inference-features")
    run_codebook(work / "inference-features", work / "inference-codebook.npz",
                 CodebookConfig(k=CODEBOOK_K, sample_size=5000))
    run_encode(work / "inference-features", work / "inference-codebook.npz", work / "inference-sequences")
    run_train(work / "inference-sequences", work / "inference-model", TrainConfig(epochs=2, patience=5))
    clip = str(clip_paths(data)[0])
    predict = [sys.executable, "-m", "soccer_lstm", "-q", "predict", "--model", str(work / "inference-model"), clip]
    bare = [sys.executable, "-c", "import cv2, numpy"]
    say("  cold predict of one clip against a bare import of cv2 and numpy (interleaved)")
    timings: dict[str, list[tuple[float, float]]] = {"predict": [], "bare_import": []}
    for _ in range(repeats):
        timings["predict"].append(_timed(predict))
        timings["bare_import"].append(_timed(bare))
    result: dict[str, Any] = {"repeats": repeats}
    for name, pairs in timings.items():
        result[f"{name}_s"], result[f"{name}_cpu_s"] = [w for w, _ in pairs], [c for _, c in pairs]
        result[f"{name}_median_s"] = statistics.median(w for w, _ in pairs)
        result[f"{name}_median_cpu_s"] = statistics.median(c for _, c in pairs)
    result["predict_over_bare_s"] = result["predict_median_s"] - result["bare_import_median_s"]
    result["predict_over_bare_cpu_s"] = result["predict_median_cpu_s"] - result["bare_import_median_cpu_s"]
    say(f"  predict {result['predict_median_s']:.2f} s ({result['predict_median_cpu_s']:.2f} s CPU), bare import "
        f"{result['bare_import_median_s']:.2f} s ({result['bare_import_median_cpu_s']:.2f} s CPU)")
    return result


def bench_inference(work: Path, quick: bool) -> dict[str, Any]:
    """The cold predict, then the training loop against ``Model.fit`` (``run.py --only inference``)."""
    result = bench_cold_predict(work, quick)
    epochs = 3 if quick else 6
    say("  training loop against Model.fit (fresh processes)")
    result["loop"] = child("fit_compare", "loop", str(epochs))
    result["model_fit"] = child("fit_compare", "fit", str(epochs))
    result["fit_speedup"] = result["model_fit"]["total_s"] / result["loop"]["total_s"]
    result["epoch_speedup"] = result["model_fit"]["s_per_epoch"] / result["loop"]["s_per_epoch"]
    say(f"  whole fit {result['fit_speedup']:.2f}x, per epoch {result['epoch_speedup']:.2f}x")
    say("  ... and five small models in one process, as cross-validation fits them")
    result["loop_small"] = child("fit_compare", "loop", "10", "small")
    result["model_fit_small"] = child("fit_compare", "fit", "10", "small")
    result["small_speedup"] = result["model_fit_small"]["total_s"] / result["loop_small"]["total_s"]
    say(f"  five small fits {result['small_speedup']:.2f}x")
    return result


def child_fit_compare(how: str, epochs: str, size: str = "default") -> dict[str, Any]:
    """Training by the loop or by Model.fit: the default network on 100 clips x up to 50 steps x
    CODEBOOK_K (``default``), or five models of 16 cells on 40 clips x up to 20 steps x 30 one after
    the other in one process (``small``, as cross-validation fits them)."""
    from soccer_lstm.config import TrainConfig

    small = size == "small"
    n_clips, longest, dim, units, fits = (40, 20, 30, 16, 5) if small else (100, 50, CODEBOOK_K, TrainConfig.units, 1)
    rng = np.random.default_rng(0)
    lengths = rng.integers(longest // 2, longest + 1, n_clips)
    data = [rng.dirichlet(np.ones(dim), int(n)).astype(np.float32) for n in lengths]
    stamps = [now()]
    started = now()
    for fit in range(fits):
        result = _fit_once(how, int(epochs), data, units, fit, stamps)
    total = now() - started
    epoch_s = np.diff(stamps).tolist()
    return {**result, "how": how, "size": size, "fits": fits, "total_s": total, "epoch_s": epoch_s,
            "first_epoch_s": epoch_s[0], "s_per_epoch": statistics.median(epoch_s[1:])}


def _fit_once(how: str, n_epochs: int, data: list[np.ndarray], units: int, seed: int,
              stamps: list[float]) -> dict[str, Any]:
    from soccer_lstm.config import TrainConfig
    from soccer_lstm.models import training
    from soccer_lstm.models.network import build_lstm, import_keras, make_optimizer, pad_sequences

    keras = import_keras()
    x, mask = pad_sequences(data)
    n_clips, n_val = len(data), len(data) // 10
    labels = np.arange(n_clips) % 4
    weights = (mask / mask.sum(axis=1, keepdims=True)).astype(np.float32)
    y = np.repeat(labels[:, None], x.shape[1], axis=1).astype(np.int32)
    train, val = np.arange(n_clips - n_val), np.arange(n_clips - n_val, n_clips)
    config = TrainConfig()
    model = build_lstm(x.shape[2], 4, units, config.dropout, seed=seed)
    optimizer, batch_size = make_optimizer(config.optimizer, config.learning_rate, config.batch_size)
    if how == "loop":
        training.train_model(model, optimizer, (x[train], mask[train]), y[train], weights[train],
                             ((x[val], mask[val]), y[val], weights[val]), epochs=n_epochs, batch_size=batch_size,
                             patience=n_epochs + 1, seed=0, on_epoch=lambda *_: stamps.append(now()))
    else:
        class Stamp(keras.callbacks.Callback):
            def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
                stamps.append(now())

        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        model.fit([x[train], mask[train]], y[train], sample_weight=weights[train], batch_size=batch_size,
                  epochs=n_epochs, verbose=0, validation_data=([x[val], mask[val]], y[val], weights[val]),
                  callbacks=[Stamp(), keras.callbacks.EarlyStopping(monitor="val_loss", patience=n_epochs + 1,
                                                                    restore_best_weights=True)])
    return {"epochs": n_epochs, "clips": n_clips, "max_steps": int(x.shape[1]), "dim": int(x.shape[2]),
            "units": units, "batch_size": batch_size}


def cold_predict_row(r: dict[str, Any]) -> str:
    return (f"| Cold `soccer-lstm predict` of one clip (fresh process, NumPy network; median of {r['repeats']}) | "
            f"{r['predict_median_s']:.2f} s ({r['predict_median_cpu_s']:.2f} s CPU) | `python -c \"import cv2, numpy\"` "
            f"{r['bare_import_median_s']:.2f} s ({r['bare_import_median_cpu_s']:.2f} s CPU) | "
            f"+{r['predict_over_bare_s']:.2f} s (+{r['predict_over_bare_cpu_s']:.2f} s CPU) |")


def markdown_rows(r: dict[str, Any]) -> list[str]:
    loop, fit = r["loop"], r["model_fit"]
    rows = [
        cold_predict_row(r),
        f"| Training loop, {loop['clips']} clips x up to {loop['max_steps']} frames x {loop['dim']}, {loop['units']} cells, "
        f"batches of {loop['batch_size']}, {loop['epochs']} epochs (fresh process) | {loop['total_s']:.1f} s "
        f"({loop['s_per_epoch']:.2f} s/epoch after the first) | `Model.fit` + EarlyStopping {fit['total_s']:.1f} s "
        f"({fit['s_per_epoch']:.2f} s/epoch) | {r['fit_speedup']:.2f}x whole fit, {r['epoch_speedup']:.2f}x per epoch |",
    ]
    loop, fit = r.get("loop_small"), r.get("model_fit_small")
    if loop and fit:
        rows.append(f"| Training loop, {loop['fits']} models one after the other in one process (as cross-validation), "
                    f"{loop['clips']} clips x up to {loop['max_steps']} frames x {loop['dim']}, {loop['units']} cells, "
                    f"{loop['epochs']} epochs each | {loop['total_s']:.1f} s | `Model.fit` + EarlyStopping "
                    f"{fit['total_s']:.1f} s | {r['small_speedup']:.2f}x |")
    return rows
