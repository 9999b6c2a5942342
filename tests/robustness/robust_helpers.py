"""Helpers of the robustness tests: tiny generated clips, broken ones, CLI checks."""
from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from click.testing import Result

from clipgen import texture, write_avi

# Small and fast: every extract in these tests uses these options.
FAST = ("--resize", "96", "--max-keypoints", "80")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def frames(seed: int, n: int = 6, size: tuple[int, int] = (96, 72), speed: int = 3) -> list[np.ndarray]:
    """``n`` BGR frames of a random texture panning ``speed`` pixels per frame."""
    world = texture(seed, size=(size[0] + speed * n + 8, size[1] + 8), style=seed % 3)
    return [np.ascontiguousarray(world[4:4 + size[1], 4 + speed * t:4 + speed * t + size[0]]) for t in range(n)]


def make_clip(path: Path, seed: int, n: int = 6, size: tuple[int, int] = (96, 72)) -> Path:
    return write_avi(path, frames(seed, n, size))


def make_good_dataset(root: Path, per_class: int = 3, classes: tuple[str, ...] = ("kick", "throw")) -> Path:
    """``per_class`` small .avi clips (64x48 to 128x96) in each class folder."""
    sizes = [(64, 48), (96, 72), (128, 96)]
    for c, label in enumerate(classes):
        for i in range(per_class):
            make_clip(root / label / f"{label}_{i}.avi", seed=10 * c + i, size=sizes[i % len(sizes)])
    return root


def png_bomb(path: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """A tiny PNG whose header claims a huge image (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))
    return path


def no_crash(result: Result) -> None:
    """The command ended through click (an exit code), not through an unhandled exception.

    ``run_cli`` lets an unhandled exception propagate (the test fails with its traceback); this
    also checks that no traceback was printed.
    """
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed, f"unhandled {type(result.exception).__name__}: {result.exception}\n{result.output}"
    assert "Traceback" not in result.output


def error_line(result: Result, *names: object, code: int = 2) -> str:
    """Assert a user error: exit ``code``, exactly one ``Error:`` line on stderr, naming each of ``names``."""
    no_crash(result)
    assert result.exit_code == code, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    for name in names:
        assert str(name) in errors[0], (name, errors[0])
    return errors[0]


def report_lines(result: Result, prefix: str) -> dict[str, str]:
    """``{path: problem}`` of the ``skipped``/``warning`` lines extract prints at the end."""
    lines = {}
    for line in result.stderr.splitlines():
        if line.startswith(prefix + " "):
            path, _, problem = line[len(prefix) + 1:].partition(": ")
            lines[path] = problem
    return lines


def read_index(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "index.json").read_text(encoding="utf-8"))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*.tmp")]
