"""``ghginv import --draft-mapping SAMPLE.xlsx``: a mapping drafted from one sample form, for the user to review.

The sample's header is found by its words (能源名称 / 计量单位 / 代码), its merged two-row header
and ordinal row read as the importer reads them, and every item row looked up in the activity
vocabulary (:mod:`~ghginv.inputs.importer.vocabulary`, the same table the importer's hints use).
The draft maps every item it recognises, writes each item it does not know as a commented
``# TODO`` line (so an import with the draft stops at that row until the user decides), takes
year, entity, sector and region from the title-block cells it finds, and adds the checks the
form allows (原煤 = its 其中 rows, 能源合计 = Σ value × 采用折标系数, 消费量合计 = 工业 + 非工业, the
stock identity as a warning). The output is valid TOML.
"""

from __future__ import annotations

import json
from pathlib import Path

from ...core.errors import InputFileError
from .read import read_sheets
from .table import TOTAL_LABELS, is_total_label, label_key, norm
from .vocabulary import SECTOR_DIVISIONS, lookup

__all__ = ["draft_mapping"]

_ITEM_WORDS = ("能源名称", "能源品种", "品种名称", "项目", "指标名称")
_CODE_WORDS = ("代码",)
_UNIT_WORDS = ("计量单位", "单位")
_TITLE = {
    "entity_id": ("统一社会信用代码", "法人单位代码", "组织机构代码"),
    "entity_name": ("单位详细名称", "单位名称"),
    "sector": ("行业代码", "国民经济行业代码"),
    "region": ("行政区划代码", "区划代码"),
    "year": ("报告期",),
}


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _find(keys: list[str], *cands: str, exclude: tuple[str, ...] = ()) -> str | None:
    for c in cands:
        for k in keys:
            if k == c and not any(x in k for x in exclude):
                return k
    for c in cands:
        for k in keys:
            if k and k.split("/")[-1] == c and not any(x in k for x in exclude):
                return k
    for c in cands:
        for k in keys:
            if c in k and not any(x in k for x in exclude):
                return k
    return None


