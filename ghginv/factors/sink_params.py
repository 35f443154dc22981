"""Sink parameters: ``sink_parameters.csv`` of a factor set — checking and resolution.

Columns: ``stratum, region, year_from, year_to, parameter, value, unit, source, source_locator,
status`` (optional ``notes``). ``stratum`` is an exact stratum code (``cunninghamia``,
``urban_trees``) or ``*``; ``region`` and the years follow the emission-factor rules. The
parameters, their units and meaning (2006 IPCC GL Vol 4; 2013 Wetlands Supplement):

=====================  =========================  =============================================
parameter              unit                       meaning
=====================  =========================  =============================================
bcef_i, bcef_s, bcef_r t d.m./m^3                 biomass conversion and expansion factor for
                                                  increment, growing stock, removals (Table 4.5)
wood_density           t d.m./m^3                 basic wood density (with ``bef``: BCEF = D × BEF)
bef                    ratio                      biomass expansion factor (AGB / stem biomass)
root_shoot             ratio                      R, below- to above-ground biomass (Table 4.4)
carbon_fraction        t C/t d.m.                 CF (Table 4.3)
crw                    t C/ha/yr                  urban-tree crown-cover growth rate (Eq 8.2)
soc_ref                t C/ha                     reference soil organic C stock, 0–30 cm (Tab 2.3)
f_lu, f_mg, f_i        ratio                      stock-change factors: land use, management,
                                                  input (Table 5.5 / 6.2)
soc_transition         yr                         D, default transition period of Eq 2.25
wetland_co2_c          t CO2-C/ha/yr              on-site CO2 of rewetted organic soil (WS13 Ch 3)
wetland_doc_c          t CO2-C/ha/yr              CO2 from dissolved organic carbon (WS13 Ch 3)
wetland_ch4_c          kg CH4-C/ha/yr             CH4 of rewetted organic soil (WS13 Ch 3)
=====================  =========================  =============================================

Status: ``V``, ``V2``, ``S``, ``D`` as everywhere; ``X`` (synthetic demo value, not a factor) is
accepted only in a set whose manifest says ``synthetic = true``; ``R`` is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from ..core.errors import AmbiguousFactorError, MissingFactorError, Problem
from ._patterns import (
    EXACT,
    STATUSES,
    Provenance,
    RegionPattern,
    check_provenance,
    check_region,
    check_year_overlaps,
    parse_value,
    parse_years,
    pick_across_sets,
)
from ._precedence import sink_rows

__all__ = ["SINK_COLUMNS", "PARAMETERS", "SinkRule", "read_sink_rows", "check_sink_overlaps", "resolve_sink_parameters", "SYNTHETIC_STATUS"]

SINK_COLUMNS = ["stratum", "region", "year_from", "year_to", "parameter", "value", "unit", "source", "source_locator", "status"]
SYNTHETIC_STATUS = "X"
_TDM = {"t d.m./m^3": 1.0, "t/m^3": 1.0, "g/cm^3": 1.0}
_RATIO = {"ratio": 1.0, "1": 1.0, "fraction": 1.0}
# parameter -> (accepted units -> scale to the base unit, negative values allowed?)
PARAMETERS: dict[str, tuple[dict[str, float], bool]] = {
    "bcef_i": (_TDM, False),
    "bcef_s": (_TDM, False),
    "bcef_r": (_TDM, False),
    "wood_density": (_TDM, False),
    "bef": (_RATIO, False),
    "root_shoot": (_RATIO, False),
    "carbon_fraction": ({"t C/t d.m.": 1.0, "fraction": 1.0, "%": 0.01}, False),
    "crw": ({"t C/ha/yr": 1.0}, False),
    "soc_ref": ({"t C/ha": 1.0}, False),
    "f_lu": (_RATIO, False),
    "f_mg": (_RATIO, False),
    "f_i": (_RATIO, False),
    "soc_transition": ({"yr": 1.0}, False),
    "wetland_co2_c": ({"t CO2-C/ha/yr": 1.0}, True),
    "wetland_doc_c": ({"t CO2-C/ha/yr": 1.0}, True),
    "wetland_ch4_c": ({"kg CH4-C/ha/yr": 0.001, "t CH4-C/ha/yr": 1.0}, True),
}
BASE_UNITS = {
    "bcef_i": "t d.m./m^3", "bcef_s": "t d.m./m^3", "bcef_r": "t d.m./m^3", "wood_density": "t d.m./m^3",
    "bef": "ratio", "root_shoot": "ratio", "carbon_fraction": "t C/t d.m.", "crw": "t C/ha/yr",
    "soc_ref": "t C/ha", "f_lu": "ratio", "f_mg": "ratio", "f_i": "ratio", "soc_transition": "yr",
    "wetland_co2_c": "t CO2-C/ha/yr", "wetland_doc_c": "t CO2-C/ha/yr", "wetland_ch4_c": "t CH4-C/ha/yr",
}
_STRATUM_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


@dataclass(frozen=True)
class SinkRule(RegionPattern, Provenance):
    """One row of ``sink_parameters.csv``, checked; ``value_norm`` is in the base unit."""

    stratum: str
    region: str
    year_from: int
    year_to: int
    parameter: str
    value: float
    unit: str
    value_norm: float

    @property
    def stratum_spec(self) -> int:
        return 0 if self.stratum == "*" else EXACT


def read_sink_rows(set_name: str, path: Path, rows: list[tuple[int, dict]], synthetic: bool, problems: list[Problem]) -> list[SinkRule]:
    """Check the rows of one ``sink_parameters.csv``; append problems, return the good rules.

    Parameters
    ----------
    set_name : str
        Name of the factor set (recorded in each rule).
    path : pathlib.Path
        The file, for problem messages and provenance.
    rows : list of tuple of (int, dict)
        ``(line number, row)`` per data row, the row as column -> text.
    synthetic : bool
        The set's manifest says ``synthetic = true``: status ``X`` is accepted.
    problems : list of Problem
        Receives one problem per bad cell (file, line, column, value).

    Returns
    -------
    list of SinkRule
        The rows without problems, ``value_norm`` in the parameter's base unit
        (:data:`BASE_UNITS`, e.g. t d.m./m^3, t C/ha, t CH4-C/ha/yr).

    References
    ----------
    2006 IPCC GL Vol 4 (Tables 4.3–4.5, Eq 2.25, Eq 8.2); 2013 Wetlands Supplement Ch 3.
    """
    out = []
    for line, row in rows:
        before = len(problems)

        def bad(msg, col=None, value=None, hint=None):
            problems.append(Problem(msg, file=str(path), line=line, column=col, value=value, hint=hint))

        stratum = row["stratum"]
        if stratum != "*" and not _STRATUM_RE.match(stratum):
            bad("stratum must be a lower-case snake_case code or '*'", "stratum", stratum)
        region = row["region"]
        check_region(region, bad)
        y0, y1 = parse_years(row, bad)
        param = row["parameter"]
        spec = PARAMETERS.get(param)
        if spec is None:
            bad(f"unknown sink parameter; use one of {', '.join(PARAMETERS)}", "parameter", param)
        value = parse_value(row, bad, negative_ok=bool(spec and spec[1]))
        scale = 1.0
        if spec is not None:
            if row["unit"] not in spec[0]:
                bad(f"unit does not fit parameter {param}; use {' or '.join(repr(u) for u in spec[0])}", "unit", row["unit"])
            else:
                scale = spec[0][row["unit"]]
        check_provenance(row, bad, STATUSES, SYNTHETIC_STATUS, synthetic)
        status = row["status"]
        if param == "carbon_fraction" and len(problems) == before and not 0 < value * scale <= 1:
            bad("carbon_fraction must lie in (0, 1]", "value", row["value"])
        if len(problems) == before:
            out.append(
                SinkRule(
                    set_name=set_name, stratum=stratum, region=region, year_from=y0, year_to=y1, parameter=param,
                    value=value, unit=row["unit"], value_norm=value * scale, file=str(path), line=line,
                    source=row["source"], source_locator=row["source_locator"], status=status, notes=row.get("notes", ""),
                )
            )
    return out


def check_sink_overlaps(set_name: str, rules: list[SinkRule]) -> None:
    """Two rows with the same stratum, region and parameter whose years overlap always tie.

    Parameters
    ----------
    set_name : str
        Name of the factor set, for the message.
    rules : list of SinkRule
        The set's checked sink rules.

    Raises
    ------
    DuplicateRuleError
        Listing every pair of rows that tie.
    """
    check_year_overlaps(set_name, rules, lambda r: (r.stratum, r.region, r.parameter), "sink parameter", "sink parameters")


def _duckdb_rows(cells: pa.Table, rules_tbl: pa.Table, fallback: bool) -> pl.DataFrame:
    """The sink precedence SQL (``resolve_sinks.sql``) in DuckDB."""
    from ._duck import precedence_rows

    return precedence_rows("resolve_sinks.sql", cells, rules_tbl, fallback)


def resolve_sink_parameters(cells: pl.DataFrame, needs: pl.DataFrame, sets: list, year_fallback: str = "none") -> tuple[pl.DataFrame, list[SinkRule]]:
    """Resolve parameters for stratum cells.

    A need ``bcef_x`` is met by a ``bcef_x`` row or, failing that in the same set, by
    ``wood_density`` × ``bef`` (China's guideline form) when that pair is more specific (stratum,
    then region) than the set's ``bcef_x`` row. Across sets, parameter by parameter, the rule of
    :func:`ghginv.factors.resolve.pick_across_sets`: a parameter for the cell's own year in any
    set beats one from another year; among other years the nearest, then the run's set order.
    Inside a set: the nearest year, then the most specific stratum (exact > ``*``), then the
    most specific region (exact > longer prefix > ``*``).

    Parameters
    ----------
    cells : polars.DataFrame
        Stratum cells: ``cell_id``, ``year``, ``region``, ``stratum``.
    needs : polars.DataFrame
        ``cell_id``, ``parameter``: the parameters each cell needs.
    sets : list of FactorSet
        The run's factor sets in precedence order (their ``sink_rules``).
    year_fallback : {"none", "nearest"}, default "none"
        Outside a row's years, no parameter, or the nearest year's row.

    Returns
    -------
    resolved : polars.DataFrame
        One row per need: ``cell_id``, ``parameter``, ``set_rank``, ``factor_year``,
        ``rule_id``, ``rule2_id`` (the ``bef`` row of a wood_density × bef pair, else null) and
        ``value`` in the parameter's base unit (:data:`BASE_UNITS`).
    rules : list of SinkRule
        The global rule list the ids index.

    Raises
    ------
    AmbiguousFactorError
        When two rows tie after the precedence rules.
    MissingFactorError
        Listing every missing parameter.

    References
    ----------
    2006 IPCC GL Vol 4 (BCEF, Table 4.5); China's guideline form BCEF = D × BEF.
    """
    rules: list[SinkRule] = []
    ranks: list[int] = []
    for rank, fs in enumerate(sets):
        rules.extend(fs.sink_rules)
        ranks.extend([rank] * len(fs.sink_rules))
    bcef_needed = needs.filter(pl.col("parameter").str.starts_with("bcef_"))
    extra = pl.concat(
        [bcef_needed.with_columns(pl.lit(p).alias("parameter")) for p in ("wood_density", "bef")]
    ).unique() if bcef_needed.height else needs.clear()
    asked = pl.concat([needs, extra]).unique().join(cells, on="cell_id")
    rules_tbl = pa.table(
        {
            "rule_id": pa.array(np.arange(len(rules), dtype=np.int64)),
            "set_rank": pa.array(ranks, pa.int32()),
            "parameter": pa.array([r.parameter for r in rules], pa.string()),
            "stratum": pa.array([r.stratum for r in rules], pa.string()),
            "stratum_spec": pa.array([r.stratum_spec for r in rules], pa.int32()),
            "region_prefix": pa.array([r.region_prefix for r in rules], pa.string()),
            "region_spec": pa.array([r.region_spec for r in rules], pa.int32()),
            "year_from": pa.array([r.year_from for r in rules], pa.int32()),
            "year_to": pa.array([r.year_to for r in rules], pa.int32()),
        }
    )
    cells_tbl = asked.select("cell_id", "year", "region", "stratum", "parameter").to_arrow()
    res = sink_rows(cells_tbl, rules_tbl, year_fallback == "nearest")  # a small input without DuckDB: the same rows
    if res is None:
        res = _duckdb_rows(cells_tbl, rules_tbl, year_fallback == "nearest")
    schema = {"cell_id": pl.Int64, "parameter": pl.String, "set_rank": pl.Int32, "factor_year": pl.Int32,
              "distance": pl.Int32, "rule_id": pl.Int64, "other_rule_id": pl.Int64, "n_tied": pl.Int64}
    res = res.cast(schema) if res.height else pl.DataFrame(schema=schema)

    def label(cid: int) -> str:
        c = cells.filter(pl.col("cell_id") == cid).row(0, named=True)
        return f"(year {c['year']}, region {c['region']}, stratum {c['stratum']})"

    ties = res.filter(pl.col("n_tied") > 1)
    if ties.height:
        raise AmbiguousFactorError(
            "sink parameter rules tie after the precedence rules",
            [Problem(f"{rules[r['rule_id']].where()} and {rules[r['other_rule_id']].where()} tie for {r['parameter']} in {label(r['cell_id'])}",
                     hint="make one rule more specific (stratum or region) or their years disjoint")
             for r in ties.head(200).iter_rows(named=True)],
        )
    direct = res.filter(~pl.col("parameter").is_in(["wood_density", "bef"])).with_columns(pl.lit(None, pl.Int64).alias("rule2_id"))
    wd = res.filter(pl.col("parameter") == "wood_density").select("cell_id", "set_rank", "factor_year", "distance", "rule_id")
    bef = res.filter(pl.col("parameter") == "bef").select("cell_id", "set_rank", pl.col("distance").alias("d2"), pl.col("rule_id").alias("rule2_id"))
    pair = wd.join(bef, on=["cell_id", "set_rank"], how="inner").with_columns(pl.max_horizontal("distance", "d2").alias("distance")).drop("d2")
    derived = []
    for p in ("bcef_i", "bcef_s", "bcef_r"):
        want = bcef_needed.filter(pl.col("parameter") == p).select("cell_id")
        if want.height:
            derived.append(pair.join(want, on="cell_id").with_columns(pl.lit(p).alias("parameter")))
    cand = direct.select("cell_id", "parameter", "set_rank", "factor_year", "distance", "rule_id", "rule2_id")
    if derived:
        # in one set, a direct bcef_x row beats wood_density × bef (rank 0 before 1)
        d = pl.concat(derived).select(cand.columns)
        cand = pl.concat([cand.with_columns(pl.lit(0).alias("_form")), d.cast(cand.schema).with_columns(pl.lit(1).alias("_form"))])
    else:
        cand = cand.with_columns(pl.lit(0).alias("_form"))
    # then, inside a set, the more specific row (stratum, then region) — a stratum's own
    # wood_density × bef beats a generic '*' bcef_x row; on a tie the direct row wins
    sspec = np.array([r.stratum_spec for r in rules] + [0], dtype=np.int64)
    rspec = np.array([r.region_spec for r in rules] + [0], dtype=np.int64)
    rid_all = cand["rule_id"].fill_null(len(rules)).to_numpy()
    cand = cand.with_columns(pl.Series("_ss", -sspec[rid_all]), pl.Series("_rs", -rspec[rid_all]))
    chosen = pick_across_sets(cand, ["cell_id", "parameter"], then=("_ss", "_rs", "_form")).drop("_form", "distance", "_ss", "_rs")
    got = needs.join(chosen, on=["cell_id", "parameter"], how="left")
    missing = got.filter(pl.col("rule_id").is_null())
    if missing.height:
        m = missing.join(cells, on="cell_id").group_by("stratum", "region", "parameter").agg(pl.col("year").unique().sort())
        problems = [
            Problem(
                f"no {r['parameter']} for stratum {r['stratum']!r}, region {r['region']}, year{'s' if len(r['year']) > 1 else ''} "
                f"{', '.join(str(y) for y in r['year'])}"
                + (" (nor wood_density and bef)" if r["parameter"].startswith("bcef_") else "")
            )
            for r in m.sort("stratum", "region", "parameter").iter_rows(named=True)
        ]
        raise MissingFactorError(
            f"no factor set of the run ({', '.join(s.name for s in sets)}) has these sink parameters; "
            "add a sink_parameters.csv row for the stratum (or '*') to a set of the run",
            problems,
        )
    norm = np.array([r.value_norm for r in rules] + [np.nan], dtype=np.float64)
    rid = got["rule_id"].to_numpy()
    rid2 = got["rule2_id"].fill_null(-1).to_numpy()
    value = norm[rid] * np.where(rid2 >= 0, norm[rid2], 1.0)
    return got.with_columns(pl.Series("value", value, dtype=pl.Float64)), rules
