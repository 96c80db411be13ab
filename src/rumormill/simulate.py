"""One call runs any model on any network with any engine.

    network ─▶ Multiplex ─▶ per-story rules ─▶ engine kernel ─▶ Result

Builders know nothing of engines; engines know nothing of where the network
came from.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping

import numpy as np

from .engine.daily import list_table
from .engine.driver import DailyInputs, DailyRun
from .engine.exact_run import ExactInputs, ExactRun
from .errors import ParameterError
from .measures.inflow import Inflow
from .networks.multiplex import Multiplex
from .networks.network import require_memory
from .rates import step_probability
from .result import Result
from .seeding import as_seed_sequence, seed_record, stream

ENGINES = ("daily", "exact", "meanfield")
#: a run with ``days=None`` stops when no spreader is left, or at this bound
MAX_DAYS = 36_500


class CoarseStepWarning(UserWarning):
    """The daily step is too long for the rates given: results will be biased."""


def simulate(
    network,
    model,
    *,
    engine: str = "daily",
    days: int | None = None,
    substeps: int = 1,
    initial=1,
    seed=0,
    cells=None,
    cell_names=None,
    population=None,
    measures=(),
    triggers=(),
    start_date: str | None = None,
    progress: bool = False,
) -> Result:
    """Run one or several stories over a network and return a ``Result``.

    Parameters
    ----------
    network : Network or Multiplex
        Where agents meet. A single ``Network`` is a one-layer multiplex.
    model : model or dict of name -> model
        ``MakiThompson``, ``DaleyKendall``, ``ISR``, ``SIR`` or
        ``IndependentCascade``; a dict runs several stories side by side, one
        state per agent per story.
    engine : {"daily", "exact", "meanfield"}
        ``daily``: discrete steps (fast, the default). ``exact``: continuous
        time, event by event (the reference). ``meanfield``: ODEs of the
        homogeneous limit.
    days : int, optional
        Days to simulate; by default until no spreader is left.
    substeps : int
        Steps a day for the daily engine (ignored by the others).
    initial : int, float, array of ids, or dict of those per story
        Initial spreaders: a count, a fraction of agents (0 < f < 1), or ids.
    seed : int, SeedSequence or Generator
        Same seed, same result, bit for bit. A Generator spawns a new child
        each call (two calls, two runs); the run records the entropy and spawn
        key it used (``Result.seed_entropy``, ``Result.spawn_key``).
    cells : int array of length n, optional
        A cell (e.g. group × region) per agent; counts are kept per cell.
    cell_names : list of str, optional
        Names of the cells, for tables and plots.
    population : Population, optional
        Agents by group × region; gives the cells and lets measures name
        groups and regions (replaces ``cells``).
    measures : list of measures
        ``Inspect``, ``Deter``, ``Detect``, ``Indoctrinate``, ``Monitor``, ``Check``, ``Inflow``
        (daily and exact engines).
    triggers : list of Trigger
        Observations that switch measures on after a delay.
    start_date : str, optional
        ISO date of day 0, kept with the result for calendars and reports.
    progress : bool
        Show a progress bar over days.

    Examples
    --------
    >>> from rumormill.networks import complete
    >>> from rumormill.models import MakiThompson
    >>> r = simulate(complete(1000), MakiThompson(rate=1.0), engine="exact", seed=1)
    >>> 0.7 < r.reach() < 0.9
    True
    """
    if engine not in ENGINES:
        raise ParameterError(f"engine = {engine!r}: choose one of {', '.join(ENGINES)}.")
    mux = Multiplex.of(network)
    stories = _stories(model)
    n = mux.n
    if days is not None and (int(days) != days or not 0 <= days <= MAX_DAYS):
        raise ParameterError(f"days = {days!r}: give a whole number of days from 0 to {MAX_DAYS:,}, or None to run "
                             "until the story dies out.")
    if int(substeps) != substeps or substeps < 1:
        raise ParameterError(f"substeps = {substeps!r}: give a whole number >= 1.")
    if population is not None:
        if population.n != n:
            raise ParameterError(f"population has {population.n:,} agents but the network {n:,}; build both from one population.")
        cells, cell_names = population.cell, population.cell_names
    measures, triggers = list(measures), list(triggers)
    if engine == "meanfield" and _delays(mux) is not None:
        raise ParameterError("engine = 'meanfield' has no letters in transit, but a layer has a delay: use "
                             "engine='daily' or engine='exact'.")
    if (measures or triggers) and engine == "meanfield":
        raise ParameterError("measures and triggers run in the daily and exact engines; engine = 'meanfield' has none. "
                             "Use engine='daily' or engine='exact'.")
    if days is None and any(isinstance(m, Inflow) for m in measures):
        raise ParameterError("days = None with an Inflow measure: news may keep arriving, so give days=... .")
    cell, names = _cells(cells, cell_names, n)
    if engine == "meanfield" and len(names) > 1:
        raise ParameterError(
            f"engine = 'meanfield' solves one well-mixed compartment, so it cannot keep counts for the "
            f"{len(names)} cells given: drop cells/population, or use engine='daily' or 'exact' for counts per cell."
        )
    ss = as_seed_sequence(seed)
    seeds = _initial(initial, stories, n, stream(ss, "seed"))
    rules = [m.rules() for m in stories.values()]
    entropy, spawn_key = seed_record(ss)
    meta = dict(stories=list(stories), layers=mux.names, cells=names, n=n, engine=engine,
                seed=entropy, seed_entropy=entropy, spawn_key=spawn_key,
                info={"start_date": start_date} if start_date else {})
    if population is not None:
        meta.update(groups=list(population.groups), regions=list(population.regions),
                    cell_group=population.cell_group, cell_region=population.cell_region)
    if engine == "meanfield":
        return _run_meanfield(mux, rules, seeds, days, meta)
    require_memory(  # per story and agent: state, spreader list, waits, working lists; the list table per layer
        f"state for {len(stories)} stories over {n:,} agents", len(stories) * n * 14 + n * 8 * (1 + len(mux.names))
    )
    bar = _Bar(progress, days)
    with bar:
        if engine == "daily":
            return _run_daily(mux, rules, seeds, days, int(substeps), cell, ss, meta, bar,
                              measures, triggers, population)
        if any(r.one_step for r in rules):
            raise ParameterError("IndependentCascade is a discrete-time model: use engine='daily'.")
        return _run_exact(mux, rules, seeds, days, cell, ss, meta, bar, measures, triggers, population)


def _stories(model) -> dict:
    stories = dict(model) if isinstance(model, Mapping) else {"story": model}
    if not stories:
        raise ParameterError("model: give a model, or a dict of story name -> model with at least one entry.")
    for name, m in stories.items():
        if not hasattr(m, "rules"):
            raise ParameterError(
                f"story {name!r}: {m!r} is not a model; use one of MakiThompson, DaleyKendall, ISR, SIR, IndependentCascade."
            )
    return stories


def _cells(cells, cell_names, n):
    if cells is None:
        return np.zeros(n, dtype=np.int32), ["all"]
    cell = np.asarray(cells)
    if cell.shape != (n,) or not np.issubdtype(cell.dtype, np.integer) or (cell.size and cell.min() < 0):
        raise ParameterError(f"cells: give one non-negative integer per agent ({n:,} of them).")
    k = int(cell.max()) + 1 if cell.size else 1
    names = list(cell_names) if cell_names is not None else [str(i) for i in range(k)]
    if len(names) < k:
        raise ParameterError(f"cell_names: {len(names)} names for {k} cells; give one name per cell.")
    return cell.astype(np.int32), names


def _initial(initial, stories, n, rng) -> list[np.ndarray]:
    out = []
    for name in stories:
        spec = initial[name] if isinstance(initial, Mapping) else initial
        if isinstance(spec, Mapping) or spec is None:
            raise ParameterError(f"initial[{name!r}]: give a count, a fraction or an array of agent ids.")
        if np.ndim(spec) == 0:
            value = float(spec)
            if 0 < value < 1:
                k = max(1, round(value * n))
            elif value >= 0 and value == int(value):
                k = int(value)
            else:
                raise ParameterError(
                    f"initial = {spec!r} for story {name!r}: give a count >= 0, a fraction in (0, 1), or agent ids."
                )
            if k > n:
                raise ParameterError(f"initial = {spec!r}: more initial spreaders than the {n:,} agents.")
            ids = np.sort(rng.choice(n, size=k, replace=False)) if k else np.zeros(0, dtype=np.int64)
        else:
            ids = np.unique(np.asarray(spec, dtype=np.int64))
            if ids.size == 0 or ids[0] < 0 or ids[-1] >= n:
                raise ParameterError(f"initial ids for story {name!r} must lie in [0, {n - 1}] and not be empty.")
        out.append(ids.astype(np.int32))
    return out


def _layer_arrays(mux: Multiplex):
    indptrs, indicess, complete, mean_deg, max_deg = [], [], [], [], []
    for lay in mux.layers.values():
        net = lay.network
        complete.append(net.is_complete)
        if net.is_complete:
            indptrs.append(np.zeros(1, dtype=np.int64))
            indicess.append(np.zeros(1, dtype=np.int32))
            mean_deg.append(1.0)
            max_deg.append(1)
        else:
            indptrs.append(net.indptr)
            indicess.append(net.indices)
            mean_deg.append(net.mean_degree())
            max_deg.append(int(np.diff(net.indptr).max()) if net.n else 0)
    return tuple(indptrs), tuple(indicess), np.array(complete), np.array(mean_deg), np.array(max_deg, dtype=np.int64)


def _delays(mux: Multiplex) -> tuple | None:
    """Per layer its ``Delay`` (a layer of letters) or None; None when no layer has one."""
    delays = tuple(lay.delay for lay in mux.layers.values())
    return delays if any(d is not None for d in delays) else None


def _edge_rates(mux: Multiplex, rule) -> np.ndarray:
    """Per-edge meeting rate per layer (per agent on a complete layer)."""
    return np.array([rule.rate * lay.rate for lay in mux.layers.values()])


def _warn_if_coarse(mux, rules, dt, mean_deg, complete):
    for rule in rules:
        rates = _edge_rates(mux, rule)
        per_step = float(np.sum(np.where(complete, step_probability(rates, dt), step_probability(rates, dt) * mean_deg)))
        per_day = float(np.sum(np.where(complete, rates, rates * mean_deg)))
        rumour = rule.stifle > 0 or rule.pair
        limit = 0.1 if rumour else 0.5
        if per_step > limit and not rule.one_step:
            need = per_day / limit  # may be inf for absurd rates; at ceil(need) substeps per_step <= limit
            substeps = math.ceil(need) if need <= 10_000 else None
            # the biases at 0.5 a step are measured (docs/engines.md: Maki-Thompson and SIR on a Poisson graph);
            # 2% at 0.1 follows from the first-order convergence `rumormill validate` V5 shows
            bias = ("synchronous steps overstate a rumour's reach in proportion to their length (by about 10% at "
                    "0.5 a step, so about 2% at 0.1)" if rumour else
                    "synchronous steps bias the reach as they lengthen (SIR's by about 0.5% at 0.5 a step)")
            reason = (f"a spreader meets {per_step:.2f} neighbours per step, more than the {limit:g} allowed for "
                      f"this model: {bias}.")
            fix = f"substeps >= {substeps} or engine='exact'" if substeps else "engine='exact'"
            warning = CoarseStepWarning(f"{reason} Use {fix}.")
            # for a caller that words the advice its own way (the command line names its options)
            warning.reason, warning.substeps = reason, substeps
            warnings.warn(warning, stacklevel=4)


def _run_daily(mux, rules, seeds, days, substeps, cell, ss, meta, bar, measures, triggers, population) -> Result:
    indptrs, indicess, complete, mean_deg, _ = _layer_arrays(mux)
    _warn_if_coarse(mux, rules, 1.0 / substeps, mean_deg, complete)
    inputs = DailyInputs(
        graph=(indptrs, indicess, complete, list_table(indptrs, complete, mux.n)),
        rates=np.stack([_edge_rates(mux, rule) for rule in rules]),
        stifle=np.array([r.stifle for r in rules], dtype=np.float64), pair=np.array([r.pair for r in rules]),
        one_step=np.array([r.one_step for r in rules]), forget=np.array([r.forget for r in rules], dtype=np.float64),
        seeds=seeds, cell=cell, n_cells=len(meta["cells"]), layer_names=mux.names,
        channels=[lay.channel for lay in mux.layers.values()], story_names=meta["stories"], substeps=substeps,
        measures=tuple(measures), triggers=tuple(triggers), population=population, delays=_delays(mux),
    )
    meta["info"] = {**meta["info"], "substeps": substeps}
    return DailyRun(inputs, ss).run(days, MAX_DAYS, bar, **meta)


def _run_exact(mux, rules, seeds, days, cell, ss, meta, bar, measures, triggers, population) -> Result:
    indptrs, indicess, complete, _, max_deg = _layer_arrays(mux)
    inputs = ExactInputs(
        graph=(indptrs, indicess, complete, max_deg),
        rates=np.stack([_edge_rates(mux, rule) for rule in rules]),
        stifle=np.array([r.stifle for r in rules], dtype=np.float64),
        pair=np.array([r.pair for r in rules]),
        forget=np.array([r.forget for r in rules], dtype=np.float64),
        seeds=seeds, cell=cell, n_cells=len(meta["cells"]), layer_names=mux.names,
        channels=[lay.channel for lay in mux.layers.values()], story_names=meta["stories"],
        measures=tuple(measures), triggers=tuple(triggers), population=population, delays=_delays(mux),
    )
    return ExactRun(inputs, ss).run(days, MAX_DAYS, bar, **meta)


def _run_meanfield(mux, rules, seeds, days, meta) -> Result:
    from .engine import meanfield as _meanfield  # scipy only when asked for

    n = mux.n
    _, _, complete, mean_deg, _ = _layer_arrays(mux)
    series = []
    for rule, ids in zip(rules, seeds):
        spread = float(np.sum(_edge_rates(mux, rule) * np.where(complete, 1.0, mean_deg)))
        stifle = 1.0 if rule.pair else rule.stifle
        y0 = ids.size / n
        horizon = days if days is not None else 100
        while True:
            frac = _meanfield.solve(1.0 - y0, y0, spread, stifle, rule.forget, horizon)
            if days is not None or frac[-1, 1] * n < 0.5 or horizon >= MAX_DAYS:
                break
            horizon *= 2
        series.append(frac)
    t = max(len(f) for f in series)
    counts = np.stack([np.pad(f, ((0, t - len(f)), (0, 0)), mode="edge") for f in series], axis=1) * n
    counts = counts[..., None]
    tell = np.zeros((t, len(rules), len(mux.names), 1))
    return Result(np.arange(t), counts, tell, **meta)


#: days a single run's progress bar waits before it estimates the time left:
#: the first also compile the kernel and fill the caches
WARMUP_DAYS = 3


class _Bar:
    """A rich progress bar over days, or nothing when ``show`` is false. Its
    time left is the days to go at the pace of the days since the warm-up
    (``rumormill.pace``), as the ensemble's bar counts replicates."""

    def __init__(self, show: bool, days, clock=time.monotonic):
        self.progress = None
        if show:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            from .pace import Pace, TimeLeftColumn

            self.pace = Pace(days, WARMUP_DAYS, clock)
            left = [TextColumn("left"), TimeLeftColumn(self.pace)] if days is not None else []
            self.progress = Progress(TextColumn("simulating days"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("elapsed"), TimeElapsedColumn(), *left, transient=True)
            self.task = self.progress.add_task("simulating days", total=days)

    def __enter__(self):
        if self.progress is not None:
            self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.__exit__(*exc)
        return False

    def advance(self):
        if self.progress is not None:
            self.pace.done()
            self.progress.advance(self.task)
