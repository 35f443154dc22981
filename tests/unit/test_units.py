"""Units: every unit of the table (docs/factor-set-format.md "Units understood"; design §2),
Chinese statistical scales and aliases, ratio units, errors, and round trips.

Expected scales are written out here from first principles (1 kWh = 3.6 MJ, 1 kcal_IT = 4.1868 kJ,
1 kgce = 7,000 kcal_IT, 1 mu = 10,000/15 m^2), not read back from ghginv.core.units.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv import parse_unit
from ghginv.core.errors import GhgInvError, UnitError
from ghginv.core.units import convert_factor, parse_ratio

# unit -> (dimension, value of 1 unit in the base unit: t, m^3, GJ, ha, 1)
TABLE = {
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
    "kcal": ("energy", 4.1868e-6),
    "kgce": ("energy", 29.3076e-3),
    "tce": ("energy", 29.3076),
    # area, base ha
    "m^2": ("area", 1e-4),
    "ha": ("area", 1.0),
    "km^2": ("area", 100.0),
    "mu": ("area", 1.0 / 15.0),
    # dimensionless
    "1": ("ratio", 1.0),
    "fraction": ("ratio", 1.0),
    "%": ("ratio", 0.01),
}

ALIASES = {
    "万吨": ("mass", 1e4),
    "万立方米": ("volume", 1e4),
    "万千瓦时": ("energy", 1e4 * 3.6e-3),
    "亿千瓦时": ("energy", 1e8 * 3.6e-3),
    "亿立方米": ("volume", 1e8),
    "吨": ("mass", 1.0),
    "千克": ("mass", 1e-3),
    "公斤": ("mass", 1e-3),
    "立方米": ("volume", 1.0),
    "千瓦时": ("energy", 3.6e-3),
    "度": ("energy", 3.6e-3),
    "兆瓦时": ("energy", 3.6),
    "吉焦": ("energy", 1.0),
    "百万千焦": ("energy", 1.0),
    "吨标准煤": ("energy", 29.3076),
    "万吨标准煤": ("energy", 29.3076e4),
    "千克标准煤": ("energy", 29.3076e-3),
    "公顷": ("area", 1.0),
    "亩": ("area", 1.0 / 15.0),
    "m3": ("volume", 1.0),
    "Nm3": ("volume", 1.0),
    "m³": ("volume", 1.0),
    "tonnes": ("mass", 1.0),
}


@pytest.mark.parametrize("unit", list(TABLE))
def test_every_unit_of_the_table(unit):
    dim, scale = TABLE[unit]
    u = parse_unit(unit)
    assert u.dimension == dim
    assert u.scale == pytest.approx(scale, rel=1e-14)
    assert u.text == unit


@pytest.mark.parametrize("unit", [u for u in TABLE])
@pytest.mark.parametrize("prefix,mult", [("10^4 ", 1e4), ("10^8 ", 1e8)])
def test_chinese_statistical_scales(unit, prefix, mult):
    dim, scale = TABLE[unit]
    u = parse_unit(prefix + unit)
    assert u.dimension == dim
    assert u.scale == pytest.approx(scale * mult, rel=1e-14)


@pytest.mark.parametrize("unit", list(ALIASES))
def test_chinese_names_and_spellings(unit):
    dim, scale = ALIASES[unit]
    u = parse_unit(unit)
    assert (u.dimension, u.scale) == (dim, pytest.approx(scale, rel=1e-14))


@pytest.mark.parametrize(
    "a,b",
    [
        ("万吨", "10^4 t"),
        ("万立方米", "10^4 m^3"),
        ("万千瓦时", "10^4 kWh"),
        ("亿千瓦时", "10^8 kWh"),
        ("亿立方米", "10^8 m^3"),
        ("Nm^3", "m^3"),
        ("10^4 Nm^3", "10^4 m^3"),
        ("10^4t", "10^4 t"),
        ("  10^4   m^3 ", "10^4 m^3"),
        ("kt", "Gg"),
        ("Mt", "Tg"),
        ("fraction", "1"),
    ],
)
def test_equivalent_spellings(a, b):
    ua, ub = parse_unit(a), parse_unit(b)
    assert ua.dimension == ub.dimension
    assert ua.scale == pytest.approx(ub.scale, rel=1e-15)
    assert convert_factor(1.0, a, b) == pytest.approx(1.0, rel=1e-15)


def test_design_examples():
    assert convert_factor(1.0, "10^4 kWh", "MWh") == pytest.approx(10.0, rel=1e-15)
    assert convert_factor(1.0, "tce", "GJ") == pytest.approx(29.3076, rel=1e-15)
    assert convert_factor(1.0, "kgce", "kJ") == pytest.approx(29307.6, rel=1e-14)
    assert convert_factor(1.0, "kcal", "kJ") == pytest.approx(4.1868, rel=1e-15)
    assert convert_factor(1.0, "亿千瓦时", "GWh") == pytest.approx(100.0, rel=1e-15)
    assert convert_factor(1.0, "GWh", "TJ") == pytest.approx(3.6, rel=1e-15)
    assert convert_factor(1.0, "km^2", "亩") == pytest.approx(1500.0, rel=1e-14)
    assert convert_factor(50.0, "%", "fraction") == pytest.approx(0.5, rel=1e-15)
    assert convert_factor(1.0, "Gg", "10^4 t") == pytest.approx(0.1, rel=1e-15)


# --- ratio units --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,num_dim,den_dim,scale,element",
    [
        ("kg/TJ", "mass", "energy", 1e-3 / 1e3, None),
        ("t/t", "mass", "mass", 1.0, None),
        ("kg/kWh", "mass", "energy", 1e-3 / 3.6e-3, None),
        ("t/MWh", "mass", "energy", 1.0 / 3.6, None),
        ("t/GJ", "mass", "energy", 1.0, None),
        ("t/10^4 m^3", "mass", "volume", 1e-4, None),
        ("kg/m^3", "mass", "volume", 1e-3, None),
        ("t C/TJ", "mass", "energy", 1e-3, "C"),
        ("kg C/GJ", "mass", "energy", 1e-3, "C"),
        ("GJ/t", "energy", "mass", 1.0, None),
        ("TJ/Gg", "energy", "mass", 1.0, None),
        ("kJ/kg", "energy", "mass", 1e-3, None),
        ("GJ/10^4 m^3", "energy", "volume", 1e-4, None),
        ("kJ/m^3", "energy", "volume", 1e-6, None),
        ("kgce/kg", "energy", "mass", 29.3076, None),
        ("tce/10^4 m^3", "energy", "volume", 29.3076e-4, None),
        ("kgce/kWh", "energy", "energy", 29.3076e-3 / 3.6e-3, None),
        ("kgce/MJ", "energy", "energy", 29.3076, None),
        ("t/m^3", "mass", "volume", 1.0, None),
        ("kg/L", "mass", "volume", 1.0, None),
        ("t CO2/t", "mass", "mass", 1.0, "CO2"),
        ("吨/万立方米", "mass", "volume", 1e-4, None),
    ],
)
def test_ratio_units(text, num_dim, den_dim, scale, element):
    r = parse_ratio(text)
    assert r.numerator.dimension == num_dim
    assert r.denominator.dimension == den_dim
    assert r.scale == pytest.approx(scale, rel=1e-14)
    assert r.numerator.element == element


def test_ratio_conversions():
    # t C/TJ is the same as kg C/GJ (docs/factor-set-format.md)
    assert convert_factor(26.37, "t C/TJ", "kg C/GJ") == pytest.approx(26.37, rel=1e-15)
    assert convert_factor(56100, "kg/TJ", "t/GJ") == pytest.approx(0.0561, rel=1e-14)
    assert convert_factor(25.8, "TJ/Gg", "GJ/t") == pytest.approx(25.8, rel=1e-15)
    assert convert_factor(20908, "kJ/kg", "GJ/t") == pytest.approx(20.908, rel=1e-14)
    assert convert_factor(389.31, "GJ/10^4 m^3", "kJ/m^3") == pytest.approx(38931.0, rel=1e-14)
    assert convert_factor(0.5703, "kg/kWh", "t/MWh") == pytest.approx(0.5703, rel=1e-14)
    assert convert_factor(0.5703, "t/MWh", "t/10^4 kWh") == pytest.approx(5.703, rel=1e-14)


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["furlong", "", "   ", "kgs", "10^4", "万", "KG", "m^4", "kg/TJ", "10^4 furlong", "t XYZ", "tC"]
)
def test_unknown_unit_is_unit_error(bad):
    with pytest.raises(UnitError) as ei:
        parse_unit(bad)
    assert isinstance(ei.value, ValueError)
    assert isinstance(ei.value, GhgInvError)


@pytest.mark.parametrize("bad", [None, 3, 1.0])
def test_non_string_unit_is_unit_error(bad):
    with pytest.raises(UnitError):
        parse_unit(bad)


@pytest.mark.parametrize("bad", ["kg", "kg/TJ/GJ", "/TJ", "kg/", "furlong/TJ", "kg/furlong"])
def test_bad_ratio_is_unit_error(bad):
    with pytest.raises(UnitError):
        parse_ratio(bad)


def test_unknown_unit_message_lists_known_units():
    with pytest.raises(UnitError) as ei:
        parse_unit("furlong")
    msg = str(ei.value)
    assert "furlong" in msg
    assert "kWh" in msg and "10^4" in msg


@pytest.mark.parametrize(
    "a,b",
    [("t", "GJ"), ("m^3", "t"), ("kWh", "ha"), ("%", "t"), ("kg/TJ", "kg/t"), ("kg/TJ", "GJ/TJ"), ("kg/TJ", "t"), ("t", "t/t")],
)
def test_convert_between_dimensions_is_unit_error(a, b):
    with pytest.raises(UnitError):
        convert_factor(1.0, a, b)


# --- round trips (hypothesis) -------------------------------------------------------------------

_BY_DIM: dict[str, list[str]] = {}
for _u, (_d, _s) in TABLE.items():
    _BY_DIM.setdefault(_d, []).append(_u)
for _u, (_d, _s) in ALIASES.items():
    _BY_DIM[_d].append(_u)


@st.composite
def unit_in(draw, dim):
    u = draw(st.sampled_from(_BY_DIM[dim]))
    if not any("\u4e00" <= c <= "\u9fff" for c in u):  # no scale on top of 万/亿 names
        u = draw(st.sampled_from(["", "10^4 ", "10^8 "])) + u
    return u


@st.composite
def same_dim_pair(draw):
    dim = draw(st.sampled_from(sorted(_BY_DIM)))
    return draw(unit_in(dim)), draw(unit_in(dim))


@st.composite
def same_dim_ratio_pair(draw):
    nd = draw(st.sampled_from(["mass", "energy"]))
    dd = draw(st.sampled_from(["mass", "volume", "energy", "area"]))
    a = f"{draw(unit_in(nd))}/{draw(unit_in(dd))}"
    b = f"{draw(unit_in(nd))}/{draw(unit_in(dd))}"
    return a, b


values = st.floats(min_value=1e-9, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(same_dim_pair(), values)
def test_round_trip_units(pair, x):
    a, b = pair
    y = convert_factor(x, a, b)
    assert convert_factor(y, b, a) == pytest.approx(x, rel=1e-12)
    # and the forward value is the ratio of the tabulated scales
    assert y == pytest.approx(x * parse_unit(a).scale / parse_unit(b).scale, rel=1e-12)


@settings(max_examples=150, deadline=None)
@given(same_dim_ratio_pair(), values)
def test_round_trip_ratio_units(pair, x):
    a, b = pair
    assert convert_factor(convert_factor(x, a, b), b, a) == pytest.approx(x, rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(same_dim_pair(), same_dim_pair(), values)
def test_conversion_is_transitive(p1, p2, x):
    a, b = p1
    # a -> b -> (a unit of b's dimension) equals a -> that unit directly
    c = p2[0] if parse_unit(p2[0]).dimension == parse_unit(a).dimension else b
    assert convert_factor(convert_factor(x, a, b), b, c) == pytest.approx(convert_factor(x, a, c), rel=1e-12)


# --- elements -----------------------------------------------------------------------------------


def test_converting_between_elements_is_not_silently_one():
    """'t C' (tonnes of carbon) and 't CO2' are different quantities: 1 t C = 44/12 t CO2. A
    conversion between them must either apply 44/12 or refuse; returning 1.0 hides a 3.67× error."""
    for a, b, factor in (("t C/TJ", "t CO2/TJ", 44 / 12), ("t C", "t CO2", 44 / 12)):
        try:
            got = convert_factor(1.0, a, b)
        except UnitError:
            continue
        assert got == pytest.approx(factor, rel=1e-12), (a, b, got)
    # same element, or no element on one side for the same species, stays a plain scale
    assert convert_factor(1.0, "kg CO2/TJ", "t CO2/GJ") == pytest.approx(1e-6, rel=1e-14)
    assert convert_factor(1.0, "t C/TJ", "kg C/GJ") == pytest.approx(1.0, rel=1e-14)
