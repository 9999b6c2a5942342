"""Synthetic whole games in SoccerNet's layout: ``DIR/<game>/<half>_<height>p.mp4`` and ``Labels-v2.json``.

Each game is rendered half by half with :mod:`soccer_lstm.synth.game` (open play with the four
actions of the built-in set at random times) and streamed frame by frame into an MPEG-4 video
(``mp4v`` in an MP4, through OpenCV's FFmpeg writer: about 0.3 MB per second of 398x224 video, a
third of MJPG's size, and faster to write) at a steady frame rate, so memory stays flat however long
the game. The video is written under a temporary name and renamed when complete; the annotations are
written atomically, last, so a game folder with a ``Labels-v2.json`` is a finished game.

An annotation's ``position`` is the action's instant (the kick, the shot, the release of the throw) in
milliseconds from the start of its half; ``team`` is ``"not applicable"`` and ``visibility``
``"visible"``.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import cv2
import numpy as np

from soccer_lstm import progress
from soccer_lstm.errors import UserError
from soccer_lstm.spotting.soccernet import LABELS_FILE, Event, write_labels
from soccer_lstm.synth.game import GAP_S, game_look, game_seed, plan_half
from soccer_lstm.synth.render import write_frames

GAME_SUFFIX = ".mp4"
GAME_FOURCC = "mp4v"             # MPEG-4 part 2: in every OpenCV build with FFmpeg, read back by all of them
DEFAULT_SIZE = (398, 224)        # SoccerNet's low-resolution videos are 224 pixels high
MIN_FPS = 3


@dataclass(frozen=True)
class RenderedGame:
    """One game written to disk."""

    folder: Path
    videos: list[Path]
    events: list[Event]
    frames: int
    seconds: float               # wall-clock time the rendering took

    @property
    def frames_per_second(self) -> float:
        """Frames rendered and written per second of wall-clock time."""
        return self.frames / self.seconds if self.seconds > 0 else float("inf")


def game_name(index: int) -> str:
    """The folder name of game ``index``: ``game_000``, ``game_001``, ..."""
    return f"game_{index:03d}"


def video_name(half: int, height: int) -> str:
    """SoccerNet's name of a half's video: ``1_224p.mp4``."""
    return f"{half}_{height}p{GAME_SUFFIX}"


def write_game_video(path: str | os.PathLike, frames: Iterable[np.ndarray], fps: int) -> Path:
    """Write ``frames`` (uint8 BGR, one at a time) as an ``mp4v`` MP4 at ``path``, atomically
    (:func:`~soccer_lstm.synth.render.write_frames`: a long half never sits in memory and a killed run
    leaves no half-written video)."""
    return write_frames(path, frames, fps, GAME_FOURCC, cv2.CAP_FFMPEG)


def render_games(out_dir: str | os.PathLike, games: int = 1, minutes: float = 5.0, seed: int = 0,
                 size: tuple[int, int] = DEFAULT_SIZE, fps: int = 25, halves: int = 1,
                 gap: tuple[float, float] = GAP_S) -> list[RenderedGame]:
    """Render ``games`` whole games into ``out_dir/game_<nnn>/``.

    Parameters
    ----------
    out_dir : path-like
        Destination; a game folder of the same name is overwritten (the same arguments give the
        same files).
    games : int
        Number of games.
    minutes : float
        Length of each half in minutes.
    seed : int
        Seed of the set; game ``g`` uses :func:`~soccer_lstm.synth.game.game_seed` ``(seed, g)``.
    size : (width, height)
        Frame size.
    fps : int
        Frame rate, a whole number (the AVI header holds whole frame rates).
    halves : int
        Halves per game (1 or 2), each its own video.
    gap : (min, max)
        Seconds of open play between two actions (default 15-50; denser games give more training
        clips per minute rendered).

    Returns
    -------
    list of RenderedGame
    """
    if games < 1:
        raise UserError(f"--games must be at least 1, got {games}")
    if halves not in (1, 2):
        raise UserError(f"--halves must be 1 or 2, got {halves}")
    if not fps >= MIN_FPS or not float(fps).is_integer():
        # An action's shot (3-5 s) needs at least 8 frames to be scripted.
        raise UserError(f"--fps: games need a whole number of at least {MIN_FPS} frames per second, got {fps}")
    out_dir = Path(out_dir)
    rendered = []
    for index in range(games):
        rendered.append(render_game(out_dir / game_name(index), game_seed(seed, index), minutes, size, int(fps),
                                    halves, gap))
    return rendered


def render_game(folder: Path, seed: int, minutes: float, size: tuple[int, int], fps: int,
                halves: int, gap: tuple[float, float] = GAP_S) -> RenderedGame:
    """Render one game (``halves`` videos, then its ``Labels-v2.json``) into ``folder``."""
    start = time.perf_counter()
    look = game_look(seed)
    videos, events, frames = [], [], 0
    labels = folder / LABELS_FILE
    if labels.exists():          # a game being replaced is unfinished until its new labels are written
        labels.unlink()
    for half in range(1, halves + 1):
        plan = plan_half(seed, half, minutes, size, fps, look, gap)
        path = folder / video_name(half, int(size[1]))
        stream = progress.bar(plan.frames(), total=plan.n_frames, desc=f"{folder.name} half {half}", unit="frame")
        videos.append(write_game_video(path, stream, fps))
        frames += plan.n_frames
        events += [Event(half=half, position_ms=int(round(action.seconds * 1000)), label=action.label)
                   for action in plan.actions]
    write_labels(labels, events, url_local=f"{folder.name}/")
    return RenderedGame(folder, videos, events, frames, time.perf_counter() - start)
