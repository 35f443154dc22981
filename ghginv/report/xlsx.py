"""inventory.xlsx (xlsxwriter): summary, IPCC categories, provincial 5-sector table, indicators,
targets, peak analysis, and the factors used with their sources.

With ``lang = "zh"`` every sheet is Chinese — sheet names, notes, heads, category names, statuses, units — from
the one catalogue (:mod:`ghginv.core.i18n`, through :mod:`ghginv.report._xlsx_zh`); code columns keep their values
beside a Chinese name column. With ``lang = "en"`` the workbook is as it always was.

Numbers are written as numbers (formatting is display only) with 16 significant digits (what
xlsxwriter writes; Excel keeps 15), so reading the sheets back gives the Parquet outputs' values
to that precision.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from ..core import categories
from ..core._frames import group_sum, per_distinct
from ..core.gwp import MONTREAL_GASES, gas_family
from ._atoms import Atoms
from ._completeness import completeness_sheet
from ._detail import DETAIL_TABLES, WORKBOOK_DETAIL_ROWS, SummedTable, summed_frame, summed_text, table_detail
from ._fastrows import write_rows
from ._sheets import sheet_head, sheet_parts, split_note
from ._xlsx_zh import SHEET_UNIT_NOTE, sheet_name, xlsx_text, zh_frame, zh_summary_line
from .data import ReportData
from .i18n import text
from .provincial import provincial_sheets

__all__ = ["write_xlsx", "build_xlsx", "provincial_table", "summary_lines", "FIVE_SECTORS", "GAS_COLUMNS"]

FIVE_SECTORS = [  # (key, English, Chinese, IPCC prefixes)
    ("energy", "Energy", "能源活动", ("1",)),
    ("ippu", "Industrial processes", "工业生产过程", ("2",)),
    ("agriculture", "Agriculture", "农业", ("3.A", "3.C", "3.D.2")),
    ("lulucf", "Land use, land-use change and forestry", "土地利用变化和林业", ("3.B", "3.D.1")),
    ("waste", "Waste", "废弃物处理", ("4",)),
]
GAS_COLUMNS = ["CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"]
FAST_ROWS = 1  # tables from this many rows are written column by column (ghginv.report._fastrows)



def _five(sector: str) -> str | None:
    for key, _, _, prefixes in FIVE_SECTORS:
        if categories.under(sector, *prefixes):
            return key
    return None


def provincial_table(emissions: pl.DataFrame, atoms: Atoms | None = None) -> pl.DataFrame:
    """The provincial five-sector table: t of each gas and t CO2e per year and sector.

    Direct emissions, whole area, in the sectors of :data:`FIVE_SECTORS` (energy, industrial
    processes, agriculture, LULUCF, waste) and their total; indirect emissions of purchased
    electricity and heat and biogenic CO2 follow as memo rows. A gas (or a whole sector) with no
    estimate is null — a blank cell, never a silent zero; its notation key is in the Completeness
    sheet.

    Parameters
    ----------
    emissions : polars.DataFrame
        The run's emission rows (year, scope, sector, gas, ``emissions_t`` [t of the gas],
        ``co2e_t`` [t CO2e]).
    atoms : ghginv.report._atoms.Atoms, optional
        The atoms of ``emissions`` (:meth:`ghginv.report.data.ReportData.emission_atoms`), when the caller has them:
        the rows' codes are then found per atom (the same table).

    Returns
    -------
    polars.DataFrame
        One row per year and sector, a direct total, and memo rows (indirect, biogenic CO2, Montreal
        Protocol gases): year, sector, sector_zh, ``<gas>_t`` per gas group of :data:`GAS_COLUMNS` [t of the gas] and
        ``co2e_t`` [t CO2e].
    """
    # the sector and gas groups as integer codes in the order of their names: group_sum sorts and adds them as it
    # would the names (the same groups, order and sums), without a text column per emission row to build and encode
    five_names = sorted([k for k, *_ in FIVE_SECTORS] + ["memo_indirect", "memo_montreal", "memo_bunkers", "memo_biogenic"])
    five_code = {k: i for i, k in enumerate(five_names)}
    a = atoms
    gases = a.table["gas"].to_list() if a is not None else emissions["gas"].drop_nulls().unique().to_list()
    families = {g: gas_family(g) for g in gases if g is not None}
    group_names = sorted(set(families.values()))
    group_code = {k: i for i, k in enumerate(group_names)}
    if a is not None:  # the same groups, order and sums, found per atom of the emission rows (ghginv.report._atoms)
        wide = _five_of_atoms(emissions, a, families)
    else:
        e = emissions.select(
            "year", "emissions_t", "co2e_t",
            per_distinct(emissions["gas"], lambda g: group_code[families[g]], pl.Int64).alias("gas_group"),
            pl.when(pl.col("scope") == "direct").then(per_distinct(emissions["sector"], lambda c: five_code.get(_five(c)), pl.Int64))
            .when(pl.col("scope") == "indirect").then(pl.lit(five_code["memo_indirect"], pl.Int64))
            .when(pl.col("gas").is_in(list(MONTREAL_GASES))).then(pl.lit(five_code["memo_montreal"], pl.Int64))
            .when(pl.col("sector").is_in([c for c in emissions["sector"].unique().to_list() if c and categories.is_bunker(c)]))
            .then(pl.lit(five_code["memo_bunkers"], pl.Int64))
            .otherwise(pl.lit(five_code["memo_biogenic"], pl.Int64)).alias("five"),
        ).filter(pl.col("five").is_not_null())
        wide = group_sum(e, ["year", "five", "gas_group"], ["emissions_t", "co2e_t"])
        wide = wide.with_columns(pl.col("five").replace_strict(dict(enumerate(five_names)), return_dtype=pl.String),
                                 pl.col("gas_group").replace_strict(dict(enumerate(group_names)), default=None, return_dtype=pl.String))
    out = []
    names = {k: (en, zh) for k, en, zh, _ in FIVE_SECTORS}
    names["memo_indirect"] = ("Memo: purchased electricity and heat (indirect)", "备忘：外购电力和热力（间接）")
    names["memo_biogenic"] = ("Memo: biogenic CO2", "备忘：生物质燃烧 CO2")
    names["memo_montreal"] = ("Memo: Montreal Protocol gases (CFCs, HCFCs, halons)", "备忘：《蒙特利尔议定书》受控物质（CFCs、HCFCs、哈龙）")
    names["memo_bunkers"] = ("Memo: international bunkers (aviation, navigation)", "备忘：国际燃料舱（国际航空、国际航海）")
    order = [k for k, *_ in FIVE_SECTORS] + ["TOTAL", "memo_indirect", "memo_biogenic", "memo_bunkers", "memo_montreal"]
    fives = {k for k, *_ in FIVE_SECTORS}
    by_year: dict[int, list[tuple]] = {}  # the rows of ``wide`` per year, in its (sorted) order: no frame filter per cell
    for y, five, g, em, ce in wide.select("year", "five", "gas_group", "emissions_t", "co2e_t").iter_rows():
        by_year.setdefault(y, []).append((five, g, em, ce))

    def total(vals: list[float]) -> float:
        return float(pl.Series(vals, dtype=pl.Float64).sum())  # polars' sum over the same values in the same order

    for y in sorted(by_year):
        wy = by_year[y]
        for key in order:
            sub = [t for t in wy if (t[0] in fives if key == "TOTAL" else t[0] == key)]
            if key.startswith("memo") and not sub:
                continue
            row = {"year": y, "sector": names.get(key, ("Total (direct)", "合计（直接排放）"))[0],
                   "sector_zh": names.get(key, ("Total (direct)", "合计（直接排放）"))[1]}
            for g in GAS_COLUMNS:
                sg = [t[2] for t in sub if t[1] == g]
                row[f"{g}_t"] = total(sg) if sg else None
            row["co2e_t"] = total([t[3] for t in sub]) if sub else None
            out.append(row)
    return pl.DataFrame(out, schema={"year": pl.Int32, "sector": pl.String, "sector_zh": pl.String,
                                     **{f"{g}_t": pl.Float64 for g in GAS_COLUMNS}, "co2e_t": pl.Float64})


def _five_of_atoms(emissions: pl.DataFrame, a: Atoms, families: dict) -> pl.DataFrame:
    """The sums :func:`provincial_table` groups (year, five, gas_group, emissions_t, co2e_t; five and gas_group as their
    names), each atom's codes found once (:meth:`ghginv.report._atoms.Atoms.group_sum`): the same codes as the
    row-by-row rule (direct: the sector's five-sector key; indirect; Montreal gases; bunkers; else biogenic; a null
    scope, gas or sector as polars' when/then takes it), so the same groups, order and sums. A code's order is its
    name's, so the names group and sort as the codes."""
    t = a.table
    five, gas_group = [], []
    for sec, g, sc in zip(t["sector"].to_list(), t["gas"].to_list(), t["scope"].to_list(), strict=True):
        gas_group.append(None if g is None else families[g])
        if sc == "direct":
            five.append(None if sec is None else _five(sec))
        elif sc == "indirect":
            five.append("memo_indirect")
        elif g is not None and g in MONTREAL_GASES:
            five.append("memo_montreal")
        elif sec and categories.is_bunker(sec):
            five.append("memo_bunkers")
        else:
            five.append("memo_biogenic")
    return a.group_sum(emissions, [("year", t["year"].to_list(), emissions.schema["year"]), ("five", five, pl.String),
                                   ("gas_group", gas_group, pl.String)], ["emissions_t", "co2e_t"],
                       atoms=np.array([f is not None for f in five], bool))


def _width(header: str) -> int:
    """Column width [characters] for a header: a CJK character counts twice (Excel's width unit is a narrow digit)."""
    n = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in header)
    return max(10, min(n + 2, 40))


