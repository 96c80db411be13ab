"""The scenario format: one pydantic model per TOML table.

These models check *shapes and ranges* (types, a probability in [0, 1], a
size >= 0, no unknown keys). Whether the names used in one table exist in
another (a layer's groups, a trigger's measures, a date inside the calendar)
is checked in ``checks.py``, which can point at the exact offending entry.

Tables with several kinds (``[[measures]]``, ``[[layers]]``, ``[[stories]]``,
``[[population.labels]]``) are a *registry keyed by* ``type`` (``model`` for
stories): each kind is a class registered under its tag, and pydantic picks
the class from the tag. Adding a kind is adding one class here and its entry
in ``kinds.py`` (what it becomes in a run, its checks, its description). The format is documented in ``docs/scenarios.md``.
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from ..dates import date_of, day_of

#: the longest calendar, in days (a century); the command line's --days has the same cap
MAX_DAYS = 36_500
#: the fastest rate, per day (an event every 8.64 seconds): faster is a slip of
#: the exponent, and products of such rates overflow in the engines
MAX_RATE = 10_000.0
#: the most people one count may hold (above the world's population)
MAX_PEOPLE = 10**10
#: the most contacts per person a layer may ask for
MAX_DEGREE = 1e6

#: a name used to refer to a table from another (letters, digits, spaces, "_" and "-")
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\w[\w \-]*$")]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Rate = Annotated[float, Field(ge=0.0, le=MAX_RATE, allow_inf_nan=False, description="per day")]
Degree = Annotated[float, Field(ge=0.0, le=MAX_DEGREE, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=MAX_PEOPLE)]
Days = Annotated[int, Field(ge=0, le=MAX_DAYS)]
Names = Annotated[list[Name], Field(min_length=1)]


class Table(BaseModel):
    """A TOML table: unknown keys are refused, values are not coerced across types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Registry:
    """Classes of one kind of table, keyed by the value of their tag field.

    >>> MEASURES.names()[:2]
    ['check', 'detect']
    """

    def __init__(self, kind: str, key: str):
        self.kind, self.key = kind, key
        self.classes: dict[str, type[Table]] = {}

    def add(self, cls: type[Table]) -> type[Table]:
        (tag,) = typing.get_args(cls.model_fields[self.key].annotation)
        self.classes[tag] = cls
        return cls

    def names(self) -> list[str]:
        return sorted(self.classes)

    def union(self):
        return Annotated[Union[tuple(self.classes.values())], Field(discriminator=self.key)]


LABELS = Registry("label", "type")
LAYERS = Registry("layer", "type")
STORIES = Registry("story model", "model")
MEASURES = Registry("measure", "type")
DELAYS = Registry("delay", "dist")
REGISTRIES = {"labels": LABELS, "layers": LAYERS, "stories": STORIES, "measures": MEASURES, "delay": DELAYS}


# ---------------------------------------------------------------- [scenario]


class ScenarioInfo(Table):
    """``[scenario]``: name, calendar and run settings."""

    name: Name
    description: str = ""
    start: dt.date = Field(description="first simulated day, a TOML date such as 2024-10-01")
    days: int = Field(ge=1, le=MAX_DAYS, description="days simulated; the calendar runs from start to start + days")
    scale: float = Field(0.1, gt=0.0, allow_inf_nan=False, description="fraction of the census sizes built as agents")
    calibration_scale: float | None = Field(
        None, gt=0.0, allow_inf_nan=False,
        description="scale of each run of `rumormill calibrate` and `sensitivity` when --scale is not given "
        "(default: scale); small, to afford thousands of runs, once `scale_check` shows the observed "
        "quantities agree with larger scales")
    seed: int = Field(0, ge=0, le=2**63 - 1)
    runs: int = Field(1, ge=1, le=100_000, description="replicates `rumormill run` makes when --runs is not given; "
                      "more than 1 gives an ensemble, printed and drawn as medians with bands")
    substeps: int = Field(1, ge=1, le=1_000, description="steps a day of the daily engine")
    engine: Literal["daily", "exact", "meanfield"] = "daily"
    order: Literal["date", "trigger"] = Field(
        "date",
        description='"date": every measure starts on its start date; "trigger": measures a trigger '
        "starts wait for it (their start dates are ignored)",
    )
    key_dates: dict[str, dt.date] = Field(default_factory=dict, description="label -> date, marked on reports")

    @model_validator(mode="after")
    def _calendar(self):
        if day_of(self.start, dt.date.max) < self.days:
            raise ValueError(f"start = {self.start} and days = {self.days} run past {dt.date.max}, the last date "
                             "there is; start earlier or simulate fewer days")
        return self

    @property
    def end(self) -> dt.date:
        return date_of(self.start, self.days)


