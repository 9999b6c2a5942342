"""The LSTM over a whole video, fed block by block: overlapping windows, or one run with its state carried.

The model was trained on clips of a few seconds. Over a 45-minute half it can run two ways:

- :class:`SlidingWindows` (``--inference windows``): windows of ``window`` frames every ``stride``
  frames, each started from a zero state as in training; a frame's probabilities are the mean over
  the windows that hold it. The last window ends at the video's last frame, so a video shorter than
  one window is one (shorter) window. Costs ``window / stride`` forward passes per frame.
- :class:`CarriedState` (``--inference state``): one pass over the whole video, the LSTM's state
  carried from block to block (the model's own NumPy forward pass,
  :class:`~soccer_lstm.models.forward.NumpyNetwork`, continued from block to block). One pass
  per frame, but the state runs for hours, far beyond the clip lengths it was trained on.

Which is better was measured on a generated long video with known action times (docs/design.md,
"Spotting"): windows are the default. Both hold at most a window (or a block) of vectors: memory
does not grow with the video's length.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

PredictSteps = Callable[[Sequence[np.ndarray]], Sequence[np.ndarray]]


class SlidingWindows:
    """Per-frame probabilities from overlapping windows, averaged; fed blocks of vectors in order.

    Parameters
    ----------
    predict_steps : callable
        List of ``(T, D)`` arrays -> list of ``(T, C)`` per-frame probabilities
        (:meth:`LSTMClassifier.predict_steps`).
    n_classes : int
    window, stride : int
        Frames per window and between window starts (``1 <= stride``).
    """

    def __init__(self, predict_steps: PredictSteps, n_classes: int, window: int, stride: int) -> None:
        self.predict_steps = predict_steps
        self.n_classes = n_classes
        self.window = max(1, int(window))
        self.stride = max(1, min(int(stride), self.window))
        self._buffer = np.zeros((0, 0), np.float32)   # vectors of frames [_buffer_start, _received)
        self._buffer_start = 0
        self._received = 0
        self._next_start = 0                           # next window to run
        self._covered = 0                              # end of the last window run
        self._emitted = 0                              # frames [.., _emitted) returned
        self._sums = np.zeros((0, n_classes))          # frames [_emitted, _received)
        self._counts = np.zeros(0)

    def _frames(self, start: int, stop: int) -> np.ndarray:
        return self._buffer[start - self._buffer_start:stop - self._buffer_start]

    def _run(self, starts: list[int], stop_of: Callable[[int], int]) -> None:
        if not starts:
            return
        self._covered = max(self._covered, stop_of(starts[-1]))
        windows = [self._frames(s, stop_of(s)) for s in starts]
        for s, probabilities in zip(starts, self.predict_steps(windows)):
            lo = max(s, self._emitted)
            rows = np.asarray(probabilities, np.float64)[lo - s:]
            self._sums[lo - self._emitted:lo - self._emitted + len(rows)] += rows
            self._counts[lo - self._emitted:lo - self._emitted + len(rows)] += 1

    def _take(self, upto: int) -> np.ndarray:
        n = upto - self._emitted
        out = self._sums[:n] / np.maximum(self._counts[:n], 1)[:, None]
        self._sums, self._counts = self._sums[n:], self._counts[n:]
        self._emitted = upto
        return out.astype(np.float32)

    def feed(self, vectors: np.ndarray) -> np.ndarray:
        """Add the next frames' vectors; return the probabilities of the frames now final (maybe none)."""
        vectors = np.asarray(vectors, np.float32)
        self._buffer = vectors if not len(self._buffer) else np.concatenate([self._buffer, vectors])
        self._received += len(vectors)
        self._sums = np.concatenate([self._sums, np.zeros((len(vectors), self.n_classes))])
        self._counts = np.concatenate([self._counts, np.zeros(len(vectors))])
        starts = []
        while self._next_start + self.window <= self._received:
            starts.append(self._next_start)
            self._next_start += self.stride
        self._run(starts, lambda s: s + self.window)
        out = self._take(min(self._next_start, self._received))
        # Keep what later windows need: from the next start, and the last window's worth for the end.
        keep = min(self._next_start, max(0, self._received - self.window))
        self._buffer = self._buffer[keep - self._buffer_start:]
        self._buffer_start = keep
        return out

    def finish(self) -> np.ndarray:
        """The probabilities of the remaining frames: one last window ends at the video's last frame."""
        if self._covered < self._received:
            self._run([max(0, self._received - self.window)], lambda s: self._received)
        return self._take(self._received)

    @property
    def held(self) -> int:
        """Frames whose vectors are held now (bounded by a window, a stride and a block)."""
        return len(self._buffer)


class CarriedState:
    """Per-frame probabilities of one LSTM run over the whole video, its state carried across blocks.

    Runs a fitted :class:`~soccer_lstm.models.lstm.LSTMClassifier`'s own forward pass
    (:class:`~soccer_lstm.models.forward.NumpyNetwork`: every LSTM of the network, seed-ensemble
    members, joint or late fusion), each block starting from the state the previous one ended in.
    """

    def __init__(self, classifier: Any) -> None:
        self.network = classifier.network_
        self.n_classes = len(classifier.classes_)
        self._state: Any = None

    def feed(self, vectors: np.ndarray) -> np.ndarray:
        """Probabilities ``(T, C)`` of the next frames (every frame is final at once)."""
        x = np.asarray(vectors, np.float32)
        if not len(x):
            return np.zeros((0, self.n_classes), np.float32)
        outputs, self._state = self.network.run(x[None], state=self._state)
        return np.mean(outputs, axis=0)[0].astype(np.float32)

    def finish(self) -> np.ndarray:
        return np.zeros((0, self.n_classes), np.float32)

    @property
    def held(self) -> int:
        return 0
