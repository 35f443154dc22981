"""The report's shared views of a run (``ghginv.report.data.ReportData``, the five-sector table) equal what they are
computed from: the completeness tables from the inventory split once by year equal
:func:`ghginv.analysis.notation.completeness_table` over the whole inventory, and the groups summed over integer codes
equal the sums over the groups' names (:func:`ghginv.core._frames.group_sum`, the same bits)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ghginv import compile_inventory
from ghginv.analysis.notation import completeness_table
from ghginv.core._frames import group_sum
from ghginv.core.categories import category_name
from ghginv.core.gwp import gas_family
from ghginv.report.data import INDIRECT, ReportData, sector_group
from ghginv.report.xlsx import provincial_table

from conftest import ROOT, write_activity

ENERGY = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_energy"
ROWS = [dict(sector="1.A.3.a.ii", activity="jet_kerosene", amount=200.0, unit="t"),
        dict(sector="1.A.4.b", activity="diesel", amount=100.0, unit="t"),
        dict(sector="1.A.2.e", activity="diesel", amount=0.1, unit="t"),
        dict(sector="1.A.3.a.i", activity="jet_kerosene", amount=1000.0, unit="t"),  # a memo item (international bunkers)
        dict(sector="1.A.3.d.i", activity="fuel_oil", amount=500.0, unit="t")]


def _data(tmp_path) -> ReportData:
    rows = [dict(year=y, region=r, **{**x, "amount": x["amount"] * (1 + k / 7)})
            for k, (y, r, x) in enumerate((y, r, x) for y in (2021, 2023, 2022) for r in ("510105", "510106", "510107")
                                          for x in ROWS if not (y == 2022 and x["sector"] == "1.A.2.e"))]
    act = write_activity(tmp_path / "act.parquet", rows)
    res = compile_inventory(activity=[str(act)], factors=[str(ENERGY)], gwp="AR5GWP100")
    return ReportData(manifest={}, emissions=res.emissions, inventory=res.inventory, factors_used=res.factors_used)


def test_completeness_per_year_equals_the_whole_inventory(tmp_path):
    d = _data(tmp_path)
    inv = d.inventory
    assert inv.filter(pl.col("scope") == "memo").height > 0  # the memo items are among the rows split by year
    years = sorted(inv.filter(pl.col("scope") == "direct")["year"].unique().to_list())
    assert d.completeness_years() == years == [2021, 2022, 2023]
    for y in years:
        assert_frame_equal(d.completeness(y), completeness_table(inv, y))
    assert_frame_equal(d.completeness(), completeness_table(inv))  # default: the last year
    assert d.completeness() is d.completeness(2023)  # computed once
    assert_frame_equal(d.completeness(1999), completeness_table(inv, 1999))  # a year without rows: an empty table
    keyed = d.keyed_rows()  # the rows with a notation key, each distinct one once without its region
    assert keyed is d.keyed_rows() and "region" not in keyed.columns
    want = inv.filter(pl.col("notation_key").is_not_null()).drop("region").unique()
    assert_frame_equal(keyed, want, check_row_order=False)


def test_groups_by_code_equal_groups_by_name(tmp_path):
    d = _data(tmp_path)
    e = d.emissions.filter(pl.col("scope").is_in(["direct", INDIRECT]), pl.col("co2e_t") >= 0)
    e = e.with_columns(pl.when(pl.col("scope") == INDIRECT).then(pl.lit(INDIRECT))
                       .otherwise(pl.col("sector").map_elements(sector_group, return_dtype=pl.String)).alias("group"))
    ref = group_sum(e, ["group", "year"], ["co2e_t"])
    ref = ref.with_columns(pl.col("group").map_elements(lambda c: "" if c == INDIRECT else category_name(c),
                                                        return_dtype=pl.String).alias("label"))
    assert ref.height > 3
    assert_frame_equal(d.by_group(), ref)
    # the five-sector table: its rows per year and gas group, each sum that of the rows of its group in table order
    t = provincial_table(d.emissions)
    direct = d.emissions.filter(pl.col("scope") == "direct", pl.col("sector").str.starts_with("1.A"),
                                ~pl.col("sector").is_in(["1.A.3.a.i", "1.A.3.d.i"]))
    for y in (2021, 2022, 2023):
        energy = t.filter(pl.col("year") == y, pl.col("sector") == "Energy")
        rows = direct.filter(pl.col("year") == y, pl.col("gas").map_elements(gas_family, return_dtype=pl.String) == "CO2")
        assert energy["CO2_t"].item() == group_sum(rows, ["year"], ["emissions_t"])["emissions_t"].item() > 0


def test_notation_rows_from_the_keyed_rows_equal_the_whole_inventory():
    # the activity data's keys (gas ALL) read from the distinct keyed rows, as from the inventory's every row
    inv = pl.DataFrame({
        "year": [2022, 2022, 2023, 2023, 2023, 2022, 2023],
        "region": ["a", "b", "a", "b", "a", "a", "b"],
        "scope": ["direct"] * 7,
        "category": ["1.A.4.b", "1.A.4.b", "1.A.2", "1.A.2", "1.A.4.b", "1.A.2", "1.A.2"],
        "category_name": ["Residential", "Residential", "Manufacturing", "Manufacturing", "Residential", "Manufacturing",
                          "Manufacturing"],
        "gas": ["ALL", "ALL", "ALL", "ALL", "CO2", "CO2", "ALL"],
        "co2e_t": [None, None, None, None, 5.0, 7.0, None],
        "notation_key": ["NO", "NE", "IE", "IE", None, None, "C"],
    })
    d = ReportData(manifest={}, emissions=inv.clear(), inventory=inv, factors_used=pl.DataFrame())
    want = (inv.filter(pl.col("notation_key").is_not_null(), pl.col("gas") == "ALL")
            .select("category", "category_name", "notation_key").unique().sort("category", "notation_key"))
    got = d.notation_rows()
    assert_frame_equal(got, want)
    assert got["notation_key"].to_list() == ["C", "IE", "NE", "NO"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_completeness_sheet_by_column_is_the_sheet_cell_by_cell(tmp_path, monkeypatch, lang):
    """The Completeness sheet written column by column (ghginv.report._fastrows.write_cells) is the sheet written one cell
    at a time: values with the number format, keys as shared strings in the same order, the same spans and bytes."""
    import io
    import zipfile

    import xlsxwriter

    from ghginv.report import _completeness

    d = _data(tmp_path)

    def book() -> dict[str, bytes]:
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": True})
        wb.set_properties({"created": datetime(2000, 1, 1, tzinfo=UTC)})
        head, num = wb.add_format({"bold": True}), wb.add_format({"num_format": "#,##0.0000"})
        wb.add_worksheet("first").write_number(0, 0, 0.5, num)
        _completeness.completeness_sheet(wb, d, num, head, "SYNTHETIC", [], lang)
        wb.close()
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
            return {n: z.read(n) for n in z.namelist()}

    fast = book()
    monkeypatch.setattr(_completeness, "write_cells", lambda *a: False)
    slow = book()
    assert fast == slow
    sheet = fast["xl/worksheets/sheet2.xml"]
    assert sheet.count(b' t="s"><v>') > 50 and sheet.count(b' s="') > 20  # keys and names as text, numbers formatted
