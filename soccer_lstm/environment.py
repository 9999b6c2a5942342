"""Environment variables set for a while and put back: the library changes no global state for good."""
from __future__ import annotations

import contextlib
import os
from typing import Iterable, Iterator


@contextlib.contextmanager
def restored_environment(names: Iterable[str]) -> Iterator[None]:
    """Inside the block ``os.environ[name]`` may be changed for each of ``names``; afterwards each is
    as it was before (set to its old value, or removed when it was unset)."""
    before = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
