"""docs/api.md's examples run as written (on the tiny generated set, with fewer epochs)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)


def test_import_exposes_the_api_without_loading_tensorflow() -> None:
    code = ("import sys, soccer_lstm as sl; names = [n for n in sl.__all__ if n != '__version__'];"
            "[getattr(sl, n) for n in names if n not in ('LSTMClassifier',)];"
            "print('tensorflow' in sys.modules, all(getattr(sl, n).__doc__ for n in names))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"], "TensorFlow loaded, or a public name has no docstring"


def test_the_train_and_predict_example_runs(tiny_dataset: Path, tmp_path: Path, capsys) -> None:
    train_and_predict, estimators = _blocks()[:2]
    assert len(train_and_predict.strip().splitlines()) <= 14   # "about ten lines"
    out = tmp_path / "api"
    code = (train_and_predict.replace('"data/demo", "out/api"', f'"{tiny_dataset}", "{out}"')
            .replace("TrainConfig(epochs=30)", "TrainConfig(units=8, epochs=3)"))
    exec(compile(code, str(DOC), "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(len(line.split()) == 3 for line in lines)

    code = (estimators.replace('"out/api/features"', f'"{out}/features"')
            .replace("TrainConfig(units=16, epochs=10)", "TrainConfig(units=4, epochs=2, validation_split=0.0)")
            .replace("CodebookConfig(k=50)", "CodebookConfig(k=8, sample_size=2000)"))
    exec(compile(code, str(DOC), "exec"), {})
    assert 0.0 <= float(capsys.readouterr().out.strip()) <= 1.0


def test_the_spotting_example_calls_the_api_as_it_is() -> None:
    """The spotting example needs games and a model with a background class (tests/spotting runs
    those); here each call's function exists and takes the arguments the example gives it."""
    import ast
    import inspect

    import soccer_lstm as sl

    spotting = _blocks()[3]
    calls = [node for node in ast.walk(ast.parse(spotting)) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and node.func.value.id == "sl"]
    assert {c.func.attr for c in calls} == {"render_games", "cut_clips", "run_spot", "score_games"}
    for call in calls:
        signature = inspect.signature(getattr(sl, call.func.attr))
        signature.bind(*[None] * len(call.args), **{k.arg: None for k in call.keywords})
    fields = set(sl.score_games.__annotations__.get("return", "") and
                 __import__("soccer_lstm.spotting.metric", fromlist=["SpottingScore"]).SpottingScore.__dataclass_fields__)
    used = set(re.findall(r"score\.(\w+)", spotting))
    assert used and used <= fields, used - fields


def test_the_grid_search_example_runs(tiny_dataset: Path, tmp_path: Path, capsys) -> None:
    import soccer_lstm as sl
    from soccer_lstm.config import ExtractConfig

    grid_search = _blocks()[2]
    assert "GridSearchCV" in grid_search and "words__k" in grid_search
    sl.run_extract(tiny_dataset, tmp_path / "features", ExtractConfig(resize=160, max_keypoints=150))
    code = (grid_search.replace('"out/api/features"', f'"{tmp_path}/features"')
            .replace('"words__k": [50, 100]', '"words__k": [4, 6]').replace("CodebookConfig(k=50)", "CodebookConfig(k=4, sample_size=1000)"))
    exec(compile(code, str(DOC), "exec"), {})
    printed = capsys.readouterr().out.strip()
    assert "'words__k': " in printed and "'kinds__features': " in printed
