"""Plots say which dataset they show; the paper's rates are labelled as measured on MICC (issue 15)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from stage_fixtures import small_run  # noqa: F401 (fixture)


def test_report_figures_name_the_dataset_and_the_papers_dataset(tmp_path: Path, monkeypatch) -> None:
    import soccer_lstm.evaluation.plots as plots
    from soccer_lstm.evaluation.report import RowResult, write_report

    titles: list[str] = []
    real_rates, real_confusion = plots.plot_rates, plots.plot_confusion
    monkeypatch.setattr(plots, "plot_rates", lambda *a, **k: (titles.append(k["title"]), real_rates(*a, **k)))
    monkeypatch.setattr(plots, "plot_confusion", lambda *a, **k: (titles.append(k["title"]), real_confusion(*a, **k)))
    row = RowResult("BoW + LSTM", 76.0, [0.5, 1.0], np.eye(2, dtype=int) * 3, ["a", "b"], train_seconds=1.0,
                    seeds=[0, 0], features="bow", classifier="lstm")
    write_report([row], tmp_path / "report", title="Table 1", context={"dataset": "/data/my_clips"})
    assert all("my_clips" in title for title in titles), titles


def test_the_papers_rates_are_labelled_as_measured_on_micc(tmp_path: Path, monkeypatch) -> None:
    from matplotlib.axes import Axes

    import soccer_lstm.evaluation.plots as plots

    labels: list[str] = []
    real_scatter = Axes.scatter
    monkeypatch.setattr(Axes, "scatter", lambda self, *a, **k: (labels.append(k.get("label")), real_scatter(self, *a, **k))[1])
    plots.plot_rates(["row"], [50.0], [1.0], [76.0], tmp_path / "rates.png", title="t")
    assert labels == ["paper (measured on MICC-Soccer-Actions-4)"]




def test_learning_curve_and_score_titles_name_the_dataset(small_run, tmp_path: Path, monkeypatch) -> None:
    import soccer_lstm.evaluation.plots as plots
    from clipgen import make_dataset
    from helpers import run_cli
    from stage_fixtures import TINY_TRAIN

    titles: list[str] = []
    monkeypatch.setattr(plots, "plot_learning_curve", lambda *a, **k: titles.append(k["title"]))
    monkeypatch.setattr(plots, "plot_confusion", lambda *a, **k: titles.append(k["title"]))
    assert run_cli("train", str(small_run["sequences"]), "-o", str(tmp_path / "m"), *TINY_TRAIN, "--plot").exit_code == 0
    held = make_dataset(tmp_path / "my_held_out", clips_per_class=1, n_frames=8)
    assert run_cli("score", "--model", str(small_run["model"]), str(held), "-o", str(tmp_path / "s")).exit_code == 0
    assert titles[0].startswith(f"learning curve on {small_run['data'].name} ")
    assert titles[1].startswith("my_held_out: 3 clips scored")
