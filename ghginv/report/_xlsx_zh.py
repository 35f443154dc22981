"""``inventory.xlsx`` in Chinese (issue 19 item 2): the sheets other than the provincial tables, localised from
the one catalogue (:mod:`ghginv.core.i18n`, block ``XLSX_*``).

With ``lang = "zh"`` every sheet name, note and column head is Chinese; a column of codes (IPCC category,
indicator, target kind, scope, activity, fuel, factor kind) keeps its values as data — a bureau filters and
joins on them — and gets a Chinese name column beside it (指标代码 + 指标); words in value columns (statuses,
units, origins, assessments, methods, ``ALL``, yes/no) become the catalogue's Chinese words; generated notes
and reasons go through :func:`ghginv.core.i18n.translate_note`. Names and sources the user or a source gave
(targets, factor sets, citations, region codes) stay as written. Units: the Summary's yearly totals and the
five-sector sheet in 万吨 like the provincial tables; the detail sheets keep 吨, said in the head and the note.
Values stay numbers. With ``lang = "en"`` nothing here is used: the English workbook is unchanged.
"""

from __future__ import annotations

import polars as pl

from ..core import i18n as cat
from ..core.i18n import LABELS, label, label_parts, pick, translate_note

__all__ = ["category_zh", "sheet_name", "xlsx_text", "zh_frame", "zh_summary_line", "column_head", "SHEET_UNIT_NOTE"]

# the unit note of each sheet in Chinese (key of XLSX_TEXTS); sheets not listed have the unit in their heads
SHEET_UNIT_NOTE = {
    "IPCC categories": "unit_t", "Completeness": "unit_t", "Provincial 5 sectors": "unit_wt", "Indicators": "unit_indicators",
    "Targets": "unit_targets", "Peak": "unit_t", "Factors used": "unit_factors", "Key categories": "unit_share",
    "Reference approach": "unit_reference", "Gap filling": "unit_t", "Recalculations": "unit_t", "Recalculated factors": "unit_factors",
}

# code column -> LABELS block naming its values
_NAME_BLOCK = {"scope": "scope", "indicator": "indicator", "kind": "kind", "activity": "activity", "fuel": "activity",
               "Factors used:kind": "factor_kind", "Recalculated factors:kind": "factor_kind"}
_WT = 1e4  # t per 万吨


def sheet_name(sheet: str, lang: str) -> str:
    """The name of sheet ``sheet`` (its English name) in ``lang``.

    Parameters
    ----------
    sheet : str
        The English sheet name (a key of :data:`ghginv.core.i18n.XLSX_SHEETS`).
    lang : {"en", "zh"}
        Language.

    Returns
    -------
    str
        The sheet's name; the English name itself for ``en`` or a sheet the catalogue does not list.
    """
    return pick(cat.XLSX_SHEETS, sheet, lang) if sheet in cat.XLSX_SHEETS else sheet


def xlsx_text(key: str, lang: str, **kw) -> str:
    """A text of the workbook (:data:`ghginv.core.i18n.XLSX_TEXTS`) in ``lang``.

    Parameters
    ----------
    key : str
        Key of ``XLSX_TEXTS``.
    lang : {"en", "zh"}
        Language.
    **kw
        Values of the text's placeholders.

    Returns
    -------
    str
        The text.
    """
    return pick(cat.XLSX_TEXTS, key, lang, **kw)


def column_head(sheet: str, column: str) -> str:
    """The Chinese head of ``column`` of sheet ``sheet``: ``<sheet>:<column>`` first, then ``<column>``; a column
    ``old_x``/``new_x`` is 原/新 + the head of ``x``; an uncatalogued column keeps its name.

    Parameters
    ----------
    sheet : str
        English sheet name.
    column : str
        Column of the sheet's frame.

    Returns
    -------
    str
        The Chinese head.
    """
    for k in (f"{sheet}:{column}", column):
        if k in cat.XLSX_COLUMNS:
            return cat.XLSX_COLUMNS[k][1]
    for p in ("old_", "new_"):
        if column.startswith(p):
            return cat.XLSX_COLUMNS[p][1] + column_head(sheet, column[len(p):])
    return column


def category_zh(code: str | None, english: str | None = None) -> str | None:
    """The Chinese name of an IPCC category code (:data:`ghginv.core.i18n.CATEGORY_ZH`; ``TOTAL`` 合计), else ``english``.

    Parameters
    ----------
    code : str or None
        Dotted IPCC 2006 code, or ``TOTAL``.
    english : str, optional
        The English name, kept for a code without a Chinese one.

    Returns
    -------
    str or None
        The name.
    """
    if code == "TOTAL":
        return label("activity", "TOTAL", "zh")
    return cat.CATEGORY_ZH.get(code, english) if code is not None else english


def _name(block: str, v) -> str | None:
    """The catalogue's Chinese name of code ``v`` of ``block``, None when the catalogue does not know it."""
    if v is None:
        return None
    parts = label_parts(block, v, "zh")
    if parts == [(str(v), False)]:
        return None
    return "".join(t for t, _ in parts)


