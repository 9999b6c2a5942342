"""Experiment files, row resolution and the reproduce command on the tiny generated dataset."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli
from soccer_lstm.errors import UserError
from soccer_lstm.evaluation.reproduce import (_classifier_label, load_experiment,
                                              run_reproduce, shuffle_frames)

ROOT = Path(__file__).resolve().parents[2]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def experiment(folder: Path, rows: str, base: str = "[evaluate]\nfolds = 3\n") -> Path:
    write(folder, "base.toml", base)
    return write(folder, "exp.toml", 'title = "Tiny"\nbase = "base.toml"\n' + rows)


# --- the shipped experiment files ----------------------------------------------------------------

def test_paper_experiment_lists_the_papers_rows_and_rates():
    spec = load_experiment(ROOT / "experiments" / "paper.toml")
    paper = [(row.classifier, row.features, row.paper_rate) for row in spec.rows if row.paper_rate is not None]
    assert paper == [("nw_knn", "bow", 52.75), ("nw_svm", "bow", 73.25), ("lstm", "bow", 76.0),
                     ("lstm", "motion", 77.0), ("lstm", "bow+motion", 92.0)]
    ours = {row.classifier for row in spec.rows if row.paper_rate is None}
    assert ours == {"chi2_svm", "frame_svm_vote", "lstm", "clip_logistic"}
    # How the players move: local motion alone, everything, and the linear baseline on everything.
    assert {"hof+mbh", "bow+motion+hof+mbh+hog"} <= {row.features for row in spec.rows if row.classifier == "lstm"}
    assert any(row.shuffle_frames for row in spec.rows)
    # One protocol: every row shares the extract and evaluate settings (features once, same folds).
    assert len({row.pipeline.extract for row in spec.rows}) == 1
    assert {row.pipeline.evaluate.folds for row in spec.rows} == {3}
    assert len({row.pipeline.evaluate for row in spec.rows}) == 1
    assert all(row.pipeline.encode.features == row.features for row in spec.rows)


# --- resolution and checks -----------------------------------------------------------------------

ROW = '[[rows]]\nname = "k-NN"\nclassifier = "nw_knn"\nfeatures = "bow"\nconfig = "row.toml"\n'


def test_row_file_overrides_base_one_level(tmp_path):
    write(tmp_path, "row.toml", "[codebook]\nk = 16\n[classifier]\nn_neighbors = 3\n")
    path = experiment(tmp_path, ROW, base="[codebook]\nk = 32\nsample_size = 500\n[evaluate]\nfolds = 4\n")
    row = load_experiment(path).rows[0]
    assert row.row_id == "k-nn" and row.paper_rate is None
    assert row.pipeline.codebook.k == 16 and row.pipeline.codebook.sample_size == 500
    assert row.pipeline.evaluate.folds == 4
    assert row.classifier_params == {"n_neighbors": 3}
    resolved = row.resolved()
    assert resolved["pipeline"]["codebook"]["k"] == 16 and resolved["classifier_params"] == {"n_neighbors": 3}


@pytest.mark.parametrize("row_file, message", [
    ("[extract]\nresize = 100\n", "same for every row"),
    ("[evaluate]\nfolds = 5\n", "same for every row"),
    ("[model]\nx = 1\n", "unknown section"),
    ("[classifier]\nneighbours = 3\n", "has no option"),
    ("[classifier]\nseed = 3\n", "--seeds"),
    ("[encode]\nfeatures = \"motion\"\n", "says 'bow'"),
    ("[codebook]\nk = 1\n", "k must be at least 2"),
    ("[codebook]\nkk = 1\n", "unknown option"),
    ("[transform]\nreverse = true\n", r"unknown \[transform\]"),
    ("[codebook\n", "not valid TOML"),
])
def test_bad_row_files_are_refused_naming_the_file(tmp_path, row_file, message):
    write(tmp_path, "row.toml", row_file)
    with pytest.raises(UserError, match=message) as error:
        load_experiment(experiment(tmp_path, ROW))
    assert "row.toml" in str(error.value)


@pytest.mark.parametrize("segments", ["0", '"3"', "1.5", "true"])
def test_bad_segment_counts_are_refused_before_any_work(tmp_path, segments):
    write(tmp_path, "row.toml", f"[classifier]\nsegments = {segments}\n")
    chi2_row = ROW.replace('"nw_knn"', '"chi2_svm"')
    with pytest.raises(UserError, match="segments must be a whole number") as error:
        load_experiment(experiment(tmp_path, chi2_row))
    assert "row.toml" in str(error.value)
    write(tmp_path, "row.toml", "[classifier]\nsegments = 3\n")
    row = load_experiment(experiment(tmp_path, chi2_row)).rows[0]
    assert row.classifier_params == {"segments": 3}
    assert _classifier_label(row) == "chi2_svm (3 segments)"  # the report tells it from the one-histogram row
    write(tmp_path, "row.toml", "[classifier]\nsegments = 1\n")
    assert _classifier_label(load_experiment(experiment(tmp_path, chi2_row)).rows[0]) == "chi2_svm"


@pytest.mark.parametrize("rows, message", [
    (ROW.replace("nw_knn", "random_forest"), "unknown classifier"),
    (ROW.replace('features = "bow"', 'features = "motion"'), "needs features = 'bow'"),
    (ROW + ROW, "two rows have the id"),
    (ROW.replace('config = "row.toml"', 'config = "missing.toml"'), "no such experiment file"),
    (ROW + "paper_rate = 140\n", "paper_rate"),
    (ROW + "colour = 1\n", "unknown key"),
    ("", "lists no"),
])
def test_bad_experiment_files_are_refused(tmp_path, rows, message):
    write(tmp_path, "row.toml", "")
    with pytest.raises(UserError, match=message):
        load_experiment(experiment(tmp_path, rows))


def test_lstm_rows_take_train_settings_not_classifier_options(tmp_path):
    write(tmp_path, "row.toml", "[classifier]\nunits = 10\n")
    lstm_row = ROW.replace("nw_knn", "lstm")
    with pytest.raises(UserError, match=r"\[train\]"):
        load_experiment(experiment(tmp_path, lstm_row))
    write(tmp_path, "row.toml", "[train]\nunits = 10\n[classifier]\nmembers = 2\n")
    row = load_experiment(experiment(tmp_path, lstm_row)).rows[0]
    assert row.pipeline.train.units == 10 and row.classifier_params == {"members": 2}


# --- transforms and caches -----------------------------------------------------------------------

def test_shuffle_frames_is_a_seeded_permutation_of_each_clip():
    clips = [np.arange(20, dtype=np.float32).reshape(10, 2), np.arange(6, dtype=np.float32).reshape(3, 2),
             np.zeros((0, 2), np.float32)]
    once, again, other = shuffle_frames(clips, 0), shuffle_frames(clips, 0), shuffle_frames(clips, 1)
    for original, a, b in zip(clips, once, again):
        np.testing.assert_array_equal(a, b)
        assert sorted(map(tuple, a)) == sorted(map(tuple, original))
    assert not np.array_equal(once[0], clips[0])
    assert not np.array_equal(once[0], other[0])
    assert clips[0][0, 0] == 0  # the input is not modified


def test_encoded_folds_are_what_the_folds_pipeline_emits(tiny_features):
    """The cache of cross-validation holds exactly the output of the fold's words and kinds steps."""
    from soccer_lstm.config import CodebookConfig, EncodeConfig, PipelineConfig
    from soccer_lstm.estimators import make_clip_pipeline
    from soccer_lstm.evaluation.cv import EncodedFolds
    from soccer_lstm.store import FeatureStore, StoreClips

    store = FeatureStore(tiny_features)
    train = np.arange(0, len(store), 2)
    book = CodebookConfig(k=8, sample_size=400)
    config = EncodeConfig(features="bow+motion+hog")
    cache = EncodedFolds()
    ours = cache.vectors(store, train, book, config)
    steps = make_clip_pipeline(PipelineConfig(codebook=book, encode=config))[:2].fit(StoreClips(store, train))
    theirs = steps.transform(StoreClips(store))
    assert ours.layout == theirs.layout == steps.named_steps["kinds"].layout_
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    again = cache.vectors(store, train, book, EncodeConfig(features="motion+hog"))  # blocks reused, bow left out
    np.testing.assert_array_equal(again[1], ours[1][:, 8:])


