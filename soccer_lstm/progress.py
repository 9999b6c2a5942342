"""Progress on stderr: a live bar on a terminal, occasional plain lines in a log (off with ``-q``).

Off in the library: used from Python (``cross_val_score`` on an ``LSTMClassifier``, ``load_sequences``)
nothing is written to stderr. The command line turns it on for the length of a command
(:func:`set_enabled`); an estimator asks for its own epoch progress with ``verbose=1``.

When stderr is not a terminal (``make`` output piped to a file, CI), a bar would write carriage
returns and escape codes into the log; there, progress is written as plain lines instead, about one
per tenth of the work, and no line is ever rewritten.
"""
from __future__ import annotations

import contextlib
import sys
from typing import Any, Iterable, Iterator, Mapping, TypeVar

T = TypeVar("T")
_enabled = False  # the command line turns it on (soccer_lstm/cli.py); a library stays quiet
_epoch_lines = True  # plain epoch lines in logs; off inside cross-validation (one line per fold there)
PLAIN_STEPS = 10  # plain lines per loop when stderr is not a terminal


def set_enabled(enabled: bool) -> None:
    """Turn progress bars on or off for this process."""
    global _enabled
    _enabled = enabled


@contextlib.contextmanager
def without_epoch_lines() -> Iterator[None]:
    """In a log, leave out the per-epoch lines of the trainings inside this block (a bar on a
    terminal is kept: it disappears when done)."""
    global _epoch_lines
    saved, _epoch_lines = _epoch_lines, False
    try:
        yield
    finally:
        _epoch_lines = saved


def tqdm(*args: Any, **kwargs: Any) -> Any:
    """A tqdm bar; tqdm is imported when the first bar is drawn (on a terminal), not at start-up."""
    from tqdm import tqdm as new_bar

    return new_bar(*args, **kwargs)


def enabled() -> bool:
    return _enabled


def is_terminal() -> bool:
    """Whether stderr is a terminal (a live bar) or a file or pipe (plain lines)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _write(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _due(done: int, total: int | None) -> bool:
    """Whether a plain line is due after ``done`` items: about every tenth of ``total``, and the last."""
    if not total:
        return done % 10 == 0
    step = max(1, -(-total // PLAIN_STEPS))
    return done == total or done % step == 0


def bar(iterable: Iterable[T], total: int | None = None, desc: str = "", unit: str = "clip") -> Iterator[T]:
    """Wrap ``iterable`` in a progress bar (terminal) or occasional plain lines (log) when enabled."""
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    if not _enabled:
        return iter(iterable)
    if is_terminal():
        return iter(tqdm(iterable, total=total, desc=desc, unit=unit, dynamic_ncols=True, leave=False))
    return _plain(iterable, total, desc, unit)


_plain_loops = 0  # plain-line loops running now: only the outermost one writes


def _plain(iterable: Iterable[T], total: int | None, desc: str, unit: str) -> Iterator[T]:
    """Plain lines for the outermost loop only: a loop inside another (each fold's encoding inside
    evaluate's loop over folds) would fill a log with lines before the first result."""
    global _plain_loops
    outermost = _plain_loops == 0
    _plain_loops += 1
    try:
        done = 0
        for item in iterable:
            yield item
            done += 1
            if outermost and _due(done, total):
                _write(f"{desc}: {done}/{total} {unit}s" if total else f"{desc}: {done} {unit}s")
    finally:
        _plain_loops -= 1


class EpochProgress:
    """Progress over training epochs with the latest figures (train loss, val loss, val accuracy).

    On a terminal a bar whose postfix carries the figures; in a log a plain line about every tenth
    of the maximum number of epochs, and one for the last epoch run.
    """

    def __init__(self, total: int, desc: str = "train", verbose: int = 0) -> None:
        self.total, self.desc, self.done = total, desc, 0
        self._last_line = ""
        self._shown = _enabled or verbose > 0  # the command line's progress, or an estimator's verbose
        self._bar = (tqdm(total=total, desc=desc, unit="epoch", dynamic_ncols=True, leave=False)
                     if self._shown and is_terminal() else None)

    @staticmethod
    def figures(logs: Mapping[str, Any]) -> str:
        names = (("loss", "loss"), ("val_loss", "val loss"), ("val_accuracy", "val clip accuracy"))
        return ", ".join(f"{label} {float(logs[key]):.3g}" for key, label in names if logs.get(key) is not None)

    def update(self, epoch: int, logs: Mapping[str, Any]) -> None:
        """Report that epoch ``epoch`` (1-based) finished with ``logs``."""
        self.done = epoch
        text = self.figures(logs)
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(text, refresh=True)
        elif self._shown and _epoch_lines:
            line = f"{self.desc}: epoch {epoch}/{self.total}: {text}"
            if _due(epoch, self.total) or epoch == 1:
                _write(line)
                self._last_line = ""
            else:
                self._last_line = line

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._last_line:  # early stopping ended between two plain lines: say where it stopped
            _write(self._last_line)
            self._last_line = ""


class VideoProgress:
    """Progress through a video in video time: a bar in seconds of video with its rate (video seconds per
    second, i.e. a multiple of real time) and an ETA; in a log, a plain line about every tenth.

    ``total`` is the video's length in seconds when the container announces it (0: unknown).
    """

    def __init__(self, total: float, desc: str) -> None:
        self.total, self.desc, self.done, self._next_line = float(total), desc, 0.0, 1
        self._bar = (tqdm(total=round(self.total, 1) or None, desc=desc, unit="s", unit_scale=False,
                          dynamic_ncols=True, leave=False, bar_format="{l_bar}{bar}| {n:.0f}/{total_fmt} s of video "
                          "[{elapsed}<{remaining}, {rate_fmt}]") if _enabled and is_terminal() else None)

    def advance(self, seconds: float) -> None:
        """``seconds`` more of the video are done."""
        self.done += seconds
        if self._bar is not None:
            self._bar.update(seconds)
        elif _enabled and self.total > 0 and self.done >= self._next_line * self.total / PLAIN_STEPS:
            _write(f"{self.desc}: {self.done:.0f}/{self.total:.0f} s of video")
            self._next_line = int(self.done * PLAIN_STEPS / self.total) + 1

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
