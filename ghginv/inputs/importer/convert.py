"""Turn a ledger grid into activity records, following a :class:`~.mapping.Mapping`.

Steps: locate the header by content (not by row number) -> build column keys from the merged
multi-row header (``消费量/工业生产消费``; ordinals ``甲 乙 丙 1 … 10 丁`` as alternative keys) ->
read every data row (until a footer such as ``单位负责人``) -> classify each row (item, total,
deliberately skipped, unmapped) -> run the total checks -> build records.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from ...core import categories
from ...core.errors import Problem, UnitError
from .mapping import SKIP, Mapping
from .read import Grid, column_letter
from .table import BLANK_MARKS, TOTAL_LABELS, _label_key, canonical_unit, is_total_label, label_key, norm, parse_number, split_header_unit

__all__ = ["convert", "Converted"]

_ORDINAL_FIRST = "甲"
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?$")
_SUBITEM = ("其中", "#", "合计中")


@dataclass(slots=True)
class Row:
    sheet_row: int
    label: str  # label_key of the item / sector label
    code: str
    cells: list
    kind: str = "item"  # item | total | skip | unmapped
    activity: str | None = None  # long layout: the mapped activity
    sector: str | None = None  # wide layout: the mapped sector


@dataclass
class Converted:
    records: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # unmapped: skippable with --skip-unmapped
    errors: list[Problem] = field(default_factory=list)  # bad values, failed checks: never skippable
    warnings: list[Problem] = field(default_factory=list)  # form identities beyond tolerance (errors with --strict)
    stats: dict = field(default_factory=dict)
    checks: list[dict] = field(default_factory=list)


class _Ctx:
    def __init__(self, grid: Grid, m: Mapping):
        self.g, self.m = grid, m
        self.out = Converted()
        self.file = str(grid.file) + (f" (sheet '{grid.sheet}')" if grid.sheet else "")
        self.seen: set[Problem] = set()
        self.block: dict = dict(m.constants)
        self.block_src: dict = {}
        self.block_row = 0
        self.from_text = ""
        self.strict_blank = False
        self.tick = None
        self.header_units: dict = {}
        self.field_cache: dict = {}
        self.base_fixed = None
        self.letters: dict = {}
        self.keys: list[str] = []

    def problem(self, msg, row=None, col=None, key=None, value=None, hint=None, fatal=False, warn=False):
        column = None if col is None else column_letter(col) + (f" ({key})" if key else "")
        p = Problem(msg, file=self.file, row=row, column=column, value=value, hint=hint)
        if p not in self.seen:  # a cell read twice (import and checks) is reported once
            self.seen.add(p)
            (self.out.warnings if warn else self.out.errors if fatal else self.out.problems).append(p)


def _header_keys(rows: list[list], h: int, n: int, width: int) -> list[str]:
    hdr = [[norm(c) for c in (rows[h + i] if h + i < len(rows) else [])] + [""] * width for i in range(n)]
    hdr = [r[:width] for r in hdr]
    for i in range(n - 1):  # merged cells exported to CSV leave blanks to the right: forward-fill
        for c in range(1, width):
            if not hdr[i][c] and hdr[i][c - 1] and any(hdr[j][c] for j in range(i + 1, n)):
                hdr[i][c] = hdr[i][c - 1]
    keys = []
    for c in range(width):
        parts = []
        for i in range(n):
            if hdr[i][c] and (not parts or parts[-1] != hdr[i][c]):
                parts.append(hdr[i][c])
        keys.append("/".join(parts))
    return keys


def _resolve_columns(ctx: _Ctx, keys: list[str], ordinals: list[str], h: int, specs: dict) -> dict[str, int]:
    by_key: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if k:
            by_key.setdefault(k, []).append(i)
    idx = {}
    for fld, spec in specs.items():
        for s in (spec,) if isinstance(spec, str) else spec:
            s = norm(s)
            hits = by_key.get(s) or [i for i, o in enumerate(ordinals) if o and o == s]
            if not hits:
                hits = [i for i, k in enumerate(keys) if k and k.split("/")[-1] == s]
            if len(hits) > 1:
                ctx.problem(f"column {s!r} ([columns] {fld}) appears {len(hits)} times, in columns "
                            f"{', '.join(column_letter(i) for i in hits)}", row=h + 1, fatal=True,
                            hint="duplicate header: rename one column in the ledger or map the other by its ordinal")
            elif not hits:
                ctx.problem(f"column {s!r} ([columns] {fld}) not found in the header", row=h + 1, fatal=True,
                            hint=f"header keys: {', '.join(k for k in keys if k)}")
            else:
                idx[fld if isinstance(spec, str) else f"{fld}:{s}"] = hits[0]
    return idx


def _number(ctx: _Ctx, row: Row, col: int, key: str):
    v = row.cells[col] if col < len(row.cells) else None
    try:
        return parse_number(v)
    except ValueError as e:
        ctx.problem(str(e), row=row.sheet_row, col=col, key=key, fatal=True)
        return None


def _field(ctx: _Ctx, row: Row, cols: dict, name: str):
    if name in cols:
        v = row.cells[cols[name]] if cols[name] < len(row.cells) else None
        key = (name, v)
        hit = ctx.field_cache.get(key)
        if hit is None:
            hit = _column_field(ctx, row, cols, name, v)
            if hit is not None:
                ctx.field_cache[key] = hit
        return hit
    return _block_field(ctx, name)


def _column_field(ctx: _Ctx, row: Row, cols: dict, name: str, v):
    m = ctx.m
    if True:
        where = dict(row=row.sheet_row, col=cols[name], key=name)
        if name == "year":
            if isinstance(v, (_dt.date, _dt.datetime)):
                ctx.problem(f"a date ({v}) in the year column", value=None, hint="give the year as an integer such as 2023", fatal=True, **where)
                return None
            if isinstance(v, str) and _DATE_TEXT.match(v.strip()):  # calamine gives a date cell as its ISO text
                ctx.problem(f"a date ({v.strip()}) in the year column", value=None, hint="give the year as an integer such as 2023", fatal=True, **where)
                return None
            s = norm(v).removesuffix("年")
            if not s.isdigit() or not 1900 <= int(s) <= 2155:
                ctx.problem("year is not an integer year", value=v, fatal=True, **where)
                return None
            return int(s)
        s = norm(v)
        if not s:
            ctx.problem(f"{name} is empty", fatal=True, **where)
            return None
        if name == "sector":
            code = m.sectors.get(label_key(v))
            if code is None and categories.is_category(s):
                code = s
            if code is None:
                ctx.problem("sector name not in [sectors]", value=str(v), **where)
            return code
        return s


def _block_field(ctx: _Ctx, name: str):
    v = ctx.block.get(name)
    if v is None and name in ("year", "region", "sector") and name not in ctx.block_src:
        ctx.problem(f"no {name} for this form: no [columns] {name}, no [cells] {name} above the table, "
                    f"nothing in the sheet or file name ([names]), no [constants] {name}", row=ctx.block_row, fatal=True,
                    hint=f"give {name} in one of these tables of the mapping")
        ctx.block_src[name] = "missing"
    if name == "year" and isinstance(v, str):
        v = int(v) if v.isdigit() else v
    return v


def convert(grid: Grid, m: Mapping, from_names: dict | None = None, strict: bool = False, tick=None) -> Converted:
    """Turn one ledger sheet into activity records, following a mapping (module docstring steps).

    A sheet may hold several tables (blocks), one per enterprise and year: every row that holds the
    header words starts a block; a block's data end at a footer (``单位负责人`` …), at the title
    block of the next one (a row holding a ``[cells]`` label, ``表号`` …) or at the next header.
    Each block's fields come from its title-block cells, then ``from_names`` (sheet and file name),
    then the mapping's constants; its total rows are checked against its own rows only.

    Problems are collected, never raised: ``problems`` (rows or columns the mapping does not
    cover: skippable), ``errors`` (bad values, failed checks: never skippable) and ``warnings``
    (form identities beyond their tolerance).

    Parameters
    ----------
    grid : Grid
        The sheet's cells (:func:`ghginv.inputs.importer.read.read_grid`).
    m : Mapping
        The checked mapping (:func:`ghginv.inputs.importer.mapping.load_mapping`).
    from_names : dict, optional
        Fields found in the sheet and file names (``[names]``), used after the title-block cells.
    strict : bool, default False
        Also report item rows the mapping does not know when they hold no value (otherwise
        counted in ``stats["unmapped_blank_rows"]``).
    tick : callable, optional
        ``tick(rows_read)``, called every 16,384 rows of a large sheet (for a progress bar).

    Returns
    -------
    Converted
        ``records`` (dicts with year, region, sector, activity, amount [in ``unit``], unit
        (a contract unit such as ``10^4 t``), entity_id / notation_key where given, and the
        provenance keys ``_row``, ``_cell``, ``_cells``, ``_entity_name``, ``_block``),
        ``problems``, ``errors``, ``warnings``, ``stats`` (header rows, data rows, blank cells,
        row kinds, blocks …) and ``checks`` (each check with ``ok``, file, sheet and row).
    """
    ctx = _Ctx(grid, m)
    ctx.strict_blank = strict
    ctx.tick = tick
    out = ctx.out
    rows = grid.rows
    if not any(_first_text(r) for r in rows):
        ctx.problem("the sheet is empty", fatal=True,
                    hint="a sheet chosen by [ledger] sheet/sheets must hold a form; leave it out with [ledger] sheets")
        return out
    label_col = "item" if m.layout == "long" else "label"
    markers = m.header or tuple(
        norm(m.columns[k]).split("/")[0] for k in (label_col, "code", "unit") if isinstance(m.columns.get(k), str)
    )
    heads = _find_headers(ctx, markers)
    if not heads:
        return out
    for k in ("data_rows", "blank_rows", "blank_cells", "item", "total", "skip", "unmapped"):
        out.stats.setdefault(k, 0)
    out.stats.update(header_row=heads[0] + 1, blocks=len(heads), unverified_total_rows=[])
    lo = 0
    for bi, h in enumerate(heads):
        hi = heads[bi + 1] if bi + 1 < len(heads) else len(rows)
        ctx.block = _block_fields(ctx, lo, h, from_names or {})
        ctx.block_row = h + 1
        ctx.base_fixed = None
        ctx.from_text = "; ".join(f"{k}: {v}" for k, v in sorted(ctx.block_src.items()))
        lo = _convert_block(ctx, h, hi, label_col, multi=bi + 1 < len(heads))
    return out


def _has_value(cells, c: int) -> bool:
    v = cells[c] if c < len(cells) else None
    return v is not None and norm(v) not in BLANK_MARKS


def _first_text(cells) -> str:
    for c in cells:
        if c is not None and c != "":
            t = norm(c)
            if t:
                return t
    return ""


_NUMERIC_START = frozenset("0123456789.-+")
_DIGIT_START = frozenset("0123456789")
_TITLE_WORDS = ("表号", "制定机关", "统一社会信用代码", "单位详细名称", "单位名称", "组织机构代码", "法人单位代码", "报告期")
_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2}|21[0-5]\d)(?!\d)")


def _find_headers(ctx: _Ctx, markers: tuple[str, ...]) -> list[int]:
    """Every row that holds all the header words (the first within 200 rows, the next ones anywhere)."""
    out = []
    rows = ctx.g.rows
    limit = 200
    anchor = None  # (column, word): after the first header, only rows with the same word in the same column are looked at
    for i, r in enumerate(rows):
        if not out and i >= limit:
            break
        if anchor is not None:
            j, word = anchor
            if j >= len(r) or r[j] is None or norm(r[j]) != word:
                continue
        texts = [c for c in r if c is not None and (c.__class__ is not str or c[:1] not in _NUMERIC_START)]
        if not texts:
            continue
        cells = {norm(c) for c in texts}
        if not all(mk in cells for mk in markers):
            keys = {label_key(c) for c in cells}
            if not all(mk in cells or mk in keys for mk in markers):
                continue
        if out and i < out[-1] + ctx.m.header_rows:
            continue
        out.append(i)
        if anchor is None:
            normed = [norm(c) for c in r]
            j = next((k for k, t in enumerate(normed) if t == markers[0]), None)
            if j is None:
                j = next((k for k, t in enumerate(normed) if label_key(t) == markers[0]), 0)
            anchor = (j, normed[j] if j < len(normed) else "")
    if not out:
        ctx.problem(f"header row not found: no row holds all of {', '.join(markers)}", fatal=True,
                    hint="the header is found by its words, wherever it is; set [ledger] header to words of the header row, and check [columns]")
    return out


def _title_value(cells: list, j: int, label: str) -> str:
    text = norm(cells[j])[len(label):].lstrip(":")
    if text:
        return text
    for c in cells[j + 1:]:
        t = norm(c)
        if t:
            return t.lstrip(":")
    return ""


def _block_fields(ctx: _Ctx, lo: int, h: int, from_names: dict) -> dict:
    """Fields of one block: title-block cells (rows lo..h) > sheet/file name > constants."""
    m = ctx.m
    fields = {k: v for k, v in m.constants.items()}
    ctx.block_src = {k: "[constants]" for k in fields}
    for k, v in from_names.items():
        fields[k] = v[0]
        ctx.block_src[k] = v[1]
    found = {}
    for i in range(lo, h):
        cells = ctx.g.rows[i]
        for j, c in enumerate(cells):
            if c is None or c == "":
                continue
            t = norm(c)
            for fld, labels in m.cells.items():
                if fld in found:
                    continue
                for lab in labels:
                    if t.startswith(lab):
                        v = _title_value(cells, j, lab)
                        if v:
                            found[fld] = (v, i + 1, j)
                        break
    if "year" in m.cells and "year" not in found:  # 报告期 is often printed without its label: "2023年1-12月"
        for i in range(lo, h):
            for j, c in enumerate(ctx.g.rows[i]):
                t = norm(c) if c is not None else ""
                if len(t) >= 5 and t[4] == "年" and t[:4].isdigit():
                    found["year"] = (t, i + 1, j)
                    break
            if "year" in found:
                break
    for fld, labels in m.cells.items():
        if fld not in found:
            continue
        v, r, j = found[fld]
        where = f"cell {column_letter(j)}{r}"
        if fld == "year":
            y = _YEAR.search(v)
            if not y:
                ctx.problem(f"no year in the cell labelled {labels[0]!r}", row=r, col=j, key=fld, value=v, fatal=True,
                            hint="the cell should read like 2023年1-12月")
                continue
            fields["year"] = int(y.group(1))
        elif fld == "sector":
            code = _sector_code(m, v)
            if code is None:
                ctx.problem(f"sector {v!r} (cell labelled {labels[0]!r}) is not in [sectors]", row=r, col=j, key=fld,
                            hint="add the industry code (or its 2-digit division) to [sectors], e.g. \"26\" = \"1.A.2.c\"")
                fields.pop("sector", None)
                ctx.block_src["sector"] = where
                continue
            fields["sector"] = code
        else:
            fields[fld] = v
        ctx.block_src[fld] = where
    return fields


def _sector_code(m: Mapping, value: str) -> str | None:
    v = label_key(value)
    code = m.sectors.get(v)
    if code is None and v.isdigit():  # GB/T 4754 class 2614 -> group 261 -> division 26
        for n in range(len(v) - 1, 1, -1):
            code = m.sectors.get(v[:n])
            if code is not None:
                break
    if code is None and categories.is_category(v):
        code = v
    return code


def _convert_block(ctx: _Ctx, h: int, hi: int, label_col: str, multi: bool) -> int:
    """Convert the block whose header is row ``h`` (0-based), reading data rows before ``hi``; returns where it ended."""
    m = ctx.m
    out = ctx.out
    rows = ctx.g.rows
    width = max((len(r) for r in rows[h:hi]), default=0)
    keys = _header_keys(rows, h, m.header_rows, width)
    start = h + m.header_rows
    ordinals = [""] * width
    if start < len(rows):
        first = next((norm(c) for c in rows[start] if norm(c)), "")
        if first == _ORDINAL_FIRST:
            ordinals = [norm(c) for c in rows[start]] + [""] * (width - len(rows[start]))
            start += 1
    specs = dict(m.columns)
    for chk in m.checks:  # columns named only by checks
        for name in ([chk.column, *chk.parts, *chk.minus] if chk.column else []) + ([chk.coefficient] if chk.coefficient else []):
            if norm(name) not in [v for v in m.columns.values() if isinstance(v, str)]:
                specs[f"check:{norm(name)}"] = norm(name)
    n_err = len(out.errors)
    cols = _resolve_columns(ctx, keys, ordinals, h, specs)
    if len(out.errors) > n_err:
        return hi
    ctx.keys = keys
    lc = cols.get(label_col)
    if lc is not None:
        for r0, c0, r1, c1 in ctx.g.merges:
            if r1 > r0 and r0 > start and c0 - 1 <= lc <= c1 - 1 and r0 <= hi:
                ctx.problem(f"merged cells {column_letter(c0 - 1)}{r0}:{column_letter(c1 - 1)}{r1} cover the item column: "
                            f"{r1 - r0 + 1} rows would share one item name", row=r0, col=lc, key=label_col, fatal=True,
                            hint="unmerge them and write the item name in every row (Excel: 合并后居中 → 取消单元格合并)")
    totals = m.total_labels
    data: list[Row] = []
    blank_rows = 0
    stop = hi
    kinds: dict = {}  # (label cell, code cell) -> the row's label, code, kind, activity, sector (item and "-" rows)
    lci, cci = cols.get(label_col), cols.get("code")
    tick = ctx.tick
    for i in range(start, hi):
        if tick is not None and not (i - start + 1) & 0x3FFF:
            tick(i - start + 1)
        cells = rows[i]
        first = _first_text(cells)
        if not first:
            blank_rows += 1
            continue
        if first.startswith(m.end):
            stop = i
            break
        if multi and (any(first.startswith(w) for w in _TITLE_WORDS)
                      or any(norm(c).startswith(lab) for c in cells if c for labs in m.cells.values() for lab in labs)):
            stop = i  # the title block of the next form
            break
        if len(cells) < width:
            cells = list(cells) + [None] * (width - len(cells))
        ck = (cells[lci] if lci is not None else None, cells[cci] if cci is not None else None)
        hit = kinds.get(ck)
        if hit is not None:  # a label (and code) seen before in this block: the same kind and activity
            data.append(Row(i + 1, hit[0], hit[1], cells, hit[2], hit[3], hit[4]))
            continue
        raw = norm(cells[cols[label_col]]) if label_col in cols else ""
        lab = _label_key(raw)
        code = norm(cells[cols["code"]]).lstrip("0") if "code" in cols else ""
        r = Row(i + 1, lab, code, cells)
        if lab in TOTAL_LABELS or lab in totals or raw in totals or (code and code in totals):
            r.kind = "total"
        elif raw.startswith(_SUBITEM):  # 其中 / # / 合计中 rows are parts of the row above: never added
            r.kind = "skip"
            out.stats["subitem_rows"] = out.stats.get("subitem_rows", 0) + 1
        elif m.layout == "long":
            act = m.activities.get(lab) or (m.activities.get(code) if code else None) or _by_code(m.activities, code)
            r.kind = "skip" if act == SKIP else ("unmapped" if act is None else "item")
            r.activity = act
            if act is None and m.unknown_blank_rows == "count" \
                    and not any(_has_value(cells, c) for k, c in cols.items() if k.startswith(("amount:", "minus:"))):
                r.kind = "skip"  # a form row the mapping does not know, with nothing to import: counted, not a problem
                out.stats["unmapped_blank_rows"] = out.stats.get("unmapped_blank_rows", 0) + 1
                if ctx.strict_blank:
                    ctx.problem("energy item not in [activities] (a row without values; --strict)", row=r.sheet_row,
                                col=cols.get(label_col, cols.get("code")), key=label_col, value=(lab or code))
            elif act is None:
                from .vocabulary import lookup

                hit = lookup(lab)
                hint = (f"add it to [activities]: \"{lab}\" = \"{hit.activity}\"" if hit and hit.activity
                        else "add it to [activities] (\"-\" to leave it out deliberately)")
                ctx.problem("energy item not in [activities]", row=r.sheet_row, col=cols.get(label_col, cols.get("code")),
                            key=label_col, value=(lab or code), hint=hint)
        else:
            sec = m.sectors.get(lab)
            r.kind = "skip" if sec == SKIP else ("unmapped" if sec is None else "item")
            r.sector = sec
            if sec is None:
                ctx.problem("row label not in [sectors]", row=r.sheet_row, col=cols[label_col], key=label_col, value=lab,
                            hint="add it to [sectors] (\"-\" to leave it out deliberately)")
        data.append(r)
        if r.kind == "item" or (r.kind == "skip" and not raw.startswith(_SUBITEM) and not (r.activity is None and m.layout == "long")):
            kinds[ck] = (r.label, r.code, r.kind, r.activity, r.sector)
    out.stats["data_rows"] += len(data)
    out.stats["blank_rows"] += blank_rows
    out.stats.setdefault("first_data_row", start + 1)
    if m.layout == "long":
        value_cols = {k: c for k, c in cols.items() if k.startswith(("amount:", "minus:"))}
        _long(ctx, data, cols, value_cols)
    else:
        value_cols = _wide_columns(ctx, keys, cols, h)
        _wide(ctx, data, cols, value_cols)
    from .totals import run_checks

    unverified = out.stats["unverified_total_rows"]
    run_checks(ctx, data, cols, value_cols, lambda r, c, k: _number(ctx, r, c, k))
    out.stats["unverified_total_rows"] = unverified + out.stats["unverified_total_rows"]
    for k in ("item", "total", "skip", "unmapped"):
        out.stats[k] += sum(1 for r in data if r.kind == k)
    return stop


def _by_code(acts: dict, code: str):
    if not code:
        return None
    for k, v in acts.items():
        if k.isdigit() and k.lstrip("0") == code:
            return v
    return None


def _blank(ctx: _Ctx, rec: dict) -> dict | None:
    ctx.out.stats["blank_cells"] = ctx.out.stats.get("blank_cells", 0) + 1
    b = ctx.m.blank
    if b == "skip":
        return None
    if b == "zero":
        return {**rec, "amount": 0.0}
    return {**rec, "amount": None, "notation_key": b}


def _emit(ctx: _Ctx, rec: dict, amount, row: Row, col: int, key: str, cells: str | None = None):
    ref = f"{ctx.letters.get(col) or column_letter(col)}{row.sheet_row}"
    rec.update(_row=row.sheet_row, _cell=ref, _cells=cells or ref, _block=ctx.block_row, _column=key, _from=ctx.from_text)
    if amount is None:
        rec = _blank(ctx, rec)
        if rec is not None:
            ctx.out.records.append(rec)
        return
    if amount < 0:
        ctx.problem("amount is negative", row=row.sheet_row, col=col, key=key, value=amount, fatal=True,
                    hint="amounts are ≥ 0; a (−) row of a balance table is not activity data: map it to \"-\"")
        return
    rec["amount"] = float(amount)
    ctx.out.records.append(rec)


def _unit(ctx: _Ctx, text, row: int, col: int | None, key: str):
    try:
        return canonical_unit(text, ctx.m.units)
    except UnitError as e:
        ctx.problem(f"unknown unit: {e.summary}", row=row, col=col, key=key, value=None,
                    hint="map it in [units], e.g. \"吨标煤\" = \"tce\"")
        return None


def _base(ctx: _Ctx, r: Row, cols: dict, sector: str | None = None) -> dict | None:
    fixed = ctx.base_fixed
    if fixed is None:  # the fields that are the same for every row of this block, resolved once
        names = ["year", "region"] + (["sector"] if sector is None else [])
        if "entity_id" in cols or ctx.block.get("entity_id") is not None:
            names.append("entity_id")
        fixed = ctx.base_fixed = ({f: _block_field(ctx, f) for f in names if f not in cols}, [f for f in names if f in cols])
    rec = dict(fixed[0])
    for f in fixed[1]:
        rec[f] = _field(ctx, r, cols, f)
    if sector is not None:
        rec["sector"] = sector
    if ctx.block.get("entity_name") is not None:
        rec["_entity_name"] = ctx.block["entity_name"]
    return None if rec.get("year") is None or rec.get("region") is None or rec.get("sector") is None else rec


def _long(ctx: _Ctx, data: list[Row], cols: dict, value_cols: dict):
    letters = {c: column_letter(c) for c in value_cols.values()}
    ctx.letters = letters
    vlist = [(k.split(":", 1)[1], c, k.startswith("amount:"), _header_unit(ctx, c)) for k, c in value_cols.items()]
    any_hu = any(v[3] is not None for v in vlist)
    first_c, first_key = vlist[0][1], vlist[0][0]
    units = {norm(k) for k in ctx.m.units}
    uc = cols.get("unit")
    unit_cache: dict = {}
    first_letter, block_row, from_text, records = letters[first_c], ctx.block_row, ctx.from_text, ctx.out.records
    for r in data:
        if r.kind != "item":
            continue
        unit = None
        if uc is not None:
            raw_u = r.cells[uc]
            unit = unit_cache.get(raw_u)
            if unit is None:
                unit = _unit(ctx, raw_u, r.sheet_row, uc, "unit")
                if unit is not None:
                    unit_cache[raw_u] = unit
        elif r.label in units:
            unit = _unit(ctx, r.label, r.sheet_row, None, "unit")
        else:
            ctx.problem("no unit for this row: map a unit column in [columns] unit", row=r.sheet_row, fatal=True)
        rec = _base(ctx, r, cols)
        cells = r.cells
        vals = []
        for key, c, _plus, _hu in vlist:
            v = cells[c]
            if v.__class__ is str and v[:1] in _DIGIT_START and "_" not in v:  # the common case: a plain number as text
                try:
                    x = float(v)
                    if x - x == 0.0:  # finite
                        vals.append(x)
                        continue
                except ValueError:
                    pass
            vals.append(_number(ctx, r, c, key))
        if unit is not None and any_hu:
            for (key, c, _plus, hu), v in zip(vlist, vals):
                if hu is not None and hu != unit and v is not None:
                    ctx.problem(f"the unit cell says {norm(r.cells[uc]) if uc is not None else unit!r} ({unit}) "
                                f"but the column header {ctx.keys[c]!r} says {hu}", row=r.sheet_row, col=c, key=key,
                                fatal=True, hint="one of the two is wrong: correct the unit cell or the header, then import again")
                    unit = None
                    break
        if unit is None or rec is None:
            continue
        amount = None
        expr = []
        sr = r.sheet_row
        for (_key, c, plus, _hu), v in zip(vlist, vals):
            if v is None:
                continue
            if plus:
                amount = v if amount is None else amount + v
                expr.append(f"+{letters[c]}{sr}")
            else:
                expr.append(f"-{letters[c]}{sr}")
        if amount is not None:
            for (_key, _c, plus, _hu), v in zip(vlist, vals):
                if not plus and v is not None:
                    amount -= v
        rec["activity"] = r.activity
        rec["unit"] = unit
        cells_expr = "".join(expr).lstrip("+") or None
        if amount is not None and amount >= 0:  # the common case, inline (_emit does the rest)
            ref = f"{first_letter}{sr}"
            rec.update(amount=float(amount), _row=sr, _cell=ref, _cells=cells_expr or ref, _block=block_row, _column=first_key,
                       _from=from_text)
            records.append(rec)
        else:
            _emit(ctx, rec, amount, r, first_c, first_key, cells_expr)


def _header_unit(ctx: _Ctx, c: int) -> str | None:
    """The unit written in a value column's header (``消费量(吨)``), as a contract unit, or None."""
    key = ctx.keys[c] if c < len(ctx.keys) else ""
    hit = ctx.header_units.get(key, False)
    if hit is False:
        hit = ctx.header_units[key] = _header_unit_of(ctx, key)
    return hit


