"""Contact networks as CSR arrays, their generators and loaders."""

from .generators import (
    barabasi_albert,
    configuration,
    erdos_renyi,
    poisson_degrees,
    power_law_degrees,
    watts_strogatz,
)
from .delay import Delay
from .groups import bipartite, block, cliques, within
from .io import from_edgelist, from_networkx
from .multiplex import Layer, Multiplex
from .network import Network, complete, from_edges

__all__ = [
    "Delay",
    "Layer",
    "Multiplex",
    "Network",
    "barabasi_albert",
    "bipartite",
    "block",
    "cliques",
    "complete",
    "configuration",
    "erdos_renyi",
    "from_edgelist",
    "from_edges",
    "from_networkx",
    "poisson_degrees",
    "power_law_degrees",
    "watts_strogatz",
    "within",
]
