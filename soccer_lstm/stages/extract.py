"""``extract``: per-frame SIFT features and local motion histograms of every clip, cached per clip."""
from __future__ import annotations

import contextlib
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from soccer_lstm import __version__, progress
from soccer_lstm.artifacts import (file_digest, file_signature, fingerprint, load_npz, read_json,
                                   remove_stale_temporaries, save_npz, write_json)
from soccer_lstm.config import ExtractConfig
from soccer_lstm.dataset import Clip, discover, ignored_entries
from soccer_lstm.errors import ArtifactError, BatchError, ClipError, UserError
from soccer_lstm.features.sift import ClipFeatures, extract_clip, extract_params
from soccer_lstm.ownership import InputRef, claim_folder, dataset_ref, prune, update_inputs
from soccer_lstm.parallel import imap_unordered
from soccer_lstm.schema import schema_version
from soccer_lstm.store import INDEX


log = logging.getLogger(__name__)


@dataclass
class ExtractSummary:
    """What one ``extract`` run did.

    ``failed`` and ``warnings`` hold ``(clip path, problem)`` pairs: failed clips are left out of
    the store; clips with a warning (a truncated video) are kept with the frames that decoded.
    """

    extracted: int = 0
    cached: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)


# Extract options that only the local histograms (HOF, MBH, HOG) depend on: changing them keeps
# each clip's stored SIFT features (the clip is decoded again for its histograms alone).
LOCAL_ONLY_PARAMS = ("flow_preset", "grid")


def _clip_fingerprints(clip: Clip, params: dict[str, Any]) -> tuple[str, str]:
    """What a clip's features depend on (the extract parameters, the package version, the clip's
    bytes), and what its SIFT part alone depends on."""
    digest = file_digest(clip.path)
    sift_params = {k: v for k, v in params.items() if k not in LOCAL_ONLY_PARAMS}
    version = schema_version("extract")
    return (fingerprint(params, digest, __version__, version),
            fingerprint(sift_params, digest, __version__, version))


def _clip_signature(clip: Clip, params: dict[str, Any]) -> str:
    """The quick check (size and mtime instead of the bytes) that spares re-reading an unchanged clip."""
    return fingerprint(params, file_signature(clip.path), __version__, schema_version("extract"))


