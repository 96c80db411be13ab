"""One error hierarchy: every user mistake is a ``RumormillError`` whose message
names the argument and says how to fix it. The CLI prints these without a
traceback."""


class RumormillError(Exception):
    """Base class of every error rumormill raises on purpose."""


class ParameterError(RumormillError, ValueError):
    """A rate, probability, size or option is out of its allowed range."""


class NetworkError(RumormillError, ValueError):
    """A network cannot be built from what was given (degrees, edge list, graph)."""


class CapacityError(RumormillError, MemoryError):
    """The requested work cannot fit in this machine's memory; refused before allocating."""


class ScenarioError(RumormillError, ValueError):
    """A scenario file is malformed or inconsistent."""
