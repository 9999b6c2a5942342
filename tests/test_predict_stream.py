"""predict is streaming and honest (issue 15): answers as they come, warnings for unfamiliar clips,
a low-confidence flag for near-even answers."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from clipgen import clip_frames, write_avi
from helpers import run_cli
from stage_fixtures import small_run  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[1]


# The child classifies the first clip normally; the second clip's features wait on a FIFO that no one
# ever writes, so the run cannot end by itself: the test is synchronised on the output alone.
CHILD = """
import signal
import sys
import soccer_lstm.stages.predict as pipeline  # where predict looks extract_clip up
# Ctrl-C as in a terminal, even when this test runs where SIGINT is ignored (a background job).
signal.signal(signal.SIGINT, signal.default_int_handler)
real, calls = pipeline.extract_clip, []
def extract_clip(path, config):
    calls.append(path)
    if len(calls) > 1:
        open(sys.argv[1]).read()  # blocks until the SIGINT
    return real(path, config)
pipeline.extract_clip = extract_clip
from soccer_lstm.cli import cli
cli(sys.argv[2:], prog_name="soccer-lstm")
"""


def test_sigint_after_the_first_clip_keeps_its_line(small_run: dict[str, Path], tmp_path: Path) -> None:
    clip = sorted(small_run["data"].glob("still/*.avi"))[0]
    fifo = tmp_path / "never-written"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [sys.executable, "-c", CHILD, str(fifo), "-q", "predict", "--model", str(small_run["model"]),
               str(clip), str(clip), str(clip)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=600)  # a guard: without streaming no line ever comes and the child waits forever
    if not lines:
        process.kill()
        pytest.fail("predict printed nothing while its second clip was pending: answers are not streamed")
    first = lines[0]  # the first clip's answer, printed before the second clip starts
    process.send_signal(signal.SIGINT)
    try:
        rest, errors = process.communicate(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
    assert first.startswith(f"{clip}\tstill\t") or first.startswith(f"{clip}\t"), (first, errors)
    assert rest == "" and process.returncode == 130, (rest, process.returncode, errors)
    assert "Traceback" not in errors, errors
    assert "the clips printed above were answered" in errors and "re-run to resume" not in errors


def test_an_interrupted_predict_keeps_the_answers_printed_before(small_run: dict[str, Path], monkeypatch) -> None:
    """In-process: Ctrl-C while the second clip is being read leaves the first clip's line on stdout."""
    import soccer_lstm.stages.predict as predict_stage

    real, calls = predict_stage.extract_clip, []

    def extract_clip(path, config):
        calls.append(path)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real(path, config)

    monkeypatch.setattr(predict_stage, "extract_clip", extract_clip)
    clip = str(sorted(small_run["data"].glob("still/*.avi"))[0])
    result = run_cli("predict", "--model", str(small_run["model"]), clip, clip, clip)
    assert result.exit_code == 130
    assert result.stdout.startswith(f"{clip}\t") and len(result.stdout.splitlines()) == 1, result.stdout


def test_a_model_trained_on_small_clips_warns_on_a_large_clip(small_run: dict[str, Path], tmp_path: Path) -> None:
    small = sorted(small_run["data"].glob("still/*.avi"))[0]
    large = write_avi(tmp_path / "broadcast.avi", clip_frames("still", 7, n_frames=8, size=(640, 480)))
    result = run_cli("predict", "--model", str(small_run["model"]), "--json", str(small), str(large))
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert answers[0]["warnings"] == []
    assert any("frame size 640x480" in w and "96x72" in w for w in answers[1]["warnings"]), answers[1]
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"warning {large}: ")]
    assert len(lines) == 1 and "frame size" in lines[0], result.stderr
    pipeline = json.loads((small_run["model"] / "pipeline.json").read_text())
    assert pipeline["profile"]["longest_side"] == [96.0, 96.0]


def test_a_much_longer_clip_is_flagged(small_run: dict[str, Path], tmp_path: Path) -> None:
    long_clip = write_avi(tmp_path / "long.avi", clip_frames("still", 7, n_frames=40))
    result = run_cli("predict", "--model", str(small_run["model"]), "--json", str(long_clip))
    warnings = json.loads(result.stdout)["warnings"]
    assert any("40 frames, much longer than any training clip" in w for w in warnings), warnings


@pytest.mark.parametrize("scores, flagged", [([0.34, 0.33, 0.33], True), ([0.9, 0.06, 0.04], False)])
def test_a_near_even_answer_carries_the_low_confidence_flag(small_run: dict[str, Path], monkeypatch, scores,
                                                            flagged: bool) -> None:
    from soccer_lstm.models.forward import NetworkClassifier  # the LSTM as load_model gives it

    monkeypatch.setattr(NetworkClassifier, "predict_proba", lambda self, sequences: np.array([scores] * len(sequences)))
    clip = str(sorted(small_run["data"].glob("still/*.avi"))[0])
    text = run_cli("predict", "--model", str(small_run["model"]), clip)
    assert text.exit_code == 0, text.output
    assert ("low confidence (runner-up" in text.stdout) is flagged, text.stdout
    answer = json.loads(run_cli("predict", "--model", str(small_run["model"]), "--json", clip).stdout)
    assert answer["low_confidence"] is flagged and answer["margin"] == pytest.approx(scores[0] - scores[1])