def _header_unit_of(ctx: _Ctx, key: str) -> str | None:
    if "(" not in key:
        return None
    _name, unit = split_header_unit(key.split("/")[-1])
    if unit is None:
        return None
    try:
        return canonical_unit(unit, ctx.m.units)
    except UnitError:
        return None


def _wide_columns(ctx: _Ctx, keys: list[str], cols: dict, h: int) -> dict:
    """Fuel columns of a wide ledger: key -> (column, activity or '-' or 'total', unit)."""
    used = {c for k, c in cols.items() if not k.startswith("check:")}
    out = {}
    for c, k in enumerate(keys):
        if not k or c in used:
            continue
        segs = k.split("/")
        name, unit = split_header_unit(segs[0] if len(segs) > 1 else k)
        if len(segs) > 1 and unit is None:
            name, unit = segs[0], segs[-1]
        lab = label_key(name)
        if is_total_label(name, ctx.m.total_labels):
            out[k] = (c, "total", None)
            continue
        act = ctx.m.activities.get(lab)
        if act is None:
            ctx.problem("fuel column not in [activities]", row=h + 1, col=c, key=k, hint="add it to [activities] (\"-\" to leave it out)")
            continue
        if act == SKIP:
            out[k] = (c, SKIP, None)
            continue
        if unit is None and any(label_key(u) == lab for u in ctx.m.units):
            unit = next(v for u, v in ctx.m.units.items() if label_key(u) == lab)
        if unit is None:
            ctx.problem("no unit in the column header (write it as 原煤(万吨)) or in [units]", row=h + 1, col=c, key=k, fatal=True)
            continue
        u = _unit(ctx, unit, h + 1, c, k)
        if u is not None:
            out[k] = (c, act, u)
    return out


def _wide(ctx: _Ctx, data: list[Row], cols: dict, fuel: dict):
    rows_by_label = {r.label: r for r in data}
    minus = {row: subs for row, subs in ctx.m.subtract}
    for row, subs in ctx.m.subtract:
        for s in (row, *subs):
            if s not in rows_by_label:
                ctx.problem(f"[[subtract]] names row {s!r}, which is not in the table", fatal=True)
    for r in data:
        if r.kind != "item":
            continue
        rec = _base(ctx, r, cols, r.sector)
        if rec is None:
            continue
        for key, (c, act, unit) in fuel.items():
            if act in ("total", SKIP):
                continue
            v = _number(ctx, r, c, key)
            if v is not None and r.label in minus:
                for s in minus[r.label]:
                    if s in rows_by_label:
                        v -= _number(ctx, rows_by_label[s], c, key) or 0.0
            _emit(ctx, {**rec, "activity": act, "unit": unit}, v, r, c, key)
