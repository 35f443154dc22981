"""Hive partition folders (``region=…/``, ``year=…/``): values are percent-decoded (issue 17 item 5).

pyarrow (and Spark, Hive, DuckDB) write a partition value URL-encoded into its folder name: the
region 青羊区 becomes ``region=%E9%9D%92%E7%BE%8A%E5%8C%BA``. The region of the results must be
青羊区, never the encoded text.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ghginv
from ghginv.core import errors as E
from ghginv.inputs.load import discover

from conftest import make_factor_set

SRC = "2006 IPCC GL Vol 2"
QINGYANG = "青羊区"
ENCODED = "%E9%9D%92%E7%BE%8A%E5%8C%BA"


@pytest.fixture
def fset(tmp_path):
    return make_factor_set(
        tmp_path / "t_set",
        ef=[f"natural_gas,*,*,,,CO2,56100,kg/TJ,{SRC},Table 1.4,V2"],
        conv=[f"natural_gas,ncv,*,,,48.0,TJ/Gg,{SRC},Table 1.2,V2"],
        activities=["natural_gas,Natural Gas,天然气,Natural Gas,gaseous"],
    )


def _dataset(root, regions, years=(2022,), partition_cols=("region",)):
    """Write one row of 10 t natural gas per (region, year) with pyarrow's own hive writer."""
    rows = [(y, r) for r in regions for y in years]
    table = pa.table({
        "year": pa.array([y for y, _ in rows], pa.int32()),
        "region": [r for _, r in rows],
        "sector": ["1.A.4.b"] * len(rows),
        "activity": ["natural_gas"] * len(rows),
        "amount": [10.0] * len(rows),
        "unit": ["t"] * len(rows),
    })
    pq.write_to_dataset(table, root, partition_cols=list(partition_cols))
    return root


def _toml(tmp_path, fset):
    """inv.toml over tmp_path/acts that allows only the region 青羊区."""
    toml = tmp_path / "inv.toml"
    toml.write_text(
        f'[inventory]\nname = "t"\nregions = ["{QINGYANG}"]\ngwp = "AR5GWP100"\n'
        f'[activity]\npaths = ["acts"]\n[factors]\nsets = ["{fset.as_posix()}"]\n',
        encoding="utf-8",
    )
    return toml


def test_pyarrow_encodes_the_folder_name(tmp_path):
    """The premise: pyarrow really writes the percent-encoded folder."""
    root = _dataset(tmp_path / "acts", [QINGYANG])
    assert [p.name for p in root.iterdir()] == [f"region={ENCODED}"]


def test_discover_decodes_partition_values(tmp_path):
    root = _dataset(tmp_path / "acts", [QINGYANG, "510105"], years=(2021, 2022), partition_cols=("year", "region"))
    parts = sorted((f.partitions["year"], f.partitions["region"]) for f in discover([root]))
    assert parts == [("2021", "510105"), ("2021", QINGYANG), ("2022", "510105"), ("2022", QINGYANG)]


def test_compile_gives_the_decoded_region(tmp_path, fset):
    root = _dataset(tmp_path / "acts", [QINGYANG, "510105"])
    res = ghginv.compile_inventory(activity=[str(root)], factors=[str(fset)], gwp="AR5GWP100", out=tmp_path / "out")
    regions = sorted(set(res.emissions["region"]))
    assert regions == sorted([QINGYANG, "510105"])
    # 10 t × 48 TJ/Gg = 0.48 TJ × 56,100 kg/TJ = 26.928 t CO2 (2006 IPCC GL Vol 2 Tables 1.2, 1.4)
    co2 = res.emissions.filter(region=QINGYANG, gas="CO2")["emissions_t"].sum()
    assert co2 == pytest.approx(10 * 48 / 1000 * 56100 / 1000, rel=1e-12)


def test_region_list_in_the_toml_matches_the_decoded_region(tmp_path, fset):
    """With ``[inventory] regions = ["青羊区"]`` the encoded text would be an unknown region."""
    _dataset(tmp_path / "acts", [QINGYANG])
    toml = _toml(tmp_path, fset)
    res = ghginv.compile_inventory(toml, out=tmp_path / "out")
    assert set(res.emissions["region"]) == {QINGYANG}


