"""One entry per kind of label and of layer: its TOML table (``schema``), its
builder (``build``), the contacts it will make (for ``build.estimate``,
before anything is built) and what it is in one line (``rumormill show``).

A new kind is its table in ``schema``, its builder in ``build`` and its entry
here; ``build``, ``estimate`` and ``show`` find it through ``LABELS`` and
``LAYERS``. (The scenario checks, ``checks``, still name each kind's own
cross-references.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import schema
from .build import (bipartite_layer, blocks_label, cliques_layer, edgelist_layer, households_label, random_layer,
                    units_label, within_layer)


def listed(values) -> str:
    """A list of names in words; None is "all"."""
    return "all" if values is None else ", ".join(values)


@dataclass(frozen=True)
class Census:
    """Agents per (group, region) at the build's scale, and the labels by name:
    what a kind needs to estimate its contacts."""

    cells: dict[tuple[str, str], int]
    groups: list[str]
    regions: list[str]
    labels: dict

    def count(self, groups=None, regions=None) -> int:
        """Agents of the groups in the regions (all when None)."""
        return sum(self.cells[(g, r)] for g in (groups or self.groups) for r in (regions or self.regions))


@dataclass(frozen=True)
class LabelKind:
    table: type
    #: (spec, population, labels so far, region per agent, rng) -> int32[n], -1 for no label
    build: Callable
    describe: Callable[[object], str]


@dataclass(frozen=True)
class LayerKind:
    table: type
    #: (scenario, spec, population, region per agent, scale, rng) -> Network
    build: Callable
    #: (spec, Census) -> expected contacts (undirected)
    contacts: Callable[[object, Census], float]
    describe: Callable[[object], str]


def _apart(spec) -> str:
    return f"; {listed(spec.apart)} apart" if getattr(spec, "apart", None) else ""


LABELS = {
    "households": LabelKind(schema.HouseholdsLabel, households_label,
                            lambda x: f"mean size {x.mean_size:g} of {listed(x.groups)}{_apart(x)}"),
    "blocks": LabelKind(schema.BlocksLabel, blocks_label, lambda x: f"{x.size[0]}-{x.size[1]} {x.of}s each"),
    "units": LabelKind(schema.UnitsLabel, units_label, lambda x: f"size {x.size} of {listed(x.groups)}"),
}


def _label_root(labels: dict, lab):
    while isinstance(lab, schema.BlocksLabel):
        lab = labels[lab.of]
    return lab


def _clique_degree(labels: dict, lab) -> float:
    """Mean number of others an agent shares its label with."""
    if isinstance(lab, schema.HouseholdsLabel):
        lam = lab.mean_size - 1  # sizes 1 + Poisson(lam), seen from a member
        return lam * (2 + lam) / (1 + lam)
    if isinstance(lab, schema.UnitsLabel):
        return lab.size - 1.0
    return (sum(lab.size) / 2) * (_clique_degree(labels, labels[lab.of]) + 1) - 1


def _by_label(spec, census: Census, degree: float | None = None) -> float:
    """Contacts of a layer linking those who share a label: its members (the
    label's groups among the layer's) times their mean degree, halved."""
    lab = census.labels[spec.by]
    covered = _label_root(census.labels, lab).groups
    members = census.count([g for g in (spec.groups or census.groups) if g in covered], spec.regions)
    clique = _clique_degree(census.labels, lab)
    return members * (clique if degree is None else min(clique, degree)) / 2


LAYERS = {
    "cliques": LayerKind(schema.CliquesLayer, cliques_layer, _by_label, lambda x: f"by {x.by}"),
    "within": LayerKind(schema.WithinLayer, within_layer, lambda x, c: _by_label(x, c, x.mean_degree),
                        lambda x: f"by {x.by}, mean degree {x.mean_degree:g}"),
    "random": LayerKind(schema.RandomLayer, random_layer,
                        lambda x, c: c.count(x.groups, x.regions) * x.mean_degree / 2,
                        lambda x: f"mean degree {x.mean_degree:g}{' within regions' if x.within_region else ''}"),
    "bipartite": LayerKind(schema.BipartiteLayer, bipartite_layer,
                           lambda x, c: c.count(x.a, x.regions) * x.mean_degree_a,
                           lambda x: f"{listed(x.a)} <-> {listed(x.b)}, {x.mean_degree_a:g} each"),
    # the file's size is read when it is built, not estimated
    "edgelist": LayerKind(schema.EdgelistLayer, edgelist_layer, lambda x, c: 0.0, lambda x: f"from {x.path}"),
}