# -------------------------------------------------------------- [population]


class Group(Table):
    """``[[population.groups]]``: who lives where, and how many (at scale 1).

    Exactly one of ``rest``, ``share``, ``count`` or ``per`` sizes the group:
    ``share`` of each listed region's census count, or ``shares``, a table
    region -> share when they differ (a border band); ``count`` people in all,
    split over the regions in proportion to their census counts; ``ratio``
    people ``per`` member of the listed groups, split the same way; ``rest``
    everyone in the region the other groups leave.
    """

    name: Name
    regions: Names
    rest: bool = False
    share: Probability | None = None
    shares: dict[Name, Probability] | None = None
    count: Count | None = None
    per: Names | None = None
    ratio: Degree | None = None
    note: str = ""

    @model_validator(mode="after")
    def _one_size(self):
        given = [k for k in ("share", "shares", "count", "per") if getattr(self, k) is not None] + (["rest"] if self.rest else [])
        if len(given) != 1:
            raise ValueError(
                f"group {self.name!r} gives {' and '.join(given) or 'no size'}: size it with exactly one of "
                "rest = true, share = <0..1>, shares = {<region> = <0..1>, ...}, count = <people> or per = [<groups>] "
                "with ratio = <people each>"
            )
        if self.shares is not None and set(self.shares) != set(self.regions):
            missing = [r for r in self.regions if r not in self.shares]
            extra = [r for r in self.shares if r not in self.regions]
            raise ValueError(
                f"group {self.name!r}: shares gives one share per region of the group"
                + (f"; add {missing}" if missing else "") + (f"; remove {extra} (not in its regions)" if extra else "")
            )
        if (self.per is None) != (self.ratio is None):
            raise ValueError(f"group {self.name!r}: per and ratio go together (ratio people per member of the per groups)")
        return self

    def share_of(self, region: str) -> float:
        """The group's share of ``region`` (one share for all, or the region's own)."""
        return self.share if self.shares is None else self.shares[region]


@LABELS.add
class HouseholdsLabel(Table):
    """Members of ``groups`` in each region, shuffled and cut into households of 1 + Poisson(mean_size - 1).

    Each of the ``apart`` groups (some of ``groups``) is cut on its own in
    each region, so its households (and the blocks cut from consecutive
    households) are its alone: a border band does not share them with the
    province's interior.
    """

    type: Literal["households"]
    name: Name
    groups: Names
    mean_size: float = Field(ge=1.0, le=100.0, allow_inf_nan=False)
    apart: list[Name] = Field(default_factory=list, description="groups that keep to households of their own")
    note: str = ""


@LABELS.add
class BlocksLabel(Table):
    """Consecutive ``of`` labels (households) of a region cut into blocks of ``size = [low, high]`` of them."""

    type: Literal["blocks"]
    name: Name
    of: Name
    size: list[Annotated[int, Field(ge=1, le=MAX_PEOPLE)]] = Field(min_length=2, max_length=2)
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self):
        if self.size[0] > self.size[1]:
            raise ValueError(f"size = {self.size}: give [low, high] with low <= high")
        return self


@LABELS.add
class UnitsLabel(Table):
    """Members of ``groups`` in each region, shuffled and cut into units of ``size``."""

    type: Literal["units"]
    name: Name
    groups: Names
    size: int = Field(ge=1, le=MAX_PEOPLE)
    note: str = ""


LabelSpec = LABELS.union()


class Population(Table):
    """``[population]``: census counts per region, the groups, and labels."""

    regions: dict[Name, Count] = Field(min_length=1, description="region -> census count (people at scale 1)")
    groups: list[Group] = Field(min_length=1)
    labels: list[LabelSpec] = Field(default_factory=list)


# ---------------------------------------------------------------- [[layers]]


