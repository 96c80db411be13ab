"""``Detect``: informants and political officers watch what a cohort says.

Every telling on the chosen layers by a spreader of the cohort (a mention to
anyone, whether the hearer knew or not) is observed with ``probability``, and
the teller of an observed telling is detained with ``detain``. The telling
itself still happens: detection punishes, it does not stop the message (that
is ``Inspect``), and it works next to ``Deter``, the fear it spreads. Letters
(a layer with a delay) are the censor's business, not the informant's: a
detection watches conversations only. Each detection draws from its own
stream (``detect:NAME``), so two of them watch independently.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParameterError
from ..rates import check_probability
from .base import Context, Measure, cohort, names
from .schedule import Watching


@dataclass(frozen=True)
class Detect(Measure):
    layers: tuple[str, ...] = ()
    probability: float = 0.0
    detain: float = 1.0
    groups: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None

    def __post_init__(self):
        super().__post_init__()
        check_probability(f"{self.name}.probability", self.probability)
        check_probability(f"{self.name}.detain", self.detain)
        object.__setattr__(self, "layers", tuple(names(self.layers) or ()))
        object.__setattr__(self, "groups", names(self.groups))
        object.__setattr__(self, "regions", names(self.regions))
        if not self.layers:
            raise ParameterError(f"{self.name}.layers: name the layers whose tellings are watched.")

    def compile(self, ctx: Context) -> Watching:
        for lay in self.layers:
            if lay not in ctx.layers:
                raise ParameterError(f"detection {self.name!r}: layer {lay!r} is not one of {', '.join(ctx.layers)}.")
        # its own row: two detections watch independently
        return Watching(**self.when(), streams=(f"detect:{self.name}",),
                        target=f"{cohort(self.groups, self.regions)} on {', '.join(self.layers)}",
                        dose=f"observes {self.probability:g}, detains {self.detain:g}",
                        row=ctx.detections.index(self.name), layers=tuple(ctx.layers.index(lay) for lay in self.layers),
                        cells=ctx.cells(self.groups, self.regions), probability=self.probability, detain=self.detain)
