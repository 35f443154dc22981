"""Units: a small, fully tested table of the units an inventory meets.

Every unit is a *dimension* and a *scale* to that dimension's base unit:

=========== ========= ================================================================
dimension   base      units
=========== ========= ================================================================
mass        t         g kg t kt Gg Mt Tg
volume      m^3       L m^3 Nm^3 (m^3 at normal conditions)
energy      GJ        J kJ MJ GJ TJ PJ Wh kWh MWh GWh TWh kcal tce kgce
area        ha        m^2 ha km^2 mu (亩 = 10,000/15 m^2)
area_time   ha·d      ha·d (hectare-days: harvested area × cultivation period, rice CH4)
count       head      head person (livestock population, people served)
ratio       1         1 fraction %
=========== ========= ================================================================

Any unit may carry a Chinese statistical scale written ``10^4 `` (万) or ``10^8 `` (亿):
``10^4 t``, ``10^4 m^3``, ``10^4 kWh``, ``10^8 kWh``, ``10^8 m^3``. The Chinese names
themselves (``万吨``, ``万立方米``, ``万千瓦时``, ``亿千瓦时``, ``吨标准煤`` …) are accepted as
aliases, with the other Chinese unit words of statistical forms (克, 千吨, 升, 标准立方米, 平方米,
平方公里, 千焦, 兆焦, 太焦, 千卡, 千瓦小时, 吨标煤 …); each is the unit it names, no conversion
is guessed. Money (元, 万元, 亿元) is not a unit here: the tables that carry it say it in their
column headers (:mod:`ghginv.core.columns`).

Standard coal is an energy unit by definition: 1 kgce = 7,000 kcal_IT = 29,307.6 kJ
(GB/T 2589; kcal_IT = 4.1868 kJ).

A *ratio* unit is ``numerator/denominator`` (``kg/TJ``, ``t/10^4 m^3``, ``GJ/t``). A numerator
may name the element it counts, ``t C/TJ`` (tonnes of carbon per TJ).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import UnitError

__all__ = ["Unit", "RatioUnit", "parse_unit", "parse_ratio", "convert_factor", "DIMENSIONS"]

KCAL_IT_KJ = 4.1868
KGCE_KJ = 7000.0 * KCAL_IT_KJ  # 29,307.6 kJ per kgce (GB/T 2589)

# symbol -> (dimension, scale to base unit)
_BASE: dict[str, tuple[str, float]] = {
    # mass, base t
    "g": ("mass", 1e-6),
    "kg": ("mass", 1e-3),
    "t": ("mass", 1.0),
    "kt": ("mass", 1e3),
    "Gg": ("mass", 1e3),
    "Mt": ("mass", 1e6),
    "Tg": ("mass", 1e6),
    # volume, base m^3
    "L": ("volume", 1e-3),
    "m^3": ("volume", 1.0),
    "Nm^3": ("volume", 1.0),
    # energy, base GJ
    "J": ("energy", 1e-9),
    "kJ": ("energy", 1e-6),
    "MJ": ("energy", 1e-3),
    "GJ": ("energy", 1.0),
    "TJ": ("energy", 1e3),
    "PJ": ("energy", 1e6),
    "Wh": ("energy", 3.6e-6),
    "kWh": ("energy", 3.6e-3),
    "MWh": ("energy", 3.6),
    "GWh": ("energy", 3.6e3),
    "TWh": ("energy", 3.6e6),
    "kcal": ("energy", KCAL_IT_KJ * 1e-6),
    "kgce": ("energy", KGCE_KJ * 1e-6),
    "tce": ("energy", KGCE_KJ * 1e-3),
    # area, base ha
    "m^2": ("area", 1e-4),
    "ha": ("area", 1.0),
    "km^2": ("area", 100.0),
    "mu": ("area", 1.0 / 15.0),
    # area × time, base ha·d (rice cultivation: harvested area × days of the cultivation period)
    "ha·d": ("area_time", 1.0),
    # count, base head (livestock head, persons: Tier 1 per-head and per-capita factors)
    "head": ("count", 1.0),
    "person": ("count", 1.0),
    # dimensionless
    "1": ("ratio", 1.0),
    "fraction": ("ratio", 1.0),
    "%": ("ratio", 0.01),
}

DIMENSIONS = ("mass", "volume", "energy", "area", "area_time", "count", "ratio")

# spellings people actually type -> canonical symbol
_ALIASES: dict[str, str] = {
    "m3": "m^3",
    "Nm3": "Nm^3",
    "m²": "m^2",
    "m³": "m^3",
    "Nm³": "Nm^3",
    "km2": "km^2",
    "m2": "m^2",
    "l": "L",
    "tonne": "t",
    "tonnes": "t",
    "吨": "t",
    "千克": "kg",
    "公斤": "kg",
    "立方米": "m^3",
    "千瓦时": "kWh",
    "度": "kWh",
    "兆瓦时": "MWh",
    "吉焦": "GJ",
    "百万千焦": "GJ",
    "吨标准煤": "tce",
    "千克标准煤": "kgce",
    "公顷": "ha",
    "亩": "mu",
    # more Chinese unit words (SI names as used in mainland statistics; 兆 = mega)
    "克": "g",
    "千吨": "kt",
    "升": "L",
    "标准立方米": "Nm^3",
    "标立方米": "Nm^3",
    "平方米": "m^2",
    "平方公里": "km^2",
    "平方千米": "km^2",
    "焦耳": "J",
    "千焦": "kJ",
    "兆焦": "MJ",
    "太焦": "TJ",
    "千卡": "kcal",
    "千瓦小时": "kWh",
    "吉瓦时": "GWh",
    "吨标煤": "tce",
    "千克标煤": "kgce",
    "公斤标准煤": "kgce",
    "公斤标煤": "kgce",
    "ha*d": "ha·d",
    "ha d": "ha·d",
    "ha·day": "ha·d",
    "ha day": "ha·d",
    "ha-day": "ha·d",
    "公顷·天": "ha·d",
    "头": "head",
    "人": "person",
}
_CN_SCALES = {"万": 4, "亿": 8}

_PREFIX = re.compile(r"^10\^(\d+)\s*(.+)$")


@dataclass(frozen=True)
class Unit:
    """A parsed unit: ``value_in_base = value × scale``."""

    text: str
    dimension: str
    scale: float
    element: str | None = None  # e.g. "C" in "t C/TJ"


@dataclass(frozen=True)
class RatioUnit:
    """``numerator/denominator``, e.g. kg CO2 per TJ."""

    text: str
    numerator: Unit
    denominator: Unit

    @property
    def scale(self) -> float:
        """Factor that turns a value in this unit into base-numerator per base-denominator."""
        return self.numerator.scale / self.denominator.scale


def _canonical(sym: str) -> str:
    return _ALIASES.get(sym, sym)


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> Unit:
    """Parse one unit string such as ``10^4 m^3``, ``kWh``, ``万吨`` or ``t C``.

    Grammar (whitespace runs count as one space)::

        unit    := [scale] symbol [" " element]
        scale   := "10^" digits " "  |  "万"  |  "亿"        (× 10^n, 10^4, 10^8)
        symbol  := a unit of the module table, or an alias (m3, 吨, 千瓦时, 亩 …)
        element := "C" | "CO2" | "CH4" | "N2O" | "N"      (the substance counted)

    Parameters
    ----------
    text : str
        The unit as written, e.g. ``10^4 t``, ``万立方米``, ``t C``.

    Returns
    -------
    Unit
        Its ``dimension`` (one of :data:`DIMENSIONS`), ``scale`` to the dimension's base unit
        (t, m^3, GJ, ha, ha·d, head or 1; value_in_base = value × scale) and ``element`` (or None).

    Raises
    ------
    UnitError
        For a non-string, an empty string or a symbol not in the table (the message lists the
        known units).

    References
    ----------
    GB/T 2589-2020 (standard coal: 1 kgce = 7,000 kcal_IT = 29,307.6 kJ).
    """
    if not isinstance(text, str):
        raise UnitError(f"unit must be a string, got {text!r}")
    s = " ".join(text.strip().split())
    if not s:
        raise UnitError("empty unit")
    exp = 0
    m = _PREFIX.match(s)
    if m:
        exp = int(m.group(1))
        s = m.group(2).strip()
    elif s[0] in _CN_SCALES and len(s) > 1:
        exp = _CN_SCALES[s[0]]
        s = s[1:]
    element = None
    parts = s.split(" ")
    if len(parts) == 2 and parts[1] in ("C", "CO2", "CH4", "N2O", "N"):
        s, element = parts[0], parts[1]
    sym = _canonical(s)
    if sym not in _BASE:
        raise UnitError(
            f"unknown unit {text!r}; known units: {', '.join(k for k in _BASE if k != '1')}"
            " (optionally with a '10^4 ' or '10^8 ' scale)"
        )
    dim, scale = _BASE[sym]
    return Unit(text=text, dimension=dim, scale=scale * 10.0**exp, element=element)


@lru_cache(maxsize=4096)
def parse_ratio(text: str) -> RatioUnit:
    """Parse ``numerator/denominator`` (``kg/TJ``, ``t/10^4 m^3``, ``t C/TJ``).

    Grammar: ``ratio := unit "/" unit``, exactly one ``/``, each side a unit of
    :func:`parse_unit` (the numerator may name its element: ``t C/TJ``).

    Parameters
    ----------
    text : str
        A factor unit, e.g. ``kg/TJ``.

    Returns
    -------
    RatioUnit
        Numerator and denominator :class:`Unit`; its ``scale`` turns a value in this unit into
        base-numerator per base-denominator (``kg/TJ`` -> t/GJ: 1e-6).

    Raises
    ------
    UnitError
        When ``text`` is not a string with exactly one ``/``, or either side is not a known unit.
    """
    if not isinstance(text, str) or text.count("/") != 1:
        raise UnitError(f"a factor unit must be 'numerator/denominator', got {text!r}")
    num, den = (p.strip() for p in text.split("/"))
    return RatioUnit(text=text, numerator=parse_unit(num), denominator=parse_unit(den))


def convert_factor(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a value between two units (or two ratio units) of the same dimensions.

    Parameters
    ----------
    value : float
        The value [``from_unit``].
    from_unit : str
        Its unit: a unit of :func:`parse_unit`, or a ratio ``numerator/denominator`` of
        :func:`parse_ratio`.
    to_unit : str
        The wanted unit, of the same form and dimension(s) as ``from_unit``.

    Returns
    -------
    float
        The value [``to_unit``].

    Raises
    ------
    UnitError
        When a unit is unknown, the dimensions differ, or the two count different substances
        (``t C/TJ`` vs ``t CO2/TJ``).

    Examples
    --------
    >>> convert_factor(1.0, "10^4 kWh", "MWh")
    10.0
    """
    if "/" in from_unit or "/" in to_unit:
        a, b = parse_ratio(from_unit), parse_ratio(to_unit)
        if (a.numerator.dimension, a.denominator.dimension) != (
            b.numerator.dimension,
            b.denominator.dimension,
        ):
            raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}: dimensions differ")
        if a.numerator.element != b.numerator.element:
            raise UnitError(
                f"cannot convert {from_unit!r} to {to_unit!r}: they count different substances "
                f"({a.numerator.element or 'unspecified'} vs {b.numerator.element or 'unspecified'})"
            )
        return value * a.scale / b.scale
    a, b = parse_unit(from_unit), parse_unit(to_unit)
    if a.dimension != b.dimension:
        raise UnitError(
            f"cannot convert {from_unit!r} ({a.dimension}) to {to_unit!r} ({b.dimension})"
        )
    if a.element != b.element:
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}: they count different substances")
    return value * a.scale / b.scale
