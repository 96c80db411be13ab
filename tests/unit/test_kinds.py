"""One entry per kind of label and layer (``scenario.kinds``), read by build,
estimate and show."""

import dataclasses

import pytest

from rumormill.scenario import describe, kinds, load, schema
from rumormill.scenario.build import estimate


@pytest.mark.parametrize("entries, registry", [(kinds.LAYERS, schema.LAYERS), (kinds.LABELS, schema.LABELS)])
def test_every_kind_of_table_has_one_entry(entries, registry):
    assert sorted(entries) == registry.names()
    for tag, entry in entries.items():
        assert entry.table is registry.classes[tag]


def test_estimate_and_show_read_the_entries(monkeypatch):
    sc = load("kpa-2025")
    before = estimate(sc, 0.001)
    random = kinds.LAYERS["random"]
    monkeypatch.setitem(kinds.LAYERS, "random", dataclasses.replace(
        random, contacts=lambda spec, census: random.contacts(spec, census) + 1000.0,
        describe=lambda spec: "a kind described here"))
    after = estimate(sc, 0.001)
    randoms = sum(lay.type == "random" for lay in sc.layers)
    assert randoms == 2 and after.contacts - before.contacts == 1000 * randoms
    assert describe(sc, 0.001).count("a kind described here") == randoms


def test_a_layer_by_label_counts_only_the_label_s_groups():
    census = kinds.Census({("a", "x"): 10, ("b", "x"): 30}, ["a", "b"], ["x"],
                          {"home": schema.UnitsLabel(type="units", name="home", groups=["a"], size=5)})
    layer = schema.CliquesLayer(type="cliques", name="home", by="home")
    assert kinds.LAYERS["cliques"].contacts(layer, census) == 10 * 4 / 2  # 10 members, 4 others in each unit