# --- end to end ----------------------------------------------------------------------------------

TINY_ROWS = """
[[rows]]
id = "knn"
name = "NW k-NN"
config = "knn.toml"
classifier = "nw_knn"
features = "bow"
paper_rate = 52.75

[[rows]]
id = "chi2"
name = "chi2 SVM"
classifier = "chi2_svm"
features = "bow"

[[rows]]
id = "lstm"
name = "motion LSTM"
config = "lstm.toml"
classifier = "lstm"
features = "motion"
paper_rate = 77
"""


@pytest.fixture
def tiny_experiment(tmp_path):
    write(tmp_path, "knn.toml", "[classifier]\ngap = 0.3\n")
    write(tmp_path, "lstm.toml", "[train]\nunits = 8\nepochs = 3\npatience = 2\nbatch_size = 4\n")
    return experiment(tmp_path, TINY_ROWS,
                      base="[extract]\nresize = 160\nmax_keypoints = 150\n[codebook]\nk = 16\nsample_size = 2000\n"
                           "[evaluate]\nfolds = 3\n")


THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def test_tensorflow_threads_are_limited_unless_the_user_chose(monkeypatch):
    from soccer_lstm.evaluation.reproduce import limit_tensorflow_threads

    for name in THREAD_VARIABLES:
        monkeypatch.setenv(name, "7")
    limit_tensorflow_threads(1)
    assert [os.environ[name] for name in THREAD_VARIABLES] == ["7", "7"]
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name)
    limit_tensorflow_threads(2)
    assert [os.environ[name] for name in THREAD_VARIABLES] == ["2", "2"]


