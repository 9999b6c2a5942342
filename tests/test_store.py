"""The feature store and the stage indexes: what a stage reads is what the stage before it wrote."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import write_feature_store
from soccer_lstm.errors import ArtifactError, UserError
from soccer_lstm.store import FeatureStore, read_stage_index


def test_store_reads_labels_groups_and_features(tmp_path: Path) -> None:
    folder = write_feature_store(tmp_path / "f", ["a", "b", "a"], frames=[3, 4, 5], per_frame=2, groups=["g1", "g1", "g2"])
    store = FeatureStore(folder)
    assert len(store) == 3 and store.labels == ["a", "b", "a"] and store.groups == ["g1", "g1", "g2"]
    clip = store.load(1)
    assert clip.n_frames == 4 and len(clip.descriptors) == store.descriptor_count(1) == 8
    assert (clip.descriptors[:, 0] == 1).all()


def test_a_clip_file_of_another_run_is_refused(tmp_path: Path) -> None:
    folder = write_feature_store(tmp_path / "f", ["a", "b"])
    other = write_feature_store(tmp_path / "g", ["a", "b"], seed=1)  # same names, other fingerprints
    (folder / "clips" / "clip001.npz").write_bytes((other / "clips" / "clip001.npz").read_bytes())
    store = FeatureStore(folder)
    store.load(0)
    with pytest.raises(ArtifactError, match="made by another run"):
        store.load(1)


@pytest.mark.parametrize("index, error, message", [
    (None, UserError, r"not a features folder \(no index.json; 'soccer-lstm extract' writes one\)"),
    ({"stage": "encode", "clips": []}, ArtifactError, r"not a soccer-lstm features index \(it was written by 'encode'\)"),
    ([1, 2], ArtifactError, "not a soccer-lstm features index"),
    ({"stage": "extract", "schema_version": 1, "clips": [{"clip_id": "x"}]}, ArtifactError, "malformed features index"),
    ({"stage": "extract", "schema_version": 1, "clips": []}, UserError, "holds no extracted clips"),
    ({"stage": "extract", "clips": []}, ArtifactError, "another features format; re-run 'extract'"),
    ({"stage": "extract", "schema_version": 0, "clips": []}, ArtifactError, "another features format"),
])
def test_a_wrong_or_broken_folder_is_refused_with_the_command_that_makes_the_right_one(tmp_path, index, error,
                                                                                        message) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    if index is not None:
        (folder / "index.json").write_text(json.dumps(index))
    with pytest.raises(error, match=message):
        FeatureStore(folder)


def test_read_stage_index_of_a_missing_folder_says_which_command_makes_it(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"no such sequences folder \(run 'soccer-lstm encode' first\)"):
        read_stage_index(tmp_path / "nope", "encode", "sequences")
