"""What a person sees in the terminal: help that lists the choices, wrong values
refused with them, warnings as one line with advice that works, tables
formatted for reading, differences in percentage points."""

from __future__ import annotations

import importlib.util
import re
import warnings
from pathlib import Path

import pytest

import rumormill as rm
from rumormill.cli import app, common, main
from rumormill.cli import run as run_cli
from rumormill.cli import simulate as simulate_cli
from rumormill.networks import complete, configuration, poisson_degrees


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_no_bool_and_keeps_bracketed_words(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "<bool>" not in out and "--help" in out
    if command == "run":  # "[parameters]" is text, not rich markup to be dropped
        assert "these [parameters] for each" in " ".join(out.split())


@pytest.mark.parametrize("command, option, choices", [
    ("run", "--order", "<date|trigger>"),
    ("compare", "--order", "<date|trigger>"),
    ("simulate", "--engine", "<daily|exact|meanfield>"),
    ("simulate", "--model", "<mt|dk|isr|sir|cascade>"),
])
def test_help_lists_the_choices(command, option, choices, capsys):
    assert main([command, "--help"]) == 0
    listed = re.escape(choices[1:-1])  # typer writes <a|b>, older versions [a|b]
    assert re.search(re.escape(option) + r"\s+[<\[]" + listed + r"[>\]]", capsys.readouterr().out)


@pytest.mark.parametrize("args, choices", [
    (["run", "--order", "sideways", "--runs", "1"], ["'date'", "'trigger'"]),
    (["compare", "--without", "x", "--order", "sideways", "--runs", "1"], ["'date'", "'trigger'"]),
    (["simulate", "--n", "100", "--engine", "warp"], ["'daily'", "'exact'", "'meanfield'"]),
    (["simulate", "--n", "100", "--model", "seir"], ["'mt'", "'sir'", "'cascade'"]),
])
def test_a_wrong_choice_is_refused_by_the_parser_with_the_choices(args, choices, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("error: Invalid value for '--") and "Value error" not in line
    assert all(c in line for c in choices), line
    assert list(tmp_path.iterdir()) == []  # refused before anything was built or stored


@pytest.mark.parametrize("command", [["run"], ["compare", "--without", "inspect-mail"]])
@pytest.mark.parametrize("days", ["0", "-3"])
def test_days_below_one_are_refused_before_anything_is_built(command, days, tmp_path, monkeypatch, capsys):
    def never(*args, **kwargs):
        raise AssertionError("built despite --days " + days)

    monkeypatch.setattr(run_cli, "_build", never)
    out = tmp_path / "out"
    assert main([*command, "--days", days, "--runs", "1", "--out", str(out)]) == 2
    line = one_line(capsys.readouterr().err)
    bound = line.replace("greater than or equal to", ">=").replace("in the range 1<=x", ">= 1")  # click's wordings
    assert line.startswith("error: ") and "--days" in line and ">= 1" in bound
    assert not out.exists()


def _coarse_warning(**kwargs) -> Warning:
    net = configuration(poisson_degrees(300, 10.0, 1), 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rm.simulate(net, rm.MakiThompson(0.05), days=2, **kwargs)
    coarse = [w.message for w in caught if issubclass(w.category, rm.CoarseStepWarning)]
    return coarse[0] if coarse else None


def test_the_warnings_advice_agrees_with_its_rule():
    """Mean degree 10 at 0.05 a day: about 0.49 meetings a step, above a rumour's 0.1, so 5 steps a day;
    the bias it quotes is the one at that rule; and the substeps it asks for are the fewest that silence it."""
    warning = _coarse_warning()
    text = str(warning)
    assert re.search(r"meets 0\.4\d neighbours per step, more than the 0\.1 allowed", text), text
    assert "substeps >= 5 or engine='exact'" in text and "2% at 0.1" in text
    assert warning.substeps == 5 and text.startswith(warning.reason)
    assert _coarse_warning(substeps=5) is None and _coarse_warning(substeps=4) is not None


@pytest.mark.filterwarnings("always::rumormill.simulate.CoarseStepWarning")  # the test suite ignores it
def test_simulate_prints_a_warning_as_one_line_with_its_options(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", "--n", "300", "--days", "2"]) == 0
    line = one_line(capsys.readouterr().err)
    advice = re.fullmatch(r"warning: a spreader meets 0\.\d\d neighbours per step, more than the 0\.1 allowed .*"
                          r"Use --substeps (\d+) or --engine exact\.", line)
    assert advice and ".py" not in line and "CoarseStepWarning" not in line, line
    substeps = advice.group(1)
    assert main(["simulate", "--n", "300", "--days", "2", "--substeps", substeps]) == 0
    assert capsys.readouterr().err == ""  # the advice followed silences it
    assert main(["simulate", "--n", "300", "--days", "2", "--substeps", str(int(substeps) - 1)]) == 0
    assert capsys.readouterr().err.startswith("warning: ")


def test_run_words_the_advice_in_the_scenario_files_keys():
    warning = _coarse_warning()
    common.advise(rm.CoarseStepWarning, run_cli._scenario_advice)
    line = common.warning_line(warning, rm.CoarseStepWarning)
    assert line.startswith("warning: a spreader meets 0.4")
    assert line.endswith("Set substeps = 5 or engine = \"exact\" in the scenario file's [scenario] table.")


def test_other_warnings_are_one_line_naming_their_kind():
    line = common.warning_line(FutureWarning("a\n  b changes"), FutureWarning)
    assert line == "warning: FutureWarning: a b changes"


def test_simulate_prints_a_table_a_person_reads(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", "--n", "2000", "--substeps", "5"]) == 0
    out = capsys.readouterr().out
    row = re.search(r"│ story\s*│\s*(\d+\.\d)%\s*│\s*([\d,]+)\s*│\s*(\d+)\s*│\s*(\d+|never)\s*│", out)
    assert row and "peak spreaders" in out, out
    table = out[out.index("┏"):]
    assert "None" not in table and not re.search(r"\d\.0\s", table)  # no 438459.0
    assert main(["simulate", "--n", "300", "--model", "sir", "--rate", "0.001", "--days", "3"]) == 0
    out = capsys.readouterr().out
    assert "peak infectious" in out and re.search(r"│\s*never\s*│", out) and "None" not in out


@pytest.mark.parametrize("model, states", [("sir", ["susceptible", "infectious", "recovered"]),
                                           ("cascade", ["susceptible", "infectious", "recovered"]),
                                           ("dk", ["ignorant", "spreader", "stifler"])])
def test_the_plot_names_the_states_for_the_model(model, states, tmp_path, monkeypatch, capsys):
    drawn = []

    def curves(result, names):
        ax = real(result, names)
        drawn.append([t.get_text() for t in ax.get_legend().get_texts()])
        return ax

    real = simulate_cli.curves
    monkeypatch.setattr(simulate_cli, "curves", curves)
    png = tmp_path / "curves.png"
    assert main(["simulate", "--n", "300", "--model", model, "--days", "5", "--plot", str(png)]) == 0
    assert drawn == [states] and png.stat().st_size > 0


def test_a_plot_of_two_stories_names_each_storys_states():
    result = rm.simulate(complete(50), {"a": rm.SIR(0.2, 0.1), "b": rm.SIR(0.2, 0.1)}, days=3, seed=1)
    ax = simulate_cli.curves(result, simulate_cli.EPIDEMIC_STATES)
    assert [t.get_text() for t in ax.get_legend().get_texts()][:4] == [
        "a: susceptible", "a: infectious", "a: recovered", "b: susceptible"]


@pytest.mark.parametrize("share, text", [(-0.0726, "−7.3 pp"), (0.05, "+5.0 pp"), (0.0004, "0.0 pp"),
                                         (-0.0004, "0.0 pp"), (1.0, "+100.0 pp")])
def test_differences_are_percentage_points(share, text):
    assert run_cli.points(share) == text


def _fake_runs():
    spec = importlib.util.spec_from_file_location("fake_runs", Path(__file__).parents[1] / "results" / "fake_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_runs_tells_a_compares_two_runs_and_the_order_apart(tmp_path, capsys):
    from rumormill.results import Store

    fake = _fake_runs().fake_result
    store = Store(tmp_path)
    single = store.save(fake(days=20), scenario="fake-kpa", params={"order": "trigger"})
    main_id = store.save(fake(days=20, damp=0.6, compare=fake(days=20, seed=2)), scenario="fake-kpa",
                         params={"order": "date", "without": ["inspect-mail"]})
    assert main(["runs", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in out.splitlines() if line.startswith("│ 2")}
    header = [c.strip() for c in next(line for line in out.splitlines() if "run id" in line).split("┃")[2:-1]]
    (base_id,) = set(rows) - {single, main_id}
    by = {run: dict(zip(header, cells)) for run, cells in rows.items()}
    assert by[single]["order"] == "trigger" and by[single]["measures"] == "" and by[single]["took"].endswith(" s")
    assert by[main_id]["order"] == "date" and by[main_id]["measures"] == "all" and by[main_id]["baseline"] == base_id
    assert by[base_id]["measures"] == "without inspect-mail" and by[base_id]["took"] == "(in compare)"
    assert by[base_id]["baseline"] == "(is one)" and "took the time of both" in " ".join(out.split())


def test_runs_of_plain_runs_has_no_compare_columns(tmp_path, capsys):
    from rumormill.results import Store

    Store(tmp_path).save(_fake_runs().fake_result(days=20), scenario="fake-kpa", params={})
    assert main(["runs", "--out", str(tmp_path)]) == 0
    header = next(line for line in capsys.readouterr().out.splitlines() if "run id" in line)
    assert "measures" not in header and "order" not in header and "baseline" not in header


@pytest.mark.parametrize("seconds, text", [(0.42, "0.4 s"), (55.2, "55 s"), (185, "3 min 5 s"), (7440, "2 h 4 min")])
def test_took_reads_as_a_duration(seconds, text):
    from rumormill.cli.results import _took

    assert _took(seconds) == text


@pytest.mark.parametrize("value, spec, unit, text", [
    (-1.04, ".1f", "", "−1.0"), (2.0, ".1f", "pp", "+2.0 pp"), (-0.04, ".1f", "pp", "0.0 pp"),
    (-1234.0, ",.0f", "", "−1,234"), (0.0, ",.0f", "", "0"),
])
def test_signed_numbers_use_a_true_minus_and_no_sign_for_zero(value, spec, unit, text):
    assert common.signed(value, spec, unit) == text


def test_every_difference_in_the_ensemble_tables_has_one_sign_convention():
    from rumormill.cli import ensembles as ens_cli

    assert ens_cli._pp(-0.073) == run_cli.points(-0.073) == "−7.3 pp"
    assert ens_cli._change(-12.0) == "−12" and ens_cli._change(3.0) == "+3" and ens_cli._count(12345.0) == "12,345"
    assert common.number(-0.09412, ".5f") == "−0.09412"


def test_the_time_left_is_steady_after_the_first_round():
    """Two workers: the first two replicates also build (and compile); from the second on, the pace
    is replicates per second since then, and the time left counts down between arrivals."""
    from rumormill.pace import Pace

    now = [0.0]
    pace = Pace(total=6, warmup=2, clock=lambda: now[0])  # as an ensemble on two workers makes it
    for t in (60.0, 61.0):  # the first round
        now[0] = t
        pace.done()
        assert pace.left() is None
    now[0] = 71.0
    pace.done()  # 1 replicate in 10 s since the round: 3 left take 30 s
    assert pace.left() == pytest.approx(30.0)
    now[0] = 75.0
    assert pace.left() == pytest.approx(26.0)
    now[0] = 81.0
    pace.done()  # the same pace: the same end
    assert pace.left() == pytest.approx(20.0)
    for t in (91.0, 101.0):
        now[0] = t
        pace.done()
    assert pace.left() == 0.0


class _Index:
    def __init__(self, index):
        self._cache = type("C", (), {"_cache_file": type("F", (), {"_load_index": lambda s: index})()})()


@pytest.mark.parametrize("index, said", [({}, True), ({("sig",): "file"}, False), (None, False)])
def test_the_first_run_says_the_code_is_being_compiled(index, said, monkeypatch):
    if index is None:  # numba's cache cannot be read: say nothing rather than guess
        monkeypatch.setattr(common, "_kernels", lambda engine: [object()])
    else:
        monkeypatch.setattr(common, "_kernels", lambda engine: [_Index(index)])
    note = common.compile_note("daily")
    assert (note is not None) == said
    if said:
        assert note.startswith("compiling the daily engine's code") and "once, about 20 s" in note


def test_the_kernels_checked_are_numbas_cached_ones():
    for engine in ("daily", "exact"):
        for kernel in common._kernels(engine):
            assert isinstance(kernel._cache._cache_file._load_index(), dict)
