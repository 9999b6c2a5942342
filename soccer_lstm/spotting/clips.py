"""Training clips cut from annotated games: a folder-per-class dataset with a ``background`` class.

For every annotation of a game (ours from ``synth --games`` or a user's SoccerNet games) a clip of
``window`` seconds centred on the action's instant is cut from its half's video; for every game,
``background`` clips are cut where nothing is annotated. The result is an ordinary dataset,
``DATASET/<label>/<game>_<half>_<ms>.avi``, that ``extract``, ``encode``, ``train`` and ``evaluate``
read unchanged, plus ``DATASET/manifest.csv`` (``path,label,group``, the game as the group) for
cross-validation that keeps each game's clips on one side of every split.

Why centred, 2 s by default: the built-in training clips are 1.6-2.4 s long with the action's
instant in their middle third to half, so a centred 2 s window shows the same thing (the run-up, the
kick or throw, the ball leaving and the camera following it); and a spotter that slides a window
over a game can put each window's score at its centre.

Clips are written as MJPG at JPEG quality 95 (OpenCV's encoder, repeatable byte for byte): near
lossless next to the broadcast compression already in the frames. A background clip lies at least a
window away from every annotation of its half (of any label, kept or not): its centre is at least
1.5 windows from each instant. Everything is a function of the inputs and ``seed``.
"""
from __future__ import annotations

import csv
import io
import logging
import os
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from soccer_lstm import progress
from soccer_lstm.artifacts import atomic_write
from soccer_lstm.errors import UserError
from soccer_lstm.ownership import claim_folder, folder_ref
from soccer_lstm.spotting.layout import GameFolder, find_games
from soccer_lstm.spotting.metric import BACKGROUND
from soccer_lstm.spotting.soccernet import Event, read_labels
from soccer_lstm.synth.render import VIDEO_SUFFIX, write_clip

log = logging.getLogger(__name__)

CLIP_QUALITY = 95
MANIFEST = "manifest.csv"
BACKGROUND_TRIES = 2000


@dataclass(frozen=True)
class ClipJob:
    """One clip to cut: frames ``[first, first + n_frames)`` of a half's video into ``path``."""

    label: str
    first: int
    n_frames: int
    path: Path
    game: str


@dataclass
class ClipsResult:
    """What ``clips`` wrote: clips per class, the games skipped and the actions left out."""

    out_dir: Path
    counts: Counter = field(default_factory=Counter)
    games: int = 0
    skipped_games: list[str] = field(default_factory=list)
    skipped_actions: int = 0


def _safe(name: str) -> str:
    """A file-name part from a game or label name: path separators and odd characters replaced."""
    cleaned = "".join(c if c.isalnum() or c in "-+.,()' " else "_" for c in name.replace("/", "__"))
    return cleaned.strip() or "_"


def _game_rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(name.encode("utf-8"))])


def _video_info(path: Path) -> tuple[float, int]:
    """Frame rate and frame count of a video (UserError when it cannot be opened)."""
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise UserError(f"{path}: cannot be opened as a video")
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    finally:
        capture.release()
    if fps <= 0 or count <= 0:
        raise UserError(f"{path}: no frame rate or frame count in the file")
    return fps, count


def _window(centre_s: float, window_s: float, fps: float, count: int) -> tuple[int, int] | None:
    """First frame and length of a clip centred on ``centre_s``, moved inside the video at its edges."""
    n = max(2, int(round(window_s * fps)))
    if n > count:
        return None
    first = int(round((centre_s - window_s / 2) * fps))
    return min(max(first, 0), count - n), n


def plan_game(game: GameFolder, events: list[Event], out_dir: Path, window: float, background: int | None,
              classes: set[str] | None, seed: int) -> tuple[dict[int, list[ClipJob]], int]:
    """The clips of one game, per half; and the number of actions left out."""
    rng = _game_rng(seed, game.name)
    jobs: dict[int, list[ClipJob]] = {}
    kept = [e for e in events if e.label != BACKGROUND and (classes is None or e.label in classes)]
    left_out = 0
    infos = {}
    for half in sorted({e.half for e in events} | set(game.videos)):
        if half not in game.videos:
            missing = [e for e in kept if e.half == half]
            if missing:
                log.warning("%s: no video of half %d; its %d actions are left out", game.folder, half, len(missing))
                left_out += len(missing)
            continue
        infos[half] = _video_info(game.videos[half])
    for event in kept:
        if event.half not in infos:
            continue
        fps, count = infos[event.half]
        span = _window(event.seconds, window, fps, count) if event.seconds * fps < count else None
        if span is None:
            log.warning("%s: %s at %s is beyond the end of %s (or the video is shorter than the window); "
                        "left out", game.labels, event.label, event.game_time, game.videos[event.half].name)
            left_out += 1
            continue
        path = out_dir / _safe(event.label) / f"{_safe(game.name)}_{event.half}_{event.position_ms}{VIDEO_SUFFIX}"
        if any(job.path == path for job in jobs.get(event.half, [])):
            continue                # the same action annotated twice
        jobs.setdefault(event.half, []).append(ClipJob(event.label, span[0], span[1], path, game.name))
    if background is None:     # about as many as one class has in this game
        per_class = Counter(j.label for half in jobs.values() for j in half)
        background = max(1, int(round(sum(per_class.values()) / max(1, len(per_class)))))
    halves = sorted(infos)
    for _ in range(background if halves else 0):
        for _try in range(BACKGROUND_TRIES):
            half = halves[int(rng.integers(len(halves)))]
            fps, count = infos[half]
            duration = count / fps
            if duration < window:
                continue
            centre = float(rng.uniform(window / 2, duration - window / 2))
            taken = [e.seconds for e in events if e.half == half] + \
                    [(j.first + j.n_frames / 2) / fps for j in jobs.get(half, []) if j.label == BACKGROUND]
            if all(abs(centre - t) >= 1.5 * window for t in taken):
                span = _window(centre, window, fps, count)
                ms = int(round(centre * 1000))
                path = out_dir / BACKGROUND / f"{_safe(game.name)}_{half}_{ms}{VIDEO_SUFFIX}"
                jobs.setdefault(half, []).append(ClipJob(BACKGROUND, span[0], span[1], path, game.name))
                break
        else:
            log.warning("%s: no room for more background clips away from the actions", game.folder)
            break
    return jobs, left_out