def _sheet(wb, name: str, df: pl.DataFrame, fmt_num, fmt_head, note: str | None = None,
           splits: list[dict] | None = None) -> None:
    """Write ``df`` as sheet ``name``; a table longer than a sheet holds continues on ``"<name> (2)"``
    … with the header repeated (:mod:`ghginv.report._sheets`), and the split is appended to ``splits``."""
    parts = sheet_parts(name, df.height, note)
    for part, start, stop in parts:
        ws, r0 = sheet_head(wb, part, note, df.columns, fmt_head, _width)
        rows = df.slice(start, stop - start)
        if rows.height >= FAST_ROWS and write_rows(ws, rows, r0 + 1, r0, fmt_num):  # the same bytes, column by column
            ws.freeze_panes(r0 + 1, 0)
            continue
        for i, row in enumerate(rows.iter_rows(), start=r0 + 1):
            for j, v in enumerate(row):
                if v is None:
                    ws.write_blank(i, j, None)
                elif isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, float):
                    ws.write_number(i, j, v, fmt_num)
                elif isinstance(v, int):
                    ws.write_number(i, j, v)
                else:
                    ws.write_string(i, j, str(v))
        ws.freeze_panes(r0 + 1, 0)
    rec = split_note(parts)
    if rec is not None and splits is not None:
        splits.append(rec)


