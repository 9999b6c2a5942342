"""benchmarks/results.md from the figures of a run."""
from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

from harness import CLIP_SIZE


def markdown(r: dict[str, Any]) -> str:
    if "extract" not in r and "encode" in r:   # run.py --only encoding
        return _head(r, "one section") + "\n\n" + "\n".join(_table_head() + _encode_rows(r, r["encode"]["extract_fps"])) + "\n"
    if "extract" not in r:   # one section alone (run.py --only spotting, --only inference, --only cold-predict)
        return (_head(r, "one section") + "\n\n" + "\n".join(_table_head() + _inference_rows(r) + _cold_rows(r)
                                                           + _spotting_rows(r)) + "\n")
    e, d = r["extract"], r.get("extract_default")
    lines = [
        "| Measure | soccer-lstm | Reference (same run) | Ratio |",
        "|---|---|---|---|",
        f"| Extraction, {e['frames']} frames at {CLIP_SIZE[0]}x{CLIP_SIZE[1]}, `--n-jobs 1` | "
        f"{e['extract_fps']:.1f} frames/s | bare OpenCV loop {e['reference_fps']:.1f} frames/s | "
        f"{e['extract_ratio']:.3f}; overhead {e['overhead_pct']:+.1f} % time, {e['cpu_overhead_pct']:+.1f} % CPU "
        f"(median of {e['pairs']} back-to-back pairs) |",
        f"| Extraction `--n-jobs 2` vs `--n-jobs 1` ({e['cores']} cores) | {e['extract_fps_jobs2']:.1f} frames/s | "
        f"{e['extract_fps']:.1f} frames/s | {e['n_jobs_scaling']:.2f}x |",
    ]
    if e.get("n_jobs_scaling_cpu_estimate"):
        lines.append(f"| ... the same on idle cores, from CPU times (2 x CPU of `--n-jobs 1` / CPU of all "
                     f"`--n-jobs 2` processes) | | | "
                     f"{e['n_jobs_scaling_cpu_estimate']:.2f}x |")
    lines += [
        f"| Extraction `--n-jobs 2` vs the bare loop with OpenCV's own threads on every core | "
        f"{e['extract_fps_jobs2']:.1f} frames/s | {e['reference_threads_fps']:.1f} frames/s "
        f"({e['threaded_cpu_over_single']:.2f}x the CPU time of one thread) | {e['jobs2_over_threaded_reference']:.2f}x |",
    ]
    if d:
        lines += [
            f"| Extraction at the default `--resize {d['config']['resize']}`, `--n-jobs 1` | {d['extract_fps']:.0f} frames/s | "
            f"bare OpenCV loop {d['reference_fps']:.0f} frames/s | {d['extract_ratio']:.3f}; overhead "
            f"{d['overhead_pct']:+.1f} % time, {d['cpu_overhead_pct']:+.1f} % CPU ({d['pairs']} pairs) |",
            f"| ... `--n-jobs 2` vs `--n-jobs 1` at `--resize {d['config']['resize']}` | {d['extract_fps_jobs2']:.0f} frames/s | "
            f"{d['extract_fps']:.0f} frames/s | {d['n_jobs_scaling']:.2f}x |",
        ]
    k = r.get("dask")
    if k:
        lines.append(f"| Extraction on a local Dask cluster, 2 workers x 1 thread (`--scheduler`) | {k['fps']:.1f} frames/s "
                     f"(cluster start {k['cluster_start_s']:.1f} s, first run {k['first_run_s']:.1f} s) | "
                     f"`--n-jobs 2` {e['extract_fps_jobs2']:.1f} frames/s | {k['over_jobs2']:.2f} |")
    lm = r.get("local")
    if lm:
        lines.append(f"| Local motion per frame at the default size ({lm['size'][0]}x{lm['size'][1]}): DIS flow "
                     f"(`{lm['preset']}`), camera fit, HOF + MBH + HOG on a {lm['grid']}x{lm['grid']} grid | "
                     f"{1000 * lm['local_s_per_frame']:.2f} ms | SIFT per frame {1000 * lm['sift_s_per_frame']:.2f} ms | "
                     f"{lm['ratio_to_sift']:.3f} |")
    m = r.get("motion")
    if m:
        lines.append(f"| Camera motion per frame pair | {1000 * m['s_per_pair']:.1f} ms | SIFT per frame "
                     f"{1000 * m['sift_s_per_frame']:.1f} ms | {m['ratio_to_sift']:.2f} |")
    c = r["codebook"]
    for i, scale in enumerate(c["scales"]):
        lines.append(f"| Codebook, {scale}x = {c['descriptors'][i]:,d} descriptors (k={c['k']}, sample {c['sample_size']:,d}) | "
                     f"{c['seconds'][i]:.1f} s ({c['cpu_s'][i]:.1f} s CPU), peak {c['peak_mb'][i]:.1f} MB | "
                     f"1x: {c['seconds'][0]:.1f} s ({c['cpu_s'][0]:.1f} s CPU), {c['peak_mb'][0]:.1f} MB | "
                     f"time {c['seconds'][i] / c['seconds'][0]:.2f}x (CPU {c['cpu_s'][i] / c['cpu_s'][0]:.2f}x), "
                     f"memory {c['peak_mb'][i] / c['peak_mb'][0]:.2f}x |")
    lines += _encode_rows(r, e["extract_fps"])
    t, p = r["train"], r["predict"]
    lines += [
        f"| LSTM training, {t['clips']} clips x {t['steps']} frames x {t['dim']}, {t['units']} cells | {t['s_per_epoch']:.2f} s/epoch | "
        f"first epoch (graph tracing) {t['first_epoch_s']:.1f} s | |",
        f"| Predict, one clip of {r['clip_frames']} frames (decode + SIFT + encode + LSTM) | {p['latency_s']:.2f} s | "
        f"start-up (imports, model load) {p['import_s'] + p['load_model_s']:.1f} s, first clip {p['first_clip_s']:.2f} s | |",
        f"| Synthetic renderer at {CLIP_SIZE[0]}x{CLIP_SIZE[1]} | {r['render']['fps']:.1f} frames/s | "
        f"extraction {e['extract_fps']:.1f} frames/s | {r['render']['fps'] / e['extract_fps']:.2f} |",
    ]
    lines += _inference_rows(r) + _spotting_rows(r)
    busy = r["load_before"][0] > r["machine"]["cores"] or r["load_after"][0] > r["machine"]["cores"]
    warning = ("\n\n**The machine was busy** (load average above its core count): wall-clock figures, and "
               "the `--n-jobs 2` scaling above all, show the share of the cores this run was given, not the "
               "code (Linux shares a busy machine between sessions, not processes, so two workers get no more "
               "than one). The CPU-time rows are the steadier figures; re-run `make bench` on a quiet machine."
               if busy else "")
    head = (f"Measured by `make bench` on {r['machine']['cores']} cores ({r['machine']['cpu']}), "
            f"OpenCV {r['machine']['opencv']}, {r['finished']}; load average {r['load_before'][0]:.1f} before, "
            f"{r['load_after'][0]:.1f} after; median of {e['repeats']} interleaved runs (extraction pairs: {e['pairs']}), {r['total_s'] / 60:.1f} min in all.")
    return head + warning + "\n\n" + "\n".join(lines) + "\n"


