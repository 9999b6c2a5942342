"""``encode``: one vector per frame for every clip of a features folder."""
from __future__ import annotations

import contextlib
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from soccer_lstm import __version__, progress
from soccer_lstm.artifacts import fingerprint, load_npz, save_npz, write_json
from soccer_lstm.config import EncodeConfig
from soccer_lstm.errors import ArtifactError, UserError
from soccer_lstm.features.codebook import Codebook
from soccer_lstm.features.fitted import encode_clip
from soccer_lstm.features.kinds import encode_settings, feature_layout, needs_codebook
from soccer_lstm.features.sift import ClipFeatures
from soccer_lstm.ownership import claim_folder, folder_ref, prune
from soccer_lstm.parallel import imap_unordered
from soccer_lstm.schema import schema_version
from soccer_lstm.store import INDEX, ClipEntry, FeatureStore, read_stage_index
from soccer_lstm.stages.codebook import load_codebook
from soccer_lstm.stages.extract import check_output_folder

log = logging.getLogger(__name__)


def _encode_one(task: tuple[int, Path, ClipEntry, Codebook | None, EncodeConfig]) -> tuple[int, np.ndarray | None, str | None]:
    """Worker: the per-frame vectors of one stored clip, or the problem that stopped it (never raises).

    It reads the clip's features itself (a Dask worker needs read access to the feature store) and
    returns the sequence; the caller writes it.
    """
    i, folder, entry, codebook, config = task
    path = folder / entry.file
    try:
        data, meta = load_npz(path, required=("descriptors", "positions", "offsets"))
        if meta.get("fingerprint") != entry.fingerprint:
            raise ArtifactError(f"{path}: does not match {folder / INDEX} (made by another run); re-run extract")
        features = ClipFeatures.from_arrays(data, meta.get("geometry", {}))
        return i, encode_clip(features, codebook, config), None
    except UserError as exc:
        return i, None, str(exc)


def run_encode(features_dir: str | Path, codebook_path: str | Path | None, out_dir: str | Path,
               config: EncodeConfig = EncodeConfig(), n_jobs: int = 1,
               scheduler: str | None = None, overwrite: bool = False) -> "EncodeResult":
    """Encode every clip of a feature store into ``out_dir``.

    Clips are encoded in parallel (``n_jobs`` local processes, or the Dask cluster at
    ``scheduler``); the sequences come back to this process, which writes them.
    """
    store = FeatureStore(features_dir)
    codebook, codebook_fp, k = None, None, 0
    if needs_codebook(config.features):
        if codebook_path is None:
            raise UserError(f"--codebook is required for --features {config.features} (it holds bow)")
        codebook, _ = load_codebook(codebook_path)
        codebook_fp, k = codebook.fingerprint_, len(codebook.cluster_centers_)
    layout = feature_layout(config.features, encode_settings(config, k, store.grid))
    out_dir = Path(out_dir)
    check_output_folder(out_dir, "encode")
    claim_folder(out_dir, "encode", {"features": folder_ref(features_dir)}, overwrite)
    fingerprints = [fingerprint(e.fingerprint, codebook_fp, asdict(config), __version__, schema_version("encode"))
                    for e in store.entries]
    todo = []
    for i, (entry, fp) in enumerate(zip(store.entries, fingerprints)):
        target = out_dir / entry.file
        hit = False
        if target.is_file():
            try:
                _, meta = load_npz(target, required=("sequence",))
                hit = meta.get("fingerprint") == fp
            except ArtifactError:
                hit = False
        if not hit:
            # The folder goes absolute: Dask workers have their own working directory.
            todo.append((i, store.folder.resolve(), entry, codebook, config))
    with contextlib.closing(imap_unordered(_encode_one, todo, n_jobs=n_jobs, scheduler=scheduler)) as results:
        for i, sequence, problem in progress.bar(results, total=len(todo), desc="encode"):
            if sequence is None:
                raise UserError(problem or f"{store.folder / store.entries[i].file}: could not be encoded")
            entry = store.entries[i]
            save_npz(out_dir / entry.file, {"sequence": sequence}, {"stage": "encode", "clip_id": entry.clip_id,
                                                                    "fingerprint": fingerprints[i],
                                                                    "features": config.features})
    entries = [{"clip_id": e.clip_id, "label": e.label, "group": e.group, "path": e.path, "file": e.file,
                "fingerprint": fp} for e, fp in zip(store.entries, fingerprints)]
    write_json(out_dir / INDEX, {"stage": "encode", "schema_version": schema_version("encode"),
                                 "package_version": __version__, "features": config.features, "config": asdict(config),
                                 "codebook": codebook_fp, "codebook_path": str(Path(codebook_path).resolve()) if codebook_path else None,
                                 "layout": layout, "extract": store.config, "clips": entries,
                                 "features_dir": str(store.folder.resolve())})
    prune(out_dir, [e["file"] for e in entries])
    return EncodeResult(len(todo), len(store.entries) - len(todo), out_dir)


@dataclass(frozen=True)
class EncodeResult:
    """What :func:`run_encode` did: clips encoded now, clips up to date, the sequences folder."""

    encoded: int
    cached: int
    out_dir: Path


@dataclass(frozen=True)
class Sequences:
    """The encoded clips of a sequences folder: one ``(T, D)`` array per clip, their labels, the index."""

    sequences: list[np.ndarray]
    labels: list[str]
    index: dict[str, Any]


def load_sequences(sequences_dir: str | Path) -> Sequences:
    """All encoded sequences of an ``encode`` output folder, their labels and the index."""
    folder = Path(sequences_dir)
    index = read_stage_index(folder, "encode", "sequences")
    sequences, labels = [], []
    try:
        for entry in progress.bar(index["clips"], desc="load"):
            arrays, meta = load_npz(folder / entry["file"], required=("sequence",))
            if meta.get("fingerprint") != entry["fingerprint"]:
                raise ArtifactError(f"{folder / entry['file']}: does not match {folder / INDEX}; re-run encode")
            sequences.append(arrays["sequence"])
            labels.append(entry["label"])
    except (KeyError, TypeError):
        raise ArtifactError(f"{folder / INDEX}: malformed sequences index (edited by hand?); re-run encode") from None
    if not sequences:
        raise UserError(f"{folder}: holds no encoded clips")
    return Sequences(sequences, labels, index)
