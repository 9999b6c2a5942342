"""``spot``: find the actions in whole videos with a trained clip model.

Per video: decode once, streaming (:mod:`~soccer_lstm.spotting.stream`), run the classifier over the
whole video (:mod:`~soccer_lstm.spotting.sequence`: windows classified as clips, each decision at its
window's centre, by default), pick per-class peaks
(:mod:`~soccer_lstm.spotting.peaks`), then write the game's ``results_spotting.json`` (both halves
in one file, see :mod:`~soccer_lstm.spotting.plan`), the per-frame probabilities (``timeline.npz``),
the warnings about footage unlike the training clips (``warnings.json``) and, on request,
``timeline.png``.

Workers (local processes, or a Dask cluster's with ``scheduler``) only read the video and compute;
this process writes every file, atomically. So a worker lost mid-video leaves nothing behind: Dask
gives its video to another worker, and the files are those of a run on one machine.
"""
from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from soccer_lstm.config import ExtractConfig, SpotConfig, validate
from soccer_lstm.errors import ClipError, UserError
from soccer_lstm.parallel import effective_jobs, imap_unordered
from soccer_lstm.spotting.peaks import Peak, pick_peaks
from soccer_lstm.spotting.plan import Game, VideoJob, plan_games
from soccer_lstm.spotting.soccernet import PREDICTIONS_FILE, Event, write_predictions

log = logging.getLogger(__name__)

DEFAULT_FPS = 25.0        # a frame folder has no frame rate: assume broadcast video's
DEFAULT_WINDOW = 50       # frames per window when the model records no training-clip length
WARNINGS_FILE = "warnings.json"   # per game, beside results_spotting.json: what spot warned about each video


@dataclass
class VideoSpot:
    """What ``spot`` found in one video (``error`` set and nothing else when it could not be read)."""

    path: str
    game: str
    half: int
    events: list[Event] = field(default_factory=list)
    frames: int = 0
    seconds: float = 0.0
    elapsed: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    predictions: Path | None = None
    timeline: Path | None = None
    plot: Path | None = None
    peaks: list[Peak] = field(default_factory=list)
    data: Timeline | None = None      # the timeline, from the worker until this process has written it
    page: Path | None = None         # the game's index.html (spot --html), on its last video

    @property
    def speed(self) -> float:
        """Seconds of video per second of work (a multiple of real time)."""
        return self.seconds / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class Timeline:
    """Per-frame probabilities of one video and how they were made."""

    times: np.ndarray
    probabilities: np.ndarray
    fps: float
    frame_step: int
    window: int
    stride: int
    warnings: list[str]


def check_background(classes: Sequence[str], background: str, model_dir: object) -> None:
    """Refuse a model without the background class, saying how to train one."""
    if background not in classes:
        raise UserError(f"{model_dir}: the model has no '{background}' class (it knows {', '.join(classes)}); "
                        f"spotting needs one for the time between actions: cut clips with a background class "
                        f"(soccer-lstm clips GAMES -o DATASET), then train on it, or name the model's own with "
                        f"--background")


