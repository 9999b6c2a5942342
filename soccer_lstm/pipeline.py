"""The stages as library functions: extract, codebook, encode, train, predict.

Each reads the previous stage's artifacts and writes its own; each skips work whose inputs and
parameters are unchanged (fingerprints), and writes atomically so that an interrupted run resumes.
The CLI and the Makefile call these functions; nothing here knows about click.
"""
from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from soccer_lstm import __version__, progress
from soccer_lstm.artifacts import (check_can_create, file_digest, file_signature, fingerprint, load_npz, read_json,
                                   remove_stale_temporaries, save_npz, write_json)
from soccer_lstm.config import CodebookConfig, EncodeConfig, ExtractConfig, PredictConfig, TrainConfig, feature_kinds
from soccer_lstm.dataset import Clip, check_trainable, discover
from soccer_lstm.errors import ArtifactError, BatchError, ClipError, UserError
from soccer_lstm.features.codebook import Codebook
from soccer_lstm.features.scaling import SequenceScaler, make_scaler
from soccer_lstm.features.words import encode_clip
from soccer_lstm.features.words import fit_codebook as fit_clip_codebook
from soccer_lstm.features.sift import ClipFeatures, extract_clip, extract_params
from soccer_lstm.ownership import InputRef, claim_file, claim_folder, dataset_ref, folder_ref, prune, update_inputs
from soccer_lstm.parallel import imap_unordered
from soccer_lstm.schema import SCHEMA_VERSIONS, schema_version
from soccer_lstm.store import INDEX, ClipEntry, FeatureStore, StoreClips, read_stage_index

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------- extract
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


# ----------------------------------------------------------------------------- codebook
def fit_codebook(store: FeatureStore, indices: Sequence[int], config: CodebookConfig = CodebookConfig()) -> Codebook:
    """Fit a codebook on a seeded subsample of the descriptors of clips ``indices`` only."""
    return fit_clip_codebook(StoreClips(store, indices), config)


def run_codebook(features_dir: str | Path, out_path: str | Path, config: CodebookConfig = CodebookConfig(),
                 overwrite: bool = False) -> tuple[Codebook, bool]:
    """Fit the codebook on all clips of a feature store; returns it and whether it was rebuilt.

    A codebook made from another features folder is replaced only with ``overwrite``.
    """
    store = FeatureStore(features_dir)
    features_ref = folder_ref(features_dir)
    # The descriptors are what a codebook is fit on: new local-histogram options do not refit it.
    inputs_fp = fingerprint(asdict(config), [e.sift_fingerprint or e.fingerprint for e in store.entries], __version__,
                            schema_version("codebook"))
    out_path = Path(out_path)
    if out_path.is_dir():
        raise UserError(f"{out_path}: is a folder; --out names the codebook file to write (e.g. codebook.npz)")
    check_can_create(out_path)
    if out_path.exists():
        # Only a codebook of this tool is ever replaced: a file the user pointed at by mistake is kept.
        try:
            existing, meta = load_codebook(out_path)
        except ArtifactError as exc:
            reason = str(exc).removeprefix(f"{out_path}: ")
            raise UserError(f"{out_path}: exists and is not a soccer-lstm codebook ({reason}); not overwriting "
                            f"it (delete it or choose another --out)") from None
        claim_file(out_path, "codebook", {"features": features_ref}, meta.get("inputs"), overwrite)
        if meta.get("inputs_fingerprint") == inputs_fp and meta.get("inputs"):
            return existing, False
    try:
        codebook = fit_codebook(store, range(len(store)), config)
    except ArtifactError:
        raise
    except UserError as exc:  # too few descriptors: say which features folder
        raise UserError(f"{store.folder}: {exc}") from None
    save_codebook(out_path, codebook, {"inputs_fingerprint": inputs_fp, "config": asdict(config),
                                       "extract": store.config, "inputs": {"features": features_ref.as_dict()}})
    return codebook, True


def save_codebook(path: str | Path, codebook: Codebook, meta: dict[str, Any]) -> None:
    save_npz(path, {"centers": codebook.cluster_centers_},
             {"stage": "codebook", "fingerprint": codebook.fingerprint_, **meta})


