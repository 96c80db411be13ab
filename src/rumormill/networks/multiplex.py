"""Several contact layers over one population (a multiplex).

Each layer is a ``Network`` with a channel name (how a contact carries the
story: face, mail, phone, ...) and a rate multiplier: the per-edge telling rate
on a layer is ``model.rate * layer.rate``. A layer with a ``delay`` carries
letters: what is told there is heard when it arrives (``Delay``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NetworkError
from ..rates import check_rate
from .delay import Delay
from .network import Network


@dataclass(frozen=True)
class Layer:
    """One named contact network with its channel, relative contact rate and,
    for letters, the delay between writing and arrival (None: heard at once)."""

    network: Network
    rate: float = 1.0
    channel: str = "face"
    delay: Delay | None = None

    def __post_init__(self):
        check_rate("Layer.rate", self.rate)
        if not isinstance(self.network, Network):
            raise NetworkError(f"Layer.network must be a rumormill Network, got {type(self.network).__name__}.")
        if self.delay is not None and not isinstance(self.delay, Delay):
            raise NetworkError(f"Layer.delay must be a rumormill Delay (Delay.fixed, .gamma, .discrete) or None, "
                               f"got {type(self.delay).__name__}.")
        if self.delay is not None and self.network.is_complete:
            raise NetworkError("a delayed layer carries letters between given correspondents: build it as a network "
                               "with edges, not complete(n).")


class Multiplex:
    """Named layers over the same ``n`` agents.

    >>> from rumormill.networks import complete
    >>> m = Multiplex({"all": Layer(complete(10))})
    >>> m.n, m.names
    (10, ['all'])
    """

    def __init__(self, layers: dict[str, Layer | Network]):
        if not layers:
            raise NetworkError("Multiplex needs at least one layer.")
        self.layers: dict[str, Layer] = {
            name: (lay if isinstance(lay, Layer) else Layer(lay)) for name, lay in layers.items()
        }
        sizes = {name: lay.network.n for name, lay in self.layers.items()}
        if len(set(sizes.values())) != 1:
            raise NetworkError(f"all layers of a Multiplex must span the same agents; sizes were {sizes}.")
        self.n = next(iter(sizes.values()))

    @classmethod
    def of(cls, network: "Network | Multiplex") -> "Multiplex":
        """Wrap a single network as a one-layer multiplex (identity on a multiplex)."""
        if isinstance(network, Multiplex):
            return network
        if isinstance(network, Network):
            return cls({network.name: Layer(network)})
        raise NetworkError(
            f"expected a Network or Multiplex, got {type(network).__name__}; "
            "build one with rumormill.networks (e.g. erdos_renyi, from_networkx)."
        )

    @property
    def names(self) -> list[str]:
        return list(self.layers)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}: {v.network!r} x{v.rate:g}" for k, v in self.layers.items())
        return f"Multiplex(n={self.n:,}; {inner})"
