"""docs/validation.md cases V1–V16 at the reduced (quick) sizes, and the
rules that turn ensembles into pass/fail.

Each case asserts measured numbers against the theory with tolerances from
its fixed-seed ensembles (rumormill.validation). The rule tests feed the
check functions inputs with a known defect and see them fail.
"""

import math

import numpy as np
import pytest

from rumormill import theory, validation
from rumormill.validation import Estimate

SEED = 2025


def _fail_message(checks):
    return "; ".join(f"{c.case} {c.what}: expected {c.expected:.5f}, measured {c.measured:.5f} ± {c.tolerance:.5f}"
                     for c in checks if not c.passed)


# -- the theory ----------------------------------------------------------------

def test_theory_values_match_the_published_numbers():
    assert theory.rumour_ignorant_fraction() == pytest.approx(0.20319, abs=1e-5)
    assert theory.sir_final_size(2.0) == pytest.approx(0.79681, abs=1e-5)
    assert theory.sir_poisson_network_final_size(10, 0.05, 0.1) == pytest.approx(0.95912, abs=1e-5)


def test_isr_final_size_reduces_to_the_classic_models():
    # Maki–Thompson (α = 1, δ = 0) at any rate; SIR (α = 0) with R0 = Λ/δ
    assert theory.isr_ignorant_fraction(1.0, 0.0, 3.0) == pytest.approx(0.20319, abs=1e-5)
    assert 1 - theory.isr_ignorant_fraction(0.0, 0.1, 0.2) == pytest.approx(0.79681, abs=1e-5)
    # below threshold nobody hears it; more forgetting, more ignorants
    assert theory.isr_ignorant_fraction(0.0, 1.0, 0.5) == 1.0
    assert theory.isr_ignorant_fraction(0.5, 0.2, 1.0) > theory.isr_ignorant_fraction(0.5, 0.0, 1.0)


@pytest.mark.parametrize("stifle, forget, acceptance", [(0.5, 0.2, 1.0), (1.0, 0.0, 0.6), (0.3, 0.4, 0.8)])
def test_isr_final_size_is_where_the_meanfield_odes_end(stifle, forget, acceptance):
    from scipy.integrate import solve_ivp

    rate, y0 = 1.0, 1e-9

    def rhs(_t, v):
        x, y = v
        return [-rate * x * y, acceptance * rate * x * y - stifle * rate * y * (1 - x) - forget * y]

    sol = solve_ivp(rhs, (0, 2000), [1 - y0, y0], method="LSODA", rtol=1e-10, atol=1e-14)
    assert sol.y[0, -1] == pytest.approx(theory.isr_ignorant_fraction(stifle, forget, rate, acceptance), abs=1e-6)


def test_isr_final_size_matches_the_meanfield_engine():
    from rumormill.engine.meanfield import solve

    x = solve(1 - 1e-9, 1e-9, 1.0, 0.5, 0.2, 400)[-1, 0]
    assert x == pytest.approx(theory.isr_ignorant_fraction(0.5, 0.2, 1.0), abs=1e-6)


def test_take_off_and_inflow_theory():
    assert theory.isr_take_off(1.0, 0.2) == pytest.approx(0.8)
    assert theory.isr_take_off(1.0, 0.5, acceptance=0.4) == 0.0
    assert theory.inflow_reach([0.1], 5) == pytest.approx(1 - math.exp(-0.5))
    assert theory.inflow_reach([0.02, 0.03], 10) == pytest.approx(theory.inflow_reach([0.05], 10))


def test_letter_arrival_theory():
    from scipy.integrate import quad

    from rumormill.networks import Delay

    assert theory.letter_arrival_share(0.2, Delay.fixed(5), 5) == 0.0
    assert theory.letter_arrival_share(0.2, Delay.fixed(5), 8) == pytest.approx(1 - math.exp(-0.6))
    gamma = Delay.gamma(5, 2)
    area = quad(lambda u: float(gamma.cdf(u)), 0, 8)[0]
    assert theory.letter_arrival_share(0.2, gamma, 8) == pytest.approx(1 - math.exp(-0.2 * area), abs=1e-9)


# -- the rules that turn numbers into pass/fail ------------------------------------

def test_t_correction_widens_small_ensembles():
    assert validation.t_factor(math.inf) == 3.0
    assert validation.t_factor(4) > validation.t_factor(29) > validation.t_factor(1000) > 3.0
    assert validation.t_factor(0) == math.inf


def test_welch_combination_of_independent_means():
    a = validation.mean_of([1.0, 2.0, 3.0])
    b = validation.mean_of([2.0, 4.0, 6.0, 8.0])
    gap = validation.combine((1, b), (-1, a))
    assert gap.value == pytest.approx(3.0)
    assert gap.se == pytest.approx(math.sqrt(1 / 3 + (20 / 3) / 4))
    assert min(a.df, b.df) <= gap.df <= a.df + b.df
    assert gap.runs == 3