@pytest.fixture(autouse=True)
def _thread_variables_restored(monkeypatch):
    """run_reproduce(threads=1), also through the CLI, asks TensorFlow for one thread through the
    environment; the same values are set here first and taken away after each test, so that no
    later test inherits them."""
    for name in THREAD_VARIABLES:
        monkeypatch.setenv(name, "1")


def test_reproduce_writes_report_configs_and_resumes(tiny_dataset, tiny_experiment, tmp_path):
    out = tmp_path / "out"
    messages: list[str] = []
    result = run_reproduce(tiny_experiment, tiny_dataset, out, seeds=(0, 1), say=messages.append)
    assert [row.row_id for row in result.rows] == ["knn", "chi2", "lstm"] and not result.failed
    for row in result.rows:
        assert row.ran and len(row.accuracies) == 6 and sorted(set(row.seeds)) == [0, 1]
        assert row.confusion.sum() == 2 * 18  # every clip tested once per seed
        config = json.loads((out / "rows" / row.row_id / "config.json").read_text())
        assert config["seeds"] == [0, 1] and config["pipeline"]["codebook"]["k"] == 16
        assert (out / "rows" / row.row_id / "results.json").is_file()
        assert (out / "confusion" / f"{row.row_id}.png").is_file()
    knn, chi2, _ = result.rows
    assert knn.mean > 50 and chi2.mean > 50   # three separable classes: chance is 33 %
    assert json.loads((out / "rows" / "knn" / "config.json").read_text())["classifier_params"] == {"gap": 0.3}
    metrics = json.loads((out / "metrics.json").read_text())
    assert [r["paper_rate"] for r in metrics["rows"]] == [52.75, None, 77.0]
    assert metrics["n_clips"] == 18 and metrics["seeds"] == [0, 1]
    report = (out / "report.md").read_text()
    assert "| NW k-NN | bow | nw_knn | 52.75 |" in report and (out / "rates.png").is_file()
    # The same folds for every row: each clip sits in the same fold in every row and seed.
    folds = {}
    for row_id in ("knn", "chi2", "lstm"):
        predictions = json.loads((out / "rows" / row_id / "results.json").read_text())["predictions"]
        for p in predictions:
            assert folds.setdefault(p["clip_id"], p["fold"]) == p["fold"]
    # A second run reads finished rows back instead of training again; the Classifier column is a
    # label, so it follows the current wording even where the saved file has an older one.
    saved = out / "rows" / "knn" / "results.json"
    payload = json.loads(saved.read_text())
    payload["row"]["classifier"] = "old wording"
    saved.write_text(json.dumps(payload))
    messages.clear()
    again = run_reproduce(tiny_experiment, tiny_dataset, out, seeds=(0, 1), only=["knn", "lstm"],
                          say=messages.append)
    assert [row.row_id for row in again.rows] == ["knn", "lstm"]
    assert sum("saved results" in m for m in messages) == 2
    assert again.rows[0].accuracies == knn.accuracies and again.rows[0].classifier == "nw_knn"


