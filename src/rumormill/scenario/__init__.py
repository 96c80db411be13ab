"""Scenarios: TOML files -> validated ``Scenario`` -> the engine's inputs.

>>> from rumormill.scenario import load, build
>>> sc = load("kpa-2025")
>>> built = build(sc, scale=0.001)
>>> built.population.n > 20_000
True
"""

from .load import builtin_names, json_schema, load, loads, validate, with_values
from .schema import Scenario

__all__ = ["Scenario", "builtin_names", "json_schema", "load", "loads", "validate", "with_values"]
