"""The results report: the paper's rate beside ours for every row, as Markdown, JSON and PNGs.

A row is one method of the table (features + classifier) evaluated under the shared protocol;
:class:`RowResult` holds what the report needs. :func:`write_report` writes into one folder::

    report.md              the table (paper's rate, ours as mean +- std over folds and seeds, spread
                           across seeds, training time), per-class recall, figures
    metrics.json           the same numbers for machines, with confusion matrices and fold rates
    rates.png              a bar chart of all rows
    confusion/<row>.png    one confusion matrix per row, classes in the paper's order when present

Rates are fractions in [0, 1] inside :class:`RowResult` and percentages in every output.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from soccer_lstm.artifacts import atomic_write, write_json

#: The paper's class order (Baccouche et al., 2010, confusion matrices).
PAPER_CLASS_ORDER = ("Goal-kick", "Placed-kick", "Shot-on-goal", "Throw-in")


@dataclass
class RowResult:
    """Everything the report says about one row of the table.

    Attributes
    ----------
    name : str
        Display name, e.g. ``"BoW + LSTM"``.
    paper_rate : float or None
        The paper's classification rate in percent; None for rows the paper does not have.
    accuracies : list of float
        One accuracy in [0, 1] per (seed, fold) run.
    confusion : ndarray (C, C) of int
        Counts summed over folds and seeds; rows true class, columns predicted, order of ``classes``.
    classes : list of str
        Class names of ``confusion``.
    train_seconds : float
        Total fitting time over all runs.
    seeds : list of int
        The seed of each entry of ``accuracies`` (same length), for the spread across seeds.
    row_id : str
        File-name-safe identifier; derived from ``name`` when empty.
    features, classifier : str
        What the row uses, for the table.
    skipped : str or None
        Why the row did not run (its numbers are then empty).
    details : dict
        Anything else worth keeping in ``metrics.json`` (resolved config path, parameters).
    """

    name: str
    paper_rate: float | None
    accuracies: list[float]
    confusion: np.ndarray
    classes: list[str]
    train_seconds: float = 0.0
    seeds: list[int] = field(default_factory=list)
    row_id: str = ""
    features: str = ""
    classifier: str = ""
    skipped: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.confusion = np.asarray(self.confusion, dtype=np.int64)
        self.classes = [str(c) for c in self.classes]
        self.accuracies = [float(a) for a in self.accuracies]
        self.seeds = [int(s) for s in self.seeds]
        if not self.row_id:
            self.row_id = slug(self.name)
        if self.seeds and len(self.seeds) != len(self.accuracies):
            raise ValueError(f"row {self.name!r}: {len(self.seeds)} seeds for {len(self.accuracies)} accuracies")
        if self.skipped is None and self.confusion.shape != (len(self.classes), len(self.classes)):
            raise ValueError(f"row {self.name!r}: confusion matrix {self.confusion.shape} for {len(self.classes)} classes")

    @property
    def ran(self) -> bool:
        return self.skipped is None and len(self.accuracies) > 0

    @property
    def mean(self) -> float:
        """Mean rate in percent over folds and seeds (NaN when the row did not run)."""
        return 100.0 * float(np.mean(self.accuracies)) if self.ran else math.nan

    @property
    def std(self) -> float:
        """Standard deviation in percent over all (seed, fold) runs."""
        return 100.0 * float(np.std(self.accuracies)) if self.ran else math.nan

    @property
    def seed_std(self) -> float:
        """Standard deviation in percent of the per-seed mean rate (NaN with fewer than two seeds).

        This is the number that says whether results swing with the seed: the fold-to-fold part of
        :attr:`std` is there whatever the classifier.
        """
        if not self.ran or len(set(self.seeds)) < 2:
            return math.nan
        per_seed = [np.mean([a for a, s in zip(self.accuracies, self.seeds) if s == seed])
                    for seed in sorted(set(self.seeds))]
        return 100.0 * float(np.std(per_seed))


def slug(name: str) -> str:
    """A file-name-safe identifier for a row name: ``"BoW + LSTM"`` -> ``"bow-lstm"``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "row"