DelayDays = Annotated[float, Field(ge=0.0, le=MAX_DAYS, allow_inf_nan=False, description="days")]


@DELAYS.add
class FixedDelay(Table):
    """Every letter takes ``days``."""

    dist: Literal["fixed"]
    days: DelayDays


@DELAYS.add
class GammaDelay(Table):
    """Gamma-distributed delays with this ``mean`` and ``sd`` (days)."""

    dist: Literal["gamma"]
    mean: Annotated[float, Field(gt=0.0, le=MAX_DAYS, allow_inf_nan=False)]
    sd: Annotated[float, Field(gt=0.0, le=MAX_DAYS, allow_inf_nan=False)]


@DELAYS.add
class DiscreteDelay(Table):
    """Delay ``days[i]`` with probability proportional to ``weights[i]`` (equal by default)."""

    dist: Literal["discrete"]
    days: list[DelayDays] = Field(min_length=1, max_length=1000)
    weights: list[Annotated[float, Field(ge=0.0, le=1e12, allow_inf_nan=False)]] | None = None

    @model_validator(mode="after")
    def _weights(self):
        if self.weights is not None:
            if len(self.weights) != len(self.days):
                raise ValueError(f"{len(self.weights)} weights for {len(self.days)} delays: give one weight per delay")
            if sum(self.weights) <= 0:
                raise ValueError("the weights are all 0: give at least one weight > 0")
        return self


DelaySpec = DELAYS.union()


class LayerBase(Table):
    name: Name
    channel: Name = Field("face", description="how a contact carries the story: face, mail, phone, ...")
    rate: Rate = Field(1.0, description="per-edge telling rate multiplier (per day)")
    delay: DelaySpec | None = Field(None, description="letters: days from writing to arrival, a table with dist = "
                                    '"fixed" (days), "gamma" (mean, sd) or "discrete" (days, weights)')
    groups: Names | None = Field(None, description="groups the layer joins (default: all)")
    regions: Names | None = Field(None, description="regions the layer joins (default: all)")
    note: str = ""


@LAYERS.add
class CliquesLayer(LayerBase):
    """Everyone sharing a label is linked (households, small units)."""

    type: Literal["cliques"]
    by: Name


@LAYERS.add
class WithinLayer(LayerBase):
    """A random graph inside each label group, ``mean_degree`` contacts each."""

    type: Literal["within"]
    by: Name
    mean_degree: Degree


@LAYERS.add
class RandomLayer(LayerBase):
    """A random graph over the members, inside each region or across all."""

    type: Literal["random"]
    mean_degree: Degree
    within_region: bool = True


@LAYERS.add
class BipartiteLayer(LayerBase):
    """Random links between groups ``a`` and ``b``, ``mean_degree_a`` per member of ``a``."""

    type: Literal["bipartite"]
    a: Names
    b: Names
    mean_degree_a: Degree


@LAYERS.add
class EdgelistLayer(LayerBase):
    """Edges read from a CSV/Parquet file; ids number the layer's members 0, 1, ... in population order."""

    type: Literal["edgelist"]
    path: str = Field(min_length=1, description="relative to the scenario file's folder")


# --------------------------------------------------------------- [[stories]]


class StoryBase(Table):
    name: Name
    rate: Rate = Field(description="per-edge telling rate per day, times the layer's rate")
    initial: Count = Field(0, description="spreaders on day 0 (not scaled); 0 when the story comes by inflow")
    note: str = ""


@STORIES.add
class MakiThompsonStory(StoryBase):
    model: Literal["maki-thompson"]
    forget: Rate = 0.0


@STORIES.add
class DaleyKendallStory(StoryBase):
    model: Literal["daley-kendall"]


@STORIES.add
class ISRStory(StoryBase):
    model: Literal["isr"]
    stifle: Probability = 1.0
    forget: Rate = 0.0


@STORIES.add
class SIRStory(StoryBase):
    model: Literal["sir"]
    recovery: Rate


@STORIES.add
class CascadeStory(StoryBase):
    model: Literal["independent-cascade"]


# -------------------------------------------------------------- [[measures]]


class MeasureBase(Table):
    """Common keys: a measure acts on days ``start <= day < stop``."""

    name: Name
    start: dt.date | None = Field(None, description="first day it acts (default: the scenario's start)")
    stop: dt.date | None = Field(None, description="first day it no longer acts (default: never stops)")
    note: str = ""


