"""A real Dask cluster on localhost — `dask scheduler` and two `dask worker`
processes — loses a worker mid-ensemble; the ensemble completes with the same
numbers as in this process."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rumormill.ensemble import plan_for, run_plan
from rumormill.scenario import load

VILLAGE = Path(__file__).with_name("village.toml")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env, start_new_session=True)


@pytest.fixture
def cluster():
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [_start(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"])]
    try:
        from dask.distributed import Client

        client = Client(address, timeout=60)
        for _ in range(2):
            procs.append(_start(["worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                                 "--host", "127.0.0.1"]))
        client.wait_for_workers(2, timeout=120)
        client.close()
        yield address, procs
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=30)


def test_an_ensemble_survives_a_worker_killed_mid_way(cluster):
    address, procs = cluster
    plan = plan_for(load(VILLAGE), runs=24, vary=["market_rate"])
    killed = []

    def kill_one(i, summary):
        if not killed:  # at the first result, one worker dies with whatever it holds
            os.killpg(procs[1].pid, signal.SIGKILL)
            killed.append(time.time())

    remote = run_plan(plan, cluster=address, on_done=kill_one)
    assert killed and procs[1].wait(timeout=30) != 0
    local = run_plan(plan, workers=1)
    assert remote.runs == local.runs == 24
    for a, b in zip(remote.summaries, local.summaries):
        assert a.index == b.index and np.array_equal(a.reach, b.reach) and np.array_equal(a.detained, b.detained)
