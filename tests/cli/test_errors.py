"""How the command line ends: user mistakes, bugs, Ctrl-C and SIGTERM, a full disk."""

from __future__ import annotations

import errno
import importlib.util
import os
import signal
import sys
import tempfile
from pathlib import Path

import pytest
import typer

import rumormill.cli as cli
from rumormill.cli import main
from rumormill.results import Store

TINY = ["--scale", "0.0005", "--days", "20", "--no-report", "--runs", "1"]


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


@pytest.mark.parametrize("args, words", [
    (["run", "--scale", "abc"], ["--scale", "rumormill run --help"]),
    (["nosuch"], ["nosuch", "The commands are: ", " compare, ", " run, "]),
    (["query", "select 1", "-f", "xml"], ["--format", "xml", "table"]),
    (["run", "--days", "100000000"], ["--days", "36500"]),
    (["simulate", "--mean-degree", "1e308"], ["--mean-degree"]),
    (["simulate", "--max-memory", "lots"], ["--max-memory lots", "8G"]),
    (["run", "--scale", "1e308"], ["scale = 1e+308", "lower scale"]),
])
def test_user_mistakes_are_one_line_and_exit_2(args, words, capsys, monkeypatch):
    if hasattr(typer, "_click"):  # typer vendors click: nothing may import the click package
        monkeypatch.setitem(sys.modules, "click", None)
    assert main(args) == 2
    captured = capsys.readouterr()
    line = one_line(captured.err)
    assert line.startswith("error: ") and "Traceback" not in captured.out + captured.err
    for word in words:
        assert word in line, (word, line)


def test_click_exceptions_come_from_typer():
    """Old typer raises click's classes, typer >= 0.29 its own copy's: both are caught."""
    assert issubclass(typer.BadParameter, cli.UsageError) and issubclass(cli.UsageError, cli.ClickException)


def _boom(*args, **kwargs):
    raise ValueError("boom: an unexpected failure")


def test_a_bug_says_so_and_where_its_traceback_is(monkeypatch, capsys, tmp_path):
    import rumormill.scenario

    monkeypatch.setattr(rumormill.scenario, "describe", _boom)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("RUMORMILL_DEBUG", raising=False)
    assert main(["show", "kpa-2025"]) == 1
    err = capsys.readouterr().err
    line = one_line(err)
    assert line.startswith("bug: ") and "ValueError" in line and "--debug" in line and "Traceback" not in err
    (log,) = tmp_path.glob("rumormill-bug-*.log")
    assert str(log) in line
    assert "Traceback" in log.read_text() and "boom: an unexpected failure" in log.read_text()


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_prints_the_traceback(how, monkeypatch, capsys, tmp_path):
    import rumormill.scenario

    monkeypatch.setattr(rumormill.scenario, "describe", _boom)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    args = ["show", "kpa-2025"]
    if how == "flag":
        args.append("--debug")
        monkeypatch.delenv("RUMORMILL_DEBUG", raising=False)
    else:
        monkeypatch.setenv("RUMORMILL_DEBUG", "1")
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "boom: an unexpected failure" in err
    assert not list(tmp_path.glob("rumormill-bug-*.log"))


def test_ctrl_c_before_any_command_is_one_line(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "app", interrupted)
    assert main(["run"]) == 130
    assert one_line(capsys.readouterr().err) == "interrupted: nothing was stored."


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_run_stopped_by_a_signal_is_marked_failed_interrupted(signum, monkeypatch, capsys, tmp_path):
    import rumormill.cli.run as run_cli

    def stop(*args, **kwargs):
        signal.raise_signal(signum)  # its handler runs before this returns
        raise AssertionError("the signal did not stop the run")

    monkeypatch.setattr(run_cli, "_simulate", stop)
    # Python's own Ctrl-C handler, as a user's shell gives it: in a long test session a
    # library loaded by an earlier test may have replaced it (seen once in CI, not locally)
    interrupt = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        before = signal.getsignal(signal.SIGTERM)
        assert main(["run", *TINY, "--out", str(tmp_path)]) == 130
        assert signal.getsignal(signal.SIGTERM) is before  # put back for whoever runs next
    finally:
        signal.signal(signal.SIGINT, interrupt)
    line = one_line(capsys.readouterr().err)
    runs = Store(tmp_path).runs()
    assert list(runs.status) == ["failed"] and list(runs.error) == ["interrupted"]
    run_id = runs.run_id.iloc[0]
    assert line.startswith(f"interrupted: run {run_id} is marked failed (interrupted)") and "no results" in line


def _fake_runs():
    spec = importlib.util.spec_from_file_location("fake_runs", Path(__file__).parents[1] / "results" / "fake_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_full_disk_while_writing_the_report_says_so_and_where(monkeypatch, capsys, tmp_path):
    store = Store(tmp_path / "runs")
    run_id = store.save(_fake_runs().fake_result(days=40), scenario="fake-kpa")
    real = Path.write_text

    def full(self, *args, **kwargs):
        if self.name.startswith(".report.html.") and self.name.endswith(".tmp"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    assert main(["report", run_id, "--out", str(store.folder), "--no-png"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "is full" in line and str(store.run_dir(run_id)) in line and "permission" not in line
    assert not (store.run_dir(run_id) / "report.html").exists()


def test_a_full_disk_while_writing_a_csv(monkeypatch, capsys, tmp_path):
    import pandas as pd

    def full(self, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    csv = tmp_path / "series.csv"
    assert main(["simulate", "--n", "300", "--days", "2", "--csv", str(csv)]) == 2
    line = one_line(capsys.readouterr().err)
    assert "is full" in line and str(tmp_path) in line
    assert list(tmp_path.iterdir()) == []
