"""The forward pass of :func:`~soccer_lstm.models.network.build_lstm`'s network in NumPy.

``predict``, ``score`` and ``spot`` only ever run the trained network forward; importing TensorFlow
for that cost seconds before the first clip. :class:`NumpyNetwork` holds the same weights as plain
arrays (``network.npz`` beside ``lstm.json``'s ``"network"`` description) and computes the same
per-frame probabilities (Keras' LSTM: gates ``i, f, c, o``, sigmoid gates, tanh activations;
input dropout is off at inference). A masked timestep keeps the state and repeats the previous
output, as Keras' LSTM does. :meth:`NumpyNetwork.run` can start from, and return, the LSTM state,
so a whole video can be run block by block with its state carried
(:class:`~soccer_lstm.spotting.sequence.CarriedState`).

:class:`NetworkClassifier` is the trained LSTM as a loaded model applies it (``lstm.json`` and
``network.npz``): per-frame probabilities, the clip-level aggregation, the classes.
:class:`~soccer_lstm.models.lstm.LSTMClassifier` predicts through the same functions.

This module never imports TensorFlow, Keras, scikit-learn or SciPy (:meth:`NumpyNetwork.from_keras`
only reads a model it is given).
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from soccer_lstm.errors import ArtifactError
from soccer_lstm.features.kinds import Layout

# The weights of one (member, group) cell, in network.npz as f"m{member}_g{group}_{name}".
WEIGHT_NAMES = ("lstm_kernel", "lstm_recurrent", "lstm_bias", "head_kernel", "head_bias")

State = list[tuple[np.ndarray, np.ndarray]]


def layer_suffix(group: int, n_groups: int, member: int, n_members: int) -> str:
    """The suffix of a layer's name in :func:`~soccer_lstm.models.network.build_lstm` (``_g``, ``_m``, ``_g_m``)."""
    return "".join(f"_{i}" for i, n in ((group, n_groups), (member, n_members)) if n > 1)


