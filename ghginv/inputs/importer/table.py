"""Cells of a statistical table: labels, numbers, units and the (merged, multi-row) header.

Everything textual is NFKC-normalised first, so full-width digits, letters, parentheses and the
ideographic space U+3000 read like their ASCII forms (``１２３`` → ``123``, ``（万吨）`` → ``(万吨)``).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from functools import lru_cache

from ...core.errors import UnitError
from ...core.units import _ALIASES, parse_unit

__all__ = [
    "norm",
    "label_key",
    "parse_number",
    "canonical_unit",
    "split_header_unit",
    "BLANK_MARKS",
    "TOTAL_LABELS",
    "is_total_label",
]

BLANK_MARKS = {"", "-", "--", "—", "——", "–", "…", "……", "...", "/"}
# labels of total and subtotal rows/columns (checked, never imported): checklist §6.6
TOTAL_LABELS = (
    "合计", "小计", "总计", "能源合计", "煤炭合计", "煤合计", "石油合计", "油品合计", "能源消费总量",
    "消费量合计", "终端消费量", "总计(合计)", "TOTAL",
)
_SYNONYMS = {"其它": "其他", "千瓦小时": "千瓦时", "吨标煤": "吨标准煤"}
_NUMBERING = re.compile(
    r"^(?:\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+[、.]|\(\d+\)|\d+[.、)](?!\d)|[#*]+|其中[:]?|合计中[:]?)\s*"
)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_DIGITS = frozenset("0123456789")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def norm(value: object) -> str:
    """Cell -> stripped NFKC text with inner whitespace removed (None -> '').

    Parameters
    ----------
    value : object
        A cell value (text, number or None); an integral float is written without ``.0``.

    Returns
    -------
    str
        NFKC-normalised text without any whitespace, with a few synonyms unified
        (``其它`` -> ``其他``, ``千瓦小时`` -> ``千瓦时``, ``吨标煤`` -> ``吨标准煤``).
    """
    if value.__class__ is str:
        return _norm_text(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _norm_text(str(value))


@lru_cache(maxsize=1 << 16)
def _norm_text(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = "".join(s.split())
    for a, b in _SYNONYMS.items():
        s = s.replace(a, b)
    return s


def label_key(value: object) -> str:
    """Row/column label for matching: ``norm`` without leading numbering (``1.``, ``(一)``, ``其中:``).

    Parameters
    ----------
    value : object
        A label cell.

    Returns
    -------
    str
        :func:`norm` of the cell with every leading numbering or ``其中:`` removed (the
        normalised text itself when nothing else is left).
    """
    return _label_key(norm(value))


@lru_cache(maxsize=1 << 16)
def _label_key(s: str) -> str:
    value = s
    prev = None
    while s and s != prev:
        prev = s
        s = _NUMBERING.sub("", s, count=1)
    return s or norm(value)


def is_total_label(value: object, extra: tuple[str, ...] = ()) -> bool:
    """Whether a label names a total or subtotal row/column (checked, never imported).

    Parameters
    ----------
    value : object
        A label cell.
    extra : tuple of str, default ()
        More total labels (the mapping's), matched by :func:`label_key` or :func:`norm`.

    Returns
    -------
    bool
        True for a label of :data:`TOTAL_LABELS` (``合计``, ``小计``, ``总计`` …) or of ``extra``.
    """
    k = label_key(value)
    return k in TOTAL_LABELS or k in extra or norm(value) in extra


def parse_number(value: object) -> float | None:
    """A cell as a number; ``None`` for a blank cell (empty, ``-``, ``—``, ``…``).

    Accepts numbers, numeric text with thousands separators, full-width digits, surrounding spaces,
    and accounting parentheses ``(12.5)`` = −12.5.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    float or None
        The number [the unit of its row or column], or None for a blank cell (:data:`BLANK_MARKS`).

    Raises
    ------
    ValueError
        With the reason, for text, dates, booleans, and anything not finite.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a TRUE/FALSE cell is not a number")
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        raise ValueError(f"a date/time cell ({value}) is not a number")
    if value.__class__ is str and value[:1] in _DIGITS and "_" not in value:
        try:  # the common case, a plain number as text (calamine gives every cell as text)
            x = float(value)
        except ValueError:
            x = None
        if x is not None:
            if not math.isfinite(x):
                raise ValueError(f"{value!r} is not a finite number")
            return x
    if isinstance(value, (int, float)):
        x = float(value)
    else:
        s = norm(value)
        if s in BLANK_MARKS:
            return None
        neg = False
        if s.startswith("(") and s.endswith(")"):
            neg, s = True, s[1:-1]
        if _THOUSANDS.match(s):
            s = s.replace(",", "")
        if not _NUMBER.match(s):
            raise ValueError(f"{str(value).strip()!r} is not a number")
        x = float(s)
        if neg:
            x = -x
    if not math.isfinite(x):
        raise ValueError(f"{value!r} is not a finite number")
    return x


_SUPERSCRIPT_LOST = re.compile(r"^10(4|8|10)(?=[A-Za-z])")
_EN_UNITS = {"tons": "t", "ton": "t", "cu.m": "m^3", "kW·h": "kWh", "kw·h": "kWh", "kW.h": "kWh", "kJ": "kJ", "tce": "tce"}


def canonical_unit(text: object, extra: dict[str, str] | None = None) -> str:
    """A unit cell (``万立方米``, ``吨``, ``百万千焦``, ``108kW·h``) -> a contract unit (``10^4 m^3``).

    Chinese scales (``万`` 10^4, ``亿`` 10^8, also stacked: ``万百万千焦`` = 10^10 kJ = 10^4 GJ), a
    ``10^n`` prefix and a lost superscript (``104tons`` = 10^4 t) are written with the contract's
    ``10^4`` / ``10^8`` scales (:mod:`ghginv.core.units`).

    Parameters
    ----------
    text : object
        The unit cell.
    extra : dict of str to str, optional
        The mapping's ``[units]`` (ledger text -> unit), consulted first, by normalised text.

    Returns
    -------
    str
        A unit :func:`ghginv.core.units.parse_unit` accepts, e.g. ``10^4 m^3``, ``t``, ``GJ``.

    Raises
    ------
    UnitError
        For a unit ghginv does not know, or a scale that cannot be written with 10^4 or 10^8.
    """
    return _canonical_unit(norm(text), tuple(sorted((extra or {}).items())), str(text))


@lru_cache(maxsize=4096)
def _canonical_unit(s: str, extra_items: tuple, text: str) -> str:
    extra = dict(extra_items)
    if extra:
        for k, v in extra.items():
            if norm(k) == s:
                s = norm(v) if v else s
                text = v
                break
    if not s:
        raise UnitError("empty unit")
    exp = 0
    m = re.match(r"^10\^(\d+)(.+)$", s)
    if m:
        exp, s = int(m.group(1)), m.group(2)
    else:
        m = _SUPERSCRIPT_LOST.match(s)
        if m:  # '104tons' = 10^4 tons (superscript lost in a text export)
            exp, s = int(m.group(1)), s[m.end():]
        while s and s[0] in "万亿":  # 万百万千焦 = 10^4 × 10^6 kJ
            if s[1:] in ("", "元"):
                break
            exp += 4 if s[0] == "万" else 8
            s = s[1:]
    s = _EN_UNITS.get(s, s)
    sym = _ALIASES.get(s, s)
    if sym == "千焦":
        sym = "kJ"
    if sym == "升":
        sym = "L"
    if sym == "标准立方米":
        sym = "Nm^3"
    unit = f"10^{exp} {sym}" if exp else sym
    if exp and exp not in (4, 8):
        # e.g. 万百万千焦 = 10^10 kJ = 10^4 GJ: express with the contract's 10^4 / 10^8 scales
        base = parse_unit(sym)  # raises UnitError if unknown
        for e2, s2 in ((exp - 6, {"kJ": "GJ"}.get(sym)), (exp - 3, {"kJ": "MJ", "t": "kt"}.get(sym))):
            if s2 and e2 in (0, 4, 8):
                unit = f"10^{e2} {s2}" if e2 else s2
                break
        else:
            raise UnitError(f"unit {str(text)!r}: scale 10^{exp} {base.text} cannot be written with 10^4 or 10^8")
    parse_unit(unit)  # raises UnitError with the list of known units
    return unit


def split_header_unit(header: str) -> tuple[str, str | None]:
    """``原煤(万吨)`` -> (``原煤``, ``万吨``); ``液化天然气(液态)(吨)`` -> (``液化天然气(液态)``, ``吨``).

    The last parenthesised group is the unit when it parses as one; otherwise there is no unit.

    Parameters
    ----------
    header : str
        A header cell.

    Returns
    -------
    name : str
        The normalised header without the unit group.
    unit : str or None
        The unit text as written (not yet :func:`canonical_unit`), or None.
    """
    s = norm(header)
    m = re.match(r"^(.*)\(([^()]*)\)$", s)
    if not m:
        return s, None
    name, unit = m.group(1), m.group(2)
    try:
        canonical_unit(unit)
    except UnitError:
        return s, None
    return name, unit
