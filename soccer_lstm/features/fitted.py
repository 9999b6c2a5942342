"""The fitted feature steps of a model, in NumPy: what ``predict``, ``score`` and ``spot`` apply.

A trained model's words, kinds and scaling steps only transform: nearest-centre visual words,
the registry's per-frame kinds, an affine scaling of some columns. The scikit-learn estimators
that learn them (:class:`~soccer_lstm.features.words.VisualWords`,
:class:`~soccer_lstm.features.words.FrameKinds`, :class:`~soccer_lstm.features.scaling.SequenceScaler`)
transform through the classes here, so a loaded model and a freshly fitted one run the same code.
This module imports no scikit-learn and no SciPy: importing them took about 1.5 s of a cold
``predict`` (2026-12-06), which never fits anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from soccer_lstm.config import SCALINGS
from soccer_lstm.features.kinds import (FrameVectors, KindSettings, check_layout, compute_kinds, encode_settings,
                                        layout_mirror)


def check_fitted(estimator: object, attribute: str) -> None:
    """Raise scikit-learn's ``NotFittedError`` when ``estimator`` lacks ``attribute``.

    scikit-learn is imported only then (an unfitted step is a programming error, not a cold start).
    """
    if not hasattr(estimator, attribute):
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
                             f"appropriate arguments before using this estimator.")


@dataclass
class WordedClip:
    """A clip's stored features with its frames' visual-word histograms ``words`` ``(T, k)`` and the
    ``codebook`` that made them (for a kind that needs more of the words than the histograms)."""

    features: Any
    words: np.ndarray
    codebook: Any = None

    def __getattr__(self, name: str) -> Any:  # the stored features' arrays (offsets, local, ...)
        if name in ("features", "words", "codebook") or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.features, name)


def encode_clip(features: Any, codebook: Any, config: Any) -> np.ndarray:
    """One vector per frame: the kinds of ``config.features`` (an :class:`~soccer_lstm.config.EncodeConfig`)
    concatenated in registry order, the visual words from ``codebook`` (what ``encode`` stores).

    Raises
    ------
    UserError
        If BoW is asked for without a codebook, or a local kind (HOF, MBH, HOG) from features that
        an older version extracted without them.
    """
    k = len(codebook.cluster_centers_) if codebook is not None else 0
    return compute_kinds(features, config.features, encode_settings(config, k), codebook)


class WordHistograms:
    """The fitted words step: each clip with its frames' visual-word histograms (nearest centre).

    Parameters
    ----------
    codebook : Codebook
        The fitted vocabulary (``codebook_``).
    """

    def __init__(self, codebook: Any) -> None:
        self.codebook_ = codebook

    def transform(self, clips: Sequence[Any]) -> list[WordedClip]:
        """Each clip with its ``(T, k)`` word histograms (a frame without keypoints: all zeros)."""
        from soccer_lstm.features.bow import bow_histograms

        return [WordedClip(clip, bow_histograms(clip.descriptors, clip.offsets, self.codebook_), self.codebook_)
                for clip in (clips[i] for i in range(len(clips)))]


class KindVectors:
    """The fitted kinds step: one vector per frame of the kinds of ``layout_``, in registry order.

    Parameters
    ----------
    layout : dict of str to [start, stop]
        Columns of each kind in the output vectors (``layout_``).
    motion_model : {"affine", "similarity"}
        Camera motion model.
    spm_levels : str
        Cells per side of each level of the ``spm`` pyramid (``--spm-levels``).
    """

    def __init__(self, layout: Mapping[str, Sequence[int]], motion_model: str, spm_levels: str = "1,2") -> None:
        from soccer_lstm.features.spm import parse_levels

        self.layout_ = {kind: [int(a), int(b)] for kind, (a, b) in layout.items()}
        self.motion_model = motion_model
        self.spm_levels = spm_levels
        self.settings_ = KindSettings(motion_model=motion_model, spm_levels=parse_levels(spm_levels, "spm_levels"))
        self.n_features_out_ = max(stop for _, stop in self.layout_.values())

    def transform(self, clips: Sequence[Any]) -> FrameVectors:
        """The clips' per-frame vectors, float32 ``(T, D)`` each, with :attr:`layout_`."""
        return FrameVectors((compute_kinds(clips[i], tuple(self.layout_), self.settings_) for i in range(len(clips))),
                            self.layout_, self.settings_)