class Cohort(MeasureBase):
    groups: Names | None = None
    regions: Names | None = None


@MEASURES.add
class InspectMeasure(MeasureBase):
    """Meetings on layers of ``channel`` are intercepted with ``probability``; the sender detained with ``detain``."""

    type: Literal["inspect"]
    channel: Name
    probability: Probability
    detain: Probability = 0.0


@MEASURES.add
class DetectMeasure(Cohort):
    """A telling on ``layers`` by a spreader of the cohort is observed with ``probability``; the teller detained with ``detain``."""

    type: Literal["detect"]
    layers: Names
    probability: Probability
    detain: Probability = 1.0


@MEASURES.add
class DeterMeasure(Cohort):
    """Spreaders of the cohort meet at ``rate * (1 - factor)``."""

    type: Literal["deter"]
    factor: Probability


@MEASURES.add
class IndoctrinateMeasure(Cohort):
    """Extra spreader -> stifler rate; a hearer believes and passes on with ``acceptance``."""

    type: Literal["indoctrinate"]
    stifle_rate: Rate
    acceptance: Probability = 1.0


@MEASURES.add
class MonitorMeasure(Cohort):
    """Every ``every`` days each spreader of the cohort is found with ``probability`` and detained."""

    type: Literal["monitor"]
    every: int = Field(ge=1, le=MAX_DAYS)
    probability: Probability


@MEASURES.add
class CheckMeasure(Cohort):
    """Checks on a calendar (day ``first`` after it switches on, then every ``every`` days): a member who knows a
    story is found with ``probability``; a finding is detained with ``detain`` and its household indoctrinated with
    ``indoctrinate``."""

    type: Literal["check"]
    every: int = Field(ge=1, le=MAX_DAYS, description="days between checks")
    first: Days = Field(0, description="days from switching on to the first check (0: that day)")
    probability: Probability
    detain: Probability = 1.0
    indoctrinate: Probability = 0.0
    household: Name | None = Field(None, description="layer whose neighbours of a found member are its household")


@MEASURES.add
class InflowMeasure(Cohort):
    """Each ignorant of the cohort hears ``story`` from outside at ``rate`` per day."""

    type: Literal["inflow"]
    story: Name
    rate: Rate


# ----------------------------------------------- [[triggers]], observations


class Stage(Table):
    """``[[triggers.stages]]``: one office of the chain of command and the days it takes to reach it."""

    office: str = Field(min_length=1, max_length=120, description="who the matter reaches")
    days: Days = Field(description="days from the stage before (the first: from the report)")
    note: str = ""


class Trigger(Table):
    """``[[triggers]]``: what the authorities observe, and the measures it switches on."""

    name: Name
    observe: Literal["interceptions", "detentions", "reports"]
    threshold: float = Field(gt=0.0, le=MAX_PEOPLE, allow_inf_nan=False,
                             description="cumulative count at scale 1 (scaled at build)")
    regions: Names | None = None
    delay: Days | None = Field(None, description="days from the report to the measures (default: the stages' sum, "
                                                 "or 0)")
    stages: list[Stage] = Field(default_factory=list, description="the chain of command, report to order")
    starts: list[Name] = Field(default_factory=list, description="names of the measures it starts")
    layer: Name | None = Field(None, description='layer whose tellings are reported (observe = "reports")')
    report_probability: Probability = 1.0
    story: Name | None = Field(None, description="count only this story's observations (default: every story)")
    note: str = ""

    @property
    def order_delay(self) -> int:
        """Days from the report to the order: ``delay``, or the stages' sum."""
        return self.delay if self.delay is not None else sum(st.days for st in self.stages)


class Observation(Table):
    """``[[observations]]``: something reported, for calibration."""

    date: dt.date
    what: str = Field(min_length=1)
    metric: Literal["reach", "report"] | None = Field(
        None, description='"reach": fraction of the cohort who know the story; "report": the trigger fired that day'
    )
    story: Name | None = None
    groups: Names | None = None
    regions: Names | None = None
    trigger: Name | None = None
    value: float | None = Field(None, allow_inf_nan=False)
    low: float | None = Field(None, allow_inf_nan=False)
    high: float | None = Field(None, allow_inf_nan=False)
    source: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _range(self):
        _check_range(self.low, self.value, self.high)
        return self


