"""Baseline classifiers saved as plain data and loaded back, without pickle.

A fitted baseline (and the scikit-learn estimators inside it: an SVC, a LinearSVC, a scaler, a
logistic regression, a Pipeline of them) is its class and its attributes. :func:`save_classifier`
writes the attributes' structure to ``classifier.json`` and every array to ``classifier.npz``;
:func:`load_classifier` rebuilds the objects, refusing any class outside :data:`SAFE_CLASSES`
and any array of Python objects, so a model folder can never run code when it is read. The rebuilt
estimator predicts as the saved one did (the tests check every baseline).
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np

from soccer_lstm.errors import ArtifactError

CLASSIFIER_JSON = "classifier.json"
CLASSIFIER_NPZ = "classifier.npz"
FORMAT = 1

# The classes a saved baseline may be made of (module, name); nothing else is ever instantiated.
SAFE_CLASSES = frozenset({
    ("soccer_lstm.models.nw", "NWKNeighborsClassifier"), ("soccer_lstm.models.nw", "NWStringKernelSVC"),
    ("soccer_lstm.models.baselines", "ClipHistogramChi2SVC"), ("soccer_lstm.models.baselines", "FrameLinearSVCVote"),
    ("soccer_lstm.models.baselines", "ClipStatsLogistic"), ("sklearn.svm._classes", "SVC"),
    ("sklearn.svm._classes", "LinearSVC"), ("sklearn.preprocessing._data", "StandardScaler"),
    ("sklearn.linear_model._logistic", "LogisticRegression"), ("sklearn.pipeline", "Pipeline"),
})


class _Encoder:
    """Turns an object tree into JSON-able data, collecting its arrays under generated names."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"float": repr(value)} if isinstance(value, float) and not np.isfinite(value) else value
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                if all(isinstance(v, np.ndarray) for v in value.ravel()):  # a ragged array of arrays
                    return {"ragged": [self.encode(v) for v in value.ravel()]}
                raise TypeError("arrays of Python objects are not saved")
            name = f"a{len(self.arrays)}"
            self.arrays[name] = value
            return {"array": name}
        if isinstance(value, np.generic):
            return {"scalar": value.dtype.str, "value": value.item()}
        if isinstance(value, tuple):
            return {"tuple": [self.encode(v) for v in value]}
        if isinstance(value, list):
            return {"list": [self.encode(v) for v in value]}
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"dict": {k: self.encode(v) for k, v in value.items()}}
        cls = type(value)
        if (cls.__module__, cls.__name__) in SAFE_CLASSES:
            return {"object": [cls.__module__, cls.__name__], "state": self.encode(dict(vars(value)))}
        raise TypeError(f"cannot save a {cls.__module__}.{cls.__name__}")


def _decode(node: Any, arrays: Any) -> Any:
    if node is None or isinstance(node, (bool, str, int, float)):
        return node
    if not isinstance(node, dict) or len(node) not in (1, 2):
        raise ValueError(f"unexpected entry {str(node)[:60]}")
    if "array" in node:
        return arrays[node["array"]]
    if "float" in node:
        return float(node["float"])
    if "scalar" in node:
        return np.dtype(node["scalar"]).type(node["value"])
    if "ragged" in node:
        out = np.empty(len(node["ragged"]), dtype=object)
        out[:] = [_decode(v, arrays) for v in node["ragged"]]
        return out
    if "tuple" in node:
        return tuple(_decode(v, arrays) for v in node["tuple"])
    if "list" in node:
        return [_decode(v, arrays) for v in node["list"]]
    if "dict" in node:
        return {k: _decode(v, arrays) for k, v in node["dict"].items()}
    if "object" in node:
        module, name = node["object"]
        if (module, name) not in SAFE_CLASSES:
            raise ValueError(f"refuses to build a {module}.{name}")
        cls = getattr(importlib.import_module(module), name)
        obj = cls.__new__(cls)
        state = _decode(node["state"], arrays)
        if not isinstance(state, dict):
            raise ValueError(f"the state of a {name} is not a table")
        obj.__dict__.update(state)
        return obj
    raise ValueError(f"unexpected entry {str(node)[:60]}")


def save_classifier(classifier: Any, folder: str | Path, name: str) -> None:
    """Write a fitted baseline ``classifier`` (called ``name``) as ``classifier.json`` + ``classifier.npz``."""
    from soccer_lstm.artifacts import atomic_write, write_json

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    encoder = _Encoder()
    tree = encoder.encode(classifier)
    with atomic_write(folder / CLASSIFIER_NPZ) as handle:
        np.savez(handle, **encoder.arrays)
    params = {k: v for k, v in classifier.get_params().items()}
    write_json(folder / CLASSIFIER_JSON, {"format": FORMAT, "classifier": name, "params": params,
                                          "classes": np.asarray(classifier.classes_).tolist(), "tree": tree})


def load_classifier(folder: str | Path, name: str) -> Any:
    """The baseline :func:`save_classifier` wrote into ``folder``.

    Raises
    ------
    ArtifactError
        When the files are missing, damaged, of another classifier, or would build a class that a
        saved baseline is never made of.
    """
    from soccer_lstm.artifacts import read_json

    folder = Path(folder)
    info = read_json(folder / CLASSIFIER_JSON)
    if not isinstance(info, dict) or info.get("format") != FORMAT or info.get("classifier") != name:
        raise ArtifactError(f"{folder / CLASSIFIER_JSON}: not a saved {name} classifier; re-run train")
    try:
        with np.load(folder / CLASSIFIER_NPZ, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        classifier = _decode(info["tree"], arrays)
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(f"{folder / CLASSIFIER_NPZ}: not a loadable {name} classifier "
                            f"({type(exc).__name__}: {exc})".splitlines()[0]) from None
    if type(classifier).__module__.startswith("sklearn") or not hasattr(classifier, "predict_proba"):
        raise ArtifactError(f"{folder / CLASSIFIER_JSON}: does not hold a clip classifier; re-run train")
    return classifier
