"""The provincial inventory tables of ``inventory.xlsx``: the layout of the 省级温室气体清单编制指南（试行）
(2011) as a provincial inventory system implements it (the Hunan provincial inventory database's
summary, energy and per-sector result tables; research notes ``cn-statistics-formats.md`` §3.1–3.3,
status S — the guideline's own summary page was not seen, so the rows follow that implementation and
the IPCC 2006 codes behind each row are listed in :data:`SUMMARY_ROWS`).

Built as plain polars frames from a run's emission rows, so the workbook, the tests and a user's
own script use the same numbers:

* :func:`summary_table` — the summary table (清单汇总表): per year, the five sectors of the guideline
  (能源活动, 工业生产过程, 农业, 土地利用变化和林业, 废弃物处理) and their sub-items by gas — CO2, CH4,
  N2O in 万吨 (10^4 t) of the gas, HFCs, PFCs, SF6, NF3 in 万吨 CO2 当量, and the total in 万吨 CO2
  当量 — with 总量（不含LULUCF） and 总量（含LULUCF）, and memo rows outside the totals: international
  bunkers (国际燃料舱, 国际航空, 国际航海: the estimate, or the notation key of the completeness
  table's memo items in the note, e.g. NE 未估算), CO2 of biomass combustion, indirect emissions of purchased
  electricity and heat, of which net imported electricity (电力调入调出) where the energy balance
  gives it, and gases of the Montreal Protocol (where present).
* :func:`energy_activity_table` — the energy activity by fuel and sector in physical units (吨,
  万立方米, 万千瓦时, 百万千焦) and in tonnes of standard coal (吨标准煤), from
  ``energy_activity.parquet`` (:data:`ghginv.analysis.energy.BY_SECTOR_SCHEMA`).
* :func:`sector_table` — a table per sector as the guideline's result sheets lay them out (energy,
  industrial processes with each fluorinated gas in tonnes, agriculture, LULUCF with carbon,
  waste with shares).

Every number is the sum of the run's emission rows (whole area, all regions): ``emissions_t`` /
10^4 for a gas in 万吨, ``co2e_t`` / 10^4 in 万吨 CO2 当量. The sector rows follow IPCC 2006 codes
(mapping in :data:`SUMMARY_ROWS`), so 能源活动 + 国际燃料舱 = IPCC ``1``, 工业生产过程 = ``2``,
农业 = ``3.A`` + ``3.C`` + ``3.D.2``, 土地利用变化和林业 = ``3.B`` + ``3.D.1``, 废弃物处理 = ``4`` of
``inventory.parquet``. International bunkers (``1.A.3.a.i``, ``1.A.3.d.i``) are memo items outside
the totals, as in the guideline and IPCC 2006 Vol 1 Ch 8. A gas without an estimate is a blank
cell, never a zero: its notation key is in the Completeness sheet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from ..core import categories
from ..core.gwp import MONTREAL_GASES, gas_family
from . import _atoms
from ._atoms import Atoms, emission_atoms, frame_atoms
from ._exact import ExactSums

__all__ = ["SUMMARY_ROWS", "GAS_GROUPS", "T_PER_10KT", "summary_table", "summary_sheet", "energy_activity_table", "sector_table",
           "SECTOR_TABLES", "energy_sector", "TEXTS", "ptext", "class_map", "net_import_memo", "provincial_sheets"]

T_PER_10KT = 1e4  # t per 万吨
GAS_GROUPS = ("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3")
MASS_GROUPS = ("CO2", "CH4", "N2O")  # in 万吨 of the gas; the others in 万吨 CO2 当量
BUNKERS = categories.BUNKERS  # international aviation and water-borne navigation (memo)
KWH_GJ = 0.0036  # GJ per kWh

# ---- texts of the provincial tables (en, zh); kept apart from the report's catalogue --------------

TEXTS: dict[str, tuple[str, str]] = {
    "sheet_summary": ("Provincial summary", "清单汇总表"),
    "sheet_energy_phys": ("Energy activity (physical)", "能源活动水平（实物量）"),
    "sheet_energy_tce": ("Energy activity (tce)", "能源活动水平（标准量）"),
    "sheet_energy": ("Energy (by sector)", "能源活动排放"),
    "sheet_ippu": ("Industrial processes", "工业生产过程"),
    "sheet_agriculture": ("Agriculture", "农业"),
    "sheet_lulucf": ("LULUCF", "土地利用变化和林业"),
    "sheet_waste": ("Waste", "废弃物处理"),
    "col_year": ("Year", "年份"),
    "col_code": ("Code", "编号"),
    "col_item": ("Item", "项目"),
    "col_ipcc": ("IPCC 2006", "IPCC 2006 类别"),
    "col_note": ("Note", "说明"),
    "col_share": ("Share of sector total (%)", "所占百分比（%）"),
    "col_total_tce": ("Total (tce)", "合计（吨标准煤）"),
    "gas_CO2": ("CO2 (10^4 t)", "二氧化碳（万吨）"),
    "gas_CH4": ("CH4 (10^4 t)", "甲烷（万吨）"),
    "gas_N2O": ("N2O (10^4 t)", "氧化亚氮（万吨）"),
    "gas_HFCs": ("HFCs (10^4 t CO2e)", "氢氟碳化物（万吨二氧化碳当量）"),
    "gas_PFCs": ("PFCs (10^4 t CO2e)", "全氟化碳（万吨二氧化碳当量）"),
    "gas_SF6": ("SF6 (10^4 t CO2e)", "六氟化硫（万吨二氧化碳当量）"),
    "gas_NF3": ("NF3 (10^4 t CO2e)", "三氟化氮（万吨二氧化碳当量）"),
    "gas_total": ("Total GHG (10^4 t CO2e)", "温室气体合计（万吨二氧化碳当量）"),
    "gas_co2e": ("CO2e (10^4 t)", "二氧化碳当量（万吨）"),
    "gas_carbon": ("Carbon (10^4 t C)", "碳（万吨）"),
    "t_gas": ("{gas} (t)", "{gas}（吨）"),
    "name_CO2": ("CO2", "二氧化碳"),
    "name_CH4": ("CH4", "甲烷"),
    "name_N2O": ("N2O", "氧化亚氮"),
    "name_NF3": ("NF3", "三氟化氮"),
    "t_co2e_other": ("Other gases (10^4 t CO2e)", "其他气体（万吨二氧化碳当量）"),
    "unit_t": ("t", "吨"),
    "unit_10k_m3": ("10^4 m^3", "万立方米"),
    "unit_10k_kwh": ("10^4 kWh", "万千瓦时"),
    "unit_gj": ("GJ", "百万千焦"),
    "unit_other": ("{u}", "{u}"),
    "fuel_unit": ("{fuel} ({unit})", "{fuel}（{unit}）"),
    "fuel_tce": ("{fuel} (tce)", "{fuel}（吨标准煤）"),
    "total": ("Total", "合计"),
    "blank_note": ("Values in 10^4 t (万吨) of each gas, fluorinated gases and totals in 10^4 t CO2e; a blank cell = not "
                   "estimated (its notation key is on the Completeness sheet). International bunkers and the memo rows are "
                   "outside the totals.",
                   "单位：万吨（各气体），含氟气体及合计为万吨二氧化碳当量；空白表示未估算（注释键见“完整性”工作表）。"
                   "国际燃料舱和备忘项不计入总量。"),
    "energy_note": ("Energy activity of the run's cells by sector (provincial guideline rows) and fuel; standard coal at the "
                    "run's coefficients (electricity {method}); biomass fuels have no standard-coal value (outside the "
                    "statistical energy total).",
                    "按部门（省级指南行）和能源品种的活动水平；折标准煤采用本次核算的折标系数（电力按{method}）；"
                    "生物质燃料不折标准煤（不计入能源消费总量统计口径）。"),
    "sector_note": ("Values in 10^4 t unless the column says t; CO2e in 10^4 t CO2e; blank = not estimated.",
                    "除注明“吨”的列外单位为万吨；二氧化碳当量为万吨二氧化碳当量；空白表示未估算。"),
    "net_import_note": ("net imported electricity {kwh} 10^4 kWh (energy balance: imports {imp} − exports {exp}, {unit}) × the run's "
                        "average factor of purchased electricity {f} kg CO2/kWh",
                        "净调入电力 {kwh} 万千瓦时（能源平衡表：调入 {imp} − 调出 {exp}，{unit}）× 本次核算外购电力平均排放因子 {f} 千克二氧化碳/千瓦时"),
    "net_import_none": ("net imported electricity {kwh} 10^4 kWh (energy balance); no purchased electricity in the run to give its "
                        "average factor", "净调入电力 {kwh} 万千瓦时（能源平衡表）；本次核算无外购电力，无法得出平均排放因子"),
    "no_economy": ("No economy table ([economy] path or --economy): no intensity or non-fossil-share section.",
                   "未提供经济数据表（[economy] path 或 --economy）：不含强度和非化石能源占比部分。"),
    "key_note": ("notation key {keys} (see the Completeness sheet)", "注释键 {keys}（见“完整性”工作表）"),
    "key_NE": ("NE not estimated", "NE 未估算"),
    "key_NO": ("NO not occurring", "NO 未发生"),
    "key_NA": ("NA not applicable", "NA 不适用"),
    "key_IE": ("IE included elsewhere", "IE 已计入其他类别"),
    "key_C": ("C confidential", "C 保密"),
    "electricity_equivalent": ("equivalent value, 当量值", "当量值"),
    "electricity_coal_equivalent": ("coal-equivalent value, 等价值", "等价值"),
}


def ptext(key: str, lang: str, **kw) -> str:
    """A text of the provincial tables (:data:`TEXTS`) in ``lang`` (``zh``, else English).

    Parameters
    ----------
    key : str
        Key of :data:`TEXTS`.
    lang : {"en", "zh"}
        Language.
    **kw
        Values of the text's ``{placeholders}``.

    Returns
    -------
    str
        The text.
    """
    en, zh = TEXTS[key]
    s = zh if lang == "zh" else en
    return s.format(**kw) if kw else s


# ---- row definitions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of a provincial table: a code, names, and which emission rows it sums.

    ``prefixes``: IPCC codes whose rows (and their sub-categories) it takes; ``exclude``: codes left
    out; ``fuel``: ``"fossil"`` (not biomass) / ``"biomass"`` / None; ``rest``: the rows of
    ``prefixes`` that no sibling took (其他); ``level``: 0 total, 1 sector, 2 item, 3 sub-item."""

    code: str
    en: str
    zh: str
    level: int
    prefixes: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    fuel: str | None = None
    rest_of: tuple[str, ...] = ()  # codes of the sibling rows whose emission rows this "other" row does not take


