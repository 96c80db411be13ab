"""The report page's figures travel as JSON inside a ``<script>`` block: no
label may end that block early or open a comment that hides the scripts after it."""

import importlib.util
import json
import re
from pathlib import Path

from rumormill.report import render
from rumormill.results import Store

LABELS = {"<!--<script>": "2024-11-01", "</script><b>": "2024-12-01", "a & b > c": "2025-01-05"}


def _fake_runs():
    spec = importlib.util.spec_from_file_location("fake_runs", Path(__file__).parents[1] / "results" / "fake_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_labels_with_markup_stay_inside_the_json_block(tmp_path):
    result = _fake_runs().fake_result(days=120)
    result.info["key_dates"] = dict(LABELS)
    store = Store(tmp_path)
    page = render(store, store.save(result, scenario="fake-kpa"))
    start = page.index('<script type="application/json" id="rumormill-figures">')
    block = page[start:].split(">", 1)[1].split("</script>", 1)[0]
    assert not re.search("[<>&]", block)
    assert page[start:].count("<script>") == 1  # only the drawing script follows
    figs = json.loads(block)
    shown = {a["hovertext"].split(": ", 1)[1] for a in figs["fig-reach"]["layout"]["annotations"] if a.get("hovertext")}
    assert set(LABELS) <= shown
