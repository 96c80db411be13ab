"""Run ONE tool x model x size in this process and print one JSON line.

Called by ``bench/peers.py`` in a fresh subprocess per measurement, so that the
peak resident memory (``ru_maxrss`` of this process) belongs to one tool alone.

    python bench/run_one.py --tool starsim --model sir --n 100000 --seed 0

Printed fields (last stdout line, JSON):

tool, model, n, seed, status ("ok", "not installed", "unsupported", "error"),
graph_s   building the contact graph (networkx for ndlib/eon/mesa, the
          tool's own for starsim/rumormill),
setup_s   everything else before day 1 (model objects, initial seeding),
build_s   graph_s + setup_s,
run_s     the 100 simulated days,
warmup_s  first call on a tiny problem before the timed run (numba compile
          or cache load; rumormill and starsim, which both use numba),
base_mb   ru_maxrss after imports and warm-up (before the timed build),
peak_mb   ru_maxrss at the end (whole process, imports included),
final_size  fraction of agents ever infected / informed at the end,
threads, result_sha  (rumormill) numba threads used, and a hash of the run's
          counts and tellings (the same seed must give the same hash on any
          thread count; ``rumormill-daily-1t`` is the daily engine on one thread),
version, notes, plus tool-specific extras.

Every tool simulates the same thing: a static Poisson (Erdos-Renyi) graph with
mean degree 10, per-contact per-day transmission probability 0.05 (rate 0.05
for the continuous-time tools), recovery probability 0.1 per day (rate 0.1),
0.1% initially infected, 100 days.  See bench/README.md for each tool's exact
configuration.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
import traceback

DAYS = 100
MEAN_DEGREE = 10.0
P_DAY = 0.05  # per-contact per-day transmission probability (daily tools)
RATE = 0.05  # per-contact transmission rate (continuous-time tools)
GAMMA_P = 0.1  # daily recovery probability
GAMMA = 0.1  # recovery rate (continuous time)
INITIAL = 0.001

# rates whose one-day probabilities are exactly P_DAY / GAMMA_P, for the
# rumormill daily engine (p = 1 - exp(-rate * dt))
RATE_FOR_P_DAY = -math.log1p(-P_DAY)  # 0.051293...
GAMMA_FOR_P_DAY = -math.log1p(-GAMMA_P)  # 0.105360...


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def nx_graph(n: int, seed: int):
    import networkx as nx

    return nx.fast_gnp_random_graph(n, MEAN_DEGREE / (n - 1), seed=seed)


# ---------------------------------------------------------------- rumormill


def run_rumormill(engine: str, model: str, n: int, seed: int, out: dict, threads: int | None = None) -> None:
    import hashlib

    import numba

    import rumormill

    if threads is not None:
        numba.set_num_threads(threads)
    out["threads"] = numba.get_num_threads()
    from rumormill.models import SIR, MakiThompson
    from rumormill.networks import erdos_renyi

    out["version"] = getattr(rumormill, "__version__", "?")
    if engine == "daily":
        rate, rec = RATE_FOR_P_DAY, GAMMA_FOR_P_DAY
    else:
        rate, rec = RATE, GAMMA
    spec = SIR(rate=rate, recovery=rec) if model == "sir" else MakiThompson(rate=rate)
    out["params"] = {"rate": rate, "recovery": rec if model == "sir" else None}

    def sim(net, days):
        return rumormill.simulate(net, spec, engine=engine, days=days, initial=INITIAL, seed=seed)

    # warm-up: numba compile (or cache load) of the builder and the kernel
    t0 = time.perf_counter()
    small = erdos_renyi(2000, MEAN_DEGREE, seed=seed + 1)
    sim(small, 10)
    out["warmup_s"] = time.perf_counter() - t0
    out["base_mb"] = rss_mb()

    t0 = time.perf_counter()
    net = erdos_renyi(n, MEAN_DEGREE, seed=seed)
    out["graph_s"] = time.perf_counter() - t0
    out["setup_s"] = 0.0
    try:
        out["directed_edges"] = int(net.indices.size)
    except Exception:  # noqa: BLE001 - attribute names may change
        pass

    t0 = time.perf_counter()
    res = sim(net, DAYS)
    out["run_s"] = time.perf_counter() - t0
    out["final_size"] = float(res.reach())
    # fingerprint of the whole result: the same seed must give the same run on any thread count
    out["result_sha"] = hashlib.sha256(res.counts.tobytes() + res.tellings.tobytes()).hexdigest()[:16]
    try:
        tot = res.totals()
        out["spreader_days"] = int(tot[:-1, 1].sum())  # spreaders at the start of each simulated day
        out["spreaders_at_end"] = int(tot[-1, 1])
    except Exception:  # noqa: BLE001
        pass


# ---------------------------------------------------------------- NDlib


def run_ndlib(model: str, n: int, seed: int, out: dict) -> None:
    if model != "sir":
        out["status"] = "unsupported"
        out["notes"] = "NDlib ships no Maki-Thompson / rumour model"
        return
    import ndlib
    import ndlib.models.ModelConfig as mc
    import ndlib.models.epidemics as ep
    import numpy as np

    out["version"] = getattr(ndlib, "__version__", "?")
    out["base_mb"] = rss_mb()
    t0 = time.perf_counter()
    g = nx_graph(n, seed)
    out["graph_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    m = ep.SIRModel(g, seed=seed)
    cfg = mc.Configuration()
    cfg.add_model_parameter("beta", P_DAY)
    cfg.add_model_parameter("gamma", GAMMA_P)
    cfg.add_model_parameter("fraction_infected", INITIAL)
    m.set_initial_status(cfg)
    out["setup_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    # iteration 0 only reports the initial status, so DAYS + 1 iterations = DAYS days
    its = m.iteration_bunch(DAYS + 1, node_status=False)
    out["run_s"] = time.perf_counter() - t0
    last = its[-1]["node_count"]
    out["final_size"] = 1.0 - last[0] / n
    out["infected_at_end"] = int(last[1])
    del np


# ---------------------------------------------------------------- EoN


def run_eon(model: str, n: int, seed: int, out: dict) -> None:
    import EoN
    import numpy as np

    out["version"] = getattr(EoN, "__version__", "?")
    out["base_mb"] = rss_mb()
    t0 = time.perf_counter()
    g = nx_graph(n, seed)
    out["graph_s"] = time.perf_counter() - t0
    rng = np.random.default_rng(seed)

    if model == "sir":
        out["setup_s"] = 0.0  # fast_SIR does its own set-up inside the call
        t0 = time.perf_counter()
        t, S, I, R = EoN.fast_SIR(g, tau=RATE, gamma=GAMMA, rho=INITIAL, tmax=DAYS, rng=rng)
        out["run_s"] = time.perf_counter() - t0
        out["final_size"] = 1.0 - float(S[-1]) / n
        out["infected_at_end"] = int(I[-1])
        out["function"] = "EoN.fast_SIR (event-driven, continuous time)"
    else:
        # Maki-Thompson as an EoN simple contagion (continuous-time Gillespie):
        #   spreader->ignorant at rate RATE:  ('I','S') -> ('I','I')
        #   a spreader whose neighbour already knows stops, at RATE per knowing
        #   neighbour: ('I','I') -> ('I','R'), ('R','I') -> ('R','R')
        import networkx as nx

        t0 = time.perf_counter()
        H = nx.DiGraph()
        J = nx.DiGraph()
        J.add_edge(("I", "S"), ("I", "I"), rate=RATE)
        J.add_edge(("I", "I"), ("I", "R"), rate=RATE)
        J.add_edge(("R", "I"), ("R", "R"), rate=RATE)
        k = int(round(INITIAL * n))
        seeds = rng.choice(n, size=k, replace=False)
        IC = dict.fromkeys(g.nodes(), "S")
        for s in seeds:
            IC[int(s)] = "I"
        out["setup_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        t, S, I, R = EoN.Gillespie_simple_contagion(
            g, H, J, IC, return_statuses=("S", "I", "R"), tmax=DAYS, rng=rng
        )
        out["run_s"] = time.perf_counter() - t0
        out["final_size"] = 1.0 - float(S[-1]) / n
        out["infected_at_end"] = int(I[-1])
        out["function"] = "EoN.Gillespie_simple_contagion (continuous time)"


# ---------------------------------------------------------------- Starsim


def _starsim_mt_class():
    import numpy as np
    import starsim as ss

    class MakiThompson(ss.SIR):
        """Maki-Thompson rumour on a Starsim network (synchronous daily update).

        Each day every spreader meets each neighbour with probability p
        (``beta``, per contact per day).  Using the states at the start of the
        day: an ignorant it meets becomes a spreader (from the next day); if it
        meets anyone who already knew, the spreader becomes a stifler.  No
        spontaneous forgetting.  ``susceptible/infected/recovered`` hold
        ignorant/spreader/stifler.
        """

        def __init__(self, **kwargs):
            super().__init__(dur_inf=ss.constant(ss.days(1e9)), p_death=ss.bernoulli(p=0.0), **kwargs)
            self.contact = ss.random(name="contact")

        def step_state(self):  # no spontaneous recovery
            return

        def step(self):
            p = self.pars.beta.to_prob(self.t.dt)
            spreading = self.infected.raw
            ignorant = self.susceptible.raw
            new, stop = [], []
            for net in self.sim.networks.values():
                e = net.edges
                for src, trg in ((e.p1, e.p2), (e.p2, e.p1)):
                    src = np.asarray(src)
                    trg = np.asarray(trg)
                    m = spreading[src]
                    s, t = src[m], trg[m]
                    met = self.contact.rvs(len(s)) < p
                    s, t = s[met], t[met]
                    ign = ignorant[t]
                    new.append(t[ign])
                    stop.append(s[~ign])
            stop_uids = ss.uids(np.unique(np.concatenate(stop))) if stop else ss.uids()
            new_uids = ss.uids(np.unique(np.concatenate(new))) if new else ss.uids()
            if len(stop_uids):
                self.infected[stop_uids] = False
                self.recovered[stop_uids] = True
                self.ti_recovered[stop_uids] = self.ti
            if len(new_uids):
                self.set_prognoses(new_uids)
            self.n_steps = getattr(self, "n_steps", 0) + 1
            return new_uids, None, None

    return MakiThompson


def _starsim_sim(model: str, n: int, seed: int, days: int):
    import starsim as ss

    net = ss.RandomNet(n_contacts=ss.poisson(MEAN_DEGREE), dynamic=False)
    common = dict(beta=ss.probperday(P_DAY), init_prev=ss.bernoulli(p=INITIAL))
    if model == "sir":
        dis = ss.SIR(dur_inf=ss.expon(scale=ss.days(1.0 / GAMMA)), p_death=ss.bernoulli(p=0.0), **common)
    else:
        dis = _starsim_mt_class()(**common)
    # tvec = 0..days-1: Starsim steps once per time point (transmission included
    # at ti = 0), so this is exactly `days` daily steps
    return ss.Sim(
        n_agents=n,
        diseases=dis,
        networks=net,
        start=ss.days(0),
        stop=ss.days(days - 1),
        dt=ss.days(1),
        rand_seed=seed,
        verbose=0,
    )


def run_starsim(model: str, n: int, seed: int, out: dict) -> None:
    import starsim as ss

    out["version"] = ss.__version__
    # warm-up: Starsim jit-compiles (numba, cached) its transmission kernels
    t0 = time.perf_counter()
    _starsim_sim(model, 2000, seed + 1, 10).run()
    out["warmup_s"] = time.perf_counter() - t0
    out["base_mb"] = rss_mb()

    t0 = time.perf_counter()
    sim = _starsim_sim(model, n, seed, DAYS)
    sim.init()  # creates people and the random network
    out["build_s_total_init"] = time.perf_counter() - t0
    net = list(sim.networks.values())[0]
    out["graph_s"] = None  # network is created inside sim.init(); reported as setup
    out["setup_s"] = out.pop("build_s_total_init")
    out["undirected_edges"] = int(len(net))
    out["mean_degree"] = 2.0 * len(net) / n

    t0 = time.perf_counter()
    sim.run()
    out["run_s"] = time.perf_counter() - t0
    d = list(sim.diseases.values())[0]
    out["final_size"] = 1.0 - float(d.susceptible.sum()) / n
    out["infected_at_end"] = int(d.infected.sum())
    out["steps"] = len(sim.t.tvec) if hasattr(sim.t, "tvec") else None


# ---------------------------------------------------------------- Mesa


def run_mesa(model: str, n: int, seed: int, out: dict) -> None:
    import mesa
    from mesa.discrete_space import FixedAgent, Network

    out["version"] = mesa.__version__
    S, I, R = 0, 1, 2

    class Person(FixedAgent):
        """One agent; synchronous update (states at the start of the day decide)."""

        def __init__(self, model, cell):
            super().__init__(model)
            self.cell = cell
            self.state = S
            self.next_state = S

        def step(self):  # phase 1: spreaders meet neighbours
            if self.state != I:
                return
            rnd = self.random.random
            stop = False
            for other in self.cell.neighborhood.agents:
                if rnd() < P_DAY:
                    if other.state == S:
                        other.next_state = I
                    elif self.model.mt:
                        stop = True
            if self.model.mt:
                if stop:
                    self.next_state = R
            elif rnd() < GAMMA_P:
                self.next_state = R

        def advance(self):  # phase 2: apply
            self.state = self.next_state

    class SIRModel(mesa.Model):
        def __init__(self, graph, mt, seed):
            super().__init__(seed=seed)
            self.mt = mt
            self.grid = Network(graph, capacity=1, random=self.random)
            cells = list(self.grid.all_cells)
            for c in cells:
                Person(self, c)
            k = int(round(INITIAL * graph.number_of_nodes()))
            for c in self.random.sample(cells, k):
                for a in c.agents:
                    a.state = a.next_state = I

        def step(self):
            self.agents.shuffle_do("step")
            self.agents.do("advance")

    out["base_mb"] = rss_mb()
    t0 = time.perf_counter()
    g = nx_graph(n, seed)
    out["graph_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    mdl = SIRModel(g, model == "mt", seed)
    out["setup_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(DAYS):
        mdl.step()
    out["run_s"] = time.perf_counter() - t0
    states = [a.state for a in mdl.agents]
    out["final_size"] = 1.0 - states.count(S) / n
    out["infected_at_end"] = states.count(I)


# ---------------------------------------------------------------- main

RUNNERS = {
    "rumormill-daily": lambda m, n, s, o: run_rumormill("daily", m, n, s, o),
    "rumormill-daily-1t": lambda m, n, s, o: run_rumormill("daily", m, n, s, o, threads=1),
    "rumormill-exact": lambda m, n, s, o: run_rumormill("exact", m, n, s, o),
    "ndlib": run_ndlib,
    "eon": run_eon,
    "starsim": run_starsim,
    "mesa": run_mesa,
}

IMPORT_NAME = {
    "rumormill-daily": "rumormill",
    "rumormill-daily-1t": "rumormill",
    "rumormill-exact": "rumormill",
    "ndlib": "ndlib",
    "eon": "EoN",
    "starsim": "starsim",
    "mesa": "mesa",
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tool", required=True, choices=sorted(RUNNERS))
    ap.add_argument("--model", required=True, choices=["sir", "mt"])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)

    out = {"tool": a.tool, "model": a.model, "n": a.n, "seed": a.seed, "status": "ok", "python": sys.version.split()[0]}
    import importlib.util

    try:
        found = importlib.util.find_spec(IMPORT_NAME[a.tool]) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        out["status"] = "not installed"
    else:
        try:
            RUNNERS[a.tool](a.model, a.n, a.seed, out)
        except ImportError as e:
            out["status"] = "not installed" if a.tool.startswith("rumormill") is False else "error"
            out["error"] = f"{type(e).__name__}: {e}"
        except Exception as e:  # noqa: BLE001 - reported, not raised
            out["status"] = "error"
            out["error"] = f"{type(e).__name__}: {e}"
            traceback.print_exc(file=sys.stderr)
    if out["status"] == "ok":
        out["build_s"] = (out.get("graph_s") or 0.0) + (out.get("setup_s") or 0.0)
    out["peak_mb"] = rss_mb()
    out["pid"] = os.getpid()
    sys.stdout.flush()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
