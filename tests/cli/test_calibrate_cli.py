"""``rumormill calibrate`` and ``rumormill sensitivity`` end to end on the
two-hamlet scenario: progress and summary printed, the store's tables
written and readable, a finished calibration shown again, an interrupted one
resumed to the particles an uninterrupted one gives, the posterior
predictive ensemble (run, interrupted, resumed, drawn on the page, or none),
and the bad-input errors (one line, exit 2, nothing stored)."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyabc")

from rumormill.cli import main
from rumormill.results import Store

HAMLET = Path(__file__).parents[1] / "calibrate" / "hamlet.toml"
#: small enough for CI: 10 particles, 2 generations (about 40 runs of 1,400 agents)
ARGS = ["calibrate", str(HAMLET), "--params", "telling_rate,radio_rate", "--budget", "80", "--population", "10",
        "--generations", "2", "--workers", "1", "--no-report", "--predictive", "0"]


@pytest.fixture(autouse=True, scope="module")
def one_numba_thread():
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """One calibration through the command line: (store, printed output)."""
    import contextlib
    import io

    folder = tmp_path_factory.mktemp("cal")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*ARGS, "--out", str(folder)]) == 0
    return Store(folder), out.getvalue()


def test_calibrate_prints_each_generation_and_the_summary(fitted):
    store, out = fitted
    for t in (0, 1):
        assert f"generation {t}: threshold " in out
    assert "acceptance " in out and "simulations so far" in out
    assert "Posterior after generation 1" in out and "90% interval" in out and "width / prior's" in out
    assert "telling_rate" in out and "log-uniform [0.1, 2]" in out
    assert "stored as calibration c" in out


def test_predictive_0_runs_no_ensemble(fitted):
    store, out = fitted
    cid = store.query("SELECT calibration_id FROM calibrations")["calibration_id"].iloc[0]
    assert "posterior predictive" not in out
    assert not (store.folder / "calibrations" / cid / "predictive").exists()
    assert not any(f'"posterior {cid}"' in p and "predictive" in p for p in store.ensembles()["params"])


def test_the_store_has_the_calibration_tables(fitted):
    store, _ = fitted
    row = store.query("SELECT * FROM calibrations").iloc[0]
    assert (row.status, row.scenario, row.params, row.generations) == ("finished", "hamlet",
                                                                       "telling_rate,radio_rate", 2)
    cid = row.calibration_id
    parts = store.query(f"SELECT * FROM particles WHERE calibration_id = '{cid}'")
    assert sorted(set(parts["generation"])) == [0, 1] and len(parts) == 20
    assert {"telling_rate", "radio_rate", "q0", "q1", "weight", "distance"} <= set(parts.columns)
    post = store.query("SELECT * FROM posterior ORDER BY particle")
    assert len(post) == 10 and (post["generation"] == 1).all()
    assert post["weight"].sum() == pytest.approx(1.0)
    gens = store.query("SELECT * FROM generations ORDER BY generation")
    assert list(gens["generation"]) == [0, 1] and (gens["accepted"] == 10).all()
    assert ((gens["ess"] >= 1) & (gens["ess"] <= 10 + 1e-9)).all()
    assert (np.diff(gens["simulations"]) > 0).all() and gens["simulations"].iloc[-1] <= 80
    obs = store.query("SELECT * FROM observations ORDER BY q")
    assert list(obs["q"]) == ["q0", "q1"] and list(obs["kind"]) == ["reach", "report"]
    assert store.calibrations()["calibration_id"].tolist() == [cid]
    assert store.calibration("latest")["status"] == "finished"
    assert store.posterior(cid[:4]).drop(columns="calibration_id").equals(post.drop(columns="calibration_id"))
    summary = store.query("SELECT * FROM calibration_summary")
    assert list(summary["parameter"]) == ["telling_rate", "radio_rate"]
    assert ((summary["q05"] <= summary["median"]) & (summary["median"] <= summary["q95"])).all()


def test_the_same_command_shows_a_finished_calibration(fitted, capsys):
    store, _ = fitted
    before = store.query("SELECT evaluations FROM calibrations")["evaluations"].iloc[0]
    assert main([*ARGS, "--out", str(store.folder)]) == 0
    out = capsys.readouterr().out
    assert "already stored, finished" in out and "Posterior after generation 1" in out and "generation 0:" not in out
    assert store.query("SELECT evaluations FROM calibrations")["evaluations"].iloc[0] == before


def test_ctrl_c_keeps_what_is_stored_and_the_same_command_resumes(fitted, tmp_path, capsys, monkeypatch):
    from rumormill.results import calibrations

    real = calibrations.CalibrationRecording.generation

    def stop_after_the_first(self, t, particles, row):
        real(self, t, particles, row)
        raise KeyboardInterrupt

    monkeypatch.setattr(calibrations.CalibrationRecording, "generation", stop_after_the_first)
    assert main([*ARGS, "--out", str(tmp_path)]) == 130
    err = capsys.readouterr().err
    assert "interrupted: calibration c" in err and "1 complete generation(s) are stored" in err
    assert "the same command resumes it from generation 1" in err
    store = Store(tmp_path)
    assert store.query("SELECT status FROM calibrations")["status"].iloc[0] == "interrupted"
    assert len(store.query("SELECT * FROM particles")) == 10

    monkeypatch.setattr(calibrations.CalibrationRecording, "generation", real)
    assert main([*ARGS, "--out", str(tmp_path)]) == 0
    assert "resuming calibration c" in capsys.readouterr().out
    assert store.query("SELECT status FROM calibrations")["status"].iloc[0] == "finished"
    # the resumed calibration's particles are those the uninterrupted one gave
    cols = "generation, particle, telling_rate, radio_rate, distance"
    resumed = store.query(f"SELECT {cols} FROM particles ORDER BY generation, particle")
    whole = fitted[0].query(f"SELECT {cols} FROM particles ORDER BY generation, particle")
    assert np.array_equal(resumed.to_numpy(), whole.to_numpy())


@pytest.mark.parametrize("extra, words", [
    (["--params", "telling_rate,nosuch"], "unknown parameter 'nosuch'; the parameters are: telling_rate, radio_rate"),
    (["--budget", "30", "--population", "20"], "give at least twice the population (40)"),
    (["--workers", "0"], "workers = 0"),
    (["--order", "soon"], "Invalid value for '--order': 'soon' is not one of 'date', 'trigger'"),
    (["--predictive", "-1"], "--predictive -1: give a number of replicates from 0 (none) to 100,000"),
])
def test_bad_calibrate_options_are_one_line_errors_and_store_nothing(tmp_path, capsys, extra, words):
    assert main(["calibrate", str(HAMLET), *extra, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_scenario_without_observations_cannot_be_calibrated(tmp_path, capsys):
    text = HAMLET.read_text()
    bare = tmp_path / "bare.toml"
    bare.write_text(text[:text.index("[[observations]]")] + text[text.index("[parameters]"):])
    assert main(["calibrate", str(bare), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "has no [[observations]] with a metric" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_sensitivity_morris_prints_and_stores_the_effects(tmp_path, capsys):
    assert main(["sensitivity", str(HAMLET), "--method", "morris", "--params", "telling_rate,check_probability",
                 "--n", "2", "--by-group", "--workers", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "mu*" in out and "sigma" in out and "stored as analysis s" in out
    assert "6 sample points, 12 runs in" in " ".join(out.split())  # 2 trajectories of 3; each point with and without the checks
    rows = Store(tmp_path).query("SELECT * FROM sensitivity")
    assert set(rows["method"]) == {"morris"} and rows["mu_star"].notna().all() and rows["S1"].isna().all()
    assert set(rows["parameter"]) == {"telling_rate", "check_probability"}
    assert set(rows["output"]) == {"reach:news@all:2025-03-17", "reach:news@villager:2025-03-17",
                                   "reach:news@soldier:2025-03-17", "report:informants", "detained@all:2025-03-30",
                                   "effect[checks]:reach:news@all:2025-03-17"}
    # the checks detain, the telling rate does not: only through the spread it drives
    detained = rows[rows["output"] == "detained@all:2025-03-30"].set_index("parameter")
    assert detained.loc["check_probability", "mu_star"] > 0
    aid = rows["analysis_id"].iloc[0]
    page = tmp_path / "analyses" / aid / "report.html"
    assert f"wrote {page}" in out.replace("\n", "")
    page.unlink()
    assert main(["report", aid[:5], "--out", str(tmp_path)]) == 0
    assert "largest mean absolute effect" in page.read_text()


def test_sensitivity_refuses_an_unknown_effect_before_running(tmp_path, capsys):
    assert main(["sensitivity", str(HAMLET), "--effects", "radio", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "effects: 'radio' is not a measure of 'hamlet' that acts on the news" in err and "checks" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_sensitivity_refuses_an_unknown_method(tmp_path, capsys):
    assert main(["sensitivity", str(HAMLET), "--method", "fast", "--out", str(tmp_path / "out")]) == 2
    assert "--method fast: choose one of sobol, morris" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_run_posterior_draws_an_ensemble_from_the_calibration(fitted, capsys):
    store, _ = fitted
    cid = store.query("SELECT calibration_id FROM calibrations")["calibration_id"].iloc[0]
    assert main(["run", str(HAMLET), "--posterior", cid, "--runs", "2", "--workers", "1", "--no-report",
                 "--out", str(store.folder)]) == 0
    assert "varying telling_rate, radio_rate" in capsys.readouterr().out
    row = store.ensembles().iloc[-1]
    assert row.vary == "telling_rate,radio_rate" and f"posterior {cid}" in row.params
    assert main(["run", str(HAMLET), "--posterior", "cnosuch", "--runs", "2", "--out", str(store.folder)]) == 2
    assert "no calibration 'cnosuch'" in capsys.readouterr().err


def test_the_calibration_page(fitted, tmp_path):
    from rumormill.calibrate import page

    store = _copy(fitted, tmp_path)
    files = page.write(store, "c")
    assert [f.name for f in files] == ["report.html", "pairs.png", "predictive.png", "generations.png"]
    text = files[0].read_text()
    assert "Marginal and pairwise posteriors" in text and "telling_rate" in text and "data:image/png;base64," in text
    assert all(f.stat().st_size > 1000 for f in files[1:])


def _copy(fitted, tmp_path) -> Store:
    """A copy of the fitted store without ensembles (another test runs one into it), to add to without changing
    what the other tests see."""
    import shutil

    shutil.copytree(fitted[0].folder, tmp_path / "store")
    store = Store(tmp_path / "store")
    for eid in store.ensembles()["ensemble_id"]:
        store.delete_ensemble(eid)
    return store


def test_report_writes_a_calibration_page_that_says_how_to_make_the_bands(fitted, tmp_path, capsys):
    store = _copy(fitted, tmp_path)
    cid = store.query("SELECT calibration_id FROM calibrations")["calibration_id"].iloc[0]
    assert main(["report", cid[:5], "--out", str(store.folder), "--no-png"]) == 0
    assert "report.html" in capsys.readouterr().out
    text = (store.folder / "calibrations" / cid / "report.html").read_text()
    assert "No ensemble drawn from this posterior is stored" in text and "--predictive 16" in text
    assert not (store.folder / "calibrations" / cid / "pairs.png").exists()


def test_predictive_runs_the_ensemble_and_the_page_draws_its_bands(fitted, tmp_path, capsys):
    store = _copy(fitted, tmp_path)
    cid = store.query("SELECT calibration_id FROM calibrations")["calibration_id"].iloc[0]
    args = [a for a in ARGS if a != "--no-report"][:-2]
    assert main([*args, "--predictive", "2", "--out", str(store.folder)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "already stored, finished" in out and "posterior predictive: 2 replicates" in out
    assert "2 run now (this process), 0 already stored; status finished" in out
    row = store.ensembles().iloc[-1]
    assert f'"draws": "posterior {cid}"' in row.params and row.status == "finished" and row.runs_done == 2
    text = (store.folder / "calibrations" / cid / "report.html").read_text()
    assert 'alt="bands"' in text and f"<code>{row.ensemble_id}</code>" in text and "No ensemble drawn" not in text
    assert (store.folder / "calibrations" / cid / "bands.png").stat().st_size > 1000


def test_ctrl_c_in_the_predictive_ensemble_keeps_the_calibration(fitted, tmp_path, capsys, monkeypatch):
    from rumormill.results import ensembles

    store = _copy(fitted, tmp_path)
    cid = store.query("SELECT calibration_id FROM calibrations")["calibration_id"].iloc[0]
    real = ensembles.EnsembleRecording.add

    def stop_after_the_first(self, index, summary, seconds=None):
        real(self, index, summary, seconds)
        raise KeyboardInterrupt

    monkeypatch.setattr(ensembles.EnsembleRecording, "add", stop_after_the_first)
    assert main([*ARGS[:-2], "--predictive", "3", "--out", str(store.folder)]) == 130
    err = " ".join(capsys.readouterr().err.split())
    assert f"interrupted: calibration {cid} is stored" in err and "the same command resumes it" in err
    assert store.calibration(cid)["status"] == "finished"
    row = store.ensembles().iloc[-1]
    assert (row.status, row.runs_done) == ("interrupted", 1)
    # usable: the page, with the one replicate stored
    assert main(["report", cid, "--out", str(store.folder)]) == 0
    assert "bands.png" in capsys.readouterr().out
    text = (store.folder / "calibrations" / cid / "report.html").read_text()
    assert "interrupted: 1 of 3 stored" in text and 'alt="bands"' in text

    monkeypatch.setattr(ensembles.EnsembleRecording, "add", real)
    assert main([*ARGS[:-2], "--predictive", "3", "--out", str(store.folder)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"resuming ensemble {row.ensemble_id}: 1 of 3 runs already stored" in out
    assert "2 run now" in out and "status finished" in out


def test_a_generation_pyabc_cannot_weigh_ends_the_fit_and_keeps_the_others(tmp_path, capsys, monkeypatch):
    from pyabc.population import Sample

    real, calls = Sample.normalize_weights, []

    def degenerate(self):  # generation 1's weights come out as nan, as a degenerate proposal makes them
        calls.append(1)
        if len(calls) == 3:
            raise AssertionError("The population total weight nan is not normalized.")
        return real(self)

    monkeypatch.setattr(Sample, "normalize_weights", degenerate)
    args = [a if a != "2" else "3" for a in ARGS]  # three generations asked for
    assert main([*args, "--out", str(tmp_path)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "note: stopped after generation 0: pyabc could not weigh the next generation's particles" in out
    store = Store(tmp_path)
    row = store.query("SELECT status, generations, error FROM calibrations").iloc[0]
    assert (row.status, row.generations) == ("finished", 1) and "weight nan" in row.error
    assert set(store.query("SELECT generation FROM posterior")["generation"]) == {0}