def load_codebook(path: str | Path) -> tuple[Codebook, dict[str, Any]]:
    """Load a codebook and check that its centres match the fingerprint it records."""
    if Path(path).is_dir():
        raise UserError(f"{path}: is a folder; expected the codebook file written by 'soccer-lstm codebook' "
                        f"(e.g. OUT/codebook.npz)")
    arrays, meta = load_npz(path, required=("centers",))
    centers = arrays["centers"]
    if meta.get("stage") != "codebook" or centers.ndim != 2 or centers.shape[1] != 128:
        raise ArtifactError(f"{path}: not a soccer-lstm codebook")
    if meta.get("schema_version") != schema_version("codebook"):
        raise ArtifactError(f"{path}: written by soccer-lstm {meta.get('package_version', '(unknown)')} in another "
                            f"codebook format; re-run codebook")
    codebook = Codebook.from_centers(centers)
    if codebook.fingerprint_ != meta.get("fingerprint"):
        raise ArtifactError(f"{path}: centres do not match the recorded fingerprint (file altered?)")
    return codebook, meta


# ----------------------------------------------------------------------------- encode
def feature_layout(config: EncodeConfig, k: int, grid: int = 3) -> dict[str, list[int]]:
    """Column ranges of each feature kind inside a per-frame vector (``k`` visual words, a ``grid`` of cells)."""
    from soccer_lstm.features import layout

    return layout.feature_layout(config.features, k, config.motion_model, grid)


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
               scheduler: str | None = None, overwrite: bool = False) -> tuple[int, int]:
    """Encode every clip of a feature store; returns (encoded, cached) counts.

    Clips are encoded in parallel (``n_jobs`` local processes, or the Dask cluster at
    ``scheduler``); the sequences come back to this process, which writes them.
    """
    store = FeatureStore(features_dir)
    codebook, codebook_fp, k = None, None, 0
    if "bow" in feature_kinds(config.features):
        if codebook_path is None:
            raise UserError(f"--codebook is required for --features {config.features} (it holds bow)")
        codebook, _ = load_codebook(codebook_path)
        codebook_fp, k = codebook.fingerprint_, len(codebook.cluster_centers_)
    layout = feature_layout(config, k, store.grid)
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
    return len(todo), len(store.entries) - len(todo)


def load_sequences(sequences_dir: str | Path) -> tuple[list[np.ndarray], list[str], dict[str, Any]]:
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
    return sequences, labels, index


# ----------------------------------------------------------------------------- train
MODEL_META = "pipeline.json"


def run_train(sequences_dir: str | Path, model_dir: str | Path, config: TrainConfig = TrainConfig(),
              verbose: int = 0, overwrite: bool = False, plot: bool = False) -> tuple[Any, bool]:
    """Train the LSTM on an ``encode`` output; the model folder is self-contained for predict.

    Progress goes to stderr epoch by epoch; the per-epoch history (training loss, validation loss,
    validation clip accuracy) and the best epoch are saved in ``history.json``, and with ``plot`` as
    ``learning_curve.png``.
    """
    from soccer_lstm.models.lstm import LSTMClassifier

    sequences, labels, index = load_sequences(sequences_dir)
    check_trainable(labels, sequences_dir)
    model_dir = Path(model_dir)
    if model_dir.exists() and not model_dir.is_dir():
        raise UserError(f"{model_dir}: is a file, not a folder; choose another --out")
    check_can_create(model_dir / MODEL_META)
    claim_folder(model_dir, "train", {"sequences": folder_ref(sequences_dir)}, overwrite)
    inputs_fp = fingerprint([c["fingerprint"] for c in index["clips"]], asdict(config), __version__, schema_version("train"))
    meta_path = model_dir / MODEL_META
    if meta_path.is_file() and (model_dir / "model.keras").is_file():
        try:
            if read_json(meta_path).get("inputs_fingerprint") == inputs_fp and (
                    not plot or (model_dir / "learning_curve.png").is_file()):
                return None, False
        except ArtifactError:
            pass
    codebook_meta = None
    if index.get("codebook"):  # checked before training, not after minutes of it
        codebook, codebook_meta = load_codebook(index["codebook_path"])
        if codebook.fingerprint_ != index["codebook"]:
            raise ArtifactError(f"{index['codebook_path']}: changed since encode; re-run encode")
    scaler = make_scaler(index["layout"], config.scale)
    sequences = scaler.fit_transform(sequences)
    started = time.perf_counter()
    classifier = LSTMClassifier.from_config(config, layout=index["layout"], verbose=verbose).fit(sequences, labels)
    seconds = time.perf_counter() - started
    # pipeline.json is written last: its presence marks a complete model folder.
    try:
        if meta_path.exists():
            meta_path.unlink()
        classifier.save(model_dir)
    except OSError as exc:  # Keras writes its own file first (disk full, read-only folder)
        raise UserError(f"{model_dir}: the model could not be written ({exc.strerror or exc})") from None
    if codebook_meta is not None:
        save_codebook(model_dir / "codebook.npz", codebook, {k: v for k, v in codebook_meta.items()
                                                              if k not in ("format_version", "package_version", "schema_version", "stage",
                                                                           "fingerprint")})
    write_json(meta_path, {
        "stage": "train", "package_version": __version__, "schema_versions": dict(SCHEMA_VERSIONS),
        "classes": classifier.classes_.tolist(),
        "features": index["features"], "encode": index["config"], "layout": index["layout"],
        "codebook_fingerprint": index.get("codebook"), "extract": index["extract"],
        "train": asdict(config), "scaler": scaler.to_dict(), "inputs_fingerprint": inputs_fp,
        "n_clips": len(labels), "train_seconds": round(seconds, 2), "epochs_run": classifier.epochs_run_,
        "profile": _training_profile(index), "best_epoch": classifier.best_epoch_})
    write_json(model_dir / "history.json", {"history": classifier.history_, "best_epoch": classifier.best_epoch_,
                                            "epochs_run": classifier.epochs_run_, "monitor": "val_loss"
                                            if "val_loss" in classifier.history_ else "loss"})
    if plot:
        from soccer_lstm.evaluation.plots import plot_learning_curve

        plot_learning_curve(classifier.history_, model_dir / "learning_curve.png", best_epoch=classifier.best_epoch_,
                            title=f"learning curve on {_dataset_name(index)} ({len(labels)} clips, "
                                  f"{index['features']})")
    return classifier, True


