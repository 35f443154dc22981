"""One in-memory DuckDB database per process for the precedence SQL of the factor resolution.

:func:`ghginv.factors.resolve.resolve`, the energy coefficients (:mod:`ghginv.analysis.energy`)
and the sink parameters (:mod:`ghginv.factors.sink_params`) each run one query over tables they
register. Opening a database costs about 10 ms of CPU (catalogue, settings) against 2–5 ms for a
further connection to an open one, and a district run asks five times; so the database is
opened once (``SET threads TO 2`` as before) and each query gets its own connection
(:meth:`duckdb.DuckDBPyConnection.cursor`), whose registered tables are its own and go with it.
A child process (fork) opens its own database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["connection", "precedence_rows"]

_LOCK = threading.Lock()
_DB: tuple[int, object] | None = None  # (pid, duckdb connection owning the database)


@contextmanager
def connection() -> Iterator:
    """A fresh connection to the process's in-memory database, closed on exit.

    Yields
    ------
    duckdb.DuckDBPyConnection
        A connection of its own (registered tables are not seen by other connections).
    """
    global _DB
    import duckdb

    with _LOCK:
        if _DB is None or _DB[0] != os.getpid():
            db = duckdb.connect(":memory:")
            db.execute("SET threads TO 2")
            _DB = (os.getpid(), db)
        con = _DB[1].cursor()
    try:
        yield con
    finally:
        con.close()



def precedence_rows(sql_name: str, cells, rules, fallback: bool):
    """Run one precedence query of ``ghginv/factors/sql`` over ``cells`` and ``rules`` in DuckDB.

    Parameters
    ----------
    sql_name : str
        The query's file in ``ghginv.factors.sql`` (``resolve.sql``, ``resolve_sinks.sql``).
    cells, rules : pyarrow.Table
        The tables the query reads as ``cells`` and ``rules`` (their columns are named in its header).
    fallback : bool
        Registered as ``params(fallback)``: whether rules outside their years match (year_fallback = 'nearest').

    Returns
    -------
    polars.DataFrame
        The query's rows, in its ORDER BY.
    """
    from importlib import resources

    import polars as pl
    import pyarrow as pa

    sql = resources.files("ghginv.factors.sql").joinpath(sql_name).read_text(encoding="utf-8")
    with connection() as con:
        con.register("cells", cells)
        con.register("rules", rules)
        con.register("params", pa.table({"fallback": [bool(fallback)]}))
        rel = con.sql(sql)
        out = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()  # duckdb 2.x / 1.x
    return pl.from_arrow(out)
