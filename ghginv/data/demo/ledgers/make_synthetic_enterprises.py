"""Write N SYNTHETIC enterprise workbooks in the layout of form 205-1 能源购进、消费与库存.

    python ghginv/data/demo/ledgers/make_synthetic_enterprises.py 50 ledgers/            # 50 workbooks
    python ghginv/data/demo/ledgers/make_synthetic_enterprises.py 50 ledgers/ --broken   # plus broken ones, in ledgers_broken/

Each workbook ``synthetic_enterprise_NNNN.xlsx`` holds one sheet per year (``205-1表 2022``,
``205-1表 2023``), each a complete form: the title block (表号, 统一社会信用代码, 单位详细名称,
报告期, 行业代码, 行政区划代码), the two-row merged header, the ordinal row 甲 乙 丙 1 … 10 丁, the 39
item rows of the form with their codes and units, the 能源合计 row (Σ value × 采用折标系数) and the
signature footer: about 55 rows. Mixed units: 原煤 and 焦炭 of the larger enterprises in 万吨 (with the
coefficient scaled by 10^4, as the form asks), gases in 万立方米, electricity in 万千瓦时, heat in
百万千焦. Cells a real form has and the importer must read: numbers stored as text with thousands
separators (``"51,200"``), full-width digits (``"１２３４"``), ``—`` for a blank; in a few forms the
stock identity is off (a warning). With ``--broken`` a second folder gets workbooks each with one
error the importer must refuse (a text cell, a wrong 能源合计, a merged item column, a
password-protected file, an empty sheet, a text file named .xlsx).

Every number is SYNTHETIC: drawn from a seeded random generator (``--seed``, default 205), not
statistics of any enterprise or region. Credit codes start with ``SYNTHETIC``. The standard-coal
coefficients are the GB/T 2589—2020 Appendix A values (as in factor set ``cn_gbt2589_2020``), used
only for the 能源合计 row.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

# code, name, form unit, GB/T 2589-2020 coefficient (tce per form unit) for the items an enterprise may use
ITEMS = [
    ("01", "原煤", "吨"), ("02", "1.无烟煤", "吨"), ("03", "2.炼焦烟煤", "吨"), ("04", "3.一般烟煤", "吨"), ("05", "4.褐煤", "吨"),
    ("06", "洗精煤", "吨"), ("07", "其他洗煤", "吨"), ("08", "煤制品", "吨"), ("09", "焦炭", "吨"), ("10", "其他焦化产品", "吨"),
    ("11", "焦炉煤气", "万立方米"), ("12", "高炉煤气", "万立方米"), ("13", "转炉煤气", "万立方米"), ("14", "发生炉煤气", "万立方米"),
    ("15", "天然气（气态）", "万立方米"), ("16", "液化天然气（液态）", "吨"), ("17", "煤层气（煤田）", "万立方米"), ("18", "原油", "吨"),
    ("19", "汽油", "吨"), ("20", "煤油", "吨"), ("21", "柴油", "吨"), ("22", "燃料油", "吨"), ("23", "液化石油气", "吨"),
    ("24", "炼厂干气", "吨"), ("25", "其他石油制品", "吨"), ("26", "石脑油", "吨"), ("27", "润滑油", "吨"), ("28", "石蜡", "吨"),
    ("29", "溶剂油", "吨"), ("30", "石油焦", "吨"), ("31", "石油沥青", "吨"), ("32", "热力", "百万千焦"), ("33", "电力", "万千瓦时"),
    ("34", "煤矸石（用于燃料）", "吨"), ("35", "城市生活垃圾（用于燃料）", "吨"), ("36", "生物质废料（用于燃料）", "吨"),
    ("37", "余热余压", "百万千焦"), ("38", "其他工业废料（用于燃料）", "吨"), ("39", "其他燃料", "吨标准煤"),
]
COEF = {"01": 0.7143, "04": 0.7143, "06": 0.9, "09": 0.9714, "15": 12.143, "19": 1.4714, "21": 1.4571, "23": 1.7143,
        "32": 0.03412, "33": 1.229}
# division (GB/T 4754-2017), a class code in it, typical fuels (codes) of such an enterprise
KINDS = [
    ("26", "2614", ["01", "15", "21", "32", "33"]),
    ("30", "3011", ["01", "09", "21", "33"]),
    ("31", "3120", ["01", "06", "09", "15", "33"]),
    ("13", "1310", ["15", "21", "32", "33", "23"]),
    ("17", "1713", ["01", "32", "33", "21"]),
    ("22", "2221", ["01", "15", "32", "33"]),
    ("33", "3311", ["15", "19", "21", "33"]),
    ("44", "4411", ["01", "06", "15", "33"]),
]
REGIONS = ["510104", "510105", "510106", "510107", "510108"]
TITLE_COLS = 14
HEADER1 = ["能源名称", "计量单位", "代码", "期初库存量", "购进量", None, "消费量", None, None, None, None, "期末库存量", "采用折标系数", "参考折标系数"]
HEADER2 = [None, None, None, None, "实物量", "金额（千元）", "合计", "工业生产消费", "用于原材料", "非工业生产消费", "合计中：运输工具消费", None, None, None]
ORDINALS = ["甲", "乙", "丙", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "丁"]
FOOTER = ["单位负责人：", None, None, "统计负责人：", None, None, "填表人：", None, None, "报出日期：次年1月15日"]
FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def enterprise(i: int, rng: random.Random) -> dict:
    div, cls, fuels = KINDS[i % len(KINDS)]
    size = rng.choice([0.2, 0.5, 1.0, 2.0, 6.0])
    return {"i": i, "credit": f"SYNTHETIC{i:09d}", "name": f"合成示例第{i:04d}号企业（synthetic）", "class": cls, "division": div,
            "region": REGIONS[i % len(REGIONS)], "fuels": fuels, "size": size, "big": size >= 2.0}


def _consumption(code: str, size: float, rng: random.Random) -> float:
    base = {"01": 40000, "06": 8000, "09": 12000, "15": 120, "19": 150, "21": 300, "23": 60, "32": 20000, "33": 1500}[code]
    return round(base * size * rng.uniform(0.6, 1.4), 2)


def form_rows(e: dict, year: int, rng: random.Random, messy: bool, off_identity: bool) -> tuple[list[list], int]:
    """The cells of one 205-1 form (list of rows) and the 1-based row of its first header row."""
    title = [
        ["能源购进、消费与库存（合成示例 SYNTHETIC，非真实统计数据）"],
        ["表    号：205-1表", None, None, None, None, None, None, None, None, "制定机关：国家统计局"],
        [f"统一社会信用代码：{e['credit']}", None, None, None, f"单位详细名称：{e['name']}", None, None, None, None, f"{year}年1-12月"],
        [f"行业代码：{e['class']}", None, None, None, f"行政区划代码：{e['region']}"],
    ]
    data = []
    sums = [0.0] * 9  # tce per quantity column (columns 1, 2, 4–9 and the money column as money)
    for code, name, unit in ITEMS:
        row = [name, unit, code] + [None] * 11
        use = code in e["fuels"] or (code == "04" and "01" in e["fuels"])
        if use:
            c = code if code != "04" else "01"
            cons = _consumption(c, e["size"], rng) if code != "04" else data[0][6]
            row_unit, scale = unit, 1.0
            if code in ("01", "04", "09") and e["big"]:
                row_unit, scale = "万吨", 1e-4  # a large user writes coal in 10^4 t
            if code == "04":
                row = [name, row_unit, code] + list(data[0][3:13]) + [COEF["01"] / scale]
            else:
                raw = round(cons * rng.uniform(0, 0.1), 2) if code in ("15", "01", "09") and e["division"] in ("26", "31") else 0.0
                nonind = round(cons * rng.uniform(0.01, 0.05), 2)
                ind = round(cons - nonind, 2)
                opening = 0.0 if code in ("32", "33", "15") else round(cons * rng.uniform(0.01, 0.05), 2)
                closing = 0.0 if code in ("32", "33", "15") else round(cons * rng.uniform(0.01, 0.05), 2)
                bought = round(cons + closing - opening, 2)
                if off_identity and code == "21":
                    closing = round(closing + cons * 0.2, 2)  # the stock identity is off: a warning
                money = round(bought * rng.uniform(0.5, 8.0), 1)
                transport = round(nonind * 0.5, 2) if code in ("19", "21") else 0.0
                q = [opening, bought, money, cons, ind, raw, nonind, transport, closing]
                q = [round(v * scale, 6) if j != 2 else v for j, v in enumerate(q)]
                coef = COEF[code] / scale
                row = [name, row_unit, code] + q + [coef, coef]
            if code != "04":
                for j, v in enumerate(row[3:12]):
                    sums[j] += v if j == 2 else v * row[12]
        data.append(row)
    total = ["能源合计", "吨标准煤", "40"] + [round(v, 2) for v in sums] + [None, None]
    rows = title + [HEADER1, HEADER2, ORDINALS] + data + [total, [], FOOTER]
    if messy:  # cells as a real form has them: text with thousands separators, full-width digits, dashes
        for r in rows[len(title) + 3:-2]:
            for j in range(3, 12):
                v = r[j] if j < len(r) else None
                if v is None:
                    if rng.random() < 0.15:
                        r[j] = "—"
                elif isinstance(v, float) and v >= 1000 and rng.random() < 0.3:
                    r[j] = f"{v:,.2f}".rstrip("0").rstrip(".")
                elif isinstance(v, float) and v.is_integer() and rng.random() < 0.1:
                    r[j] = str(int(v)).translate(FULL)
    return rows, len(title) + 1


def write_workbook(path: Path, sheets: list[tuple[str, list[list], int]], merged_item: bool = False) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    wb.set_properties({"title": "SYNTHETIC 205-1 forms", "created": __import__("datetime").datetime(2025, 1, 15)})
    for name, rows, h in sheets:
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
        if not rows:
            continue  # an empty sheet
        h0 = h - 1
        for c in (0, 1, 2, 3, 11, 12, 13):
            ws.merge_range(h0, c, h0 + 1, c, HEADER1[c])
        ws.merge_range(h0, 4, h0, 5, "购进量")
        ws.merge_range(h0, 6, h0, 10, "消费量")
        if merged_item:  # an item name merged over two rows of the item column
            ws.merge_range(h0 + 4, 0, h0 + 5, 0, rows[h0 + 4][0])
    wb.close()


def generate(n: int, out: Path, seed: int = 205, years=(2022, 2023)) -> list[Path]:
    """Write ``n`` workbooks into ``out`` (created); return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(1, n + 1):
        e = enterprise(i, rng)
        sheets = []
        for y in years:
            rows, h = form_rows(e, y, rng, messy=i % 3 == 0, off_identity=i % 17 == 0 and y == years[-1])
            sheets.append((f"205-1表 {y}", rows, h))
        p = out / f"synthetic_enterprise_{i:04d}.xlsx"
        write_workbook(p, sheets)
        paths.append(p)
    return paths