def test_reproduce_command_help_and_user_errors(tiny_dataset, tmp_path):
    result = run_cli("reproduce", "--help")
    assert result.exit_code == 0 and "--seeds" in result.output and "--data" in result.output
    missing = run_cli("reproduce", str(tmp_path / "nope.toml"), "--data", str(tiny_dataset), "-o", str(tmp_path / "o"))
    assert missing.exit_code == 2 and "no such experiment file" in missing.output
    bad_row = run_cli("reproduce", str(ROOT / "experiments" / "paper.toml"), "--data", str(tiny_dataset),
                      "-o", str(tmp_path / "o"), "--rows", "nonexistent")
    assert bad_row.exit_code == 2 and "no row with id nonexistent" in bad_row.output


def test_lstm_members_are_the_lstms_own_ensemble_and_survive_a_clone(tmp_path) -> None:
    """One ensemble mechanism: [classifier] members = n builds one LSTMClassifier with ensemble = n;
    its parameters survive a clone (what each fold fits)."""
    from sklearn.base import clone

    from soccer_lstm.evaluation.reproduce import classifier_factory

    write(tmp_path, "row.toml", "[train]\nunits = 10\n[classifier]\nmembers = 3\n")
    row = load_experiment(experiment(tmp_path, ROW.replace("nw_knn", "lstm"))).rows[0]
    model = classifier_factory(row)(1)
    assert (model.ensemble, model.random_state, model.units) == (3, 1, 10)
    assert clone(model).get_params() == model.get_params()
    write(tmp_path, "row.toml", "[train]\nensemble = 2\n[classifier]\nmembers = 3\n")
    with pytest.raises(UserError, match="disagree"):
        load_experiment(experiment(tmp_path, ROW.replace("nw_knn", "lstm")))


# --- saved rows are reused only for the same inputs ----------------------------------------------

def _perfect_cv(store, config, make_classifier=None, seeds=(0,), transform=None, cache=None, verbose=0, **kwargs):
    """What cross_validate returns when every clip is classified right, without fitting anything."""
    from soccer_lstm.evaluation.cv import CVResult, FoldResult

    labels = store.labels
    result = CVResult(sorted(set(labels)), labels, [e.clip_id for e in store.entries])
    for seed in seeds:
        for fold in range(config.evaluate.folds):
            test = [i for i in range(len(labels)) if i % config.evaluate.folds == fold]
            result.folds.append(FoldResult(fold, seed, test, [labels[i] for i in test], 1.0, 0.0))
    return result


def test_a_saved_row_is_redone_after_a_change_of_any_input(tiny_dataset, tmp_path, monkeypatch):
    import shutil

    import soccer_lstm.evaluation.cv as cv
    import soccer_lstm.evaluation.reproduce as reproduce

    ran: list[str] = []

    def spy(store, config, **kwargs):
        ran.append(f"k{config.codebook.k}")
        return _perfect_cv(store, config, **kwargs)

    monkeypatch.setattr(cv, "cross_validate", spy)
    rows = ('[[rows]]\nid = "a"\nname = "A"\nconfig = "a.toml"\nclassifier = "chi2_svm"\nfeatures = "bow"\n'
            '[[rows]]\nid = "b"\nname = "B"\nconfig = "b.toml"\nclassifier = "nw_knn"\nfeatures = "bow"\n')
    write(tmp_path, "a.toml", "[codebook]\nk = 8\n")
    write(tmp_path, "b.toml", "[codebook]\nk = 6\n")
    spec = experiment(tmp_path, rows, base="[extract]\nresize = 160\nmax_keypoints = 150\n[evaluate]\nfolds = 3\n")
    data, out = Path(shutil.copytree(tiny_dataset, tmp_path / "data")), tmp_path / "out"

    def run(seeds=(0,)) -> list[str]:
        ran.clear()
        run_reproduce(spec, data, out, seeds=seeds, threads=None)
        return sorted(ran)

    assert run() == ["k6", "k8"]
    assert run() == []                                  # nothing changed: both rows read back
    assert run(seeds=(0, 1)) == ["k6", "k8"]            # seeds
    write(tmp_path, "a.toml", "[codebook]\nk = 9\n")
    assert run(seeds=(0, 1)) == ["k9"]                  # one row's config
    monkeypatch.setattr(reproduce, "__version__", "0.0.0-other")
    assert run(seeds=(0, 1)) == ["k6", "k9"]            # the package version
    clips = sorted(data.rglob("*.avi"))
    clips[0].write_bytes(clips[-1].read_bytes())
    assert run(seeds=(0, 1)) == ["k6", "k9"]            # the features of one clip
    assert run(seeds=(0, 1)) == []
