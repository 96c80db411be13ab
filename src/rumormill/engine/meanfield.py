"""The mean-field engine: the homogeneous-mixing ODEs of the same rules.

With x, y, z the fractions of ignorants, spreaders and stiflers and
Λ = Σ_l r_l·⟨k_l⟩ the meetings a spreader has per day,

    dx/dt = −Λ x y
    dy/dt =  Λ x y − α Λ y (1 − x) − δ y
    dz/dt =  α Λ y (1 − x) + δ y

(α = ``stifle``; Daley–Kendall pairs give the same terms as α = 1, because a
spreader–spreader pair is met from both ends at half the rate and stops
both). It is exact for the well-mixed population as n → ∞; on sparse
networks it ignores correlations (a spreader's informer already knows), so it
over-states reach there. Maki & Thompson (1973); Daley & Kendall (1965).
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp


def solve(x0: float, y0: float, spread: float, stifle: float, forget: float, days: int):
    """Fractions (x, y, z) at days 0..days, shape (days + 1, 3)."""

    def rhs(_t, v):
        x, y, _z = v
        meet = spread * x * y
        stop = stifle * spread * y * (1.0 - x) + forget * y
        return [-meet, meet - stop, stop]

    if days == 0:
        return np.array([[x0, y0, 1.0 - x0 - y0]])
    t_eval = np.arange(days + 1, dtype=float)
    sol = solve_ivp(rhs, (0.0, float(days)), [x0, y0, 1.0 - x0 - y0], t_eval=t_eval,
                    method="LSODA", rtol=1e-9, atol=1e-12)
    return sol.y.T
