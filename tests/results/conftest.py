import pytest

from fake_runs import fake_result
from rumormill.results import Store


@pytest.fixture(scope="session")
def fake():
    """A 150-day run with 2 stories, 31 cells, 6 layers, events and detentions."""
    return fake_result(days=150)


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "rumormill-runs")
