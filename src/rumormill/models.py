"""The rules of telling, as small specs that compile to the kernel's numbers.

Every model here is one case of a general spreader process on a contact
network. A spreader meets each neighbour at the per-edge rate ``rate`` (per
day; per agent on a well-mixed layer). On meeting:

* an ignorant hears the story and becomes a spreader;
* a spreader meeting someone who already knows stops telling (becomes a
  stifler) with probability ``stifle``;
* ``pair=True`` (Daley–Kendall): when two spreaders meet, *both* stop;
* independently, a spreader stops at rate ``forget`` (forgetting, or recovery
  in SIR); ``one_step=True`` stops every spreader after one step
  (independent cascade).

The states are ``ignorant``, ``spreader``, ``stifler`` (an SIR model calls
them susceptible, infectious, recovered).

References
----------
Daley & Kendall (1965), Nature 204:1118. Maki & Thompson (1973),
*Mathematical Models and Applications*. Nekovee, Moreno, Bianconi & Marsili
(2007), Physica A 374:457 (the ISR model with λ, α, δ).
"""

from __future__ import annotations

from dataclasses import dataclass

from .rates import check_probability, check_rate

STATES = ("ignorant", "spreader", "stifler")
IGNORANT, SPREADER, STIFLER = 0, 1, 2


@dataclass(frozen=True)
class Rules:
    """The numbers a kernel needs; every model compiles to one of these."""

    rate: float
    stifle: float = 1.0
    pair: bool = False
    forget: float = 0.0
    one_step: bool = False


@dataclass(frozen=True)
class MakiThompson:
    """A spreader who meets someone who already knows stops telling.

    Well-mixed limit: a fraction θ = exp(−2(1−θ)) ≈ 0.2032 never hears.
    """

    rate: float
    forget: float = 0.0

    def __post_init__(self):
        check_rate("MakiThompson.rate", self.rate)
        check_rate("MakiThompson.forget", self.forget)

    def rules(self) -> Rules:
        return Rules(self.rate, 1.0, False, self.forget)


@dataclass(frozen=True)
class DaleyKendall:
    """Like Maki–Thompson, but when two spreaders meet both stop.

    Pairs meet at ``rate`` per edge, so the well-mixed limit is the same θ ≈ 0.2032.
    """

    rate: float

    def __post_init__(self):
        check_rate("DaleyKendall.rate", self.rate)

    def rules(self) -> Rules:
        return Rules(self.rate, 1.0, True, 0.0)


@dataclass(frozen=True)
class ISR:
    """Nekovee et al. (2007): spreading rate λ (``rate``), a spreader meeting a
    knower stops with probability α (``stifle``), forgetting at rate δ (``forget``)."""

    rate: float
    stifle: float = 1.0
    forget: float = 0.0

    def __post_init__(self):
        check_rate("ISR.rate", self.rate)
        check_probability("ISR.stifle", self.stifle)
        check_rate("ISR.forget", self.forget)

    def rules(self) -> Rules:
        return Rules(self.rate, self.stifle, False, self.forget)


@dataclass(frozen=True)
class SIR:
    """Epidemic SIR: per-edge transmission ``rate``, ``recovery`` rate; meeting
    a knower changes nothing. For comparison with epidemic tools."""

    rate: float
    recovery: float

    def __post_init__(self):
        check_rate("SIR.rate", self.rate)
        check_rate("SIR.recovery", self.recovery)

    def rules(self) -> Rules:
        return Rules(self.rate, 0.0, False, self.recovery)


@dataclass(frozen=True)
class IndependentCascade:
    """Each new spreader gets one step to tell each neighbour, then stops
    (an SIR whose spreaders recover after one step). Daily engine only."""

    rate: float

    def __post_init__(self):
        check_rate("IndependentCascade.rate", self.rate)

    def rules(self) -> Rules:
        return Rules(self.rate, 0.0, False, 0.0, one_step=True)


Model = MakiThompson | DaleyKendall | ISR | SIR | IndependentCascade