ENERGY = ("1",)
IPPU = ("2",)
AGRI = ("3.A", "3.C", "3.D.2")
LULUCF = ("3.B", "3.D.1")
WASTE = ("4",)
OTHER = ("5",)

_ENERGY_ROWS = (
    Row("1", "Energy", "能源活动", 1, ENERGY, BUNKERS),
    Row("1.1", "Fossil fuel combustion", "化石燃料燃烧", 2, ("1.A",), BUNKERS, "fossil"),
    Row("1.1.1", "Energy industries", "能源工业", 3, ("1.A.1",), fuel="fossil"),
    Row("1.1.2", "Agriculture, forestry, fishing", "农业", 3, ("1.A.4.c",), fuel="fossil"),
    Row("1.1.3", "Industry and construction", "工业和建筑业", 3, ("1.A.2",), fuel="fossil"),
    Row("1.1.4", "Transport", "交通运输", 3, ("1.A.3",), BUNKERS, "fossil"),
    Row("1.1.5", "Services and other", "服务业及其他", 3, ("1.A.4.a", "1.A.5"), fuel="fossil"),
    Row("1.1.6", "Residential", "居民生活", 3, ("1.A.4.b",), fuel="fossil"),
    Row("1.1.7", "Other fuel combustion", "其他化石燃料燃烧", 3, ("1.A",), BUNKERS, "fossil",
        ("1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6")),
    Row("1.2", "Biomass combustion (for energy)", "生物质燃烧（以能源利用为目的）", 2, ("1.A",), BUNKERS, "biomass"),
    Row("1.3", "Fugitive: coal mining and post-mining", "煤炭开采和矿后活动逃逸", 2, ("1.B.1",)),
    Row("1.4", "Fugitive: oil and natural gas systems", "油气系统逃逸", 2, ("1.B.2",)),
    Row("1.5", "Other energy", "其他", 2, ENERGY, BUNKERS, None, ("1.1", "1.2", "1.3", "1.4")),
)
_IPPU_ROWS = (
    Row("2", "Industrial processes", "工业生产过程", 1, IPPU),
    Row("2.1", "Cement", "水泥生产过程", 2, ("2.A.1",)),
    Row("2.2", "Lime", "石灰生产过程", 2, ("2.A.2",)),
    Row("2.3", "Iron and steel", "钢铁生产过程", 2, ("2.C.1",)),
    Row("2.4", "Calcium carbide", "电石生产过程", 2, ("2.B.5",)),
    Row("2.5", "Adipic acid", "己二酸生产过程", 2, ("2.B.3",)),
    Row("2.6", "Nitric acid", "硝酸生产过程", 2, ("2.B.2",)),
    Row("2.7", "Aluminium", "铝生产过程", 2, ("2.C.3",)),
    Row("2.8", "Magnesium", "镁生产过程", 2, ("2.C.4",)),
    Row("2.9", "Electrical equipment", "电力设备生产和使用", 2, ("2.G.1",)),
    Row("2.10", "Electronics (semiconductors)", "半导体生产过程", 2, ("2.E",)),
    Row("2.11", "Fluorochemicals (HCFC-22, HFCs)", "氟化工（HCFC-22生产、HFCs生产）", 2, ("2.B.9",)),
    Row("2.12", "Other industrial processes", "其他", 2, IPPU, (), None,
        ("2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8", "2.9", "2.10", "2.11")),
)
_AGRI_ROWS = (
    Row("3", "Agriculture", "农业", 1, AGRI),
    Row("3.1", "Rice cultivation", "稻田", 2, ("3.C.7",)),
    Row("3.2", "Agricultural soils", "农用地", 2, ("3.C.4", "3.C.5")),
    Row("3.3", "Enteric fermentation", "动物肠道发酵", 2, ("3.A.1",)),
    Row("3.4", "Manure management", "动物粪便管理", 2, ("3.A.2",)),
    Row("3.5", "Other agriculture", "其他", 2, AGRI, (), None, ("3.1", "3.2", "3.3", "3.4")),
)
_LULUCF_ROWS = (
    Row("4", "Land use, land-use change and forestry", "土地利用变化和林业", 1, LULUCF),
    Row("4.1", "Forest and other woody biomass (forest land)", "森林和其他木质生物质碳储量变化（林地）", 2, ("3.B.1",)),
    Row("4.2", "Cropland", "农地", 2, ("3.B.2",)),
    Row("4.3", "Grassland", "草地", 2, ("3.B.3",)),
    Row("4.4", "Wetlands", "湿地", 2, ("3.B.4",)),
    Row("4.5", "Settlements", "建设用地", 2, ("3.B.5",)),
    Row("4.6", "Other land", "其他土地", 2, ("3.B.6",)),
    Row("4.7", "Harvested wood products", "采伐木产品", 2, ("3.D.1",)),
    Row("4.8", "Other LULUCF", "其他", 2, LULUCF, (), None, ("4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7")),
)
_WASTE_ROWS = (
    Row("5", "Waste", "废弃物处理", 1, WASTE),
    Row("5.1", "Solid waste disposal (landfill)", "固体废弃物填埋处理", 2, ("4.A",)),
    Row("5.2", "Biological treatment of solid waste", "固体废弃物生物处理", 2, ("4.B",)),
    Row("5.3", "Incineration and open burning", "废弃物焚烧处理", 2, ("4.C",)),
    Row("5.4", "Wastewater treatment", "废水处理", 2, ("4.D",)),
    Row("5.5", "Other waste", "其他", 2, WASTE, (), None, ("5.1", "5.2", "5.3", "5.4")),
)
_OTHER_ROWS = (Row("6", "Other (IPCC 5)", "其他（IPCC 5）", 1, OTHER),)

