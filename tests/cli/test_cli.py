"""The command line, in process."""

from rumormill.cli import main


def test_validate_one_case(capsys):
    assert main(["validate", "--quick", "--case", "V10"]) == 0
    out = capsys.readouterr().out
    assert "V10" in out and "1/1 passed" in out
    assert "|measured − expected| ≤ tol" in out  # the rule the row passed by


def test_validate_unknown_case_is_a_user_error(capsys):
    assert main(["validate", "--case", "V99"]) == 2
    assert "V99" in capsys.readouterr().err


def test_simulate_prints_summary_and_writes_files(tmp_path, capsys):
    png, csv = tmp_path / "curves.png", tmp_path / "series.csv"
    code = main(["simulate", "--n", "5000", "--model", "sir", "--days", "30", "--plot", str(png), "--csv", str(csv)])
    assert code == 0
    out = capsys.readouterr().out
    assert "reach" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert csv.read_text().startswith("day,story,state,count")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.png", "series.csv"]


def test_simulate_bad_input_writes_nothing(tmp_path, capsys):
    png = tmp_path / "curves.png"
    assert main(["simulate", "--n", "0", "--plot", str(png)]) == 2
    err = capsys.readouterr().err
    assert "n = 0" in err and "Traceback" not in err
    assert not png.exists()
    assert main(["simulate", "--n", "100", "--rate", "-1"]) == 2
    assert main(["simulate", "--n", "100", "--plot", str(tmp_path / "missing" / "x.png")]) == 2
    assert list(tmp_path.iterdir()) == []


def test_simulate_from_an_edge_list(tmp_path, capsys):
    edges = tmp_path / "edges.csv"
    edges.write_text("source,target\n0,1\n1,2\n2,3\n")
    assert main(["simulate", "--edges", str(edges), "--model", "sir", "--rate", "50", "--days", "5"]) == 0
    assert main(["simulate", "--edges", str(tmp_path / "nope.csv")]) == 2


def test_failed_check_exits_1(monkeypatch, capsys):
    from rumormill import validation

    def failing(quick, seed):
        return [validation.Check("VX", "always fails", 1.0, 0.0, 0.1, False, 1)]

    monkeypatch.setitem(validation.CASES, "VX", failing)
    assert main(["validate", "--case", "VX"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_validate_names_the_rule_of_each_row():
    from rumormill import validation

    inputs = {"V5a": ("toy", 8, [0.5] * 8, {k: [0.5 + 0.1 / k + 0.01 * (i % 2)] * 1 + [0.5 + 0.1 / k] * 7
                                             for i, k in enumerate(validation.V5_STEPS)})}
    rules = [c.rule for c in validation.v5_checks(inputs)]
    assert rules[0] == "the gap to halve (≥ 5 runs)"
    assert rules[1] == "|gap| ≤ |gap at 1/day|/2 + tol"
    assert rules[3] == "|gap| ≤ |gap at 16/day|/2 + tol and ≤ |gap at 1/day|/10 + tol"
    assert rules[4] == ""  # the extrapolated gap: within its tolerance of 0, the table's default rule
