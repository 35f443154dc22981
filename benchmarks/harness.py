"""Benchmark harness: run one measurement in a fresh interpreter and report wall time and peak RSS.

Three measurements per data size, each in its own process (``python benchmarks/harness.py KIND
...`` prints one JSON line):

* ``read`` — the read limit: a pyarrow streaming scan (``ParquetFile.iter_batches``, 1 M-row
  batches, ``read_dictionary`` on the string columns) of the five columns ghginv needs, with
  pyarrow's allocator and numpy's BLAS threads set as the command line sets them (``ghginv.cli``);
* ``duckdb`` — a plain DuckDB aggregate-first SQL script computing the same emissions per
  (year, region, sector, activity, gas): sum the rows per (year, region, sector, activity,
  unit) first, resolve the factor rules per cell with the same precedence, multiply;
* ``polars`` — the same aggregate-first script written with polars' lazy API (``scan_parquet``,
  ``group_by``, a join of the distinct cells with the factor rules), the other script a user
  would write instead of ghginv;
* ``compile`` (alias ``cli``) — ``ghginv compile`` itself (``ghginv.cli.main`` in this script's
  process, called as the console script calls it, writing its outputs), timed as a whole process (start-up, imports, numba cache load,
  every stage, writing); afterwards the script prints the process's peak RSS. The same kind runs
  ``ghginv recompute`` for the recompute and scenario benchmarks.

For a recompute (``benchmarks/test_recompute.py``) the input is a run's ``cube.parquet``, not the
activity rows: ``read_cube`` streams its columns (the recompute's read limit) and
``duckdb_cube`` runs the same aggregate-first script on it, or with ``--scenarios FILE`` the 1,000
grid-factor scenarios (one row per scenario and year, like ``scenarios.parquet``).

The parent (:func:`measure`) times the child's wall clock and reads its CPU time (user + system,
every thread) from ``os.wait4``. Peak RSS is the child's own ``VmHWM`` (whole process,
high-water mark of its memory after exec). On a shared machine the CPU time is the steadier
figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLS = ["region", "sector", "activity", "amount", "unit"]
DICT_COLS = ["region", "sector", "activity", "unit"]
CUBE_COLS = ["year", "region", "sector", "activity", "unit", "amount"]


def measure(args: list[str], env: dict | None = None) -> dict:
    """Run ``args`` in a child process; wall seconds, peak RSS (MiB) and its last JSON stdout line."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.perf_counter()
        p = subprocess.Popen(args, stdout=fo, stderr=fe, env={**os.environ, **(env or {})})
        _, status, ru = os.wait4(p.pid, 0)  # the child's own rusage: peak RSS of that process
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({p.returncode}):\n{err.decode()[-3000:]}")
    info = {}
    lines = [ln for ln in out.decode().splitlines() if ln.startswith("{")]
    if lines:
        info = json.loads(lines[-1])
    # ru_maxrss survives exec, so a child forked from a big parent reports at least the parent's
    # size; the child's own VmHWM (printed by harness.py) is the figure when there is one
    peak = info.pop("vm_hwm_mib", None) or ru.ru_maxrss / 1024
    return {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mib": peak, "ru_maxrss_mib": ru.ru_maxrss / 1024, **info}


def _files(activity: Path) -> list[Path]:
    return sorted(p for p in activity.rglob("*.parquet") if not p.name.startswith("."))


def read_limit(activity: Path, columns: list[str] = COLS) -> dict:
    """Stream ``columns`` of every Parquet file under ``activity`` (a folder or one file), keeping
    the string columns as dictionaries; the scan's own wall and CPU seconds."""
    import pyarrow.parquet as pq

    t0, c0 = time.perf_counter(), time.process_time()
    rows = 0
    for f in _files(activity) if activity.is_dir() else [activity]:
        pf = pq.ParquetFile(f, read_dictionary=[c for c in DICT_COLS if c in columns])
        for rb in pf.iter_batches(batch_size=1 << 20, columns=columns, use_threads=True):
            rows += rb.num_rows
    return {"seconds": time.perf_counter() - t0, "cpu_in_scan_s": time.process_time() - c0, "rows": rows}


# {source}: the activity rows (Hive-partitioned Parquet) for a compile, or a run's cube.parquet
# (already one row per cell) for a recompute
ACTIVITY_SOURCE = "read_parquet('{glob}', hive_partitioning = true)"
CUBE_SOURCE = "read_parquet('{cube}')"
BASELINE_SQL = """
CREATE TEMP TABLE cube AS
    SELECT year::INTEGER AS year, region, sector, activity, unit, sum(amount) AS amount
    FROM {source}
    GROUP BY ALL;
CREATE TEMP TABLE rules AS
    SELECT set_rank, activity, gas, value * u.scale AS value_norm,
           coalesce(TRY_CAST(year_from AS INTEGER), 0) AS y0, coalesce(TRY_CAST(year_to AS INTEGER), 9999) AS y1,
           sector, CASE WHEN sector = '*' THEN 0 WHEN ends_with(sector, '.*') THEN length(sector) ELSE 1000 END AS s_spec,
           rtrim(sector, '.*') AS s_prefix,
           region, CASE WHEN region = '*' THEN 0 WHEN ends_with(region, '*') THEN length(region) ELSE 1000 END AS r_spec,
           rtrim(region, '*') AS r_prefix
    FROM factor_rows f JOIN factor_units u ON u.unit = f.unit;
CREATE TEMP TABLE best AS
    SELECT c.year, c.region, c.sector, c.activity, r.gas, r.value_norm
    FROM (SELECT DISTINCT year, region, sector, activity FROM cube) c
    JOIN rules r
      ON r.activity = c.activity AND c.year BETWEEN r.y0 AND r.y1
     AND (r.s_spec = 0 OR (r.s_spec = 1000 AND c.sector = r.sector)
          OR (r.s_spec < 1000 AND (c.sector = r.s_prefix OR starts_with(c.sector, r.s_prefix || '.'))))
     AND (r.r_spec = 0 OR (r.r_spec = 1000 AND c.region = r.region)
          OR (r.r_spec < 1000 AND starts_with(c.region, r.r_prefix)))
    QUALIFY row_number() OVER (PARTITION BY c.year, c.region, c.sector, c.activity, r.gas
                               ORDER BY r.set_rank, r.s_spec DESC, r.r_spec DESC) = 1;
"""
EMISSIONS_SQL = """
COPY (
    SELECT year, region, sector, activity, gas, sum(amount * a.scale * value_norm) AS emissions_t
    FROM cube JOIN activity_units a USING (unit) JOIN best USING (year, region, sector, activity)
    GROUP BY ALL
) TO '{out}' (FORMAT parquet);
"""
# 1,000 scenarios, aggregate-first: per year the run's direct and indirect CO2e and its electricity
# CO2 and quantity; each scenario swaps the electricity CO2 factor of every cell for its value
# (what ghginv.rerun.scenarios does for an override with region '*'). Written for the benchmark data:
# scope by activity name (electricity and heat indirect; the data have no biomass memo items),
# overrides only of electricity CO2 for every region, in a unit of the same dimension
# (no NCV or density conversion)
SCENARIOS_SQL = """
CREATE TEMP TABLE per_year AS
    SELECT year,
           sum(CASE WHEN activity IN ('electricity', 'heat') THEN 0 ELSE em * g.gwp END) AS direct,
           sum(CASE WHEN activity IN ('electricity', 'heat') THEN em * g.gwp ELSE 0 END) AS indirect,
           sum(CASE WHEN activity = 'electricity' AND gas = 'CO2' THEN em * g.gwp ELSE 0 END) AS elec_co2e,
           sum(CASE WHEN activity = 'electricity' AND gas = 'CO2' THEN q ELSE 0 END) AS elec_q
    FROM (SELECT c.year, c.activity, b.gas, sum(c.amount * a.scale * b.value_norm) AS em, sum(c.amount * a.scale) AS q
          FROM cube c JOIN activity_units a USING (unit) JOIN best b USING (year, region, sector, activity)
          GROUP BY ALL) JOIN gwps g USING (gas)
    GROUP BY year;
COPY (
    SELECT s.scenario, p.year, p.direct AS direct_co2e_t,
           p.indirect - p.elec_co2e + p.elec_q * s.value * u.scale * co2.gwp AS indirect_co2e_t,
           p.direct + p.indirect - p.elec_co2e + p.elec_q * s.value * u.scale * co2.gwp AS total_co2e_t
    FROM read_csv('{scenarios}', types = {{'year': 'INTEGER', 'value': 'DOUBLE'}}) s
    JOIN per_year p ON p.year = s.year
    JOIN factor_units u ON u.unit = s.unit
    CROSS JOIN (SELECT gwp FROM gwps WHERE gas = 'CO2') co2
    ORDER BY s.scenario, p.year
) TO '{out}' (FORMAT parquet);
"""


def duckdb_baseline(activity: Path, sets: list[Path], out: Path, cube: Path | None = None,
                    scenarios: Path | None = None, gwp: str = "AR5GWP100") -> dict:
    """Aggregate-first DuckDB: the cube in SQL, factors per cell in SQL, emissions per cell and gas.

    With ``cube`` (a run's ``cube.parquet``) the activity rows are not read: the recompute
    baseline. With ``scenarios`` (a grid-factor scenario CSV, ``figures.write_grid_scenarios``)
    ``out`` gets one row per scenario and year instead: the scenarios baseline."""
    import csv

    import duckdb
    import pyarrow as pa

    t0 = time.perf_counter()
    rows = []
    for rank, folder in enumerate(sets):
        with open(folder / "emission_factors.csv", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                rows.append({"set_rank": rank, **{k: r[k] for k in ("activity", "sector", "region", "year_from", "year_to", "gas", "unit")},
                             "value": float(r["value"])})
    # unit scales: the same unit table a hand-written script would carry (base units t, m^3, GJ)
    sys.path.insert(0, str(HERE.parent))
    from ghginv.core.units import parse_ratio, parse_unit

    f_units = {r["unit"] for r in rows}
    if scenarios is not None:  # the scenario values' units too
        f_units |= {ln.rsplit(",", 1)[1] for ln in scenarios.read_text(encoding="utf-8").splitlines()[1:] if ln}
    f_units = sorted(f_units)
    con = duckdb.connect(":memory:")
    con.register("factor_rows", pa.Table.from_pylist(rows))
    con.register("factor_units", pa.table({"unit": f_units, "scale": [parse_ratio(u).scale for u in f_units]}))
    a_units = ["t", "10^4 t", "kg", "m^3", "10^4 m^3", "kWh", "10^4 kWh", "MWh", "GJ", "TJ", "tce"]
    con.register("activity_units", pa.table({"unit": a_units, "scale": [parse_unit(u).scale for u in a_units]}))
    source = CUBE_SOURCE.format(cube=cube) if cube is not None else ACTIVITY_SOURCE.format(glob=f"{activity}/**/*.parquet")
    con.execute(BASELINE_SQL.format(source=source))
    if scenarios is None:
        con.execute(EMISSIONS_SQL.format(out=out))
    else:
        from ghginv.core.gwp import gwp_table  # the GWP values a script would carry as a table

        table = gwp_table(gwp)
        con.register("gwps", pa.table({"gas": list(table), "gwp": [float(v) for v in table.values()]}))
        con.execute(SCENARIOS_SQL.format(scenarios=scenarios, out=out))
    return {"seconds": time.perf_counter() - t0}


def polars_baseline(activity: Path, sets: list[Path], out: Path) -> dict:
    """Aggregate-first polars (lazy): the script a polars user would write instead of ghginv.

    The same steps as :func:`duckdb_baseline`: sum the rows per (year, region, sector, activity,
    unit) with ``scan_parquet`` (Hive partitions give the year), resolve the factor rules per
    distinct (year, region, sector, activity) with the same precedence (set order, then the most
    specific sector, then the most specific region, the year inside the rule's range), multiply
    and sum per (year, region, sector, activity, gas), and write the result to Parquet."""
    import polars as pl

    sys.path.insert(0, str(HERE.parent))
    from ghginv.core.units import parse_ratio, parse_unit

    t0 = time.perf_counter()
    rules = pl.concat([
        pl.read_csv(folder / "emission_factors.csv", infer_schema=False)
        .select("activity", "sector", "region", "year_from", "year_to", "gas", "unit", pl.col("value").cast(pl.Float64))
        .with_columns(pl.lit(rank, pl.Int64).alias("set_rank"))
        for rank, folder in enumerate(sets)
    ])
    f_units = sorted(rules["unit"].unique().to_list())
    f_scale = pl.DataFrame({"unit": f_units, "f_scale": [parse_ratio(u).scale for u in f_units]})
    a_units = ["t", "10^4 t", "kg", "m^3", "10^4 m^3", "kWh", "10^4 kWh", "MWh", "GJ", "TJ", "tce"]
    a_scale = pl.DataFrame({"unit": a_units, "a_scale": [parse_unit(u).scale for u in a_units]})
    spec = lambda c, wild: (pl.when(pl.col(c) == "*").then(0)  # noqa: E731  (0 any, length of a prefix, 1000 exact)
                            .when(pl.col(c).str.ends_with(wild)).then(pl.col(c).str.len_chars()).otherwise(1000))
    rules = (rules.join(f_scale, on="unit")
             .with_columns((pl.col("value") * pl.col("f_scale")).alias("value_norm"),
                           pl.col("year_from").cast(pl.Int64, strict=False).fill_null(0).alias("y0"),
                           pl.col("year_to").cast(pl.Int64, strict=False).fill_null(9999).alias("y1"),
                           spec("sector", ".*").alias("s_spec"), pl.col("sector").str.strip_chars_end(".*").alias("s_prefix"),
                           spec("region", "*").alias("r_spec"), pl.col("region").str.strip_chars_end("*").alias("r_prefix"))
             .select("activity", "gas", "set_rank", "value_norm", "y0", "y1", "sector", "s_spec", "s_prefix",
                     "region", "r_spec", "r_prefix").rename({"sector": "r_sector", "region": "r_region"}))
    cube = (pl.scan_parquet(f"{activity}/**/*.parquet", hive_partitioning=True)
            .group_by("year", "region", "sector", "activity", "unit").agg(pl.col("amount").sum())
            .with_columns(pl.col("year").cast(pl.Int64), pl.col("region", "sector", "activity", "unit").cast(pl.String)).collect())
    key = ["year", "region", "sector", "activity"]
    s, r = pl.col("s_spec"), pl.col("r_spec")
    best = (cube.lazy().select(key).unique().join(rules.lazy(), on="activity")
            .filter(pl.col("year").is_between(pl.col("y0"), pl.col("y1"))
                    & ((s == 0) | ((s == 1000) & (pl.col("sector") == pl.col("r_sector")))
                       | ((s < 1000) & ((pl.col("sector") == pl.col("s_prefix"))
                                        | pl.col("sector").str.starts_with(pl.col("s_prefix") + "."))))
                    & ((r == 0) | ((r == 1000) & (pl.col("region") == pl.col("r_region")))
                       | ((r < 1000) & pl.col("region").str.starts_with(pl.col("r_prefix")))))
            .with_columns((pl.col("set_rank") * 10_000_000 - s * 1001 - r).alias("priority"))
            .group_by(key + ["gas"]).agg(pl.col("value_norm").sort_by("priority").first()))
    (cube.lazy().join(a_scale.lazy(), on="unit").join(best, on=key)
     .group_by(key + ["gas"]).agg((pl.col("amount") * pl.col("a_scale") * pl.col("value_norm")).sum().alias("emissions_t"))
     .collect().write_parquet(out))
    return {"seconds": time.perf_counter() - t0}


def vm_hwm_mib() -> float:
    """Peak resident set of this process image (VmHWM: reset by exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str]) -> int:
    kind = argv[0]
    if kind in ("compile", "cli"):  # the CLI itself (compile, recompute, …), then this process's peak RSS
        import atexit

        from ghginv.cli import main as cli_main

        # as the console script runs it (`ghginv ...`: main() without arguments, which ends the process
        # once the command is done, after the atexit functions): the peak RSS is printed at exit
        atexit.register(lambda: print(json.dumps({"vm_hwm_mib": vm_hwm_mib()}), flush=True))
        sys.argv = ["ghginv", *argv[1:]]
        return cli_main()
    if kind in ("read", "read_cube"):
        # pyarrow's allocator and numpy's BLAS threads (pyarrow.parquet imports numpy) as the command line sets them
        # (ghginv.cli, before either is loaded): the read limit is the quickest scan pyarrow makes on this machine, not
        # one slowed by huge pages' zeroing or by OpenBLAS's spinning thread
        from ghginv.cli import _arrow_arena_on_demand, _one_blas_thread

        _arrow_arena_on_demand()
        _one_blas_thread()
    if kind == "read":
        info = read_limit(Path(argv[1]))
    elif kind == "read_cube":  # the input of a recompute: every column of a run's cube.parquet
        info = read_limit(Path(argv[1]), CUBE_COLS)
    elif kind == "duckdb":
        info = duckdb_baseline(Path(argv[1]), [Path(p) for p in argv[3:]], Path(argv[2]))
    elif kind == "polars":  # polars ACTIVITY OUT SET...
        info = polars_baseline(Path(argv[1]), [Path(p) for p in argv[3:]], Path(argv[2]))
    elif kind == "duckdb_cube":  # duckdb_cube CUBE OUT [--scenarios FILE] SET...
        rest = argv[3:]
        scen = None
        if rest[:1] == ["--scenarios"]:
            scen, rest = Path(rest[1]), rest[2:]
        info = duckdb_baseline(Path(argv[1]), [Path(p) for p in rest], Path(argv[2]), cube=Path(argv[1]), scenarios=scen)
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    print(json.dumps({**info, "vm_hwm_mib": vm_hwm_mib()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