def _canonical(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def class_order(classes: Sequence[str]) -> list[str]:
    """Display order: the paper's (Goal-kick, Placed-kick, Shot-on-goal, Throw-in) when those four
    classes are present (spelling, case and separators may differ: ``goal_kick`` matches), any
    other classes after them sorted; otherwise sorted.
    """
    classes = [str(c) for c in classes]
    by_canonical = {_canonical(c): c for c in classes}
    paper = [_canonical(c) for c in PAPER_CLASS_ORDER]
    if not all(p in by_canonical for p in paper):
        return sorted(classes)
    first = [by_canonical[p] for p in paper]
    return first + sorted(c for c in classes if c not in first)


def reorder_confusion(matrix: np.ndarray, classes: Sequence[str], order: Sequence[str]) -> np.ndarray:
    """The confusion matrix with rows and columns permuted from ``classes`` into ``order``."""
    position = {c: i for i, c in enumerate(classes)}
    missing = [c for c in order if c not in position]
    if missing or len(order) != len(classes):
        raise ValueError(f"order {list(order)} is not a permutation of {list(classes)}")
    index = [position[c] for c in order]
    return np.asarray(matrix)[np.ix_(index, index)]


def per_class_recall(matrix: np.ndarray, classes: Sequence[str]) -> dict[str, float]:
    """Share of each true class classified correctly (the confusion matrix's diagonal rates)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    totals = matrix.sum(axis=1)
    return {c: float(matrix[i, i] / totals[i]) if totals[i] else math.nan for i, c in enumerate(classes)}


def _pct(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def _rate(row: RowResult) -> str:
    if row.skipped is not None:
        return "skipped"
    return f"{row.mean:.1f} +- {row.std:.1f}" if row.ran else "-"


def _seconds(row: RowResult) -> str:
    return f"{row.train_seconds:.1f}" if row.ran else "-"


TABLE_HEADER = ("Row", "Features", "Classifier", "Paper %", "Ours % (mean +- std)", "Seed spread", "Runs", "Train s")


def _table_cells(rows: Sequence[RowResult]) -> list[tuple[str, ...]]:
    return [(row.name, row.features or "-", row.classifier or "-", _pct(row.paper_rate, 2), _rate(row),
             _pct(row.seed_std), str(len(row.accuracies)) if row.ran else "0", _seconds(row)) for row in rows]


def format_table(rows: Sequence[RowResult]) -> str:
    """The results table for a terminal: aligned columns, one line per row, skipped rows' reasons below."""
    cells = [TABLE_HEADER, *_table_cells(rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(TABLE_HEADER))]
    numeric = {3, 4, 5, 6, 7}

    def render(line: tuple[str, ...]) -> str:
        return "  ".join(cell.rjust(w) if i in numeric else cell.ljust(w)
                         for i, (cell, w) in enumerate(zip(line, widths))).rstrip()

    lines = [render(cells[0]), "  ".join("-" * w for w in widths)]
    lines += [render(line) for line in cells[1:]]
    lines += [f"  {row.name}: skipped: {row.skipped}" for row in rows if row.skipped is not None]
    return "\n".join(lines)


def markdown_table(rows: Sequence[RowResult]) -> str:
    """The results table in GitHub Markdown."""
    lines = ["| " + " | ".join(TABLE_HEADER) + " |",
             "|" + "|".join(["---"] * 3 + ["---:"] * (len(TABLE_HEADER) - 3)) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in _table_cells(rows)]
    return "\n".join(lines)


def row_metrics(row: RowResult, order: Sequence[str]) -> dict[str, Any]:
    """One row as JSON-able numbers, confusion matrix in ``order``."""
    data: dict[str, Any] = {"id": row.row_id, "name": row.name, "features": row.features,
                            "classifier": row.classifier, "paper_rate": row.paper_rate, "skipped": row.skipped,
                            "runs": len(row.accuracies), **row.details}
    if not row.ran:
        return data
    matrix = reorder_confusion(row.confusion, row.classes, order)
    data.update({
        "rate_mean": round(row.mean, 4), "rate_std": round(row.std, 4),
        "rate_seed_std": None if math.isnan(row.seed_std) else round(row.seed_std, 4),
        "accuracies": row.accuracies, "seeds": row.seeds,
        "confusion_matrix": matrix.tolist(), "classes": list(order),
        "per_class_recall": per_class_recall(matrix, order),
        "train_seconds": round(row.train_seconds, 3),
        "train_seconds_per_run": round(row.train_seconds / max(len(row.accuracies), 1), 3),
    })
    return data


def write_report(rows: Sequence[RowResult], out_dir: str | os.PathLike, title: str = "Results",
                 context: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write ``report.md``, ``metrics.json``, ``rates.png`` and ``confusion/<row>.png`` into ``out_dir``.

    Parameters
    ----------
    rows : sequence of RowResult
        The table, in display order.
    out_dir : path-like
        Report folder (created when missing).
    title : str
        Heading of ``report.md``.
    context : dict, optional
        Dataset and protocol facts shown under the title and kept in ``metrics.json``; the keys
        ``dataset``, ``n_clips``, ``class_counts`` (dict), ``folds``, ``seeds``, ``command`` and
        ``notes`` (list of str) are rendered when present.

    Returns
    -------
    dict of str to Path
        ``{"report": ..., "metrics": ..., "rates": ..., "<row id>": confusion PNG, ...}``.
    """
    from soccer_lstm.evaluation.plots import plot_confusion, plot_rates

    out_dir = Path(out_dir)
    context = dict(context or {})
    _check_unique_ids(rows)
    all_classes = sorted({c for row in rows if row.ran for c in row.classes})
    order = class_order(all_classes)
    paths: dict[str, Path] = {}
    # Every figure says which clips it shows: the user's dataset, not the paper's.
    shown_on = f" on {Path(str(context['dataset'])).name}" if context.get("dataset") else ""
    for row in rows:
        if not row.ran:
            continue
        target = out_dir / "confusion" / f"{row.row_id}.png"
        row_order = class_order(row.classes)
        plot_confusion(reorder_confusion(row.confusion, row.classes, row_order), row_order, target,
                       title=f"{row.name}{shown_on}: {row.mean:.1f} % +- {row.std:.1f}")
        paths[row.row_id] = target
    chance = _chance_rate(context.get("class_counts"))
    rates_path = out_dir / "rates.png"
    plot_rates([row.name for row in rows], [row.mean for row in rows], [row.std for row in rows],
               [row.paper_rate for row in rows], rates_path,
               title=f"{title}\nours measured{shown_on or ' on this dataset'}" if title else title, chance=chance)
    paths["rates"] = rates_path
    metrics = {"title": title, **context, "class_order": order, "chance_rate": chance,
               "rows": [row_metrics(row, class_order(row.classes) if row.ran else order) for row in rows]}
    paths["metrics"] = out_dir / "metrics.json"
    write_json(paths["metrics"], metrics)
    paths["report"] = out_dir / "report.md"
    with atomic_write(paths["report"], "w") as handle:
        handle.write(render_markdown(rows, title, context, chance))
    return paths


def _check_unique_ids(rows: Sequence[RowResult]) -> None:
    seen: set[str] = set()
    for row in rows:
        if row.row_id in seen:
            raise ValueError(f"two rows share the id {row.row_id!r}")
        seen.add(row.row_id)


def _chance_rate(class_counts: dict[str, int] | None) -> float | None:
    """Rate (%) of always answering the largest class."""
    if not class_counts:
        return None
    total = sum(class_counts.values())
    return 100.0 * max(class_counts.values()) / total if total else None


def render_markdown(rows: Sequence[RowResult], title: str, context: dict[str, Any], chance: float | None) -> str:
    """The text of ``report.md``."""
    lines = [f"# {title}", ""]
    facts = []
    if context.get("dataset"):
        facts.append(f"- Dataset: `{context['dataset']}`")
    if context.get("n_clips") is not None:
        counts = context.get("class_counts") or {}
        spread = ", ".join(f"{c} {n}" for c, n in counts.items())
        facts.append(f"- Clips: {context['n_clips']}" + (f" ({spread})" if spread else ""))
    if context.get("folds"):
        seeds = context.get("seeds") or []
        facts.append(f"- Protocol: {context['folds']}-fold stratified cross-validation, the same folds for every "
                     f"row; repeated with seeds {', '.join(str(s) for s in seeds) or '0'} (codebook and "
                     f"classifier seeds); rate = share of test clips classified correctly")
    if chance is not None:
        facts.append(f"- Always answering the largest class: {chance:.1f} %")
    if context.get("command"):
        facts.append(f"- Command: `{context['command']}`")
    if context.get("package_version"):
        schema = f", results schema {context['schema_version']}" if context.get("schema_version") else ""
        facts.append(f"- Made by soccer-lstm {context['package_version']}{schema}")
    lines += facts + ([""] if facts else [])
    lines += [markdown_table(rows), ""]
    lines += ["Paper % is the rate Baccouche et al. (2010) report on MICC-Soccer-Actions-4 (Ballan et al.'s "
              "rows as quoted there); it is comparable with ours only on that dataset. Ours % is the mean +- "
              "standard deviation over every (seed, fold) run; Seed spread is the standard deviation of the "
              "per-seed cross-validated rate; Train s is the total fitting time over all runs.", ""]
    for note in context.get("notes") or []:
        lines.append(f"- {note}")
    if context.get("notes"):
        lines.append("")
    skipped = [row for row in rows if row.skipped is not None]
    if skipped:
        lines += ["## Skipped rows", ""] + [f"- {row.name}: {row.skipped}" for row in skipped] + [""]
    ran = [row for row in rows if row.ran]
    if ran:
        order = class_order(sorted({c for row in ran for c in row.classes}))
        lines += ["## Per-class recall", "", "| Row | " + " | ".join(order) + " |",
                  "|---|" + "---:|" * len(order)]
        for row in ran:
            recall = per_class_recall(row.confusion, row.classes)
            lines.append(f"| {row.name} | " + " | ".join(_pct(100.0 * recall.get(c, math.nan), 0) for c in order) + " |")
        lines.append("")
    lines += ["## Figures", "", "![rates of all rows](rates.png)", ""]
    for row in ran:
        lines += [f"### {row.name}", "", f"![confusion matrix of {row.name}](confusion/{row.row_id}.png)", ""]
    return "\n".join(lines)
