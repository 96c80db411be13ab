"""``rumormill run --runs N`` and ``compare --runs N``: ensembles from the
command line, stored as they run, resumed when asked again."""

import importlib
import re
import time
from pathlib import Path

import pytest

from rumormill.cli import main
from rumormill.report import ensemble_data
from rumormill.results import Store
from rumormill.scenario import load

VILLAGE = str(Path(__file__).parents[1] / "ensemble" / "village.toml")


def test_an_ensemble_prints_medians_with_intervals_and_resumes(tmp_path, capsys):
    args = ["run", VILLAGE, "--runs", "3", "--workers", "1", "--out", str(tmp_path), "--no-report"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Detained by the end" in out and "%, " in out
    # the headline first: the report page's sentences, before any table
    ens = ensemble_data.load(Store(tmp_path), Store(tmp_path).ensembles().iloc[0].ensemble_id, load(VILLAGE))
    lines = ensemble_data.summary(ens)
    assert lines[0] == "Each number is the median over 3 runs, with the 5% and 95% quantiles in brackets."
    flat = " ".join(out.split())
    assert all(" ".join(line.split()) in flat for line in lines)
    assert out.index("In short") < out.index(lines[0][:30]) < out.index("┏")
    row = Store(tmp_path).ensembles().iloc[0]
    assert (row.status, row.runs_done, row.runs_wanted) == ("finished", 3, 3)
    assert main(args) == 0
    again = capsys.readouterr().out
    assert "3 of 3 runs already stored" in again and "0 run now" in again
    assert len(Store(tmp_path).ensembles()) == 1


def test_a_compare_ensemble_prints_the_paired_change(tmp_path, capsys):
    assert main(["compare", VILLAGE, "--without", "checks", "--runs", "3", "--workers", "1",
                 "--out", str(tmp_path), "--no-report"]) == 0
    out = capsys.readouterr().out
    assert "(with − without)" in out and " pp [" in out and "leaving out checks" in out
    assert "-" not in "".join(re.findall(r"[+−-]?\d+\.\d pp", out)).replace("−", "")  # a true minus, never a hyphen
    assert Store(tmp_path).ensembles().iloc[0].kind


@pytest.mark.parametrize("extra, words", [
    (["--runs", "0"], "--runs 0"),
    (["--runs", "2", "--vary", "nosuch"], "unknown parameter 'nosuch'; the parameters are: market_degree"),
    (["--runs", "2", "--workers", "0"], "workers = 0"),
])
def test_bad_ensemble_options_are_one_line_errors(tmp_path, capsys, extra, words):
    assert main(["run", VILLAGE, *extra, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_an_unreachable_scheduler_fails_fast_and_stores_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(importlib.import_module("rumormill.ensemble.executors"), "CONNECT_TIMEOUT", 2)
    t0 = time.monotonic()
    assert main(["run", VILLAGE, "--runs", "2", "--cluster", "tcp://127.0.0.1:9", "--out", str(tmp_path)]) == 2
    assert time.monotonic() - t0 < 60
    assert "no Dask scheduler answered" in capsys.readouterr().err
    assert not (tmp_path / "ensembles").exists()
