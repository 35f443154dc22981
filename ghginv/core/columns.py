"""Column names of the tables a user writes, in English and Chinese: ONE alias table for every loader.

The economy table, sink data, the targets table, the notation-key table and the scenario file
accept, for each column, its English name (the data contract, e.g. ``gdp_const_10k_yuan``) or one
of its Chinese names (``地区生产总值(万元,可比价)``). :data:`TABLES` lists them; the user
documentation prints the same table (:func:`accepted_names`).

A Chinese header is read as *name* followed by parenthesised parts, in half- or full-width
parentheses, each part split at ``,`` ``，`` ``、`` ``;``: ``地区生产总值（可比价）（亿元）`` is the
name ``地区生产总值`` with the parts ``可比价`` and ``亿元``. A part that is a unit word gives the
column's unit; the other parts are qualifiers (``可比价``, ``现价``, ``上年=100``). A column whose
quantity bureaus write in several scales (GDP in 元, 万元 or 亿元; population in 人 or 万人; energy
in 吨标准煤 or 万吨标准煤) must state its unit in a Chinese header; the values are converted to the
English column's unit with the exact factor of the unit words (亿元 → 10^4 yuan: × 10,000;
万人 → persons: × 10,000; 万吨标准煤 → tce: × 10,000; % → fraction: × 0.01) — never a guessed one.
Units are those of :mod:`ghginv.core.units` (吨, 万吨, 吨标准煤, 万千瓦时, 万立方米, 公顷, 亩 …),
plus money (:data:`MONEY_10K_YUAN`: 元, 千元, 万元, 百万元, 亿元) and CO2-equivalent masses
(吨二氧化碳当量, 万吨二氧化碳当量), which the unit system does not carry.

Resolution (:func:`resolve_columns`): every header is matched to at most one column; two headers
for the same column (``年份`` and ``year``) are an error naming both; a required column that no
header gives is one error listing, for each missing column, its accepted names in both languages
and what to do (:func:`missing_columns_error`). Headers that match nothing are left as they are
for the loader (most tables ignore extra columns).

Value added by sector (economy table): ``value_added_const_10k_yuan:NAME``,
``value_added_current_10k_yuan:NAME`` and ``value_added_index_prev_100:NAME`` in English, or
``<部门>增加值(万元,可比价)``, ``<部门>增加值(万元,现价)``, ``<部门>增加值指数(上年=100)`` in Chinese, the
部门 named by :data:`VALUE_ADDED_SECTORS` (规模以上工业 → ``industry_above_scale`` …) or kept as
written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import SchemaError, UnitError
from .units import parse_unit

__all__ = ["Col", "TABLES", "Resolved", "resolve_columns", "missing_columns_error", "accepted_names", "split_header",
           "unit_factor", "MONEY_10K_YUAN", "VALUE_ADDED_SECTORS", "VALUE_ADDED_PREFIXES"]

# money: yuan -> 10^4 yuan (exact decimal scale words)
MONEY_10K_YUAN = {"元": 1e-4, "千元": 0.1, "万元": 1.0, "百万元": 100.0, "千万元": 1000.0, "亿元": 1e4}
_CO2E = ("二氧化碳当量", "CO2当量", "CO2e", "CO2-eq")
_CONST = ("可比价", "可比价格", "不变价", "不变价格")
_CONST_RE = re.compile(r"^\d{4}年(可比价|不变价|价)格?$")  # 2020年价, 2020年不变价, 2020年可比价格
_CURRENT = ("现价", "当年价", "当年价格", "现行价格", "现行价")
_INDEX = ("上年=100", "上年为100")

# 部门 of a value-added column in Chinese -> its name in targets (value_added = "…")
VALUE_ADDED_SECTORS = {"规模以上工业": "industry_above_scale", "规上工业": "industry_above_scale", "工业": "industry",
                       "第一产业": "primary", "第二产业": "secondary", "第三产业": "tertiary", "建筑业": "construction"}
VALUE_ADDED_PREFIXES = ("value_added_const_10k_yuan", "value_added_current_10k_yuan", "value_added_index_prev_100")


@dataclass(frozen=True)
class Col:
    """One column: its English name, Chinese names and how a Chinese header states its unit.

    ``unit``: the English column's unit (``"10^4 yuan"``, ``"person"``, ``"tce"``, ``"fraction"``,
    ``"%"``, ``"t CO2e"``) or None (text, codes, years, an index). ``need_unit``: a Chinese header
    must name its unit. ``qualifiers``: one of these words must be among the header's parts (price
    basis), ``"const"``/``"current"``/``"index"`` standing for the lists above.
    """

    name: str
    zh: tuple[str, ...]
    required: bool = False
    unit: str | None = None
    need_unit: bool = False
    qualifier: str | None = None


def _c(name, zh, required=False, unit=None, need_unit=False, qualifier=None) -> Col:
    return Col(name, tuple(zh.split()), required, unit, need_unit, qualifier)


_YEAR = "年份 年度 年"
_REGION = "地区 地区代码 区划代码 行政区划代码 区域"
_GDP = "地区生产总值 生产总值 GDP"
# table -> its columns (English name, Chinese names, …); the one alias table of ghginv
TABLES: dict[str, tuple[Col, ...]] = {
    "economy": (
        _c("year", _YEAR, True),
        _c("region", _REGION, True),
        _c("population", "常住人口 年末常住人口 年平均常住人口", True, "person", True),
        _c("gdp_const_10k_yuan", _GDP, False, "10^4 yuan", True, "const"),
        _c("gdp_current_10k_yuan", _GDP, False, "10^4 yuan", True, "current"),
        _c("gdp_index_prev_100", "地区生产总值指数 生产总值指数 GDP指数", False, None, False, "index"),
        _c("energy_tce", "能源消费总量 综合能源消费量", False, "tce", True),
        _c("electricity_non_fossil_share", "外购电力非化石能源比重 电力非化石能源比重 调入电力非化石能源比重 外购电力非化石能源占比", False, "fraction"),
    ),
    "sinks": (
        _c("year", _YEAR, True),
        _c("region", _REGION, True),
        _c("category", "类别 IPCC类别 碳汇类别 排放源类别", True),
        _c("stratum", "层 分层 林层 类型", True),
        _c("variable", "变量 指标", True),
        _c("value", "数值 值 数量", True),
        _c("unit", "单位 计量单位", True),
        _c("entity_id", "小班号 小班 编号 单位代码"),
    ),
    "targets": (
        _c("kind", "类型 指标类型 目标类型", True),
        _c("name", "名称 目标名称 目标"),
        _c("base_year", "基准年 基准年份 基期"),
        _c("year", "目标年 目标年份"),
        _c("before_year", "达峰年份 达峰期限"),
        _c("reduction_pct", "下降率 下降幅度 降低率", False, "%"),
        _c("energy_variant", "能耗口径"),
        _c("min_share_pct", "目标比重 比重目标 最低比重", False, "%"),
        _c("cap_t_co2e", "排放上限 排放总量上限", False, "t CO2e", True),
        _c("scope", "核算范围 范围"),
        _c("region", "地区 区域"),
        _c("source", "来源 依据 出处", True),
        _c("optional", "可选"),
        _c("sectors", "部门 行业"),
        _c("except_sectors", "不含部门 不含行业"),
        _c("value_added", "增加值 增加值口径"),
    ),
    "notation_keys": (
        _c("category", "类别 排放源类别 类别代码 IPCC类别", True),
        _c("gas", "气体 温室气体"),
        _c("key", "注释符号 注释键 标注", True),
        _c("reason", "原因 说明"),
        _c("where", "包含于 计入类别"),
    ),
    "scenarios": (
        _c("scenario", "情景 情景名称", True),
        _c("activity", "活动 活动类型 能源品种"),
        _c("gas", "气体 温室气体"),
        _c("region", _REGION),
        _c("year", _YEAR),
        _c("value", "数值 排放因子 因子"),
        _c("unit", "单位 计量单位"),
        _c("gwp", "GWP GWP值集 全球增温潜势"),
    ),
}
_WHAT = {"economy": "economy table", "sinks": "sink data", "targets": "targets table", "notation_keys": "notation-key table",
         "scenarios": "scenario file"}
_QUAL = {"const": _CONST, "current": _CURRENT, "index": _INDEX}
_SPLIT = re.compile(r"[,;、]")


def _norm(text: str) -> str:
    """Full-width forms folded (NFKC: （，） -> (,)), spaces removed."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def split_header(header: str) -> tuple[str, list[str]]:
    """A header cell as (name, parenthesised parts).

    Parameters
    ----------
    header : str
        The header as written, e.g. ``地区生产总值（万元，可比价）`` or ``常住人口(万人)``.

    Returns
    -------
    tuple of (str, list of str)
        The name before the first parenthesis and the parts inside the parentheses (split at
        ``,`` ``、`` ``;``), full-width forms folded and spaces removed: ``("地区生产总值",
        ["万元", "可比价"])``.
    """
    s = _norm(header).replace("[", "(").replace("]", ")")
    name, _, rest = s.partition("(")
    parts = [p for chunk in re.findall(r"([^()]*)\)", "(" + rest if rest else "") for p in _SPLIT.split(chunk) if p]
    return name, parts


