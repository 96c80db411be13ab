"""Variants of a built scenario that reuse its population and networks: the
same structure with other rates and measures (an ensemble member with drawn
parameters), and the counterfactual without some measures (``compare``).
Building the networks is most of a build's time, so these cost little."""

from __future__ import annotations

import dataclasses

from ..errors import ParameterError
from ..networks import Layer, Multiplex


def rebuilt(base, sc):
    """``base`` with the rates, stories, measures, triggers and calendar of
    ``sc``, whose population and layer structure must be those ``base`` was
    built from (see ``ensemble.replicate.structure_key``)."""
    from .build import delay_of, measures_of, stories_of, triggers_of

    layers = {spec.name: Layer(base.multiplex.layers[spec.name].network, spec.rate, spec.channel, delay_of(spec))
              for spec in sc.layers}
    info = sc.scenario
    return dataclasses.replace(
        base, multiplex=Multiplex(layers), stories=stories_of(sc), measures=measures_of(sc, base.order),
        triggers=triggers_of(sc, base.scale, base.order), days=info.days, substeps=info.substeps, engine=info.engine,
        initial={s.name: s.initial for s in sc.stories}, scenario=sc,
    )


def without(built, names):
    """The counterfactual: ``built`` with the named measures left out, and
    triggers no longer starting them. Same population, networks and seed, so
    a run of each on one seed differs only where the measures act."""
    names = tuple(names)
    known = [m.name for m in built.measures]
    for name in names:
        if name not in known:
            raise ParameterError(f"without: {name!r} is not a measure of {built.name}; its measures are: "
                                 f"{', '.join(known)}.")
    kept = [m for m in built.measures if m.name not in names]
    triggers = [dataclasses.replace(t, starts=tuple(s for s in t.starts if s not in names)) for t in built.triggers]
    return dataclasses.replace(built, measures=kept, triggers=triggers)
