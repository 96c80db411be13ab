"""Story models, measures, letter delays and triggers have one entry each in
``scenario.kinds`` (table, engine class, checks, description), and build,
checks and show read the entries."""

import dataclasses

import pytest

from rumormill import measures, models
from rumormill.errors import ScenarioError
from rumormill.networks import Delay
from rumormill.scenario import build, describe, kinds, load, schema


@pytest.mark.parametrize("entries, registry", [(kinds.STORIES, schema.STORIES), (kinds.MEASURES, schema.MEASURES),
                                               (kinds.DELAYS, schema.DELAYS), (kinds.LABELS, schema.LABELS),
                                               (kinds.LAYERS, schema.LAYERS)])
def test_every_tag_of_a_table_has_one_entry_with_its_class(entries, registry):
    assert sorted(entries) == registry.names()
    for tag, entry in entries.items():
        assert entry.table is registry.classes[tag]


def test_the_entries_hold_the_engine_classes():
    assert kinds.STORIES["isr"].engine is models.ISR
    assert kinds.MEASURES["inflow"].engine is measures.Inflow
    assert kinds.TRIGGER.engine is measures.Trigger and kinds.TRIGGER.table is schema.Trigger
    story = schema.ISRStory(model="isr", name="s", rate=0.5, stifle=0.5, forget=0.1, initial=3)
    assert kinds.STORIES["isr"].build(story) == models.ISR(rate=0.5, stifle=0.5, forget=0.1)
    gamma = schema.GammaDelay(dist="gamma", mean=3.0, sd=1.0)
    assert str(kinds.DELAYS["gamma"].build(gamma)) == str(Delay.gamma(3.0, 1.0))


def test_build_makes_each_measure_of_its_entry_s_class(mini_path, monkeypatch):
    sc = load(mini_path)

    @dataclasses.dataclass(frozen=True)
    class Louder(measures.Deter):
        pass

    monkeypatch.setitem(kinds.MEASURES, "deter", dataclasses.replace(kinds.MEASURES["deter"], engine=Louder))
    built = build(sc)
    assert [type(m) for m in built.measures if isinstance(m, measures.Deter)] == [Louder]


def test_show_reads_the_descriptions_of_stories_measures_and_triggers(monkeypatch):
    sc = load("kpa-2025")
    for entries, tag in ((kinds.STORIES, "isr"), (kinds.MEASURES, "check")):
        monkeypatch.setitem(entries, tag, dataclasses.replace(entries[tag], describe=lambda spec: "READ " + spec.name))
    monkeypatch.setattr(kinds, "TRIGGER", dataclasses.replace(kinds.TRIGGER, describe=lambda t: "READ TRIGGER"))
    import rumormill.scenario.show as show

    monkeypatch.setattr(show, "TRIGGER", kinds.TRIGGER)
    text = describe(sc, 0.001)
    assert "READ deployment" in text and "READ monitor-families" in text and "READ TRIGGER" in text


def test_checks_read_each_kind_s_own_check(mini_path, monkeypatch):
    def refuse(c, path, spec):
        c.add((*path, "mean_degree"), "a problem this kind's entry found.")

    monkeypatch.setitem(kinds.LAYERS, "random", dataclasses.replace(kinds.LAYERS["random"], check=refuse))
    with pytest.raises(ScenarioError) as err:
        load(mini_path)
    assert err.value.args[0].count("a problem this kind's entry found") == 2  # town and phone
