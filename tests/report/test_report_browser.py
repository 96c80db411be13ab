"""The report in a real headless Chromium, offline: no JavaScript errors, every
chart has drawn points, the slider changes the map; and a screenshot.

Chromium comes from the Debian packages (chromium, chromium-driver), never
downloaded at test time. Where they are missing the test skips locally with
the reason, and fails in CI (the CI variable set), so it cannot pass there by
being skipped.
"""

import os
from pathlib import Path

import pytest

import headless
from rumormill.report import write_report

#: per chart: traces drawn, points in the data, drawn lines / heatmap images
CHART_STATS = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).map(function (gd) {
  var points = 0;
  gd._fullData.forEach(function (t) {
    if (t.type === 'heatmap') { t.z.forEach(function (row) { row.forEach(function (v) { if (v !== null) points++; }); }); }
    else { points += (t.x || []).length; }
  });
  var lines = Array.from(gd.querySelectorAll('path.js-line')).filter(function (p) {
    return (p.getAttribute('d') || '').length > 10; }).length;
  var images = gd.querySelectorAll('.heatmaplayer image').length;
  return {id: gd.id, traces: gd._fullData.length, points: points, drawn: lines + images};
});
"""
MAP_STATE = """
var gd = document.getElementById('fig-map');
var img = gd.querySelector('.heatmaplayer image');
return {z: JSON.stringify(gd.data.map(function (t) { return t.z; })), title: gd.layout.title.text,
        image: img ? img.getAttribute('href') : null, active: gd.layout.sliders[0].active};
"""


@pytest.fixture
def driver(tmp_path):
    if not headless.available():
        where = f"{headless.CHROMIUM} / {headless.CHROMEDRIVER}"
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing ({where}) in CI: .ci/run must apt-get install chromium chromium-driver")
        pytest.skip(f"Chromium is not installed ({where}); `apt-get install chromium chromium-driver` to run this")
    browser = headless.start(tmp_path / "profile")
    try:
        yield browser
    finally:
        browser.quit()


def test_the_report_in_a_browser(stored, driver, tmp_path, record_property):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    store, run_id = stored
    page = write_report(store, run_id, tmp_path / "report.html", map_date="2025-02-01")
    driver.get(page.as_uri())
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.body.dataset.rendered === 'true'"))
    record_property("render_ms", driver.execute_script("return document.body.dataset.renderMs"))

    charts = driver.execute_script(CHART_STATS)
    assert [c["id"] for c in charts] == ["fig-reach", "fig-reach-group", "fig-reach-region", "fig-map",
                                         "fig-channels", "fig-detentions", "fig-compare"]
    for chart in charts:
        assert chart["traces"] > 0 and chart["points"] > 0 and chart["drawn"] > 0, chart

    before = driver.execute_script(MAP_STATE)
    assert before["title"] == "reach on 2025-02-01 (day 123)" and before["image"]
    rail = driver.find_element(By.CSS_SELECTOR, "#fig-map .slider-rail-touch-rect")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", rail)
    width = rail.rect["width"]
    ActionChains(driver).move_to_element_with_offset(rail, int(-width / 2 + 3), 0).click().perform()
    WebDriverWait(driver, 10).until(lambda d: d.execute_script(MAP_STATE)["title"] != before["title"])
    after = driver.execute_script(MAP_STATE)
    assert after["active"] == 0 and after["title"] == "reach on 2024-10-01 (day 0)"
    assert after["z"] != before["z"] and after["image"] != before["image"]

    errors = driver.execute_script("return window.__errors")
    logged = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [] and logged == []

    shot = tmp_path / "report.png"
    assert driver.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_a_page_error_would_be_caught(driver, tmp_path):
    """The error hook works: a page that throws is seen as broken."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>undefinedFunction()</script></body></html>")
    driver.get(bad.as_uri())
    errors = driver.execute_script("return window.__errors")
    assert errors and "undefinedFunction" in errors[0]


#: per legend: names whose entry lies outside the legend's visible box (scrolled away or cut off)
LEGEND_HIDDEN = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).map(function (gd) {
  var legend = gd.querySelector('.legend');
  if (!legend) { return {id: gd.id, entries: 0, hidden: []}; }
  var box = legend.querySelector('.bg').getBoundingClientRect();
  var entries = Array.from(legend.querySelectorAll('.traces'));
  var hidden = entries.filter(function (e) {
    var r = e.getBoundingClientRect();
    return r.top < box.top - 1 || r.bottom > box.bottom + 1 || r.height === 0;
  }).map(function (e) { return e.textContent; });
  return {id: gd.id, entries: entries.length, hidden: hidden};
});
"""
TICKS = ("return Array.from(document.querySelectorAll('#fig-effects .ytick text'))"
         ".map(function (t) { return t.textContent; });")
BARS = "return document.querySelectorAll('#fig-runs .bars .point path').length;"
MAP_DATE = "var s = document.getElementById('fig-map').layout.sliders[0]; return s.steps[s.active].label;"


def _open(driver, page):
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(page.as_uri())
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.body.dataset.rendered === 'true'"))
    errors = driver.execute_script("return window.__errors")
    logged = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [] and logged == []


def test_the_ensemble_report_in_a_browser(village_ensembles, driver, tmp_path):
    from rumormill.report import write_ensemble
    from rumormill.scenario import load

    store, plain, pairs = village_ensembles
    scenario = load(Path(__file__).with_name("village.toml"))
    page = write_ensemble(store, plain, tmp_path / "ensemble.html", png=False, scenario=scenario)[0]
    _open(driver, page)
    charts = driver.execute_script(CHART_STATS)
    assert [c["id"] for c in charts] == ["fig-reach-group", "fig-reach-region", "fig-map", "fig-detentions",
                                         "fig-runs", "fig-chain"]
    for chart in charts:
        if chart["id"] == "fig-runs":  # histograms: bars, not lines
            chart["drawn"] = driver.execute_script(BARS)
        assert chart["traces"] > 0 and chart["points"] > 0 and chart["drawn"] > 0, chart
    assert driver.execute_script(MAP_DATE) == "2025-01-25"
    legends = {c["id"]: c for c in driver.execute_script(LEGEND_HIDDEN)}
    assert legends["fig-reach-group"]["entries"] == 2 and legends["fig-reach-region"]["entries"] == 2
    assert all(not c["hidden"] for c in legends.values()), legends
    strip = driver.execute_script("return Array.from(document.querySelectorAll('ol.keydates li'))"
                                  ".map(function (li) { return li.textContent; });")
    assert strip == ["12025-01-03 news out", "22025-01-05 checks begin", "32025-01-25 the question"]
    shot = tmp_path / "ensemble.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 20_000

    other = write_ensemble(store, pairs, tmp_path / "compare.html", png=False, scenario=scenario)[0]
    _open(driver, other)
    ticks = driver.execute_script(TICKS)
    assert len(set(ticks)) > 2 and all(t.endswith(" pp") for t in ticks), ticks