SUMMARY_ROWS: tuple[Row, ...] = _ENERGY_ROWS + _IPPU_ROWS + _AGRI_ROWS + _LULUCF_ROWS + _WASTE_ROWS + _OTHER_ROWS



def class_map(energy_activity: pl.DataFrame | None) -> dict[str, str]:
    """Activity code -> fuel class, as the run's energy activity table records it.

    Parameters
    ----------
    energy_activity : polars.DataFrame or None
        ``energy_activity.parquet`` (activity, fuel_class …); None for a run folder written before it.

    Returns
    -------
    dict of str to str
        The fuel class of each activity of the table (biomass fuels included).
    """
    if energy_activity is None or energy_activity.height == 0:
        return {}
    u = energy_activity.lazy().select("activity", "fuel_class").unique().collect()  # lazily: no copy of the whole table
    return dict(zip(u["activity"].to_list(), u["fuel_class"].to_list()))


class _Rows:
    """The emission rows grouped into *atoms* — one per distinct (year, sector, gas, scope, fuel class of the activity) —
    as Python lists: every selection of the provincial tables is a union of atoms, so it is made over a few thousand
    atoms instead of every emission row (regions, activities). Each atom's rows are reduced once to their exact sum
    (``em``, ``ce``: :class:`ghginv.report._exact.ExactSums`), and every sum is the exactly rounded sum of the rows'
    values — the bits of :func:`math.fsum` over the rows themselves, in any order — without adding the rows again per
    selection. Built once per run's workbook (:func:`provincial_sheets`) and passed to each table."""

    def __init__(self, emissions: pl.DataFrame, classes: dict[str, str], atoms: Atoms | None = None):
        a = atoms if atoms is not None else emission_atoms(emissions)
        if a is not None:
            self._of_atoms(emissions, classes, a)
        else:
            self._grouped(emissions, classes)
        groups = {g: gas_family(g) for g in set(self.gas)}
        self.gas_group = [groups[g] for g in self.gas]
        self.montreal = [g in MONTREAL_GASES for g in self.gas]
        self.years = sorted(set(self.year))
        self.by_sector: dict[str, list[int]] = {}
        for i, (sc, sec) in enumerate(zip(self.scope, self.sector)):
            if sc == "direct":
                self.by_sector.setdefault(sec, []).append(i)
        self.by_year: dict[int, list[int]] = {}
        for i, y in enumerate(self.year):
            self.by_year.setdefault(y, []).append(i)
        self._split: dict[int, tuple] = {}  # id of an index collection -> (it, year -> its indices in its order)
        self._sums: dict[tuple, float] = {}  # ("em" or "ce", atoms) -> math.fsum of their rows' values

    def _grouped(self, emissions: pl.DataFrame, classes: dict[str, str]) -> None:
        """The atoms by a group-by of the emission rows (frames without :func:`ghginv.report._atoms.emission_atoms`)."""
        if "activity" in emissions.columns:
            acts = emissions["activity"].drop_nulls().unique().to_list()
            fuel = (pl.col("activity").replace_strict(acts, [classes.get(a, "other") for a in acts], return_dtype=pl.String)
                    .fill_null(classes.get(None, "other")))
        else:
            fuel = pl.lit(classes.get("", "other"), pl.String)
        keys = ["year", "sector", "gas", "scope", "fuel_class"]
        atoms = (emissions.select("year", "sector", "gas", "scope", fuel.alias("fuel_class"), "emissions_t", "co2e_t")
                 .group_by(keys, maintain_order=True).agg("emissions_t", "co2e_t"))
        self.year = atoms["year"].to_list()
        self.sector = atoms["sector"].to_list()
        self.gas = atoms["gas"].to_list()
        self.scope = atoms["scope"].to_list()
        self.fuel_class = atoms["fuel_class"].to_list()
        lengths = atoms["emissions_t"].list.len().to_numpy()
        self.em = ExactSums(atoms["emissions_t"].explode(), lengths)  # per atom: the exact sum of its rows [t of the gas]
        self.ce = ExactSums(atoms["co2e_t"].explode(), lengths)  # [t CO2e]

    def _of_atoms(self, emissions: pl.DataFrame, classes: dict[str, str], a: Atoms) -> None:
        """The atoms from the emission frame's (year, sector, gas, scope, activity) atoms: the same atoms in the same
        order (of their first row) as :meth:`_grouped`, each activity taken to its fuel class in Python."""
        t = a.table
        acts = t["activity"].to_list() if "activity" in t.columns else None
        mine: dict[tuple, int] = {}
        of = np.empty(t.height, np.int64)  # the emission atom's atom here
        for i, (y, sec, g, sc) in enumerate(zip(t["year"].to_list(), t["sector"].to_list(), t["gas"].to_list(),
                                                t["scope"].to_list(), strict=True)):
            fc = classes.get(acts[i], "other") if acts is not None else classes.get("", "other")
            of[i] = mine.setdefault((y, sec, g, sc, fc), len(mine))
        keys = list(mine)
        self.year = [k[0] for k in keys]
        self.sector = [k[1] for k in keys]
        self.gas = [k[2] for k in keys]
        self.scope = [k[3] for k in keys]
        self.fuel_class = [k[4] for k in keys]
        group = a.rows_of(of)
        self.em = ExactSums.of_groups(emissions["emissions_t"], group, len(keys))  # per atom: the exact sum of its rows [t]
        self.ce = ExactSums.of_groups(emissions["co2e_t"], group, len(keys))  # [t CO2e]

    def fsum(self, which: str, idx) -> float:
        """:func:`math.fsum` of the values (``"em"`` [t of the gas] or ``"ce"`` [t CO2e]) of the rows of the atoms
        ``idx`` (the same bits, from the atoms' exact sums), computed once per set of atoms: the summary and the sector
        tables sum many of the same sets, and an exactly rounded sum does not depend on the order of its terms."""
        key = (which, tuple(sorted(idx)))
        got = self._sums.get(key)
        if got is None:
            got = self._sums[key] = (self.em if which == "em" else self.ce).fsum(key[1])
        return got

    def where(self, cond) -> list[int]:
        """Indices of the rows where ``cond(i)`` holds."""
        return [i for i in range(len(self.year)) if cond(i)]

    def of_year(self, idx, year: int) -> list[int]:
        """The indices of ``idx`` in ``year``, in the order of ``idx`` (split by year once per collection)."""
        hit = self._split.get(id(idx))
        if hit is None or hit[0] is not idx:
            split: dict[int, list[int]] = {}
            ys = self.year
            for i in idx:
                split.setdefault(ys[i], []).append(i)
            hit = self._split[id(idx)] = (idx, split)
        return list(hit[1].get(year, ()))


def _match(sectors, row: Row) -> set[str]:
    return {s for s in sectors if categories.under(s, *row.prefixes) and not (row.exclude and categories.under(s, *row.exclude))}


def _selection(r: _Rows, rows: tuple[Row, ...]) -> dict[str, set[int]]:
    """Row code -> the direct emission rows it sums (sector and fuel), "other" rows taking what no sibling took."""
    out: dict[str, set[int]] = {}
    for row in rows:
        idx = {i for sec in _match(r.by_sector, row) for i in r.by_sector[sec]}
        if row.fuel == "fossil":
            idx = {i for i in idx if r.fuel_class[i] != "biomass"}
        elif row.fuel == "biomass":
            idx = {i for i in idx if r.fuel_class[i] == "biomass"}
        for sib in row.rest_of:
            idx -= out[sib]
        out[row.code] = idx
    return out


def _sums(r: _Rows, idx) -> dict:
    """The gas columns of one row: 万吨 of CO2, CH4, N2O; 万吨 CO2e of the F-gas groups and the total; None without rows.
    Sums with math.fsum: correctly rounded whatever the order of the rows."""
    idx = sorted(idx)
    of: dict[str, list[int]] = {g: [] for g in GAS_GROUPS}  # the atoms of each gas group, one pass over them
    for i in idx:
        g = r.gas_group[i]
        if g in of:
            of[g].append(i)
    out: dict = {}
    for g in GAS_GROUPS:
        out[_gcol(g)] = r.fsum("em" if g in MASS_GROUPS else "ce", of[g]) / T_PER_10KT if of[g] else None
    out["co2e_10kt"] = r.fsum("ce", idx) / T_PER_10KT if idx else None
    return out


