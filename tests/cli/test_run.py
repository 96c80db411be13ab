"""``rumormill run`` and ``compare`` on the built-in scenario, at a tiny scale."""

import pytest

from rumormill.cli import main

TINY = ["--scale", "0.002", "--days", "140"]


def test_run_prints_the_summary(capsys):
    assert main(["run", *TINY]) == 0
    out = capsys.readouterr().out
    for heading in ("Who had heard it, by group", "by region", "Day half", "Which layers carried it",
                    "Detained by the end", "Chain of command", "2025-02-01"):
        assert heading in out, heading


def test_compare_without_mail_inspection(capsys):
    assert main(["compare", "kpa-2025", "--without", "inspect-mail", *TINY]) == 0
    out = capsys.readouterr().out
    assert "Difference (with − without)" in out and "without inspect-mail" in out


@pytest.mark.parametrize("args, word", [
    (["run", "no-such-scenario"], "no-such-scenario"),
    (["run", "--scale", "-1"], "scale"),
    (["run", "--scale", "1000"], "scale"),
    (["compare", "--without", "nothing", *TINY], "nothing"),
])
def test_user_mistakes_exit_2(args, word, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert word in err and "Traceback" not in err
