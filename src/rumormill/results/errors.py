"""What can go wrong with stored results, as ``RumormillError`` subclasses, so
the command line prints one line and exits with code 2 for each of them."""

from __future__ import annotations

from ..errors import RumormillError


class StoreError(RumormillError):
    """The results folder or its catalog cannot be used as asked."""


class RunNotFoundError(StoreError, KeyError):
    """No run with that id (or id prefix) is in the catalog."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class CatalogVersionError(StoreError):
    """The catalog was written by a newer rumormill (or DuckDB) than this one."""


class DamagedRunError(StoreError):
    """A finished run's Parquet file is missing or unreadable."""


class QueryError(StoreError):
    """SQL given to ``query`` failed; the message is DuckDB's, with the SQL."""