def _encode_rows(r: dict[str, Any], extract_fps: float) -> list[str]:
    n, lines = r["encode"], []
    for kind in ("bow", "bow+motion", "spm", "bow+spm"):
        if f"{kind}_fps" in n:
            lines.append(f"| Encode `--features {kind}` | {n[f'{kind}_fps']:.0f} frames/s | extraction "
                         f"{extract_fps:.1f} frames/s | {n[f'{kind}_fps'] / extract_fps:.0f}x |")
    return lines


def _table_head() -> list[str]:
    return ["| Measure | soccer-lstm | Reference (same run) | Ratio |", "|---|---|---|---|"]


def _spotting_rows(r: dict[str, Any]) -> list[str]:
    from spotting import markdown_rows

    return markdown_rows(r["spotting"]) if r.get("spotting") else []


def _inference_rows(r: dict[str, Any]) -> list[str]:
    from inference import markdown_rows

    return markdown_rows(r["inference"]) if r.get("inference") else []


def _cold_rows(r: dict[str, Any]) -> list[str]:
    from inference import cold_predict_row

    return [cold_predict_row(r["cold_predict"])] if r.get("cold_predict") else []


def _head(r: dict[str, Any], what: str) -> str:
    section = ("inference" if "inference" in r else "cold-predict" if "cold_predict" in r
               else "encoding" if "encode" in r else "spotting")
    return (f"Measured by `python benchmarks/run.py --only {section}` ({what}) on {r['machine']['cores']} cores "
            f"({r['machine']['cpu']}), OpenCV {r['machine']['opencv']}, {r['finished']}; load average "
            f"{r['load_before'][0]:.1f} before, {r['load_after'][0]:.1f} after; {r['total_s'] / 60:.1f} min in all.")


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


