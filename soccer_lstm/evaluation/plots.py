"""Figures of the results report: a confusion matrix per row and a bar chart of all rows.

Figures are built with matplotlib's object API on the Agg canvas (never pyplot), so plotting
works on headless machines, leaves no global state behind and is safe to call from any thread.
Each PNG is rendered into memory and written atomically.
"""
from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from soccer_lstm.figures import new_figure, save_png




def plot_confusion(matrix: np.ndarray, classes: Sequence[str], path: str | os.PathLike, title: str = "") -> None:
    """Write a confusion-matrix PNG: row-normalised rates as colours, rates and counts as text.

    Parameters
    ----------
    matrix : ndarray (C, C) of int
        Counts, rows = true class, columns = predicted class, both in the order of ``classes``.
    classes : sequence of str
        Class names in display order.
    path : path-like
        PNG to write.
    title : str
        Figure title.
    """
    counts = np.asarray(matrix, dtype=np.int64)
    if counts.shape != (len(classes), len(classes)):
        raise ValueError(f"confusion matrix of shape {counts.shape} does not match {len(classes)} classes")
    totals = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, totals, out=np.zeros(counts.shape, dtype=np.float64), where=totals > 0)
    size = max(3.5, 0.9 * len(classes) + 1.8)
    figure = new_figure(size + 0.8, size)
    axes = figure.add_subplot()
    image = axes.imshow(rates, vmin=0.0, vmax=1.0, cmap="Blues")
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="share of true class")
    ticks = np.arange(len(classes))
    axes.set_xticks(ticks, labels=list(classes), rotation=35, ha="right")
    axes.set_yticks(ticks, labels=list(classes))
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    font = 9 if len(classes) <= 6 else 7
    for i in range(len(classes)):
        for j in range(len(classes)):
            colour = "white" if rates[i, j] > 0.6 else "black"
            axes.text(j, i, f"{rates[i, j]:.2f}\n({counts[i, j]})", ha="center", va="center",
                      color=colour, fontsize=font)
    if title:
        axes.set_title(title, fontsize=10)
    save_png(figure, path)


def plot_rates(names: Sequence[str], means: Sequence[float], stds: Sequence[float],
               paper_rates: Sequence[float | None], path: str | os.PathLike, title: str = "",
               chance: float | None = None) -> None:
    """Write a horizontal bar chart of every row's rate (%) with its spread and the paper's rate.

    Parameters
    ----------
    names : sequence of str
        Row names, drawn top to bottom.
    means, stds : sequences of float
        Our rate and its standard deviation, in percent (NaN for a skipped row).
    paper_rates : sequence of float or None
        The paper's rate in percent, drawn as a diamond; None where the paper has no such row.
    path : path-like
        PNG to write.
    title : str
        Figure title.
    chance : float, optional
        Rate of always answering the largest class (%), drawn as a dashed line.
    """
    n = len(names)
    figure = new_figure(7.5, 0.45 * n + 1.4)
    axes = figure.add_subplot()
    y = np.arange(n)[::-1]
    means_arr = np.nan_to_num(np.asarray(means, dtype=np.float64), nan=0.0)
    stds_arr = np.nan_to_num(np.asarray(stds, dtype=np.float64), nan=0.0)
    axes.barh(y, means_arr, xerr=stds_arr, color="#4C72B0", alpha=0.85, capsize=3, label="ours (mean +- std)")
    papers = [(yy, rate) for yy, rate in zip(y, paper_rates) if rate is not None]
    if papers:
        axes.scatter([rate for _, rate in papers], [yy for yy, _ in papers], marker="D", color="#C44E52",
                     zorder=3, label="paper (measured on MICC-Soccer-Actions-4)")
    if chance is not None:
        axes.axvline(chance, color="grey", linestyle="--", linewidth=1, label="largest class")
    for yy, mean, std, value in zip(y, means_arr, stds_arr, means):
        text = "skipped" if value is None or np.isnan(value) else f"{mean:.1f}"
        axes.text(min(mean + std + 1.5, 101.0), yy + 0.22, text, va="center", fontsize=8)
    axes.set_yticks(y, labels=list(names))
    axes.set_xlim(0, 108)
    axes.set_xlabel("classification rate (%)")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.5 / max(n, 1) - 0.12), ncol=3, fontsize=8,
                frameon=False)
    if title:
        axes.set_title(title, fontsize=10)
    save_png(figure, path)


