"""Known answers of rumour and epidemic theory, computed rather than typed in."""

from __future__ import annotations

import math



def rumour_ignorant_fraction() -> float:
    """Maki–Thompson / Daley–Kendall well-mixed limit: θ = exp(−2(1−θ)), θ ≈ 0.20319.

    Sudbury (1985), J. Appl. Prob. 22:443.
    """
    from scipy.optimize import brentq

    return brentq(lambda t: t - math.exp(-2.0 * (1.0 - t)), 1e-9, 0.999)


def sir_final_size(r0: float) -> float:
    """Well-mixed SIR final size r = 1 − exp(−R0·r) (Kermack & McKendrick 1927)."""
    from scipy.optimize import brentq

    if r0 <= 1:
        return 0.0
    return brentq(lambda r: r - (1.0 - math.exp(-r0 * r)), 1e-9, 1.0)


def sir_poisson_network_final_size(mean_degree: float, rate: float, recovery: float) -> float:
    """SIR on a Poisson configuration-model graph, by bond percolation.

    Transmissibility T = τ/(τ+γ); u = 1 − T + T·exp(k(u−1)); size 1 − exp(k(u−1)).
    Newman (2002), Phys. Rev. E 66:016128.
    """
    from scipy.optimize import brentq

    t = rate / (rate + recovery)
    k = mean_degree
    u = brentq(lambda u: u - (1.0 - t + t * math.exp(k * (u - 1.0))), 0.0, 1.0 - 1e-12)
    return 1.0 - math.exp(k * (u - 1.0))