def test_a_check_fails_when_too_few_runs_qualify():
    few = validation.mean_of([0.2031, 0.2032])
    c = validation.compare("VX", "x", 0.20319, few, 20)
    assert not c.passed and c.runs == 2 and c.requested == 20
    assert not validation.compare("VX", "x", 0.2, validation.mean_of([]), 20).passed
    enough = validation.mean_of([0.2031, 0.2032, 0.2033, 0.2030, 0.2034])
    assert validation.compare("VX", "x", 0.2032, enough, 5).passed


def test_v3_counts_only_the_runs_that_took_off(monkeypatch):
    # two of the runs take off: the size row must fail, not pass vacuously
    def two_take_off(net, model, runs, *args, **kwargs):
        return np.array([0.797, 0.796] + [1e-5] * (runs - 2))

    monkeypatch.setattr(validation, "_reaches", two_take_off)
    size, share = validation.v3(True, SEED)
    assert size.runs == 2 and size.requested > 2 and not size.passed
    assert share.measured == pytest.approx(2 / size.requested) and share.runs == size.requested


def test_ks_row_tells_a_shifted_distribution_from_a_resampled_one():
    rng = np.random.default_rng(5)
    a, b, shifted = rng.normal(0, 1, 40), rng.normal(0, 1, 40), rng.normal(1.5, 1, 40)
    assert validation.same_distribution("VX", "x", a, b, 40).passed
    assert not validation.same_distribution("VX", "x", a, shifted, 40).passed
    assert not validation.same_distribution("VX", "x", a[:3], b[:3], 40).passed


def test_binomial_row():
    assert validation.binomial("VX", "x", 0.5, 5_030, 10_000).passed
    assert not validation.binomial("VX", "x", 0.5, 5_200, 10_000).passed


def _synthetic_v5(gaps, sd=0.0015, runs=30, seed=1):
    """V5 inputs whose daily ensembles sit ``gaps`` above an exact one."""
    rng = np.random.default_rng(seed)
    exact = 0.2 + rng.normal(0, sd, runs)
    daily = {k: 0.2 + g + rng.normal(0, sd, runs) for k, g in zip(validation.V5_STEPS, gaps)}
    return {"V5a": ("synthetic", runs, exact, daily)}


def test_convergence_rule_rejects_a_gap_that_stalls():
    shrinking = (-0.094, -0.0235, -0.0059, -0.0015)
    stalled = (-0.094, -0.027, -0.020, -0.015)
    assert all(c.passed for c in validation.v5_checks(_synthetic_v5(shrinking)))
    assert not all(c.passed for c in validation.v5_checks(_synthetic_v5(stalled)))


# -- the cases, at quick sizes ------------------------------------------------------

@pytest.fixture(scope="module")
def v5_inputs():
    return validation.v5_inputs(True, SEED)


def test_v5_daily_converges_to_exact(v5_inputs):
    checks = validation.v5_checks(v5_inputs)
    assert len(checks) == 2 * (len(validation.V5_STEPS) + 1)
    assert all(c.passed for c in checks), _fail_message(checks)


@pytest.mark.parametrize("bias", [0.003, -0.003])
def test_v5_fails_a_constant_residual_bias(v5_inputs, bias):
    # the same ensembles with 0.003 added to every daily run: each part must fail
    biased = {case: (what, runs, exact, {k: v + bias for k, v in daily.items()})
              for case, (what, runs, exact, daily) in v5_inputs.items()}
    checks = validation.v5_checks(biased)
    for case in biased:
        limit = [c for c in checks if c.case == case][-1]
        assert "extrapolated" in limit.what and limit.tolerance < abs(bias)
        assert not limit.passed, f"{case}: bias {bias} passed ({limit.measured:.5f} ± {limit.tolerance:.5f})"


def test_v8_compares_independent_ensembles():
    # with common random numbers the deterred and slower runs coincide and the gap is exactly 0
    gap, ks = validation.v8(True, SEED)
    assert gap.passed and ks.passed, _fail_message([gap, ks])
    assert gap.measured != 0.0 and ks.measured > 0.0


@pytest.mark.parametrize("case", [c for c in validation.CASES if c not in ("V5", "V8")])
def test_case(case):
    checks = validation.run([case], quick=True, seed=SEED)
    assert checks
    assert all(c.passed for c in checks), _fail_message(checks)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["V11", "V12", "V13", "V14"])
def test_case_full_size(case):
    checks = validation.run([case], quick=False, seed=SEED)
    assert all(c.passed for c in checks), _fail_message(checks)


def test_coarse_daily_steps_are_biased_as_documented():
    # VALIDATION.md: on a Poisson(10) graph, synchronous daily steps at p = 0.05
    # over-state Maki–Thompson reach (0.767 against 0.700 in continuous time)
    import rumormill as rm
    from rumormill.networks import configuration, poisson_degrees

    net = configuration(poisson_degrees(200_000, 10.0, 4), 4)
    daily = rm.simulate(net, rm.MakiThompson(-math.log(0.95)), initial=20, seed=1).reach()
    exact = rm.simulate(net, rm.MakiThompson(0.05), engine="exact", initial=20, seed=1).reach()
    assert daily == pytest.approx(0.767, abs=0.01)
    assert exact == pytest.approx(0.700, abs=0.01)
