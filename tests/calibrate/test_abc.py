"""ABC-SMC recovers known parameters; the same particles on every executor;
the budget caps the evaluations."""

import datetime as dt

import numpy as np
import pytest

pytest.importorskip("pyabc")  # a dependency of rumormill.calibrate (pyproject.toml)

import rumormill.calibrate as cal
from rumormill.errors import ParameterError
from rumormill.scenario import with_values

TRUTH = {"telling_rate": 0.5, "radio_rate": 0.003}
START = dt.date(2025, 3, 1)
#: what is observed: early reach in the north (driven by the radio) and in the
#: south (driven by telling across the market), later reach everywhere
QUANTITIES = [cal.Quantity("reach", START + dt.timedelta(days=5), "news", regions=("north",)),
              cal.Quantity("reach", START + dt.timedelta(days=5), "news", regions=("south",)),
              cal.Quantity("reach", START + dt.timedelta(days=11), "news")]


@pytest.fixture(scope="module")
def synthetic(hamlet, replace_observations):
    """hamlet, cut to 12 days, observed as one run with TRUTH (seed 99,
    another replicate than any the calibration runs) reported as points."""
    short = replace_observations(hamlet, [], days=12)
    observed = cal.model_for(with_values(short, TRUTH), QUANTITIES, seed=99)({}, np.random.SeedSequence(2024))
    return replace_observations(short, [
        {"date": q.date, "what": "synthetic", "metric": "reach", "story": "news",
         "regions": list(q.regions) if q.regions else None, "value": float(v)}
        for q, v in zip(QUANTITIES, observed)])


@pytest.fixture(scope="module")
def fit(synthetic):
    return cal.calibrate(synthetic, ["telling_rate", "radio_rate"], budget=900, population=60, generations=6,
                         workers=1)


def test_posterior_covers_the_truth_and_narrows_the_prior(fit):
    summary = fit.summary().set_index("parameter")
    for name, truth in TRUTH.items():
        row = summary.loc[name]
        assert row.q05 <= truth <= row.q95, (name, truth, row.q05, row.q95)
    # the data inform both parameters. A sampler that ignored them would
    # return the prior: the 90% interval of 60 uniform draws spans 0.9 of the
    # range give or take ~0.04, so narrowed ~ 0 +- 0.05; 0.2 is four of those away
    assert (summary["narrowed"] > 0.2).all(), summary["narrowed"]


def test_thresholds_fall_and_the_record_is_complete(fit):
    gens = fit.generations()
    assert len(gens) >= 3
    assert (np.diff(gens["epsilon"]) < 0).all()
    assert (gens["accepted"] == 60).all() and (gens["acceptance_rate"] <= 1).all()
    post = fit.posterior()
    assert len(post) == 60 and post["weight"].sum() == pytest.approx(1.0)
    # every kept particle lies within its generation's threshold
    eps = gens.set_index("generation")["epsilon"]
    parts = fit.particles()
    assert (parts["distance"] <= parts["generation"].map(eps) + 1e-12).all()
    # the distance stored is the documented one, recomputed from the quantities
    targets = fit.targets
    labels = [t.quantity.label for t in targets]
    again = [cal.distance(targets, row) for row in parts[labels].to_numpy()]
    assert np.allclose(again, parts["distance"])
    assert fit.evaluations <= 900
    assert list(fit.observations()["quantity"]) == labels
    fig = fit.plot(truth=TRUTH)
    assert [ax.get_xlabel() for ax in fig.axes if ax.get_visible()] == ["ln telling_rate", "ln radio_rate"]


def test_same_particles_in_this_process_a_pool_and_a_dask_cluster(synthetic):
    kw = dict(budget=100, population=12, generations=2)
    here = cal.calibrate(synthetic, ["telling_rate", "radio_rate"], workers=1, **kw)
    cols = ["telling_rate", "radio_rate", "distance"]
    assert len(here.particles()) == 24
    for executor, more in (("pool", {}), ("Dask LocalCluster", {"cluster": "local"})):
        other = cal.calibrate(synthetic, ["telling_rate", "radio_rate"], workers=2, **more, **kw)
        assert np.array_equal(here.particles()[cols].to_numpy(), other.particles()[cols].to_numpy()), executor
        assert executor in other.executor


def test_a_dask_task_runs_on_one_numba_thread():
    """numba's thread count is per thread; a Dask worker runs tasks on threads of its own."""
    from rumormill.calibrate.runner import Runner

    def threads():
        import numba

        return numba.get_num_threads()

    with Runner(2, "local") as runner:
        assert runner.submit(threads).result() == 1


def test_the_caller_random_state_is_left_alone(synthetic):
    import numpy  # the legacy global stream pyabc draws from

    numpy.random.seed(5)
    expected = numpy.random.random()
    numpy.random.seed(5)
    cal.calibrate(synthetic, ["radio_rate"], budget=40, population=10, generations=1, workers=1)
    assert numpy.random.random() == expected


def test_a_budget_too_small_for_one_generation_is_refused(synthetic):
    with pytest.raises(ParameterError, match="twice the population"):
        cal.calibrate(synthetic, ["radio_rate"], budget=30, population=20, workers=1)
    with pytest.raises(ParameterError, match="unknown parameter"):
        cal.calibrate(synthetic, ["radio_rat"], budget=100, population=20, workers=1)