def _gcol(g: str) -> str:
    return f"{g}_10kt" if g in MASS_GROUPS else f"{g}_10kt_co2e"


SUMMARY_SCHEMA = {"year": pl.Int32, "code": pl.String, "level": pl.Int8, "item_en": pl.String, "item_zh": pl.String,
                  **{_gcol(g): pl.Float64 for g in GAS_GROUPS}, "co2e_10kt": pl.Float64, "note_en": pl.String, "note_zh": pl.String}


def _add(a: dict, b: dict) -> dict:
    """Column-wise sum of two rows of gas columns, None + None = None."""
    out = {}
    for k in [*(_gcol(g) for g in GAS_GROUPS), "co2e_10kt"]:
        x, y = a.get(k), b.get(k)
        out[k] = None if x is None and y is None else (x or 0.0) + (y or 0.0)
    return out


def net_import_memo(energy_activity: pl.DataFrame | None, electricity_balance: pl.DataFrame | None,
                    indirect_electricity_co2_t: dict[int, float]) -> dict[int, dict]:
    """CO2 of the net imported electricity (电力调入调出) per year, at the run's own average factor
    of purchased electricity.

    ``factor [t CO2/kWh] = indirect CO2 of electricity ÷ electricity consumed`` (whole area, the
    run's cells), ``CO2 = net imports [kWh] × factor``; net imports = imports − exports of the
    energy balance's electricity rows (all its rows of the year: ``ALL`` or its regions).

    Parameters
    ----------
    energy_activity : polars.DataFrame or None
        ``energy_activity.parquet`` (fuel_class, dimension, ``amount_base`` [GJ for energy]).
    electricity_balance : polars.DataFrame or None
        ``electricity_balance.parquet`` (year, imports, exports, unit, ``net_imports_kwh`` [kWh]).
    indirect_electricity_co2_t : dict of int to float
        Year -> indirect CO2 of purchased electricity [t].

    Returns
    -------
    dict of int to dict
        Year -> ``co2_t`` [t] (None without a factor), ``net_kwh`` [kWh], ``factor_kg_per_kwh``,
        ``imports``, ``exports``, ``unit``; only years the balance has.
    """
    if electricity_balance is None or electricity_balance.height == 0:
        return {}
    kwh_used: dict = {}
    if energy_activity is not None and energy_activity.height:
        el = energy_activity.filter(pl.col("fuel_class") == "electricity", pl.col("dimension") == "energy")
        for y, gj in zip(el["year"].to_list(), el["amount_base"].to_list()):
            kwh_used.setdefault(int(y), []).append(gj)
        kwh_used = {y: math.fsum(v) / KWH_GJ for y, v in kwh_used.items()}
    out: dict[int, dict] = {}
    for y in sorted(set(electricity_balance["year"].to_list())):
        sub = electricity_balance.filter(pl.col("year") == y)
        if sub["net_imports_kwh"].null_count() == sub.height:
            continue
        net = math.fsum(v for v in sub["net_imports_kwh"].to_list() if v is not None)
        co2 = indirect_electricity_co2_t.get(int(y))
        used = kwh_used.get(int(y))
        f = co2 / used if co2 is not None and used else None
        units = sorted(set(sub["unit"].to_list()))
        out[int(y)] = {"net_kwh": net, "factor_kg_per_kwh": f * 1000 if f is not None else None, "co2_t": net * f if f is not None else None,
                       "imports": math.fsum(sub["imports"].to_list()), "exports": math.fsum(sub["exports"].to_list()), "unit": ", ".join(units)}
    return out


def summary_table(emissions: pl.DataFrame, energy_activity: pl.DataFrame | None = None,
                  electricity_balance: pl.DataFrame | None = None, inventory: pl.DataFrame | None = None) -> pl.DataFrame:
    """The provincial summary table (清单汇总表), one block of rows per year.

    Rows: 总排放量（含LULUCF）, 总排放量（不含LULUCF）, the sectors and sub-items of
    :data:`SUMMARY_ROWS` (a sector without any row is still shown, blank), and the memo rows outside
    the totals: international bunkers (国际航空, 国际航海; estimated, or with the notation key of the
    memo items of ``inventory`` in the note), biomass CO2, indirect
    emissions of purchased electricity and heat (电力, 热力) and of them the net imported electricity
    (电力调入调出; where the energy balance gives it, at the run's average factor of purchased
    electricity, :func:`net_import_memo`), Montreal-Protocol gases (where present).

    Parameters
    ----------
    emissions : polars.DataFrame
        The run's emission rows (year, region, sector, activity, gas, scope, ``emissions_t`` [t of
        the gas], ``co2e_t`` [t CO2e]).
    energy_activity : polars.DataFrame, optional
        ``energy_activity.parquet``: the fuel class of each activity (biomass combustion, electricity
        and heat) and the electricity consumed.
    electricity_balance : polars.DataFrame, optional
        ``electricity_balance.parquet``: the energy balance's electricity imports and exports.
    inventory : polars.DataFrame, optional
        ``inventory.parquet``: a row without any estimate names the notation keys of its IPCC
        categories (NE, NO …, :mod:`ghginv.analysis.notation`) in its note.

    Returns
    -------
    polars.DataFrame
        year, code, level (0 total, 1 sector, 2 item, 3 sub-item, 9 memo), ``item_en``, ``item_zh``,
        ``CO2_10kt``, ``CH4_10kt``, ``N2O_10kt`` [10^4 t of the gas], ``HFCs_10kt_co2e``,
        ``PFCs_10kt_co2e``, ``SF6_10kt_co2e``, ``NF3_10kt_co2e``, ``co2e_10kt`` [10^4 t CO2e],
        ``note_en``, ``note_zh``; a gas without an estimate is null.
    """
    return _summary(_Rows(emissions, class_map(energy_activity)), energy_activity, electricity_balance, inventory)


def _summary(r: _Rows, energy_activity: pl.DataFrame | None, electricity_balance: pl.DataFrame | None,
             inventory: pl.DataFrame | None) -> pl.DataFrame:
    """:func:`summary_table` of the emission rows ``r``."""
    sel = _selection(r, SUMMARY_ROWS)
    ind_el: dict[int, list[int]] = {}  # year -> the atoms of indirect CO2 of purchased electricity
    for i in r.where(lambda i: r.scope[i] == "indirect" and r.fuel_class[i] == "electricity" and r.gas[i] == "CO2"):
        ind_el.setdefault(int(r.year[i]), []).append(i)
    net = net_import_memo(energy_activity, electricity_balance, {y: r.fsum("em", v) for y, v in ind_el.items()})
    keys = _notation_keys(inventory)
    mkeys = _memo_keys(inventory)
    rows: list[dict] = []
    for y in r.years:
        body = []
        sector_sums = {}
        for row in SUMMARY_ROWS:
            sub = r.of_year(sel[row.code], y)
            if row.level >= 2 and not sub and row.rest_of:
                continue  # an empty "other" row says nothing
            if row.code == "6" and not sub:
                continue
            sm = _sums(r, sub)
            if row.level == 1:
                sector_sums[row.code] = sm
            note = _key_note(keys.get(y, {}), row) if not sub else {}
            body.append({"code": row.code, "level": row.level, "item_en": row.en, "item_zh": row.zh, **sm, **note})
        excl = {}
        for c in ("1", "2", "3", "5", "6"):
            excl = _add(excl, sector_sums.get(c, {}))
        incl = _add(excl, sector_sums.get("4", {}))
        rows.append({"year": y, "code": "T1", "level": 0, "item_en": "Total emissions (including LULUCF)", "item_zh": "总量（含LULUCF）", **incl})
        rows.append({"year": y, "code": "T2", "level": 0, "item_en": "Total emissions (excluding LULUCF)", "item_zh": "总量（不含LULUCF）", **excl})
        rows += [{"year": y, **x} for x in body]
        rows += [{"year": y, **x} for x in _memo(r, y, net.get(int(y)), mkeys.get(int(y)))]
    return pl.DataFrame([{k: x.get(k) for k in SUMMARY_SCHEMA} for x in rows], schema=SUMMARY_SCHEMA)


