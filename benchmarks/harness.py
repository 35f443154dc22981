"""Benchmark harness: run one measurement in a fresh interpreter and report wall time and peak RSS.

Three measurements per data size, each in its own process (``python benchmarks/harness.py KIND
...`` prints one JSON line):

* ``read`` — the read limit: a pyarrow streaming scan (``ParquetFile.iter_batches``, 1 M-row
  batches, ``read_dictionary`` on the string columns) of the five columns ghginv needs;
* ``duckdb`` — a plain DuckDB aggregate-first SQL script computing the same emissions per
  (year, region, sector, activity, gas): sum the rows per (year, region, sector, activity,
  unit) first, resolve the factor rules per cell with the same precedence, multiply;
* ``compile`` — ``ghginv compile`` itself (``ghginv.cli.main`` in this script's process, writing
  its outputs), timed as a whole process (start-up, imports, numba cache load, every stage,
  writing); afterwards the script prints the process's peak RSS.

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


def read_limit(activity: Path) -> dict:
    import pyarrow.parquet as pq

    t0, c0 = time.perf_counter(), time.process_time()
    rows = 0
    for f in _files(activity):
        pf = pq.ParquetFile(f, read_dictionary=DICT_COLS)
        for rb in pf.iter_batches(batch_size=1 << 20, columns=COLS, use_threads=True):
            rows += rb.num_rows
    return {"seconds": time.perf_counter() - t0, "cpu_in_scan_s": time.process_time() - c0, "rows": rows}


BASELINE_SQL = """
CREATE TEMP TABLE cube AS
    SELECT year::INTEGER AS year, region, sector, activity, unit, sum(amount) AS amount
    FROM read_parquet('{glob}', hive_partitioning = true)
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
COPY (
    SELECT year, region, sector, activity, gas, sum(amount * a.scale * value_norm) AS emissions_t
    FROM cube JOIN activity_units a USING (unit) JOIN best USING (year, region, sector, activity)
    GROUP BY ALL
) TO '{out}' (FORMAT parquet);
"""


def duckdb_baseline(activity: Path, sets: list[Path], out: Path) -> dict:
    """Aggregate-first DuckDB: the cube in SQL, factors per cell in SQL, emissions per cell and gas."""
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
    from ghginv.units import parse_ratio, parse_unit

    f_units = sorted({r["unit"] for r in rows})
    con = duckdb.connect(":memory:")
    con.register("factor_rows", pa.Table.from_pylist(rows))
    con.register("factor_units", pa.table({"unit": f_units, "scale": [parse_ratio(u).scale for u in f_units]}))
    a_units = ["t", "10^4 t", "kg", "m^3", "10^4 m^3", "kWh", "10^4 kWh", "MWh", "GJ", "TJ", "tce"]
    con.register("activity_units", pa.table({"unit": a_units, "scale": [parse_unit(u).scale for u in a_units]}))
    con.execute(BASELINE_SQL.format(glob=f"{activity}/**/*.parquet", out=out))
    return {"seconds": time.perf_counter() - t0}


def vm_hwm_mib() -> float:
    """Peak resident set of this process image (VmHWM: reset by exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str]) -> int:
    kind = argv[0]
    if kind == "compile":  # the CLI itself, then this process's peak RSS
        from ghginv.cli import main as cli_main

        rc = cli_main(argv[1:])
        print(json.dumps({"vm_hwm_mib": vm_hwm_mib(), "exit": rc}))
        return rc
    if kind == "read":
        info = read_limit(Path(argv[1]))
    elif kind == "duckdb":
        info = duckdb_baseline(Path(argv[1]), [Path(p) for p in argv[3:]], Path(argv[2]))
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    print(json.dumps({**info, "vm_hwm_mib": vm_hwm_mib()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
