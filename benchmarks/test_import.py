"""Benchmarks of ``ghginv import`` (issue 18): a whole SYNTHETIC ledger of enterprise workbooks and one large XLSX.

* ``test_import_500_workbooks``: 500 workbooks of ``ghginv/data/demo/ledgers/make_synthetic_enterprises.py``
  (2 sheets each, one 205-1 form per sheet, about 55 rows), imported in one command with the
  mapping drafted from the first one (``ghginv import --draft-mapping``): every 能源合计 row checked
  per form. Target: ≤ 10 s.
* ``test_import_120k_rows``: one XLSX of 120,000 long-layout rows (enterprise code, year, item,
  unit, amount). Target: ≤ 3 s.

Each is measured in fresh interpreters (``harness.measure``: wall and CPU seconds, peak RSS), next
to a plain openpyxl baseline run in the same session: a script that opens every workbook with
``openpyxl.load_workbook(read_only=True, data_only=True)`` and walks every row of every sheet
(``iter_rows(values_only=True)``) doing nothing else — what reading alone costs with the reader
ghginv used before. Target for peak RSS: ≤ 500 MB. Nothing asserts a speed; the figures go to
``benchmarks/results/import.json`` and ``benchmarks/README.md``.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from figures import save_figures
from harness import HERE, measure

PY = sys.executable
ROOT = HERE.parent
GEN = ROOT / "ghginv" / "data" / "demo" / "ledgers" / "make_synthetic_enterprises.py"
BASELINE = """
import sys, openpyxl
from pathlib import Path
rows = 0
files = [Path(a) for a in sys.argv[1:]]
files = [f for p in files for f in (sorted(p.glob('*.xlsx')) if p.is_dir() else [p])]
for f in files:
    wb = openpyxl.load_workbook(f, read_only=True, data_only=True)
    for ws in wb.worksheets:
        for _ in ws.iter_rows(values_only=True):
            rows += 1
    wb.close()
hwm = next(int(ln.split()[1]) / 1024 for ln in open('/proc/self/status') if ln.startswith('VmHWM:'))
print('{"rows": %d, "vm_hwm_mib": %f}' % (rows, hwm))
"""
HARNESS = str(HERE / "harness.py")
STARTUP = ("import ghginv.cli, ghginv.inputs.importer, fastexcel, polars, pyarrow.parquet, json\n"
           "hwm = next(int(ln.split()[1]) / 1024 for ln in open('/proc/self/status') if ln.startswith('VmHWM:'))\n"
           "print(json.dumps({'vm_hwm_mib': hwm}))")
ITEMS = [("原煤", "吨"), ("柴油", "吨"), ("天然气", "万立方米"), ("电力", "万千瓦时"), ("热力", "百万千焦"), ("原煤", "万吨")]
LONG_MAPPING = """[ledger]
layout = "long"
[constants]
region = "510105"
sector = "1.A.2.m"
[columns]
entity_id = "企业代码"
year = "年份"
item = "能源名称"
unit = "计量单位"
amount = "消费量"
[activities]
"原煤" = "raw_coal"
"柴油" = "diesel"
"天然气" = "natural_gas"
"电力" = "electricity"
"热力" = "heat"
"""


def _data() -> Path:
    d = HERE / "data" / "import"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _ledger_500() -> tuple[Path, Path]:
    d = _data() / "ledger_synthetic_500"
    if not (d / "synthetic_enterprise_0500.xlsx").is_file():
        sys.path.insert(0, str(GEN.parent))
        import make_synthetic_enterprises as g

        g.generate(500, d)
    m = _data() / "ledger_synthetic_500.mapping.toml"
    if not m.is_file():
        from ghginv import draft_mapping

        m.write_text(draft_mapping(d / "synthetic_enterprise_0001.xlsx"), encoding="utf-8")
    return d, m


def _big_xlsx(n: int = 120_000) -> tuple[Path, Path]:
    p = _data() / f"ledger_synthetic_{n // 1000}k.xlsx"
    if not p.is_file():
        import xlsxwriter

        rng = random.Random(20240601)
        wb = xlsxwriter.Workbook(str(p), {"constant_memory": True})
        ws = wb.add_worksheet("台账")
        ws.write_row(0, 0, ["企业代码", "年份", "能源名称", "计量单位", "消费量"])
        for i in range(1, n + 1):
            item, unit = ITEMS[i % len(ITEMS)]
            ws.write_row(i, 0, [f"SYNTHETIC{i % 3000:09d}", 2023, item, unit, round(rng.uniform(1, 1000), 2)])
        wb.close()
    m = _data() / "ledger_synthetic_long.mapping.toml"
    m.write_text(LONG_MAPPING, encoding="utf-8")
    return p, m


def _run(benchmark, name: str, ledger: Path, mapping: Path, tmp_path: Path, target_s: float) -> dict:
    out = tmp_path / "activity.parquet"  # fresh interpreters first (peak RSS of their own), the in-process run last
    ghginv = measure([PY, HARNESS, "cli", "import", str(ledger), "--mapping", str(mapping), "--out", str(out), "--quiet"])
    base = measure([PY, "-c", BASELINE, str(ledger)])
    start = measure([PY, "-c", STARTUP])
    from ghginv import import_ledger

    inproc = tmp_path / "inproc.parquet"
    benchmark.pedantic(lambda: import_ledger(ledger, mapping, inproc), rounds=1, iterations=1)
    import polars as pl

    rows = pl.read_parquet(out).height
    figures = {
        "activity_rows": rows,
        "ghginv_import": {k: round(v, 3) if isinstance(v, float) else v for k, v in ghginv.items()},
        "openpyxl_read_baseline": {k: round(v, 3) if isinstance(v, float) else v for k, v in base.items()},
        "startup_imports": {k: round(v, 3) if isinstance(v, float) else v for k, v in start.items()},
        "target_s": target_s,
        "target_rss_mib": 500,
        "openpyxl_over_ghginv_wall": round(base["wall_s"] / ghginv["wall_s"], 2),
        "in_process_s": round(benchmark.stats.stats.mean, 3),
    }
    benchmark.extra_info.update(figures)
    save_figures("import.json", name, figures)
    print(f"\n{name}: ghginv import {ghginv['wall_s']:.2f} s wall, {ghginv['cpu_s']:.2f} s CPU, {ghginv['peak_rss_mib']:.0f} MiB; "
          f"openpyxl read alone {base['wall_s']:.2f} s wall, {base['cpu_s']:.2f} s CPU, {base['peak_rss_mib']:.0f} MiB; "
          f"start-up {start['wall_s']:.2f} s; {rows} activity rows")
    return figures


def test_import_500_workbooks(benchmark, tmp_path):
    """500 SYNTHETIC workbooks, 1,000 forms, one mapping, one command: every 能源合计 verified per form."""
    d, m = _ledger_500()
    f = _run(benchmark, "ledger_500_workbooks", d, m, tmp_path, 10.0)
    assert f["activity_rows"] > 1000


def test_import_120k_rows(benchmark, tmp_path):
    """One XLSX of 120,000 rows (SYNTHETIC), long layout."""
    p, m = _big_xlsx()
    f = _run(benchmark, "xlsx_120k_rows", p, m, tmp_path, 3.0)
    assert f["activity_rows"] == 120_000