class Parameter(Table):
    """``[parameters.NAME]``: an uncertain value, its range, and where it is used."""

    value: float | None = Field(None, allow_inf_nan=False)
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)
    at: str | list[str] | None = Field(
        None, description='where the value is used, e.g. "layers[market].mean_degree" (or a list of such places)'
    )
    note: str = Field("", description='its source, or "assumption"')

    @model_validator(mode="after")
    def _range(self):
        if self.value is None and self.at is None:
            raise ValueError("give value, or at (the place in the scenario the value is read from)")
        _check_range(self.low, self.value, self.high)
        return self

    @property
    def places(self) -> list[str]:
        """The ``at`` places as a list (empty when there are none)."""
        return [] if self.at is None else [self.at] if isinstance(self.at, str) else list(self.at)


def _check_range(low, value, high) -> None:
    pairs = [("low", low, "value", value), ("value", value, "high", high), ("low", low, "high", high)]
    for a, x, b, y in pairs:
        if x is not None and y is not None and x > y:
            raise ValueError(f"{a} = {x:g} is above {b} = {y:g}: give low <= value <= high")


# --------------------------------------------------------------------- [map]

#: the most rows (or columns) of a tile map: more is a slip, and would be drawn as a huge empty grid
MAX_TILE_ROWS = 100
TileIndex = Annotated[int, Field(ge=0, lt=MAX_TILE_ROWS)]
Tile = Annotated[list[TileIndex], Field(min_length=2, max_length=2, description="[row, column], from 0 at the top left")]


class MapTable(Table):
    """``[map]``: where the report's tile map draws each region.

    Every region has a tile in ``tiles`` or is listed in ``off_map`` (drawn
    apart, below the map); ``checks.py`` holds the file to that, so a region
    added later cannot silently fall off the map. Without ``[map]`` the
    report lays the regions out as a plain grid in the scenario's order.
    """

    tiles: dict[Name, Tile] = Field(min_length=1, description='region -> [row, column], e.g. "North" = [0, 1]')
    off_map: list[Name] = Field(default_factory=list, description="regions with no place on the map (drawn apart)")


# ------------------------------------------------------------------- [names]

#: a name for people to read: one line, no blanks at either end (``border residents``, ``North Hamgyong``)
DisplayName = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^\S(.*\S)?$")]


# ------------------------------------------------------------------ the file

LayerSpec = LAYERS.union()
StorySpec = STORIES.union()
MeasureSpec = MEASURES.union()


class Scenario(Table):
    """A whole scenario file."""

    scenario: ScenarioInfo
    population: Population
    layers: list[LayerSpec] = Field(min_length=1)
    stories: list[StorySpec] = Field(min_length=1)
    measures: list[MeasureSpec] = Field(default_factory=list)
    triggers: list[Trigger] = Field(default_factory=list)
    observations: list[Observation] = Field(default_factory=list)
    parameters: dict[Name, Parameter] = Field(default_factory=dict)
    #: how to draw, not what happens: left out of ``model_dump`` and so of the
    #: content hash, so moving a tile keeps stored runs, ensembles and
    #: calibrations matched to their scenario
    map: MapTable | None = Field(None, exclude=True, description="the report's tile map (default: a plain grid)")
    #: display only, like the map: identifier of a group, region, layer or story -> the name tables and
    #: pages show (``border_resident = "border residents"``); an identifier not listed is shown as it is
    names: dict[Name, DisplayName] = Field(default_factory=dict, exclude=True,
                                           description="identifier -> the name people read (default: the identifier)")

    #: where the scenario came from (a file name, "builtin:NAME" or "<string>")
    _source: str = PrivateAttr("<string>")
    #: folder that edge-list paths are relative to (None: edge lists refused)
    _folder: str | None = PrivateAttr(None)

    @property
    def source(self) -> str:
        return self._source

    @property
    def folder(self) -> str | None:
        return self._folder

    @property
    def name(self) -> str:
        return self.scenario.name

    def display(self, identifier: str) -> str:
        """The name people read for a group, region, layer or story (``[names]``, else the identifier)."""
        return self.names.get(identifier, identifier)
