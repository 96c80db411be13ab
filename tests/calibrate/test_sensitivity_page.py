"""The page of a stored sensitivity analysis: its numbers are the store's."""

import datetime as dt

import pytest

pytest.importorskip("SALib")

import rumormill.calibrate as cal
from rumormill.calibrate import sensitivity_page
from rumormill.calibrate.stored import sensitivity_stored
from rumormill.results.errors import RunNotFoundError
from rumormill.results import Store

OUTPUTS = [cal.Quantity("reach", dt.date(2025, 3, 8), "news", regions=("north",)),
           cal.Quantity("reach", dt.date(2025, 3, 26), "news", without=("checks",))]


@pytest.mark.parametrize("method, n", [("sobol", 8), ("morris", 4)])
def test_the_page_names_the_parameter_with_the_largest_index(hamlet, tmp_path, method, n):
    store = Store(tmp_path / "runs")
    _, aid = sensitivity_stored(hamlet, store, ["telling_rate", "radio_rate", "check_probability"], OUTPUTS,
                                method=method, n=n, workers=1)
    page, png = sensitivity_page.write(store, aid[:6])
    assert page == store.folder / "analyses" / aid / "report.html" and png.name == "indices.png"
    text = page.read_text()
    key = "ST" if method == "sobol" else "mu_star"
    stored = store.query(f"SELECT output, parameter, {key} FROM sensitivity WHERE analysis_id = '{aid}'")
    assert len(stored) == 6
    for out, rows in stored.groupby("output"):
        top = rows.sort_values(key, ascending=False).iloc[0]
        assert f"{out}: {top['parameter']} has the largest" in text
    assert text.count("<tr>") == 1 + len(stored)
    # the checks start on day 9: nothing moves their effect on day 7 (exactly 0 on common random numbers)
    early = stored[stored["output"] == OUTPUTS[0].label]
    assert early.loc[early["parameter"] == "check_probability", key].iloc[0] == 0.0


def test_an_unknown_analysis_is_a_clear_error(tmp_path):
    with pytest.raises(RunNotFoundError, match="no sensitivity analysis 'sdeadbeef'"):
        sensitivity_page.write(Store(tmp_path / "runs"), "sdeadbeef")
