"""Industrial-process equations that are more than one tabulated factor (2006 IPCC GL Vol 3).

In ``ghginv compile`` each of these runs as activity × factor: the shipped set ``ipcc2006_ippu``
carries the result for the IPCC default parameters as a ``D`` row (arithmetic in its ``notes``),
and a plant with its own parameters either computes its amount with these functions (HFC-23) or
writes the factor these functions return into a local factor set placed before ``ipcc2006_ippu``.
Tests check that the shipped ``D`` rows equal these functions at the default parameters.

Electronics, Tier 2a/2b (Vol 3 Ch 6, Eqs 6.2/6.7 and 6.3/6.8)::

    E_i      = (1 − h) × FC_i × (1 − U_i) × (1 − a_i × d_i)              gas i itself
    BPE_CF4  = (1 − h) × B_CF4,i × FC_i × (1 − a_i × d_CF4)              by-product CF4 of gas i

with FC_i the gas consumed [kg], h the heel left in the cylinder (0.10, p. 6.16), 1 − U_i the
process-tool emission factor and B the by-product factor (Table 6.3), a_i the fraction of the gas
used in tools with emission-control systems and d the destruction efficiency (Table 6.6). In the
factor set, ``a`` is the split of the activity: gas used in abated tools is reported under the
``…_used_abated`` code (a = 1), the rest under ``…_used`` (a = 0); the sum is Eq 6.7 for any a.

HCFC-22 production → HFC-23 (Vol 3 Ch 3, Eq 3.30 with a plant's own rate)::

    E_HFC-23 = P_HCFC-22 × EF − R

Non-energy products from fuels (Vol 3 Ch 5, Eqs 5.2 and 5.4)::

    CO2 = amount × NCV × CC × ODU × 44/12
"""

from __future__ import annotations

from ..core.errors import ValidationError

__all__ = ["HEEL_DEFAULT", "electronics_tier2_kg", "electronics_byproduct_kg", "hfc23_emitted_kg", "non_energy_co2_t"]

HEEL_DEFAULT = 0.10  # fraction of gas remaining in the shipping container, 2006 IPCC GL Vol 3 p. 6.16 (EFDB 214318)
CO2_PER_C = 44.0 / 12.0


def _fraction(name: str, value: float) -> float:
    v = float(value)
    if not 0.0 <= v <= 1.0:
        raise ValidationError(f"{name} must be a fraction in [0, 1], got {value!r}")
    return v


def _amount(name: str, value: float) -> float:
    v = float(value)
    if not v >= 0.0 or v == float("inf"):
        raise ValidationError(f"{name} must be a finite amount ≥ 0, got {value!r}")
    return v


def electronics_tier2_kg(gas_used_kg: float, emission_factor: float, heel: float = HEEL_DEFAULT,
                         abated_fraction: float = 0.0, destruction: float = 0.0) -> float:
    r"""Emission of a fluorinated gas used in electronics manufacturing, Tier 2a/2b.

    .. math::

        E_i = (1 - h) \times FC_i \times (1 - U_i) \times (1 - a_i \times d_i)

    Parameters
    ----------
    gas_used_kg : float
        FC_i, the gas consumed (purchased and fed to the tools) in the year [kg].
    emission_factor : float
        1 − U_i, the process-tool emission factor [fraction], Table 6.3 (e.g. CF4 in etching 0.7).
    heel : float, default 0.10
        h, fraction of the gas left in the shipping container [fraction] (p. 6.16).
    abated_fraction : float, default 0
        a_i, fraction of the gas used in tools with emission-control technology [fraction].
    destruction : float, default 0
        d_i, destruction or removal efficiency of that technology for gas i [fraction] (Table 6.6,
        e.g. 0.9 for CF4, 0.95 for NF3).

    Returns
    -------
    float
        E_i, gas i emitted [kg].

    Raises
    ------
    ValidationError
        A negative or non-finite amount, or a fraction outside [0, 1].

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 3 Ch 6,
       Eq 6.2 (Tier 2a) and Eq 6.7 (Tier 2b, by process); Tables 6.3 and 6.6.
    """
    fc = _amount("gas_used_kg", gas_used_kg)
    ef, h = _fraction("emission_factor", emission_factor), _fraction("heel", heel)
    a, d = _fraction("abated_fraction", abated_fraction), _fraction("destruction", destruction)
    return (1.0 - h) * fc * ef * (1.0 - a * d)


