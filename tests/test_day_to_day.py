"""Day-to-day use, second pass (issue 26): what a newcomer hit on real clips."""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from clipgen import make_dataset
from helpers import run_cli
from stage_fixtures import FAST, TINY_TRAIN, small_run  # noqa: F401 (fixture)


def one_error(result, *words: str) -> str:
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    for word in words:
        assert word in errors[0], (word, errors[0])
    return errors[0]


# ----------------------------------------------------------------------------- 1: training clips scored
def test_score_on_training_clips_says_it_is_not_a_held_out_figure(small_run: dict[str, Path], tmp_path: Path) -> None:
    meta = json.loads((small_run["model"] / "pipeline.json").read_text())
    assert len(meta["training_clips"]) == 15 and meta["training_clips"] == sorted(meta["training_clips"])
    # The training clips, copied and renamed: still recognised (content, not path), plus one new clip.
    data = tmp_path / "mixed"
    for i, clip in enumerate(sorted(small_run["data"].glob("*/*.avi"))[:4]):
        (data / clip.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, data / clip.parent.name / f"renamed_{i}.avi")
    new = make_dataset(tmp_path / "new", clips_per_class=1, n_frames=8, first_seed=1000)
    new_clip = sorted(new.glob("*/*.avi"))[0]
    shutil.copy(new_clip, data / new_clip.parent.name / "fresh.avi")
    result = run_cli("score", "--model", small_run["model"], data, "-o", tmp_path / "score")
    assert result.exit_code == 0, result.output
    assert "4 of 5 were training clips: not a held-out figure" in result.stdout, result.stdout
    metrics = json.loads((tmp_path / "score" / "metrics.json").read_text())
    assert metrics["n_training_clips"] == 4
    flagged = {Path(p["path"]).name: p["training_clip"] for p in metrics["predictions"]}
    assert flagged.pop("fresh.avi") is False and all(flagged.values())
    fresh = [p for p in metrics["predictions"] if not p["training_clip"]]
    assert metrics["accuracy_held_out"] == float(fresh[0]["label"] == fresh[0]["predicted"])


def test_score_on_held_out_clips_says_so(small_run: dict[str, Path], tmp_path: Path) -> None:
    held = make_dataset(tmp_path / "held", clips_per_class=1, n_frames=8, first_seed=2000)
    result = run_cli("score", "--model", small_run["model"], held, "-o", tmp_path / "score")
    assert result.exit_code == 0, result.output
    assert "none of the 3 clips was a training clip" in result.stdout
    assert json.loads((tmp_path / "score" / "metrics.json").read_text())["n_training_clips"] == 0


# ----------------------------------------------------------------------------- 2: another stage's folder
def test_no_stage_writes_into_another_stages_folder(small_run: dict[str, Path], tmp_path: Path) -> None:
    model = small_run["model"]
    before = {p.name: p.read_bytes() for p in model.iterdir() if p.is_file()}
    error = one_error(run_cli("codebook", small_run["features"], "-o", model / "codebook.npz", "-k", "4",
                              "--sample-size", "100", "--overwrite"), "codebook.npz", "soccer-lstm train",
                      "another stage's folder")
    assert "is inside" in error
    one_error(run_cli("codebook", small_run["features"], "-o", model / "words.npz", "-k", "4",
                      "--sample-size", "100"), "words.npz", "soccer-lstm train")
    one_error(run_cli("extract", small_run["data"], "-o", model / "features", *FAST), "soccer-lstm train")
    one_error(run_cli("score", "--model", model, small_run["data"], "-o", model / "score"), "soccer-lstm train")
    one_error(run_cli("train", small_run["sequences"], "-o", small_run["features"] / "model", *TINY_TRAIN),
              "soccer-lstm extract")
    assert {p.name: p.read_bytes() for p in model.iterdir() if p.is_file()} == before
    assert not (model / "features").exists() and not (model / "score").exists()


# ----------------------------------------------------------------------------- 3, 4: training notes
def _fitted(history: dict, best: int, split: float = 0.2):
    from soccer_lstm.models.lstm import LSTMClassifier

    classifier = LSTMClassifier(validation_split=split)
    classifier.history_, classifier.best_epoch_ = history, best
    classifier.epochs_run_ = len(history["loss"])
    return classifier


