"""The code's shape: modules by concern (none much over 400 lines), and a library that never imports click."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "soccer_lstm"
CLI_MODULES = ("soccer_lstm.cli", "soccer_lstm.cli_options", "soccer_lstm.__main__", "soccer_lstm.commands")
# Modules allowed over the limit for now (none): split a long module along its seams instead.
TOO_LONG_FOR_NOW: set[str] = set()


def test_no_module_is_over_400_lines() -> None:
    long = {str(path.relative_to(PACKAGE)): n for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text().splitlines())) > 400}
    assert set(long) <= TOO_LONG_FOR_NOW, f"split these along their seams: {long}"


def test_the_library_never_imports_click() -> None:
    code = f"""
import importlib, pkgutil, sys
import soccer_lstm
for module in pkgutil.walk_packages(soccer_lstm.__path__, "soccer_lstm."):
    if not module.name.startswith({CLI_MODULES!r}):
        importlib.import_module(module.name)
print("click" in sys.modules, "tensorflow" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"], "a library module imports click (or TensorFlow at import)"


# Layers, lowest first: a module may import its own layer and those below, never one above, even
# inside a function. The stages build on the estimators, evaluation and spotting on the stages, the
# click layer on everything.
LAYERS = (
    ("errors", "environment", "schema", "artifacts", "progress", "figures", "parallel", "ownership", "video", "dataset",
     "config", "profile"),
    ("features", "store", "synth"),
    ("models",),
    ("estimators",),
    ("stages", "pipeline"),
    ("evaluation", "spotting"),
    ("commands", "cli", "cli_options", "__main__"),
)
# The one arrow allowed upward: config checks --features against the registry of feature kinds,
# the one place that knows them (features/kinds.py imports nothing of the package at import time).
ALLOWED_UP = {("config", "features.kinds")}


def _imports(path: Path) -> set[str]:
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("soccer_lstm."):
            found.add(node.module.removeprefix("soccer_lstm."))
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("soccer_lstm.") for a in node.names if a.name.startswith("soccer_lstm.")}
    return found


def test_no_import_arrow_runs_back_up() -> None:
    rank = {name: level for level, names in enumerate(LAYERS) for name in names}
    upward = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts == ("__init__",):
            continue  # the lazy public API names every layer
        source = parts[0]
        assert source in rank, f"{path}: put this module into a layer of LAYERS"
        for target in _imports(path):
            top = target.split(".")[0]
            if rank.get(top, 0) > rank[source] and (source, target) not in ALLOWED_UP:
                upward.append(f"{'/'.join(parts)} -> {target}")
    assert not upward, f"imports that run back up: {upward}"
