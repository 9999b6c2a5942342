"""Artifacts on disk: atomic writes, fingerprints, ``.npz`` arrays with JSON metadata, safe loading.

Every file the pipeline writes goes through :func:`atomic_write`: the bytes land in a temporary
file in the destination folder and are moved over the target with :func:`os.replace`, so a killed
run never leaves a half-written file that a later run would trust. Arrays are stored as ``.npz``
and always loaded with ``allow_pickle=False``; metadata travels inside the archive as a JSON
string, so no file a user received can execute code when it is loaded.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

from soccer_lstm import __version__
from soccer_lstm.errors import ArtifactError, UserError

META_KEY = "__meta__"
FORMAT_VERSION = 1


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[Any]:
    """Open a temporary file beside ``path`` and move it over ``path`` only if the block succeeds.

    Parameters
    ----------
    path : path-like
        Final destination. Its folder is created when missing.
    mode : str
        ``"wb"`` or ``"w"``.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        check_can_create(path)
        raise UserError(f"{path.parent}: cannot write here ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
            # mkstemp makes the file private (0600); an artifact is shared like any other output.
            os.fchmod(handle.fileno(), 0o666 & ~_UMASK)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    except OSError as exc:
        _silent_unlink(tmp)
        raise UserError(f"{path}: could not be written ({exc.strerror or exc}); nothing was replaced") from None
    except BaseException:
        _silent_unlink(tmp)
        raise


def check_can_create(path: str | os.PathLike) -> None:
    """Refuse early, before any long computation, a ``path`` that lies under a file.

    Raises
    ------
    UserError
        If a parent of ``path`` exists and is not a folder.
    """
    path = Path(path)
    blocker = next((p for p in (path.parent, *path.parent.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise UserError(f"{blocker}: is a file, not a folder; cannot write {path.name} under it")


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()
TEMP_PATTERN = ".*.tmp"  # names atomic_write gives its temporary files


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every file system lets a folder be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _silent_unlink(path: str | os.PathLike) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def remove_stale_temporaries(folder: str | os.PathLike) -> int:
    """Delete temporary files that a killed :func:`atomic_write` left in ``folder``.

    They are never read (no artifact name matches them), so this only gives the space back. Call it
    only where no other run writes to the same folder at the same time.

    Returns
    -------
    int
        Number of files removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    removed = 0
    for leftover in folder.glob(TEMP_PATTERN):
        if leftover.is_file():
            _silent_unlink(leftover)
            removed += 1
    return removed


def write_json(path: str | os.PathLike, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    with atomic_write(path, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, default=_json_default)
        handle.write("\n")


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file, turning a missing or malformed file into an :class:`ArtifactError`."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"{path}: not found") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path}: not a readable JSON file ({exc})") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


def save_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
    """Save ``arrays`` and a JSON ``meta`` dictionary to ``path`` atomically (uncompressed .npz).

    Object arrays are refused: everything must load with ``allow_pickle=False``.
    """
    payload: dict[str, np.ndarray] = {}
    for name, array in arrays.items():
        array = np.asarray(array)
        if array.dtype == object:
            raise TypeError(f"array {name!r} has dtype object and would need pickle")
        payload[name] = array
    from soccer_lstm.schema import SCHEMA_VERSIONS

    # The stage's schema version travels with every stage artifact (see soccer_lstm/schema.py).
    schema = {"schema_version": SCHEMA_VERSIONS[meta["stage"]]} if meta.get("stage") in SCHEMA_VERSIONS else {}
    full_meta = {"format_version": FORMAT_VERSION, "package_version": __version__, **schema, **meta}
    payload[META_KEY] = np.asarray(json.dumps(full_meta, sort_keys=True, default=_json_default))
    buffer = io.BytesIO()
    np.savez(buffer, **payload)
    with atomic_write(path, "wb") as handle:
        handle.write(buffer.getvalue())


def load_npz(path: str | os.PathLike, required: tuple[str, ...] = ()) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Load an archive written by :func:`save_npz` without pickle.

    Returns
    -------
    arrays, meta : dict, dict

    Raises
    ------
    ArtifactError
        If the file is missing, not an npz archive, holds pickled objects, lacks metadata or one of
        the ``required`` arrays.
    """
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: not found")
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
    except OSError as exc:
        raise ArtifactError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if magic[:1] == b"\x80":  # pickle protocol 2+ opcode
        raise ArtifactError(f"{path}: is a Python pickle; refusing to load it")
    if not magic.startswith(b"PK"):
        raise ArtifactError(f"{path}: not an .npz archive of this tool (unknown file type)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            arrays = {name: archive[name] for name in names}
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise ArtifactError(f"{path}: contains pickled objects; refusing to load it") from None
        raise ArtifactError(f"{path}: not a valid soccer-lstm archive ({exc})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ArtifactError(f"{path}: not a valid soccer-lstm archive ({exc})") from None
    if META_KEY not in arrays:
        raise ArtifactError(f"{path}: has no soccer-lstm metadata; not written by this tool")
    try:
        meta = json.loads(str(arrays.pop(META_KEY)))
    except ValueError:
        raise ArtifactError(f"{path}: its metadata is not valid JSON") from None
    if not isinstance(meta, dict):
        raise ArtifactError(f"{path}: its metadata is not a JSON object")
    missing = [name for name in required if name not in arrays]
    if missing:
        raise ArtifactError(f"{path}: lacks array(s) {', '.join(missing)}")
    return arrays, meta


def read_npz_meta(path: str | os.PathLike) -> dict[str, Any]:
    """Only the JSON metadata of an archive written by :func:`save_npz` (its arrays stay unread).

    Raises
    ------
    ArtifactError
        If the file is missing or not such an archive.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive[META_KEY]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
        raise ArtifactError(f"{path}: not a readable soccer-lstm archive ({exc})".splitlines()[0]) from None
    if not isinstance(meta, dict):
        raise ArtifactError(f"{path}: its metadata is not a JSON object")
    return meta


def fingerprint(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (parameters, versions, upstream fingerprints)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, default=_json_default).encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def array_fingerprint(*arrays: np.ndarray) -> str:
    """A short hash of array contents (shape, dtype and bytes)."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def file_signature(path: str | os.PathLike) -> dict[str, Any]:
    """Size and modification time of a file, or of every file in a frame folder.

    Cheap to compute: the quick check that a clip is unchanged since it was last seen. A copied or
    touched clip gets a new signature with the same content; :func:`file_digest` settles that case.
    """
    path = Path(path)
    if path.is_dir():
        entries = sorted(p for p in path.iterdir() if p.is_file())
        return {"files": len(entries), "size": sum(p.stat().st_size for p in entries),
                "mtime_ns": max((p.stat().st_mtime_ns for p in entries), default=0)}
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def file_digest(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, or of the names and bytes of every file in a frame folder.

    Independent of where the clip lies and of its timestamps, so a dataset that is copied, moved or
    checked out again keeps the fingerprints of its clips.
    """
    path = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.name.encode("utf-8", "surrogateescape") + b"\0")
        with open(file, "rb") as handle:
            while block := handle.read(chunk):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()
