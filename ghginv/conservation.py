"""Conservation checks of every run: nothing dropped, double-counted or overflowed on the way.

* **input = cube** — the amounts of the activity rows that enter the cube (valid, inside the run's
  years, not notation-key rows), summed per unit while the batches stream (a tally independent of
  the cube kernel), equal the cube's sums per unit, to 1e-9 relative (summation order differs);
  the row counts agree exactly.
* **finite** — every cube amount and every emission is finite. Amounts near the float limit
  (1e308) can overflow to ``inf`` in a sum or a product; that is an error naming the cell, never a
  silent ``inf`` in the results.
* **roll-up** — every inventory value equals the sum of its direct children plus the emissions
  booked at that category itself (so ``TOTAL`` = Σ level 1, ``1.A`` = Σ ``1.A.x`` …), per year,
  region, scope and gas, to 1e-9 relative.
* **notation keys** — rows reported with a notation key (NO, NE, NA, IE, C) are counted, and so
  are the categories they produce in the inventory.

The results go to ``manifest.json`` (``checks``). A failed conservation check is an internal
error (:class:`ConservationError`, exit status 3): the run stops and writes nothing.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from .errors import GhgInvError, ValidationError
from .kernels import ngjit
from .load import check_batch

__all__ = ["InputTally", "ConservationError", "run_checks"]

REL = 1e-9


class ConservationError(GhgInvError, RuntimeError):
    """An internal invariant of a run failed (a bug in ghginv, not in the input)."""

    exit_code = 3


class InputTally:
    """Per-unit sums and row counts of the amounts that should reach the cube."""

    def __init__(self, years: tuple[int, int] | None):
        self.years = years
        self.sums: dict[str, float] = {}
        self.rows: int = 0

    def add(self, batch) -> None:
        rb = batch.data
        n = rb.num_rows
        if not n:
            return
        check_batch(batch)
        acol = rb.column("amount")
        if not pa.types.is_floating(acol.type):
            acol = pc.cast(acol, pa.float64(), safe=False)
        if acol.null_count:
            valid = acol.is_valid().to_numpy(zero_copy_only=False)
            amount = pc.fill_null(acol, 0.0).to_numpy(zero_copy_only=False)
        else:
            valid = None
            amount = acol.to_numpy(zero_copy_only=False)
        amount = amount.astype(np.float64, copy=False)
        if self.years is not None:
            if "year" in rb.schema.names:
                ycol = rb.column("year")
                year = (pc.fill_null(ycol, 0) if ycol.null_count else ycol).to_numpy(zero_copy_only=False)
                inside = (year >= self.years[0]) & (year <= self.years[1])
            else:
                try:
                    y = int(batch.constants.get("year", 0))
                except ValueError:
                    y = 0
                inside = np.full(n, self.years[0] <= y <= self.years[1])
            valid = inside if valid is None else valid & inside
        if "unit" in rb.schema.names:
            u = rb.column("unit")
            if not pa.types.is_dictionary(u.type):
                u = pc.dictionary_encode(pc.cast(u, pa.string()))
            names = u.dictionary.to_pylist()
            ind = u.indices
            idx = (pc.fill_null(ind, len(names)) if ind.null_count else ind).to_numpy(zero_copy_only=False)
        else:
            names, idx = [batch.constants.get("unit")], np.zeros(n, np.int64)
        if valid is None:
            valid = np.ones(0, np.bool_)  # empty = every row
        sums, rows = tally_kernel(np.ascontiguousarray(idx), np.ascontiguousarray(amount), valid, len(names) + 1)
        for name, s in zip(names, sums):
            if name is not None and s != 0.0 or name in self.sums:
                self.sums[name] = self.sums.get(name, 0.0) + float(s)
        self.rows += int(rows)


@ngjit
def tally_kernel(idx, amount, valid, n_codes):
    """Sum ``amount`` per code ``idx`` over the rows where ``valid`` (all rows when it is empty)."""
    lanes = np.zeros((8, n_codes), np.float64)  # 8 accumulators break the add-latency chain
    rows = 0
    every = valid.shape[0] == 0
    for i in range(idx.shape[0]):
        if every or valid[i]:
            lanes[i & 7, idx[i]] += amount[i]
            rows += 1
    sums = np.zeros(n_codes, np.float64)
    for k in range(8):
        for c in range(n_codes):
            sums[c] += lanes[k, c]
    return sums, rows


def _close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= REL * max(abs(a), abs(b))


def _finite(cube: pl.DataFrame, emissions: pl.DataFrame) -> None:
    bad = cube.filter(~pl.col("amount").is_finite())
    if bad.height:
        r = bad.row(0, named=True)
        raise ValidationError(
            f"the activity amounts of {bad.height} cube cell(s) add up beyond the float range (first: year {r['year']}, "
            f"region {r['region']}, sector {r['sector']}, activity {r['activity']}, unit {r['unit']}: sum = {r['amount']})",
        )
    bad = emissions.filter(~pl.col("emissions_t").is_finite() | ~pl.col("co2e_t").is_finite())
    if bad.height:
        r = bad.row(0, named=True)
        raise ValidationError(
            f"{bad.height} emission value(s) overflow the float range (first: year {r['year']}, region {r['region']}, "
            f"sector {r['sector']}, activity {r['activity']}, gas {r['gas']}: {r['emissions_t']} t); "
            "an amount is implausibly large — check the activity data and its unit",
        )


def _rollup(emissions: pl.DataFrame, inventory: pl.DataFrame) -> dict:
    keys = ["year", "region", "scope", "gas"]
    inv = inventory.filter(pl.col("notation_key").is_null()).select(*keys, "category", "level", "co2e_t")
    parent = (
        pl.when(pl.col("level") == 1).then(pl.lit("TOTAL"))
        .otherwise(pl.col("category").str.replace(r"\.[^.]+$", ""))
    )
    children = (
        inv.filter(pl.col("level") > 0)
        .with_columns(parent.alias("category"))
        .group_by(*keys, "category").agg(pl.col("co2e_t").sum().alias("children"))
    )
    own = (
        emissions.rename({"sector": "category"}).group_by(*keys, "category").agg(pl.col("co2e_t").sum().alias("own"))
        .with_columns(pl.col("year").cast(pl.Int32))
    )
    j = (
        inv.join(children.with_columns(pl.col("year").cast(pl.Int32)), on=[*keys, "category"], how="left")
        .join(own, on=[*keys, "category"], how="left")
        .with_columns((pl.col("children").fill_null(0.0) + pl.col("own").fill_null(0.0)).alias("parts"))
    )
    bad = j.filter((pl.col("co2e_t") - pl.col("parts")).abs() > REL * pl.max_horizontal(pl.col("co2e_t").abs(), pl.col("parts").abs()))
    if bad.height:
        r = bad.row(0, named=True)
        raise ConservationError(
            f"internal check failed: roll-up of category {r['category']} ({r['year']}, {r['region']}, {r['scope']}, "
            f"{r['gas']}) is {r['co2e_t']!r} t CO2e but its parts sum to {r['parts']!r} ({bad.height} such rows); "
            "no output was written — please report this as a ghginv bug",
        )
    orphans = own.join(inv.select(*keys, "category"), on=[*keys, "category"], how="anti")
    if orphans.height:
        r = orphans.row(0, named=True)
        raise ConservationError(
            f"internal check failed: emissions of sector {r['category']} ({r['year']}, {r['region']}, {r['scope']}, {r['gas']}) "
            "are missing from the inventory; no output was written — please report this as a ghginv bug",
        )
    return {"ok": True, "rows_checked": j.height}


def run_checks(cube, emissions: pl.DataFrame, inventory: pl.DataFrame, tally: InputTally | None) -> dict:
    """Run every check; raise on failure; return the manifest's ``checks`` section."""
    cells = cube.cells
    _finite(cells, emissions)
    out: dict = {}
    if tally is None:
        out["input_equals_cube"] = {"ok": None, "note": "not run: no activity data were streamed by this process (cube reused, dask engine, or sink data only)"}
    else:
        # exactly rounded sums of the cube cells (math.fsum): independent of the thread count
        cube_sums = {df["unit"][0]: math.fsum(df["amount"].to_numpy()) for df in cells.partition_by("unit", maintain_order=True)} if cells.height else {}
        cube_rows = int(cells["n_rows"].sum()) if cells.height else 0
        units = sorted(set(cube_sums) | {u for u, s in tally.sums.items() if s != 0.0})
        per_unit = {u: {"input": tally.sums.get(u, 0.0), "cube": cube_sums.get(u, 0.0)} for u in units}
        bad = [u for u, v in per_unit.items() if not _close(v["input"], v["cube"])]
        if bad or tally.rows != cube_rows:
            u = bad[0] if bad else None
            detail = (f"unit {u!r}: input {per_unit[u]['input']!r}, cube {per_unit[u]['cube']!r}" if u else
                      f"input rows {tally.rows}, cube rows {cube_rows}")
            raise ConservationError(
                f"internal check failed: activity amounts going in differ from the sums in the cube ({detail}); "
                "no output was written — please report this as a ghginv bug",
            )
        out["input_equals_cube"] = {"ok": True, "rows": tally.rows, "sum_per_unit": {u: v["cube"] for u, v in per_unit.items()}}
    out["finite"] = {"ok": True}
    out["rollup"] = _rollup(emissions, inventory)
    nk = cube.notation
    out["notation_keys"] = {
        "rows": int(cube.stats.get("rows_notation", 0)),
        "categories": int(nk.height),
        "by_key": {k: int(v) for k, v in nk.group_by("notation_key").len().sort("notation_key").iter_rows()} if nk.height else {},
    }
    return out