def _notation_keys(inventory: pl.DataFrame | None) -> dict[int, dict[str, set[str]]]:
    """Year -> IPCC category -> the notation keys inventory.parquet gives it (direct scope, any region or gas)."""
    if inventory is None or "notation_key" not in inventory.columns:
        return {}
    k = (inventory.lazy().filter(pl.col("notation_key").is_not_null(), pl.col("scope") == "direct")
         .select("year", "category", "notation_key").unique().collect())  # once per key, not per region and gas (sets below: order is irrelevant)
    out: dict[int, dict[str, set[str]]] = {}
    for y, c, key in zip(k["year"].to_list(), k["category"].to_list(), k["notation_key"].to_list()):
        out.setdefault(int(y), {}).setdefault(c, set()).add(key)
    return out


def _key_note(keys: dict[str, set[str]], row: Row) -> dict:
    """The note of a row without estimates: the notation keys of its IPCC categories (a category without a row of its own
    takes the key of its nearest ancestor: a parent reported NE means none of its parts is estimated), or nothing."""
    found: set[str] = set()
    for p in () if row.rest_of else row.prefixes:
        for c in reversed(categories.ancestors(p) if categories.is_category(p) else [p]):  # the category, else its nearest ancestor with a key
            if c in keys:
                found |= keys[c]
                break
    return _keys_text(found)


def _keys_text(found) -> dict:
    """``note_en`` and ``note_zh`` naming the notation keys ``found`` (NE 未估算 …), or nothing without keys."""
    found = sorted(found)
    if not found:
        return {}
    return {f"note_{lang}": ptext("key_note", lang, keys="; ".join(ptext(f"key_{k}", lang) if f"key_{k}" in TEXTS else k for k in found))
            for lang in ("en", "zh")}


def _memo_keys(inventory: pl.DataFrame | None) -> dict[int, dict[str, set[str]]]:
    """Year -> international bunker category (1.A.3.a.i, 1.A.3.d.i) -> its notation keys in inventory.parquet (scope
    ``memo``: the memo items of the completeness table, :mod:`ghginv.analysis.notation`)."""
    if inventory is None or "notation_key" not in inventory.columns:
        return {}
    k = (inventory.lazy().filter(pl.col("notation_key").is_not_null(), pl.col("scope") == "memo", pl.col("category").is_in(list(BUNKERS)))
         .select("year", "category", "notation_key").unique().collect())  # once per key, not per region and gas (sets below)
    out: dict[int, dict[str, set[str]]] = {}
    for y, c, key in zip(k["year"].to_list(), k["category"].to_list(), k["notation_key"].to_list()):
        out.setdefault(int(y), {}).setdefault(c, set()).add(key)
    return out


def _memo(r: _Rows, y: int, net: dict | None, keys: dict[str, set[str]] | None = None) -> list[dict]:
    out = []
    keys = keys or {}
    yr = list(r.by_year.get(y, ()))
    # bunker rows are memo rows (scope "memo"); a run folder of an earlier version has them as "direct"
    bunkers = {c: categories.under(c, *BUNKERS) for c in {r.sector[i] for i in yr}}  # once per code, not per row
    bunk = [i for i in yr if r.scope[i] in ("direct", "memo") and not r.montreal[i] and bunkers[r.sector[i]]]
    if bunk or keys:  # estimated, or the notation key of the completeness table's memo items (NE, NO …) in the note
        note = {} if bunk else _keys_text(set().union(*keys.values()))
        out.append({"code": "M1", "level": 9, "item_en": "Memo: international bunkers", "item_zh": "备忘项：国际燃料舱", **_sums(r, bunk), **note})
        for code, pre, en, zh in (("M1.1", "1.A.3.a.i", "International aviation", "国际航空"), ("M1.2", "1.A.3.d.i", "International navigation", "国际航海")):
            sub = [i for i in bunk if categories.under(r.sector[i], pre)]
            out.append({"code": code, "level": 10, "item_en": en, "item_zh": zh, **_sums(r, sub), **({} if sub else _keys_text(keys.get(pre, ())))})
    bio = [i for i in yr if r.scope[i] == "memo" and not r.montreal[i] and r.gas[i] == "CO2" and not categories.under(r.sector[i], *BUNKERS)]
    out.append({"code": "M2", "level": 9, "item_en": "Memo: CO2 from biomass combustion", "item_zh": "备忘项：生物质燃烧二氧化碳排放", **_sums(r, bio)})
    ind = [i for i in yr if r.scope[i] == "indirect"]
    out.append({"code": "M3", "level": 9, "item_en": "Memo: indirect emissions of purchased electricity and heat",
                "item_zh": "备忘项：外购电力和热力间接排放", **_sums(r, ind)})
    for code, cls, en, zh in (("M3.1", "electricity", "Electricity", "电力"), ("M3.2", "heat", "Heat", "热力")):
        sub = [i for i in ind if r.fuel_class[i] == cls]
        if sub:
            out.append({"code": code, "level": 10, "item_en": en, "item_zh": zh, **_sums(r, sub)})
    other = [i for i in ind if r.fuel_class[i] not in ("electricity", "heat")]
    if other:
        out.append({"code": "M3.3", "level": 10, "item_en": "Other purchased energy", "item_zh": "其他外购能源", **_sums(r, other)})
    if net is not None:
        kwh = f"{net['net_kwh'] / 1e4:,.2f}"
        if net["co2_t"] is None:
            note = (ptext("net_import_none", "en", kwh=kwh), ptext("net_import_none", "zh", kwh=kwh))
            vals = {}
        else:
            kw = {"kwh": kwh, "imp": f"{net['imports']:,.4f}", "exp": f"{net['exports']:,.4f}", "unit": net["unit"], "f": f"{net['factor_kg_per_kwh']:.4f}"}
            note = (ptext("net_import_note", "en", **kw), ptext("net_import_note", "zh", **kw))
            vals = {"CO2_10kt": net["co2_t"] / T_PER_10KT, "co2e_10kt": net["co2_t"] / T_PER_10KT}
        out.append({"code": "M3.4", "level": 10, "item_en": "of which: net imported electricity (energy balance)",
                    "item_zh": "其中：电力调入调出（净调入电力）", **vals, "note_en": note[0], "note_zh": note[1]})
    mont = [i for i in yr if r.montreal[i]]
    if mont:
        out.append({"code": "M4", "level": 9, "item_en": "Memo: Montreal Protocol gases (CFCs, HCFCs, halons)",
                    "item_zh": "备忘项：《蒙特利尔议定书》受控物质（CFCs、HCFCs、哈龙）", "co2e_10kt": r.fsum("ce", mont) / T_PER_10KT})
    return out


# ---- energy activity -------------------------------------------------------------------------------