def draft_mapping(sample: str | Path, sheet: str | None = None) -> str:
    """Draft a mapping TOML from a sample enterprise form (205-1 layout), for the user to review.

    Parameters
    ----------
    sample : str or pathlib.Path
        One form: ``.xlsx`` or ``.csv``.
    sheet : str, optional
        The sheet to read: its name or a glob (the first sheet that matches); default the first sheet.

    Returns
    -------
    str
        The mapping as TOML text: every recognised item mapped to its activity, the rest as
        ``# TODO`` comments; title-block cells in ``[cells]``; the form's checks.

    Raises
    ------
    InputFileError
        When the sample cannot be read or holds no header row with 能源名称 (or 项目/指标名称) and
        代码 or 计量单位.

    Examples
    --------
    >>> text = ghginv.draft_mapping("ghginv/data/demo/ledgers/synthetic_205_1_2023.xlsx")   # doctest: +SKIP
    >>> Path("mapping.toml").write_text(text, encoding="utf-8")                      # doctest: +SKIP
    """
    sample = Path(sample)
    grid = read_sheets(sample, None, sheet)[0] if sheet else read_sheets(sample)[0]
    rows = grid.rows
    h = item_word = None
    for i, r in enumerate(rows[:200]):
        texts = [norm(c) for c in r]
        iw = next((w for w in _ITEM_WORDS if w in texts), None)
        if iw and any(w in texts for w in _CODE_WORDS + _UNIT_WORDS):
            h, item_word = i, iw
            break
    if h is None:
        raise InputFileError(f"{grid.where(1)}: no header row with {' / '.join(_ITEM_WORDS)} and 代码 or 计量单位 in the first 200 rows; "
                             "a mapping cannot be drafted from this sample")
    width = max(len(r) for r in rows)
    nxt = [norm(c) for c in rows[h + 1]] if h + 1 < len(rows) else []
    head = [norm(c) for c in rows[h]]
    ic = head.index(item_word)
    two = (any(nxt) and ic < len(nxt) and nxt[ic] in ("", item_word) and nxt[:len(head)] != head
           and next((t for t in nxt if t), "") not in ("甲", item_word))
    if nxt and ic < len(nxt) and nxt[ic] == item_word and nxt[:len(head)] != head:
        two = True  # a merged (vertical) item cell repeats its text in the second header row
    from .convert import _header_keys

    header_rows = 2 if two else 1
    keys = _header_keys(rows, h, header_rows, width)
    start = h + header_rows
    if start < len(rows) and next((norm(c) for c in rows[start] if norm(c)), "") == "甲":
        start += 1
    item_c = keys.index(_find(keys, item_word))
    code_k = _find(keys, *_CODE_WORDS)
    unit_k = _find(keys, *_UNIT_WORDS)
    amount_k = _find(keys, "消费量/合计", "消费量合计", "消费量", "综合能源消费量")
    minus_k = _find(keys, "消费量/用于原材料", "用于原材料")
    coef_k = _find(keys, "采用折标系数", "折标系数", exclude=("参考",))
    title = {}
    for r in rows[:h]:
        cells = [norm(c) for c in r]
        for j, t in enumerate(cells):
            for fld, labels in _TITLE.items():
                lab = next((x for x in labels if t.startswith(x)), None)
                if lab and fld not in title:
                    val = t[len(lab):].lstrip(":") or next((x for x in cells[j + 1:] if x), "")
                    title[fld] = (lab, val)
            if "year" not in title and len(t) >= 5 and t[:4].isdigit() and t[4] == "年":
                title["year"] = ("报告期", t)
    out = [
        f"# Mapping drafted by `ghginv import --draft-mapping {sample.name}`: REVIEW every line before use.",
        "# Items found in the activity vocabulary are mapped; the others are '# TODO' lines (an import stops",
        "# at such a row until you map it, or give \"-\" to leave it out). Nothing here is evaluated as code.",
        "",
        "[ledger]",
        'layout = "long"',
    ]
    if grid.sheet is not None:
        from .read import sheet_names

        names = sheet_names(sample) if sample.suffix.lower() in (".xlsx", ".xlsm") else [grid.sheet]
        glob = grid.sheet
        if len(names) > 1:
            import os

            prefix = os.path.commonprefix(names)
            glob = (prefix + "*") if prefix else "*"
        out.append(f"sheets = {_q(glob)}          # the sheets to read in every workbook (a glob; \"*\": all)")
    out += [f"header_rows = {header_rows}", 'blank = "skip"', "tolerance = 0.001",
            'unknown_blank_rows = "count"        # a TODO item row without values is counted; with a value it stops the import', ""]
    const = []
    if "year" not in title:
        const.append("year = 2024                   # TODO: no 报告期 cell found: the year of the forms")
    if "region" not in title:
        const.append('region = "000000"             # TODO: the district code (GB/T 2260) the enterprises report to')
    if "sector" not in title:
        const.append('sector = "1.A.2.m"            # TODO: no 行业代码 cell found: the IPCC 2006 category of the enterprise')
    if const:
        out += ["[constants]                      # the same for every form (fallback of [cells])", *const, ""]
    if title:
        out.append("[cells]                          # read from the title block above each table")
        for fld in ("entity_id", "entity_name", "year", "sector", "region"):
            if fld in title:
                lab, val = title[fld]
                labels = [lab] + ([x for x in _TITLE["entity_name"] if x in {t[0] for t in title.values()}] if fld == "entity_id" else [])
                out.append(f"{fld} = {_q(labels[0]) if len(labels) == 1 else json.dumps(labels, ensure_ascii=False)}"
                           f"   # sample: {val[:40]}")
        out.append("")
    out.append("[columns]                        # header keys (\"上/下\" for the two merged rows) or ordinals")
    out.append(f"item = {_q(keys[item_c])}")
    if code_k:
        out.append(f"code = {_q(code_k)}")
    if unit_k:
        out.append(f"unit = {_q(unit_k)}")
    if amount_k:
        out.append(f"amount = {_q(amount_k)}")
    else:
        out.append('amount = "消费量"                 # TODO: no consumption column recognised: name the column to import')
    if minus_k:
        out.append(f"minus = [{_q(minus_k)}]        # raw-material (non-energy) use is not combusted")
    if coef_k:
        out.append(f"coefficient = {_q(coef_k)}")
    out += ["", "[activities]                     # form item → activity code; \"-\" = deliberately not imported"]
    seen = set()
    parts_of_coal = []
    totals = []
    for i in range(start, len(rows)):
        r = rows[i]
        if item_c >= len(r) or not norm(r[item_c]):
            continue
        raw = norm(r[item_c])
        if raw.startswith(("单位负责人", "说明", "注:", "填表人")):
            break
        if is_total_label(raw):
            totals.append(label_key(raw))
            continue
        code = norm(r[keys.index(code_k)]) if code_k and keys.index(code_k) < len(r) else ""
        lab = label_key(raw)
        if lab in seen:
            continue
        seen.add(lab)
        it = lookup(lab, code or None)
        if it is not None and it.code in ("02", "03", "04", "05"):
            parts_of_coal.append(lab)
        unit = norm(r[keys.index(unit_k)]) if unit_k and keys.index(unit_k) < len(r) else ""
        if it is None:
            out.append(f"# TODO {_q(lab)} = \"\"          # row {i + 1}: not in the activity vocabulary ({unit or 'no unit'})")
        elif it.activity is None:
            out.append(f"# TODO {_q(lab)} = \"\"          # row {i + 1}, code {it.code}: {it.note}")
        else:
            note = f"code {it.code}, form unit {it.unit}" + (f"; this form: {unit}" if unit and unit != it.unit else "")
            out.append(f"{_q(lab)} = {_q(it.activity)}" + " " * max(1, 24 - len(lab) * 2 - len(it.activity))
                       + f"# {note}" + (f"; {it.note}" if it.note else ""))
    if title.get("sector"):
        out += ["", "[sectors]                        # 行业代码: GB/T 4754-2017 division → IPCC 2006 (research notes §5, status R: review)"]
        out += [f"{_q(d)} = {_q(c)}" for d, c in sorted(SECTOR_DIVISIONS.items())]
    if parts_of_coal and "原煤" in seen:
        out += ["", "[[checks]]                       # 原煤 (01) = its 其中 rows (02–05)", 'total = "原煤"',
                f"parts = {json.dumps(parts_of_coal, ensure_ascii=False)}"]
    total_row = next((t for t in totals if t in TOTAL_LABELS), None)
    if total_row and coef_k:
        out += ["", "[[checks]]                       # 能源合计 (tce) = Σ value × coefficient, per form", f"total = {_q(total_row)}",
                f"coefficient = {_q(coef_k)}"]
    ind, non = _find(keys, "消费量/工业生产消费"), _find(keys, "消费量/非工业生产消费")
    if amount_k and ind and non:
        out += ["", "[[checks]]                       # consumption = industrial + non-industrial, on every row",
                f"column = {_q(amount_k)}", f"parts = [{_q(ind)}, {_q(non)}]"]
    opening, bought, closing = _find(keys, "期初库存量", "期初库存"), _find(keys, "购进量/实物量", "购进量"), _find(keys, "期末库存量", "期末库存")
    if opening and bought and closing and amount_k:
        out_k = _find(keys, "外调量", "调出量", "外销量")
        minus = [amount_k] + ([out_k] if out_k else [])
        out += ["", "[[checks]]                       # stock identity: a warning (an error with --strict)",
                f"column = {_q(closing)}", f"parts = [{_q(opening)}, {_q(bought)}]",
                f"minus = {json.dumps(minus, ensure_ascii=False)}", "warn = true", "tolerance = 0.01"]
    return "\n".join(out) + "\n"
