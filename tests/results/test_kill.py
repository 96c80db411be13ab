"""Kill a process storing a run or a compare at each moment that matters
(SIGKILL, and SIGTERM): the catalog still opens, every finished run reads,
and a repair leaves no running row, no temporary folder, and every complete
run registered; ``latest`` is never a baseline."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import rumormill

if not hasattr(os, "fork"):
    pytest.skip("the kill test forks a child process per kill", allow_module_level=True)
from rumormill.results import RunNotFoundError, Store

HERE = Path(__file__).parent
#: steps (see kill_runner.py) of a run: open+insert its row, 5 files, rename, open+replace its row
RUN_STEPS = 10
#: of a compare: its row; the baseline's row, 5 files, rename, row; then its own 5 files, rename, row
COMPARE_STEPS = 20
#: before: the catalog is written, the row is in, the files are written, the rename, the row is finished
KILLS = ([("run", n, "SIGKILL") for n in (2, 5, 8, 9, 10)]
         + [("compare", n, "SIGKILL") for n in (4, 11, 12, 19, 20)]
         + [("run", 6, "SIGTERM"), ("compare", 15, "SIGTERM")])


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    """Every kill, one child process each: {(mode, step, signal): (folder, wait status)}; step 0 is not killed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(rumormill.__file__).parents[1]), str(HERE)])}
    base = tmp_path_factory.mktemp("kills")
    specs = [f"{m}:{n}:{s}" for m, n, s in KILLS] + ["run:0:SIGKILL", "compare:0:SIGKILL"]
    done = subprocess.run([sys.executable, str(HERE / "kill_runner.py"), str(base), *specs], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    codes = dict(line.split() for line in done.stdout.splitlines())
    assert sorted(codes) == sorted(specs), done.stderr[-3000:]
    out = {}
    for spec, code in codes.items():
        mode, step, sig = spec.split(":")
        out[(mode, int(step), sig)] = (base / spec.replace(":", "-"), int(code))
    return out, done.stderr


def test_the_steps_are_counted_as_planned(killed):
    kills, stderr = killed
    for mode, steps in (("run", RUN_STEPS), ("compare", COMPARE_STEPS)):
        folder, code = kills[(mode, 0, "SIGKILL")]
        assert code == 0, stderr[-2000:]
        assert folder.with_name(folder.name + ".steps").read_text() == str(steps)


@pytest.mark.parametrize("mode, step, sig", KILLS, ids=[f"{m}-{n}-{s}" for m, n, s in KILLS])
def test_a_killed_process_loses_no_finished_run(killed, mode, step, sig):
    kills, stderr = killed
    folder, code = kills[(mode, step, sig)]
    assert code == -getattr(signal, sig), stderr[-2000:]
    store = Store(folder)
    rows = store.runs()  # the catalog opens
    finished = sorted(rows.loc[rows["status"] == "finished", "run_id"])
    assert sorted(set(store.query("SELECT DISTINCT run_id FROM timeseries")["run_id"])) == finished
    for run_id in finished:
        assert len(store.tables(run_id)["timeseries"]) > 0

    store.repair()
    rows = store.runs().set_index("run_id")
    assert "running" not in set(rows["status"])
    on_disk = sorted(p.name for p in (folder / "runs").iterdir()) if (folder / "runs").exists() else []
    assert on_disk == sorted(rows.index[rows["status"] == "finished"])  # no .tmp left, nothing unregistered
    assert not store.repair()

    # what was renamed into place is finished; what was not never shows
    baseline_renamed = mode == "compare" and step > 10
    main_renamed = step > (8 if mode == "run" else 18)
    baselines = rows.index[rows["baseline_of"].notna()].tolist()
    mains = rows.index[rows["baseline_of"].isna()].tolist()
    assert len(rows[rows["status"] == "finished"]) == baseline_renamed + main_renamed
    assert set(rows.loc[rows["status"] == "failed", "error"]) <= {"interrupted: its process ended without finishing"}
    if main_renamed:
        assert store.run("latest")["run_id"] == mains[0]
        if mode == "compare":
            assert rows.loc[mains[0], "baseline_id"] == baselines[0]
            assert store.meta(mains[0])["baseline_id"] == baselines[0]
    else:
        with pytest.raises(RunNotFoundError):
            store.run("latest")  # a stored baseline is never latest
