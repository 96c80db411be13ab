"""How pyabc's evaluations are scheduled on rumormill's executors, each on
its own seed.

pyabc does the inference -- proposals from the previous generation's
perturbation kernel, the model call, the distance, acceptance, importance
weights, the threshold schedule. What it hands a *sampler* is a function
``simulate_one()`` that does all of that once and says whether the particle
was accepted; a sampler calls it until ``n`` particles are accepted.

pyabc's parallel samplers reseed numpy's global stream from the operating
system in every worker before each call (numpy's legacy ``seed()`` with no
argument), and the proposals are drawn from that stream, so their particles
cannot be repeated. ``SeededSampler`` instead runs evaluation ``j`` of
generation ``t`` with numpy's global stream seeded from
``SeedSequence(seed, spawn_key=(PROPOSAL_KEY, t + 1, j))`` and keeps, in
order of ``j``, every evaluation up to the one that brought the ``n``-th
acceptance (later ones are cancelled or dropped). This is pyabc's own
order-preserving dynamic scheduling (Klinger, Rickert & Hasenauer 2018; it
avoids favouring parameters whose runs are fast), made repeatable: the
particles are the same in this process, in a pool of any size and on Dask.

The global stream is touched only here: in worker processes before each
evaluation, and in this process for an in-process run, where the caller's
state is saved before and restored after (``scoped_global_seed``).
"""

from __future__ import annotations

import contextlib
import hashlib
import time

import numpy
import numpy as np

from .runner import Runner

#: spawn-key tag of the proposal streams ("prop" in ASCII)
PROPOSAL_KEY = 0x70726F70
#: the unpickled simulate_one a worker keeps (by hash of its bytes)
_CACHE: dict = {}


def seed_global(entropy: int, t: int, j: int) -> None:
    """Seed numpy's global stream -- the one pyabc draws proposals from --
    for evaluation ``j`` of generation ``t``."""
    seq = np.random.SeedSequence(entropy, spawn_key=(PROPOSAL_KEY, t + 1, j))
    numpy.random.set_state(numpy.random.RandomState(numpy.random.MT19937(seq)).get_state())


@contextlib.contextmanager
def scoped_global_seed():
    """Restore numpy's global stream on leaving: an in-process calibration
    leaves the caller's random state as it found it."""
    saved = numpy.random.get_state()
    try:
        yield
    finally:
        numpy.random.set_state(saved)


def _evaluate(payload: bytes, key: str, entropy: int, t: int, j: int):
    """In a worker (or this process): evaluation ``j`` of generation ``t``."""
    import cloudpickle

    fn = _CACHE.get(key)
    if fn is None:
        fn = cloudpickle.loads(payload)
        _CACHE.clear()
        _CACHE[key] = fn
    seed_global(entropy, t, j)
    particle = fn()
    return particle


def _sampler_base():
    from pyabc.sampler import Sampler

    return Sampler


def make_sampler(runner: Runner, entropy: int, budget: float = float("inf")):
    """A pyabc sampler on ``runner``'s executor, seeded from ``entropy``;
    it stops (the generation fails, and pyabc keeps the last whole one) once
    ``budget`` evaluations have been run in all."""

    class SeededSampler(_sampler_base()):
        """See the module docstring."""

        def __init__(self):
            super().__init__()
            self.runner, self.entropy, self.budget = runner, int(entropy), budget
            self.spent = 0  # evaluations run, kept or not
            self.log: list[dict] = []  # per call: t, evaluations run and kept, seconds
            self.before = None  # called with t as each generation's sampling starts

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):
            import cloudpickle

            if self.before is not None:
                self.before(t)
            t0 = time.perf_counter()
            payload = cloudpickle.dumps(simulate_one)
            key = hashlib.sha1(payload).hexdigest()
            payload = self.runner.share(payload)
            results: dict = {}
            running: dict = {}
            accepted_ids: list[int] = []
            next_j = 0
            slots = self.runner.slots
            started = self.spent

            def nth():
                return sorted(accepted_ids)[n - 1] if len(accepted_ids) >= n else None

            while True:
                last = nth()
                # keep the executor busy until the n-th acceptance is known
                while (last is None and len(running) < slots and self.spent < self.budget and next_j < max_eval):
                    running[next_j] = self.runner.submit(_evaluate, payload, key, self.entropy, t, next_j)
                    next_j += 1
                    self.spent += 1
                for j in [j for j, f in running.items() if f.done()]:
                    particle = running.pop(j).result()
                    results[j] = particle
                    if particle.accepted:
                        accepted_ids.append(j)
                last = nth()
                if last is not None:
                    for j in [j for j in running if j > last]:
                        running.pop(j).cancel()
                    if not running:
                        break
                elif not running and (self.spent >= self.budget or next_j >= max_eval):
                    break  # the budget is spent before n acceptances
                if not self.runner.in_process:
                    time.sleep(0.002)
            sample = self._create_empty_sample()
            last = nth()
            for j in sorted(results):
                if last is not None and j > last:
                    break
                sample.append(results[j])
            kept = sum(1 for j in results if last is None or j <= last)
            self.nr_evaluations_ = kept
            if last is None:
                sample.ok = False
            self.log.append({"t": t, "run": self.spent - started, "kept": kept,
                             "seconds": time.perf_counter() - t0})
            return sample

    return SeededSampler()