def _dataset_name(index: dict[str, Any]) -> str:
    """The name of the dataset a sequences folder was made from (its features folder records it)."""
    try:
        source = read_json(Path(index["features_dir"]) / INDEX)["source"]
        return Path(source).resolve().name
    except (ArtifactError, KeyError, TypeError, OSError):
        return "an unknown dataset"


def _training_profile(index: dict[str, Any]) -> dict[str, Any] | None:
    """Frame sizes, rates, lengths and keypoints of the training clips, read from their features folder."""
    from soccer_lstm.profile import profile_of_features

    features_dir = index.get("features_dir")
    if not features_dir or not Path(features_dir).is_dir():
        log.warning("the features folder of these sequences is unknown or gone; predict will not warn about "
                    "clips unlike the training clips")
        return None
    return profile_of_features(features_dir, [c["file"] for c in index["clips"]])


# ----------------------------------------------------------------------------- predict
@dataclass
class TrainedPipeline:
    """Everything ``predict`` needs, loaded from a model folder."""

    classifier: Any
    codebook: Codebook | None
    scaler: SequenceScaler
    extract: ExtractConfig
    encode: EncodeConfig
    meta: dict[str, Any]

    @property
    def classes(self) -> list[str]:
        return list(self.meta["classes"])


def load_model(model_dir: str | Path) -> TrainedPipeline:
    """Load a model folder written by :func:`run_train`, checking that its parts belong together."""
    from soccer_lstm.models.lstm import LSTMClassifier

    model_dir = Path(model_dir)
    if model_dir.is_file():
        raise UserError(f"{model_dir}: is a file; --model takes the model folder that 'soccer-lstm train' wrote "
                        f"(here perhaps {model_dir.parent})")
    if not model_dir.is_dir():
        raise UserError(f"{model_dir}: no such model folder (run 'soccer-lstm train' first)")
    if not (model_dir / MODEL_META).is_file():
        raise UserError(f"{model_dir}: not a model folder (no {MODEL_META}; run 'soccer-lstm train', which "
                        f"writes it last)")
    meta = read_json(model_dir / MODEL_META)
    if not isinstance(meta, dict) or meta.get("stage") != "train":
        raise ArtifactError(f"{model_dir / MODEL_META}: not a soccer-lstm model description")
    made_by = (meta.get("schema_versions") or {}).get("train")
    if made_by != schema_version("train"):
        raise ArtifactError(f"{model_dir}: written by soccer-lstm {meta.get('package_version', '(unknown)')} in "
                            f"model format {made_by or 'unversioned'}; this version reads format "
                            f"{schema_version('train')}: re-run train")
    try:
        extract_config = ExtractConfig(**meta["extract"]) if meta.get("extract") else ExtractConfig()
        encode_config = EncodeConfig(**meta["encode"])
        scaler = SequenceScaler.from_dict(meta["scaler"])
        list(meta["classes"]), meta["features"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(f"{model_dir / MODEL_META}: malformed model description ({type(exc).__name__}: "
                            f"{exc}); re-run train".splitlines()[0]) from None
    codebook = None
    if meta.get("codebook_fingerprint"):
        codebook, _ = load_codebook(model_dir / "codebook.npz")
        if codebook.fingerprint_ != meta["codebook_fingerprint"]:
            raise ArtifactError(f"{model_dir / 'codebook.npz'}: is not the codebook this model was trained with")
    classifier = LSTMClassifier.load(model_dir)
    if list(classifier.classes_) != list(meta["classes"]):
        raise ArtifactError(f"{model_dir / 'lstm.json'}: its classes differ from {model_dir / MODEL_META}; "
                            f"the folder mixes two models")
    return TrainedPipeline(classifier, codebook, scaler, extract_config, encode_config, meta)


def check_compatible(pipeline: TrainedPipeline, sequences_index: dict[str, Any], where: object) -> None:
    """Refuse sequences of another feature kind or codebook than the model was trained on."""
    if sequences_index.get("features") != pipeline.meta["features"]:
        raise UserError(f"{where}: holds '{sequences_index.get('features')}' features but the model was "
                        f"trained on '{pipeline.meta['features']}'")
    if sequences_index.get("codebook") != pipeline.meta.get("codebook_fingerprint"):
        raise UserError(f"{where}: was encoded with codebook {sequences_index.get('codebook')} but the model "
                        f"uses codebook {pipeline.meta.get('codebook_fingerprint')}")
    if sequences_index.get("layout") != pipeline.meta.get("layout"):
        raise UserError(f"{where}: its per-frame vectors are laid out as {sequences_index.get('layout')} but the "
                        f"model expects {pipeline.meta.get('layout')} (another motion model?)")


@dataclass
class Prediction:
    """The answer for one clip.

    ``margin`` is the top probability minus the runner-up's; ``low_confidence`` says it is under
    :attr:`PredictConfig.min_margin`. ``warnings`` says how the clip differs from the training clips.
    """

    path: str
    label: str | None
    probabilities: dict[str, float] | None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    margin: float | None = None
    low_confidence: bool = False
    runner_up: str | None = None


def iter_predict_clips(pipeline: TrainedPipeline, paths: Sequence[str | Path],
                       config: PredictConfig = PredictConfig()) -> Iterator[Prediction]:
    """Classify clips one at a time, yielding each answer as soon as it is known.

    A clip that cannot be read gets an error entry; a clip unlike the training clips (see
    :mod:`soccer_lstm.profile`) gets warnings.
    """
    from soccer_lstm.profile import clip_stats, unlike_training

    for path in progress.bar(paths, desc="predict"):
        result = Prediction(str(path), None, None)
        try:
            features = extract_clip(path, pipeline.extract)
            sequence = encode_clip(features, pipeline.codebook, pipeline.encode)
        except ClipError as exc:
            result.error = exc.problem
        except Exception as exc:  # one clip's failure must not cost the others their answer
            result.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        else:
            stats = clip_stats(features.geometry, features.n_frames, int(features.offsets[-1]))
            result.warnings = unlike_training(pipeline.meta.get("profile"), stats)
            _score(pipeline, [sequence], [result], config)
        yield result


def predict_clips(pipeline: TrainedPipeline, paths: Sequence[str | Path],
                  config: PredictConfig = PredictConfig()) -> list[Prediction]:
    """Classify clips from their video files or frame folders; a bad clip gets an error entry."""
    return list(iter_predict_clips(pipeline, paths, config))


def predict_sequences(pipeline: TrainedPipeline, sequences_dir: str | Path,
                      config: PredictConfig = PredictConfig()) -> list[Prediction]:
    """Classify the clips of an ``encode`` output folder (their ``path`` is the clip id).

    Raises
    ------
    UserError
        If the folder was encoded with another feature kind or codebook than the model's.
    """
    folder = Path(sequences_dir)
    if folder.is_dir():  # the kind and codebook are checked before any sequence is read
        index = read_json(folder / INDEX)
        if isinstance(index, dict) and index.get("stage") == "encode":
            check_compatible(pipeline, index, folder)
    sequences, _, index = load_sequences(folder)
    check_compatible(pipeline, index, folder)
    results = [Prediction(entry["clip_id"], None, None) for entry in index["clips"]]
    _score(pipeline, sequences, results, config)
    return results


def _score(pipeline: TrainedPipeline, sequences: list[np.ndarray], results: list[Prediction],
           config: PredictConfig = PredictConfig()) -> None:
    """Fill the label, probabilities and confidence of ``results`` from the model's scores of ``sequences``."""
    if sequences:
        scores = pipeline.classifier.predict_proba(pipeline.scaler.transform(sequences))
        classes = pipeline.classes
        for result, row in zip(results, scores):
            order = np.argsort(row)[::-1]
            result.label = classes[int(order[0])]
            result.probabilities = {c: round(float(p), 6) for c, p in zip(classes, row)}
            if len(order) > 1:
                result.runner_up = classes[int(order[1])]
                result.margin = round(float(row[order[0]] - row[order[1]]), 6)
                result.low_confidence = result.margin < config.min_margin
