"""Helpers shared by the in-process benchmarks (recompute, scenarios, uncertainty)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
KEYS = ["year", "region", "sector", "activity", "gas"]  # one emission row per cell and gas (emissions.parquet)


def written_utc() -> str:
    """Now, as the ``written_utc`` of a results entry (benchmarks/table.py tells this session's figures from an
    earlier session's by it)."""
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_figures(file: str, figures: dict) -> dict:
    """Write ``figures`` as ``results/<file>`` (JSON, the whole file), with the time it was written
    (``written_utc``); the figures so stamped, as written."""
    RESULTS.mkdir(exist_ok=True)
    stamped = {**figures, "written_utc": written_utc()}
    (RESULTS / file).write_text(json.dumps(stamped, indent=2) + "\n")
    return stamped


def save_figures(file: str, name: str, figures: dict) -> None:
    """Merge ``figures`` under ``name`` into ``results/<file>`` (JSON, one entry per benchmark), with the time it was
    written (``written_utc``): the file holds entries of several sessions."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / file
    data = json.loads(path.read_text()) if path.is_file() else {}
    data[name] = {**figures, "written_utc": written_utc()}
    path.write_text(json.dumps(data, indent=2) + "\n")


def write_grid_scenarios(path: Path, years: range, region: str, low: float, high: float, unit: str,
                         n: int = 1000, seed: int = 20240101) -> Path:
    """A SYNTHETIC scenario file: ``n`` electricity CO2 paths, one value per year drawn uniformly
    from [low, high) by a seeded generator (not factors)."""
    rng = np.random.default_rng(seed)
    lines = ["scenario,activity,gas,region,year,value,unit"]
    for s in range(n):
        for y in years:
            lines.append(f"path{s:04d},electricity,CO2,{region},{y},{rng.uniform(low, high):.4f},{unit}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def same_values(ours: Path, baseline: Path, keys: list[str], values: list[str], rel: float = 1e-9) -> dict:
    """ghginv's table ``ours`` against a baseline's (Parquet files): the same ``keys`` rows, every
    column of ``values`` equal to ``rel`` relative. The largest difference found is returned."""
    import polars as pl

    a = pl.read_parquet(ours).select(keys + values)
    b = pl.read_parquet(baseline).with_columns(pl.col(k).cast(a.schema[k]) for k in keys).select(keys + values)
    assert a.height == b.height, f"{a.height} rows, baseline {b.height}"
    both = a.join(b, on=keys, how="inner", suffix="_baseline")
    assert both.height == a.height, "rows differ from the baseline"
    worst = 0.0
    for v in values:
        for col in (v, f"{v}_baseline"):  # a NaN would slip through max(): no table here may hold one
            assert not both[col].is_nan().any(), f"NaN in {col}"
        diff = (both[v] - both[f"{v}_baseline"]).abs() / both[f"{v}_baseline"].abs()
        worst = max(worst, float(diff.fill_nan(0.0).max()))  # 0 / 0 where both are 0
    assert worst <= rel, f"largest relative difference from the baseline {worst:.3g}"
    return {"rows_checked": both.height, "max_rel_diff": worst}
