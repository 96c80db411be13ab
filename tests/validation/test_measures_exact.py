"""The measures, daily engine at fine steps against the exact engine, in
distribution (V7–V9, V14, V15): each row of ``validation_exact`` must pass.

Tolerances come from the run count (Welch standard error with a
t-correction; KS and chi-square at level 0.001); seeds are fixed, so a row
cannot pass by luck on one run and fail on the next.
"""

import pytest

from rumormill import validation_exact

SEED = 2025


@pytest.mark.parametrize("case", list(validation_exact.CASES))
def test_daily_matches_exact_with_measures(case):
    rows = validation_exact.CASES[case](True, SEED)
    assert rows and all(r.runs >= 100 for r in rows)
    failed = [f"{r.what}: {r.measured:.4g} vs {r.expected:.4g} ± {r.tolerance:.4g}" for r in rows if not r.passed]
    assert not failed, "; ".join(failed)


def test_the_comparisons_can_fail():
    """A gap of one tolerance's size in a mean, and a shifted sample, are caught."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, 200)
    gap, tol = validation_exact.mean_gap(a, a + 0.5)
    assert abs(gap) > tol
    d, crit = validation_exact.ks_gap(a, a + 0.5)
    assert d > crit
    days = rng.poisson(10, 300)
    stat, crit = validation_exact.chi2_gap(days, days + 2)
    assert stat > crit
    stat, crit = validation_exact.chi2_gap(days, rng.poisson(10, 300))
    assert stat <= crit


def test_a_cases_rows_share_one_false_alarm_rate():
    """k rows of one case split the tail (Bonferroni): under no difference,
    the chance that any of 3 independent rows fails stays near the one-row
    rate, where unsplit it would be about three times that."""
    import numpy as np
    from scipy import stats

    rng = np.random.default_rng(1)
    a, b = rng.normal(0.0, 1.0, 400), rng.normal(0.0, 1.0, 400)
    _, one = validation_exact.mean_gap(a, b)
    _, split = validation_exact.mean_gap(a, b, rows=3)
    assert split / one == pytest.approx(stats.norm.isf(validation_exact.TAIL / 6) / 3.0, rel=0.01)
    trials, rows = 4000, 3
    z = rng.normal(size=(trials, rows))  # each row's gap in standard errors, under no difference
    any_split = (np.abs(z) > stats.norm.isf(validation_exact.TAIL / rows / 2)).any(axis=1).mean()
    any_unsplit = (np.abs(z) > 3.0).any(axis=1).mean()
    se = np.sqrt(validation_exact.TAIL / trials)
    assert any_split <= validation_exact.TAIL + 3 * se < any_unsplit


def test_v17_catches_a_wrong_detain_probability():
    """The daily engine given detain probabilities 0.1 too high (detection and
    checks) fails V17 against theory and against the exact engine; the exact
    engine's rows, unchanged, still pass."""
    rows = validation_exact.v17(True, SEED, shift=0.1)
    failed = {r.what for r in rows if not r.passed}
    for what in ("daily: detect on stars: centres detained by day 3",
                 "daily: check, all know: detained after 3 checks",
                 "daily−exact: detect on stars: centres detained",
                 "daily−exact: detect: soldiers detained",
                 "daily−exact: check: families detained"):
        assert what in failed
    assert not any(w.startswith("exact:") for w in failed)
