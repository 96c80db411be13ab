"""``Inspect``: messages on a channel are read, and senders may be detained.

Every meeting on a layer carrying the channel is intercepted with
``probability`` instead of taking place (neither side learns anything); the
sender of an intercepted message is detained with ``detain``. Interceptions
are counted by the sender's cell: they are what the authorities observe.
Each inspection draws from its own stream: two inspections of one channel
read a message independently; it is stopped if either catches it, and its
sender detained if a catcher detains (chance ``1 - prod(1 - p_k d_k)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rates import check_probability
from .base import Context, Measure
from .schedule import Thinning


@dataclass(frozen=True)
class Inspect(Measure):
    channel: str = "mail"
    probability: float = 1.0
    detain: float = 0.0

    def __post_init__(self):
        super().__post_init__()
        check_probability(f"{self.name}.probability", self.probability)
        check_probability(f"{self.name}.detain", self.detain)

    def compile(self, ctx: Context) -> Thinning:
        layers = tuple(ctx.layers_of(self.channel))
        # its own row: two inspections of one channel draw independently
        return Thinning(**self.when(), streams=(f"inspect:{self.name}",),
                        target=f"channel {self.channel} (layers {', '.join(ctx.layers[k] for k in layers)})",
                        dose=f"intercepts {self.probability:g}, detains {self.detain:g}",
                        row=ctx.inspections.index(self.name), layers=layers, probability=self.probability,
                        detain=self.detain)
