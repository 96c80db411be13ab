"""One error hierarchy: every user mistake is a ``RumormillError`` whose message
names the argument and says how to fix it. The CLI prints these without a
traceback."""

import re


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


#: C0 and C1 control characters (but tab and newline), and the bidirectional
#: overrides and isolates that reorder what a terminal shows
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with its control characters written out (``\\x1b``, ``\\u202e``).

    Messages and scenario summaries quote what users wrote; printed raw, an
    escape sequence in a name would drive the terminal (clear it, retitle it,
    hide text). Tabs and newlines are kept.

    >>> printable("a\\x1b[2Jb\\n")
    'a\\\\x1b[2Jb\\n'
    """
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