def _signature_problem(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "permission denied (cannot read it)"
    return f"cannot be read ({exc.strerror or exc})"


def check_output_folder(out_dir: Path, stage: str) -> None:
    """Refuse to write a stage's output over a file, or into a folder that holds another stage's index.

    Raises
    ------
    UserError
        If ``out_dir`` is a file, or its ``index.json`` is not a ``stage`` index of this tool.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: is a file, not a folder; choose another --out")
    index = out_dir / INDEX
    if index.exists():
        try:
            existing = read_json(index)
        except ArtifactError:
            existing = None
        if not isinstance(existing, dict) or existing.get("stage") != stage:
            raise UserError(f"{index}: is not a soccer-lstm {stage} index; refusing to write {stage} output "
                            f"into {out_dir} (choose another --out)")


def _extract_one(task: tuple[Clip, ExtractConfig, bool]) -> tuple[Clip, ClipFeatures | None, str | None]:
    """Worker: features of one clip (without SIFT when its stored SIFT is kept), or the problem that
    stopped it (never raises)."""
    clip, config, sift = task
    try:
        return clip, extract_clip(clip.path, config, sift=sift), None
    except ClipError as exc:
        return clip, None, exc.problem
    except Exception as exc:  # a broken clip must not stop the other clips
        return clip, None, f"{type(exc).__name__}: {exc}".splitlines()[0]


def run_extract(source: str | Path, out_dir: str | Path, config: ExtractConfig = ExtractConfig(),
                n_jobs: int = 1, scheduler: str | None = None, strict: bool = False,
                overwrite: bool = False) -> ExtractSummary:
    """Extract SIFT features of every clip of a dataset folder or manifest into ``out_dir``.

    Clips whose artifact exists with the same fingerprint (the clip's content, parameters, package
    version) are skipped: an unchanged size and mtime settle it at once, otherwise the clip is
    hashed, so a copied or touched dataset is not extracted again. When only the local-histogram
    options changed (:data:`LOCAL_ONLY_PARAMS`), a clip keeps its SIFT features and only its
    histograms are computed again. A clip that cannot be read is reported and skipped (or stops the
    run with ``strict``). ``out_dir`` follows the folder rule of :mod:`soccer_lstm.ownership`
    (``overwrite`` replaces a features folder of another dataset).
    """
    # Workers of a cluster resolve relative paths against their own working folder.
    clips = discover(Path(source).resolve() if scheduler else source)
    _warn_ignored(source)
    out_dir = Path(out_dir)
    check_output_folder(out_dir, "extract")
    data_ref = dataset_ref(source, [c.clip_id for c in clips])
    claim_folder(out_dir, "extract", {"data": data_ref}, overwrite, legacy_match=_legacy_extract_matches(out_dir, data_ref))
    # Leftovers of a killed run are never trusted (no artifact name matches them); give the space back.
    removed = remove_stale_temporaries(out_dir / "clips") + remove_stale_temporaries(out_dir)
    if removed:
        log.info("%s: removed %d temporary file(s) left by an interrupted run", out_dir, removed)
    params = extract_params(config)
    summary = ExtractSummary()
    done: dict[str, dict[str, Any]] = {}
    todo: list[tuple[Clip, ExtractConfig, bool]] = []
    keep_sift_of: set[str] = set()

    def fail(clip: Clip, problem: str) -> None:
        summary.failed.append((str(clip.path), problem))
        log.info("skipped %s: %s", clip.path, problem)
        if strict:
            raise BatchError(f"{clip.path}: {problem} (--strict: stopped at the first unreadable clip)",
                             summary.failed[:-1])

    for clip in clips:
        file = f"clips/{clip.key}.npz"
        try:
            cached, keep_sift = _cached_meta(out_dir / file, clip, params)
        except OSError as exc:
            fail(clip, _signature_problem(exc))
            continue
        if cached is not None:
            done[clip.clip_id] = _entry(clip, file, cached["fingerprint"], cached)
            summary.cached += 1
        else:
            todo.append((clip, config, not keep_sift))
            if keep_sift:
                keep_sift_of.add(clip.clip_id)
    with contextlib.closing(imap_unordered(_extract_one, todo, n_jobs=n_jobs, scheduler=scheduler)) as results:
        for clip, features, problem in progress.bar(results, total=len(todo), desc="extract"):
            if features is None:
                fail(clip, problem or "unknown error")
                continue
            try:
                quick, (fp, sift_fp) = _clip_signature(clip, params), _clip_fingerprints(clip, params)
            except OSError as exc:  # removed or made unreadable while it was being extracted
                fail(clip, _signature_problem(exc))
                continue
            file = f"clips/{clip.key}.npz"
            if clip.clip_id in keep_sift_of:  # histograms only: join them to the stored SIFT
                features = _with_stored_sift(out_dir / file, features)
                if features is None:
                    fail(clip, "its stored SIFT features no longer match it; re-run extract into a new folder")
                    continue
            warning = _truncation_warning(features.geometry)
            meta = {"stage": "extract", "clip_id": clip.clip_id, "label": clip.label, "path": str(clip.path),
                    "fingerprint": fp, "sift_fingerprint": sift_fp, "signature": quick, "params": params,
                    "geometry": features.geometry,
                    "n_frames": features.n_frames, "n_descriptors": int(features.offsets[-1]),
                    "warning": warning}
            save_npz(out_dir / file, features.arrays(), meta)
            done[clip.clip_id] = _entry(clip, file, fp, meta)
            summary.extracted += 1
    for clip in clips:
        warning = done[clip.clip_id].pop("warning", None) if clip.clip_id in done else None
        if warning:
            summary.warnings.append((str(clip.path), warning))
    entries = [done[c.clip_id] for c in clips if c.clip_id in done]
    if not entries:
        raise BatchError(f"{source}: none of the {len(clips)} clips could be read", summary.failed)
    write_json(out_dir / INDEX, {"stage": "extract", "schema_version": schema_version("extract"),
                                 "package_version": __version__, "source": str(source), "config": asdict(config),
                                 "params": params, "clips": entries,
                                 "failed": [{"path": p, "problem": m} for p, m in summary.failed],
                                 "warnings": [{"path": p, "problem": m} for p, m in summary.warnings]})
    prune(out_dir, [e["file"] for e in entries])  # clips no longer in the dataset, or failing now
    update_inputs(out_dir, {"data": data_ref})
    return summary


def _warn_ignored(source: str | Path, shown: int = 8) -> None:
    """One warning line naming what the class folders hold besides clips (left out, not extracted)."""
    ignored = ignored_entries(source)
    if ignored:
        names = [str(p.relative_to(source)) + ("/" if p.is_dir() else "") for p in ignored[:shown]]
        more = f" and {len(ignored) - shown} more" if len(ignored) > shown else ""
        log.warning("%s: ignored %d file(s) in class folders that are not clips (not a video file nor a folder of "
                    "frames): %s%s", source, len(ignored), ", ".join(names), more)


def _legacy_extract_matches(out_dir: Path, data_ref: InputRef) -> bool:
    """Whether a features folder written before owner files existed was made from this dataset."""
    try:
        index = read_json(out_dir / INDEX)
        source = str(Path(index["source"]).resolve())
        key = dataset_ref(source, [c["clip_id"] for c in index["clips"]]).key
    except (ArtifactError, KeyError, TypeError, OSError):
        return False
    return data_ref.same_as({"path": source, "key": key})


def _truncation_warning(geometry: dict[str, Any]) -> str | None:
    from soccer_lstm.video import FrameGeometry

    announced, decoded = int(geometry.get("n_announced", 0)), int(geometry.get("n_decoded", 0))
    return FrameGeometry(n_announced=announced, n_decoded=decoded).truncation()


def _cached_meta(path: Path, clip: Clip, params: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """The metadata of the clip's artifact if it is up to date (else None), and whether its SIFT
    part is still valid when the whole is not.

    Raises OSError when the clip cannot be read.
    """
    quick = _clip_signature(clip, params)
    if not path.is_file():
        return None, False
    try:
        arrays, meta = load_npz(path, required=("descriptors", "positions", "offsets"))
    except ArtifactError:
        return None, False
    if meta.get("signature") == quick and "fingerprint" in meta:
        return meta, False
    fp, sift_fp = _clip_fingerprints(clip, params)
    if meta.get("fingerprint") != fp:
        return None, meta.get("sift_fingerprint") == sift_fp
    # The same bytes under a new size/mtime signature (copied, moved, touched): keep the features and
    # record the new signature, so the next run does not hash the clip again.
    meta = {**meta, "signature": quick, "path": str(clip.path)}
    save_npz(path, arrays, meta)
    return meta, False


def _with_stored_sift(path: Path, histograms: ClipFeatures) -> ClipFeatures | None:
    """New local histograms joined to the SIFT features stored at ``path`` (None if the frames differ)."""
    try:
        arrays, _ = load_npz(path, required=("descriptors", "positions", "offsets"))
    except ArtifactError:
        return None
    stored = ClipFeatures.from_arrays(arrays, histograms.geometry)
    if stored.n_frames != histograms.n_frames:
        return None
    return ClipFeatures(stored.descriptors, stored.positions, stored.offsets, histograms.geometry, histograms.local)


def _entry(clip: Clip, file: str, fp: str, meta: dict[str, Any]) -> dict[str, Any]:
    # "warning" is popped before the index is written (ClipEntry has no such field).
    return {"clip_id": clip.clip_id, "label": clip.label, "group": clip.group, "path": str(clip.path),
            "file": file, "fingerprint": fp, "sift_fingerprint": meta.get("sift_fingerprint", ""),
            "n_frames": int(meta["n_frames"]),
            "n_descriptors": int(meta["n_descriptors"]), "warning": meta.get("warning")}
