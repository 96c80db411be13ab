"""Property test: whatever the argument list, the command line exits 0 or 2,
and never prints a traceback or reports a bug.

Only values that must be refused, or tiny sizes, can reach a command: each
command starts from settings that keep it quick (scale 0.0005, 300 agents,
an unknown validation case), and the values drawn are wrong types, huge or
far-off numbers and dates, control characters and text without digits, so no
drawn value can ask for a long run.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rumormill.cli import main

#: each command, the arguments it starts from (kept quick), and its options
COMMANDS = {
    "run": (["--scale", "0.0005", "--days", "2", "--no-report", "--runs", "1"],
            ["--scale", "--seed", "--days", "--order", "--report", "--no-report", "--max-memory"]),
    "compare": (["--scale", "0.0005", "--days", "2", "--no-report", "--without", "nothing", "--runs", "1"],
                ["--scale", "--seed", "--days", "--order", "--without", "--max-memory"]),
    "simulate": (["--n", "300", "--days", "2"],
                 ["--n", "--network", "--mean-degree", "--edges", "--model", "--rate", "--recovery", "--stifle",
                  "--engine", "--days", "--substeps", "--initial", "--seed", "--plot", "--csv", "--max-memory"]),
    "show": ([], ["--scale"]),
    "scenarios": ([], []),
    "runs": ([], ["--status", "--limit", "--delete"]),
    "query": ([], ["--format", "--limit"]),
    "report": ([], ["--output", "--map-date", "--png", "--no-png"]),
    "validate": (["--case", "V99"], ["--case", "--seed", "--quick"]),
}

#: values every option must refuse or treat as tiny: wrong types, huge, far, odd characters
VALUES = st.one_of(
    st.sampled_from(["", "abc", "nan", "inf", "-inf", "-1", "0", "1e308", "-1e308", "1e-300", "2147483648",
                     "99999999999999999999", "9999-12-01", "0001-01-01", "-", "latest", "kpa-2025", "nope.toml",
                     "\x1b[2J", "a\x00b", "\u202e", "/", ".", "..", "select", "table", "csv", "xml", "V10x"]),
    st.text(alphabet=st.characters(blacklist_categories=["Nd", "Cs"]), max_size=6),
    st.floats(min_value=1e300, allow_infinity=True).map(repr),
)
UNKNOWN = st.text(string.ascii_lowercase + "-", min_size=1, max_size=8).filter(lambda s: s not in COMMANDS)


@st.composite
def argument_lists(draw):
    command = draw(st.one_of(st.sampled_from(sorted(COMMANDS)), UNKNOWN))
    start, options = COMMANDS.get(command, ([], []))
    names = st.one_of(st.sampled_from(options + ["--nope", "--help", "--debug"]), VALUES)
    tail = draw(st.lists(st.one_of(names, VALUES), max_size=5))
    return [command, *start, *tail]


@pytest.fixture
def here(tmp_path, monkeypatch):
    """Run in an empty folder: whatever a command writes (a results folder, a plot) lands there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RUMORMILL_DEBUG", raising=False)
    return tmp_path


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(argv=argument_lists())
def test_any_argument_list_exits_0_or_2_without_a_traceback(here, capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in out + err and "bug:" not in err, (argv, err)
    if code == 2 and err.strip():
        assert len(err.strip().splitlines()) == 1 or "Usage" in out + err, (argv, err)