_FOSSIL = "fossil"
_ENERGY_TABLE_ROWS = (  # the guideline's fossil-fuel combustion table (能源活动排放), then biomass, fugitive and bunkers
    Row("1", "Fossil fuels, total", "化石燃料合计", 1, ("1.A",), BUNKERS, _FOSSIL),
    Row("1.1", "Energy production and transformation", "能源生产与加工转换", 2, ("1.A.1",), fuel=_FOSSIL),
    Row("1.1.1", "Public electricity and heat", "公用电力与热力部门", 3, ("1.A.1.a",), fuel=_FOSSIL),
    Row("1.1.2", "Oil and gas extraction and refining", "石油天然气开采与加工业", 3, ("1.A.1.b",), fuel=_FOSSIL),
    Row("1.1.3", "Solid fuels and other energy industries", "固体燃料和其他能源工业", 3, ("1.A.1",), (), _FOSSIL, ("1.1.1", "1.1.2")),
    Row("1.2", "Industry and construction", "工业和建筑业", 2, ("1.A.2",), fuel=_FOSSIL),
    Row("1.2.1", "Iron and steel", "钢铁", 3, ("1.A.2.a",), fuel=_FOSSIL),
    Row("1.2.2", "Non-ferrous metals", "有色金属", 3, ("1.A.2.b",), fuel=_FOSSIL),
    Row("1.2.3", "Chemicals", "化工", 3, ("1.A.2.c",), fuel=_FOSSIL),
    Row("1.2.4", "Building materials", "建材", 3, ("1.A.2.f",), fuel=_FOSSIL),
    Row("1.2.6", "Construction", "建筑业", 3, ("1.A.2.k",), fuel=_FOSSIL),
    Row("1.2.5", "Other industry", "其他工业部门", 3, ("1.A.2",), (), _FOSSIL, ("1.2.1", "1.2.2", "1.2.3", "1.2.4", "1.2.6")),
    Row("1.3", "Transport", "交通运输", 2, ("1.A.3",), BUNKERS, _FOSSIL),
    Row("1.3.1", "Aviation (domestic)", "航空", 3, ("1.A.3.a",), BUNKERS, _FOSSIL),
    Row("1.3.2", "Road", "公路", 3, ("1.A.3.b",), fuel=_FOSSIL),
    Row("1.3.3", "Railways", "铁路", 3, ("1.A.3.c",), fuel=_FOSSIL),
    Row("1.3.4", "Water-borne navigation (domestic)", "水运", 3, ("1.A.3.d",), BUNKERS, _FOSSIL),
    Row("1.3.5", "Other transport (pipelines …)", "其他交通运输（管道等）", 3, ("1.A.3",), BUNKERS, _FOSSIL, ("1.3.1", "1.3.2", "1.3.3", "1.3.4")),
    Row("1.4", "Services and other", "服务业及其他", 2, ("1.A.4.a", "1.A.5"), fuel=_FOSSIL),
    Row("1.5", "Residential", "居民生活", 2, ("1.A.4.b",), fuel=_FOSSIL),
    Row("1.6", "Agriculture, forestry, fishing", "农、林、牧、渔业", 2, ("1.A.4.c",), fuel=_FOSSIL),
    Row("1.7", "Other fuel combustion", "其他燃料燃烧", 2, ("1.A",), BUNKERS, _FOSSIL, ("1.1", "1.2", "1.3", "1.4", "1.5", "1.6")),
    Row("2", "Biomass combustion (for energy)", "生物质燃烧（以能源利用为目的）", 1, ("1.A",), BUNKERS, "biomass"),
    Row("3", "Fugitive: coal mining and post-mining", "煤炭开采和矿后活动逃逸", 1, ("1.B.1",)),
    Row("4", "Fugitive: oil and natural gas systems", "油气系统逃逸", 1, ("1.B.2",)),
    Row("5", "Other energy", "其他能源活动", 1, ENERGY, BUNKERS, None, ("1", "2", "3", "4")),
    Row("M.1", "International aviation (memo)", "国际航空（备忘项）", 1, ("1.A.3.a.i",)),
    Row("M.2", "International navigation (memo)", "国际航海（备忘项）", 1, ("1.A.3.d.i",)),
)
_ENERGY_SECTORS = (  # (prefix, code, en, zh) of the energy-activity table, most specific first: the rows of _ENERGY_TABLE_ROWS
    ("1.A.3.a.i", "M.1", "International aviation (memo)", "国际航空（备忘项）"),
    ("1.A.3.d.i", "M.2", "International navigation (memo)", "国际航海（备忘项）"),
    *((r.prefixes[0], r.code, r.en, r.zh) for r in _ENERGY_TABLE_ROWS if r.level == 3 and not r.rest_of),
    ("1.A.1", "1.1.3", "Solid fuels and other energy industries", "固体燃料和其他能源工业"),
    ("1.A.2", "1.2.5", "Other industry", "其他工业部门"),
    ("1.A.3", "1.3.5", "Other transport (pipelines …)", "其他交通运输（管道等）"),
    ("1.A.4.a", "1.4", "Services and other", "服务业及其他"),
    ("1.A.5", "1.4", "Services and other", "服务业及其他"),
    ("1.A.4.b", "1.5", "Residential", "居民生活"),
    ("1.A.4.c", "1.6", "Agriculture, forestry, fishing", "农、林、牧、渔业"),
    ("1.A", "1.7", "Other fuel combustion", "其他燃料燃烧"),
    ("1", "5", "Other energy", "其他能源活动"),
    ("2", "6", "Non-energy use (feedstock, industrial processes)", "非能源利用（原料用能，工业生产过程）"),
)


def energy_sector(sector: str) -> tuple[str, str, str]:
    """The provincial-guideline row of an IPCC sector code in the energy tables.

    Parameters
    ----------
    sector : str
        IPCC 2006 code (e.g. ``1.A.2.e``).

    Returns
    -------
    tuple of str
        (guideline code, English name, Chinese name), e.g. ``("1.2.5", "Other industry", "其他工业部门")``;
        ``("9", "Other", "其他")`` outside the energy sector and industrial processes.
    """
    for pre, code, en, zh in _ENERGY_SECTORS:
        if categories.under(sector, pre):
            return code, en, zh
    return "9", "Other", "其他"


def _display(dimension: str, fuel_class: str) -> tuple[str, float]:
    """Display unit key and divisor from the base unit (t, m^3, GJ)."""
    if dimension == "mass":
        return "unit_t", 1.0
    if dimension == "volume":
        return "unit_10k_m3", 1e4
    if dimension == "energy" and fuel_class == "electricity":
        return "unit_10k_kwh", KWH_GJ * 1e4
    if dimension == "energy":
        return "unit_gj", 1.0
    return dimension, 1.0


def _sector_order(code: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 99 for p in code.replace("M.", "99.").split("."))


class _EnergyGroups:
    """The rows of ``energy_activity.parquet`` grouped per (year, sector, fuel name, dimension, class, activity), in the
    order of their first row (``keys``: one tuple per group), each group's ``amount_base`` and non-null ``energy_tce``
    reduced once to their exact sums (:class:`ghginv.report._exact.ExactSums`): the physical and the tce table of one
    language share them (:func:`provincial_sheets`), and a cell of either adds its groups' exact sums."""

    def __init__(self, ea: pl.DataFrame, name: str):
        keys = ["year", "sector", name, "dimension", "fuel_class", "activity"]
        a = frame_atoms(ea, keys) if ea.height >= _atoms.MIN_ROWS else None  # read at the call: tests switch it
        self._atoms = a
        if a is not None:  # the same groups in the same order, found from integer codes (ghginv.report._atoms)
            n = a.table.height
            self.keys = list(zip(*(a.table[c].to_list() for c in keys), strict=True))
            self._amount = ea["amount_base"]
            tce = ea["energy_tce"].cast(pl.Float64)
            has = tce.is_not_null()
            ids = a.ids[has.to_numpy()]
            self.tce_rows = np.bincount(ids, minlength=n)  # non-null tce values per group
            self.tce = ExactSums.of_groups(tce.filter(has), ids, n)
            self._physical = {}
            return
        g = (ea.lazy().select(*keys, "amount_base", pl.col("energy_tce").cast(pl.Float64))
             .group_by(keys, maintain_order=True).agg("amount_base", pl.col("energy_tce").drop_nulls()).collect())
        self.keys = list(zip(*(g[c].to_list() for c in keys), strict=True))
        self._amounts = g["amount_base"]
        tce = g["energy_tce"]
        self.tce_rows = tce.list.len().to_numpy()  # non-null tce values per group (0: the group has no tce column value)
        flat = tce.explode()  # an empty list explodes to one null: dropped, the lengths count the real values
        self.tce = ExactSums(flat.filter(flat.is_not_null()), self.tce_rows)
        self._physical: dict[tuple, ExactSums] = {}

    def class_map(self) -> dict:
        """:func:`class_map` of the table: each group's activity and fuel class (the table's distinct pairs, each once)."""
        return {k[5]: k[4] for k in self.keys}

    def physical(self, divisors: list[float]) -> ExactSums:
        """The exact sums of each group's ``amount_base`` / its display divisor (one per group, as in the table)."""
        key = tuple(divisors)
        got = self._physical.get(key)
        if got is None and self._atoms is not None:  # each row's amount / its group's divisor, as below
            ids = self._atoms.ids
            div = pl.Series(np.asarray(divisors, np.float64)[ids])
            got = self._physical[key] = ExactSums.of_groups(self._amount / div, ids, len(divisors))
        if got is None:
            lengths = self._amounts.list.len().to_numpy()
            div = pl.Series(np.repeat(np.asarray(divisors, np.float64), lengths))
            got = self._physical[key] = ExactSums(self._amounts.explode() / div, lengths)  # each row's amount / div, as before
        return got


