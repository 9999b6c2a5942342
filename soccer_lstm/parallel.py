"""Run per-clip work in parallel: joblib processes locally, a Dask cluster when given a scheduler.

Results stream back to the caller in completion order, so the caller can write each artifact as
soon as it is ready (an interrupted run keeps what finished). Workers only compute and return;
the caller, in its own process, writes every file. On a Dask cluster this means workers need read
access to the inputs (the clips, or the feature store for ``encode``) and nothing else.

Every job runs OpenCV on one thread, so ``n_jobs`` is the number of cores the work occupies and
OpenCV's own thread pool never competes with joblib's processes (or with a Dask worker's other
tasks) for the same cores. Processes are also the cheaper way to fill the cores: OpenCV's
threaded SIFT took 1.03x to 1.4x the CPU time of single-threaded SIFT for the same 640x360 frames
in our runs, while separate processes share nothing (``make bench`` reports both). Use ``-j -1``
to occupy every core. Nothing here imports Dask unless a scheduler address is given.
"""
from __future__ import annotations

import contextlib
import os
import warnings
from typing import Any, Callable, Iterator, Sequence

from joblib import Parallel, delayed

DASK_TIMEOUT = "10s"   # how long to wait for the scheduler to answer before giving up
DASK_RETRIES = 2       # a task that raises (for example a flaky network mount) is tried again
DASK_WAIT_FOR_WORKERS = 60   # seconds to wait for a first worker to join an empty cluster
OPENCV_THREADS_PER_JOB = 1   # one core per job: OpenCV's thread pool and the workers never compete


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def effective_jobs(n_jobs: int | None) -> int:
    """Resolve joblib-style ``n_jobs`` to a positive worker count.

    ``-1`` means all available cores, ``-2`` all but one, and so on; ``0`` or ``None`` mean 1.
    """
    cores = available_cores()
    if not n_jobs:
        return 1
    return max(1, cores + 1 + n_jobs) if n_jobs < 0 else int(n_jobs)


@contextlib.contextmanager
def opencv_threads(threads: int) -> Iterator[None]:
    """Limit OpenCV to ``threads`` threads inside the block; restore the previous setting after."""
    import cv2

    previous = cv2.getNumThreads()
    if previous != threads:
        cv2.setNumThreads(threads)
    try:
        yield
    finally:
        if previous != threads:
            cv2.setNumThreads(previous)


def _call_single_threaded(func: Callable[[Any], Any], item: Any) -> Any:
    """Run ``func(item)`` with OpenCV on one thread (in this process or a worker)."""
    with opencv_threads(OPENCV_THREADS_PER_JOB):
        return func(item)


def imap_unordered(func: Callable[[Any], Any], items: Sequence[Any], n_jobs: int = 1,
                   scheduler: str | None = None) -> Iterator[Any]:
    """Apply ``func`` to every item; yield the results as they complete (order not kept).

    Parameters
    ----------
    func : callable
        A module-level function (it is pickled by reference to reach the workers). Its result
        must say which item it belongs to, since results arrive in completion order.
    items : sequence
        Picklable work items, one per call.
    n_jobs : int
        Local worker processes, each running OpenCV on one thread (``-1`` = all cores). ``1`` runs
        in this process. Ignored when ``scheduler`` is given.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``): the calls run on that cluster through
        joblib's dask backend, and their results come back here.

    Returns
    -------
    iterator
        Results of ``func``, lazily: nothing runs until the iterator is consumed. Close it
        (``contextlib.closing``) when stopping before the end: that cancels the remaining work.

    Raises
    ------
    UserError
        If ``scheduler`` is given and Dask is not installed or the scheduler cannot be reached.
    """
    items = list(items)
    if not items:
        return (result for result in ())  # a generator, like every other path: it can be closed
    if scheduler:
        return _imap_dask(func, items, scheduler)
    jobs = min(effective_jobs(n_jobs), len(items))
    if jobs == 1:
        return (_call_single_threaded(func, item) for item in items)
    return _closing_quietly(Parallel(n_jobs=jobs, return_as="generator_unordered")(
        delayed(_call_single_threaded)(func, item) for item in items))


