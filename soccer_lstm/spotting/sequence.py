"""The classifier over a whole video, fed block by block: overlapping windows, or one run with its state carried.

The model was trained on clips of a few seconds. Over a 45-minute half it can run three ways:

- :class:`CentredWindows` (``--inference centred``, the default): windows of ``window`` frames every
  ``stride`` frames, each classified as a clip is (the model's clip-level probabilities, its
  aggregation over the window's frames, as in training and ``predict``), that decision placed at the
  window's centre; a frame's probabilities are interpolated between the two nearest centres. So the
  decision at an instant has seen the second before it and the second after it, as the training
  clips, centred on their actions, were seen. Works with any clip classifier.
- :class:`SlidingWindows` (``--inference windows``): the same windows, but a frame's probabilities
  are the mean of the LSTM's per-frame outputs for it over the windows that hold it: each output has
  seen only the frames before it in its window.
- :class:`CarriedState` (``--inference state``): one pass over the whole video, the LSTM's state
  carried from block to block (the model's own NumPy forward pass,
  :class:`~soccer_lstm.models.forward.NumpyNetwork`, continued from block to block). One pass
  per frame, but the state runs for hours, far beyond the clip lengths it was trained on.

In every mode the last window ends at the video's last frame, so a video shorter than one window is
one (shorter) window. Which is better was measured on generated games (docs/results.md, "Spotting":
centred windows gave 0.03 to 0.06 more tight average-mAP than per-frame windows with each of three
models on 24 validation games). All hold at most a window (or a block) of vectors: memory does not
grow with the video's length.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

PredictSteps = Callable[[Sequence[np.ndarray]], Sequence[np.ndarray]]
PredictClips = Callable[[Sequence[np.ndarray]], np.ndarray]


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
        self._add(starts, [self._frames(s, stop_of(s)) for s in starts])

    def _add(self, starts: list[int], windows: list[np.ndarray]) -> None:
        """Add the per-frame outputs of the windows starting at ``starts`` to their frames' sums."""
        for s, probabilities in zip(starts, self.predict_steps(windows)):
            lo = max(s, self._emitted)
            rows = np.asarray(probabilities, np.float64)[lo - s:]
            self._sums[lo - self._emitted:lo - self._emitted + len(rows)] += rows
            self._counts[lo - self._emitted:lo - self._emitted + len(rows)] += 1

    def _grow(self, n: int) -> None:
        """Room for the sums of ``n`` more frames."""
        self._sums = np.concatenate([self._sums, np.zeros((n, self.n_classes))])
        self._counts = np.concatenate([self._counts, np.zeros(n)])

    def _final(self) -> int:
        """The end of the frames no later window can change: those before the next window's start."""
        return min(self._next_start, self._received)

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
        self._grow(len(vectors))
        starts = []
        while self._next_start + self.window <= self._received:
            starts.append(self._next_start)
            self._next_start += self.stride
        self._run(starts, lambda s: s + self.window)
        out = self._take(self._final())
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


class CentredWindows(SlidingWindows):
    """Per-frame probabilities from overlapping windows, each classified as a clip, at its centre.

    Parameters
    ----------
    predict_proba : callable
        List of ``(T, D)`` arrays -> ``(n, C)`` clip-level probabilities (any fitted clip
        classifier's ``predict_proba``).
    n_classes : int
    window, stride : int
        Frames per window and between window starts (``1 <= stride``).

    A window over frames ``[s, e)`` puts its decision at frame ``(s + e - 1) / 2``; frames between two
    centres get the linear interpolation of the two, frames before the first centre (after the last)
    the first (last) decision. Frames up to the latest centre are final as soon as it is known.
    """

    def __init__(self, predict_proba: PredictClips, n_classes: int, window: int, stride: int) -> None:
        super().__init__(lambda windows: [], n_classes, window, stride)   # its per-frame outputs go unused
        self.predict_proba = predict_proba
        self._centres = np.zeros(0)                    # decisions not yet behind every frame emitted
        self._decisions = np.zeros((0, n_classes))

    def _add(self, starts: list[int], windows: list[np.ndarray]) -> None:
        """Keep each window's clip decision with its centre."""
        decisions = np.asarray(self.predict_proba(windows), np.float64).reshape(len(starts), self.n_classes)
        centres = np.array([s + (len(w) - 1) / 2 for s, w in zip(starts, windows)])
        self._centres = np.concatenate([self._centres, centres])
        self._decisions = np.concatenate([self._decisions, decisions])

    def _take(self, upto: int) -> np.ndarray:
        n = upto - self._emitted
        if n <= 0 or not len(self._centres):
            return np.zeros((0, self.n_classes), np.float32)
        frames = np.arange(self._emitted, upto, dtype=np.float64)
        out = np.stack([np.interp(frames, self._centres, self._decisions[:, c]) for c in range(self.n_classes)],
                       axis=1)
        self._emitted = upto
        # Keep the last centre before the next frame to emit (it bounds the next interpolation) and after.
        first = max(0, int(np.searchsorted(self._centres, upto, side="right")) - 1)
        self._centres, self._decisions = self._centres[first:], self._decisions[first:]
        return out.astype(np.float32)

    def _grow(self, n: int) -> None:
        """Nothing per frame: the decisions are kept per window."""

    def _final(self) -> int:
        """Frames up to the latest centre are final: a later window's centre lies after it."""
        return int(np.floor(self._centres[-1])) + 1 if len(self._centres) else self._emitted


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
