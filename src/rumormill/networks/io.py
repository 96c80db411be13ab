"""Load networks from outside rumormill: a networkx graph, or an edge list in
a CSV or Parquet file.

Loaded graphs are treated like generated ones: undirected, with self-loops and
repeated edges dropped and counted in ``Network.removed``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import NetworkError
from .network import Network, check_size, csr_bytes, from_edges, require_memory

#: suffixes read as Parquet; anything else must be CSV
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".csv.gz", ".txt")


def from_networkx(g) -> Network:
    """Convert an undirected networkx graph, numbering its nodes ``0..n-1`` in ``g.nodes`` order.

    The labels are dropped; ``list(g.nodes)[i]`` is agent ``i``. A multigraph's
    parallel edges and any self-loops are dropped and counted. O(n + m), in
    Python: meant for graphs networkx can hold, not for millions of agents.

    Examples
    --------
    >>> import networkx as nx
    >>> net = from_networkx(nx.path_graph(["a", "b", "c"]))
    >>> net.neighbours(1).tolist()
    [0, 2]
    """
    if g.is_directed():
        raise NetworkError(
            "from_networkx(g): g is directed, but contacts are mutual; pass g.to_undirected() "
            "(a pair linked either way becomes one contact)."
        )
    if g.number_of_nodes() == 0:
        raise NetworkError("from_networkx(g): g has no nodes; add the agents first.")
    n = check_size("g.number_of_nodes()", g.number_of_nodes())
    index = {node: i for i, node in enumerate(g.nodes)}
    pairs = np.fromiter(
        (index[x] for edge in g.edges() for x in edge), dtype=np.int64, count=2 * g.number_of_edges()
    )
    return from_edges(n, pairs[0::2], pairs[1::2], str(g.name or "networkx"))


def from_edgelist(path, n: int | None = None) -> Network:
    """Read an undirected edge list from a CSV or Parquet file.

    The file holds one edge per row in two integer columns: ``source`` and
    ``target`` if it has columns of those names, else its only two columns. A
    CSV file may have a header row or not (a first row of two integers is read
    as an edge). Node ids are integers >= 0.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (or ``.csv.gz``, ``.txt``) or ``.parquet`` (``.pq``) file.
    n : int, optional
        Agents in the network; by default the largest id plus one. Give it when
        the last agents have no edges.

    Raises
    ------
    NetworkError
        Naming the file, for a missing file, a wrong number of columns, ids that
        are not integers or are negative, or ids >= ``n``.
    """
    path = Path(path)
    if not path.is_file():
        raise NetworkError(f"{path}: no such file; check the path of the edge list.")
    rows, largest = edgelist_size(path)
    if n is not None:
        n = check_size("n", n)
        if largest >= n:
            raise NetworkError(f"{path}: node id {largest} is >= n = {n}; raise n or renumber the nodes from 0.")
    elif largest >= 0:
        n = check_size("the largest node id + 1", largest + 1)
    if n is not None:
        require_memory(f"the edge list {path.name} ({rows:,} edges over {n:,} agents)", 16 * rows + csr_bytes(n, 2 * rows))
    table = _read_table(path)
    source, target = _edge_columns(path, table)
    src = _ids(path, table, source)
    dst = _ids(path, table, target)
    largest = int(max(src.max(), dst.max())) if src.size else -1
    if n is None:
        raise NetworkError(f"{path}: the edge list is empty; pass n to build a network with no edges.")
    if largest >= n:
        raise NetworkError(f"{path}: node id {largest} is >= n = {n}; raise n or renumber the nodes from 0.")
    return from_edges(n, src, dst, path.stem)


def edgelist_size(path) -> tuple[int, int]:
    """Rows and largest node id of an edge list (-1 when it has no rows), found
    without loading it: from a Parquet file's statistics (or its columns one row
    group at a time), or in one streaming pass over a CSV file.

    The largest id sets the size of the network, so it is read before anything
    is allocated: a two-line file naming agent 300,000,000 is refused in
    milliseconds instead of after gigabytes. Ids that are not integers are
    left for ``from_edgelist`` to report.
    """
    import pyarrow as pa

    path = Path(path)
    name = path.name.lower()
    try:
        if name.endswith(PARQUET_SUFFIXES):
            return _parquet_size(path)
        if name.endswith(CSV_SUFFIXES):
            return _csv_size(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise NetworkError(f"{path}: cannot be read as an edge list ({exc}); check the file format.") from None
    return 0, -1  # an unknown suffix: _read_table says which are accepted


def _largest(batch_columns) -> int:
    """Largest value over integer columns (-1 when empty or not integers)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    best = -1
    for col in batch_columns:
        if pa.types.is_integer(col.type) and len(col) > col.null_count:
            best = max(best, int(pc.max(col).as_py()))
    return best


