"""Full-size validation runs are marked ``slow`` and skipped unless asked for
with a marker expression (``-m slow``, or ``-m ""`` style selections that name
markers); the quick sizes run by default."""

import pytest


def pytest_collection_modifyitems(config, items):
    if config.getoption("markexpr"):
        return
    skip = pytest.mark.skip(reason="slow: full-size validation, run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