def unit_factor(word: str, unit: str) -> float | None:
    """Factor that turns a value in the unit ``word`` into the English column's ``unit``.

    Parameters
    ----------
    word : str
        A unit as written in a header (``亿元``, ``万人``, ``万吨标准煤``, ``%``, ``万吨二氧化碳当量``).
    unit : str
        The English column's unit: ``"10^4 yuan"``, ``"t CO2e"``, ``"fraction"``, ``"%"`` or a unit of
        :func:`ghginv.core.units.parse_unit` (``"person"``, ``"tce"``).

    Returns
    -------
    float or None
        The exact factor (value_in_unit = value × factor), or None when ``word`` is not a unit of
        that quantity.
    """
    if unit == "10^4 yuan":
        return MONEY_10K_YUAN.get(word)
    if unit == "t CO2e":
        for suffix in _CO2E:
            if word.endswith(suffix) and word != suffix:
                word = word[: -len(suffix)].strip()
                break
        else:
            return None
        unit = "t"
    try:
        a, b = parse_unit(word), parse_unit(unit)
    except UnitError:
        return None
    if a.dimension != b.dimension or a.element is not None:
        return None
    return float(f"{a.scale / b.scale:.12g}")  # the scale words are exact decimals: no float noise


def _qualified(parts: list[str], qualifier: str | None) -> bool:
    if qualifier is None:
        return True
    words = _QUAL[qualifier]
    return any(p in words or (qualifier == "const" and _CONST_RE.match(p)) for p in parts)


