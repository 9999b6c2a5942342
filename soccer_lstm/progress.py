"""Progress bars for loops over clips (tqdm on stderr; off with ``-q``)."""
from __future__ import annotations

from typing import Iterable, Iterator, TypeVar

from tqdm import tqdm

T = TypeVar("T")
_enabled = True


def set_enabled(enabled: bool) -> None:
    """Turn progress bars on or off for this process."""
    global _enabled
    _enabled = enabled


def bar(iterable: Iterable[T], total: int | None = None, desc: str = "", unit: str = "clip") -> Iterator[T]:
    """Wrap ``iterable`` in a progress bar when enabled."""
    return iter(tqdm(iterable, total=total, desc=desc, unit=unit, disable=not _enabled,
                     dynamic_ncols=True, leave=False))
