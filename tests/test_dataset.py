from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clipgen import clip_frames, write_avi, write_frame_folder
from soccer_lstm.dataset import artifact_key, discover, make_folds
from soccer_lstm.errors import UserError


def test_folder_per_class_with_videos_and_frame_folders(tmp_path: Path) -> None:
    frames = clip_frames("still", 0, 4)
    write_avi(tmp_path / "b-class" / "z.avi", frames)
    write_avi(tmp_path / "b-class" / "a.avi", frames)
    write_frame_folder(tmp_path / "a-class" / "clip_frames", frames)
    (tmp_path / "a-class" / "notes.txt").write_text("not a clip")
    clips = discover(tmp_path)
    assert [c.clip_id for c in clips] == ["a-class/clip_frames", "b-class/a", "b-class/z"]
    assert [c.label for c in clips] == ["a-class", "b-class", "b-class"]


def test_manifest_with_groups(tmp_path: Path) -> None:
    frames = clip_frames("still", 0, 4)
    for name in ("x", "y"):
        write_avi(tmp_path / "clips" / f"{name}.avi", frames)
    (tmp_path / "m.csv").write_text("path,label,group\nclips/x.avi,kick,match1\nclips/y.avi,throw,match1\n")
    clips = discover(tmp_path / "m.csv")
    assert [(c.label, c.group) for c in clips] == [("kick", "match1"), ("throw", "match1")]
    assert clips[0].path == tmp_path / "clips" / "x.avi"


def test_manifest_line_without_a_label_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("gone.avi\n")
    with pytest.raises(UserError, match="line"):
        discover(tmp_path / "m.csv")


def test_artifact_keys_are_unique_and_safe() -> None:
    a, b = artifact_key("cls/a b"), artifact_key("cls/a_b")
    assert a != b and "/" not in a and " " not in a


def test_grouped_folds_keep_groups_together() -> None:
    labels = ["a"] * 6 + ["b"] * 6
    groups = [f"g{i // 2}" for i in range(12)]
    for train, test in make_folds(labels, groups, 3, seed=0):
        assert not {groups[i] for i in train} & {groups[i] for i in test}


def test_stratified_folds_are_seeded_and_cover_every_clip() -> None:
    labels = ["a"] * 6 + ["b"] * 6
    folds = make_folds(labels, None, 3, seed=1)
    assert sorted(np.concatenate([te for _, te in folds]).tolist()) == list(range(12))
    again = make_folds(labels, None, 3, seed=1)
    assert all((a[1] == b[1]).all() for a, b in zip(folds, again))


def test_same_named_clips_of_one_class_get_distinct_ids_and_are_all_extracted(tmp_path: Path) -> None:
    """``a.avi`` and ``a.mkv`` must not share the id ``kick/a`` (one would silently replace the other)."""
    from soccer_lstm.config import ExtractConfig
    from soccer_lstm.pipeline import run_extract
    from soccer_lstm.store import FeatureStore

    data = tmp_path / "data"
    for n, name in enumerate(("a.avi", "a.mkv", "a~1.avi")):  # a~1 is a real name, not a made-up one
        write_avi(data / "kick" / name, clip_frames("still", n, 4))
    write_avi(data / "throw" / "b.avi", clip_frames("still", 9, 4))
    clips = discover(data)
    ids = [c.clip_id for c in clips]
    assert len(set(ids)) == len(ids) == 4, ids
    assert {c.path.name for c in clips} == {"a.avi", "a.mkv", "a~1.avi", "b.avi"}
    assert next(c.clip_id for c in clips if c.path.name == "a.avi") == "kick/a"
    assert next(c.clip_id for c in clips if c.path.name == "a~1.avi") == "kick/a~1"  # its own id stays
    run_extract(data, tmp_path / "features", ExtractConfig(resize=96, max_keypoints=40))
    store = FeatureStore(tmp_path / "features")
    assert sorted(Path(e.path).name for e in store.entries) == ["a.avi", "a.mkv", "a~1.avi", "b.avi"]
    assert len({e.file for e in store.entries}) == 4


def test_manifest_duplicates_get_distinct_ids(tmp_path: Path) -> None:
    frames = clip_frames("still", 0, 4)
    for name in ("x.avi", "x.mkv"):
        write_avi(tmp_path / "clips" / name, frames)
    (tmp_path / "m.csv").write_text("path,label\nclips/x.avi,kick\nclips/x.mkv,kick\n")
    assert [c.clip_id for c in discover(tmp_path / "m.csv")] == ["kick/x", "kick/x~1"]
