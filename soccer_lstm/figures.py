"""Figures without pyplot: matplotlib's object API on the Agg canvas, written atomically as PNG.

No global state is touched (no backend switch, no pyplot figure registry), so plotting works on
headless machines and is safe from any thread.
"""
from __future__ import annotations

import io
import os
from typing import Any

from soccer_lstm.artifacts import atomic_write


def new_figure(width: float, height: float) -> Any:
    """An empty ``matplotlib.figure.Figure`` of ``width`` x ``height`` inches on an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def save_png(figure: Any, path: str | os.PathLike) -> None:
    """Render ``figure`` into memory, then write it to ``path`` atomically."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    with atomic_write(path, "wb") as handle:
        handle.write(buffer.getvalue())
