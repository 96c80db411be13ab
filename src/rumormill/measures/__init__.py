"""Measures: what the authorities (or outside broadcasters) do, each small and
composable, and the triggers that switch them on. A run compiles each measure
once into plain data the engines read (``schedule``)."""

from .base import Context, Levers, Measure
from .check import Check
from .detect import Detect
from .deter import Deter
from .indoctrinate import Indoctrinate
from .inflow import Inflow
from .inspect import Inspect
from .monitor import Monitor
from .triggers import Trigger

__all__ = ["Check", "Context", "Detect", "Deter", "Indoctrinate", "Inflow", "Inspect", "Levers", "Measure", "Monitor", "Trigger"]
