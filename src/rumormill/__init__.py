"""rumormill: how news spreads through a population over its contact networks
and channels, and what censorship does to it."""

from . import models, networks
from .errors import CapacityError, NetworkError, ParameterError, RumormillError, ScenarioError
from . import theory
from .models import ISR, SIR, DaleyKendall, IndependentCascade, MakiThompson
from .result import Result
from .simulate import CoarseStepWarning, simulate

__version__ = "0.1.0"

__all__ = [
    "CapacityError", "CoarseStepWarning", "DaleyKendall", "ISR", "IndependentCascade",
    "MakiThompson", "NetworkError", "ParameterError", "Result", "RumormillError",
    "SIR", "ScenarioError", "models", "networks", "simulate",
]
