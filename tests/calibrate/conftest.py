import datetime as dt
import pathlib

import numba
import pytest

from rumormill.scenario import load
from rumormill.scenario.load import validate

HERE = pathlib.Path(__file__).parent


@pytest.fixture(autouse=True, scope="module")
def one_numba_thread():
    """Runs this small are fastest on one thread (several threads per step
    cost more than they save on a thousand agents); no result depends on it."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


@pytest.fixture(scope="session")
def hamlet():
    return load(HERE / "hamlet.toml")


@pytest.fixture(scope="session")
def replace_observations():
    """``f(sc, observations, days=None)``: a copy of ``sc`` with these
    [[observations]] (dicts) and, if given, a shorter calendar."""

    def replace(sc, observations, days=None):
        data = sc.model_dump()
        data["observations"] = observations
        if days is not None:
            info = data["scenario"]
            info["days"] = days
            end = info["start"] + dt.timedelta(days=days)
            info["key_dates"] = {k: v for k, v in info["key_dates"].items() if v <= end}
        return validate(data, source="synthetic", folder=sc.folder)

    return replace