def test_an_early_best_epoch_is_said_with_what_to_try() -> None:
    from soccer_lstm.models.advice import early_best_note

    early = _fitted({"loss": [1.0] * 22, "val_loss": [1.0, 0.9] + [1.2] * 20}, best=2)
    note = early_best_note(early)
    assert note and "best epoch 2 of 22 came early" in note and "\n" not in note
    assert "more clips per class" in note and "--learning-rate" in note
    assert early_best_note(_fitted({"loss": [1.0] * 30, "val_loss": [1.0] * 30}, best=10)) is None
    assert early_best_note(_fitted({"loss": [1.0] * 2, "val_loss": [1.0, 0.9]}, best=2)) is None  # ran out of epochs


def test_validation_switched_off_is_said_with_why() -> None:
    from soccer_lstm.models.advice import validation_note

    off = _fitted({"loss": [1.0] * 5}, best=5)
    note = validation_note(off, ["a"] * 4 + ["b"] * 4 + ["c"] * 4)
    assert note and note.startswith("validation off: 12 clips x --validation-split 0.2 gives 2 validation clip(s)")
    assert "fewer than one per class (3)" in note and "training loss" in note and "\n" not in note
    assert "1 clip" in validation_note(off, ["a"] * 4 + ["b"])
    assert validation_note(_fitted({"loss": [1.0]}, best=1, split=0.0), ["a", "b"]) is None  # asked for none
    assert validation_note(_fitted({"loss": [1.0], "val_loss": [1.0]}, best=1), ["a", "b"]) is None


def test_train_on_a_small_set_says_validation_is_off(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", clips_per_class=2, n_frames=6)
    out = tmp_path / "out"
    assert run_cli("extract", data, "-o", out / "features", *FAST).exit_code == 0
    assert run_cli("encode", out / "features", "-o", out / "sequences", "--features", "motion").exit_code == 0
    result = run_cli("train", out / "sequences", "-o", out / "model", *TINY_TRAIN, quiet=False)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("train: validation off: ")]
    assert len(notes) == 1 and "6 clips x --validation-split 0.2 gives 1 validation clip(s)" in notes[0], result.stderr
    assert json.loads((out / "model" / "history.json").read_text())["notes"] == [notes[0].removeprefix("train: ")]


# ----------------------------------------------------------------------------- 5: a loss that reads against chance
def test_the_recorded_loss_reads_against_chance(capfd) -> None:
    """An untrained model answers about uniformly: its per-frame cross-entropy is about ln(classes),
    whatever the clips' length (the old figure was that divided by the mean length: 0.03 here)."""
    from soccer_lstm.models.lstm import LSTMClassifier

    rng = np.random.default_rng(0)
    labels = ["a", "b", "c"] * 6
    sequences = [rng.normal(size=(40, 3)).astype(np.float32) for _ in labels]
    classifier = LSTMClassifier(units=2, epochs=1, learning_rate=1e-6, mirror=False, random_state=0)
    classifier.fit(sequences, labels)
    chance = math.log(3)
    assert abs(classifier.history_["loss"][0] - chance) < 0.25, classifier.history_
    assert abs(classifier.history_["val_loss"][0] - chance) < 0.25, classifier.history_


def test_per_clip_loss_undoes_the_division_by_real_steps() -> None:
    from soccer_lstm.models.training import per_clip_loss

    # 2 clips of 10 and 30 real steps, one output: Keras' loss is (ce_1 + ce_2) / 40.
    assert per_clip_loss((1.1 + 1.1) / 40, real_steps=40, clips=2, outputs=1) == pytest.approx(1.1)
    assert per_clip_loss(3 * (1.1 + 1.1) / 40, real_steps=40, clips=2, outputs=3) == pytest.approx(1.1)


def test_learning_curve_draws_chance_and_says_what_the_loss_is(tmp_path: Path, monkeypatch) -> None:
    from matplotlib.axes import Axes

    from soccer_lstm.evaluation import plots

    drawn: dict[str, object] = {}
    real_axhline, real_ylabel = Axes.axhline, Axes.set_ylabel
    monkeypatch.setattr(Axes, "axhline", lambda self, y=0, *a, **k: (drawn.update(chance=(y, k.get("label"))),
                                                                      real_axhline(self, y, *a, **k))[1])
    monkeypatch.setattr(Axes, "set_ylabel", lambda self, text, *a, **k: (drawn.setdefault("ylabel", text),
                                                                         real_ylabel(self, text, *a, **k))[1])
    plots.plot_learning_curve({"loss": [1.2, 0.9], "val_loss": [1.1, 1.0], "val_accuracy": [0.3, 0.5]},
                              tmp_path / "curve.png", best_epoch=2, n_classes=3)
    assert drawn["chance"] == (pytest.approx(math.log(3)), "chance: ln 3 = 1.10")
    assert drawn["ylabel"] == "cross-entropy per frame (mean over clips)"
    assert (tmp_path / "curve.png").read_bytes()[:4] == b"\x89PNG"


