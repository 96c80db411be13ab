"""Scenarios: TOML files -> validated ``Scenario`` -> the engine's inputs.

    load(name or path) -> Scenario -> build(scenario, scale) -> Built -> Built.run()

The format is documented in ``docs/scenarios.md``.

>>> from rumormill.scenario import load, build
>>> built = build(load("kpa-2025"), scale=0.001)
>>> built.population.n > 20_000
True
"""

from .build import Built, Estimate, build, estimate
from .load import builtin_names, json_schema, load, loads, validate, with_values
from .schema import Scenario
from .show import builtins_text, describe, parameter_values, schema_text

__all__ = [
    "Built", "Estimate", "Scenario", "build", "builtin_names", "builtins_text", "describe", "estimate",
    "json_schema", "load", "loads", "parameter_values", "schema_text", "validate", "with_values",
]
