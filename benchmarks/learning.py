"""Codebook time and memory at growing sizes, encode throughput, training per epoch, predict latency."""
from __future__ import annotations

import resource
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from harness import CODEBOOK_K, CODEBOOK_SAMPLE, DESCRIPTORS_PER_STORE_CLIP, best, child, now, say


def make_descriptor_store(folder: Path, pool: np.ndarray, n_clips: int, seed: int) -> int:
    """A feature store of ``n_clips`` clips of jittered real descriptors; returns the total count."""
    from soccer_lstm.artifacts import save_npz, write_json

    rng = np.random.default_rng(seed)
    entries = []
    per_frame = 250
    n_frames = DESCRIPTORS_PER_STORE_CLIP // per_frame
    for i in range(n_clips):
        rows = rng.integers(0, len(pool), DESCRIPTORS_PER_STORE_CLIP)
        jitter = rng.integers(-3, 4, (DESCRIPTORS_PER_STORE_CLIP, 128))
        descriptors = np.clip(pool[rows].astype(np.int16) + jitter, 0, 255).astype(np.uint8)
        positions = rng.random((DESCRIPTORS_PER_STORE_CLIP, 2)).astype(np.float32) * 320
        offsets = np.arange(0, DESCRIPTORS_PER_STORE_CLIP + 1, per_frame, dtype=np.int64)
        file = f"clips/c{i:05d}.npz"
        fp = f"bench{seed}-{i}"
        save_npz(folder / file, {"descriptors": descriptors, "positions": positions, "offsets": offsets},
                 {"stage": "extract", "fingerprint": fp, "n_frames": n_frames,
                  "n_descriptors": DESCRIPTORS_PER_STORE_CLIP})
        entries.append({"clip_id": f"c{i:05d}", "label": "x", "group": f"c{i:05d}", "path": file, "file": file,
                        "fingerprint": fp, "n_frames": n_frames, "n_descriptors": DESCRIPTORS_PER_STORE_CLIP})
    from soccer_lstm import __version__
    from soccer_lstm.schema import schema_version

    write_json(folder / "index.json", {"stage": "extract", "config": {}, "clips": entries, "failed": [],
                                       "schema_version": schema_version("extract"), "package_version": __version__})
    return n_clips * DESCRIPTORS_PER_STORE_CLIP


