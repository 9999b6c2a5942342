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
