"""``ghginv factors list | check | hash | show | diff``: inspect and maintain factor sets.

Thin over :func:`ghginv.load_factor_set`, :func:`ghginv.factor_set_table` and
:func:`ghginv.diff_factor_sets`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import console, esc, fail

__all__ = ["factors_list", "factors_check", "factors_hash", "factors_show", "factors_diff"]


def factors_list():
    """List the factor sets found on the search path, where each was found, and the sets a user set shadows."""
    from .. import load_factor_set
    from ..core.config import factor_search_roots
    from ..core.errors import GhgInvError

    con = console()
    found: dict[str, list[tuple[str, Path]]] = {}  # name -> (where, folder) in search order: the first is used
    for where, root in factor_search_roots():
        if root.is_dir():
            for d in sorted(root.iterdir()):
                if (d / "manifest.toml").is_file():
                    found.setdefault(d.name, []).append((where, d))
    order = [(name, i) for name in found for i in range(len(found[name]))]  # a used set, then the sets it shadows
    for name, i in sorted(order, key=lambda x: (_root_rank(found[x[0]][0][0]), found[x[0]][0][1].parent.as_posix(), x[0], x[1])):
        where, d = found[name][i]
        if i == 0:
            others = [f"the {w} set in {o}" for w, o in found[name][1:]]
            tag = f"[{where}" + (f"; used, shadows {', '.join(others)}]" if others else "]")
        else:
            tag = f"[{where}; shadowed by {found[name][0][1]}, not used by name]"
        try:
            fs = load_factor_set(d)
            con.print(esc(f"{fs.name:28s} {fs.version:10s} {fs.n_rows:5d} rows  {fs.manifest.get('title', '')}  ({d})  {tag}"))
        except GhgInvError as e:
            con.print(f"{esc(f'{d.name:28s}')} [red]INVALID[/]: {esc(e.summary)}  ({esc(d)})  {esc(tag)}")


def _root_rank(where: str) -> int:
    return ["./factors", "GHGINV_FACTORS_PATH", "user", "shipped"].index(where)


def factors_check(sets: Annotated[list[str], typer.Argument(help="set names or folders")],
                  strict: Annotated[bool, typer.Option("--strict", help="a column no reader takes (a misspelt uncertainty_pc) is an error, not a warning")] = False):
    """Load and verify factor sets (manifest hashes, columns, codes, units, statuses, overlaps)."""
    from .. import load_factor_set
    from ..core.config import resolve_factor_set_path
    from ..core.errors import GhgInvError

    try:
        for s in sets:
            fs = load_factor_set(resolve_factor_set_path(s), strict=strict)
            for w in fs.warnings:  # an unknown column: ignored, named with the nearest known one
                console().print(f"[bold yellow]warning:[/] {esc(w['message'])}")
            console().print(esc(f"{fs.name} {fs.version}: OK, {len(fs.rules)} rows, {len(fs.activities)} activities"
                           + (f", {len(fs.sink_rules)} sink parameters" + (" (SYNTHETIC demo values)" if fs.synthetic else "") if fs.sink_rules else "")
                           + (f", {len(fs.waste_rules)} waste parameters" if fs.waste_rules else "")))
    except GhgInvError as e:
        fail(e)


def factors_hash(
    set_: Annotated[str, typer.Argument(metavar="SET", help="set name or folder")],
    write: Annotated[bool, typer.Option("--write", help="rewrite the [files] hashes in manifest.toml")] = False,
):
    """Print (or write) the sha256 of every data file of a set, after an intended edit."""
    import re

    from ..core.config import resolve_factor_set_path
    from ..core.errors import GhgInvError
    from ..core.hashcache import file_sha256

    try:
        folder = resolve_factor_set_path(set_)
    except GhgInvError as e:
        fail(e)
    lines = [f'"{p.name}" = "sha256:{file_sha256(p)}"' for p in sorted(folder.glob("*.csv"))]
    if not write:
        print("[files]\n" + "\n".join(lines))
        return
    mpath = folder / "manifest.toml"
    text = mpath.read_text(encoding="utf-8")
    head = re.split(r"(?m)^\[files\]\s*$", text)[0].rstrip() + "\n"
    mpath.write_text(head + "\n[files]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"updated {mpath}")


def factors_show(
    set_: Annotated[str, typer.Argument(metavar="SET", help="set name or folder")],
    activity: Annotated[str | None, typer.Option(help="only rows of this activity")] = None,
):
    """Show a factor set: its manifest and every row with its source."""
    from rich.table import Table

    from .. import factor_set_table, load_factor_set
    from ..core.config import resolve_factor_set_path
    from ..core.errors import GhgInvError

    try:
        fs = load_factor_set(resolve_factor_set_path(set_))
        tab = factor_set_table(fs)
        if activity:
            tab = _rows_of_activity(fs, tab, activity)
    except GhgInvError as e:
        fail(e)
        return
    con = console(soft_wrap=False)
    m = fs.manifest
    con.print(f"[bold]{esc(fs.name)}[/] {esc(fs.version)} — {esc(m.get('title', ''))}")
    con.print(esc(f"publisher: {m.get('publisher', '')}; published: {m.get('published', '')}; url: {m.get('url', '')}"))
    t = Table(show_lines=False)
    for c in ("file", "line", "activity", "sector", "region", "years", "key", "value", "unit", "status", "source_locator"):
        t.add_column(c, overflow="fold")
    for r in tab.iter_rows(named=True):
        years = f"{r['year_from'] or ''}–{r['year_to'] or ''}" if (r["year_from"] or r["year_to"]) else "all"
        t.add_row(*(esc(v) for v in (r["file"], str(r["line"]), r["activity"], r["sector"], r["region"], years, r["key"],
                                     f"{r['value']:g}", r["unit"], r["status"], r["source_locator"][:80])))
    con.print(t)
    con.print(f"{tab.height} rows")


def _rows_of_activity(fs, tab, activity: str):
    """The rows of ``activity``; an activity the set does not know is bad input (exit 2), with the
    set's codes nearest to it."""
    import difflib

    import polars as pl

    from ..core.errors import ConfigError

    rows = tab.filter(pl.col("activity") == activity)
    if rows.height:
        return rows
    known = sorted(set(tab["activity"].to_list()) | set(fs.activities))
    if activity in known:  # declared in activities.csv, no factor rows
        return rows
    near = difflib.get_close_matches(activity, known, n=5, cutoff=0.5)
    hint = (f"nearest known codes: {', '.join(near)}" if near else
            f"the set's codes: {', '.join(known[:20])}{' …' if len(known) > 20 else ''}" if known else "the set has no activity codes")
    raise ConfigError(f"factor set {fs.name!r} has no activity {activity!r}; {hint} (all: ghginv factors show {fs.name})")


