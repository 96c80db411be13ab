"""rumormill: how news spreads through a population over its contact networks
and channels, and what censorship does to it."""

from . import models, networks
from .errors import CapacityError, NetworkError, ParameterError, RumormillError, ScenarioError
from . import theory
from .measures import Deter, Indoctrinate, Inflow, Inspect, Monitor, Trigger
from .models import ISR, SIR, DaleyKendall, IndependentCascade, MakiThompson
from .population import Population
from .result import Result
from .simulate import CoarseStepWarning, simulate
from .ensemble import compare, ensemble

__version__ = "0.1.0"

__all__ = [
    "CapacityError", "CoarseStepWarning", "DaleyKendall", "Deter", "ISR", "Indoctrinate",
    "IndependentCascade", "Inflow", "Inspect", "MakiThompson", "Monitor", "NetworkError",
    "ParameterError", "Population", "Result", "RumormillError", "SIR", "ScenarioError",
    "Trigger", "compare", "ensemble", "models", "networks", "simulate", "theory",
]