# ----------------------------------------------------------------------------- 6: a quiet library
def _tiny_set(n: int = 12) -> tuple[list[np.ndarray], list[str]]:
    rng = np.random.default_rng(1)
    labels = ["a", "b", "c"] * (n // 3)
    return [rng.normal(size=(6, 4)).astype(np.float32) for _ in labels], labels


def test_the_library_writes_nothing_to_stderr_unless_asked(capfd) -> None:
    import keras  # noqa: F401 (TensorFlow's start-up is not fit's output)
    from sklearn.model_selection import cross_val_score

    from soccer_lstm.models.lstm import LSTMClassifier

    sequences, labels = _tiny_set()
    capfd.readouterr()
    LSTMClassifier(units=2, epochs=3, verbose=0, random_state=0).fit(sequences, labels)
    cross_val_score(LSTMClassifier(units=2, epochs=2, random_state=0), sequences, labels, cv=2)
    assert capfd.readouterr().err == ""
    LSTMClassifier(units=2, epochs=2, verbose=1, random_state=0).fit(sequences, labels)
    assert "train: epoch 1/2" in capfd.readouterr().err  # asked for: shown


def test_a_command_shows_progress_and_leaves_the_library_quiet(small_run: dict[str, Path], tmp_path: Path) -> None:
    from soccer_lstm import progress

    result = run_cli("train", small_run["sequences"], "-o", tmp_path / "m", *TINY_TRAIN, quiet=False)
    assert result.exit_code == 0 and "train: epoch 1/3" in result.stderr, result.output
    assert not progress.enabled()


def test_api_doc_lists_every_exported_name() -> None:
    import soccer_lstm

    text = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text()
    missing = [name for name in soccer_lstm.__all__ if name != "__version__" and f"`{name}" not in text]
    assert not missing, missing


# ----------------------------------------------------------------------------- 7: evaluate names the dataset
def test_evaluate_names_the_dataset_and_logs_a_line_per_fold(small_run: dict[str, Path], tmp_path: Path,
                                                             monkeypatch) -> None:
    from soccer_lstm.evaluation import plots

    titles: list[str] = []
    real_rates = plots.plot_rates
    monkeypatch.setattr(plots, "plot_rates", lambda *a, **k: (titles.append(k["title"]), real_rates(*a, **k))[1])
    out = tmp_path / "eval"
    result = run_cli("evaluate", small_run["features"], "-o", out, "-k", "4", "--sample-size", "100", "--folds", "2",
                     "--features", "bow+motion", *TINY_TRAIN, quiet=False)
    assert result.exit_code == 0, result.output
    name = small_run["data"].name
    metrics = json.loads((out / "metrics.json").read_text())
    assert Path(metrics["dataset"]).name == name and metrics["features_dir"] == str(small_run["features"])
    assert titles and titles[0].endswith(f"ours measured on {name}"), titles
    assert f"- Dataset: `{metrics['dataset']}`" in (out / "report.md").read_text()
    lines = result.stderr.splitlines()
    first = next(n for n, line in enumerate(lines) if line.startswith("seed 0 fold"))
    assert lines[1:first] == ["encode: 1/2 folds", "encode: 2/2 folds"], lines[:first]


# ----------------------------------------------------------------------------- 8: make train PLOT=1
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_train_plot_passes_plot(tmp_path: Path) -> None:
    import subprocess

    root = Path(__file__).resolve().parents[1]

    def train_line(*assignments: str) -> str:
        done = subprocess.run(["make", "-n", "-C", str(root), f"OUT={tmp_path}", "train", *assignments],
                              capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, done.stderr
        return next(line for line in done.stdout.splitlines() if "soccer-lstm train" in line)

    assert train_line("PLOT=1").endswith(" --plot")
    assert "--plot" not in train_line() and "--plot" not in train_line("PLOT=0")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_every_stage_of_make_depends_on_the_artifact_formats(tmp_path: Path) -> None:
    """After an upgrade that changes a format (soccer_lstm/schema.py), make re-runs the stages, which
    redo what the new format needs; before, `spot` said "re-run train" and `make train` found nothing to do."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(["make", "-p", "-n", "-C", str(root), f"OUT={tmp_path}", "train"], capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    rules = {line.split(":")[0]: line for line in done.stdout.splitlines() if line.startswith(f"{tmp_path}/")}
    for target in ("features/index.json", "codebook.npz", "sequences/index.json", "model/pipeline.json",
                   "eval/metrics.json"):
        assert "soccer_lstm/schema.py" in rules[f"{tmp_path}/{target}"].split("|")[0], target


# ----------------------------------------------------------------------------- 9: extract names what it ignored
def test_extract_names_the_files_it_ignored_without_v(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", clips_per_class=1, n_frames=4)
    classes = sorted(p.name for p in data.iterdir())
    (data / classes[0] / "notes.txt").write_text("mine")
    (data / classes[1] / "thumb.png").write_bytes(b"\x89PNG")
    (data / classes[1] / ".hidden").write_text("")
    (data / "README.md").write_text("a dataset's own readme")
    result = run_cli("extract", data, "-o", tmp_path / "features", *FAST, quiet=False)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "ignored" in line]
    assert warnings == [f"warning {data}: ignored 2 file(s) in class folders that are not clips (not a video file "
                        f"nor a folder of frames): {classes[0]}/notes.txt, {classes[1]}/thumb.png"], result.stderr


# ----------------------------------------------------------------------------- 10: the help of --seed
def test_seed_help_has_no_empty_range_and_says_what_each_command_seeds() -> None:
    import click

    from soccer_lstm.cli import cli

    ctx = click.Context(cli)
    helps = {}
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        text = command.get_help(click.Context(command, info_name=name))
        assert "None" not in text, (name, text)
        seed = [p for p in command.params if p.name == "seed"]
        if seed:
            helps[name] = seed[0].help
    assert helps["clips"] == "Seed of where the background clips fall in each game."
    assert "k-means" not in helps["train"] and "weight" in helps["train"]
    assert "k-means" in helps["evaluate"] and "weight" in helps["evaluate"] and "fold" in helps["evaluate"]


def test_plot_asked_of_an_up_to_date_model_draws_it_without_training_again(small_run: dict[str, Path],
                                                                          tmp_path: Path, monkeypatch) -> None:
    from soccer_lstm.models.lstm import LSTMClassifier

    out = tmp_path / "m"
    assert run_cli("train", small_run["sequences"], "-o", out, *TINY_TRAIN).exit_code == 0
    before = (out / "model.keras").read_bytes()

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(LSTMClassifier, "fit", no_training)
    result = run_cli("train", small_run["sequences"], "-o", out, *TINY_TRAIN, "--plot", quiet=False)
    assert result.exit_code == 0 and "model up to date" in result.stderr, result.output
    assert (out / "learning_curve.png").read_bytes()[:4] == b"\x89PNG" and (out / "model.keras").read_bytes() == before


def test_a_stage_may_fill_the_parts_it_declared_and_nothing_else(tmp_path: Path) -> None:
    """reproduce runs extract into OUT/features: its own part; any other output inside it is refused."""
    from soccer_lstm.errors import UserError
    from soccer_lstm.ownership import InputRef, check_not_inside_stage_folder, claim_folder

    out = tmp_path / "report"
    claim_folder(out, "reproduce", {"data": InputRef(str(tmp_path / "data"))}, parts=["features"])
    check_not_inside_stage_folder(out / "features", "extract")
    claim_folder(out / "features", "extract", {"data": InputRef(str(tmp_path / "data"))})
    for other in (out / "model", out / "codebook.npz", out / "features" / "codebook.npz"):
        with pytest.raises(UserError, match="refusing to write"):
            check_not_inside_stage_folder(other, "codebook")
    # A folder claimed before parts were recorded learns them on its next claim.
    owner = out / ".soccer-lstm-owner.json"
    owner.write_text(json.dumps({**json.loads(owner.read_text()), "parts": []}))
    with pytest.raises(UserError):
        check_not_inside_stage_folder(out / "features", "extract")
    claim_folder(out, "reproduce", {"data": InputRef(str(tmp_path / "data"))}, parts=["features"])
    check_not_inside_stage_folder(out / "features", "extract")
