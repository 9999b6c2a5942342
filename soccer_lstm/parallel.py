"""Run per-clip work in parallel: joblib processes locally, a Dask cluster when given a scheduler.

Results stream back to the caller in completion order, so the caller can write each artifact as
soon as it is ready (an interrupted run keeps what finished).
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Iterable, Iterator, Sequence

from joblib import Parallel, delayed


def effective_jobs(n_jobs: int) -> int:
    """Resolve joblib-style ``n_jobs`` (-1 = all cores) to a positive count."""
    cores = os.cpu_count() or 1
    if n_jobs is None or n_jobs == 0:
        return 1
    return max(1, cores + 1 + n_jobs) if n_jobs < 0 else n_jobs


def _call_single_threaded(func: Callable[..., Any], item: Any, threads: int) -> Any:
    # OpenCV's own thread pool would fight joblib's workers for the same cores.
    import cv2

    cv2.setNumThreads(threads)
    return func(item)


def imap_unordered(func: Callable[[Any], Any], items: Sequence[Any], n_jobs: int = 1,
                   scheduler: str | None = None) -> Iterator[Any]:
    """Apply ``func`` to every item; yield results as they complete (order not kept).

    ``func`` must return something that identifies its item. With ``scheduler`` (a Dask address
    such as ``tcp://host:8786``) the calls run on that cluster through joblib's dask backend.
    """
    if not items:
        return iter(())
    jobs = effective_jobs(n_jobs)
    if scheduler:
        return _imap_dask(func, items, scheduler)
    if jobs == 1 or len(items) == 1:
        return (func(item) for item in items)
    threads = 1
    return iter(Parallel(n_jobs=jobs, return_as="generator_unordered")(
        delayed(_call_single_threaded)(func, item, threads) for item in items))


def _imap_dask(func: Callable[[Any], Any], items: Sequence[Any], scheduler: str) -> Iterator[Any]:
    from soccer_lstm.errors import UserError

    try:
        from dask.distributed import Client
    except ImportError:
        raise UserError("--scheduler needs the 'distributed' extra: pip install 'soccer-lstm[distributed]'") from None
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise UserError(f"{scheduler}: cannot reach the Dask scheduler ({exc})") from None

    def generate() -> Iterator[Any]:
        import joblib

        with contextlib.closing(client), joblib.parallel_config(backend="dask"):
            yield from Parallel(return_as="generator_unordered")(
                delayed(_call_single_threaded)(func, item, 1) for item in items)

    return generate()