def window_frames(config: SpotConfig, profile: dict[str, Any] | None, fps: float, frame_step: int) -> tuple[int, int]:
    """Frames per window and between window starts (see :class:`~soccer_lstm.config.SpotConfig`)."""
    per_second = fps / frame_step
    if config.window > 0:
        window = max(1, round(config.window * per_second))
    else:
        longest = (profile or {}).get("n_frames", [0, 0])[1]
        window = max(1, int(longest)) if longest else DEFAULT_WINDOW
    stride = max(1, round(config.stride * per_second)) if config.stride > 0 else max(1, window // 4)
    return window, min(stride, window)


def spot_timeline(pipeline: Any, path: str | Path, config: SpotConfig, extract: ExtractConfig,
                  desc: str = "spot") -> Timeline:
    """Per-frame class probabilities of a whole video, decoded once and streamed.

    Raises
    ------
    ClipError
        When the video cannot be read at all; damage part-way ends the timeline there with a warning.
    """
    from soccer_lstm import progress
    from soccer_lstm.spotting.sequence import CarriedState, CentredWindows, SlidingWindows
    from soccer_lstm.spotting.stream import StreamInfo, stream_vectors

    info = StreamInfo()
    parts: list[np.ndarray] = []
    runner: Any = None
    bar = None
    window = stride = 0
    fps = DEFAULT_FPS
    try:
        for vectors in stream_vectors(path, pipeline, extract, info):
            if runner is None:
                fps = info.geometry.fps or DEFAULT_FPS
                window, stride = window_frames(config, pipeline.meta.get("profile"), fps, extract.frame_step)
                classifier, n_classes = pipeline.classifier, len(pipeline.classes)
                runner = {"centred": lambda: CentredWindows(classifier.predict_proba, n_classes, window, stride),
                          "windows": lambda: SlidingWindows(classifier.predict_steps, n_classes, window, stride),
                          "state": lambda: CarriedState(classifier)}[config.inference]()
                bar = progress.VideoProgress(info.geometry.n_announced / fps if fps else 0.0, desc)
            parts.append(runner.feed(vectors))
            bar.advance(len(vectors) * extract.frame_step / fps)
        parts.append(runner.finish())
    finally:
        if bar is not None:
            bar.close()
    warnings = [info.warning] if info.warning else []
    if not info.geometry.fps:
        warnings.append(f"no frame rate known (a frame folder?): assumed {DEFAULT_FPS:g} fps for the event times")
    warnings += footage_warnings(pipeline.meta.get("profile"), info.geometry, window, fps / extract.frame_step,
                                 info.descriptors / max(info.frames, 1))
    probabilities = np.concatenate(parts).astype(np.float32)
    times = np.arange(len(probabilities)) * extract.frame_step / fps
    return Timeline(times, probabilities, fps, extract.frame_step, window, stride, warnings)


def model_extract(pipeline: Any, overrides: dict[str, Any] | None) -> tuple[ExtractConfig, list[str]]:
    """The model's extract config with the user's ``overrides``, and a warning when the frame step changed."""
    extract = validate(replace(pipeline.extract, **(overrides or {})))
    notes = []
    if extract.frame_step != pipeline.extract.frame_step:
        notes.append(f"--frame-step {extract.frame_step} but the model was trained at frame step "
                     f"{pipeline.extract.frame_step}: its LSTM sees time at another pace")
    return extract, notes


def footage_warnings(profile: dict[str, Any] | None, geometry: Any, window: int, per_second: float,
                     keypoints_per_frame: float) -> list[str]:
    """Ways in which a video, as spotted, is far from the training clips (as ``predict`` warns per clip).

    The frame size, the frame rate and the keypoints per frame are compared with the training clips'
    range (:func:`~soccer_lstm.profile.unlike_training`); the length is the LSTM window's, the
    sequence length the model runs at, against the training clips' lengths in processed frames.
    """
    from soccer_lstm.profile import FAR, clip_stats, unlike_training

    if not profile:
        return []
    stats = clip_stats(geometry.as_dict(), 1, 0)
    stats["keypoints_per_frame"] = keypoints_per_frame
    warnings = unlike_training({k: v for k, v in profile.items() if k != "n_frames"}, stats)
    low, high = profile.get("n_frames", [0, 0])
    if low and (window > high * FAR or window < low / FAR):
        kind = "longer" if window > high else "shorter"
        span = f"{low:.0f}" if low == high else f"{low:.0f}-{high:.0f}"
        warnings.append(f"windows of {window} frames ({window / per_second:.1f} s), much {kind} "
                        f"than any training clip ({span} frames): see --window")
    return warnings


def _spot_video(pipeline: Any, job: VideoJob, config: SpotConfig, extract: ExtractConfig) -> VideoSpot:
    """One video's events and timeline, computed and returned (nothing written: see :func:`_write_video`)."""
    result = VideoSpot(str(job.path), job.game, job.half)
    started = time.perf_counter()
    try:
        timeline = spot_timeline(pipeline, job.path, config, extract, desc=f"spot {job.path.name}")
    except ClipError as exc:
        result.error = exc.problem
        return result
    result.elapsed = time.perf_counter() - started
    result.warnings += timeline.warnings
    result.frames = len(timeline.times)
    result.seconds = result.frames * timeline.frame_step / timeline.fps
    result.peaks = pick_peaks(timeline.probabilities, timeline.times, pipeline.classes, config.background,
                              config.nms, config.min_confidence)
    result.events = spot_events(result.peaks, job.half)
    result.data = timeline
    return result


def _write_video(result: VideoSpot, job: VideoJob, game: Game, out_dir: Path, config: SpotConfig,
                 classes: Sequence[str], plot: bool) -> None:
    """Write one spotted video's timeline (and plot) in this process; the data then leaves the result."""
    from soccer_lstm.spotting.timeline import plot_timeline, save_timeline

    timeline, result.data = result.data, None
    if timeline is None:
        return
    folder = out_dir / game.key
    result.timeline = folder / f"{job.timeline_name}.npz"
    save_timeline(result.timeline, timeline.times, timeline.probabilities, classes,
                  {"video": str(job.path), "half": job.half, "fps": timeline.fps, "frame_step": timeline.frame_step,
                   "inference": config.inference, "window": timeline.window, "stride": timeline.stride,
                   "warnings": result.warnings})
    if plot:
        result.plot = folder / f"{job.timeline_name}.png"
        notes = [a for a in game.annotations if a.half == job.half]
        plot_timeline(result.plot, timeline.times, timeline.probabilities, classes, result.peaks, notes,
                      config.background, title=f"{game.key}: half {job.half}" if job.in_game else job.path.name)


def _write_game(game: Game, results: list[VideoSpot], out_dir: Path) -> Path | None:
    """A finished game's ``results_spotting.json`` (SoccerNet's format, untouched) and ``warnings.json``."""
    from soccer_lstm.artifacts import write_json

    spotted = [r for r in results if r.error is None]
    if not spotted:
        return None
    folder = out_dir / game.key
    write_json(folder / WARNINGS_FILE, {"videos": [{"video": r.path, "half": r.half, "warnings": r.warnings}
                                                   for r in spotted]})
    predictions = folder / PREDICTIONS_FILE
    write_predictions(predictions, [e for r in spotted for e in r.events], game.url_local)
    return predictions


def run_spot(model_dir: str | Path, videos: Sequence[str | Path], out_dir: str | Path,
             config: SpotConfig = SpotConfig(), extract_overrides: dict[str, Any] | None = None,
             plot: bool = False, overwrite: bool = False, n_jobs: int = 1,
             scheduler: str | None = None) -> Iterator[VideoSpot]:
    """Spot the actions of ``videos`` with a model folder; yield each video's result as it is done.

    The model, the background class and every input (:func:`~soccer_lstm.spotting.plan.plan_games`)
    are checked before the first video is decoded. A game's ``results_spotting.json`` and
    ``warnings.json`` are written when its last video is done (``VideoSpot.predictions`` of that
    video says where); a video that cannot be read gets a result with an ``error`` and the others go on.

    Parameters
    ----------
    model_dir : path-like
        Model folder from ``train``; its classes must include ``config.background``.
    videos : sequence of path-like
        Video files, frame folders, or folders of games (see :mod:`soccer_lstm.spotting.plan`).
    out_dir : path-like
        Where the games' folders are written.
    config : SpotConfig
    extract_overrides : dict, optional
        Extract options that replace the model's own (``frame_step``, ``resize``, ...).
    plot : bool
        Also draw ``timeline.png`` per video.
    overwrite : bool
        Empty an ``OUT`` that holds predictions of another model first (the project's folder rule,
        docs/design.md "Output folders"; the same model's folder is added to and updated).
    n_jobs : int
        Videos spotted at once, one worker process each (``-1``: every core); the two halves of a
        game are two videos. Results then come in the order the videos finish.
    scheduler : str, optional
        A Dask scheduler's address: the videos are spread over its workers (which need read access
        to the model and the videos, by the same absolute paths) and ``n_jobs`` is not used. The
        files written are those of a local run.

    Raises
    ------
    UserError
        A missing or foreign model, a model without the background class, a bad input, an output
        folder that is a file, another stage's, or another model's predictions, or (``scheduler``)
        a cluster that cannot be reached or runs other versions.
    """
    from soccer_lstm.stages.predict import load_model

    config = validate(config)
    pipeline = load_model(model_dir)
    if config.inference != "centred":
        pipeline.check_per_frame(model_dir, f"--inference {config.inference}")
    check_background(pipeline.classes, config.background, model_dir)
    extract, notes = model_extract(pipeline, extract_overrides)
    games = plan_games(videos)
    from soccer_lstm.ownership import claim_folder, folder_ref

    out_dir = Path(out_dir)
    claim_folder(out_dir, "spot", {"model": folder_ref(model_dir)}, overwrite)
    jobs = [(game, job) for game in games for job in game.videos]
    if scheduler or (effective_jobs(n_jobs) > 1 and len(jobs) > 1):
        # Videos in parallel, one process each (the per-video progress bars would interleave: each
        # video's line comes when it is done). Each worker loads the model once, by absolute path.
        tasks = [(i, (str(Path(model_dir).resolve()), replace(job, path=job.path.resolve()), config, extract))
                 for i, (_, job) in enumerate(jobs)]
        results: Iterable[tuple[int, VideoSpot]] = imap_unordered(_spot_task, tasks, n_jobs, scheduler)
    else:
        results = ((i, _spot_video(pipeline, job, config, extract)) for i, (_, job) in enumerate(jobs))
    left = {game.key: len(game.videos) for game in games}
    done: dict[str, list[tuple[int, VideoSpot]]] = {game.key: [] for game in games}
    with contextlib.closing(iter(results)) as stream:
        for index, result in stream:
            game, job = jobs[index]
            result.path = str(job.path)     # as given (a worker read it by its absolute path)
            result.warnings = notes + result.warnings
            _write_video(result, job, game, out_dir, config, pipeline.classes, plot)
            done[game.key].append((index, result))
            left[game.key] -= 1
            if not left[game.key]:
                finished = [r for _, r in sorted(done[game.key], key=lambda p: p[0])]
                result.predictions = _write_game(game, finished, out_dir)
                spotted = [r for r in finished if r.error is None]
                if config.html and spotted:
                    from soccer_lstm.spotting.page import write_game_page

                    result.page = write_game_page(out_dir / game.key, [r.timeline for r in spotted],
                                                  [e for r in spotted for e in r.events], game.annotations,
                                                  config.background)
            yield result


# Models loaded in this process, by folder: a worker of ``run_spot(n_jobs=...)`` loads each once.
_MODELS: dict[str, Any] = {}


def _spot_task(item: tuple[int, tuple[Any, ...]]) -> tuple[int, VideoSpot]:
    """One video of ``run_spot`` in a worker process (local or Dask): ``(index, result)``."""
    from soccer_lstm import progress
    from soccer_lstm.stages.predict import load_model

    index, (model_dir, *task) = item
    progress.set_enabled(False)
    if model_dir not in _MODELS:
        _MODELS[model_dir] = load_model(model_dir)
    return index, _spot_video(_MODELS[model_dir], *task)


def spot_events(peaks: Sequence[Peak], half: int = 1) -> list[Event]:
    """SoccerNet events (milliseconds, the given half) of spotted peaks."""
    return [Event(half, int(round(p.seconds * 1000)), p.label, p.confidence) for p in peaks]