def generate_broken(out: Path, seed: int = 205) -> dict[str, Path]:
    """One workbook per kind of error the importer refuses; return {kind: path}."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    e = enterprise(1, rng)
    made = {}

    def form(y=2023):
        return form_rows(e, y, random.Random(seed), messy=False, off_identity=False)

    rows, h = form()
    rows[h + 2][6] = "五万一千"  # 原煤 (the first item row), 消费量/合计
    made["text"] = out / "synthetic_broken_text_cell.xlsx"
    write_workbook(made["text"], [("205-1表 2023", rows, h)])
    rows, h = form()
    made["total"] = out / "synthetic_broken_total.xlsx"
    total_row = next(x for x in rows if x and x[0] == "能源合计")
    total_row[6] = round(total_row[6] * 1.5 + 1, 2)
    write_workbook(made["total"], [("205-1表 2023", rows, h)])
    rows, h = form()
    made["merged"] = out / "synthetic_broken_merged_item.xlsx"
    write_workbook(made["merged"], [("205-1表 2023", rows, h)], merged_item=True)
    made["empty"] = out / "synthetic_broken_empty_sheet.xlsx"
    rows, h = form()
    write_workbook(made["empty"], [("205-1表 2023", rows, h), ("205-1表 2024", [], 1)])
    made["password"] = out / "synthetic_broken_password.xlsx"
    made["password"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le"))
    made["not_a_workbook"] = out / "synthetic_broken_not_a_workbook.xlsx"
    made["not_a_workbook"].write_text("能源名称,计量单位\n原煤,吨\n", encoding="utf-8")
    return made


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of enterprise workbooks")
    ap.add_argument("out", type=Path, help="folder to write them into")
    ap.add_argument("--seed", type=int, default=205)
    ap.add_argument("--broken", action="store_true", help="also write broken workbooks into OUT_broken/")
    a = ap.parse_args()
    ps = generate(a.n, a.out, a.seed)
    print(f"wrote {len(ps)} SYNTHETIC workbooks (2 forms each) to {a.out}")
    if a.broken:
        b = generate_broken(a.out.with_name(a.out.name + "_broken"), a.seed)
        print(f"wrote {len(b)} broken SYNTHETIC workbooks to {a.out.with_name(a.out.name + '_broken')}")
