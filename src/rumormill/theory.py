"""Known answers of rumour and epidemic theory, computed rather than typed in.

Every function here is the analytic twin of a validation case (see
``rumormill.validation`` and docs/validation.md).
"""

from __future__ import annotations

import math


def rumour_ignorant_fraction() -> float:
    """Maki–Thompson / Daley–Kendall well-mixed limit: θ = exp(−2(1−θ)), θ ≈ 0.20319.

    Sudbury (1985), J. Appl. Prob. 22:443.

    >>> round(rumour_ignorant_fraction(), 5)
    0.20319
    """
    return isr_ignorant_fraction(stifle=1.0, forget=0.0, rate=1.0)


def isr_ignorant_fraction(stifle: float, forget: float, rate: float, acceptance: float = 1.0) -> float:
    """Final fraction of ignorants of the well-mixed ISR model (mean field).

    Nekovee, Moreno, Bianconi & Marsili (2007), Physica A 374:457, homogeneous
    case, with a hearer who believes the story with probability ``acceptance``
    (one who does not knows it and stays silent). With Λ = ``rate`` meetings a
    day, α = ``stifle``, δ = ``forget``, a = ``acceptance``::

        dx/dt = −Λxy,   dy/dt = aΛxy − αΛy(1−x) − δy.

    Dividing, dy/dx = −a + α(1−x)/x + δ/(Λx); from x = 1, y = 0 this gives
    y(x) = a(1−x) + α(ln x + 1 − x) + (δ/Λ) ln x, and the rumour ends (y = 0) at

        θ = exp(−ε(1−θ)),   ε = (a + α)/(α + δ/Λ),

    the smaller root. α = 1, δ = 0, a = 1 is Maki–Thompson (ε = 2,
    θ = 0.20319); α = 0 is SIR with R0 = aΛ/δ. No rumour (θ = 1) when ε ≤ 1.

    >>> round(isr_ignorant_fraction(1.0, 0.0, 1.0), 5)
    0.20319
    >>> round(1 - isr_ignorant_fraction(0.0, 0.1, 0.2), 5) == round(sir_final_size(2.0), 5)
    True
    """
    from scipy.optimize import brentq

    denom = stifle + forget / rate
    if denom <= 0.0:
        return 0.0  # nobody ever stops: everyone hears it
    eps = (acceptance + stifle) / denom
    if eps <= 1.0:
        return 1.0
    return brentq(lambda t: t - math.exp(-eps * (1.0 - t)), 1e-300, 1.0 - 1e-12)


def isr_take_off(rate: float, forget: float, acceptance: float = 1.0) -> float:
    """Chance that one spreader starts a large rumour in a large well-mixed population.

    Early on nobody meets a knower, so spreaders form a linear birth–death
    process: believers are born at aΛ and die at δ; it dies out with
    probability min(1, δ/(aΛ)) (Kendall 1948, Ann. Math. Stat. 19:1).

    >>> isr_take_off(1.0, 0.2)
    0.8
    """
    birth = acceptance * rate
    return 0.0 if birth <= forget else 1.0 - forget / birth


def sir_final_size(r0: float) -> float:
    """Well-mixed SIR final size r = 1 − exp(−R0·r) (Kermack & McKendrick 1927).

    >>> round(sir_final_size(2.0), 5)
    0.79681
    """
    from scipy.optimize import brentq

    if r0 <= 1:
        return 0.0
    return brentq(lambda r: r - (1.0 - math.exp(-r0 * r)), 1e-9, 1.0)


def sir_poisson_network_final_size(mean_degree: float, rate: float, recovery: float) -> float:
    """SIR on a Poisson configuration-model graph, by bond percolation.

    Transmissibility T = τ/(τ+γ); u = 1 − T + T·exp(k(u−1)); size 1 − exp(k(u−1)).
    Newman (2002), Phys. Rev. E 66:016128.

    >>> round(sir_poisson_network_final_size(10, 0.05, 0.1), 5)
    0.95912
    """
    from scipy.optimize import brentq

    t = rate / (rate + recovery)
    k = mean_degree
    u = brentq(lambda u: u - (1.0 - t + t * math.exp(k * (u - 1.0))), 0.0, 1.0 - 1e-12)
    return 1.0 - math.exp(k * (u - 1.0))


def inflow_reach(rates, days: int) -> float:
    """Share of a cohort reached by independent inflows at ``rates`` per day for ``days`` days.

    Each agent misses every inflow on every day with probability
    exp(−Σr) per day, so the reach is 1 − exp(−(Σr)·t): inflows add.

    >>> round(inflow_reach([0.02, 0.03], 10), 5)
    0.39347
    """
    return -math.expm1(-float(sum(rates)) * days)


def letter_arrival_share(rate: float, delay, t: float) -> float:
    """Chance a correspondent has had at least one letter by time ``t``,
    when the writer (from time 0) writes to it at ``rate`` per day and each
    letter takes an independent ``delay`` (a ``Delay``).

    Letters written as a Poisson process and delayed independently arrive as
    a Poisson process of rate ``rate·P(delay <= t − s)`` (the M/G/∞ queue's
    output), so none has come by ``t`` with probability
    ``exp(−rate·∫₀ᵗ P(delay <= u) du)``. For a fixed delay D it is
    ``1 − exp(−rate·(t − D))`` after D and 0 before.

    >>> from rumormill.networks import Delay
    >>> round(letter_arrival_share(0.2, Delay.fixed(5), 12), 5)
    0.7534
    """
    return float(-math.expm1(-rate * float(delay.integrated_cdf(t))))
