"""Which stage and which input an output folder belongs to: one rule for every stage.

A stage that writes a folder first *claims* it: an owner file (``.soccer-lstm-owner.json``) records
the stage and what the folder was made from. The rule, the same for every stage:

- a missing or empty folder is claimed;
- a folder of the same stage made from the same input is the stage's own: the stage resumes or
  updates it (the Makefile's re-runs);
- another stage's folder, or a folder that holds anything else, is refused;
- an output (folder or file) inside a folder that a stage claimed is refused, whichever stage: a
  stage's folder holds only what that stage wrote (``codebook -o MODEL/codebook.npz`` would replace
  the model's own codebook behind its back);
- a folder of the same stage made from another input is refused unless ``overwrite`` is given, in
  which case its contents are removed first, so old and new artifacts never mix.

"The same input" is the same path, or the same thing found elsewhere: a dataset with the same clips
(copied or moved), or a folder of this tool with the same owner id (``OUT`` moved as a whole).
"""
from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from soccer_lstm.artifacts import check_can_create, fingerprint, read_json
from soccer_lstm.errors import ArtifactError, UserError

OWNER = ".soccer-lstm-owner.json"

# stage -> what a user calls its output folder
FOLDER_KINDS = {"extract": "features", "encode": "sequences", "train": "model", "evaluate": "evaluation",
                "score": "score", "reproduce": "report", "codebook": "codebook", "spot": "predictions"}


@dataclass(frozen=True)
class InputRef:
    """What an output was made from: an absolute path, and a key that survives a move or a copy."""

    path: str
    key: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "key": self.key}

    def same_as(self, other: Mapping[str, Any] | None) -> bool:
        if not isinstance(other, Mapping):
            return False
        return other.get("path") == self.path or (self.key is not None and other.get("key") == self.key)


def dataset_ref(source: str | Path, clip_ids: Iterable[str]) -> InputRef:
    """A dataset (folder or manifest): its path, and the list of its clips as the key."""
    return InputRef(str(Path(source).resolve()), "clips:" + fingerprint(sorted(clip_ids)))


def folder_ref(folder: str | Path) -> InputRef:
    """A folder (or file) given as input: its path, and its owner id when this tool wrote it."""
    folder = Path(folder)
    key = None
    owner = _read_owner(folder)
    if owner is not None:
        key = owner.get("id")
    return InputRef(str(folder.resolve()), key)


def _read_owner(folder: Path) -> dict[str, Any] | None:
    path = folder / OWNER
    if not path.is_file():
        return None
    try:
        owner = read_json(path)
    except ArtifactError:
        return None
    return owner if isinstance(owner, dict) else None


def _legacy_stage(folder: Path) -> str | None:
    """The stage that wrote a folder made before owner files existed, from its index, if any."""
    if (folder / "rows").is_dir():
        return "reproduce"
    for name in ("index.json", "pipeline.json", "metrics.json"):
        path = folder / name
        if path.is_file():
            try:
                data = read_json(path)
            except ArtifactError:
                return "?"
            if isinstance(data, dict):
                if isinstance(data.get("stage"), str):
                    return data["stage"]
                if name == "metrics.json" and "fold_accuracies" in data:
                    return "evaluate"
                if name == "metrics.json" and "rows" in data:
                    return "reproduce"
            return "?"
    return None


def _describe(stage: str) -> str:
    kind = FOLDER_KINDS.get(stage)
    return f"a {kind} folder written by 'soccer-lstm {stage}'" if kind else f"written by 'soccer-lstm {stage}'"


def _inputs_text(inputs: Mapping[str, Any]) -> str:
    return ", ".join(str(v.get("path")) if isinstance(v, Mapping) else str(v) for v in inputs.values())