def test_region_column_and_encoded_folder_agree(tmp_path, fset):
    """A file that keeps its region column inside an encoded region= folder: folder and column agree."""
    f = tmp_path / "acts" / f"region={ENCODED}" / "part-0.parquet"
    f.parent.mkdir(parents=True)
    pq.write_table(pa.table({
        "year": pa.array([2022], pa.int32()), "region": [QINGYANG], "sector": ["1.A.4.b"],
        "activity": ["natural_gas"], "amount": [10.0], "unit": ["t"],
    }), f)
    res = ghginv.compile_inventory(activity=[str(tmp_path / "acts")], factors=[str(fset)], gwp="AR5GWP100",
                                   out=tmp_path / "out")
    assert set(res.emissions["region"]) == {QINGYANG}


def test_year_partition_check_still_works_below_an_encoded_region(tmp_path, fset):
    """year=2022/ over a file whose year column says 2021: still refused, with the decoded region path."""
    f = tmp_path / "acts" / f"region={ENCODED}" / "year=2022" / "part-0.parquet"
    f.parent.mkdir(parents=True)
    pq.write_table(pa.table({
        "year": pa.array([2021], pa.int32()), "region": [QINGYANG], "sector": ["1.A.4.b"],
        "activity": ["natural_gas"], "amount": [10.0], "unit": ["t"],
    }), f)
    with pytest.raises(E.ValidationError) as ei:
        ghginv.compile_inventory(activity=[str(tmp_path / "acts")], factors=[str(fset)], gwp="AR5GWP100",
                                 out=tmp_path / "out")
    msg = str(ei.value)
    assert "year" in msg and "2021" in msg and "2022" in msg
    assert not (tmp_path / "out").exists()


def test_validate_cli_with_an_encoded_region_folder(tmp_path, fset):
    import subprocess
    import sys

    _dataset(tmp_path / "acts", [QINGYANG])
    toml = _toml(tmp_path, fset)
    r = subprocess.run([sys.executable, "-m", "ghginv", "validate", str(toml)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr


def test_undecodable_partition_value_is_a_clear_error(tmp_path, fset):
    """``region=%FF`` is no UTF-8 percent-encoding: one message naming the folder, nothing written."""
    f = tmp_path / "acts" / "region=%FF" / "part-0.parquet"
    f.parent.mkdir(parents=True)
    pq.write_table(pa.table({
        "year": pa.array([2022], pa.int32()), "sector": ["1.A.4.b"],
        "activity": ["natural_gas"], "amount": [10.0], "unit": ["t"],
    }), f)
    with pytest.raises(E.InputFileError) as ei:
        ghginv.compile_inventory(activity=[str(tmp_path / "acts")], factors=[str(fset)], gwp="AR5GWP100",
                                 out=tmp_path / "out")
    msg = str(ei.value)
    assert "region=%FF" in msg and "UTF-8" in msg
    assert not (tmp_path / "out").exists()


def test_url_folder_decodes_partition_values(tmp_path, fset):
    """The same folder on shared storage (an fsspec memory:// URL): decoded the same way."""
    fsspec = pytest.importorskip("fsspec")
    root = _dataset(tmp_path / "acts", [QINGYANG])
    m = fsspec.filesystem("memory")
    base = f"/ghginv-hive-{tmp_path.name}"
    for p in root.rglob("*.parquet"):
        m.pipe(f"{base}/{p.relative_to(root).as_posix()}", p.read_bytes())
    try:
        files = discover([f"memory://{base}"])
        assert [f.partitions for f in files] == [{"region": QINGYANG}]
        res = ghginv.compile_inventory(activity=[f"memory://{base}"], factors=[str(fset)], gwp="AR5GWP100",
                                       out=tmp_path / "out")
        assert set(res.emissions["region"]) == {QINGYANG}
    finally:
        m.rm(base, recursive=True)