def energy_activity_table(energy_activity: pl.DataFrame | None, lang: str = "en", quantity: str = "physical") -> pl.DataFrame | None:
    """The energy activity by sector (rows) and fuel (columns), per year, with a total row per year.

    Parameters
    ----------
    energy_activity : polars.DataFrame or None
        ``energy_activity.parquet`` (:data:`ghginv.analysis.energy.BY_SECTOR_SCHEMA`).
    lang : {"en", "zh"}, default "en"
        Language of the row names and column headers.
    quantity : {"physical", "tce"}, default "physical"
        Physical quantities (吨, 万立方米, 万千瓦时, 百万千焦: the unit is in each column's header)
        or standard coal (吨标准煤, with a total column).

    Returns
    -------
    polars.DataFrame or None
        Year, code, item, one column per fuel (and unit), and for ``tce`` the total; None without
        energy activity.
    """
    if energy_activity is None or energy_activity.height == 0:
        return None
    return _energy_table(energy_activity, _EnergyGroups(energy_activity, "name_zh" if lang == "zh" else "name_en"), lang, quantity)


def _energy_table(ea: pl.DataFrame, groups: _EnergyGroups, lang: str, quantity: str) -> pl.DataFrame | None:
    """:func:`energy_activity_table` of the rows of ``ea`` grouped as ``groups`` (built once for both quantities)."""
    secs = {s: energy_sector(s) for s in ea["sector"].unique().to_list()}
    recs = []
    heads: dict[tuple, tuple[str, float]] = {}  # (fuel, dimension, fuel class) -> (column, divisor): once per fuel, not per row
    divs: list[float] = []
    # one group per (year, sector, fuel, dimension, class, activity): its rows reduced once to exact sums
    for gi, (year, sector, fuel, dim, cls, act) in enumerate(groups.keys):
        code, en, zh = secs[sector]
        if quantity == "physical":
            head = heads.get((fuel, dim, cls))
            if head is None:
                ukey, div = _display(dim, cls)
                unit = ptext(ukey, lang) if ukey in TEXTS else ukey
                head = heads[(fuel, dim, cls)] = (ptext("fuel_unit", lang, fuel=fuel, unit=unit), div)
            col, div = head
            divs.append(div)
        else:
            if not groups.tce_rows[gi]:
                continue
            head = heads.get((fuel, None, None))
            if head is None:
                head = heads[(fuel, None, None)] = (ptext("fuel_tce", lang, fuel=fuel), 1.0)
            col = head[0]
        recs.append({"year": year, "code": code, "item": zh if lang == "zh" else en, "col": col, "act": act, "g": gi})
    if not recs:
        return None
    sums = groups.physical(divs) if quantity == "physical" else groups.tce
    # sums correctly rounded (math.fsum's bits over the cell's rows, in any order): the same run gives the same bytes
    cols = [c for _, c in sorted({(r["act"], r["col"]) for r in recs})]
    cols = list(dict.fromkeys(cols))
    cells: dict[tuple, dict[str, list[int]]] = {}  # (year, code) -> column -> its groups
    names: dict[tuple, str] = {}
    for r in recs:
        for key in ((r["year"], r["code"]), (r["year"], "T")):
            cells.setdefault(key, {}).setdefault(r["col"], []).append(r["g"])
        names[(r["year"], r["code"])] = r["item"]
    order = {c: _sector_order(c) for _, c in cells if c != "T"}
    rows = []
    for y, code in sorted(cells, key=lambda k: (k[0], (-1,) if k[1] == "T" else order[k[1]])):
        vals = {c: sums.fsum(g) if (g := cells[(y, code)].get(c)) else None for c in cols}
        row = {"year": y, "code": code, "item": ptext("total", lang) if code == "T" else names[(y, code)], **vals}
        if quantity == "tce":
            row[ptext("col_total_tce", lang)] = sums.fsum(gi for g in cells[(y, code)].values() for gi in g)
        rows.append(row)
    schema = {"year": pl.Int32, "code": pl.String, "item": pl.String, **{c: pl.Float64 for c in cols}}
    if quantity == "tce":
        schema[ptext("col_total_tce", lang)] = pl.Float64
    out = pl.DataFrame(rows, schema=schema)
    return out.rename({"year": ptext("col_year", lang), "code": ptext("col_code", lang), "item": ptext("col_item", lang)})


# ---- per-sector tables (the guideline's result sheets) ---------------------------------------------

_IPPU_GASES = ("HFC-23", "HFC-32", "HFC-125", "HFC-134a", "HFC-143a", "HFC-152a", "HFC-227ea", "HFC-236fa", "HFC-245fa", "CF4", "C2F6", "SF6")


def _gas_variants(g: str) -> tuple[str, ...]:
    """Spellings of a gas in emission rows (``HFC-134a`` and ``HFC134a``)."""
    return (g, g.replace("-", ""))


@dataclass(frozen=True)
class SectorTable:
    """One per-sector sheet: its sheet key, rows, and columns ``(header key or text, gases, unit)``,
    unit ``10kt`` (万吨 of the gas), ``t`` (吨 of the gas), ``co2e`` (万吨 CO2e), ``carbon`` (万吨 C of CO2)."""

    key: str
    rows: tuple[Row, ...]
    columns: tuple[tuple[str, tuple[str, ...], str], ...]
    share: bool = False


SECTOR_TABLES: tuple[SectorTable, ...] = (
    SectorTable("sheet_energy", _ENERGY_TABLE_ROWS, (
        ("gas_CO2", ("CO2",), "10kt"), ("gas_CH4", ("CH4",), "10kt"), ("gas_N2O", ("N2O",), "10kt"), ("gas_co2e", (), "co2e"))),
    SectorTable("sheet_ippu", _IPPU_ROWS, (
        ("gas_CO2", ("CO2",), "10kt"), ("gas_CH4", ("CH4",), "t"), ("gas_N2O", ("N2O",), "t"),
        *((g, _gas_variants(g), "t") for g in _IPPU_GASES), ("gas_NF3", ("NF3",), "t"),
        ("t_co2e_other", ("*other",), "co2e"), ("gas_co2e", (), "co2e"))),
    SectorTable("sheet_agriculture", _AGRI_ROWS, (
        ("gas_CO2", ("CO2",), "10kt"), ("gas_CH4", ("CH4",), "10kt"), ("gas_N2O", ("N2O",), "10kt"), ("gas_co2e", (), "co2e"))),
    SectorTable("sheet_lulucf", _LULUCF_ROWS, (
        ("gas_carbon", ("CO2",), "carbon"), ("gas_CO2", ("CO2",), "10kt"), ("gas_CH4", ("CH4",), "t"), ("gas_N2O", ("N2O",), "t"),
        ("gas_co2e", (), "co2e"))),
    SectorTable("sheet_waste", _WASTE_ROWS + (
        Row("5.1.1", "Managed sites", "管理型填埋场", 3, ("4.A.1",)),
        Row("5.1.2", "Unmanaged sites", "非管理型填埋场", 3, ("4.A.2",)),
        Row("5.1.3", "Uncategorised sites", "未分类填埋场", 3, ("4.A.3",)),
        Row("5.3.1", "Incineration", "焚烧", 3, ("4.C.1",)),
        Row("5.3.2", "Open burning", "露天焚烧", 3, ("4.C.2",)),
        Row("5.4.1", "Domestic wastewater", "生活污水处理", 3, ("4.D.1",)),
        Row("5.4.2", "Industrial wastewater", "工业废水处理", 3, ("4.D.2",)),
    ), (("gas_CO2", ("CO2",), "10kt"), ("gas_CH4", ("CH4",), "10kt"), ("gas_N2O", ("N2O",), "10kt"), ("gas_co2e", (), "co2e")), share=True),
)


