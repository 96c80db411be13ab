"""Ensembles drawn from a stored posterior (``rumormill run --posterior``),
and Morris elementary effects on a function with a known answer."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyabc")

from rumormill.calibrate.priors import Prior
from rumormill.calibrate.sobol import analyse_morris
from rumormill.ensemble import plan_for
from rumormill.ensemble.plan import posterior_draws, with_posterior
from rumormill.errors import ParameterError
from rumormill.results import Store


def _posterior(weights, values):
    return pd.DataFrame({"calibration_id": "c0", "generation": 3, "particle": range(len(weights)),
                         "weight": weights, "distance": 0.0, "telling_rate": values, "q0": 0.5})


def test_draws_follow_the_weights():
    post = _posterior([0.25, 0.0, 0.75], [0.2, 0.4, 0.6])
    draws = posterior_draws(post, 400, seed=1)
    assert all(set(d) == {"telling_rate"} for d in draws)  # q0 is a quantity, not a parameter
    got = np.array([d["telling_rate"] for d in draws])
    # systematic resampling: each particle drawn runs * weight times, to within one
    assert abs((got == 0.2).sum() - 100) <= 1 and (got == 0.4).sum() == 0 and abs((got == 0.6).sum() - 300) <= 1
    assert draws == posterior_draws(post, 400, seed=1)
    assert draws != posterior_draws(post, 400, seed=2)


def test_no_weights_no_draws():
    with pytest.raises(ParameterError, match="not a distribution"):
        posterior_draws(_posterior([0.0, 0.0], [0.2, 0.4]), 4, seed=1)


def test_an_ensemble_from_a_stored_posterior(hamlet, tmp_path):
    from rumormill.calibrate.stored import calibrate_stored

    store = Store(tmp_path)
    fit, cid = calibrate_stored(hamlet, store, "telling_rate,radio_rate", budget=20, population=6, generations=1,
                                workers=1)
    plan = with_posterior(plan_for(hamlet, runs=4), store, cid[:6])
    post = fit.posterior()
    assert plan.vary == ("telling_rate", "radio_rate") and plan.source == f"posterior {cid}"
    for i in range(plan.runs):
        values = plan.replicate(i).values
        # every draw is one of the posterior's particles
        assert ((post["telling_rate"] == values["telling_rate"]) & (post["radio_rate"] == values["radio_rate"])).any()
    assert plan.id != plan_for(hamlet, runs=4).id
    from rumormill.ensemble.stored import run_stored

    assert run_stored(plan, store, workers=1).status == "finished"
    drawn = store.query(f"SELECT params FROM replicates WHERE ensemble_id = '{plan.id}' ORDER BY replicate")
    assert len(drawn) == 4 and '"telling_rate"' in drawn["params"].iloc[0]
    with pytest.raises(ParameterError, match="drop --vary"):
        with_posterior(plan_for(hamlet, runs=2, vary="telling_rate"), store, cid)
    from rumormill.results.errors import RunNotFoundError

    with pytest.raises(RunNotFoundError, match="no calibration 'cffff'"):
        with_posterior(plan_for(hamlet, runs=2), store, "cffff")


class _Linear:
    """y = 2 x1 + 0 x2 (+ x1 x3): mu* is 2 for x1, 0 for x2; x3 acts only with x1."""

    outputs = ["y"]

    def __call__(self, values, seed=None):
        return np.array([2 * values["x1"] + values["x1"] * values["x3"]])


def test_morris_effects_of_a_known_function():
    priors = [Prior("x1", 0.0, 1.0), Prior("x2", 0.0, 1.0), Prior("x3", 0.0, 1.0)]
    sens = analyse_morris(_Linear(), priors, n=20, seed=3, workers=1)
    t = sens.table().set_index("parameter")
    assert t.loc["x2", "mu_star"] == 0 and t.loc["x2", "sigma"] == 0
    # x1's effect is 2 + x3, between 2 and 3; x3's is x1, between 0 and 1, and they vary (sigma > 0)
    assert 2 <= t.loc["x1", "mu_star"] <= 3 and 0 < t.loc["x3", "mu_star"] <= 1 and t.loc["x3", "sigma"] > 0
    assert sens.evaluations == 20 * 4 and sens.method == "morris"