def _parquet_size(path: Path) -> tuple[int, int]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    source, target = _edge_columns(path, pf.schema_arrow.empty_table())
    where = [names.index(source), names.index(target)]
    meta, largest = pf.metadata, -1
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        stats = [group.column(i).statistics for i in where]
        if all(st is not None and st.has_min_max and isinstance(st.max, int) for st in stats):
            largest = max(largest, *(st.max for st in stats))
        elif group.num_rows:
            largest = max(largest, _largest(pf.read_row_group(g, columns=[source, target]).columns))
    return meta.num_rows, largest


def _csv_size(path: Path) -> tuple[int, int]:
    import pyarrow.csv as pacsv

    options = pacsv.ReadOptions(autogenerate_column_names=not _has_header(path))
    rows, largest, columns = 0, -1, None
    with pacsv.open_csv(path, read_options=options) as reader:
        for batch in reader:
            if columns is None:
                columns = _edge_columns(path, batch.schema.empty_table())
            rows += batch.num_rows
            largest = max(largest, _largest([batch.column(c) for c in columns]))
    return rows, largest


def _read_table(path: Path):
    import pyarrow as pa

    name = path.name.lower()
    try:
        if name.endswith(PARQUET_SUFFIXES):
            import pyarrow.parquet as pq

            return pq.read_table(path)
        if name.endswith(CSV_SUFFIXES):
            import pyarrow.csv as pacsv

            options = pacsv.ReadOptions(autogenerate_column_names=not _has_header(path))
            return pacsv.read_csv(path, read_options=options)
    except (pa.ArrowInvalid, OSError) as exc:
        raise NetworkError(f"{path}: cannot be read as an edge list ({exc}); check the file format.") from None
    raise NetworkError(
        f"{path}: unknown edge-list format; name the file *.csv or *.parquet "
        f"(accepted suffixes: {', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)})."
    )


def _has_header(path: Path) -> bool:
    """True unless the first line of a CSV file is made of integers only."""
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt") as fh:
        first = fh.readline().strip()
    fields = [f.strip().strip('"') for f in first.split(",")]
    return not all(f.lstrip("-").isdigit() for f in fields)


def _edge_columns(path: Path, table) -> tuple[str, str]:
    names = table.column_names
    if "source" in names and "target" in names:
        return "source", "target"
    if len(names) == 2:
        return names[0], names[1]
    raise NetworkError(
        f"{path}: found {len(names)} columns {names}; an edge list needs exactly two columns, "
        "or two named 'source' and 'target'."
    )


def _ids(path: Path, table, column: str) -> np.ndarray:
    import pyarrow as pa

    col = table.column(column)
    if col.null_count:
        raise NetworkError(f"{path}: column {column!r} has {col.null_count} empty cells; every edge needs two node ids.")
    if not pa.types.is_integer(col.type):
        raise NetworkError(
            f"{path}: column {column!r} holds {col.type} values, not integer node ids; "
            "renumber the nodes as integers 0..n-1 (from_networkx relabels any node names)."
        )
    ids = col.to_numpy().astype(np.int64, copy=False)
    if ids.size and ids.min() < 0:
        raise NetworkError(f"{path}: column {column!r} has negative node id {int(ids.min())}; ids are integers >= 0.")
    return ids