_BLAS: list[Any] = []  # threadpoolctl's controller, made once (it scans the loaded libraries)


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """BLAS on one thread for the block: the recurrence multiplies tiny matrices step after step, and
    OpenBLAS's threads cost more to wake than they save (the forward pass ran 7 to 16 times slower
    with them on a busy 2-core machine, 2026-12-06, the input products included). The previous
    limits are restored after the block."""
    if not _BLAS:
        from threadpoolctl import ThreadpoolController

        _BLAS.append(ThreadpoolController())
    with _BLAS[0].limit(limits=1, user_api="blas"):
        yield


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class NumpyNetwork:
    """The trained network as arrays: one LSTM per input group, per-frame scores, members averaged.

    Parameters
    ----------
    description : dict
        ``groups`` (list of ``[start, stop]`` column ranges, or None for one input of all columns),
        ``members`` (seed-ensemble members), ``joint`` (per-group scores added under one softmax;
        otherwise one softmax per group, averaged), ``units``, ``classes`` (their number) and
        ``n_features`` (columns of a frame vector).
    weights : dict of str to ndarray
        ``f"m{member}_g{group}_{name}"`` for each name of :data:`WEIGHT_NAMES`.
    """

    def __init__(self, description: dict[str, Any], weights: dict[str, np.ndarray]) -> None:
        self.description = dict(description)
        groups = description.get("groups")
        self.groups = [(int(a), int(b)) for a, b in groups] if groups else [(0, int(description["n_features"]))]
        self.n_members = int(description["members"])
        self.joint = bool(description["joint"]) and len(self.groups) > 1
        self.units = int(description["units"])
        self.n_classes = int(description["classes"])
        self.cells: list[list[dict[str, np.ndarray]]] = []
        for m in range(self.n_members):
            member = []
            for g, (a, b) in enumerate(self.groups):
                cell = {name: np.asarray(weights[f"m{m}_g{g}_{name}"], np.float32) for name in WEIGHT_NAMES}
                expected = {"lstm_kernel": (b - a, 4 * self.units), "lstm_recurrent": (self.units, 4 * self.units),
                            "lstm_bias": (4 * self.units,), "head_kernel": (self.units, self.n_classes),
                            "head_bias": (self.n_classes,)}
                for name, shape in expected.items():
                    if cell[name].shape != shape:
                        raise ValueError(f"weight m{m}_g{g}_{name} has shape {cell[name].shape}, expected {shape}")
                member.append(cell)
            self.cells.append(member)
        self._recurrent = np.stack([cell["lstm_recurrent"] for member in self.cells for cell in member])

    @classmethod
    def from_keras(cls, model: Any, description: dict[str, Any]) -> "NumpyNetwork":
        """The weights of a Keras model of :func:`~soccer_lstm.models.network.build_lstm`, read by layer name."""
        groups = description.get("groups") or [None]
        members = int(description["members"])
        joint = bool(description["joint"]) and len(groups) > 1
        weights: dict[str, np.ndarray] = {}
        for m in range(members):
            for g in range(len(groups)):
                suffix = layer_suffix(g, len(groups), m, members)
                kernel, recurrent, bias = model.get_layer(f"lstm{suffix}").get_weights()
                head = model.get_layer(f"per_frame_scores{suffix}" if joint else f"per_frame_softmax{suffix}")
                dense, dense_bias = head.get_weights()
                for name, value in zip(WEIGHT_NAMES, (kernel, recurrent, bias, dense, dense_bias)):
                    weights[f"m{m}_g{g}_{name}"] = np.asarray(value, np.float32)
        return cls(description, weights)

    def weights(self) -> dict[str, np.ndarray]:
        """Every weight by its name in ``network.npz``."""
        return {f"m{m}_g{g}_{name}": cell[name] for m, member in enumerate(self.cells)
                for g, cell in enumerate(member) for name in WEIGHT_NAMES}

    def save(self, path: str | Path) -> None:
        """Write the weights to an ``.npz`` file atomically (plain arrays, no pickle)."""
        from soccer_lstm.artifacts import atomic_write

        with atomic_write(Path(path)) as out:
            np.savez(out, **self.weights())

    @classmethod
    def load(cls, path: str | Path, description: dict[str, Any]) -> "NumpyNetwork":
        """The network of ``description`` with the weights of an ``.npz`` file (read with ``allow_pickle=False``).

        Raises
        ------
        ArtifactError
            A missing, damaged or mismatched weight file.
        """
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                weights = {name: data[name] for name in data.files}
            return cls(description, weights)
        except FileNotFoundError:
            raise ArtifactError(f"{path}: missing; re-run train") from None
        except Exception as exc:  # a damaged zip, a missing or misshapen weight, a bad description
            raise ArtifactError(f"{path}: not the weights of this model ({type(exc).__name__}: {exc})"
                                .splitlines()[0]) from None

    def initial_state(self, batch: int) -> State:
        """Zero hidden and cell states for ``batch`` sequences, one pair per (member, group)."""
        zeros = np.zeros((batch, self.units), np.float32)
        return [(zeros, zeros) for _ in range(self.n_members * len(self.groups))]

    def _recur(self, inputs: np.ndarray, mask: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """Hidden states ``(K, n, T, units)`` of all K LSTMs at once, from their input projections ``(K, n, T, 4 units)``.

        The K LSTMs (members x groups) are independent and of one size: one batched product per step
        runs them all, so a step costs the same few NumPy calls whatever K is.
        """
        units = self.units
        h = np.stack([pair[0] for pair in state]).astype(np.float32)
        c = np.stack([pair[1] for pair in state]).astype(np.float32)
        padded = not mask.all()
        out = np.empty((*inputs.shape[:3], units), np.float32)
        for t in range(inputs.shape[2]):
            z = inputs[:, :, t] + h @ self._recurrent
            gates = _sigmoid(z)  # i, f, (c), o; the c block is replaced by its tanh below
            c_new = gates[..., units:2 * units] * c + gates[..., :units] * np.tanh(z[..., 2 * units:3 * units])
            h_new = gates[..., 3 * units:] * np.tanh(c_new)
            if padded:  # a masked step keeps the state (and repeats the output), as in Keras
                keep = mask[None, :, t:t + 1]
                h_new, c_new = np.where(keep, h_new, h), np.where(keep, c_new, c)
            h, c = h_new, c_new
            out[:, :, t] = h
        return out, [(h[k], c[k]) for k in range(len(h))]

    def run(self, frames: np.ndarray, mask: np.ndarray | None = None,
            state: State | None = None) -> tuple[list[np.ndarray], State]:
        """Per-frame probabilities ``(n, T, C)`` of each output (members, late fusion's per-group softmaxes).

        Parameters
        ----------
        frames : ndarray (n, T, D)
        mask : ndarray (n, T) of bool, optional
            False at padded steps (all True when omitted).
        state : list, optional
            Where the LSTMs start (:meth:`initial_state` when omitted).

        Returns
        -------
        outputs : list of ndarray (n, T, C)
        state : list
            The LSTMs' states after the last step, to continue from.
        """
        frames = np.asarray(frames, np.float32)
        width = int(self.description["n_features"])
        if frames.ndim != 3 or frames.shape[2] != width:
            raise ValueError(f"expected frames of shape (n, T, {width}), got {frames.shape}")
        mask = np.ones(frames.shape[:2], bool) if mask is None else np.asarray(mask, bool)
        state = self.initial_state(len(frames)) if state is None else state
        outputs: list[np.ndarray] = []
        cells = [cell for member in self.cells for cell in member]  # member-major, as the states
        groups = self.groups * self.n_members
        with _one_blas_thread():
            inputs = np.stack([frames[:, :, a:b] @ cell["lstm_kernel"] + cell["lstm_bias"]
                               for cell, (a, b) in zip(cells, groups)])
            hidden, new_state = self._recur(inputs, mask, state)
            scores = [h @ cell["head_kernel"] + cell["head_bias"] for h, cell in zip(hidden, cells)]
        for m in range(self.n_members):
            member = scores[m * len(self.groups):(m + 1) * len(self.groups)]
            if self.joint:
                outputs.append(softmax(np.sum(member, axis=0)))
            else:
                outputs.extend(softmax(s) for s in member)
        return outputs, new_state

    def predict(self, frames: np.ndarray, mask: np.ndarray | None = None, batch_size: int = 256) -> np.ndarray:
        """Per-frame probabilities ``(n, T, C)``, the outputs averaged.

        Runs ``batch_size`` sequences at a time, each batch cut to its longest sequence (the steps
        after it are zeros; a padded step before it repeats the last real step's output, as in Keras).
        """
        frames = np.asarray(frames, np.float32)
        mask = np.ones(frames.shape[:2], bool) if mask is None else np.asarray(mask, bool)
        result = np.zeros((*frames.shape[:2], self.n_classes), np.float32)
        for start in range(0, len(frames), batch_size):
            rows = slice(start, start + batch_size)
            steps = max(int(mask[rows].sum(axis=1).max(initial=0)), 1)
            outputs, _ = self.run(frames[rows, :steps], mask[rows, :steps])
            result[rows, :steps] = np.mean(outputs, axis=0)
        return result


def describe(groups: Sequence[tuple[int, int]] | None, n_features: int, members: int, joint: bool, units: int,
             n_classes: int) -> dict[str, Any]:
    """The ``"network"`` description of ``lstm.json`` (what :class:`NumpyNetwork` needs besides the weights)."""
    return {"groups": [[int(a), int(b)] for a, b in groups] if groups else None, "n_features": int(n_features),
            "members": int(members), "joint": bool(joint) and bool(groups) and len(groups) > 1,
            "units": int(units), "classes": int(n_classes)}


def fusion_groups(fusion: str, layout: Layout | None) -> list[tuple[int, int]] | None:
    """The column ranges that get an LSTM each (late and joint fusion of several kinds), or None (one LSTM)."""
    if fusion in ("late", "joint") and layout and len(layout) > 1:
        return sorted((int(a), int(b)) for a, b in layout.values())
    return None


def as_sequences(sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Validate a list of clips: each a 2-D float32 array, all with the same number of columns.

    Raises
    ------
    ValueError
        On an empty list, a clip that is not 2-D, or clips of different widths.
    """
    result = [np.asarray(s, dtype=np.float32) for s in sequences]
    if not result:
        raise ValueError("expected at least one sequence")
    if any(s.ndim != 2 for s in result):
        raise ValueError("every sequence must be a 2-D array (frames x features)")
    widths = {s.shape[1] for s in result}
    if len(widths) > 1:
        raise ValueError(f"sequences have different feature widths: {sorted(widths)}")
    return result


def pad_sequences(sequences: Sequence[np.ndarray], max_steps: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stack variable-length ``(T, D)`` sequences into ``(n, T_max, D)`` plus a boolean mask."""
    lengths = [len(s) if not max_steps else min(len(s), max_steps) for s in sequences]
    t_max = max(max(lengths), 1)
    dim = sequences[0].shape[1]
    x = np.zeros((len(sequences), t_max, dim), np.float32)
    mask = np.zeros((len(sequences), t_max), bool)
    for i, (seq, n) in enumerate(zip(sequences, lengths)):
        x[i, :n] = seq[:n]
        mask[i, :n] = True
    return x, mask


def clip_steps(network: NumpyNetwork, sequences: Sequence[np.ndarray], n_features: int,
               max_steps: int = 0) -> list[np.ndarray]:
    """Per-timestep class probabilities ``(T, C)`` of each clip (padding removed; the first ``max_steps``
    frames when it is set), the network's outputs averaged."""
    sequences = as_sequences(sequences)
    if sequences[0].shape[1] != n_features:
        raise ValueError(f"sequences have {sequences[0].shape[1]} features per frame; "
                         f"the classifier was fitted with {n_features}")
    x, mask = pad_sequences(sequences, max_steps)
    probabilities = network.predict(x, mask)  # members and late fusion's outputs averaged
    return [probabilities[i, mask[i]] if mask[i].any() else probabilities[i, :1] for i in range(len(x))]


NETWORK_INFO = "lstm.json"
NETWORK_WEIGHTS = "network.npz"


@contextlib.contextmanager
def reading_network_info(folder: Path) -> Iterator[dict[str, Any]]:
    """``lstm.json`` of a saved LSTM; a ``KeyError``, ``TypeError`` or ``ValueError`` raised while the
    caller reads it becomes one ``ArtifactError`` naming the file.

    Raises
    ------
    ArtifactError
        The file missing or damaged, written by an older version, or malformed.
    """
    from soccer_lstm.artifacts import read_json

    path = folder / NETWORK_INFO
    info = read_json(path)
    if not isinstance(info, dict) or not isinstance(info.get("params"), dict) \
            or not isinstance(info.get("network"), dict):
        raise ArtifactError(f"{path}: written by an older version of soccer-lstm; re-run train")
    try:
        yield info
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(f"{path}: malformed ({type(exc).__name__}: {exc}); re-run train".splitlines()[0]) from None


class NetworkClassifier:
    """A trained LSTM as a loaded model applies it: its network in NumPy, its classes and aggregation.

    What :func:`~soccer_lstm.stages.predict.load_model` gives for an LSTM model (``predict``, ``score``
    and ``spot``); :class:`~soccer_lstm.models.lstm.LSTMClassifier` (which trains, and reads the
    Keras model) predicts through the same :func:`clip_steps`.

    Attributes
    ----------
    classes_ : ndarray
    network_ : NumpyNetwork
    n_features_in_ : int
    layout_ : dict of str to [start, stop] or None
    aggregation : {"mean", "vote", "last"}
    max_steps : int
    """

    def __init__(self, network: NumpyNetwork, classes: Sequence[Any], n_features: int, layout: Layout | None,
                 aggregation: str, max_steps: int) -> None:
        self.network_ = network
        self.classes_ = np.asarray(classes)
        self.n_features_in_ = int(n_features)
        self.layout_ = layout
        self.aggregation = aggregation
        self.max_steps = int(max_steps)

    @classmethod
    def load(cls, folder: str | Path) -> "NetworkClassifier":
        """The classifier of ``lstm.json`` and ``network.npz`` (what :meth:`LSTMClassifier.save` wrote).

        Raises
        ------
        ArtifactError
            A file missing, damaged, written by an older version, or a description that does not
            match its parameters.
        """
        from soccer_lstm.config import TrainConfig, check_field
        from soccer_lstm.features.kinds import check_layout

        folder = Path(folder)
        with reading_network_info(folder) as info:
            params, width, classes = info["params"], int(info["n_features_in"]), list(info["classes"])
            for name in ("units", "aggregation", "max_steps", "ensemble", "fusion"):
                check_field(TrainConfig.__dataclass_fields__[name], params[name], spelling="key")
            layout = check_layout(info.get("layout"), width)
            expected = describe(fusion_groups(params["fusion"], layout), width, params["ensemble"],
                                params["fusion"] == "joint", params["units"], len(classes))
            if expected != info["network"]:
                raise ValueError("its network description does not match its parameters")
        network = NumpyNetwork.load(folder / NETWORK_WEIGHTS, info["network"])
        return cls(network, classes, width, layout, params["aggregation"], params["max_steps"])

    def predict_steps(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Per-timestep class probabilities ``(T, C)`` for each clip (padding removed)."""
        return clip_steps(self.network_, sequences, self.n_features_in_, self.max_steps)

    def predict_proba(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Clip-level class scores after aggregation, ``(n, C)`` in the order of ``classes_``."""
        from soccer_lstm.models.aggregate import aggregate

        return np.array([aggregate(p, self.aggregation) for p in self.predict_steps(sequences)])

    def predict(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Clip labels."""
        return self.classes_[self.predict_proba(sequences).argmax(axis=1)]
