"""Write the SYNTHETIC example ledgers of ghginv/data/demo/ledgers/ (run from anywhere).

    python ghginv/data/demo/ledgers/make_synthetic_ledgers.py

* ``synthetic_205_1_2023.xlsx`` and ``synthetic_205_1_2023.csv`` (GBK-encoded, thousands
  separators): form 205-1 能源购进、消费与库存 of an invented chemical enterprise, with the title
  block, the two-row merged header, the ordinal row 甲 乙 丙 1 … 10 丁, item codes, Chinese units,
  per-row standard-coal coefficients (GB/T 2589—2020 Appendix A values, as in
  cn_gbt2589_2020), the 其中 coal-type rows and the 能源合计 row computed from them.
* ``synthetic_energy_balance_2023.csv`` (UTF-8 with BOM): part 四 终端消费量 of a district's
  physical energy balance table (能源平衡表(实物量)), fuels as columns with units in the headers.

Every number here is SYNTHETIC: invented for the example, not statistics of any enterprise or region.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent

# item, unit, code, opening, purchase qty, purchase k-yuan, consumption total, industrial, raw material,
# non-industrial, transport, closing, coefficient (tce per row unit); None = blank cell
ITEMS = [
    ("原煤", "吨", "01", 1500, 52000, 46800, 51200, 51000, 0, 200, 0, 2300, 0.7143),
    ("1.无烟煤", "吨", "02", None, None, None, None, None, None, None, None, None, None),
    ("2.炼焦烟煤", "吨", "03", None, None, None, None, None, None, None, None, None, None),
    ("3.一般烟煤", "吨", "04", 1500, 52000, 46800, 51200, 51000, 0, 200, 0, 2300, 0.7143),
    ("4.褐煤", "吨", "05", None, None, None, None, None, None, None, None, None, None),
    ("洗精煤", "吨", "06", None, None, None, None, None, None, None, None, None, None),
    ("天然气（气态）", "万立方米", "15", 0, 85.6, 2397, 85.6, 80.0, 20.0, 5.6, 0, 0, 12.143),
    ("柴油", "吨", "21", 12, 318, 2449, 320, 260, 0, 60, 180, 10, 1.4571),
    ("热力", "百万千焦", "32", 0, 3600, 216, 3600, 3600, 0, 0, 0, 0, 0.03412),
    ("电力", "万千瓦时", "33", 0, 1520.4, 10339, 1520.4, 1480.0, 0, 40.4, 0, 0, 1.229),
    ("余热余压", "百万千焦", "37", 0, 0, 0, 12000, 12000, 0, 0, 0, 0, 0.03412),
]
VALUE_COLS = range(3, 12)  # opening … closing (the amount in yuan is summed as money, not tce)


def _total_row() -> tuple:
    """能源合计 (code 40): each quantity column = Σ value × coefficient over the main items."""
    out = []
    for j in VALUE_COLS:
        if j == 5:  # 金额（千元）: a sum of money
            out.append(sum(r[j] or 0 for r in ITEMS if r[2] not in ("02", "03", "04", "05")))
            continue
        s = sum((r[j] or 0) * (r[12] or 0) for r in ITEMS if r[2] not in ("02", "03", "04", "05"))
        out.append(round(s, 2))
    return ("能源合计", "吨标准煤", "40", *out, None)


HEADER1 = ["能源名称", "计量单位", "代码", "期初库存量", "购进量", None, "消费量", None, None, None, None, "期末库存量", "采用折标系数", "参考折标系数"]
HEADER2 = [None, None, None, None, "实物量", "金额（千元）", "合计", "工业生产消费", "用于原材料", "非工业生产消费", "合计中：运输工具消费", None, None, None]
ORDINALS = ["甲", "乙", "丙", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "丁"]
TITLE = [
    ["能源购进、消费与库存（合成示例 SYNTHETIC，非真实统计数据）"],
    ["表    号：205-1表", None, None, None, None, None, None, None, None, "制定机关：国家统计局"],
    ["统一社会信用代码：SYNTHETIC000000001", None, None, None, "单位详细名称：合成示例化工有限公司（synthetic）", None, None, None, None, "2023年1-12月"],
]
FOOTER = ["单位负责人：", None, None, "统计负责人：", None, None, "填表人：", None, None, "报出日期：2024年1月15日"]


def rows_205_1() -> list[list]:
    data = [list(r) + [r[12]] for r in ITEMS] + [list(_total_row()) + [None]]
    return [*TITLE, HEADER1, HEADER2, ORDINALS, *data, [], FOOTER]


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,}"
    return f"{int(v):,}" if isinstance(v, (int, float)) else str(v)


def write_205_1_xlsx(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "205-1表"
    for r in rows_205_1():
        ws.append(r)
    h = len(TITLE) + 1  # first header row (1-based)
    for c in (1, 2, 3, 4, 12, 13, 14):
        ws.merge_cells(start_row=h, start_column=c, end_row=h + 1, end_column=c)
    ws.merge_cells(start_row=h, start_column=5, end_row=h, end_column=6)
    ws.merge_cells(start_row=h, start_column=7, end_row=h, end_column=11)
    import datetime

    wb.properties.created = wb.properties.modified = datetime.datetime(2024, 1, 15)
    wb.save(path)


def write_205_1_csv(path: Path) -> None:
    with open(path, "w", encoding="gbk", newline="") as f:
        w = csv.writer(f)
        for r in rows_205_1():
            w.writerow([_fmt(v) for v in r])


BALANCE_FUELS = ["煤炭合计(万吨)", "原煤(万吨)", "洗精煤(万吨)", "焦炭(万吨)", "汽油(万吨)", "柴油(万吨)", "液化石油气(万吨)",
                 "天然气(亿立方米)", "热力(万百万千焦)", "电力(亿千瓦小时)"]
# label, code, raw coal, cleaned coal, coke, gasoline, diesel, LPG, natural gas, heat, electricity
BALANCE_LEAVES = {
    "1.农、林、牧、渔业": (0.21, 0, 0, 0.05, 0.62, 0, 0, 0, 0.31),
    "1.工业": (18.40, 1.20, 0.85, 0.30, 1.10, 0.12, 2.35, 1.40, 21.60),
    "其中：用作原料、材料": (0, 0, 0.40, 0, 0, 0, 0.35, 0, 0),
    "2.建筑业": (0, 0, 0, 0.22, 0.95, 0, 0.02, 0, 0.88),
    "1.交通运输、仓储和邮政业": (0, 0, 0, 6.80, 5.40, 0.30, 0.45, 0, 1.90),
    "2.批发、零售业和住宿、餐饮业": (0.35, 0, 0, 0.10, 0.08, 0.65, 0.90, 0.20, 7.40),
    "3.其他": (0.12, 0, 0, 0.25, 0.15, 0.10, 0.60, 0.35, 6.10),
    "1.城镇": (0, 0, 0, 0, 0, 0.85, 1.75, 0.90, 8.30),
    "2.乡村": (0.40, 0, 0, 0, 0, 0.20, 0.10, 0, 1.20),
}


def _sum(*labels):
    return tuple(round(sum(BALANCE_LEAVES[lab][i] for lab in labels), 4) for i in range(9))


def rows_balance() -> list[list]:
    L = BALANCE_LEAVES
    blocks = [
        ("一、可供本地区消费的能源量", "01", None),
        ("二、加工转换投入(-)产出(+)量", "11", None),
        ("三、损失量", "21", None),
        ("四、终端消费量", "23", _sum("1.农、林、牧、渔业", "1.工业", "2.建筑业", "1.交通运输、仓储和邮政业", "2.批发、零售业和住宿、餐饮业",
                                  "3.其他", "1.城镇", "2.乡村")),
        ("（一）第一产业", "24", _sum("1.农、林、牧、渔业")),
        ("1.农、林、牧、渔业", "25", L["1.农、林、牧、渔业"]),
        ("（二）第二产业", "26", _sum("1.工业", "2.建筑业")),
        ("1.工业", "27", L["1.工业"]),
        ("其中：用作原料、材料", "28", L["其中：用作原料、材料"]),
        ("2.建筑业", "29", L["2.建筑业"]),
        ("（三）第三产业", "30", _sum("1.交通运输、仓储和邮政业", "2.批发、零售业和住宿、餐饮业", "3.其他")),
        ("1.交通运输、仓储和邮政业", "31", L["1.交通运输、仓储和邮政业"]),
        ("2.批发、零售业和住宿、餐饮业", "32", L["2.批发、零售业和住宿、餐饮业"]),
        ("3.其他", "33", L["3.其他"]),
        ("（四）生活消费", "34", _sum("1.城镇", "2.乡村")),
        ("1.城镇", "35", L["1.城镇"]),
        ("2.乡村", "36", L["2.乡村"]),
    ]
    out = [["能源平衡表（实物量）2023年 — 合成示例 SYNTHETIC，非真实统计数据"], ["指标名称", "代码", *BALANCE_FUELS]]
    for label, code, vals in blocks:
        if vals is None:
            out.append([label, code] + ["—"] * len(BALANCE_FUELS))
        else:
            coal = round(vals[0] + vals[1], 4)  # synthetic: raw + cleaned coal
            out.append([label, code, coal, *vals])
    return out


def write_balance_csv(path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        for r in rows_balance():
            w.writerow(["" if v is None else (f"{v:g}" if isinstance(v, float) else v) for v in r])


if __name__ == "__main__":
    write_205_1_xlsx(HERE / "synthetic_205_1_2023.xlsx")
    write_205_1_csv(HERE / "synthetic_205_1_2023.csv")
    write_balance_csv(HERE / "synthetic_energy_balance_2023.csv")
    print("wrote synthetic_205_1_2023.xlsx, synthetic_205_1_2023.csv, synthetic_energy_balance_2023.csv")
