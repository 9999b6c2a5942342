"""Nothing a user received is unpickled or executed; foreign, tampered and mismatched artifacts are refused."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from helpers import run_cli
from robust_helpers import FAST, error_line, no_crash, read_index


class Payload:
    """Unpickling this would create a marker file: proof that pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def pickled_npz(path: Path, marker: Path, **extra: np.ndarray) -> Path:
    """An .npz with an object array (needs pickle to load) plus ordinary arrays."""
    arrays = {name: np.asarray(value) for name, value in extra.items()}
    arrays["centers"] = np.array([Payload(marker)], dtype=object)
    with open(path, "wb") as handle:
        np.savez(handle, allow_pickle=True, **arrays)
    return path


def test_codebook_with_a_pickled_object_is_refused(trained: dict, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = pickled_npz(tmp_path / "codebook.npz", marker)
    result = run_cli("encode", trained["features"], "--codebook", evil, "-o", tmp_path / "seq")
    error_line(result, evil, "pickled objects; refusing")
    assert not marker.exists()
    assert not (tmp_path / "seq").exists()


def test_pickle_file_renamed_npz_is_refused(trained: dict, tmp_path: Path) -> None:
    import pickle

    marker = tmp_path / "pwned"
    evil = tmp_path / "codebook.npz"
    evil.write_bytes(pickle.dumps(Payload(marker)))
    error_line(run_cli("encode", trained["features"], "--codebook", evil, "-o", tmp_path / "seq"), evil)
    assert not marker.exists()


def test_feature_file_with_a_pickled_object_is_refused(trained: dict, tmp_path: Path) -> None:
    features = Path(shutil.copytree(trained["features"], tmp_path / "features"))
    marker = tmp_path / "pwned"
    victim = features / read_index(features)["clips"][0]["file"]
    pickled_npz(victim, marker, descriptors=np.zeros((1, 128), np.uint8))
    result = run_cli("codebook", features, "-o", tmp_path / "codebook.npz", "-k", "4", "--sample-size", "50")
    error_line(result, victim, "pickled objects; refusing")
    assert not marker.exists()
    # extract does not trust it either: the clip is extracted again over it.
    source = read_index(features)["source"]
    rerun = run_cli("extract", source, "-o", features, *FAST, quiet=False)
    assert rerun.exit_code == 0 and "1 clips extracted" in rerun.stderr
    assert not marker.exists()


def test_foreign_npz_without_metadata_is_refused(trained: dict, tmp_path: Path) -> None:
    foreign = tmp_path / "centers.npz"
    np.savez(foreign, centers=np.zeros((4, 128), np.float32))
    error_line(run_cli("encode", trained["features"], "--codebook", foreign, "-o", tmp_path / "s"),
               foreign, "not written by this tool")


def test_tampered_codebook_is_refused(trained: dict, tmp_path: Path) -> None:
    from soccer_lstm.artifacts import load_npz, save_npz

    arrays, meta = load_npz(trained["codebook"])
    arrays["centers"] = arrays["centers"] + 1.0  # centres edited, recorded fingerprint kept
    tampered = tmp_path / "codebook.npz"
    save_npz(tampered, arrays, meta)
    error_line(run_cli("encode", trained["features"], "--codebook", tampered, "-o", tmp_path / "s"),
               tampered, "do not match the recorded fingerprint")


def test_codebook_out_over_a_foreign_file_is_refused_and_kept(trained: dict, tmp_path: Path) -> None:
    precious = tmp_path / "notes.npz"
    precious.write_bytes(b"my own data")
    error_line(run_cli("codebook", trained["features"], "-o", precious, "-k", "4"), precious, "not overwriting")
    assert precious.read_bytes() == b"my own data"


def test_model_refuses_sequences_of_another_codebook(trained: dict, tmp_path: Path) -> None:
    other_book, other_seq = tmp_path / "other.npz", tmp_path / "other-seq"
    for args in (("codebook", trained["features"], "-o", other_book, "-k", "12", "--sample-size", "400", "--seed", "5"),
                 ("encode", trained["features"], "--codebook", other_book, "-o", other_seq)):
        assert run_cli(*args).exit_code == 0
    result = run_cli("predict", "--model", trained["model"], "--sequences", other_seq)
    line = error_line(result, other_seq, "encoded with codebook")
    assert read_index(other_seq)["codebook"] in line
    ok = run_cli("predict", "--model", trained["model"], "--sequences", trained["sequences"])
    no_crash(ok)
    assert ok.exit_code == 0, ok.output
    assert len(ok.stdout.splitlines()) == len(read_index(trained["sequences"])["clips"])


def test_model_refuses_sequences_of_another_kind(trained: dict, tmp_path: Path) -> None:
    motion = tmp_path / "motion-seq"
    assert run_cli("encode", trained["features"], "--features", "motion", "-o", motion).exit_code == 0
    error_line(run_cli("predict", "--model", trained["model"], "--sequences", motion), motion, "'motion' features")


def test_model_folder_with_a_swapped_codebook_is_refused(trained: dict, tmp_path: Path) -> None:
    model = Path(shutil.copytree(trained["model"], tmp_path / "model"))
    other = tmp_path / "other.npz"
    assert run_cli("codebook", trained["features"], "-o", other, "-k", "12", "--sample-size", "400",
                  "--seed", "9").exit_code == 0
    shutil.copy(other, model / "codebook.npz")
    clip = Path(read_index(trained["features"])["clips"][0]["path"])
    error_line(run_cli("predict", "--model", model, clip), model / "codebook.npz", "not the codebook")


def test_keras_model_with_code_is_never_run(trained: dict, tmp_path: Path) -> None:
    import keras
    import pytest

    from soccer_lstm.errors import ArtifactError
    from soccer_lstm.models.lstm import LSTMClassifier

    model = Path(shutil.copytree(trained["model"], tmp_path / "model"))
    marker = tmp_path / "pwned"
    inputs = keras.Input(shape=(None, 12))
    # The path is a literal inside the lambda's code (no closure), as in a file made to attack.
    code = eval(f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]")
    outputs = keras.layers.Lambda(code)(inputs)
    keras.Model(inputs, outputs).save(tmp_path / "evil.keras")
    marker.unlink()  # building the model above ran the lambda once; loading must not run it again
    shutil.copy(tmp_path / "evil.keras", model / "model.keras")
    clip = Path(read_index(trained["features"])["clips"][0]["path"])
    # predict runs the NumPy network of network.npz: model.keras (for Keras users) is not read at all
    result = run_cli("predict", "--model", model, clip)
    no_crash(result)
    assert result.exit_code == 0, result.output
    # and asking for the Keras model loads it in safe mode
    with pytest.raises(ArtifactError, match="model.keras: not a loadable soccer-lstm model"):
        LSTMClassifier.load(model).model_
    assert not marker.exists()


def test_random_bytes_as_model_are_refused(trained: dict, tmp_path: Path) -> None:
    model = Path(shutil.copytree(trained["model"], tmp_path / "model"))
    (model / "network.npz").write_bytes(b"\x00garbage" * 100)
    clip = Path(read_index(trained["features"])["clips"][0]["path"])
    error_line(run_cli("predict", "--model", model, clip), model / "network.npz", "not the weights of this model")


def test_other_extract_parameters_rebuild_everything_downstream(trained: dict, tmp_path: Path) -> None:
    features = Path(shutil.copytree(trained["features"], tmp_path / "features"))
    book = Path(shutil.copy(trained["codebook"], tmp_path / "codebook.npz"))
    source = read_index(features)["source"]
    same = run_cli("extract", source, "-o", features, *FAST, quiet=False)
    assert "0 clips extracted, 6 up to date" in same.stderr
    other = run_cli("extract", source, "-o", features, "--resize", "96", "--max-keypoints", "40", quiet=False)
    assert "6 clips extracted, 0 up to date" in other.stderr
    rebuilt = run_cli("codebook", features, "-o", book, "-k", "12", "--sample-size", "400", quiet=False)
    assert "fitted" in rebuilt.stderr
    again = run_cli("codebook", features, "-o", book, "-k", "12", "--sample-size", "400", quiet=False)
    assert "up to date" in again.stderr


def test_features_of_another_run_are_refused(trained: dict, tmp_path: Path) -> None:
    features = Path(shutil.copytree(trained["features"], tmp_path / "features"))
    entries = read_index(features)["clips"]
    shutil.copy(features / entries[1]["file"], features / entries[0]["file"])  # a file from another clip
    error_line(run_cli("codebook", features, "-o", tmp_path / "c.npz", "-k", "4"), entries[0]["file"], "does not match")


def test_malformed_features_index_is_refused(trained: dict, tmp_path: Path) -> None:
    features = Path(shutil.copytree(trained["features"], tmp_path / "features"))
    index = read_index(features)
    index["clips"][0].pop("file")
    (features / "index.json").write_text(json.dumps(index))
    error_line(run_cli("codebook", features, "-o", tmp_path / "c.npz"), features / "index.json", "malformed")
    (features / "index.json").write_text("{not json")
    error_line(run_cli("codebook", features, "-o", tmp_path / "c.npz"), features / "index.json", "not a readable JSON")
