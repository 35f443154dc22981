"""The summary of a compiled (or recomputed) inventory, as data: what ``ghginv compile`` prints.

:func:`inventory_summary` gathers it from an :class:`~ghginv.pipeline.inventory.InventoryResult`;
the command line (:mod:`ghginv.cli`) only formats it. The table holds emissions by year in
t CO2e: the five IPCC sectors (level 1, direct; a sector with no estimate shows its notation key,
:func:`ghginv.analysis.notation.sector_keys`), direct (scope 1) and indirect (scope 2) totals,
gross, removals and net when the run has carbon sinks, and memo biogenic CO2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ..core._frames import sum_by

__all__ = ["InventorySummary", "SummaryRow", "inventory_summary"]


@dataclass
class SummaryRow:
    label: str
    values: list  # per year: t CO2e (float), a notation key (str) or None (no value)
    bold: bool = False


@dataclass
class InventorySummary:
    name: str
    gwp: str
    factor_sets: list[str]  # "name version", in precedence order
    notices: list[str]  # synthetic data or parameters: printed first
    rows_read: int
    cube_cells: int
    emission_rows: int
    timings: dict[str, float]  # stage -> s
    years: list[int] = field(default_factory=list)
    rows: list[SummaryRow] = field(default_factory=list)
    fallback: list[tuple] = field(default_factory=list)  # (factor set, activity, year, factor year)
    warnings: list[str] = field(default_factory=list)  # InventoryResult.warnings() messages: printed in every mode
    notation_categories: int = 0  # cube categories reported with notation keys (notation_keys.csv)
    reference: tuple[int, float] | None = None  # (fuel-years over the threshold, threshold %)
    gap_filled: int = 0  # activity amounts estimated (gap_filling.parquet)
    completeness: str = ""  # one line: ghginv.analysis.notation.summary_line


def _sink_rows(result, years: list[int]) -> list[SummaryRow]:
    """Gross, removals and net direct emissions (t CO2e per year) of a run with carbon sinks."""
    from ..methods._sink_out import net_totals

    if getattr(result, "sinks", None) is None:
        return []
    nt = {r["year"]: r for r in net_totals(result.emissions).iter_rows(named=True)}

    def col(key):
        return [nt[y][key] if y in nt else None for y in years]

    return [
        SummaryRow("Gross direct emissions (without removals)", col("gross_t_co2e")),
        SummaryRow("Removals (land, 3.B; negative)", col("removals_t_co2e")),
        SummaryRow("Net direct emissions (gross + removals)", col("net_t_co2e"), bold=True),
    ]


def _table(result) -> tuple[list[int], list[SummaryRow]]:
    from ..analysis.notation import sector_keys
    from ..core.categories import category_name, is_bunker
    from ..core.gwp import MONTREAL_GASES

    inv = result.inventory.filter(pl.col("notation_key").is_null())
    # every sum by core._frames.sum_by: each group's rows added in table order, the same bits on every call
    lvl1 = sum_by(inv.filter(pl.col("level") == 1, pl.col("scope") == "direct"), ["year", "category", "category_name"], ["co2e_t"])
    lvl0 = inv.filter(pl.col("level") == 0)
    tot = sum_by(lvl0, ["year", "scope"], ["co2e_t"])
    # memo items: biogenic CO2, and the gases controlled by the Montreal Protocol (core/gwp.py)
    memo_tot = sum_by(lvl0.filter(pl.col("scope") == "memo"), ["year", pl.col("gas").is_in(list(MONTREAL_GASES)).alias("montreal")],
                      ["co2e_t"])
    # international bunkers (memo, outside the totals): their own line, not in the biogenic one
    em = result.emissions.filter(pl.col("scope") == "memo", ~pl.col("gas").is_in(list(MONTREAL_GASES)))
    bunker = pl.col("sector").is_in([c for c in em["sector"].unique().to_list() if c and is_bunker(c)])
    bunkers = sum_by(em.filter(bunker), ["year"], ["co2e_t"])
    biogenic = sum_by(em.filter(~bunker), ["year"], ["co2e_t"])
    years = sorted(inv["year"].unique().to_list())
    cats = lvl1.select("category", "category_name").unique().sort("category").rows()

    def val(df, **kw):
        sub = df.filter(**kw)
        return sub["co2e_t"].sum() if sub.height else None

    skeys = sector_keys(result.inventory)  # sectors 1-5 with no estimate show their notation key
    rows = [SummaryRow(f"{code} {name}", [skeys.get((code, y)) or val(lvl1, year=y, category=code) for y in years])
            for code, name in sorted(set(cats) | {(c, category_name(c)) for c, _ in skeys})]
    direct = [val(tot, year=y, scope="direct") for y in years]
    indirect = [val(tot, year=y, scope="indirect") for y in years]
    rows += [
        SummaryRow("Direct emissions (scope 1)", direct, bold=True),
        SummaryRow("Indirect, purchased electricity and heat (scope 2)", indirect),
        SummaryRow("Direct + indirect", [None if a is None and b is None else (a or 0) + (b or 0) for a, b in zip(direct, indirect)], bold=True),
    ]
    rows += _sink_rows(result, years)
    bunk = [val(bunkers, year=y) for y in years]
    memo = [val(biogenic, year=y) if bunkers.height else val(memo_tot, year=y, montreal=False) for y in years]
    if any(m is not None for m in memo):
        rows.append(SummaryRow("Memo: biogenic CO2 (not in totals)", memo))
    if any(b is not None for b in bunk):
        rows.append(SummaryRow("Memo: international bunkers, aviation and navigation (not in totals)", bunk))
    memo = [val(memo_tot, year=y, montreal=True) for y in years]
    if any(m is not None for m in memo):
        rows.append(SummaryRow("Memo: Montreal Protocol gases, CFCs, HCFCs, halons (not in totals)", memo))
    return years, rows


def inventory_summary(result, *, table: bool = True) -> InventorySummary:
    """The summary of a compiled inventory: what ``ghginv compile`` prints, as data.

    Parameters
    ----------
    result : InventoryResult
        A compiled or recomputed inventory (:meth:`ghginv.Inventory.run`,
        :func:`ghginv.compile_inventory`, :func:`ghginv.recompute`).
    table : bool, default True
        Also gather the table of emissions by year and the notes after it (year fallback,
        notation keys, reference approach, gap filling, completeness); without it only the
        header (name, GWP, factor sets, notices, row counts and stage timings) and the
        ``warnings`` (:meth:`InventoryResult.warnings`), as ``--quiet`` prints.

    Returns
    -------
    InventorySummary
        ``rows``: one :class:`SummaryRow` per line of the table, each value in t CO2e per year
        of ``years`` (or a notation key, e.g. ``"NE"``, for a sector with no estimate).

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1
       Ch 8 "Reporting guidance and tables" (sectors 1-5, memo items, notation keys).

    Examples
    --------
    >>> s = ghginv.inventory_summary(ghginv.compile_inventory("ghginv/data/demo/qingyang_synthetic.toml"))  # doctest: +SKIP
    >>> [(r.label, r.values[-1]) for r in s.rows][:1]                                                   # doctest: +SKIP
    [('1 Energy', 1460437.2...)]
    """
    from .inventory import SYNTHETIC_NOTICE

    cfg = result.config
    notices = [SYNTHETIC_NOTICE] if cfg.is_synthetic else []
    synthetic = list(result.sinks.synthetic_sets) if getattr(result, "sinks", None) is not None else []
    used = getattr(result, "factors_used", None)  # status X factor rows (e.g. a synthetic plant's clinker analysis)
    if used is not None and "status" in used.columns:
        synthetic += [s for s in used.filter(pl.col("status") == "X")["factor_set"].unique(maintain_order=True).to_list() if s not in synthetic]
    if synthetic:
        from ..methods._sink_out import SYNTHETIC_SETS_NOTICE

        notices.append(SYNTHETIC_SETS_NOTICE.format(", ".join(synthetic)))
    stats = result.cube.stats
    s = InventorySummary(cfg.name, cfg.gwp, [f"{fs.name} {fs.version}" for fs in result.sets], notices,
                         stats["rows_read"], stats["cube_cells"], result.emissions.height, dict(result.timings))
    s.warnings = [w["message"] for w in result.warnings()]  # a base-year factor from another year
    if not table:
        return s
    from ..analysis.notation import summary_line

    s.years, s.rows = _table(result)
    fb = result.fallback_years()
    if fb.height:
        s.fallback = fb.group_by("factor_set", "activity", "year", "factor_year").agg().sort("factor_set", "activity", "year").rows()
    s.notation_categories = result.cube.notation.height
    ref = getattr(result, "reference", None)  # reference approach (ghginv.methods.reference_approach)
    if ref is not None and ref.table.height:
        s.reference = (ref.table.filter(pl.col("flag"), pl.col("fuel") != "TOTAL").height, ref.threshold_pct)
    gap = getattr(result, "gap_filling", None)
    if gap is not None:
        s.gap_filled = gap.record.height
    s.completeness = summary_line(result.inventory)
    return s
