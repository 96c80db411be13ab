"""Where replicates run: in this process, a local process pool, or a Dask
cluster. All three call ``run_replicate(plan, i)`` and hand each summary to
``on_done`` as it arrives; a replicate's result depends only on the plan and
its index, so the executor never changes the numbers.

The local pool is ``concurrent.futures.ProcessPoolExecutor`` (``spawn``
start method: numba's threads do not survive a ``fork``); the cluster path is
``dask.distributed`` as it is — ``Client.submit`` with retries, and
``as_completed`` to take results as they come. A worker that dies has its
tasks run again elsewhere by the Dask scheduler.

A warning a replicate raises (a ``CoarseStepWarning``, say) comes back with
its summary, wherever it ran, and is issued again here, once per distinct
message for the whole ensemble: the user sees it as a warning of this
process (the command line's one line), not once per replicate nor as a
worker's raw output.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed

from ..errors import ParameterError, RumormillError
from .plan import Plan
from .replicate import run_replicate

#: most worker processes we start on one machine
MAX_WORKERS = 512
#: seconds to wait for a Dask scheduler before saying it cannot be reached
CONNECT_TIMEOUT = 10
#: times Dask runs a replicate again after its worker died
RETRIES = 3


class ClusterError(RumormillError):
    """A Dask scheduler could not be reached, or the cluster failed."""


def check_workers(workers: int | None) -> int:
    """The number of worker processes: default the machine's cores."""
    if workers is None:
        return max(1, os.cpu_count() or 1)
    if isinstance(workers, bool) or int(workers) != workers or not 1 <= workers <= MAX_WORKERS:
        raise ParameterError(f"workers = {workers!r}: give a whole number from 1 to {MAX_WORKERS}.")
    return int(workers)


def check_cluster(cluster: str | None) -> None:
    """Fail fast, before anything is stored, when a scheduler does not answer."""
    if cluster is None or cluster == "local":
        return
    from dask.distributed import Client

    try:
        Client(cluster, timeout=CONNECT_TIMEOUT).close()
    except (OSError, TimeoutError) as err:
        raise _unreachable(cluster, err) from None


def _unreachable(cluster: str, err: Exception) -> ClusterError:
    return ClusterError(f"cluster = {cluster!r}: no Dask scheduler answered within {CONNECT_TIMEOUT} s "
                        f"({type(err).__name__}); start one with `dask scheduler` and give its address, "
                        "e.g. tcp://127.0.0.1:8786, or use --cluster local.")


def execute(plan: Plan, indices: Iterable[int], on_done: Callable, *, workers: int = 1,
            cluster: str | None = None) -> str:
    """Run replicates ``indices`` of ``plan``, calling ``on_done(index, summary)``
    as each finishes; each distinct warning the replicates raise is issued once,
    here. Returns a description of the executor used."""
    indices = list(indices)
    on_done = _reissuing(on_done)
    if cluster is not None:
        return _dask(plan, indices, on_done, workers, cluster)
    if workers <= 1 or len(indices) <= 1:
        for i in indices:
            on_done(i, replicate_warned(plan, i))
        return "this process"
    return _pool(plan, indices, on_done, min(workers, len(indices)))


def replicate_warned(plan: Plan, index: int, threads: int | None = None) -> tuple:
    """``run_replicate``, and the warnings it raised as ``(message, category, filename, lineno)``
    (the message as text when it cannot travel between processes)."""
    with warnings.catch_warnings(record=True) as caught:
        out = run_replicate(plan, index, threads)
    return out, [(_portable(w.message), w.category, w.filename, w.lineno) for w in caught]


def _portable(message):
    try:
        pickle.dumps(message)
    except Exception:  # noqa: BLE001 - any warning a library raises may hold what cannot be pickled
        return str(message)
    return message


def _reissuing(on_done: Callable) -> Callable:
    """``on_done`` for ``(summary, warnings)``: hands the summary on and issues each warning
    whose (kind, text) was not issued before in this ensemble."""
    seen: set = set()

    def done(index, result):
        summary, caught = result
        for message, category, filename, lineno in caught:
            key = (category, str(message))
            if key not in seen:
                seen.add(key)
                warnings.warn_explicit(message, category, filename, lineno)
        on_done(index, summary)

    return done


def _pool(plan, indices, on_done, workers) -> str:
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    try:
        # worker processes share the cores: one numba thread each
        futures = {pool.submit(replicate_warned, plan, i, 1): i for i in indices}
        for fut in as_completed(list(futures)):
            # hand the summary on and let go of it: the coordinator's memory does not grow with the runs
            on_done(futures.pop(fut), fut.result())
    finally:
        # on Ctrl-C or an error: drop what has not started, keep what is stored
        pool.shutdown(wait=True, cancel_futures=True)
    return f"local pool of {workers} processes"


def _dask(plan, indices, on_done, workers, cluster) -> str:
    try:
        from dask.distributed import Client, LocalCluster, as_completed as dask_completed
    except ImportError:  # pragma: no cover - dask is a dependency
        raise ClusterError("cluster: dask.distributed is not installed; pip install 'dask[distributed]'.") from None
    local = None
    try:
        if cluster == "local":
            local = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(local)
            where = f"Dask LocalCluster of {workers} workers"
        else:
            try:
                client = Client(cluster, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as err:
                raise _unreachable(cluster, err) from None
            where = f"Dask cluster at {cluster}"
        with client:
            futures = [client.submit(replicate_warned, plan, i, 1, key=f"rumormill-{plan.id}-{i}", retries=RETRIES)
                       for i in indices]
            index = {f.key: i for f, i in zip(futures, indices)}
            done = dask_completed(futures)
            del futures  # as_completed holds each future until it is handed out, then lets it go
            for fut in done:
                on_done(index[fut.key], fut.result())
                fut.release()
        return where
    finally:
        if local is not None:
            local.close()
