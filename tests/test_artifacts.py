"""Atomic writes, fingerprints and archives that load without pickle."""
from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from soccer_lstm.artifacts import (array_fingerprint, atomic_write, file_digest, file_signature, fingerprint, load_npz,
                                   read_json, remove_stale_temporaries, save_npz, write_json)
from soccer_lstm.errors import ArtifactError, UserError


def test_atomic_write_replaces_only_on_success_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.txt"
    with atomic_write(target, "w") as handle:
        handle.write("first")
    with pytest.raises(RuntimeError):
        with atomic_write(target, "w") as handle:
            handle.write("half")
            raise RuntimeError("killed")
    assert target.read_text() == "first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.txt"]


def test_a_failed_write_is_a_user_error_and_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    import errno

    import soccer_lstm.artifacts as artifacts

    write_json(tmp_path / "a.json", {"x": 1})

    def full(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(artifacts.os, "replace", full)
    with pytest.raises(UserError, match="No space left on device.*nothing was replaced"):
        write_json(tmp_path / "a.json", {"x": 2})
    monkeypatch.undo()
    assert read_json(tmp_path / "a.json") == {"x": 1} and len(list(tmp_path.iterdir())) == 1


def test_npz_round_trip_keeps_arrays_and_metadata(tmp_path: Path) -> None:
    arrays = {"a": np.arange(6, dtype=np.uint8).reshape(2, 3), "b": np.zeros(0, np.float32)}
    save_npz(tmp_path / "x.npz", arrays, {"stage": "test", "n": np.int64(3), "path": tmp_path})
    loaded, meta = load_npz(tmp_path / "x.npz", required=("a", "b"))
    np.testing.assert_array_equal(loaded["a"], arrays["a"])
    assert loaded["a"].dtype == np.uint8 and loaded["b"].shape == (0,)
    assert meta["stage"] == "test" and meta["n"] == 3 and meta["path"] == str(tmp_path) and "package_version" in meta
    with pytest.raises(ArtifactError, match="lacks array"):
        load_npz(tmp_path / "x.npz", required=("c",))
    with pytest.raises(TypeError, match="pickle"):
        save_npz(tmp_path / "y.npz", {"o": np.array([{}], dtype=object)}, {})


@pytest.mark.parametrize("content, message", [
    (pickle.dumps({"a": 1}), "is a Python pickle"),
    (b"hello", "unknown file type"),
    (None, "no soccer-lstm metadata"),
    (b"PK\x03\x04 broken", "not a valid soccer-lstm archive"),
])
def test_foreign_files_are_refused(tmp_path: Path, content, message) -> None:
    path = tmp_path / "x.npz"
    if content is None:
        buffer = io.BytesIO()
        np.savez(buffer, a=np.zeros(2))
        content = buffer.getvalue()
    path.write_bytes(content)
    with pytest.raises(ArtifactError, match=message):
        load_npz(path)


def test_fingerprints_follow_content_not_order_of_keys_or_place(tmp_path: Path) -> None:
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1}) != fingerprint({"a": 1, "b": 3})
    assert fingerprint([1], 2) != fingerprint([1, 2])  # parts are separated
    a = np.arange(4, dtype=np.float32)
    assert array_fingerprint(a) != array_fingerprint(a.astype(np.float64)) != array_fingerprint(a.reshape(2, 2))
    one, two = tmp_path / "one.bin", tmp_path / "sub" / "two.bin"
    two.parent.mkdir()
    one.write_bytes(b"same bytes")
    two.write_bytes(b"same bytes")
    assert file_digest(one) == file_digest(two)
    os.utime(two, ns=(10**9, 10**9))
    assert file_signature(one) != file_signature(two)  # the quick check differs; the digest settles it
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "1.png").write_bytes(b"x")
    before = file_digest(frames)
    (frames / "1.png").rename(frames / "2.png")
    assert file_digest(frames) != before  # a frame folder's digest includes the names (their order)


def test_stale_temporaries_are_removed_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / ".x.npz.abc.tmp").write_bytes(b"half")
    (tmp_path / "x.npz").write_bytes(b"kept")
    assert remove_stale_temporaries(tmp_path) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["x.npz"]
    assert remove_stale_temporaries(tmp_path / "missing") == 0


def test_read_json_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="not found"):
        read_json(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ArtifactError, match="bad.json: not a readable JSON file"):
        read_json(tmp_path / "bad.json")
