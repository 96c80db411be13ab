"""A warning raised in a replicate reaches the user once per ensemble,
wherever the replicate ran: as a warning of this process (which the command
line prints as one line), not once per replicate nor as a worker's output."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rumormill as rm
from rumormill.cli import common
from rumormill.ensemble import executors, plan_for

VILLAGE = Path(__file__).with_name("village.toml")


@pytest.fixture
def coarse(tmp_path) -> Path:
    """The village at one step a day: too coarse for its rates, so every replicate warns."""
    path = tmp_path / "coarse.toml"
    path.write_text(VILLAGE.read_text().replace("substeps = 16", "substeps = 1"))
    return path


def _run(plan, workers: int) -> tuple[list[int], list]:
    got = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # what is not issued twice here is deduplicated by the executor
        executors.execute(plan, range(plan.runs), lambda i, s: got.append(s.index), workers=workers)
    return sorted(got), [w for w in caught if issubclass(w.category, rm.CoarseStepWarning)]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_warning_of_every_replicate_is_issued_once(coarse, workers):
    got, caught = _run(plan_for(str(coarse), runs=3, scale=0.5), workers)
    assert got == [0, 1, 2]
    assert len(caught) == 1, [str(w.message) for w in caught]
    message = caught[0].message
    assert message.substeps >= 2 and str(message).startswith(message.reason)  # its advice travelled with it
    line = common.warning_line(message, caught[0].category)
    assert line.startswith("warning: a spreader meets ") and "\n" not in line and ".py" not in line


def test_no_warning_when_the_step_is_fine():
    _, caught = _run(plan_for(str(VILLAGE), runs=2), 1)
    assert caught == []


def test_a_warning_that_cannot_be_pickled_travels_as_its_text():
    class Odd(UserWarning):
        def __reduce__(self):
            raise TypeError("no")

    assert executors._portable(Odd("look")) == "look"
    keep = rm.CoarseStepWarning("coarse")
    assert executors._portable(keep) is keep