def cut_half(video: Path, jobs: Sequence[ClipJob], quality: int = CLIP_QUALITY) -> list[Path]:
    """Cut every clip of ``jobs`` from ``video`` in one pass (frames between clips are skipped undecoded)."""
    if not jobs:
        return []
    fps, _ = _video_info(video)
    pending = sorted(jobs, key=lambda j: (j.first, str(j.path)))
    last = max(j.first + j.n_frames for j in pending)
    capture = cv2.VideoCapture(str(video))
    active: dict[int, list[np.ndarray]] = {}
    written: list[Path] = []
    try:
        nxt = 0
        for index in range(last):
            if not capture.grab():
                break
            while nxt < len(pending) and pending[nxt].first == index:
                active[nxt] = []
                nxt += 1
            if not active:
                continue
            ok, frame = capture.retrieve()
            if not ok:
                break
            for k in list(active):
                active[k].append(frame)
                if len(active[k]) == pending[k].n_frames:
                    written.append(write_clip(pending[k].path, active.pop(k), fps, quality))
    finally:
        capture.release()
    for k, frames in active.items():        # the video ended early: keep what there is, if anything
        if frames:
            written.append(write_clip(pending[k].path, frames, fps, quality))
    return written


def cut_clips(games_root: str | os.PathLike, out_dir: str | os.PathLike, window: float = 2.0,
              background_per_game: int | None = None, classes: Sequence[str] | None = None, seed: int = 0,
              overwrite: bool = False) -> ClipsResult:
    """Cut a folder-per-class training set from the annotated games under ``games_root``.

    Parameters
    ----------
    games_root : path-like
        Folder of games: any subfolder holding ``Labels-v2.json`` and ``<half>_*.<video>`` files.
    out_dir : path-like
        The dataset to write: ``<label>/<game>_<half>_<ms>.avi`` and ``manifest.csv``.
    window : float
        Clip length in seconds, centred on the action's instant.
    background_per_game : int, optional
        Background clips per game (default: as many as one class has in that game on average).
    classes : sequence of str, optional
        Keep only these labels (the background class is always made).
    seed : int
        Where background clips fall.
    overwrite : bool
        Replace a dataset this command made from other games.

    Returns
    -------
    ClipsResult
    """
    if not window > 0:
        raise UserError(f"--clip-seconds must be more than 0 seconds, got {window}")
    if background_per_game is not None and background_per_game < 0:
        raise UserError(f"--background-per-game must be 0 or more, got {background_per_game}")
    games = find_games(games_root)
    out_dir = Path(out_dir)
    claim_folder(out_dir, "clips", {"games": folder_ref(games_root)}, overwrite=overwrite)
    wanted = set(classes) if classes is not None else None
    result = ClipsResult(out_dir, games=len(games))
    rows: list[tuple[str, str, str]] = []
    labelled: set[str] = set()
    for game in progress.bar(games, desc="clips", unit="game"):
        _, events = read_labels(game.labels)
        labelled |= {e.label for e in events}
        if not game.videos:
            log.warning("%s: no video (<half>_*.mkv/.mp4/.avi/...) beside %s; game skipped", game.folder,
                        game.labels.name)
            result.skipped_games.append(game.name)
            continue
        jobs, left_out = plan_game(game, events, out_dir, float(window), background_per_game, wanted, seed)
        result.skipped_actions += left_out
        for half, half_jobs in sorted(jobs.items()):
            written = set(cut_half(game.videos[half], half_jobs))
            for job in half_jobs:
                if job.path in written:
                    result.counts[job.label] += 1
                    rows.append((job.path.relative_to(out_dir).as_posix(), job.path.parent.name, job.game))
    if wanted is not None and wanted - labelled:
        log.warning("--classes: no annotation of %s in %s", ", ".join(sorted(wanted - labelled)), games_root)
    _remove_stale(out_dir, {out_dir / row[0] for row in rows})
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([("path", "label", "group"), *sorted(rows)])
    with atomic_write(out_dir / MANIFEST, "w") as handle:
        handle.write(buffer.getvalue())
    return result


def _remove_stale(out_dir: Path, keep: set[Path]) -> None:
    """Remove clips an earlier run left that this run did not write (other options, other games)."""
    for path in out_dir.glob(f"*/*{VIDEO_SUFFIX}"):
        if path not in keep and not path.name.startswith("."):
            path.unlink()
    for folder in out_dir.iterdir():
        if folder.is_dir() and not folder.name.startswith(".") and not any(folder.iterdir()):
            folder.rmdir()
