"""Engines for the one stage whose cost grows with the rows: building the activity cube.

* ``local`` — one process streams every file (``Inventory.build_cube``).
* ``dask`` — every Parquet file is a task: a worker streams it through the same validator and
  numba cube kernel (:class:`~ghginv.pipeline.cube.CubeBuilder`) and returns a *partial cube* (cells with
  string keys, notation rows, problems, row counts, the file's sha256, and the conservation
  tally of :class:`~ghginv.pipeline.conservation.InputTally`: amounts per unit and rows going in). Partial
  cubes are summed pairwise in a tree reduce on the workers; the driver receives one cube — its
  size is the shuffle size — and runs everything after the cube as with the local engine,
  including the same ``input = cube`` conservation check against the summed tally.

Files may live on shared storage (``s3://``, ``hdfs://``, … :mod:`ghginv.core._fs`): a task carries
the file's URL, and each worker opens it with its own credentials from its environment. A
process-local filesystem (``memory://``) is only visible to workers in the driver's process: the
engine's own cluster then uses threads instead of processes.

Validation problems found on workers come back as data and are raised on the driver as one
:class:`~ghginv.core.errors.ValidationError` listing every problem, exactly like the local engine:
row numbers are counted within each file, so they do not depend on the engine.

Sums are added in a different order than in one process (per file, then pairwise), so results
equal the local engine's to floating-point summation order (~1e-15 relative), not bit for bit.

Spark would plug in the same way: ``sc.parallelize(files).map(_partial_cube).treeReduce(_combine)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ..core._frames import group_sum
from ..core.errors import Problem, ValidationError

__all__ = ["ENGINES", "build_cube_dask", "PartialCube"]

ENGINES = ("local", "dask")


@dataclass
class PartialCube:
    cells: pl.DataFrame | None
    notation: list[dict] = field(default_factory=list)
    problems: list[tuple[int, Problem]] = field(default_factory=list)  # (file order, problem)
    stats: dict = field(default_factory=dict)
    inputs: list[tuple[int, dict]] = field(default_factory=list)
    tally_sums: dict[str, float] = field(default_factory=dict)  # InputTally.sums of the rows going in
    tally_rows: int = 0  # InputTally.rows
    # errors that stop the local engine at once (unreadable file, wrong schema, storage error):
    # (file order, error class name, summary, problems); the driver raises the first one
    errors: list[tuple[int, str, str, list[Problem]]] = field(default_factory=list)


def _keys(keep_entity: bool) -> list[str]:
    return ["year", "region", "sector", "activity", "unit"] + (["entity_id"] if keep_entity else [])


def _partial_cube(task: tuple) -> PartialCube:
    """Worker: stream one file into a partial cube (never raises for bad rows: returns them)."""
    from ..core import _fs
    from ..core.errors import GhgInvError
    from ..inputs.load import stream_batches
    from ..inputs.validate import BatchValidator
    from .conservation import InputTally
    from .cube import CubeBuilder

    order, f, known, years, regions, keep_entity, batch_size = task
    v = BatchValidator(known, years, regions, keep_entity)
    tally = InputTally(years)  # as the local engine: every batch, counted in the cube kernel when it can
    builder = CubeBuilder(v, tally=tally)
    try:
        inputs = [(order, {"path": str(f.path), "sha256": "sha256:" + _fs.sha256(f.path), "bytes": _fs.size(f.path)})]
        for batch in stream_batches([f], batch_size, keep_entity):
            tally.add(batch)
            builder.append(batch)
        cube = builder.finalize()
    except ValidationError as e:
        if e.problems:  # bad rows: listed with every other file's
            return PartialCube(None, [], [(order, p) for p in e.problems], {"rows_read": v.rows_read}, [])
        return PartialCube(None, errors=[(order, type(e).__name__, e.summary, [])])
    except GhgInvError as e:  # unreadable file, wrong schema, storage error: raised as the local engine does
        return PartialCube(None, errors=[(order, type(e).__name__, e.summary, e.problems)])
    except OSError as e:
        return PartialCube(None, errors=[(order, "InputFileError", f"{f.path}: cannot read ({e})", [])])
    return PartialCube(cube.cells, cube.notation.to_dicts(), [], cube.stats, inputs, tally.sums, tally.rows)


def _combine(a: PartialCube, b: PartialCube) -> PartialCube:
    """Sum two partial cubes (associative; used in the tree reduce)."""
    cells = None
    if a.cells is not None and b.cells is not None and not (a.problems or b.problems or a.errors or b.errors):
        both = pl.concat([a.cells, b.cells])
        keys = [c for c in both.columns if c not in ("amount", "n_rows")]
        cells = group_sum(both.with_columns(pl.col("n_rows").cast(pl.Float64)), keys, ["amount", "n_rows"]).with_columns(
            pl.col("n_rows").cast(pl.Int64)
        )
    stats = {k: a.stats.get(k, 0) + b.stats.get(k, 0) for k in set(a.stats) | set(b.stats) if k != "cube_cells"}
    sums = dict(a.tally_sums)
    for unit, s in b.tally_sums.items():
        sums[unit] = sums.get(unit, 0.0) + s
    return PartialCube(cells, a.notation + b.notation, a.problems + b.problems, stats, a.inputs + b.inputs,
                       sums, a.tally_rows + b.tally_rows, a.errors + b.errors)


def build_cube_dask(files, known: set[str], cfg, scheduler: str | None = None, years: tuple[int, int] | None = ...):
    """The cube over ``files`` on a Dask cluster (a new 2-worker LocalCluster without ``scheduler``).

    Each file becomes a partial cube on a worker; the partial cubes are summed pairwise (a tree
    reduce) on the workers.

    Parameters
    ----------
    files : list
        The activity files (from :func:`ghginv.inputs.discover`).
    known : set of str
        The activity codes the run's factor sets know.
    cfg : RunConfig
        The run's configuration (regions, keep_entity, batch_size).
    scheduler : str, optional
        Address of a running Dask scheduler; without it a local cluster is started and closed.
    years : tuple of (int, int), optional
        The rows kept in the cube (default ``cfg.years``; the local engine widens it to keep
        landfill deposit history).

    Returns
    -------
    cube : Cube
        Amounts per (year, region, sector, activity[, entity], unit) [unit of the row], with the
        notation-key rows.
    inputs : list of dict
        Path, ``sha256:`` hash and size in bytes of every activity file.
    tally : InputTally
        The summed :class:`~ghginv.pipeline.conservation.InputTally` of every worker, for the
        ``input = cube`` check.

    Raises
    ------
    GhgInvError
        The error the local engine raises for the first unreadable file (same class).
    ValidationError
        Listing the rows that break the data contract.
    """
    from dask import delayed
    from distributed import Client, LocalCluster

    from .conservation import InputTally
    from .cube import Cube

    years = cfg.years if years is ... else years
    tasks = [(i, f, known, years, cfg.regions, cfg.keep_entity, cfg.batch_size) for i, f in enumerate(files)]
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        local_only = any(str(f.path).startswith("memory://") for f in files)  # visible in this process only
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=not local_only, dashboard_address=None)
        client = Client(cluster)
    try:
        parts = [delayed(_partial_cube)(t) for t in tasks]
        while len(parts) > 1:  # tree reduce: pairwise sums on the workers
            parts = [delayed(_combine)(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
        total: PartialCube = client.compute(parts[0]).result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if total.errors:  # the local engine stops at the first such file: raise the same error
        from ..core import errors as _errors

        _, name, summary, problems = min(total.errors, key=lambda t: t[0])
        cls = getattr(_errors, name, None)
        raise (cls if isinstance(cls, type) and issubclass(cls, _errors.GhgInvError) else _errors.InputFileError)(summary, problems)
    if total.problems:
        probs = [p for _, p in sorted(total.problems, key=lambda t: t[0])]
        raise ValidationError("activity data break the data contract; nothing was computed", probs)
    keys = _keys(cfg.keep_entity)
    cells = total.cells.sort(keys, nulls_last=True)
    notation = pl.DataFrame(
        total.notation,
        schema={"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "notation_key": pl.String},
    ).unique().sort("year", "region", "sector", "activity", "notation_key")
    stats = {**total.stats, "cube_cells": cells.height, "engine": "dask", "partitions": len(files)}
    inputs = [d for _, d in sorted(total.inputs, key=lambda t: t[0])]
    tally = InputTally(years)
    tally.sums, tally.rows = dict(total.tally_sums), int(total.tally_rows)
    return Cube(cells=cells, notation=notation, stats=stats), inputs, tally
