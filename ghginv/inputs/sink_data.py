"""Sink data: load and validate the long-format carbon-sink input (CSV or Parquet).

Columns ``year, region, category, stratum, variable, value, unit`` and optional ``entity_id``
(sub-compartment, 小班), headed in English or Chinese (年份, 地区, 类别, 层, 变量, 数值, 单位, 小班号 …;
:data:`ghginv.core.columns.TABLES`); units may be written in Chinese (公顷, 亩, 立方米, 万立方米,
立方米/公顷; :mod:`ghginv.core.units`). Every problem is collected — grouped by file, column and kind, with the
first rows (1-based data rows within the file) and the first offending value — and raised
together as one :class:`~ghginv.core.errors.ValidationError`, as for activity data.

Variables and units (values are finite and ≥ 0; signs come from the methods):

=====================  ============================  ============================================
variable               unit                          meaning
=====================  ============================  ============================================
area                   area (ha, m^2, km^2, mu …)    stratum / sub-compartment area
volume_increment       m^3 (whole stratum) or m^3/ha annual increment of growing stock
stock_volume           m^3 or m^3/ha                 growing stock standing at the end of the year
harvest                m^3 or m^3/ha                 commercial roundwood removed in the year
fuelwood               m^3 or m^3/ha                 fuelwood removed in the year
disturbance_volume     m^3 or m^3/ha                 growing stock lost to disturbance in the year
crown_cover            area                          urban-tree crown cover (Eq 8.2)
soc_area               area                          mineral-soil area of a soil stratum (Eq 2.25)
wetland_area           area                          rewetted organic-soil area (WS13 Ch 3)
=====================  ============================  ============================================

A per-hectare volume (``m^3/ha``) is multiplied by the ``area`` row of the same year, region,
category, stratum and entity.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from ..core import _fs, categories
from ..core._frames import sum_by
from ..core.columns import missing_columns_error, resolve_columns
from ..core.errors import InputFileError, Problem, UnitError, ValidationError
from ..core.units import parse_ratio, parse_unit

__all__ = ["VARIABLES", "REQUIRED", "load_sink_data", "VOLUME_VARIABLES", "AREA_VARIABLES"]

REQUIRED = ("year", "region", "category", "stratum", "variable", "value", "unit")
VOLUME_VARIABLES = ("volume_increment", "stock_volume", "harvest", "fuelwood", "disturbance_volume")
AREA_VARIABLES = ("area", "crown_cover", "soc_area", "wetland_area")
VARIABLES = AREA_VARIABLES[:1] + VOLUME_VARIABLES + AREA_VARIABLES[1:]
MAX_ROWS_SHOWN = 5


def _files(paths) -> list[Path | _fs.Remote]:
    """The files behind ``paths``: local paths or URLs (:mod:`ghginv.core._fs`), files or folders."""
    out, problems = [], []
    for given in paths:
        given = _fs.input_file(given)
        what = _fs.kind(given)
        if what == "file":
            out.append(given)
        elif what == "dir":
            found = _folder(given)
            if not found:
                problems.append(Problem("folder holds no sink data files (*.csv, *.parquet)", file=str(given)))
            out.extend(found)
        else:
            problems.append(Problem("sink data path does not exist", file=str(given)))
    if problems:
        raise InputFileError("sink data not found", problems)
    return out


def _folder(folder: Path | _fs.Remote) -> list[Path | _fs.Remote]:
    """CSV and Parquet files below ``folder``, sorted by path (a URL's as a local folder's)."""
    if isinstance(folder, _fs.Remote):
        files = [(tuple(r.path.split("/")), r) for r, _ in _fs.walk(folder)]
    else:
        files = [((p := Path(r) / n).parts, p) for r, _, ns in os.walk(folder) for n in ns]
    return [f for _, f in sorted(files, key=lambda t: t[0])
            if f.name.lower().endswith((".csv", ".parquet")) and not f.name.startswith((".", "_"))]


def _read(path: Path | _fs.Remote) -> pl.DataFrame:
    csv = path.name.lower().endswith(".csv")
    df = _fs.read_table(path, "sink data", parquet=not csv, infer_schema=False, encoding="utf8")
    if df.height == 0:
        raise InputFileError(f"{path}: sink data file has no rows")
    res = resolve_columns(df.columns, "sinks", str(path))  # English or Chinese headers (ghginv.core.columns)
    df = df.rename({h: c for h, c in res.rename.items() if h != c})
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise missing_columns_error(str(path), "sinks", missing, res)
    def text(c: str) -> pl.Expr:  # strip blanks only where some distinct value has them (cheap on codes)
        col = pl.col(c).cast(pl.String)
        u = df.get_column(c).cast(pl.String).unique()
        return (col.str.strip_chars() if (u.str.strip_chars() != u).any() else col).alias(c)

    cols = [text(c) for c in ("region", "category", "stratum", "variable", "unit")]
    ent = pl.col("entity_id").cast(pl.String) if "entity_id" in df.columns else pl.lit(None, pl.String)
    def raw(c: str) -> pl.Expr:  # text as given (numeric columns: null, the number itself is shown)
        return pl.col(c).cast(pl.String).str.strip_chars() if df.schema[c] == pl.String else pl.lit(None, pl.String)

    def empty(c: str) -> pl.Expr:
        return (pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")) if df.schema[c] == pl.String else pl.col(c).is_null()

    return df.select(
        raw("year").alias("year_raw"), empty("year").alias("year_empty"),
        pl.col("year").cast(pl.Int64, strict=False).alias("year"),
        raw("value").alias("value_raw"), empty("value").alias("value_empty"),
        pl.col("value").cast(pl.Float64, strict=False).alias("value"),
        *cols, ent.alias("entity_id"),
    ).with_row_index("row", offset=1).with_columns(pl.lit(str(path)).alias("file"))


def _unit_info(unit: str | None, variable: str) -> tuple[float, bool] | str:
    """(scale to ha or m^3, per-hectare?) or the message why the unit does not fit."""
    if unit is None or not unit:
        return "unit is empty"
    try:
        if variable in VOLUME_VARIABLES:
            if "/" in unit:
                r = parse_ratio(unit)
                if r.numerator.dimension == "volume" and r.denominator.dimension == "area":
                    return (r.scale, True)
            elif parse_unit(unit).dimension == "volume":
                return (parse_unit(unit).scale, False)
            return f"unit {unit!r} does not fit {variable}: use a volume (m^3, 10^4 m^3) or a volume per area (m^3/ha)"
        if "/" not in unit and parse_unit(unit).dimension == "area":
            return (parse_unit(unit).scale, False)
        return f"unit {unit!r} does not fit {variable}: use an area (ha, m^2, km^2, mu)"
    except UnitError as e:
        return e.summary


def load_sink_data(paths, regions: tuple[str, ...] | None = None) -> tuple[pl.DataFrame, list[dict]]:
    """Read and check every sink data file; return the records and the input-file list.

    Parameters
    ----------
    paths : iterable of (str or pathlib.Path)
        CSV or Parquet files, folders (searched recursively for ``*.csv`` and ``*.parquet``) or
        URLs on shared storage.
    regions : tuple of str, optional
        The allowed region codes (``[inventory] regions``); default: any.

    Returns
    -------
    records : polars.DataFrame
        file, row (1-based data row), year (Int32), region, category, stratum, variable,
        entity_id, value in base units ([ha] for areas, [m^3] for volumes; per-hectare volumes
        multiplied by the area of the same year, region, category, stratum and entity).
    inputs : list of dict
        Per file, its manifest entry: ``path``, ``sha256``, ``bytes``, ``kind`` = ``"sinks"``.

    Raises
    ------
    InputFileError
        For a path that does not exist, a folder without data files, or a file without rows.
    SchemaError
        For a file missing a required column.
    ValidationError
        Listing every problem of the rows (year, region, category, variable, value, unit, a
        per-hectare volume without an area row), grouped by file, column and kind.
    """
    files = _files(paths)
    frames = [_read(f) for f in files]
    df = pl.concat(frames, how="vertical_relaxed")
    issues: dict[tuple, list] = {}

    pending: list[tuple] = []

    def add(mask: pl.Expr, column: str, message: str | pl.Expr, hint: str | None = None, show: str | None = None):
        pending.append((mask, column, message, hint, show))

    def flush():
        """Evaluate every pending check in one pass; collect rows only for the failing ones."""
        hits = df.select([m.fill_null(False).any().alias(f"m{i}") for i, (m, *_) in enumerate(pending)]).row(0) if pending else ()
        for hit, spec in zip(hits, list(pending)):
            if hit:
                record(*spec)
        pending.clear()

    def record(mask: pl.Expr, column: str, message: str | pl.Expr, hint: str | None, show: str | None):
        bad = df.filter(mask)
        msg_col = message if isinstance(message, pl.Expr) else pl.lit(message)
        bad = bad.with_columns(msg_col.alias("_msg"))
        for (file, msg), g in bad.group_by("file", "_msg", maintain_order=True):
            key = (file, column, msg)
            first = g[show][0] if show else None
            if first is None and show in ("year_raw", "value_raw"):  # numeric input column: show the number
                first = g[show.removesuffix("_raw")][0]
            issues.setdefault(key, [hint, first, 0, []])
            it = issues[key]
            it[2] += g.height
            it[3].extend(g["row"].head(MAX_ROWS_SHOWN).to_list())

    hint_year = "give the inventory year as an integer such as 2022"
    add(pl.col("year_empty"), "year", "year is empty", hint_year)
    add(~pl.col("year_empty") & (pl.col("year").is_null() | (pl.col("year") < 1900) | (pl.col("year") > 2155)),
        "year", "implausible year (expected an integer 1900–2155)", hint_year, "year_raw")
    for col in ("region", "stratum"):
        add(pl.col(col).is_null() | (pl.col(col) == ""), col, f"{col} is empty")
    if regions is not None:
        add(pl.col("region").is_not_null() & (pl.col("region") != "") & ~pl.col("region").is_in(list(regions)),
            "region", "unknown region: not in [inventory] regions", None, "region")
    cats = [c for c in categories.categories() if c.startswith("3.B.")]
    add(~pl.col("category").is_in(cats) | pl.col("category").is_null(), "category",
        "category is not an IPCC 2006 land category (3.B.x.y)", "use e.g. 3.B.1.a (forest land remaining forest land), 3.B.4.a, 3.B.5.a", "category")
    add(~pl.col("variable").is_in(list(VARIABLES)) | pl.col("variable").is_null(), "variable",
        "unknown variable", f"use one of {', '.join(VARIABLES)}", "variable")
    add(pl.col("value_empty"), "value", "value is empty", "give a finite number ≥ 0")
    notnum = ~pl.col("value_empty") & pl.col("value").is_null()
    add(notnum, "value", "value is not a number", None, "value_raw")
    add(pl.col("value").is_nan() | pl.col("value").is_infinite(), "value", "value is not finite", "give a finite number ≥ 0", "value_raw")
    add(pl.col("value") < 0, "value",
        pl.when(pl.col("variable").is_in(list(AREA_VARIABLES))).then(pl.lit("negative area")).otherwise(pl.lit("negative value")),
        "sink data are ≥ 0; removals and signs come from the methods, not the data", "value")

    flush()
    # units: once per distinct (unit, variable)
    pairs = df.filter(pl.col("variable").is_in(list(VARIABLES))).select("unit", "variable").unique()
    info = {(u, v): _unit_info(u, v) for u, v in pairs.iter_rows()}
    bad_units = [(u, v, m) for (u, v), m in info.items() if isinstance(m, str)]
    for u, v, m in bad_units:
        mask = (pl.col("variable") == v) & (pl.col("unit").is_null() if u is None else pl.col("unit") == u)
        add(mask, "unit", m, "see the README section 'Sink data' for the units of each variable")
    flush()
    if issues:
        raise ValidationError("sink data break the data contract; nothing was computed", _problems(issues))

    ok = pl.DataFrame(
        [{"unit": u, "variable": v, "scale": m[0], "per_ha": m[1]} for (u, v), m in info.items()],
        schema={"unit": pl.String, "variable": pl.String, "scale": pl.Float64, "per_ha": pl.Boolean},
    )
    df = df.join(ok, on=["unit", "variable"], how="left", maintain_order="left").with_columns(
        pl.col("year").cast(pl.Int32), (pl.col("value") * pl.col("scale")).alias("value")
    )
    keys = ["year", "region", "category", "stratum", "entity_id"]
    per_ha = df.filter(pl.col("per_ha"))
    if per_ha.height:
        area = sum_by(df.filter(pl.col("variable") == "area"), keys, [pl.col("value").alias("_area")])  # the same bits every call
        per_ha = per_ha.join(area, on=keys, how="left", nulls_equal=True)
        lacking = per_ha.filter(pl.col("_area").is_null())
        if lacking.height:
            df = lacking
            add(pl.lit(True), "unit", "per-hectare value has no area row for the same year, region, category, stratum and entity",
                "add a variable = area row, or give the volume for the whole stratum (m^3)", "unit")
            flush()
            raise ValidationError("sink data break the data contract; nothing was computed", _problems(issues))
        per_ha = per_ha.with_columns((pl.col("value") * pl.col("_area")).alias("value")).drop("_area")
        df = pl.concat([df.filter(~pl.col("per_ha")), per_ha]).sort("file", "row")
    records = df.select("file", "row", "year", "region", "category", "stratum", "variable", "entity_id", "value")
    inputs = [{**_fs.record(f), "kind": "sinks"} for f in files]
    return records, inputs


def _problems(issues: dict) -> list[Problem]:
    out = []
    for (file, column, msg), (hint, first, count, rows) in issues.items():
        shown = ", ".join(str(r) for r in rows[:MAX_ROWS_SHOWN])
        more = f" and {count - min(len(rows), MAX_ROWS_SHOWN)} more" if count > min(len(rows), MAX_ROWS_SHOWN) else ""
        fv = f" (first value: {first!r})" if first is not None else ""
        out.append(Problem(f"{msg}{fv} — row{'s' if count > 1 else ''} {shown}{more}", file=file, column=column, hint=hint))
    return out
