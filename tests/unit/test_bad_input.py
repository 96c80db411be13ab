"""Every user mistake gets a RumormillError that names the argument."""

import numpy as np
import pytest

import rumormill as rm
from rumormill.networks import complete, erdos_renyi


@pytest.mark.parametrize(
    "make, word",
    [
        (lambda: rm.MakiThompson(-1.0), "MakiThompson.rate"),
        (lambda: rm.MakiThompson(0.1, forget=float("nan")), "MakiThompson.forget"),
        (lambda: rm.ISR(0.1, stifle=1.5), "ISR.stifle"),
        (lambda: rm.SIR(0.1, -0.1), "SIR.recovery"),
        (lambda: rm.DaleyKendall(float("inf")), "DaleyKendall.rate"),
        (lambda: complete(0), "n"),
        (lambda: complete(1), "n >= 2"),
    ],
)
def test_bad_model_or_size(make, word):
    with pytest.raises(rm.ParameterError, match=word.replace(".", r"\.")):
        make()


@pytest.fixture(scope="module")
def net():
    return erdos_renyi(100, 4.0, 0)


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"engine": "fast"}, "engine"),
        ({"days": -1}, "days"),
        ({"days": 2.5}, "days"),
        ({"substeps": 0}, "substeps"),
        ({"initial": -1}, "initial"),
        ({"initial": 1000}, "initial"),
        ({"initial": [5, 500]}, "initial"),
        ({"initial": 2.5}, "initial"),
        ({"seed": -3}, "seed"),
        ({"seed": "abc"}, "seed"),
        ({"cells": np.zeros(5, dtype=int)}, "cells"),
        ({"cells": np.zeros(100, dtype=int), "cell_names": []}, "cell_names"),
    ],
)
def test_bad_simulate_arguments(net, kwargs, word):
    with pytest.raises(rm.RumormillError, match=word):
        rm.simulate(net, rm.MakiThompson(0.1), **kwargs)


def test_not_a_model(net):
    with pytest.raises(rm.ParameterError, match="not a model"):
        rm.simulate(net, "mt")


def test_not_a_network():
    with pytest.raises(rm.NetworkError, match="Network or Multiplex"):
        rm.simulate([[0, 1]], rm.MakiThompson(0.1))


def test_cascade_refuses_continuous_time(net):
    with pytest.raises(rm.ParameterError, match="daily"):
        rm.simulate(net, rm.IndependentCascade(0.1), engine="exact")


def test_unknown_story(net):
    r = rm.simulate(net, {"a": rm.SIR(0.1, 0.1), "b": rm.SIR(0.1, 0.1)}, days=2)
    with pytest.raises(rm.ParameterError, match="story"):
        r.reach()
    with pytest.raises(rm.ParameterError, match="'c'"):
        r.reach("c")


def test_coarse_steps_warn_and_fine_steps_do_not(net):
    with pytest.warns(rm.CoarseStepWarning, match="substeps >= "):
        rm.simulate(net, rm.MakiThompson(0.5), days=1)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", rm.CoarseStepWarning)
        rm.simulate(net, rm.MakiThompson(0.5), days=1, substeps=40)


#: pyabc draws only from numpy's global state: the calibration sampler seeds it
#: per evaluation from the run's SeedSequence and restores the caller's state
GLOBAL_STATE_ALLOWED = {"calibrate/sampler.py"}


def test_no_global_numpy_random_in_the_package():
    import pathlib
    import re

    root = pathlib.Path(rm.__file__).parent
    allowed = {"Generator", "SeedSequence", "PCG64", "default_rng"}
    for path in root.rglob("*.py"):
        if path.relative_to(root).as_posix() in GLOBAL_STATE_ALLOWED:
            continue
        for name in re.findall(r"(?:np|numpy)\.random\.(\w+)", path.read_text()):
            assert name in allowed, f"{path.name} calls the global numpy.random.{name}"


def test_the_global_state_exception_is_still_needed():
    import pathlib

    root = pathlib.Path(rm.__file__).parent
    for name in GLOBAL_STATE_ALLOWED:
        assert "numpy.random.set_state" in (root / name).read_text(), f"{name} no longer needs its exception"


GiB = 2**30


@pytest.fixture
def ten_gib_free(monkeypatch):
    """A machine with 10 GiB free, whatever this one has."""
    import rumormill.networks.network as network

    monkeypatch.setattr(network, "available_memory", lambda: 10 * GiB)
    return network


def test_the_memory_guard_leaves_half_the_free_memory(ten_gib_free):
    network = ten_gib_free
    network.require_memory("a small step", 4 * GiB)
    with pytest.raises(rm.CapacityError, match=r"a big step needs about 6.0 GiB, above the default limit of 5.0 GiB "
                                               r"\(half of the 10.0 GiB free.*--max-memory"):
        network.require_memory("a big step", 6 * GiB)


def test_memory_limit_raises_or_lowers_the_ceiling_but_never_past_what_is_free(ten_gib_free):
    network = ten_gib_free
    with network.memory_limit(8 * GiB):
        network.require_memory("a big step", 6 * GiB)
    with network.memory_limit(GiB), pytest.raises(rm.CapacityError, match=r"above the limit of 1.0 GiB"):
        network.require_memory("a step", 2 * GiB)
    with network.memory_limit(20 * GiB), pytest.raises(rm.CapacityError, match=r"but only 10.0 GiB is free"):
        network.require_memory("a huge step", 9.5 * GiB)
    network.require_memory("the default again", 4 * GiB)
    with pytest.raises(rm.CapacityError):
        network.require_memory("the default again", 6 * GiB)


def test_max_memory_on_the_command_line(ten_gib_free, capsys):
    from rumormill.cli import main

    assert main(["simulate", "--n", "100000", "--days", "2", "--max-memory", "2M"]) == 2
    err = capsys.readouterr().err
    assert "above the limit of 2.0 MiB" in err and "Traceback" not in err
    assert main(["run", "--scale", "0.5", "--max-memory", "1G", "--no-report"]) == 2
    err = capsys.readouterr().err
    assert "above the limit of 1.0 GiB" in err and "lower scale" in err and "--max-memory" in err