def scaled_columns(scale: str, layout: Mapping[str, Sequence[int]] | None, width: int,
                   settings: KindSettings | None = None,
                   mirrored: bool = True) -> tuple[int, int, tuple[int, ...], tuple[int, ...]]:
    """The standardised column range ``[start, stop)``, the columns scaled but not centred, and each
    column's mirror source (empty: none moves), for ``scale`` over frames of ``layout`` made with
    ``settings`` (None: the defaults; ``mirrored=False``: no mirror is asked for)."""
    if scale not in SCALINGS:
        raise ValueError(f"SequenceScaler: scale must be one of {', '.join(SCALINGS)}, got {scale!r}")
    mirror = layout_mirror(layout, settings) if mirrored else None
    uncentered = tuple(int(c) for c in np.flatnonzero(mirror[1] < 0)) if mirror else ()
    source = tuple(int(c) for c in mirror[0]) if mirror else ()
    if scale == "all":
        return 0, max(stop for _, stop in layout.values()) if layout else width, uncentered, source
    if scale == "motion":
        start, stop = layout.get("motion", [0, 0]) if layout else (0, 0)
        return int(start), int(stop), uncentered, ()
    return 0, 0, (), ()


class Standardiser:
    """The fitted scaling step: columns ``start_:stop_`` of every frame become ``(x - mean_) / scale_``.

    :class:`~soccer_lstm.features.scaling.SequenceScaler` is this plus ``fit`` (and scikit-learn's
    contract); a model folder stores it as plain data (:meth:`to_dict`, in ``pipeline.json``).

    Parameters
    ----------
    scale : {"all", "motion", "none"}
        Which columns are standardised.
    """

    def __init__(self, scale: str = "all") -> None:
        self.scale = scale

    def transform(self, sequences: Sequence[np.ndarray]) -> FrameVectors:
        """The clips with their standardised columns (new float32 arrays; the input is unchanged)."""
        check_fitted(self, "mean_")
        settings = getattr(self, "kind_settings_", None)
        if self.stop_ <= self.start_:
            return FrameVectors(sequences, self.layout_, settings)
        out = FrameVectors(layout=self.layout_, settings=settings)
        for seq in sequences:
            seq = np.array(seq, dtype=np.float32, copy=True)
            seq[:, self.start_:self.stop_] = (seq[:, self.start_:self.stop_] - self.mean_) / self.scale_
            out.append(seq)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Parameters and learnt statistics as plain data (stored in a model folder's pipeline.json)."""
        check_fitted(self, "mean_")
        return {"layout": self.layout_,
                "scale": self.scale, "n_features_in": self.n_features_in_,
                "mean": self.mean_.tolist(), "std": self.scale_.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Standardiser":
        """The fitted step of :meth:`to_dict`.

        Raises
        ------
        ValueError, KeyError, TypeError
            On data that is not a fitted scaler's.
        """
        scaler = cls(scale=data["scale"])
        width = int(data["n_features_in"])
        scaler.layout_ = check_layout(data["layout"], width)
        try:
            columns = scaled_columns(scaler.scale, scaler.layout_, width)
        except ValueError:  # an spm block of other levels than the defaults: the mirror only served fit
            columns = scaled_columns(scaler.scale, scaler.layout_, width, mirrored=False)
        scaler.start_, scaler.stop_, scaler.uncentered_, scaler.mirror_ = columns
        scaler.n_features_in_ = width
        scaler.mean_ = np.asarray(data["mean"], dtype=np.float64)
        scaler.scale_ = np.asarray(data["std"], dtype=np.float64)
        if scaler.mean_.shape != (max(scaler.stop_ - scaler.start_, 0),) or scaler.scale_.shape != scaler.mean_.shape:
            raise ValueError("scaler statistics do not match its layout")
        return scaler
