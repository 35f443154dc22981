"""Total and sub-item checks of an imported ledger: verified, never imported.

* ``[[checks]] total = "原煤", parts = ["无烟煤", …]`` — in every value column, the total row equals
  the sum of the part rows.
* ``[[checks]] total = "能源合计", coefficient = "采用折标系数"`` — the total row (in tce) equals
  Σ value × coefficient over the item rows (every row that is not a total and not a part of another
  check). A long ledger with a coefficient column gets this check for each of its total rows
  without being told.
* ``[[checks]] column = "消费量/合计", parts = ["消费量/工业生产消费", "消费量/非工业生产消费"]`` — on
  every row, a column equals the sum of other columns.
* ``[[checks]] column = "期末库存量", parts = ["期初库存量", "购进量/实物量"], minus = ["消费量/合计"],
  warn = true, tolerance = 0.01`` — a form identity (期初库存 + 购进 − 消费 − 外调 = 期末库存) on every
  item row; with ``warn`` a difference is a warning (an error with ``--strict``), not an error.

Checks run per block: a total row is compared with the rows of its own table (same file, sheet,
enterprise and year), never with another enterprise's rows on the same sheet. Every result names
its file, sheet and row; a failure gives both values.

Blank cells count as 0. A check passes when ``|total − sum| ≤ tolerance × max(|total|, |sum|)``
(``[ledger] tolerance``, default 0.001, for the rounding of printed tables).
"""

from __future__ import annotations

from .table import label_key, norm

__all__ = ["run_checks"]


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= max(tol * max(abs(a), abs(b)), 1e-9)


def _find(data, name: str):
    key = label_key(name)
    code = norm(name).lstrip("0") if norm(name).isdigit() else None
    for r in data:
        if r.label == key or (code and r.code == code):
            return r
    return None


