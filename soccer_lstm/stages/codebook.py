"""``codebook``: the k-means visual vocabulary of a features folder, and its file format."""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

from soccer_lstm import __version__
from soccer_lstm.artifacts import check_can_create, fingerprint, load_npz, save_npz
from soccer_lstm.config import CodebookConfig
from soccer_lstm.errors import ArtifactError, UserError
from soccer_lstm.features.codebook import Codebook
from soccer_lstm.ownership import check_not_inside_stage_folder, claim_file, folder_ref
from soccer_lstm.schema import schema_version
from soccer_lstm.store import FeatureStore, StoreClips


log = logging.getLogger(__name__)


def fit_codebook(store: FeatureStore, indices: Sequence[int], config: CodebookConfig = CodebookConfig()) -> Codebook:
    """Fit a codebook on a seeded subsample of the descriptors of clips ``indices`` only."""
    from soccer_lstm.features.words import fit_codebook as fit_clip_codebook  # scikit-learn: not for loading

    return fit_clip_codebook(StoreClips(store, indices), config)


@dataclass(frozen=True)
class CodebookResult:
    """What :func:`run_codebook` did: the codebook, whether it was fitted now (False: up to date), its file."""

    codebook: Codebook
    rebuilt: bool
    path: Path


def run_codebook(features_dir: str | Path, out_path: str | Path, config: CodebookConfig = CodebookConfig(),
                 overwrite: bool = False) -> CodebookResult:
    """Fit the codebook on all clips of a feature store.

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
    check_not_inside_stage_folder(out_path, "codebook")  # a model's own codebook.npz, say
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
            return CodebookResult(existing, False, out_path)
    try:
        codebook = fit_codebook(store, range(len(store)), config)
    except ArtifactError:
        raise
    except UserError as exc:  # too few descriptors: say which features folder
        raise UserError(f"{store.folder}: {exc}") from None
    save_codebook(out_path, codebook, {"inputs_fingerprint": inputs_fp, "config": asdict(config),
                                       "extract": store.config, "inputs": {"features": features_ref.as_dict()}})
    return CodebookResult(codebook, True, out_path)


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