def _closing_quietly(results: Iterator[Any]) -> Iterator[Any]:
    """Yield from a joblib result generator; when the caller stops early, cancel the rest quietly.

    A caller stops early on purpose (``--strict`` at the first bad clip, a damaged artifact) and
    says why in its own one-line error. Left to itself, joblib would warn about the cancelled
    tasks and, when the generator is only collected at interpreter exit, print tracebacks of
    workers that can no longer be fed. Callers close the iterator as soon as they stop
    (``contextlib.closing``), which cancels the remaining tasks here.
    """
    try:
        with warnings.catch_warnings():
            # A worker whose memory grew by 300 MB (importing TensorFlow does) is replaced and its
            # tasks go to the new one; joblib warns as if something had gone wrong.
            warnings.filterwarnings("ignore", message="A worker stopped while some jobs", category=UserWarning)
            for result in results:
                yield result
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            results.close()


def worker_versions() -> dict[str, str]:
    """Versions that decide what a worker computes: features must not depend on which one ran."""
    import cv2
    import numpy

    from soccer_lstm import __version__

    return {"soccer-lstm": __version__, "opencv": cv2.__version__, "numpy": numpy.__version__}


def check_workers(client: Any, expected: dict[str, str]) -> None:
    """Refuse a cluster whose workers run other versions than ``expected`` (this process's).

    The artifacts record this process's versions in their fingerprints, so a worker with another
    OpenCV would write features that lie about how they were made.
    """
    from soccer_lstm.errors import UserError

    try:
        found = client.run(worker_versions)
    except ImportError as exc:
        raise UserError(f"a Dask worker cannot import soccer-lstm ({exc}); install 'soccer-lstm[distributed]' "
                        f"on every worker".splitlines()[0]) from None
    for worker, versions in sorted(found.items()):
        if versions != expected:
            differ = ", ".join(f"{name} {versions.get(name)} (here {value})" for name, value in expected.items()
                               if versions.get(name) != value)
            raise UserError(f"Dask worker {worker} runs {differ}; install the same versions on every worker")


def connect(scheduler: str) -> Any:
    """A ``dask.distributed.Client`` connected to ``scheduler`` whose workers match this process.

    Raises
    ------
    UserError
        If Dask is not installed, the scheduler cannot be reached, or a worker runs other versions
        of soccer-lstm, OpenCV or numpy.
    """
    from soccer_lstm.errors import UserError

    try:
        from dask.distributed import Client
    except ImportError:
        raise UserError("--scheduler needs the 'distributed' extra: pip install 'soccer-lstm[distributed]'") from None
    try:
        client = Client(scheduler, timeout=DASK_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UserError(f"{scheduler}: cannot reach the Dask scheduler ({exc})".splitlines()[0]) from None
    try:
        check_workers(client, worker_versions())
    except BaseException:
        client.close()
        raise
    return client


def _imap_dask(func: Callable[[Any], Any], items: list[Any], scheduler: str) -> Iterator[Any]:
    # Connect now, so that a wrong address fails before any work is promised to the caller.
    client = connect(scheduler)

    def generate() -> Iterator[Any]:
        import joblib

        from soccer_lstm.errors import UserError

        # One OpenCV thread per task: a Dask worker runs as many tasks at once as it has threads.
        with contextlib.closing(client), joblib.parallel_config(
                backend="dask", client=client, wait_for_workers_timeout=DASK_WAIT_FOR_WORKERS,
                retries=DASK_RETRIES):
            try:
                yield from _closing_quietly(Parallel(return_as="generator_unordered")(
                    delayed(_call_single_threaded)(func, item) for item in items))
            except TimeoutError as exc:
                if "has no worker" not in str(exc):
                    raise
                raise UserError(f"{scheduler}: no Dask worker joined within {DASK_WAIT_FOR_WORKERS} s "
                                f"(start them with: dask worker {scheduler} --nthreads 1)") from None

    return generate()