def _other_parts(parts: list[str], qualifier: str | None) -> list[str]:
    if qualifier is None:
        return parts
    return [p for p in parts if not _qualified([p], qualifier)]


@dataclass
class Resolved:
    """The outcome of :func:`resolve_columns`.

    ``rename``: header as written -> English column name (headers already English map to
    themselves); ``factors``: English column -> factor its values are multiplied by (a Chinese
    header in another unit, e.g. 亿元 -> × 10,000); ``notes``: one line per such conversion;
    ``near``: header -> what is wrong with it, for headers that name a known column but do not
    say enough (no unit, no price basis, an unknown unit).
    """

    rename: dict[str, str]
    factors: dict[str, float]
    notes: list[str]
    near: dict[str, str]


def _value_added(name: str, parts: list[str]) -> tuple[str, str | None] | None:
    """(English column, qualifier) of a Chinese value-added header, or None."""
    if name.endswith("增加值指数") and len(name) > 5:
        return f"value_added_index_prev_100:{VALUE_ADDED_SECTORS.get(name[:-5], name[:-5])}", "index"
    if name.endswith("增加值") and len(name) > 3:
        sector = VALUE_ADDED_SECTORS.get(name[:-3], name[:-3])
        if _qualified(parts, "current"):
            return f"value_added_current_10k_yuan:{sector}", "current"
        if _qualified(parts, "const"):
            return f"value_added_const_10k_yuan:{sector}", "const"
        return f"value_added_?:{sector}", None
    return None


