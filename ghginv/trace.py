"""Traceability: which factor and conversion rows produced each number.

``factors_used`` has one row per (year, region, sector, activity) and gas or conversion
quantity actually used, naming the set, its version, the row (``set/file.csv:line``), the
value, unit, status, source and locator. A composite CO2 factor (carbon content × oxidation ×
44/12) is shown with its derived value (status ``D``) and both component rows.
"""

from __future__ import annotations

import polars as pl

from ._frames import sort_stable
from .factors import Rule
from .factors.resolve import C_TO_CO2, Resolution

__all__ = ["factors_used"]

_BASE = {"energy": ("t/TJ", 1000.0), "mass": ("t/t", 1.0), "volume": ("t/m^3", 1.0), "area": ("t/ha", 1.0), "count": ("t/head", 1.0)}
SCHEMA = {
    "year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String,
    "kind": pl.String, "item": pl.String, "factor_set": pl.String, "set_version": pl.String,
    "factor_year": pl.Int32, "value": pl.Float64, "unit": pl.String, "status": pl.String,
    "source": pl.String, "source_locator": pl.String, "rule": pl.String,
}


def _ref(rule: Rule) -> str:
    from pathlib import Path

    return f"{rule.set_name}/{Path(rule.file).name}:{rule.line}"


def factors_used(detail: pl.DataFrame, res: Resolution, cells: pl.DataFrame) -> pl.DataFrame:
    rules = res.rules
    versions = {s.name: s.version for s in res.sets}
    out = []
    fac = detail.select("cell_id", "gas", "factor_year", "rule_id", "rule2_id", "value_norm", "den_dim").unique(["cell_id", "gas"])
    # composite and direct factors: once per distinct rule combination, then joined to cells
    combos = {}
    for r in fac.select("rule_id", "rule2_id", "value_norm", "den_dim").unique().iter_rows(named=True):
        a = rules[r["rule_id"]]
        if r["rule2_id"] is None:
            combos[(r["rule_id"], None)] = (a.set_name, a.value, a.unit, a.status, a.source, a.source_locator, _ref(a))
        else:
            b = rules[r["rule2_id"]]
            unit, mult = _BASE.get(r["den_dim"], ("t/" + r["den_dim"], 1.0))
            combos[(r["rule_id"], r["rule2_id"])] = (
                a.set_name,
                r["value_norm"] * mult,
                unit,
                "D",
                f"derived: carbon_content × oxidation × 44/12 ({a.source}; {b.source})",
                f"carbon_content {a.value} {a.unit} [{a.source_locator}] × oxidation {b.value} {b.unit} "
                f"[{b.source_locator}] × {C_TO_CO2:.6f}",
                f"{_ref(a)} × {_ref(b)}",
            )
    cols = ["factor_set", "value", "unit", "status", "source", "source_locator", "rule"]
    keyed = pl.DataFrame(
        [{"rule_id": k[0], "rule2_id": k[1], **dict(zip(cols, v))} for k, v in combos.items()],
        schema={"rule_id": pl.Int64, "rule2_id": pl.Int64, **{c: SCHEMA[c] for c in cols}},
    )
    f = fac.join(keyed, on=["rule_id", "rule2_id"], how="left", nulls_equal=True).select(
        "cell_id", pl.lit("factor").alias("kind"), pl.col("gas").alias("item"), "factor_year", *cols
    )
    out.append(f)

    used_conv = []
    for q, pow_col, rule_col in (("ncv", "ncv_pow", "ncv_rule"), ("density", "dens_pow", "density_rule")):
        used = detail.filter(pl.col(pow_col) != 0).select("cell_id", pl.col(rule_col).alias("rule_id")).unique()
        if used.height:
            used_conv.append(used.with_columns(pl.lit(q).alias("item")))
    if used_conv:
        uc = pl.concat(used_conv)
        conv_rows = res.conversions.select("cell_id", pl.col("quantity").alias("item"), "factor_year")
        uc = uc.join(conv_rows, on=["cell_id", "item"], how="left")
        meta = pl.DataFrame(
            [
                {"rule_id": i, "factor_set": rules[i].set_name, "value": rules[i].value, "unit": rules[i].unit,
                 "status": rules[i].status, "source": rules[i].source, "source_locator": rules[i].source_locator, "rule": _ref(rules[i])}
                for i in uc["rule_id"].unique().to_list()
            ],
            schema={"rule_id": pl.Int64, **{c: SCHEMA[c] for c in cols}},
        )
        out.append(uc.join(meta, on="rule_id").select("cell_id", pl.lit("conversion").alias("kind"), "item", "factor_year", *cols))
    allrows = pl.concat([o.cast({"factor_year": pl.Int32}) for o in out])
    # cells are numbered in (year, region, sector, activity) order: sort on the number, not the strings
    allrows = sort_stable(allrows, ["cell_id", "kind", "item"])
    return (
        allrows.join(cells, on="cell_id", how="left", maintain_order="left")
        .with_columns(pl.col("factor_set").replace_strict(versions, return_dtype=pl.String).alias("set_version"))
        .select(list(SCHEMA))
        .cast(SCHEMA)
    )