def _scalar(v) -> str:
    """A value of the manifest as text for a cell: numbers and strings as they are, None as empty."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _nested(k: str, x) -> str:
    """A value inside a list item as one text: a scalar as :func:`_scalar`, a dict or list flattened."""
    if isinstance(x, dict | list | tuple):
        return "; ".join(f"{lab} {t}" if lab != k else t for lab, t in summary_lines(k, x))
    return _scalar(x)


def summary_lines(key: str, value) -> list[tuple[str, str]]:
    """(label, text) lines of one analysis entry for the Summary sheet: a dict becomes one line per
    key (``key.sub``), a list of scalars one line joined by "; ", a list of dicts one line per item
    (``k = v, …``) — never the text of a Python object.

    Parameters
    ----------
    key : str
        The entry's name (e.g. ``peak``).
    value : object
        Its value from ``manifest.json`` (scalars, lists, dicts).

    Returns
    -------
    list of (str, str)
        The lines.
    """
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out += summary_lines(f"{key}.{k}", v)
        return out
    if isinstance(value, list | tuple):
        if all(not isinstance(v, dict | list | tuple) for v in value):
            return [(key, "; ".join(_scalar(v) for v in value))]
        out = []
        for i, v in enumerate(value, start=1):
            if isinstance(v, dict):
                out.append((f"{key} [{i}]", ", ".join(f"{k} = {_nested(k, x)}" for k, x in v.items())))
            else:
                out += summary_lines(f"{key} [{i}]", v)
        return out
    return [(key, _scalar(value))]


def _summed_codes(d: ReportData) -> dict | None:
    """The key codes :func:`~ghginv.report._detail.summed_frame` groups the inventory on, when the run's inventory stage
    gave them (:meth:`ReportData.inventory_codes`): scope, category and gas; category_name follows category (the
    inventory makes the name from the code)."""
    codes = d.inventory_codes()
    return None if codes is None else {**{k: c for k, (_, c) in codes.items()}, "category_name": None}


def write_xlsx(d: ReportData, path: Path, lang: str | None = None, detail: str | None = None,
               limit_rows: int = WORKBOOK_DETAIL_ROWS) -> list[dict]:
    """Write ``inventory.xlsx``.

    Sheets: summary, IPCC categories, completeness, provincial five sectors, the provincial tables
    (:mod:`ghginv.report.provincial`: summary by sector and gas in 万吨, energy activity in
    physical units and tce, one table per sector; names and headers in ``lang``), indicators,
    targets, peak analysis, factors used with their sources, and, when the run has them, key
    categories, reference approach, gap filling and recalculations. Numbers are written as numbers with 16
    significant digits; the same inputs give the same bytes. A table longer than one Excel sheet
    holds (1,048,576 rows with its header) continues on sheets ``"<name> (2)"`` … with the header
    repeated — no row is left out — and the split is listed on the Summary sheet. The tables with a
    row per region (IPCC categories, Recalculations, Recalculated factors) are written in full or
    summed over regions as ``detail`` says (:mod:`ghginv.report._detail`); a summed table is said in
    its A1 note and on the Summary sheet, and listed in ``d.workbook_summed``.

    Parameters
    ----------
    d : ReportData
        The run's frames and manifest.
    path : pathlib.Path
        The file to write.
    lang : {"en", "zh"}, optional
        Language of the workbook; default the run's (``[report] lang``). With ``zh`` every sheet name, note and
        head is Chinese, code columns (category, indicator, kind, scope, activity) keep their codes with a Chinese
        name column beside them, and the Summary's totals and the five-sector sheet are in 万吨 (the detail sheets
        in 吨, said in their heads and notes); with ``en`` the sheets, heads and notes are the English ones.
    detail : {"auto", "full", "summed"}, optional
        The per-region tables in full, summed over regions, or summed when longer than ``limit_rows``;
        default the run's (``[report] workbook_detail``, ``--workbook-detail``), else ``auto``.
    limit_rows : int, default :data:`ghginv.report._detail.WORKBOOK_DETAIL_ROWS`
        With ``auto``: the most rows of a per-region table written in full.

    Returns
    -------
    list of dict
        One record per table split across sheets (:func:`ghginv.report._sheets.split_note`: sheet,
        sheets, rows, rows_per_sheet, message); empty when every table fits one sheet. The same list
        is kept as ``d.sheet_splits`` for the report's data-quality notes and the manifest.
    """
    wb = build_xlsx(d, path, lang, detail, limit_rows)
    wb.close()
    return d.sheet_splits


def build_xlsx(d: ReportData, path: Path, lang: str | None = None, detail: str | None = None,
               limit_rows: int = WORKBOOK_DETAIL_ROWS):
    """:func:`write_xlsx` but for the last step: every sheet of ``inventory.xlsx`` added, its split and summed tables
    listed (``d.sheet_splits``, ``d.workbook_summed``), the file not yet written. ``close()`` on the workbook returned
    writes it (the sheets' XML put together and compressed: about a third of the workbook's time, much of it
    without the GIL), so :func:`ghginv.report.write_reports` renders ``report.html`` meanwhile.

    Parameters
    ----------
    d : ReportData
        The run's frames and manifest.
    path : pathlib.Path
        The file ``close()`` writes.
    lang : {"en", "zh"}, optional
        As :func:`write_xlsx`.
    detail : {"auto", "full", "summed"}, optional
        As :func:`write_xlsx`.
    limit_rows : int, default :data:`ghginv.report._detail.WORKBOOK_DETAIL_ROWS`
        As :func:`write_xlsx`.

    Returns
    -------
    xlsxwriter.Workbook
        The workbook, to be closed by the caller.
    """
    import xlsxwriter

    m = d.manifest
    lang = lang or d.lang
    zh = lang == "zh"
    wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
    # same inputs -> same bytes: a fixed creation date instead of "now" (the run time is in the manifest)
    wb.set_properties({"title": str(m.get("name", "")), "created": datetime(2000, 1, 1, tzinfo=UTC)})
    head = wb.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    num = wb.add_format({"num_format": "#,##0.0000"})
    notice = text("synthetic", lang) if d.synthetic else None

    def note_of(sheet: str, extra: str | None = None) -> str | None:
        """The sheet's A1 line: the synthetic notice, then (zh) the unit note and any extra note, joined by " · "."""
        parts = [notice, xlsx_text(SHEET_UNIT_NOTE[sheet], lang) if zh and sheet in SHEET_UNIT_NOTE else None, extra]
        return " · ".join(p for p in parts if p) or None

    detail = detail or d.workbook_detail
    summed: list[SummedTable] = []

    def frame_sheet(sheet: str, frame: pl.DataFrame, extra: str | None = None) -> None:
        if sheet in DETAIL_TABLES and frame.height and table_detail(detail, frame.height, limit_rows) == "summed":
            rows, frame = frame.height, summed_frame(sheet, frame, *((d.keyed_rows(), _summed_codes(d)) if frame is d.inventory else ()))
            summed.append(SummedTable(sheet, rows, frame.height))
            extra = " · ".join(p for p in (extra, xlsx_text("summed_note", lang, rows=f"{rows:,}" if not zh else rows,
                                                            files=summed[-1].files)) if p)
        _sheet(wb, sheet_name(sheet, lang), zh_frame(sheet, frame) if zh else frame, num, head, note_of(sheet, extra), splits)

    ws = wb.add_worksheet(sheet_name("Summary", lang))
    lines = [("name", m.get("name", "")), ("ghginv_version", m.get("ghginv_version", "")),
             ("gwp", (m.get("gwp") or {}).get("set", "")),
             ("synthetic", xlsx_text("synthetic_yes", lang, notice=notice) if notice else xlsx_text("no", lang)),
             ("factor_sets", ", ".join(f"{s['name']} {s.get('version', '')}" for s in m.get("factor_sets", [])))]
    lines += [("warning", w.get("message", "")) for w in m.get("warnings") or []]  # e.g. a base-year factor from another year
    lines.append(("lang", lang))  # of this workbook (and of report.html)
    for k, v in (d.analysis or {}).items():
        if k not in ("notes", "standard_coal_rows", "lang"):  # the rows used are on the "Factors used" sheet
            lines += summary_lines(k, v)
    if zh:
        lines = [(zh_summary_line(k, str(v)) if k not in ("name", "ghginv_version", "gwp", "synthetic", "factor_sets")
                  else (zh_summary_line(k, "")[0], str(v))) for k, v in lines]
    for i, (k, v) in enumerate(lines):
        ws.write_string(i, 0, k, head)
        ws.write_string(i, 1, str(v))
    tot = group_sum(d.by_group(), ["year"], ["co2e_t"])
    r = len(lines) + 1
    ws.write_string(r, 0, xlsx_text("totals_year", lang), head)
    ws.write_string(r, 1, xlsx_text("totals", lang), head)
    for i, (y, v) in enumerate(tot.rows(), start=r + 1):
        ws.write_number(i, 0, y)
        ws.write_number(i, 1, v / 1e4 if zh else v, num)  # zh: 万吨 as the provincial tables
    ws.set_column(0, 0, 30 if zh else 26)
    ws.set_column(1, 1, 90)
    splits: list[dict] = []
    frame_sheet("IPCC categories", d.inventory)
    # categories × gases: value or notation key (ghginv.analysis.notation)
    completeness_sheet(wb, d, num, head, note_of("Completeness"), splits, lang)
    atoms = d.emission_atoms()  # the emission rows' atoms: the five-sector and provincial tables group them
    frame_sheet("Provincial 5 sectors", provincial_table(d.emissions, atoms), xlsx_text("blank", lang))
    method = (d.analysis or {}).get("electricity_method", "equivalent")
    keyed = d.keyed_rows()  # the inventory's notation keys: all the provincial notes read of it
    for name, frame, note in provincial_sheets(d.emissions, d.energy_activity, d.electricity_balance, lang, method,
                                               d.inventory if keyed is None else keyed, atoms):
        _sheet(wb, name, frame, num, head, f"{notice} · {note}" if notice else note, splits)
    if d.indicators is not None:
        frame_sheet("Indicators", d.indicators)
    if d.targets is not None:
        frame_sheet("Targets", d.targets)
    if d.peak is not None:
        frame_sheet("Peak", d.peak)
    frame_sheet("Factors used", d.factor_sources())
    from ._gapfill import gapfill_sheet
    from ._keycat import keycat_sheet_frame
    from ._reference import reference_sheet

    for name, frame in (("Key categories", keycat_sheet_frame(d)), ("Reference approach", reference_sheet(d)),
                        ("Gap filling", gapfill_sheet(d))):
        if frame is not None:
            frame_sheet(name, frame)
    if d.recalculation is not None:  # ghginv.rerun.recalc: old vs new with the activity/factor/GWP effects
        frame_sheet("Recalculations", d.recalculation)
        if d.recalculation_factors is not None:
            frame_sheet("Recalculated factors", d.recalculation_factors)
    # the Summary sheet (written first, still open) lists every split below the yearly totals
    r = len(lines) + 1 + tot.height + 2
    for i, rec in enumerate(splits, start=r):
        ws.write_string(i, 0, xlsx_text("sheet_split", lang), head)
        ws.write_string(i, 1, text("xlsx_split", lang, sheet=rec["sheet"], rows=f"{rec['rows']:,}" if not zh else rec["rows"],
                                   n=len(rec["sheets"]), names=", ".join(rec["sheets"]), per=rec["rows_per_sheet"])
                        if zh else rec["message"])
    for i, st in enumerate(summed, start=r + len(splits)):  # and every table summed over regions
        ws.write_string(i, 0, xlsx_text("workbook_summed", lang), head)
        ws.write_string(i, 1, summed_text(st, lang))
    d.sheet_splits = splits
    d.workbook_summed = summed
    return wb
