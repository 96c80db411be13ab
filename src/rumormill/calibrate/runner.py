"""Where evaluations run: this process, a local process pool, or a Dask
cluster -- the ensembles' executors (``workers`` / ``cluster``, see
docs/ensembles.md), opened once for a whole calibration or sensitivity
analysis and handed tasks as they come.

| ``workers`` / ``cluster`` | executor |
|---|---|
| ``workers=1`` | this process |
| ``workers=W`` | ``concurrent.futures.ProcessPoolExecutor``, ``spawn`` start method |
| ``cluster="local"`` | a Dask ``LocalCluster`` of ``workers`` single-threaded processes |
| ``cluster="tcp://HOST:8786"`` | a running Dask scheduler and its workers |

Pool and Dask workers run each task with one numba thread; no result
depends on the executor, only the time it takes.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor

from ..ensemble.executors import CONNECT_TIMEOUT, RETRIES, ClusterError, check_workers


def single_thread() -> None:
    """In a worker process: one numba thread (the workers share the cores)."""
    import numba

    numba.set_num_threads(1)


def in_one_thread(fn, *args):
    """``fn(*args)`` on one numba thread. numba's thread count belongs to the
    calling thread, and a Dask worker runs each task on a thread of its own
    pool, so it is set in the task: otherwise every worker runs its kernels
    on all the machine's cores and the workers slow each other down."""
    single_thread()
    return fn(*args)


class Runner:
    """An open executor: ``submit(fn, *args)`` returns a future with
    ``result()``, ``done()`` and ``cancel()``; ``slots`` is how many tasks
    keep it busy. Use as a context manager."""

    def __init__(self, workers=None, cluster=None):
        self.workers = check_workers(workers)
        self.cluster = cluster
        self._pool = self._client = self._local = None
        self.where = "this process"

    @property
    def slots(self) -> int:
        if self._client is not None:
            return max(1, sum(self._client.nthreads().values()))
        return self.workers if self._pool is not None else 1

    @property
    def in_process(self) -> bool:
        return self._pool is None and self._client is None

    def __enter__(self) -> "Runner":
        if self.cluster is not None:
            self._dask()
        elif self.workers > 1:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=single_thread)
            self.where = f"local pool of {self.workers} processes"
        return self

    def _dask(self) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask is a dependency
            raise ClusterError("cluster: dask.distributed is not installed; pip install 'dask[distributed]'.") from None
        if self.cluster == "local":
            self._local = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
            self._client = self._local.get_client()
            self.where = f"Dask LocalCluster of {self.workers} workers"
        else:
            try:
                self._client = Client(self.cluster, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as err:
                raise ClusterError(f"cluster = {self.cluster!r}: no Dask scheduler answered within {CONNECT_TIMEOUT} s "
                                   f"({type(err).__name__}); start one with `dask scheduler` and give its address, "
                                   "e.g. tcp://127.0.0.1:8786, or use --cluster local.") from None
            self.where = f"Dask cluster at {self.cluster}"

    def submit(self, fn, *args):
        if self._client is not None:
            return self._client.submit(in_one_thread, fn, *args, pure=False, retries=RETRIES)
        if self._pool is not None:
            return self._pool.submit(fn, *args)
        fut = Future()
        try:
            fut.set_result(fn(*args))
        except Exception as err:  # handed to the caller through result(), as a pool would
            fut.set_exception(err)
        return fut

    def share(self, data):
        """``data`` as an argument many tasks take: sent once to every Dask
        worker (a future standing for it), as it is elsewhere."""
        return self._client.scatter(data, broadcast=True) if self._client is not None else data

    def map(self, fn, items) -> list:
        """``[fn(item) for item in items]``, in order, spread over the executor."""
        futures = [self.submit(fn, item) for item in items]
        return [f.result() for f in futures]

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._client is not None:
            self._client.close()
        if self._local is not None:
            self._local.close()
