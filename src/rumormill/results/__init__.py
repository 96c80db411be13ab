"""Results that last: each run's tables as Parquet files, listed in a DuckDB
catalog, and queried with SQL (see docs/results.md).

    >>> from rumormill.results import Store                    # doctest: +SKIP
    >>> store = Store("rumormill-runs")                         # doctest: +SKIP
    >>> run_id = store.save(result, scenario="kpa-2025")        # doctest: +SKIP
    >>> store.runs()                                            # doctest: +SKIP
    >>> store.query("SELECT * FROM events WHERE kind = 'order'")  # doctest: +SKIP
    >>> store.query("SELECT * FROM bands WHERE ensemble_id = latest_ensemble()")  # doctest: +SKIP
"""

from .catalog import SCHEMA_VERSION
from .ensembles import EnsembleRecording
from .errors import CatalogVersionError, DamagedRunError, QueryError, RunNotFoundError, StoreError
from .ids import content_hash, new_run_id
from .heal import Repair
from .recording import Recording
from .store import DEFAULT_FOLDER, Store
from .tables import SCHEMAS, TABLES, result_tables
from .views import VIEWS

__all__ = [
    "CatalogVersionError", "DEFAULT_FOLDER", "DamagedRunError", "EnsembleRecording", "QueryError", "Recording",
    "Repair", "RunNotFoundError",
    "SCHEMAS", "SCHEMA_VERSION", "Store", "StoreError", "TABLES", "VIEWS", "content_hash", "new_run_id",
    "result_tables",
]
