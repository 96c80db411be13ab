"""A run file that is valid Parquet but not the table it should be is a
located one-line error, not a KeyError deep in the report."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import rumormill as rm
from rumormill.networks import erdos_renyi
from rumormill.results import Store
from rumormill.results.errors import DamagedRunError


def test_a_table_with_the_wrong_columns_names_the_file_and_the_fix(tmp_path):
    store = Store(tmp_path)
    run_id = store.save(rm.simulate(erdos_renyi(200, 4.0, 1), rm.SIR(0.3, 0.1), days=5, seed=1), scenario="t")
    file = store.run_dir(run_id) / "timeseries.parquet"
    pq.write_table(pa.table({"x": [1, 2]}), file)
    with pytest.raises(DamagedRunError, match=r"timeseries.parquet lacks the column\(s\) run_id, day.*runs --delete"):
        store.tables(run_id)