def claim_folder(folder: str | Path, stage: str, inputs: Mapping[str, InputRef], overwrite: bool = False,
                 legacy_match: bool = True, parts: Iterable[str] = ()) -> None:
    """Claim ``folder`` for ``stage`` made from ``inputs``, or refuse (see the module's rule).

    Parameters
    ----------
    folder : path-like
        The output folder.
    stage : str
        The stage (command) that writes it.
    inputs : mapping of str to InputRef
        What the output is made from (e.g. ``{"data": ...}``); every part must match.
    overwrite : bool
        Replace the contents of a folder of this stage made from another input.
    legacy_match : bool
        Whether a folder of this stage written before owner files existed counts as made from
        ``inputs`` (the caller checked what its index records).
    parts : iterable of str
        Subfolders that this stage fills by running another stage into them (``reproduce`` runs
        ``extract`` into ``features``): recorded, so that stage may write there.

    Raises
    ------
    UserError
        If the folder is a file, another stage's, not empty and not this tool's, or this stage's
        from another input without ``overwrite``.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: is a file, not a folder; choose another --out")
    check_not_inside_stage_folder(folder, stage)
    check_can_create(folder / OWNER)
    owner = _read_owner(folder) if folder.is_dir() else None
    wanted = {name: ref.as_dict() for name, ref in inputs.items()}
    parts = sorted(parts)
    if owner is not None:
        found = owner.get("stage")
        if found != stage:
            raise UserError(f"{folder}: is {_describe(str(found))}; refusing to write {stage} output into "
                            f"another stage's folder (choose another --out)")
        recorded = owner.get("inputs") or {}
        if all(ref.same_as(recorded.get(name)) for name, ref in inputs.items()):
            if owner.get("parts", []) != parts:  # a folder claimed before parts were recorded
                _write_owner(folder, {**owner, "parts": parts})
            return  # (the stage records where the input is now once it has finished: update_inputs)
        if not overwrite:
            raise UserError(f"{folder}: holds {stage} output made from {_inputs_text(recorded)}, not from "
                            f"{_inputs_text(wanted)}; refusing to mix them (pass --overwrite to replace its "
                            f"contents, or choose another --out)")
        _empty(folder)
    elif folder.is_dir() and any(folder.iterdir()):
        found = _legacy_stage(folder)
        if found is None or found == "?":
            raise UserError(f"{folder}: is not empty and was not written by 'soccer-lstm {stage}'; refusing to "
                            f"write into it (choose another --out, or an empty or new folder)")
        if found != stage:
            raise UserError(f"{folder}: is {_describe(found)}; refusing to write {stage} output into another "
                            f"stage's folder (choose another --out)")
        if not legacy_match:
            if not overwrite:
                raise UserError(f"{folder}: holds {stage} output made from another input than "
                                f"{_inputs_text(wanted)}; refusing to mix them (pass --overwrite to replace its "
                                f"contents, or choose another --out)")
            _empty(folder)
    _write_owner(folder, {"stage": stage, "id": uuid.uuid4().hex, "inputs": wanted, "parts": parts})


def check_not_inside_stage_folder(path: str | Path, stage: str) -> None:
    """Refuse an output ``path`` (a stage's folder or file) that lies inside a stage's folder.

    The folders above ``path`` are looked at for an owner file; the folder that directly holds it
    also for the index of a folder written before owner files existed (a model's ``pipeline.json``).
    A subfolder that the owning stage declared one of its ``parts`` is its own to fill.

    Raises
    ------
    UserError
        Naming ``path`` and the stage whose folder holds it.
    """
    path = Path(path)
    absolute = Path(os.path.abspath(path))
    for number, parent in enumerate(absolute.parents):
        owner = _read_owner(parent)
        if owner is not None and absolute.relative_to(parent).parts[0] in (owner.get("parts") or []):
            continue
        found = owner.get("stage") if owner is not None else None
        if found is None and number == 0 and parent.is_dir():
            legacy = _legacy_stage(parent)
            found = legacy if legacy != "?" else None
        if isinstance(found, str):
            raise UserError(f"{path}: is inside {parent}, {_describe(found)}; refusing to write {stage} output into "
                            f"another stage's folder (choose another --out)")


def update_inputs(folder: str | Path, inputs: Mapping[str, InputRef]) -> None:
    """After a successful run: record where the input is now and what it holds (a moved dataset,
    clips added), so that the next comparison is made with the input as it was last used."""
    folder = Path(folder)
    owner = _read_owner(folder)
    wanted = {name: ref.as_dict() for name, ref in inputs.items()}
    if owner is not None and owner.get("inputs") != wanted:
        _write_owner(folder, {**owner, "inputs": wanted})


def _write_owner(folder: Path, owner: dict[str, Any]) -> None:
    """Write the owner file atomically (temporary file, then rename). Not fsynced: it is a small
    marker, and losing it in a crash only makes the next run ask for a folder of its own."""
    import json
    import tempfile

    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{OWNER}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(owner, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, folder / OWNER)
    except OSError as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise UserError(f"{folder}: cannot write here ({exc.strerror or exc})") from None


def claim_file(path: str | Path, stage: str, inputs: Mapping[str, InputRef], recorded: Mapping[str, Any] | None,
               overwrite: bool = False) -> None:
    """The same rule for a stage whose output is one file (``codebook``): ``recorded`` is the
    ``inputs`` the existing file's metadata holds (None when it records none). A file inside another
    stage's folder is refused even with ``overwrite``."""
    check_not_inside_stage_folder(path, stage)
    if recorded is None or overwrite:
        return
    if not all(ref.same_as(recorded.get(name)) for name, ref in inputs.items()):
        wanted = {name: ref.as_dict() for name, ref in inputs.items()}
        raise UserError(f"{path}: holds a {stage} made from {_inputs_text(recorded)}, not from "
                        f"{_inputs_text(wanted)}; refusing to replace it (pass --overwrite, or choose another --out)")


def _empty(folder: Path) -> None:
    """Remove everything inside ``folder`` (the folder itself stays)."""
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            os.unlink(child)


def prune(folder: str | Path, keep: Iterable[str], pattern: str = "clips/*.npz") -> int:
    """Delete the artifacts matching ``pattern`` that the finished index does not list; returns how many."""
    folder = Path(folder)
    keep = {str(Path(k)) for k in keep}
    removed = 0
    for path in folder.glob(pattern):
        if str(path.relative_to(folder)) not in keep and path.is_file():
            path.unlink()
            removed += 1
    return removed
