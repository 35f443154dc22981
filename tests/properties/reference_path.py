"""An independent reference implementation of the emissions arithmetic, in plain DuckDB SQL.

Written from the specification (docs/factor-set-format.md, design §3–4) without calling any
ghginv code or SQL. It covers direct-form emission factors and NCV conversions (mass or volume
activity -> energy-denominated factor, and energy activity -> mass/volume-denominated factor), across several sets in run order:

* a rule matches a cell when the cell's year lies in [year_from, year_to] (empty = open), its
  sector equals the rule's exact code, or lies at/below a 'P.*' prefix, or the rule says '*', and
  likewise its region (exact, 'P*' string prefix, '*');
* within a set, per (cell, gas): the most specific sector wins (exact > deeper prefix > '*'),
  then the most specific region (exact > longer prefix > '*');
* across sets, per (cell, gas): the first set (in run order) with a match wins;
* NCVs resolve the same way (by region and year; conversions have no sector), across all sets;
* emissions_t = amount × unit scale × [NCV if the factor is per energy and the activity is per
  mass or volume; 1/NCV if the activity is energy and the factor per mass or volume]
  × factor value × numerator scale / denominator scale, summed per (year, region, sector,
  activity, gas).

Unit scales are tabulated here by hand (base units t, m^3, GJ).
"""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa

# unit -> (dimension, value of one unit in t, m^3 or GJ); written out independently of ghginv.core.units
UNITS: dict[str, tuple[str, float]] = {
    "g": ("mass", 1e-6),
    "kg": ("mass", 1e-3),
    "t": ("mass", 1.0),
    "kt": ("mass", 1e3),
    "Gg": ("mass", 1e3),
    "Mt": ("mass", 1e6),
    "10^4 t": ("mass", 1e4),
    "L": ("volume", 1e-3),
    "m^3": ("volume", 1.0),
    "Nm^3": ("volume", 1.0),
    "10^4 m^3": ("volume", 1e4),
    "10^8 m^3": ("volume", 1e8),
    "kJ": ("energy", 1e-6),
    "MJ": ("energy", 1e-3),
    "GJ": ("energy", 1.0),
    "TJ": ("energy", 1e3),
    "kWh": ("energy", 3.6e-3),
    "MWh": ("energy", 3.6),
    "10^4 kWh": ("energy", 36.0),
    "10^8 kWh": ("energy", 3.6e5),
    "tce": ("energy", 29.3076),
}

SQL = r"""
WITH
act AS (
    SELECT a.year, a.region, a.sector, a.activity, a.amount * u.scale AS amt, u.dim AS act_dim
    FROM activity a JOIN units u ON u.unit = a.unit
),
cells AS (SELECT DISTINCT year, region, sector, activity FROM act),
efr AS (
    SELECT e.set_rank, e.activity, e.sector, e.region, e.gas,
           CASE WHEN e.year_from = '' THEN -1 ELSE CAST(e.year_from AS INTEGER) END AS y0,
           CASE WHEN e.year_to = '' THEN 100000 ELSE CAST(e.year_to AS INTEGER) END AS y1,
           CAST(e.value AS DOUBLE) * un.scale / ud.scale AS f,   -- t gas per base unit of denominator
           ud.dim AS f_dim,
           CASE WHEN e.sector = '*' THEN 0
                WHEN e.sector LIKE '%.*' THEN length(e.sector) - length(replace(e.sector, '.', ''))
                ELSE 1000 END AS s_spec,
           CASE WHEN e.region = '*' THEN 0
                WHEN e.region LIKE '%*' THEN length(e.region) - 1
                ELSE 1000 END AS r_spec
    FROM ef e
    JOIN units un ON un.unit = split_part(e.unit, '/', 1)
    JOIN units ud ON ud.unit = split_part(e.unit, '/', 2)
),
ef_match AS (
    SELECT c.year, c.region, c.sector, c.activity, r.*
    FROM cells c JOIN efr r
      ON r.activity = c.activity
     AND c.year BETWEEN r.y0 AND r.y1
     AND (r.sector = '*'
          OR (r.s_spec = 1000 AND c.sector = r.sector)
          OR (r.s_spec BETWEEN 1 AND 999
              AND (c.sector = left(r.sector, length(r.sector) - 2)
                   OR c.sector LIKE left(r.sector, length(r.sector) - 2) || '.%')))
     AND (r.region = '*'
          OR (r.r_spec = 1000 AND c.region = r.region)
          OR (r.r_spec BETWEEN 1 AND 999 AND c.region LIKE left(r.region, length(r.region) - 1) || '%'))
),
ef_in_set AS (
    SELECT *, row_number() OVER w AS rn, count(*) OVER (PARTITION BY year, region, sector, activity, gas, set_rank, s_spec, r_spec) AS n_same
    FROM ef_match
    WINDOW w AS (PARTITION BY year, region, sector, activity, gas, set_rank ORDER BY s_spec DESC, r_spec DESC)
),
ef_best AS (
    SELECT *, row_number() OVER (PARTITION BY year, region, sector, activity, gas ORDER BY set_rank) AS rn2
    FROM ef_in_set WHERE rn = 1
),
ncvr AS (
    SELECT c.set_rank, c.activity, c.region,
           CASE WHEN c.year_from = '' THEN -1 ELSE CAST(c.year_from AS INTEGER) END AS y0,
           CASE WHEN c.year_to = '' THEN 100000 ELSE CAST(c.year_to AS INTEGER) END AS y1,
           CAST(c.value AS DOUBLE) * un.scale / ud.scale AS ncv,  -- GJ per t or per m^3
           ud.dim AS ncv_dim,
           CASE WHEN c.region = '*' THEN 0 WHEN c.region LIKE '%*' THEN length(c.region) - 1 ELSE 1000 END AS r_spec
    FROM conv c
    JOIN units un ON un.unit = split_part(c.unit, '/', 1)
    JOIN units ud ON ud.unit = split_part(c.unit, '/', 2)
    WHERE c.quantity = 'ncv'
),
ncv_match AS (
    SELECT c.year, c.region, c.sector, c.activity, r.set_rank, r.ncv, r.ncv_dim, r.r_spec
    FROM cells c JOIN ncvr r
      ON r.activity = c.activity
     AND c.year BETWEEN r.y0 AND r.y1
     AND (r.region = '*'
          OR (r.r_spec = 1000 AND c.region = r.region)
          OR (r.r_spec BETWEEN 1 AND 999 AND c.region LIKE left(r.region, length(r.region) - 1) || '%'))
),
ncv_best AS (
    SELECT * FROM (
        SELECT *, row_number() OVER (PARTITION BY year, region, sector, activity ORDER BY set_rank, r_spec DESC) AS rn
        FROM ncv_match)
    WHERE rn = 1
),
per_row AS (
    SELECT a.year, a.region, a.sector, a.activity, f.gas, f.set_rank, f.n_same,
           a.amt * f.f * CASE
               WHEN a.act_dim = f.f_dim THEN 1.0
               WHEN f.f_dim = 'energy' AND a.act_dim = n.ncv_dim THEN n.ncv
               WHEN a.act_dim = 'energy' AND f.f_dim = n.ncv_dim THEN 1.0 / n.ncv
               ELSE NULL END AS e
    FROM act a
    JOIN ef_best f USING (year, region, sector, activity)
    LEFT JOIN ncv_best n USING (year, region, sector, activity)
    WHERE f.rn2 = 1
)
SELECT year, region, sector, activity, gas, any_value(set_rank) AS set_rank,
       max(n_same) AS n_same, sum(e) AS emissions_t, count(*) FILTER (WHERE e IS NULL) AS n_unpriced
FROM per_row
GROUP BY ALL
ORDER BY year, region, sector, activity, gas
"""


