"""The activity vocabulary of the enterprise energy forms: one table for both directions.

:data:`ITEMS` lists the items of form 205-1 能源购进、消费与库存 (国家统计局《能源统计报表制度》)
in form order, each with its two-digit code, the names it is printed under (old and new
editions, 其它/其他, with or without the (气态)/(液态) qualifier), the unit the form prints for it,
and the ghginv activity code it becomes (``"-"``: deliberately not imported, e.g. the 其中 rows
02–05 of 原煤 and recovered heat 余热余压; ``None``: no activity in ghginv's factor sets yet, the
user decides). The same table serves

* ledger → activity: :func:`lookup` (the hint of an unmapped row, and
  :func:`~ghginv.inputs.importer.draft.draft_mapping`), and
* activity → ledger: :func:`label_of` (the Chinese name and form unit of an activity code, for
  the comments of a drafted mapping and for messages).

Codes 01, 05, 06, 09, 11–14, 18, 19, 21, 32, 33, 37, 39, 40 were seen in public implementations of
the form; the others are counted in form order between them (research notes
``cn-statistics-formats.md`` §1.3: status S/D). The unit conventions are the form's (吨, 万立方米,
百万千焦, 万千瓦时, 吨标准煤); a ledger may print another unit in a row (万吨 for a large user), which
the importer converts (:func:`~ghginv.inputs.importer.table.canonical_unit`).

:data:`SECTOR_DIVISIONS` maps GB/T 4754-2017 divisions (two-digit industry codes) to IPCC 2006
categories, after the research notes §5 (status R: a default the bureau reviews).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .table import label_key

__all__ = ["Item", "ITEMS", "UNITS", "SECTOR_DIVISIONS", "lookup", "label_of"]


@dataclass(frozen=True)
class Item:
    """One item of form 205-1: code, names (the first is the form's), form unit, ghginv activity."""

    code: str
    names: tuple[str, ...]
    unit: str
    activity: str | None  # "-": deliberately not imported; None: no ghginv activity (the user decides)
    note: str = ""


ITEMS: tuple[Item, ...] = (
    Item("01", ("原煤",), "吨", "raw_coal"),
    Item("02", ("无烟煤",), "吨", "-", "其中 of 原煤 (01): checked, never added"),
    Item("03", ("炼焦烟煤",), "吨", "-", "其中 of 原煤 (01): checked, never added"),
    Item("04", ("一般烟煤",), "吨", "-", "其中 of 原煤 (01): checked, never added"),
    Item("05", ("褐煤",), "吨", "-", "其中 of 原煤 (01): checked, never added"),
    Item("06", ("洗精煤",), "吨", "cleaned_coal"),
    Item("07", ("其他洗煤",), "吨", "other_washed_coal"),
    Item("08", ("煤制品", "型煤"), "吨", "briquettes"),
    Item("09", ("焦炭",), "吨", "coke"),
    Item("10", ("其他焦化产品",), "吨", None, "no single fuel: map to coal_tar, crude_benzene … or leave out"),
    Item("11", ("焦炉煤气",), "万立方米", "coke_oven_gas"),
    Item("12", ("高炉煤气",), "万立方米", "blast_furnace_gas"),
    Item("13", ("转炉煤气",), "万立方米", "converter_gas"),
    Item("14", ("发生炉煤气", "其他煤气"), "万立方米", "other_gas"),
    Item("15", ("天然气(气态)", "天然气"), "万立方米", "natural_gas"),
    Item("16", ("液化天然气(液态)", "液化天然气"), "吨", "lng"),
    Item("17", ("煤层气(煤田)", "煤层气"), "万立方米", None, "balance tables fold it into 天然气 (research notes §1.3b, R)"),
    Item("18", ("原油",), "吨", "crude_oil"),
    Item("19", ("汽油",), "吨", "gasoline"),
    Item("20", ("煤油",), "吨", "kerosene"),
    Item("21", ("柴油",), "吨", "diesel"),
    Item("22", ("燃料油",), "吨", "fuel_oil"),
    Item("23", ("液化石油气",), "吨", "lpg"),
    Item("24", ("炼厂干气",), "吨", "refinery_gas"),
    Item("25", ("其他石油制品",), "吨", "other_petroleum_products"),
    Item("26", ("石脑油",), "吨", "naphtha"),
    Item("27", ("润滑油",), "吨", "lubricants"),
    Item("28", ("石蜡",), "吨", None, "no ghginv activity yet (paraffin waxes)"),
    Item("29", ("溶剂油",), "吨", None, "no ghginv activity yet (white spirit)"),
    Item("30", ("石油焦",), "吨", "petroleum_coke"),
    Item("31", ("石油沥青",), "吨", "bitumen"),
    Item("32", ("热力",), "百万千焦", "heat"),
    Item("33", ("电力",), "万千瓦时", "electricity"),
    Item("34", ("煤矸石(用于燃料)", "煤矸石用于燃料", "煤矸石"), "吨", None, "no ghginv activity yet"),
    Item("35", ("城市生活垃圾(用于燃料)", "城市垃圾用于燃料"), "吨", None, "waste incineration with energy recovery: see the waste sector"),
    Item("36", ("生物质废料(用于燃料)", "生物质废料用于燃料"), "吨", None, "biomass: CO2 is a memo item"),
    Item("37", ("余热余压",), "百万千焦", "-", "recovered energy: no combustion in this enterprise"),
    Item("38", ("其他工业废料(用于燃料)", "其他工业废料用于燃料"), "吨", None, "no ghginv activity yet"),
    Item("39", ("其他燃料",), "吨标准煤", None, "already in tce, fuel unknown: estimate separately"),
)

# the unit words of the forms -> contract units (what canonical_unit makes of them; for reference and the draft's comments)
UNITS = {
    "吨": "t", "万吨": "10^4 t", "千克": "kg", "立方米": "m^3", "万立方米": "10^4 m^3", "亿立方米": "10^8 m^3",
    "千瓦时": "kWh", "万千瓦时": "10^4 kWh", "亿千瓦时": "10^8 kWh", "百万千焦": "GJ", "万百万千焦": "10^4 GJ",
    "吨标准煤": "tce", "万吨标准煤": "10^4 tce", "升": "L",
}

# GB/T 4754-2017 division -> IPCC 2006 category (research notes cn-statistics-formats.md §5; status R)
SECTOR_DIVISIONS = {
    **{f"{d:02d}": "1.A.4.c" for d in range(1, 6)},
    "06": "1.A.1.c", "07": "1.A.1.c", "08": "1.A.2.i", "09": "1.A.2.i", "10": "1.A.2.i", "11": "1.A.2.i", "12": "1.A.2.i",
    **{str(d): "1.A.2.e" for d in range(13, 17)},
    **{str(d): "1.A.2.l" for d in range(17, 20)},
    "20": "1.A.2.j", "21": "1.A.2.m", "22": "1.A.2.d", "23": "1.A.2.d", "24": "1.A.2.m", "25": "1.A.1.b",
    "26": "1.A.2.c", "27": "1.A.2.c", "28": "1.A.2.c", "29": "1.A.2.m", "30": "1.A.2.f", "31": "1.A.2.a", "32": "1.A.2.b",
    "33": "1.A.2.h", "34": "1.A.2.h", "35": "1.A.2.h", "36": "1.A.2.g", "37": "1.A.2.g", "38": "1.A.2.h", "39": "1.A.2.h",
    "40": "1.A.2.h", "41": "1.A.2.m", "42": "1.A.2.m", "43": "1.A.2.m", "44": "1.A.1.a", "45": "1.A.1.c", "46": "1.A.4.a",
    **{str(d): "1.A.2.k" for d in range(47, 51)},
}


@lru_cache(maxsize=1)
def _index() -> tuple[dict, dict]:
    by_name, by_activity = {}, {}
    for it in ITEMS:
        for n in it.names:
            by_name[label_key(n)] = it
        if it.activity and it.activity != "-":
            by_activity.setdefault(it.activity, it)
    return by_name, by_activity


def lookup(label: object, code: object = None) -> Item | None:
    """The 205-1 item a ledger row names: by its label (numbering and 其中 dropped), else by its two-digit code.

    Parameters
    ----------
    label : object
        The item cell (``"3.一般烟煤"``, ``"天然气（气态）"``).
    code : object, optional
        The code cell (``"04"``, ``4``).

    Returns
    -------
    Item or None
        The item, or None when neither the label nor the code is in :data:`ITEMS`.
    """
    by_name, _ = _index()
    it = by_name.get(label_key(label))
    if it is None and code is not None:
        c = str(code).strip().lstrip("0")
        it = next((i for i in ITEMS if i.code.lstrip("0") == c and c), None)
    return it


def label_of(activity: str) -> Item | None:
    """The 205-1 item of a ghginv activity code (its Chinese name is ``names[0]``, its form unit ``unit``).

    Parameters
    ----------
    activity : str
        An activity code such as ``"natural_gas"``.

    Returns
    -------
    Item or None
        The first item that becomes this activity, or None.
    """
    return _index()[1].get(activity)