def electronics_byproduct_kg(gas_used_kg: float, byproduct_factor: float, heel: float = HEEL_DEFAULT,
                             abated_fraction: float = 0.0, destruction: float = 0.0) -> float:
    r"""By-product CF4 (or C2F6, C3F8) formed from a gas used in electronics manufacturing.

    .. math::

        BPE_{CF_4,i} = (1 - h) \times B_{CF_4,i} \times FC_i \times (1 - a_i \times d_{CF_4})

    Parameters
    ----------
    gas_used_kg : float
        FC_i, the input gas consumed [kg].
    byproduct_factor : float
        B, kg of by-product per kg of gas i used (Table 6.3, e.g. 0.4 kg CF4/kg C2F6 in etching).
    heel : float, default 0.10
        h, fraction of the gas left in the shipping container [fraction].
    abated_fraction : float, default 0
        a_i, fraction of gas i used in tools with emission-control technology [fraction].
    destruction : float, default 0
        Destruction efficiency of that technology for the by-product [fraction] (Table 6.6).

    Returns
    -------
    float
        By-product emitted [kg].

    Raises
    ------
    ValidationError
        A negative or non-finite amount or factor, or a fraction outside [0, 1].

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines, Vol 3 Ch 6, Eq 6.3 (Tier 2a) and Eq 6.8 (Tier 2b).
    """
    fc, b = _amount("gas_used_kg", gas_used_kg), _amount("byproduct_factor", byproduct_factor)
    h = _fraction("heel", heel)
    a, d = _fraction("abated_fraction", abated_fraction), _fraction("destruction", destruction)
    return (1.0 - h) * b * fc * (1.0 - a * d)


def hfc23_emitted_kg(hcfc22_produced_kg: float, generation_rate: float, recovered_kg: float = 0.0) -> float:
    r"""HFC-23 emitted by an HCFC-22 plant from its own (measured) HFC-23 generation rate.

    .. math::

        E_{HFC-23} = P_{HCFC-22} \times EF - R

    The result is the amount of the activity ``hfc23_emitted_measured`` (kg HFC-23, factor 1 in
    ``ipcc2006_ippu``). Without plant data the Tier 1 default of Table 3.28 applies instead:
    activity ``hcfc22_produced`` (0.04 kg/kg) or ``hcfc22_produced_recent_design`` (0.03 kg/kg).

    Parameters
    ----------
    hcfc22_produced_kg : float
        P, HCFC-22 produced in the year [kg].
    generation_rate : float
        EF, the plant's measured HFC-23 generation rate [kg HFC-23 / kg HCFC-22] (Table 3.28
        defaults lie between 0.02 and 0.04).
    recovered_kg : float, default 0
        R, HFC-23 recovered, destroyed or transformed in the year [kg].

    Returns
    -------
    float
        HFC-23 emitted [kg].

    Raises
    ------
    ValidationError
        A negative or non-finite input, a generation rate above 1, or more HFC-23 recovered than
        generated.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines, Vol 3 Ch 3, Section 3.10.1, Eq 3.30 and Table 3.28.
    """
    p = _amount("hcfc22_produced_kg", hcfc22_produced_kg)
    ef = _fraction("generation_rate", generation_rate)
    r = _amount("recovered_kg", recovered_kg)
    generated = p * ef
    if r > generated * (1.0 + 1e-12):
        raise ValidationError(f"recovered_kg ({r:g} kg) exceeds the HFC-23 generated ({generated:g} kg = {p:g} kg HCFC-22 × {ef:g}): "
                              "check the generation rate or the amount destroyed")
    return max(generated - r, 0.0)


def non_energy_co2_t(amount_t: float, ncv_tj_per_gg: float, carbon_kg_c_per_gj: float, odu: float) -> float:
    r"""CO2 from the oxidation during use of lubricants or paraffin waxes (Tier 1).

    .. math::

        CO_2 = amount \times NCV \times CC \times ODU \times 44/12

    Parameters
    ----------
    amount_t : float
        Lubricant or wax consumed [t].
    ncv_tj_per_gg : float
        Net calorific value [TJ/Gg = GJ/t] (Vol 2 Table 1.2: 40.2 for lubricants and waxes).
    carbon_kg_c_per_gj : float
        Carbon content [kg C/GJ] (Vol 2 Table 1.3: 20.0 for lubricants and waxes).
    odu : float
        Fraction of the carbon oxidised during use [fraction] (Table 5.2: 0.2 for lubricants by
        default; p. 5.12: 0.2 for waxes).

    Returns
    -------
    float
        CO2 emitted [t].

    Raises
    ------
    ValidationError
        A negative or non-finite input, or an ODU outside [0, 1].

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines, Vol 3 Ch 5, Eq 5.2 (lubricants) and Eq 5.4 (waxes).
    """
    m = _amount("amount_t", amount_t)
    ncv = _amount("ncv_tj_per_gg", ncv_tj_per_gg)
    cc = _amount("carbon_kg_c_per_gj", carbon_kg_c_per_gj)
    f = _fraction("odu", odu)
    return m * ncv * cc * f * CO2_PER_C / 1000.0
