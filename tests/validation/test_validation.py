"""VALIDATION.md cases V1–V6 and V10, at the reduced (quick) sizes.

Each case asserts a measured number against the theory with a tolerance of
three standard errors of its fixed-seed ensemble (see rumormill.validation).
"""

import pytest

from rumormill import theory, validation


def test_theory_values_match_the_published_numbers():
    assert theory.rumour_ignorant_fraction() == pytest.approx(0.20319, abs=1e-5)
    assert theory.sir_final_size(2.0) == pytest.approx(0.79681, abs=1e-5)
    assert theory.sir_poisson_network_final_size(10, 0.05, 0.1) == pytest.approx(0.95912, abs=1e-5)


@pytest.mark.parametrize("case", list(validation.CASES))
def test_case(case):
    checks = validation.run([case], quick=True)
    assert checks
    for c in checks:
        assert c.passed, f"{c.case} {c.what}: expected {c.expected:.5f}, measured {c.measured:.5f} ± {c.tolerance:.5f}"


def test_coarse_daily_steps_are_biased_as_documented():
    # VALIDATION.md: on a Poisson(10) graph, synchronous daily steps at p = 0.05
    # over-state Maki–Thompson reach (0.767 against 0.700 in continuous time)
    import rumormill as rm
    from rumormill.networks import configuration, poisson_degrees

    net = configuration(poisson_degrees(200_000, 10.0, 4), 4)
    daily = rm.simulate(net, rm.MakiThompson(-__import__("math").log(0.95)), initial=20, seed=1).reach()
    exact = rm.simulate(net, rm.MakiThompson(0.05), engine="exact", initial=20, seed=1).reach()
    assert daily == pytest.approx(0.767, abs=0.01)
    assert exact == pytest.approx(0.700, abs=0.01)


def test_convergence_rule_rejects_a_gap_that_stalls():
    from rumormill.validation import _convergence_checks

    shrinking = [(-0.094, 0.001), (-0.027, 0.001), (-0.0068, 0.001), (-0.0015, 0.001)]
    stalled = [(-0.094, 0.001), (-0.027, 0.001), (-0.020, 0.001), (-0.015, 0.001)]
    assert all(c.passed for c in _convergence_checks("V5", "x", shrinking, (1, 4, 16, 64), 10))
    assert not all(c.passed for c in _convergence_checks("V5", "x", stalled, (1, 4, 16, 64), 10))
