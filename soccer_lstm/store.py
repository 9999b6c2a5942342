"""The feature store written by ``extract``: one ``.npz`` per clip plus ``index.json``.

Layout::

    features/
      index.json            clips (id, label, group, source path, file, fingerprint), failures, config
      clips/<key>.npz       descriptors (N x 128 uint8), positions (N x 2), offsets (T + 1),
                            hof, mbh, hog (T x D float16)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soccer_lstm.artifacts import load_npz, read_json
from soccer_lstm.errors import ArtifactError, UserError
from soccer_lstm.features.sift import ClipFeatures

INDEX = "index.json"


def read_stage_index(folder: Path, stage: str, what: str) -> dict[str, Any]:
    """The ``index.json`` of a stage's output folder, or an error that names the command making one.

    ``stage`` is the stage (and the command) that writes the folder (``extract``, ``encode``), and
    the index's ``stage`` field; ``what`` is the folder's name for a user (``features``, ``sequences``).
    """
    if not folder.is_dir():
        raise UserError(f"{folder}: no such {what} folder (run 'soccer-lstm {stage}' first)")
    path = folder / INDEX
    if not path.exists():
        raise UserError(f"{folder}: not a {what} folder (no {INDEX}; 'soccer-lstm {stage}' writes one)")
    index = read_json(path)
    if not isinstance(index, dict) or index.get("stage") != stage:
        found = index.get("stage") if isinstance(index, dict) else None
        made_by = f" (it was written by '{found}')" if isinstance(found, str) else ""
        raise ArtifactError(f"{path}: not a soccer-lstm {what} index{made_by}")
    from soccer_lstm.schema import schema_version

    if index.get("schema_version") != schema_version(stage):
        raise ArtifactError(f"{path}: written by soccer-lstm {index.get('package_version', '(an older version)')} in "
                            f"another {what} format; re-run '{stage}' (finished clips are redone)")
    return index


@dataclass(frozen=True)
class ClipEntry:
    clip_id: str
    label: str
    group: str
    path: str
    file: str
    fingerprint: str
    n_frames: int
    n_descriptors: int = 0
    sift_fingerprint: str = ""   # what the SIFT part alone depends on (empty in older indexes)


class FeatureStore:
    """Read access to an ``extract`` output folder."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        index = read_stage_index(self.folder, "extract", "features")
        self.index: dict[str, Any] = index
        self.config: dict[str, Any] = index.get("config", {})
        try:
            self.entries = [ClipEntry(**c) for c in index["clips"]]
        except (KeyError, TypeError):
            raise ArtifactError(f"{self.folder / INDEX}: malformed features index (edited by hand?); "
                                f"re-run extract") from None
        if not self.entries:
            raise UserError(f"{self.folder}: holds no extracted clips")

    @property
    def grid(self) -> int:
        """Cells per side of the stored HOF/MBH/HOG grids."""
        return int(self.config.get("grid", 3))

    @property
    def labels(self) -> list[str]:
        return [e.label for e in self.entries]

    @property
    def groups(self) -> list[str]:
        return [e.group for e in self.entries]

    def __len__(self) -> int:
        return len(self.entries)

    def load(self, i: int, arrays: tuple[str, ...] | None = None) -> ClipFeatures:
        """Features of clip ``i``, checked against the fingerprint the index recorded."""
        entry = self.entries[i]
        path = self.folder / entry.file
        data, meta = load_npz(path, required=("descriptors", "positions", "offsets"))
        if meta.get("fingerprint") != entry.fingerprint:
            raise ArtifactError(f"{path}: does not match {self.folder / INDEX} (made by another run); re-run extract")
        return ClipFeatures.from_arrays(data, meta.get("geometry", {}))

    def descriptor_count(self, i: int) -> int:
        return self.entries[i].n_descriptors


class StoreClips:
    """A lazy, indexable view of some clips of a :class:`FeatureStore` (each loaded when asked for).

    What :class:`~soccer_lstm.features.words.VisualWords` takes as ``X`` when a dataset is too large to
    hold every clip's descriptors in memory: ``descriptor_count`` lets the codebook's sample read only
    the clips it draws from.
    """

    def __init__(self, store: FeatureStore, indices: Any = None) -> None:
        self.store = store
        self.indices = [int(i) for i in (range(len(store)) if indices is None else indices)]

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> ClipFeatures:
        return self.store.load(self.indices[i])

    def descriptor_count(self, i: int) -> int:
        return self.store.descriptor_count(self.indices[i])
