"""The mapping file of ``ghginv import``: how one kind of ledger becomes activity rows.

A small TOML file (documented in ``ghginv/data/demo/ledgers/README.md``)::

    [ledger]
    layout = "long"            # "long": one row per fuel; "wide": fuels as columns
    sheet = "205-1表"          # XLSX sheet (default: the first)
    header_rows = 2            # rows of the (merged) header; keys are joined with "/"
    blank = "skip"             # blank cells: "skip" (counted), "zero", or a notation key "NE"/"NO"
    tolerance = 0.001          # relative tolerance of the total checks
    end = ["单位负责人"]        # a row starting with one of these ends the table
    unknown_blank_rows = "count"   # an item row not in [activities] that holds no value: counted (default "report")

    [constants]                # fields that are the same for every row (the fallback of [cells] and [names])
    year = 2023
    region = "510105"
    sector = "1.A.2.f"

    [columns]                  # field -> column key (header text, "上/下" for two rows, or ordinal)
    item = "能源名称"
    code = "代码"
    unit = "计量单位"
    amount = "消费量/合计"
    minus = ["消费量/用于原材料"]
    coefficient = "采用折标系数"

    [activities]               # ledger name or item code -> activity code ("-": not imported)
    "原煤" = "raw_coal"
    [sectors]                  # ledger sector name -> IPCC 2006 code ("-": not imported)
    [units]                    # ledger unit text -> contract unit
    [[checks]]                 # verified, never imported: total = sum(parts) (or Σ value × coefficient)
    total = "原煤"
    parts = ["无烟煤", "炼焦烟煤", "一般烟煤", "褐煤"]
    [[checks]]                 # a form identity on every row, a warning beyond its tolerance
    column = "期末库存量"
    parts = ["期初库存量", "购进量/实物量"]
    minus = ["消费量/合计"]
    warn = true
    tolerance = 0.01

A ledger of many forms (one workbook per enterprise, or several enterprises per sheet) takes the
fields of each block (each table) from cells above it, the sheet name or the file name::

    [ledger]
    sheets = "205-1*"          # every sheet whose name matches this glob ("*": all)
    [cells]                    # field -> label(s) of a title-block cell: "统一社会信用代码：9151…" or the next cell
    entity_id = ["统一社会信用代码", "法人单位代码", "单位详细名称"]
    entity_name = "单位详细名称"
    sector = "行业代码"         # looked up in [sectors] (exact, then shorter code prefixes: 2614 → 261 → 26)
    year = "报告期"             # the first four-digit year in the cell
    [names]                    # regular expressions with named groups (year, region, sector, entity_id, entity_name)
    file = '_(?P<year>\\d{4})\\.xlsx$'
    sheet = '(?P<year>\\d{4})'

Precedence for each field: a mapped column, then [cells], then the sheet name, then the file
name, then [constants].

Nothing in the file is evaluated: values are data, never code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ...core import categories
from ...core.errors import ConfigError, Problem
from ..validate import NOTATION_KEYS
from .table import label_key, norm

__all__ = ["Mapping", "Check", "load_mapping", "SKIP", "BLOCK_FIELDS"]

SKIP = "-"
_TABLES = {
    "ledger": {"layout", "sheet", "sheets", "header_rows", "header", "blank", "tolerance", "end", "unknown_blank_rows"},
    "constants": {"year", "region", "sector", "entity_id"},
    "columns": {"item", "code", "unit", "amount", "minus", "coefficient", "label", "sector", "region", "year", "entity_id"},
    "activities": None,
    "sectors": None,
    "units": None,
    "totals": {"labels"},
    "checks": None,
    "subtract": None,
    "cells": {"year", "region", "sector", "entity_id", "entity_name"},
    "names": {"file", "sheet"},
}
FIELDS = ("year", "region", "sector", "entity_id")
BLOCK_FIELDS = ("year", "region", "sector", "entity_id", "entity_name")


@dataclass(frozen=True)
class Check:
    """``total`` row equals the sum of ``parts`` rows (or of value × ``coefficient`` over item rows);
    or, with ``column``, that column equals the sum of the ``parts`` columns on every row."""

    total: str | None = None
    parts: tuple[str, ...] = ()
    coefficient: str | None = None
    column: str | None = None
    minus: tuple[str, ...] = ()  # columns subtracted from the parts (a form identity: stock flow)
    warn: bool = False  # a failure is a warning (an error with --strict), not an error
    tolerance: float | None = None  # relative; default [ledger] tolerance


@dataclass(frozen=True)
class Mapping:
    path: Path
    layout: str = "long"
    sheet: str | None = None
    sheets: str | None = None  # glob of sheet names
    unknown_blank_rows: str = "report"  # "count": an item row not in [activities] without any value is counted, not reported
    header_rows: int = 1
    header: tuple[str, ...] = ()
    blank: str = "skip"
    tolerance: float = 1e-3
    end: tuple[str, ...] = ("单位负责人", "说明", "注:", "填表人")
    constants: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    activities: dict = field(default_factory=dict)  # label_key -> code or "-"
    sectors: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    total_labels: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    subtract: tuple[tuple[str, tuple[str, ...]], ...] = ()  # wide: (row, rows to subtract)
    cells: dict = field(default_factory=dict)  # field -> tuple of title-block labels (normalised)
    names: dict = field(default_factory=dict)  # "file" / "sheet" -> compiled pattern

    def column_list(self, key: str) -> tuple[str, ...]:
        v = self.columns.get(key)
        if v is None:
            return ()
        return (v,) if isinstance(v, str) else tuple(v)


def _str_list(v, where, problems) -> tuple[str, ...]:
    if isinstance(v, str):
        return (v,)
    if isinstance(v, list) and all(isinstance(x, (str, int)) for x in v):
        return tuple(str(x) for x in v)
    problems.append(Problem(f"{where} must be a string or a list of strings, got {v!r}"))
    return ()


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping TOML; every problem is reported at once.

    Options and defaults of ``[ledger]``: ``layout`` ``"long"`` (or ``"wide"``), ``sheet`` the
    first, ``header_rows`` 1 (1–5), ``header`` words of the header row (default: the mapped
    item/label, code and unit column names), ``blank`` ``"skip"`` (or ``"zero"``, or a notation
    key), ``tolerance`` 0.001 (relative, in [0, 1)), ``end`` ``["单位负责人", "说明", "注:",
    "填表人"]``. Tables ``[constants]``, ``[columns]``, ``[activities]``, ``[sectors]``,
    ``[units]``, ``[totals] labels``, ``[[checks]]``, ``[[subtract]]``, ``[cells]``, ``[names]``
    and ``[ledger] sheets`` as in the module docstring.

    Parameters
    ----------
    path : str or pathlib.Path
        The mapping TOML (UTF-8, a byte-order mark allowed).

    Returns
    -------
    Mapping
        The checked mapping; labels of ``[activities]`` and ``[sectors]`` keyed by
        :func:`~ghginv.inputs.importer.table.label_key`.

    Raises
    ------
    ConfigError
        For a missing file, invalid TOML, unknown tables or keys, or invalid values (every
        problem listed).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: mapping file not found")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    p: list[Problem] = []
    for k, v in doc.items():
        if k not in _TABLES:
            p.append(Problem(f"unknown table '{k}'", file=str(path), hint="known: " + ", ".join(_TABLES)))
        elif _TABLES[k] is not None:
            if not isinstance(v, dict):
                p.append(Problem(f"[{k}] must be a table", file=str(path)))
                continue
            p += [Problem(f"unknown key '{x}' in [{k}]", file=str(path), hint="known: " + ", ".join(sorted(_TABLES[k]))) for x in v if x not in _TABLES[k]]
    if p:
        raise ConfigError(f"{path}: invalid mapping file", p)
    led = doc.get("ledger", {})
    layout = led.get("layout", "long")
    if layout not in ("long", "wide"):
        p.append(Problem(f"[ledger] layout must be 'long' or 'wide', got {layout!r}", file=str(path)))
    hr = led.get("header_rows", 1)
    if not isinstance(hr, int) or isinstance(hr, bool) or not 1 <= hr <= 5:
        p.append(Problem(f"[ledger] header_rows must be an integer 1–5, got {hr!r}", file=str(path)))
        hr = 1
    blank = led.get("blank", "skip")
    if blank not in ("skip", "zero") and blank not in NOTATION_KEYS:
        p.append(Problem(f"[ledger] blank must be 'skip', 'zero' or a notation key ({', '.join(NOTATION_KEYS)}), got {blank!r}", file=str(path)))
    tol = led.get("tolerance", 1e-3)
    if not isinstance(tol, (int, float)) or isinstance(tol, bool) or not 0 <= tol < 1:
        p.append(Problem(f"[ledger] tolerance must be a number in [0, 1), got {tol!r}", file=str(path)))
        tol = 1e-3
    const = dict(doc.get("constants", {}))
    if "year" in const and (not isinstance(const["year"], int) or isinstance(const["year"], bool)):
        p.append(Problem(f"[constants] year must be an integer, got {const['year']!r}", file=str(path)))
    for k in ("region", "entity_id"):
        if k in const:
            const[k] = str(const[k])
    if "sector" in const and not categories.is_category(str(const["sector"])):
        p.append(Problem(f"[constants] sector {const['sector']!r} is not an IPCC 2006 category code", file=str(path)))
    cols = {k: v for k, v in doc.get("columns", {}).items()}
    for k, v in cols.items():
        cols[k] = _str_list(v, f"[columns] {k}", p) if k in ("amount", "minus") else norm(v)
    if layout == "long":
        need = ["amount"] + ([] if "item" in cols or "code" in cols else ["item"])
    else:
        need = ["label"]
    for k in need:
        if k not in cols:
            p.append(Problem(f"[columns] needs '{k}' for a {layout} ledger", file=str(path)))
    cells = {}
    for k, v in doc.get("cells", {}).items():
        labels = tuple(norm(x) for x in _str_list(v, f"[cells] {k}", p))
        if any(not x for x in labels):
            p.append(Problem(f"[cells] {k}: a label is empty", file=str(path)))
        cells[k] = labels
    names = {}
    for k, v in doc.get("names", {}).items():
        if not isinstance(v, str):
            p.append(Problem(f"[names] {k} must be a regular expression (a string), got {v!r}", file=str(path)))
            continue
        try:
            rx = re.compile(v)
        except re.error as e:
            p.append(Problem(f"[names] {k}: not a valid regular expression ({e})", file=str(path), value=v))
            continue
        bad = set(rx.groupindex) - set(BLOCK_FIELDS)
        if bad or not rx.groupindex:
            p.append(Problem(f"[names] {k}: named groups must be among {', '.join(BLOCK_FIELDS)}", file=str(path), value=v,
                             hint="e.g. '_(?P<year>\\d{4})\\.xlsx$'"))
            continue
        names[k] = rx
    named = set(cells) | {g for rx in names.values() for g in rx.groupindex}
    for f in ("year", "region") + (("sector",) if layout == "long" else ()):
        if f not in const and f not in cols and f not in named:
            p.append(Problem(f"'{f}' must be given in [constants], [columns], [cells] or [names]", file=str(path)))
    ubr = led.get("unknown_blank_rows", "report")
    if ubr not in ("report", "count"):
        p.append(Problem(f"[ledger] unknown_blank_rows must be 'report' or 'count', got {ubr!r}", file=str(path)))
    sheets = led.get("sheets")
    if sheets is not None and (not isinstance(sheets, str) or not sheets):
        p.append(Problem(f"[ledger] sheets must be a glob of sheet names such as \"205-1*\" or \"*\", got {sheets!r}", file=str(path)))
    if layout == "wide" and "sector" not in const and not doc.get("sectors"):
        p.append(Problem("a wide ledger maps its row labels to sectors: give [sectors]", file=str(path)))

    def table(name: str, check=None) -> dict:
        out = {}
        for k, v in doc.get(name, {}).items():
            if not isinstance(v, str):
                p.append(Problem(f"[{name}] {k!r} must map to a string, got {v!r}", file=str(path)))
                continue
            if check and v != SKIP:
                check(k, v)
            out[label_key(k)] = v
        return out

    def sector_ok(k, v):
        if not categories.is_category(v):
            p.append(Problem(f"[sectors] {k!r} = {v!r} is not an IPCC 2006 category code", file=str(path), hint="use a dotted code such as 1.A.4.b"))

    checks = []
    for i, c in enumerate(doc.get("checks", [])):
        if not isinstance(c, dict) or not set(c) <= {"total", "parts", "coefficient", "column", "minus", "warn", "tolerance"} \
                or not ("total" in c or "column" in c):
            p.append(Problem(f"[[checks]] entry {i + 1} needs 'total' (with 'parts' or 'coefficient') or 'column' with 'parts' "
                             "(optional: minus, warn, tolerance)", file=str(path)))
            continue
        ctol = c.get("tolerance")
        if ctol is not None and (not isinstance(ctol, (int, float)) or isinstance(ctol, bool) or not 0 <= ctol < 1):
            p.append(Problem(f"[[checks]] entry {i + 1}: tolerance must be a number in [0, 1), got {ctol!r}", file=str(path)))
            ctol = None
        if not isinstance(c.get("warn", False), bool):
            p.append(Problem(f"[[checks]] entry {i + 1}: warn must be true or false", file=str(path)))
        if "minus" in c and "column" not in c:
            p.append(Problem(f"[[checks]] entry {i + 1}: minus goes with column (a row identity)", file=str(path)))
        checks.append(Check(
            total=str(c["total"]) if "total" in c else None,
            parts=_str_list(c.get("parts", []), f"[[checks]] {i + 1} parts", p),
            coefficient=norm(c["coefficient"]) if "coefficient" in c else None,
            column=norm(c["column"]) if "column" in c else None,
            minus=tuple(norm(x) for x in _str_list(c.get("minus", []), f"[[checks]] {i + 1} minus", p)),
            warn=c.get("warn", False) is True,
            tolerance=float(ctol) if ctol is not None else None,
        ))
    subtract = []
    for i, s in enumerate(doc.get("subtract", [])):
        if not isinstance(s, dict) or set(s) != {"row", "minus"}:
            p.append(Problem(f"[[subtract]] entry {i + 1} needs exactly 'row' and 'minus'", file=str(path)))
            continue
        subtract.append((label_key(s["row"]), tuple(label_key(x) for x in _str_list(s["minus"], "[[subtract]] minus", p))))
    m = Mapping(
        path=path,
        layout=layout,
        sheet=led.get("sheet"),
        sheets=sheets if isinstance(sheets, str) and sheets else None,
        unknown_blank_rows=ubr if ubr in ("report", "count") else "report",
        header_rows=hr,
        header=tuple(norm(h) for h in _str_list(led.get("header", []), "[ledger] header", p)),
        blank=blank,
        tolerance=float(tol),
        end=tuple(norm(e) for e in _str_list(led.get("end", list(Mapping.end)), "[ledger] end", p)),
        constants=const,
        columns=cols,
        activities=table("activities"),
        sectors=table("sectors", sector_ok),
        units={k: v for k, v in doc.get("units", {}).items()},
        total_labels=tuple(label_key(x) for x in _str_list(doc.get("totals", {}).get("labels", []), "[totals] labels", p)),
        checks=tuple(checks),
        subtract=tuple(subtract),
        cells=cells,
        names=names,
    )
    if p:
        raise ConfigError(f"{path}: invalid mapping file", p)
    return m