def resolve_columns(columns, table: str, file: str) -> Resolved:
    """Match a table's headers to its English columns (:data:`TABLES`).

    Parameters
    ----------
    columns : iterable of str
        The headers as written.
    table : str
        One of :data:`TABLES` (``economy``, ``sinks``, ``targets``, ``notation_keys``,
        ``scenarios``).
    file : str
        The file, for messages.

    Returns
    -------
    Resolved
        The renaming, unit factors, notes and near misses.

    Raises
    ------
    SchemaError
        Two headers give the same column (``年份`` and ``year``); or a Chinese header of a column
        that needs a unit names none, or a unit of another quantity (one message per header, with
        the accepted units).
    """
    cols = TABLES[table]
    english = {c.name: c for c in cols}
    by_zh: dict[str, list[Col]] = {}
    for c in cols:
        for z in c.zh:
            by_zh.setdefault(z, []).append(c)
    rename: dict[str, str] = {}
    factors: dict[str, float] = {}
    notes: list[str] = []
    near: dict[str, str] = {}
    bad: list[str] = []
    for h in columns:
        h = str(h)
        plain = h.strip()
        if plain in english or (table == "economy" and plain.split(":", 1)[0] in VALUE_ADDED_PREFIXES and ":" in plain):
            rename[h] = plain
            continue
        name, parts = split_header(h)
        cands = by_zh.get(name, [])
        target: tuple[str, Col | None, str | None] | None = None
        for c in cands:
            if _qualified(parts, c.qualifier):
                target = (c.name, c, c.qualifier)
                break
        if target is None and table == "economy":
            va = _value_added(name, parts)
            if va is not None and va[1] is None:
                near[h] = f"'{h}' does not say its price basis: add (可比价) or (现价) to the header"
            elif va is not None:
                target = (va[0], None, va[1])
        if target is None:
            if cands:
                quals = ") or (".join(dict.fromkeys(_QUAL[c.qualifier][0] for c in cands if c.qualifier))
                near[h] = f"'{h}' does not say its price basis or base: add ({quals}) to the header" if quals else ""
            continue
        col, spec, qual = target
        unit = spec.unit if spec is not None else (None if col.startswith("value_added_index") else "10^4 yuan")
        need = spec.need_unit if spec is not None else unit is not None
        words = _other_parts(parts, qual)
        if unit is not None:
            found = [(w, unit_factor(w, unit)) for w in words]
            units = [(w, f) for w, f in found if f is not None]
            if len(units) > 1 or (need and not units) or (words and not units and len(words) == 1 and unit != "fraction"):
                eg = _unit_examples(unit)
                what = "names no unit" if not words else f"has the unit {'、'.join(words)}, which is not one of this column's"
                bad.append(f"'{h}' ({col}) {what}: write it as {name}({eg.split(', ')[0]}) — units: {eg}")
                continue
            if units and units[0][1] != 1.0:
                factors[col] = units[0][1]
                notes.append(f"{file}: column '{h}' is in {units[0][0]}: values × {units[0][1]:g} to {col} [{unit}]")
        rename[h] = col
    if bad:
        raise SchemaError(f"{file}: the {_WHAT[table]} has header(s) without a usable unit: " + "; ".join(bad))
    seen: dict[str, str] = {}
    for h, c in rename.items():
        if c in seen:
            raise SchemaError(f"{file}: columns '{seen[c]}' and '{h}' both give {c}: keep one of them (English or Chinese header, not both)")
        seen[c] = h
    return Resolved(rename, factors, notes, {k: v for k, v in near.items() if v})


def _unit_examples(unit: str) -> str:
    return {"10^4 yuan": "万元, 亿元, 元, 千元", "person": "人, 万人", "tce": "吨标准煤, 万吨标准煤",
            "t CO2e": "吨二氧化碳当量, 万吨二氧化碳当量", "%": "%", "fraction": "%"}.get(unit, unit)


def accepted_names(table: str, names: list[str] | None = None) -> str:
    """The accepted headers of a table's columns, both languages, for messages and documentation.

    Parameters
    ----------
    table : str
        One of :data:`TABLES`.
    names : list of str, optional
        Only these English columns; default all.

    Returns
    -------
    str
        ``"year = 年份 | 年度 | 年; population = 常住人口(人) | 常住人口(万人) | …"``.
    """
    out = []
    for c in TABLES[table]:
        if names is not None and c.name not in names:
            continue
        zh = list(c.zh)
        if c.qualifier:
            q = _QUAL[c.qualifier][0]
            zh = [f"{z}({_unit_examples(c.unit).split(', ')[0]},{q})" if c.unit else f"{z}({q})" for z in zh]
        elif c.need_unit:
            zh = [f"{z}({u})" for z in zh for u in _unit_examples(c.unit).split(", ")[:2]]
        out.append(f"{c.name} = {' | '.join(zh)}")
    return "; ".join(out)


def missing_columns_error(file: str, table: str, missing: list[str], resolved: Resolved | None = None,
                          alternatives: str | None = None) -> SchemaError:
    """One error for a table that lacks required columns: each with its accepted names in both languages.

    Parameters
    ----------
    file : str
        The file.
    table : str
        One of :data:`TABLES`.
    missing : list of str
        The English names of the missing columns (a group such as "gdp_const_10k_yuan (or …)" may
        be given as ``alternatives``).
    resolved : Resolved, optional
        The resolution, whose near misses (a header without price basis) are added as hints.
    alternatives : str, optional
        Extra text on columns that may replace each other.

    Returns
    -------
    SchemaError
        The error to raise: file, what is missing, accepted names, what to do.
    """
    base = [m.split(" ")[0] for m in missing]
    msg = (f"{file}: the {_WHAT[table]} lacks column(s) {', '.join(missing)}. Accepted headers (English or Chinese): "
           f"{accepted_names(table, base)}")
    if alternatives:
        msg += f". {alternatives}"
    if resolved is not None and resolved.near:
        msg += ". " + "; ".join(resolved.near.values())
    return SchemaError(msg + ". Rename the header cell(s) to one of these names, or add the column(s).")