def _cell(r: _Rows, sub: list[int], gases: tuple[str, ...], unit: str, named: set[str]) -> float | None:
    if gases == ("*other",):
        idx = [i for i in sub if r.gas[i] not in named]
    elif gases:
        idx = [i for i in sub if r.gas[i] in gases]
    else:
        idx = sub
    if not idx:
        return None
    if unit == "co2e":
        return r.fsum("ce", idx) / T_PER_10KT
    t = r.fsum("em", idx)
    return {"10kt": t / T_PER_10KT, "t": t, "carbon": t * 12.0 / 44.0 / T_PER_10KT}[unit]


def sector_table(emissions: pl.DataFrame, table: SectorTable, lang: str = "en", energy_activity: pl.DataFrame | None = None) -> pl.DataFrame:
    """One of the guideline's per-sector result tables (:data:`SECTOR_TABLES`), per year.

    Rows are the sector's items of :data:`SUMMARY_ROWS` (the waste table adds its sub-items);
    columns the gases of the guideline's sheet: energy, agriculture and waste CO2, CH4, N2O in 万吨
    and CO2e; industrial processes CO2 in 万吨, CH4, N2O and each fluorinated gas in 吨, other gases
    and CO2e in 万吨 CO2e; LULUCF carbon (CO2 × 12/44) and CO2 in 万吨, CH4 and N2O in 吨; waste adds
    each row's share of the sector's CO2e. Sub-items without any emission row are left out; the
    sector row is always there.

    Parameters
    ----------
    emissions : polars.DataFrame
        The run's emission rows (direct scope used).
    table : SectorTable
        One of :data:`SECTOR_TABLES`.
    lang : {"en", "zh"}, default "en"
        Language of names and headers.
    energy_activity : polars.DataFrame, optional
        ``energy_activity.parquet``, for the fuel class (biomass combustion rows).

    Returns
    -------
    polars.DataFrame
        Year, code, IPCC codes, item, the value columns (numbers, null = not estimated).
    """
    return _sector(_Rows(emissions, class_map(energy_activity)), table, lang)


def _sector(r: _Rows, table: SectorTable, lang: str) -> pl.DataFrame:
    """:func:`sector_table` of the emission rows ``r``."""
    rows = tuple(sorted(table.rows, key=lambda x: _sector_order(x.code)))
    sel = _selection(r, table.rows)
    named = {g for _, gs, _ in table.columns for g in gs if g != "*other"}
    heads = []
    for k, gs, unit in table.columns:
        if unit == "t":  # a gas in tonnes: its name (Chinese where the guideline names it, else the formula)
            heads.append(ptext("t_gas", lang, gas=ptext(f"name_{gs[0]}", lang) if f"name_{gs[0]}" in TEXTS else gs[0]))
        else:
            heads.append(ptext(k, lang))
    out = []
    for y in r.years:
        total = None
        for row in rows:
            sub = sorted(r.of_year(sel[row.code], y))
            if row.level >= 2 and not sub:
                continue
            vals = [_cell(r, sub, gs, unit, named) for _, gs, unit in table.columns]
            rec = {"year": y, "code": row.code, "item": row.zh if lang == "zh" else row.en,
                   "ipcc": ", ".join(row.prefixes) + (" (−" + ", ".join(row.exclude) + ")" if row.exclude else ""), **dict(zip(heads, vals))}
            if table.share:
                co2e = vals[-1]
                if row.level == 1:
                    total = co2e
                rec["share"] = co2e / total * 100 if co2e is not None and total else None
            out.append(rec)
    schema = {"year": pl.Int32, "code": pl.String, "item": pl.String, "ipcc": pl.String, **{h: pl.Float64 for h in heads}}
    if table.share:
        schema["share"] = pl.Float64
    df = pl.DataFrame(out, schema=schema)
    names = {"year": ptext("col_year", lang), "code": ptext("col_code", lang), "ipcc": ptext("col_ipcc", lang), "item": ptext("col_item", lang)}
    if table.share:
        names["share"] = ptext("col_share", lang)
    return df.rename(names)


_INDENT = {0: "", 1: "", 2: "\u3000", 3: "\u3000\u3000", 9: "", 10: "\u3000"}


def summary_sheet(summary: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """The summary table of :func:`summary_table` as the workbook shows it: headers and names in
    ``lang``, sub-items indented (U+3000), the values unchanged (numbers).

    Parameters
    ----------
    summary : polars.DataFrame
        :func:`summary_table`.
    lang : {"en", "zh"}, default "en"
        Language.

    Returns
    -------
    polars.DataFrame
        Year, code, item, the seven gas columns, the total and a note, headed in ``lang``.
    """
    item = "item_zh" if lang == "zh" else "item_en"
    note = "note_zh" if lang == "zh" else "note_en"
    return summary.select(
        pl.col("year").alias(ptext("col_year", lang)),
        pl.col("code").alias(ptext("col_code", lang)),
        (pl.col("level").replace_strict(_INDENT, default="", return_dtype=pl.String) + pl.col(item)).alias(ptext("col_item", lang)),
        *[pl.col(_gcol(g)).alias(ptext(f"gas_{g}", lang)) for g in GAS_GROUPS],
        pl.col("co2e_10kt").alias(ptext("gas_total", lang)),
        pl.col(note).alias(ptext("col_note", lang)),
    )


def provincial_sheets(emissions: pl.DataFrame, energy_activity: pl.DataFrame | None, electricity_balance: pl.DataFrame | None,
                      lang: str = "en", electricity_method: str = "equivalent",
                      inventory: pl.DataFrame | None = None, atoms: Atoms | None = None) -> list[tuple[str, pl.DataFrame, str]]:
    """The provincial sheets of ``inventory.xlsx``, in order: summary, energy activity (physical and
    tce), and the per-sector tables.

    Parameters
    ----------
    emissions : polars.DataFrame
        The run's emission rows.
    energy_activity : polars.DataFrame or None
        ``energy_activity.parquet`` (None: the energy-activity sheets are left out).
    electricity_balance : polars.DataFrame or None
        ``electricity_balance.parquet`` (net imported electricity), if the run has one.
    lang : {"en", "zh"}, default "en"
        Language of sheet names, headers and row names.
    electricity_method : str, default "equivalent"
        The run's electricity convention of the standard-coal values (said in the sheets' note).
    inventory : polars.DataFrame, optional
        ``inventory.parquet`` (or only its rows with a notation key, e.g.
        :meth:`ghginv.report.data.ReportData.keyed_rows`), for the notation keys of rows without estimates.
    atoms : ghginv.report._atoms.Atoms, optional
        The atoms of ``emissions`` (:meth:`ghginv.report.data.ReportData.emission_atoms`), when the caller has them.

    Returns
    -------
    list of (str, polars.DataFrame, str)
        (sheet name, table, note written above it).
    """
    groups = None
    if energy_activity is not None and energy_activity.height:
        groups = _EnergyGroups(energy_activity, "name_zh" if lang == "zh" else "name_en")  # both quantities' tables
    # the activities' fuel classes read from the energy groups (each group one activity and class), not from the table
    classes = groups.class_map() if groups is not None else class_map(energy_activity)
    r = _Rows(emissions, classes, atoms)  # once for the summary and every sector table (not kept past this call)
    out = [(ptext("sheet_summary", lang), summary_sheet(_summary(r, energy_activity, electricity_balance, inventory), lang),
            ptext("blank_note", lang))]
    method = ptext("electricity_coal_equivalent" if electricity_method == "coal_equivalent" else "electricity_equivalent", lang)
    if groups is not None:
        for key, q in (("sheet_energy_phys", "physical"), ("sheet_energy_tce", "tce")):
            t = _energy_table(energy_activity, groups, lang, q)
            if t is not None:
                out.append((ptext(key, lang), t, ptext("energy_note", lang, method=method)))
    for tab in SECTOR_TABLES:
        out.append((ptext(tab.key, lang), _sector(r, tab, lang), ptext("sector_note", lang)))
    return out
