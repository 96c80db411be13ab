"""``rumormill validate`` prints qualifying/requested runs and how long each case took."""

from rumormill import validation
from rumormill.cli import main


def test_validate_prints_runs_that_qualified_and_times(monkeypatch, capsys):
    def too_few(quick, seed):
        est = validation.mean_of([0.79, 0.80, 0.81])
        return [validation.compare("VX", "three of twenty took off", 0.8, est, 20)]

    monkeypatch.setitem(validation.CASES, "VX", too_few)
    assert main(["validate", "--case", "VX"]) == 1
    out = capsys.readouterr().out
    assert "3/20" in out and "FAIL" in out and "too few runs" in out
    assert "0/1 passed in" in out and " s" in out


def test_validate_quick_inflow_case(capsys):
    assert main(["validate", "--quick", "--case", "V13"]) in (0, 1)
    out = capsys.readouterr().out
    assert out.count("V13") == 3 and "passed in" in out
