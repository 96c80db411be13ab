"""The built-in scenario still behaves as pinned (see ``pinned.py``)."""

import json

from pinned import PINNED, differences, summarise


def test_kpa_2025_matches_its_pinned_baseline():
    moved = differences(summarise(), json.loads(PINNED.read_text()))
    assert not moved, ("kpa-2025 changed beyond the baseline's tolerance; if intended, run "
                       "`python tests/baseline/pinned.py` and commit kpa-2025.json:\n" + "\n".join(moved))


def test_the_comparison_sees_a_change():
    pinned = json.loads(PINNED.read_text())
    moved = json.loads(json.dumps(pinned))
    key = next(iter(moved["reach"]))
    moved["reach"][key] += 0.05
    moved["detained"]["soldier_family"] = pinned["detained"]["soldier_family"] * 2 + 10
    assert len(differences(moved, pinned)) == 2