def _word(block: str, v):
    if not isinstance(v, str):
        return v
    if block == "unit":
        if v in LABELS["unit"]:
            return label("unit", v, "zh")
        return cat.XLSX_VALUES["unit"][v][1] if v in cat.XLSX_VALUES["unit"] else v
    if block in ("status", "region"):
        return label(block, v, "zh") if v in LABELS[block] else v
    if block in cat.XLSX_VALUES:
        return cat.XLSX_VALUES[block][v][1] if v in cat.XLSX_VALUES[block] else v
    return v


def _values(sheet: str, column: str, s: pl.Series) -> pl.Series:
    """The values of one column in Chinese (numbers unchanged but for the 万吨 columns)."""
    if s.dtype == pl.Boolean:
        yes, no = cat.XLSX_TEXTS["yes"][1], cat.XLSX_TEXTS["no"][1]
        return pl.Series(s.name, [None if v is None else (yes if v else no) for v in s.to_list()], dtype=pl.String)
    if sheet == "Provincial 5 sectors" and s.dtype.is_float():
        return s / _WT
    if s.dtype != pl.String:
        return s
    if column in ("reason", "note"):
        fn = lambda v: None if v is None else translate_note(v, "zh")  # noqa: E731
    elif column in ("unit", "old_unit", "new_unit"):
        fn = lambda v: _word("unit", v)  # noqa: E731
    elif column == "status" and sheet in ("Targets", "Peak"):
        fn = lambda v: _word("status", v)  # noqa: E731
    elif column in ("region", "origin", "assessment", "method", "change"):
        fn = lambda v: _word(column, v)  # noqa: E731
    else:
        return s
    return pl.Series(s.name, _per_value(s.to_list(), fn), dtype=pl.String)  # once per distinct value


def _per_value(values: list, fn) -> list:
    """``[fn(v) for v in values]``, calling ``fn`` once per distinct value."""
    memo: dict = {}
    return [memo[v] if v in memo else memo.setdefault(v, fn(v)) for v in values]


def zh_frame(sheet: str, df: pl.DataFrame) -> pl.DataFrame:
    """The frame of sheet ``sheet`` with Chinese heads and words, a Chinese name column beside each code column.

    Parameters
    ----------
    sheet : str
        The English sheet name (which selects sheet-specific heads, e.g. ``kind`` of "Factors used" is a factor kind).
    df : polars.DataFrame
        The frame the English sheet shows.

    Returns
    -------
    polars.DataFrame
        The Chinese frame: the same rows, numbers as numbers (the five-sector sheet in 万吨), codes kept.
    """
    out: list[pl.Series] = []
    for c in df.columns:
        if sheet == "Provincial 5 sectors" and c == "sector":  # the English sector name; sector_zh is the Chinese
            continue
        s = df[c]
        if c == "category_name" and "category" in df.columns:  # the catalogue's name of the code beside it
            pairs = list(zip(df["category"].to_list(), s.to_list(), strict=True))
            out.append(pl.Series(column_head(sheet, c), _per_value(pairs, lambda p: category_zh(*p)), dtype=pl.String))
            continue
        out.append(_values(sheet, c, s).alias(column_head(sheet, c)))
        for k in (f"{sheet}:{c}", c):
            if k in cat.XLSX_NAME_HEADS:
                head = cat.XLSX_NAME_HEADS[k][1]
                if k.endswith(":sector"):  # an IPCC category code
                    names = _per_value(s.to_list(), category_zh)
                else:
                    names = _per_value(s.to_list(), lambda v, b=_NAME_BLOCK[k]: _name(b, v))
                out.append(pl.Series(head, names, dtype=pl.String))
                break
    return pl.DataFrame(out)


def _summary_key(key: str) -> str:
    """A Summary label in Chinese: a dotted key part by part (``standard_coal_sources.ncv`` → 折标准煤系数来源·低位发热量)."""
    parts = []
    for p in key.split("."):
        base, _, idx = p.partition(" [")
        if base in cat.XLSX_SUMMARY:
            name = cat.XLSX_SUMMARY[base][1]
        elif base in LABELS["convention"]:
            name = label("convention", base, "zh")
        else:
            name = base
        parts.append(name + (f"［{idx.rstrip(']')}］" if idx else ""))
    return "·".join(parts)


def zh_summary_line(key: str, value: str) -> tuple[str, str]:
    """One (label, text) line of the Summary sheet in Chinese: the label from the catalogue, a catalogued value
    (``equivalent``, a convention's wording) as its Chinese words, a generated note through :func:`translate_note`,
    anything else (names, paths, hashes, numbers) as written.

    Parameters
    ----------
    key : str
        The English label (``lang``, ``peak.plateau_pct`` …).
    value : str
        The English text.

    Returns
    -------
    tuple of (str, str)
        The Chinese label and text.
    """
    if key == "lang":
        return _summary_key(key), xlsx_text(f"lang_{value}", "zh") if f"lang_{value}" in cat.XLSX_TEXTS else value
    if value in LABELS["value"]:
        return _summary_key(key), label("value", value, "zh")
    items = [v.strip() for v in value.split(",")]
    if value and all(v in LABELS["activity"] for v in items):  # indirect_co2 = "electricity, heat"
        return _summary_key(key), "、".join(label("activity", v, "zh") for v in items)
    return _summary_key(key), translate_note(value, "zh")