def reference_emissions(rows: list[dict], sets: list[dict]) -> pl.DataFrame:
    """Emissions per (year, region, sector, activity, gas) with the winning set's name.

    ``rows``: activity rows (year, region, sector, activity, amount, unit). ``sets``: in run order,
    each {"name", "ef": [rule dicts], "conv": [rule dicts]} with the CSV fields of
    docs/factor-set-format.md (values as numbers, years as '' or 'YYYY' strings).
    """
    ef_cols = ["set_rank", "activity", "sector", "region", "year_from", "year_to", "gas", "value", "unit"]
    conv_cols = ["set_rank", "activity", "quantity", "region", "year_from", "year_to", "value", "unit"]
    ef = [{"set_rank": i, **{k: str(e[k]) if k != "value" else repr(float(e[k])) for k in ef_cols[1:]}} for i, s in enumerate(sets) for e in s["ef"]]
    conv = [{"set_rank": i, **{k: str(c[k]) if k != "value" else repr(float(c[k])) for k in conv_cols[1:]}} for i, s in enumerate(sets) for c in s["conv"]]
    tables = {
        "activity": pa.Table.from_pylist(
            rows,
            schema=pa.schema([("year", pa.int32()), ("region", pa.string()), ("sector", pa.string()), ("activity", pa.string()), ("amount", pa.float64()),
                ("unit", pa.string())]),
        ),
        "ef": pa.Table.from_pylist(ef, schema=pa.schema([(c, pa.int32() if c == "set_rank" else pa.string()) for c in ef_cols])),
        "conv": pa.Table.from_pylist(conv, schema=pa.schema([(c, pa.int32() if c == "set_rank" else pa.string()) for c in conv_cols])),
        "units": pa.table({"unit": list(UNITS), "dim": [d for d, _ in UNITS.values()], "scale": [s for _, s in UNITS.values()]}),
    }
    con = duckdb.connect(":memory:")
    try:
        for name, t in tables.items():
            con.register(name, t)
        rel = con.sql(SQL)
        out = pl.from_arrow(rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow())
    finally:
        con.close()
    if out.height:
        if (out["n_same"] > 1).any():
            raise AssertionError("reference: two rules tie within a set (the generator made an ambiguous set)")
        if (out["n_unpriced"] > 0).any():
            raise AssertionError("reference: a row could not be converted to its factor's unit")
    names = {i: s["name"] for i, s in enumerate(sets)}
    return out.with_columns(
        pl.col("set_rank").replace_strict(names, return_dtype=pl.String).alias("factor_set"),
        pl.col("year").cast(pl.Int32),
    ).select("year", "region", "sector", "activity", "gas", "emissions_t", "factor_set")
