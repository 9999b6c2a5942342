"""Clip discovery: a folder per class, or a CSV manifest; stable ids; train/test splits.

A clip is a video file or a folder of frame images (read in file-name order). Classes and clip ids
are sorted so that every run sees the same order.
"""
from __future__ import annotations

import csv
import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from soccer_lstm.errors import UserError

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = frozenset({".avi", ".mp4", ".mpg", ".mpeg", ".mov", ".mkv", ".webm", ".m4v",
                              ".wmv", ".flv", ".ts", ".3gp", ".ogv"})
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})


@dataclass(frozen=True)
class Clip:
    """One labelled clip.

    Attributes
    ----------
    clip_id : str
        Stable identifier: the path relative to the dataset root, without extension, with ``/``.
    path : Path
        Video file or folder of frames.
    label : str
        Class name.
    group : str
        Clips of one group (match, person) stay on one side of a split; defaults to the clip id.
    """

    clip_id: str
    path: Path
    label: str
    group: str

    @property
    def key(self) -> str:
        """A file-name-safe, collision-free name for this clip's artifacts."""
        return artifact_key(self.clip_id)


def artifact_key(clip_id: str) -> str:
    """File-name-safe name for a clip id: readable part plus a short hash of the exact id."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", clip_id).strip("._")[:80] or "clip"
    digest = hashlib.sha1(clip_id.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{digest}"


def is_video_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in VIDEO_EXTENSIONS


def is_frame_folder(path: Path) -> bool:
    """A folder holding at least one image file; an unreadable folder counts (extract reports it)."""
    if not path.is_dir():
        return False
    try:
        return any(p.suffix.lower() in IMAGE_EXTENSIONS for p in path.iterdir() if p.is_file())
    except PermissionError:
        return True


def frame_files(folder: Path) -> list[Path]:
    """Image files of a frame folder, in file-name order (natural order for numbered names)."""
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS]
    return sorted(files, key=lambda p: _natural_key(p.name))


def _natural_key(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def discover(source: str | Path) -> list[Clip]:
    """Find the clips of a dataset folder (one subfolder per class) or a CSV manifest.

    Raises
    ------
    UserError
        If the source does not exist or holds no clip.
    """
    source = Path(source)
    if not source.exists():
        raise UserError(f"{source}: no such dataset folder or manifest")
    if source.is_file():
        if source.suffix.lower() != ".csv":
            raise UserError(f"{source}: expected a dataset folder (one subfolder per class) or a .csv manifest")
        clips = read_manifest(source)
    else:
        clips, empty = _discover_folder(source)
        if len({clip.label for clip in clips}) <= 1:
            problem = _layout_problem(source)
            if problem:
                raise UserError(f"{source}: {problem}")
        for class_dir in empty:  # said only once the folder is known to be a dataset
            log.warning("%s: class folder holds no clips (no video file nor folder of frames); ignored", class_dir)
    if not clips:
        raise UserError(f"{source}: no clips found (expected one subfolder per class holding videos "
                        f"or folders of frames)")
    return clips


def _holds_clips(folder: Path) -> bool:
    """Whether ``folder`` directly holds clips (video files or frame folders)."""
    try:
        return any(not p.name.startswith(".") and (is_video_file(p) or is_frame_folder(p)) for p in folder.iterdir())
    except OSError:
        return False


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def _layout_problem(root: Path) -> str | None:
    """What a folder that yields at most one class looks like instead of a dataset, if it is clear.

    A class folder (it holds clips itself), or a folder of datasets (its subfolders hold class
    folders): both are common slips on the command line.
    """
    subfolders = _subfolders(root)
    videos = [p for p in root.iterdir() if is_video_file(p)] if root.is_dir() else []
    frame_folders = [p for p in subfolders if is_frame_folder(p)]
    if videos or (frame_folders and len(frame_folders) == len(subfolders)):
        kind = f"{len(videos)} video files" if videos else f"{len(frame_folders)} frame folders"
        return (f"looks like one class folder (it holds clips itself: {kind}); pass the dataset folder that "
                f"holds one subfolder per class, e.g. {root.resolve().parent}")
    datasets = [p for p in subfolders if any(_holds_clips(q) for q in _subfolders(p))]
    if datasets:
        names = ", ".join(str(p) for p in datasets[:4]) + (", ..." if len(datasets) > 4 else "")
        return (f"looks like a folder of datasets (its subfolders hold class folders); pass one dataset "
                f"folder: {names}")
    return None


def _discover_folder(root: Path) -> tuple[list[Clip], list[Path]]:
    """The clips of a folder-per-class dataset, and the class folders that hold none."""
    clips: list[Clip] = []
    empty: list[Path] = []
    try:
        class_dirs = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                            key=lambda p: p.name)
    except PermissionError:
        raise UserError(f"{root}: permission denied") from None
    for class_dir in class_dirs:
        try:
            entries = sorted(class_dir.iterdir(), key=lambda p: p.name)
        except PermissionError:
            raise UserError(f"{class_dir}: permission denied") from None
        found = 0
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if is_video_file(entry) or (entry.is_dir() and is_frame_folder(entry)):
                clip_id = f"{class_dir.name}/{entry.stem if entry.is_file() else entry.name}"
                clips.append(Clip(clip_id, entry, class_dir.name, clip_id))
                found += 1
        if not found:
            empty.append(class_dir)
    return _dedupe(clips), empty


def ignored_entries(source: str | Path) -> list[Path]:
    """What the class folders of a folder-per-class dataset hold besides clips (``notes.txt``,
    ``thumb.png``, a folder without frames), which :func:`discover` leaves out; hidden names aside."""
    source = Path(source)
    if not source.is_dir():
        return []
    ignored = []
    for class_dir in _subfolders(source):
        try:
            entries = sorted(class_dir.iterdir(), key=lambda p: p.name)
        except OSError:
            continue
        ignored += [entry for entry in entries if not entry.name.startswith(".")
                    and not is_video_file(entry) and not (entry.is_dir() and is_frame_folder(entry))]
    return ignored


def read_manifest(path: Path) -> list[Clip]:
    """Read a ``path,label[,group]`` CSV; relative paths are relative to the manifest's folder.

    A listed file that does not exist is kept: ``extract`` reports it with the other unreadable
    clips (and goes on, unless ``--strict``).
    """
    clips: list[Clip] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read manifest ({exc})") from None
    rows = list(csv.reader(text.splitlines()))
    if rows and [c.strip().lower() for c in rows[0][:2]] == ["path", "label"]:
        rows = rows[1:]
    for number, row in enumerate(rows, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise UserError(f"{path}: line {number}: expected 'path,label[,group]'")
        clip_path = Path(row[0].strip())
        if not clip_path.is_absolute():
            clip_path = path.parent / clip_path
        label = row[1].strip()
        # A missing file still gets the id it would have (its stem): ids must not change once it appears.
        looks_like_file = clip_path.is_file() or (not clip_path.exists() and clip_path.suffix != "")
        clip_id = f"{label}/{clip_path.stem if looks_like_file else clip_path.name}"
        group = row[2].strip() if len(row) > 2 and row[2].strip() else clip_id
        clips.append(Clip(clip_id, clip_path, label, group))
    return _dedupe(clips)


def _dedupe(clips: Iterable[Clip]) -> list[Clip]:
    """Sort by id and make ids unique (two files ``a.mp4`` and ``a.avi`` in one class).

    The first clip of an id keeps it; the next get ``~1``, ``~2``, ... skipping any suffix that is
    already the id of another clip (a file really named ``a~1.avi``), so that no two clips ever
    share an id and one silently replaces the other's features.
    """
    clips = sorted(clips, key=lambda c: (c.clip_id, str(c.path)))
    taken = {clip.clip_id for clip in clips}
    seen: set[str] = set()
    result = []
    for clip in clips:
        if clip.clip_id in seen:
            count = 1
            while f"{clip.clip_id}~{count}" in taken:
                count += 1
            new_id = f"{clip.clip_id}~{count}"
            taken.add(new_id)
            group = new_id if clip.group == clip.clip_id else clip.group
            clip = Clip(new_id, clip.path, clip.label, group)
        else:
            seen.add(clip.clip_id)
        result.append(clip)
    return result


def class_names(labels: Iterable[str]) -> list[str]:
    """Sorted unique class names."""
    return sorted(set(labels))


def check_trainable(labels: Sequence[str], source: object) -> None:
    """Refuse a dataset that cannot train a classifier (one class)."""
    classes = class_names(labels)
    if len(classes) < 2:
        raise UserError(f"{source}: needs at least two classes to train, found {len(classes)} "
                        f"({', '.join(classes) or 'none'})")


def make_folds(labels: Sequence[str], groups: Sequence[str] | None, n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified k-fold splits, or grouped stratified splits when clips share groups.

    Returns a list of ``(train_index, test_index)`` pairs.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    labels = np.asarray(labels)
    _, counts = np.unique(labels, return_counts=True)
    if counts.min() < n_folds:
        raise UserError(f"{n_folds}-fold cross-validation needs at least {n_folds} clips per class; "
                        f"the smallest class has {counts.min()}")
    index = np.arange(len(labels))
    if groups is not None and len(set(groups)) < len(groups):
        splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        return [(tr, te) for tr, te in splitter.split(index, labels, groups)]
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [(tr, te) for tr, te in splitter.split(index, labels)]