def bench_codebook(features: Path, work: Path, scales: tuple[int, ...]) -> dict[str, Any]:
    """Codebook fit (in a fresh process each) on stores 1x, 10x, 100x the base size."""
    from soccer_lstm.store import FeatureStore

    store = FeatureStore(features)
    pool = np.concatenate([store.load(i).descriptors for i in range(len(store))])
    base_clips = max(1, CODEBOOK_SAMPLE // DESCRIPTORS_PER_STORE_CLIP)
    sizes, seconds, cpu, peak_mb, rss_mb = [], [], [], [], []
    for scale in scales:
        folder = work / f"store-{scale}x"
        n = make_descriptor_store(folder, pool, base_clips * scale, seed=scale)
        result = child("codebook", str(folder), str(work / f"codebook-{scale}x.npz"))
        sizes.append(n)
        seconds.append(result["seconds"])
        cpu.append(result["cpu_s"])
        peak_mb.append(result["tracemalloc_peak_mb"])
        rss_mb.append(result["max_rss_mb"])
        say(f"  codebook {scale:4d}x: {n:>9,d} descriptors, {result['seconds']:6.2f} s ({result['cpu_s']:.2f} s CPU), "
             f"peak {result['tracemalloc_peak_mb']:.1f} MB allocated, max RSS {result['max_rss_mb']:.0f} MB")
        if scale != scales[0]:
            shutil.rmtree(folder)
    return {"k": CODEBOOK_K, "sample_size": CODEBOOK_SAMPLE, "scales": list(scales), "descriptors": sizes,
            "seconds": seconds, "cpu_s": cpu, "peak_mb": peak_mb, "max_rss_mb": rss_mb,
            "time_growth": seconds[-1] / seconds[0], "cpu_growth": cpu[-1] / cpu[0],
            "memory_growth": peak_mb[-1] / peak_mb[0]}


def child_codebook(store: str, out: str) -> dict[str, Any]:
    import tracemalloc

    from soccer_lstm.config import CodebookConfig
    from soccer_lstm.pipeline import run_codebook

    import soccer_lstm.features.words  # noqa: F401  (scikit-learn's k-means: imported lazily, not the work timed)

    config = CodebookConfig(k=CODEBOOK_K, sample_size=CODEBOOK_SAMPLE)
    tracemalloc.start()
    started, cpu = now(), time.process_time()
    run_codebook(store, out, config)
    seconds, cpu = now() - started, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": seconds, "cpu_s": cpu, "tracemalloc_peak_mb": peak / 2**20,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# ----------------------------------------------------------------------------- encode
def bench_encode(features: Path, codebook: Path, work: Path) -> dict[str, Any]:
    from soccer_lstm.config import EncodeConfig
    from soccer_lstm.pipeline import run_encode
    from soccer_lstm.store import FeatureStore

    frames = sum(e.n_frames for e in FeatureStore(features).entries)
    result: dict[str, Any] = {"frames": frames}
    kinds = ["bow"]
    try:
        import soccer_lstm.features.motion  # noqa: F401
        kinds.append("bow+motion")
    except ImportError:
        pass
    try:
        import soccer_lstm.features.spm  # noqa: F401  (the spatial pyramid, default levels)
        kinds += ["spm", "bow+spm"]
    except ImportError:
        pass
    for kind in kinds:
        seconds = []
        for rep in range(2):
            out = work / f"sequences-{kind}"
            shutil.rmtree(out, ignore_errors=True)
            started = now()
            run_encode(features, codebook, out, EncodeConfig(features=kind), n_jobs=1)
            seconds.append(now() - started)
        result[f"{kind}_fps"] = frames / best(seconds)
        say(f"  encode {kind}: {frames / best(seconds):.0f} frames/s")
    return result


# ----------------------------------------------------------------------------- train and predict
def child_train(sequences: str, model: str, dim: str) -> dict[str, Any]:
    """Seconds per epoch of the LSTM on a MICC-sized set, then a small model for predict."""
    import soccer_lstm.models.training as training
    from soccer_lstm.config import TrainConfig
    from soccer_lstm.models.lstm import LSTMClassifier
    from soccer_lstm.pipeline import run_train

    epoch_seconds: list[float] = []
    train_model = training.train_model

    def timed_train_model(*args: Any, on_epoch: Any = None, **kwargs: Any) -> Any:
        """The classifier's own training loop, also timing each epoch (validation included)."""
        last = [now()]

        def timed(epoch: int, logs: Any, probabilities: Any) -> None:
            if on_epoch is not None:
                on_epoch(epoch, logs, probabilities)
            epoch_seconds.append(now() - last[0])
            last[0] = now()

        return train_model(*args, on_epoch=timed, **kwargs)

    training.train_model = timed_train_model  # LSTMClassifier.fit looks it up when it runs
    rng = np.random.default_rng(0)
    n_clips, n_steps, n_dim, epochs = 100, 50, int(dim), 6
    data = [rng.dirichlet(np.ones(n_dim), n_steps).astype(np.float32) for _ in range(n_clips)]
    labels = [f"class{i % 4}" for i in range(n_clips)]
    config = TrainConfig(epochs=epochs, patience=epochs + 1)
    LSTMClassifier.from_config(config).fit(data, labels)
    run_train(sequences, model, TrainConfig(epochs=3, patience=5))
    return {"clips": n_clips, "steps": n_steps, "dim": n_dim, "units": config.units,
            "batch_size": config.batch_size, "epochs": epochs, "epoch_s": epoch_seconds[:epochs],
            "s_per_epoch": statistics.median(epoch_seconds[1:epochs]), "first_epoch_s": epoch_seconds[0]}


def child_predict(model: str, *clips: str) -> dict[str, Any]:
    """Start-up (imports and model load; the network runs in NumPy, no TensorFlow) apart from the per-clip latency."""
    started = now()
    from soccer_lstm.pipeline import load_model, predict_clips

    imported = now()
    pipeline = load_model(model)
    loaded = now()
    latencies = []
    for clip in clips:
        t = now()
        [prediction] = predict_clips(pipeline, [clip])
        latencies.append(now() - t)
        if prediction.error:
            raise RuntimeError(prediction.error)
    return {"import_s": imported - started, "load_model_s": loaded - imported,
            "first_clip_s": latencies[0], "latencies_s": latencies,
            "latency_s": statistics.median(latencies[1:]) if len(latencies) > 1 else latencies[0]}


# ----------------------------------------------------------------------------- report
