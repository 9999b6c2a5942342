"""Finding annotated games on disk: folders holding ``Labels-v2.json`` and one video per half.

A game is any folder under the given root that holds ``Labels-v2.json`` (SoccerNet nests them as
``league/season/game/``; ours are ``game_<nnn>/``). Its name is its path relative to the root, the
same name its predictions folder has. Its half videos are the files ``<half>_<anything>.<video
extension>`` beside the labels (``1_224p.mkv``, ``2_720p.mp4``); when a half has several (224p and
720p), the smallest resolution is used.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from soccer_lstm.dataset import VIDEO_EXTENSIONS
from soccer_lstm.errors import UserError
from soccer_lstm.spotting.soccernet import LABELS_FILE, PREDICTIONS_FILE, half_number

_RESOLUTION = re.compile(r"(\d+)p")


@dataclass(frozen=True)
class GameFolder:
    """One annotated game.

    Attributes
    ----------
    name : str
        Path of the folder relative to the root, with ``/`` (``"."`` when the root is the game).
    folder : pathlib.Path
    labels : pathlib.Path
        Its ``Labels-v2.json``.
    videos : dict of int to pathlib.Path
        The video of each half found (may be empty).
    """

    name: str
    folder: Path
    labels: Path
    videos: dict[int, Path] = field(default_factory=dict)

    def predictions(self, root: str | Path) -> Path:
        """Where this game's ``results_spotting.json`` lives under a predictions folder ``root``."""
        return Path(root) / self.name / PREDICTIONS_FILE


def _resolution(path: Path) -> int:
    match = _RESOLUTION.search(path.stem)
    return int(match.group(1)) if match else 1 << 30


def half_videos(folder: Path) -> dict[int, Path]:
    """The video of each half in ``folder`` (the lowest resolution where there are several)."""
    found: dict[int, list[Path]] = {}
    for path in folder.iterdir():
        half = half_number(path)
        if half is not None and path.is_file() and path.suffix.lower() in VIDEO_EXTENSIONS:
            found.setdefault(half, []).append(path)
    return {half: min(paths, key=lambda p: (_resolution(p), p.name)) for half, paths in sorted(found.items())}


def find_games(root: str | Path) -> list[GameFolder]:
    """Every annotated game under ``root``, sorted by name.

    Raises
    ------
    UserError
        When ``root`` is not a folder or holds no ``Labels-v2.json``.
    """
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root}: not a folder of games")
    games = []
    for labels in sorted(root.rglob(LABELS_FILE)):
        if not labels.is_file():
            continue
        folder = labels.parent
        games.append(GameFolder(folder.relative_to(root).as_posix(), folder, labels, half_videos(folder)))
    if not games:
        raise UserError(f"{root}: no game found (no {LABELS_FILE} in it or its subfolders)")
    return sorted(games, key=lambda g: g.name)