def run_checks(ctx, data, cols, value_cols, num) -> None:
    """Run the mapping's ``[[checks]]`` (and the implicit coefficient checks of a long ledger's
    total rows) over the data rows; record each result in ``ctx.out.checks``.

    A failed check is a fatal problem (``ctx.problem(..., fatal=True)``); total rows no check
    covers are listed in ``ctx.out.stats["unverified_total_rows"]``.

    Parameters
    ----------
    ctx : object
        The conversion context of :func:`ghginv.inputs.importer.convert.convert`: its mapping
        ``m`` (``checks``, ``tolerance``, ``layout``), its output ``out`` and ``problem(...)``.
    data : list
        The data rows (with ``label``, ``code``, ``kind``, ``sheet_row``).
    cols : dict
        Column key -> 0-based column index of the mapped columns.
    value_cols : dict
        Value-column key (``amount:…``, ``minus:…`` or a wide ledger's columns) -> column index
        (or a tuple whose first item is the index).
    num : callable
        ``num(row, column, key)``: the cell as a number [the row's unit], or None when blank.
    """
    m = ctx.m
    tol = m.tolerance
    vcols = [(k.split(":", 1)[-1], c if isinstance(c, int) else c[0]) for k, c in value_cols.items()]
    results = ctx.out.checks
    covered = set()
    part_rows = set()
    for chk in m.checks:
        if chk.total is not None:
            for p in chk.parts:
                r = _find(data, p)
                if r is not None:
                    part_rows.add(id(r))

    def record(name, col, total, s, row, chk=None, ci=None):
        ok = _close(total, s, tol if chk is None or chk.tolerance is None else chk.tolerance)
        warn = chk is not None and chk.warn
        results.append({"check": name, "column": col, "total": total, "sum": s, "ok": ok, "warn": warn,
                        "file": str(ctx.g.file), "sheet": ctx.g.sheet, "row": row, "entity_id": ctx.block.get("entity_id"),
                        "year": ctx.block.get("year")})
        if not ok and warn:
            ctx.problem(f"identity not met: {name}: {total:g} but the other columns give {s:g} (difference {total - s:g})",
                        row=row, col=ci, key=col, warn=True, hint="a warning (an error with --strict): check the row in the form")
        elif not ok:
            ctx.problem(f"check failed: {name}: total {total:g} but the parts sum to {s:g} (difference {total - s:g})",
                        row=row, col=ci, key=col, fatal=True,
                        hint="a total or sub-item row disagrees with its parts: fix the ledger or the [[checks]] entry")

    def coefficient_check(total_row, coef_col, name):
        for key, c in vcols:
            t = num(total_row, c, key)
            if t is None:
                continue
            s = 0.0
            for r in data:
                if r.kind == "total" or id(r) in part_rows:
                    continue
                v = num(r, c, key)
                if not v:
                    continue
                k = num(r, coef_col, "coefficient")
                if k is None:
                    ctx.problem("row has a value but no conversion coefficient, so the total cannot be checked",
                                row=r.sheet_row, key=key, fatal=True)
                    continue
                s += v * k
            record(name, key, t, s, total_row.sheet_row, ci=c)

    for chk in m.checks:
        if chk.column is not None:
            ci = _col(ctx, cols, value_cols, chk.column)
            pis = [_col(ctx, cols, value_cols, p) for p in chk.parts]
            mis = [_col(ctx, cols, value_cols, p) for p in chk.minus]
            if ci is None or None in pis or None in mis:
                continue
            expr = " + ".join(chk.parts) + "".join(f" − {x}" for x in chk.minus)
            for r in data:
                if chk.warn and r.kind != "item":
                    continue  # a form identity holds on the item rows (a tce total row may not add up in kind)
                t = num(r, ci, chk.column)
                if t is None:
                    continue
                s = sum(num(r, pi, p) or 0.0 for pi, p in zip(pis, chk.parts)) - sum(num(r, mi, x) or 0.0 for mi, x in zip(mis, chk.minus))
                record(f"{chk.column} = {expr} (row {r.sheet_row})", chk.column, t, s, r.sheet_row, chk, ci)
            continue
        tr = _find(data, chk.total)
        if tr is None:
            ctx.problem(f"[[checks]] total row {chk.total!r} is not in the table", fatal=True)
            continue
        covered.add(id(tr))
        if chk.coefficient is not None:
            ci = _col(ctx, cols, value_cols, chk.coefficient)
            if ci is not None:
                coefficient_check(tr, ci, f"{chk.total} = Σ value × {chk.coefficient}")
            continue
        parts = [_find(data, p) for p in chk.parts]
        for p, r in zip(chk.parts, parts):
            if r is None:
                ctx.problem(f"[[checks]] part row {p!r} of {chk.total!r} is not in the table", fatal=True)
        if None in parts:
            continue
        for key, c in vcols:
            t = num(tr, c, key)
            if t is None:
                continue
            record(f"{chk.total} = {' + '.join(chk.parts)}", key, t, sum(num(r, c, key) or 0.0 for r in parts), tr.sheet_row, ci=c)
    unverified = []
    for r in data:
        if r.kind != "total" or id(r) in covered:
            continue
        if m.layout == "long" and "coefficient" in cols:
            coefficient_check(r, cols["coefficient"], f"{r.label} = Σ value × coefficient")
        else:
            unverified.append(r.sheet_row)
    ctx.out.stats["unverified_total_rows"] = unverified


def _col(ctx, cols, value_cols, name):
    key = norm(name)
    for k, c in value_cols.items():
        if k.split(":", 1)[-1] == key:
            return c if isinstance(c, int) else c[0]
    for k, c in cols.items():
        if k == key or k.split(":", 1)[-1] == key:
            return c
    if f"check:{key}" in cols:
        return cols[f"check:{key}"]
    for k, v in ctx.m.columns.items():
        if v == key and k in cols:
            return cols[k]
    ctx.problem(f"[[checks]] column {name!r} is not a mapped column", fatal=True,
                hint="checks may use the columns given in [columns] (amount, minus, coefficient …)")
    return None
