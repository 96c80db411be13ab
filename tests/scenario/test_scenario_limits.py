"""Values that pass the type checks but cannot be built: each is one located
error, raised before anything large is allocated."""

from __future__ import annotations


import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rumormill.errors import CapacityError, ScenarioError
from rumormill.networks import io as edge_io
from rumormill.scenario import build, describe, load, loads


@pytest.mark.parametrize("old, new, where, fix", [
    ('model = "maki-thompson"\nrate = 0.5', 'model = "maki-thompson"\nrate = 1e308', "stories[0].rate ('a')", "<= 10000"),
    ("ratio = 2.0", "ratio = 1e308", "population.groups[2].ratio ('family')", "<= 1,000,000"),
    ("north = 600", "north = 100000000000000000000", "population.regions.north", "<= 10,000,000,000"),
    ("mean_degree = 3.0", "mean_degree = 1e308", "layers[2].mean_degree ('town')", "<= 1,000,000"),
    ("every = 7", "every = 100000000000000000", "measures[3].every ('watch')", "<= 36,500"),
    ("delay = 2", "delay = 100000000000000000", "triggers[0].delay ('alarm')", "<= 36,500"),
    ("threshold = 20", "threshold = 1e300", "triggers[0].threshold ('alarm')", "<= 10,000,000,000"),
    ("size = 10", "size = 100000000000000000", "population.labels[2].size ('unit')", "<= 10,000,000,000"),
    ("start = 2025-01-01\ndays = 30", "start = 9999-12-01\ndays = 60", "line 1, scenario", "start earlier"),
    ('path = "friends.csv"', 'path = "friends\\u0000.csv"', "layers[6].path ('friends')", "control character"),
    ('path = "friends.csv"', 'path = "friends\\u001b[2J.csv"', "layers[6].path ('friends')", "control character"),
])
def test_huge_far_or_odd_values_are_one_located_error(mini_path, mini_text, old, new, where, fix):
    assert old in mini_text
    with pytest.raises(ScenarioError) as err:
        loads(mini_text.replace(old, new, 1), source="x.toml", folder=str(mini_path.parent))
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("x.toml, ") and where in msg and fix in msg, msg


@pytest.mark.parametrize("depth", [100_000, 2_000])
def test_deep_nesting_is_refused_with_its_line(mini_text, depth):
    text = mini_text.replace("seed = 7", "seed = " + "[" * depth + "]" * depth, 1)
    with pytest.raises(ScenarioError, match=r"^x\.toml, line 7: arrays or tables nest more than 64 deep"):
        loads(text, source="x.toml")


def test_a_huge_scale_is_refused_before_sizes_are_rounded(mini_path):
    sc = load(mini_path)
    for scale in (1e308, 1e12):
        with pytest.raises(CapacityError, match=r"scale = 1e\+(308|12) would have .* agents a network can index"):
            build(sc, scale=scale)
    with pytest.raises(CapacityError, match="lower scale"):
        describe(sc, 1e308)


def test_an_edge_list_naming_agent_300_million_is_refused_before_it_is_read(mini_path, monkeypatch):
    from rumormill.scenario import kinds

    (mini_path.parent / "friends.csv").write_text("0,1\n1,300000000\n")

    def never(*args, **kwargs):
        raise AssertionError("the edge list was read before its ids were checked")

    monkeypatch.setattr(kinds, "from_edgelist", never)
    with pytest.raises(ScenarioError, match=r"layers\[6\] \('friends'\): friends.csv numbers 300,000,001 agents, "
                                            r"but the layer has 820 members"):
        build(load(mini_path))


@pytest.mark.parametrize("statistics", [True, False])
def test_edgelist_size_reads_parquet_statistics_or_row_groups(tmp_path, statistics):
    path = tmp_path / "e.parquet"
    table = pa.table({"weight": [1.0, 2.0, 3.0], "source": [0, 5, 2], "target": [7, 2_100_000_000, 1]})
    pq.write_table(table, path, row_group_size=2, write_statistics=statistics)
    assert edge_io.edgelist_size(path) == (3, 2_100_000_000)


def test_edgelist_size_streams_csv(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("source,target\n" + "".join(f"{i},{i + 1}\n" for i in range(50_000)) + "3,123456789\n")
    assert edge_io.edgelist_size(path) == (50_001, 123_456_789)
    (tmp_path / "none.csv").write_text("source,target\n")
    assert edge_io.edgelist_size(tmp_path / "none.csv") == (0, -1)


def test_from_edgelist_refuses_a_huge_id_before_reading_the_file(tmp_path, monkeypatch):
    import rumormill.networks.io as io
    import rumormill.networks.network as network

    path = tmp_path / "e.parquet"
    pq.write_table(pa.table({"source": [0, 1], "target": [1, 2_100_000_000]}), path)
    monkeypatch.setattr(network, "available_memory", lambda: 8 * 2**30)
    monkeypatch.setattr(io, "_read_table", lambda path: pytest.fail("read before the memory check"))
    with pytest.raises(CapacityError, match=r"e.parquet \(2 edges over 2,100,000,001 agents\) needs about 31.3 GiB"):
        io.from_edgelist(path)
    from rumormill.errors import NetworkError

    with pytest.raises(NetworkError, match="node id 2100000000 is >= n = 10"):
        io.from_edgelist(path, n=10)


def test_show_escapes_control_characters(mini_path, mini_text):
    text = mini_text.replace('description = "A small scenario using every kind of table."',
                             'description = "clear \\u001b[2J title \\u001b]0;owned\\u0007 bidi \\u202e."', 1)
    sc = loads(text, source="x.toml", folder=str(mini_path.parent))
    shown = describe(sc)
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "clear \\x1b[2J title \\x1b]0;owned\\x07 bidi \\u202e." in shown