def plot_learning_curve(history: dict[str, list[float]], path: str | os.PathLike, title: str = "",
                        best_epoch: int | None = None, n_classes: int | None = None) -> None:
    """Write the learning curve: training and validation loss, and validation clip accuracy.

    The losses are what :func:`soccer_lstm.models.training.train_model` records: the per-frame
    cross-entropy averaged over each clip's frames, then over clips (each clip weighs the same), so
    they read against chance, ``ln(n_classes)``, drawn as a dashed line.

    Parameters
    ----------
    history : dict
        Per-epoch values: ``loss``, optionally ``val_loss`` and ``val_accuracy``.
    path : path-like
        PNG to write.
    title : str
        Figure title (say which dataset it shows).
    best_epoch : int, optional
        The epoch whose weights were kept (1-based), drawn as a dotted line.
    n_classes : int, optional
        Classes of the model: chance, ``ln(n_classes)``, is drawn as a dashed line.
    """
    figure = new_figure(7.0, 4.0)
    axes = figure.add_subplot()
    epochs = np.arange(1, len(history.get("loss", [])) + 1)
    axes.plot(epochs, history.get("loss", []), label="training loss", color="#4C72B0")
    if history.get("val_loss"):
        axes.plot(epochs, history["val_loss"], label="validation loss", color="#C44E52")
    if n_classes and n_classes > 1:
        axes.axhline(float(np.log(n_classes)), color="grey", linestyle="--", linewidth=1,
                     label=f"chance: ln {n_classes} = {np.log(n_classes):.2f}")
    axes.set_xlabel("epoch")
    axes.set_ylabel("cross-entropy per frame (mean over clips)")
    lines, labels = axes.get_legend_handles_labels()
    if history.get("val_accuracy"):
        right = axes.twinx()
        right.plot(epochs, history["val_accuracy"], label="validation clip accuracy", color="#55A868", linestyle="--")
        right.set_ylim(0, 1.05)
        right.set_ylabel("validation clip accuracy")
        more_lines, more_labels = right.get_legend_handles_labels()
        lines, labels = lines + more_lines, labels + more_labels
    if best_epoch:
        axes.axvline(best_epoch, color="grey", linestyle=":", linewidth=1)
        labels = [*labels, f"best epoch ({best_epoch})"]
        lines = [*lines, axes.lines[-1]]
    axes.legend(lines, labels, fontsize=8, loc="upper right")
    if title:
        axes.set_title(title, fontsize=10)
    save_png(figure, path)


def plot_training(model_dir: str | os.PathLike) -> bool:
    """Draw ``learning_curve.png`` of a model folder from its ``history.json`` (what ``train --plot`` does).

    Returns False, drawing nothing, for a classifier that keeps no per-epoch history (a baseline).
    """
    from pathlib import Path

    from soccer_lstm.artifacts import read_json

    folder = Path(model_dir)
    if not (folder / "history.json").is_file():
        return False
    saved, meta = read_json(folder / "history.json"), read_json(folder / "pipeline.json")
    plot_learning_curve(saved["history"], folder / "learning_curve.png", best_epoch=saved.get("best_epoch"),
                        n_classes=len(meta.get("classes") or []) or None,
                        title=f"learning curve on {meta.get('dataset') or 'an unknown dataset'} "
                              f"({meta.get('n_clips')} clips, {meta.get('features')})")
    return True
