"""A stand-in for ``ghginv.drill_down``, ``ghginv.drill_path`` and ``ghginv.changed_factors`` (branch webq), used only
while those are not in the public API: the web tests install it with monkeypatch so that the drill-down and compare
pages can be exercised. It follows the contract in the web brief (column names, an "others" row, rows summing to the
parent) over the run's emissions.parquet and factors_used.parquet; the real functions replace it once merged.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

import ghginv

ORDER = ("sector", "region", "entity", "activity", "factor")
_FACTOR_COLS = ("kind", "item", "factor_set", "set_version", "factor_year", "value", "unit", "status", "source", "source_locator", "rule")


def _filtered(run, year, sector, region, entity, activity, scope) -> tuple[pl.LazyFrame, list[str]]:
    lf = pl.scan_parquet(Path(run) / "emissions.parquet")
    cols = lf.collect_schema().names()
    if year is not None:
        lf = lf.filter(pl.col("year") == year)
    if scope:
        lf = lf.filter(pl.col("scope") == scope)
    if sector:
        lf = lf.filter((pl.col("sector") == sector) | pl.col("sector").str.starts_with(sector + "."))
    if region:
        lf = lf.filter(pl.col("region") == region)
    if entity and "entity_id" in cols:
        lf = lf.filter(pl.col("entity_id") == entity)
    if activity:
        lf = lf.filter(pl.col("activity") == activity)
    return lf, cols


def _next(cols, sector, region, entity, activity) -> str:
    given = {"sector": sector, "region": region, "entity": entity, "activity": activity}
    for lv in ORDER[:-1]:
        if lv == "entity" and "entity_id" not in cols:
            continue
        if not given[lv]:
            return lv
    return "factor"


def drill_down(run, *, year=None, sector=None, region=None, entity=None, activity=None, scope=None, limit=500) -> pl.DataFrame:
    lf, cols = _filtered(run, year, sector, region, entity, activity, scope)
    level = _next(cols, sector, region, entity, activity)
    total = lf.select(pl.col("co2e_t").sum()).collect().item() or 0.0
    if level != "factor":
        col = {"sector": "sector", "region": "region", "entity": "entity_id", "activity": "activity"}[level]
        g = lf.group_by(col).agg(pl.col("co2e_t").sum()).sort("co2e_t", descending=True).collect()
        rows = [{"level": level, "key": k, "label_en": k, "label_zh": k, "co2e_t": v} for k, v in g.iter_rows()]
        if len(rows) > limit:
            rest = sum(r["co2e_t"] for r in rows[limit:])
            rows = rows[:limit] + [{"level": level, "key": "others", "label_en": "others", "label_zh": "其他", "co2e_t": rest}]
        df = pl.DataFrame(rows, schema={"level": pl.String, "key": pl.String, "label_en": pl.String, "label_zh": pl.String, "co2e_t": pl.Float64})
        return df.with_columns(share=pl.col("co2e_t") / total if total else pl.lit(None, pl.Float64))
    f = pl.scan_parquet(Path(run) / "factors_used.parquet")
    if year is not None:
        f = f.filter(pl.col("year") == year)
    if sector:
        f = f.filter((pl.col("sector") == sector) | pl.col("sector").str.starts_with(sector + "."))
    for c, v in (("region", region), ("activity", activity)):
        if v:
            f = f.filter(pl.col(c) == v)
    df = f.select(*_FACTOR_COLS).unique().sort("kind", "item", "factor_year").head(limit).collect()
    return df.with_columns(level=pl.lit("factor"), key=pl.col("rule"), label_en=pl.col("item"), label_zh=pl.col("item"),
                           co2e_t=pl.lit(None, pl.Float64), share=pl.lit(None, pl.Float64))


def drill_path(run, *, year=None, sector=None, region=None, entity=None, activity=None, scope=None, limit=500) -> list[dict]:
    out, acc = [], {}
    for lv, v in (("sector", sector), ("region", region), ("entity", entity), ("activity", activity)):
        if v:
            acc[lv] = v
            lf, _ = _filtered(run, year, acc.get("sector"), acc.get("region"), acc.get("entity"), acc.get("activity"), scope)
            out.append({"level": lv, "key": v, "label_en": v, "label_zh": v, "co2e_t": lf.select(pl.col("co2e_t").sum()).collect().item()})
    return out


def changed_factors(old_run, new_run) -> pl.DataFrame:
    return ghginv.diff_runs(old_run, new_run)[1]


def install(monkeypatch) -> None:
    """Put the stand-ins on ``ghginv`` where the public API lacks them."""
    for name, fn in (("drill_down", drill_down), ("drill_path", drill_path), ("changed_factors", changed_factors)):
        if getattr(ghginv, name, None) is None:
            monkeypatch.setattr(ghginv, name, fn, raising=False)
