"""Which videos ``spot`` reads, and where each one's events go: one predictions file per game.

SoccerNet keeps a game in a folder, one video per half (``1_224p.mkv``, ``2_224p.mkv``) and its
annotations in ``Labels-v2.json``; its evaluation reads one ``results_spotting.json`` per game,
both halves in it, at ``PREDICTIONS/<game>/``. So:

- a video named ``<half>_*`` or lying beside a ``Labels-v2.json`` belongs to the game of its folder:
  its events go to ``OUT/<game folder name>/results_spotting.json`` with the other half's, and its
  timeline to ``OUT/<game>/timeline_<half>.npz``;
- a folder given instead of a video is a root of games: every such video below it is spotted and
  its game is the folder's path relative to that root (``league/season/game``), as the evaluation
  expects when given the same root;
- any other video is a game of its own, half 1: ``OUT/<video stem>/results_spotting.json`` and
  ``timeline.npz``.

Everything is checked before the first frame is decoded: a missing video, a ``Labels-v2.json`` that
does not parse, two videos of one half of a game, or two videos with one output folder.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from soccer_lstm.errors import UserError
from soccer_lstm.spotting.soccernet import LABELS_FILE, Event, half_number, half_of_video, read_labels


@dataclass
class VideoJob:
    """One video to spot: where it is, its game (output folder, relative to OUT) and half."""

    path: Path
    game: str
    half: int
    in_game: bool      # part of a game folder (halves merged, timelines named by half)

    @property
    def timeline_name(self) -> str:
        return f"timeline_{self.half}" if self.in_game else "timeline"


@dataclass
class Game:
    """A game's videos (in half order), its annotations and the ``UrlLocal`` written with its predictions."""

    key: str
    videos: list[VideoJob] = field(default_factory=list)
    annotations: list[Event] = field(default_factory=list)
    url_local: str = ""


def _game_video(path: Path) -> bool:
    return half_number(path) is not None or (path.parent / LABELS_FILE).is_file()


def _videos_under(root: Path) -> list[Path]:
    from soccer_lstm.dataset import VIDEO_EXTENSIONS

    found = sorted(p for p in root.rglob("*") if p.suffix.lower() in VIDEO_EXTENSIONS and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(root).parts) and _game_video(p))
    if not found:
        raise UserError(f"{root}: holds no game videos (named like 1_224p.mkv, or beside a {LABELS_FILE})")
    return found


def _job(path: Path, root: Path | None) -> VideoJob:
    if root is not None:
        relative = path.parent.relative_to(root).as_posix()
        return VideoJob(path, relative if relative != "." else root.resolve().name, half_of_video(path), True)
    if _game_video(path):
        return VideoJob(path, path.resolve().parent.name, half_of_video(path), True)
    return VideoJob(path, path.stem, 1, False)


def plan_games(videos: Sequence[str | Path]) -> list[Game]:
    """The games of the ``VIDEO...`` arguments, in the order given, every input checked.

    Raises
    ------
    UserError
        Naming the first video that is missing, a ``Labels-v2.json`` that does not parse, two videos
        of the same half of a game, or two games that would write to one folder.
    """
    if not videos:
        raise UserError("give at least one video (or a folder of games)")
    jobs: list[VideoJob] = []
    for given in videos:
        path = Path(given)
        if not path.exists():
            raise UserError(f"{path}: no such video")
        if path.is_dir():
            from soccer_lstm.dataset import is_frame_folder

            jobs += [_job(p, path) for p in _videos_under(path)] if not is_frame_folder(path) else [_job(path, None)]
        else:
            jobs.append(_job(path, None))
    games: dict[str, Game] = {}
    sources: dict[str, Path] = {}
    for job in jobs:
        game = games.setdefault(job.game, Game(job.game))
        source = job.path.resolve().parent if job.in_game else job.path.resolve()
        if sources.setdefault(job.game, source) != source:
            raise UserError(f"{job.path}: would write to the same output folder '{job.game}' as {sources[job.game]}; "
                            f"spot them in two runs or rename one")
        clash = [v for v in game.videos if v.half == job.half]
        if clash:
            if clash[0].path.resolve() == job.path.resolve():
                continue
            raise UserError(f"{job.path}: game '{job.game}' already has a video of half {job.half} "
                            f"({clash[0].path}); give one video per half")
        game.videos.append(job)
    for game in games.values():
        game.videos.sort(key=lambda v: v.half)
        labels = game.videos[0].path.parent / LABELS_FILE
        if game.videos[0].in_game and labels.is_file():
            game.url_local, game.annotations = read_labels(labels)
        game.url_local = game.url_local or game.key
    return list(games.values())