def factors_diff(
    set_a: Annotated[str, typer.Argument(metavar="SET_A")],
    set_b: Annotated[str, typer.Argument(metavar="SET_B")],
    out: Annotated[Path | None, typer.Option("--out", help="write the differences to this Parquet or CSV file")] = None,
):
    """Rows added, removed and changed between two factor sets, with their sources."""
    from rich.table import Table

    from .. import diff_factor_sets, load_factor_set
    from ..core.config import resolve_factor_set_path
    from ..core.errors import GhgInvError

    try:
        path_a, path_b = resolve_factor_set_path(set_a), resolve_factor_set_path(set_b)
        if out is not None:  # never into a factor set, never into a run folder: refused before any work
            from ..runfolder import check_output_file

            check_output_file(out, [("factor set", path_a), ("factor set", path_b)])
        a = load_factor_set(path_a)
        b = load_factor_set(path_b)
    except GhgInvError as e:
        fail(e)
        return
    d = diff_factor_sets(a, b)
    con = console(soft_wrap=False)
    t = Table(title=esc(f"{a.name} {a.version} → {b.name} {b.version}"), title_justify="left")
    for c in ("change", "file", "activity", "sector", "region", "years", "key", "A", "B", "B source"):
        t.add_column(c, overflow="fold")
    for r in d.iter_rows(named=True):
        years = f"{r['year_from'] or ''}–{r['year_to'] or ''}"
        av = "" if r["a_value"] is None else f"{r['a_value']:g} {r['a_unit']} ({r['a_status']})"
        bv = "" if r["b_value"] is None else f"{r['b_value']:g} {r['b_unit']} ({r['b_status']})"
        t.add_row(*(esc(v) for v in (r["change"], r["file"], r["activity"], r["sector"], r["region"], years, r["key"], av, bv,
                                     (r["b_source"] or r["a_source"] or "")[:60])))
    con.print(t)
    counts = {k: d.filter(d["change"] == k).height for k in ("added", "removed", "changed")}
    con.print(", ".join(f"{v} {k}" for k, v in counts.items()))
    if out is not None:
        if out.suffix.lower() == ".csv":
            from ..runfolder import write_csv

            write_csv(d, out)  # a cell that a spreadsheet would run as a formula gets a leading '
        else:
            d.write_parquet(out)
