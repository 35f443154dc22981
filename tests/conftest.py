"""Shared fixtures: tiny factor sets and activity files written into tmp folders."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
# the per-user factor folder (ghginv.core.config.user_factors_dir) of the test run: empty, so a
# developer's own sets in ~/.local/share/ghginv/factors never change what the tests resolve
os.environ["XDG_DATA_HOME"] = os.path.join(tempfile.gettempdir(), f"ghginv-test-xdg-{os.getpid()}-none")  # never created
# the cube cache (ghginv.core.cubecache) stays off in the suite, so a test that breaks a file's
# reading always reads it; tests/integration/test_cube_cache.py turns it on in its own folder
os.environ["GHGINV_CACHE"] = "0"
# every kernel compiled from its first call, as before numba was loaded lazily (ghginv.kernels): the
# plain-Python form runs in `pytest -m nojit` (NUMBA_DISABLE_JIT=1), and
# tests/integration/test_kernel_modes.py compares the two forms on whole runs
os.environ.setdefault("GHGINV_JIT_MIN_LEN", "0")

EF_HEADER = "activity,sector,region,year_from,year_to,gas,value,unit,source,source_locator,status"
CARBON_HEADER = "activity,sector,region,year_from,year_to,parameter,value,unit,source,source_locator,status"
CONV_HEADER = "activity,quantity,region,year_from,year_to,value,unit,source,source_locator,status"
ACT_HEADER = "activity,name_en,name_zh,ipcc_fuel,fuel_class"


def make_factor_set(folder: Path, *, ef=(), carbon=(), conv=(), activities=(), name=None) -> Path:
    """Write a factor set. Rows are CSV lines *without* header (source columns included)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = name or folder.name
    files = {}
    for fname, header, rows in (
        ("emission_factors.csv", EF_HEADER, ef),
        ("carbon_factors.csv", CARBON_HEADER, carbon),
        ("conversions.csv", CONV_HEADER, conv),
        ("activities.csv", ACT_HEADER, activities),
    ):
        if rows:
            text = header + "\n" + "\n".join(rows) + "\n"
            (folder / fname).write_text(text, encoding="utf-8")
            files[fname] = hashlib.sha256(text.encode()).hexdigest()
    manifest = [
        f'name = "{name}"',
        'version = "test.1"',
        'title = "test set"',
        'publisher = "tests"',
        'published = "2024-01-01"',
        'url = "https://example.invalid/test"',
        'license = "CC0"',
        "[files]",
        *(f'"{k}" = "sha256:{v}"' for k, v in files.items()),
    ]
    (folder / "manifest.toml").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    return folder


def write_activity(path: Path, rows: list[dict] | pl.DataFrame) -> Path:
    """Write activity rows (dicts with the contract columns) to a Parquet file."""
    df = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows)
    if "year" in df.columns:
        df = df.with_columns(pl.col("year").cast(pl.Int32))
    if "amount" in df.columns:
        df = df.with_columns(pl.col("amount").cast(pl.Float64))
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(df.to_arrow(), path)
    return path


@pytest.fixture
def ipcc_like_set(tmp_path) -> Path:
    """IPCC Tier 1 values of reference cases R1a-R1c (2006 IPCC GL Vol 2 Tables 1.2, 1.4, 2.2)."""
    src = "2006 IPCC GL Vol 2"
    return make_factor_set(
        tmp_path / "t_ipcc",
        ef=[
            f"bituminous_coal,*,*,,,CO2,94600,kg/TJ,{src},Table 1.4,V2",
            f"bituminous_coal,1.A.1.*,*,,,CH4,1,kg/TJ,{src},Table 2.2,V2",
            f"bituminous_coal,1.A.1.*,*,,,N2O,1.5,kg/TJ,{src},Table 2.2,V2",
            f"natural_gas,*,*,,,CO2,56100,kg/TJ,{src},Table 1.4,V2",
            f"natural_gas,1.A.1.*,*,,,CH4,1,kg/TJ,{src},Table 2.2,V2",
            f"natural_gas,1.A.1.*,*,,,N2O,0.1,kg/TJ,{src},Table 2.2,V2",
            f"diesel,*,*,,,CO2,74100,kg/TJ,{src},Table 1.4,V2",
            f"diesel,1.A.1.*,*,,,CH4,3,kg/TJ,{src},Table 2.2,V2",
            f"diesel,1.A.1.*,*,,,N2O,0.6,kg/TJ,{src},Table 2.2,V2",
        ],
        conv=[
            f"bituminous_coal,ncv,*,,,25.8,TJ/Gg,{src},Table 1.2,V2",
            f"natural_gas,ncv,*,,,48.0,TJ/Gg,{src},Table 1.2,V2",
            f"diesel,ncv,*,,,43.0,TJ/Gg,{src},Table 1.2,V2",
        ],
        activities=[
            "bituminous_coal,Other Bituminous Coal,烟煤,Other Bituminous Coal,solid",
            "natural_gas,Natural Gas,天然气,Natural Gas,gaseous",
            "diesel,Gas/Diesel Oil,柴油,Gas/Diesel Oil,liquid",
        ],
    )


@pytest.fixture
def mem():
    """A fresh folder on fsspec's in-memory filesystem: ``(fs, url)`` (tests of URL inputs)."""
    import uuid

    fsspec = pytest.importorskip("fsspec")
    m = fsspec.filesystem("memory")
    root = f"/ghginv-{uuid.uuid4().hex[:8]}"
    yield m, f"memory://{root}"
    if m.exists(root):
        m.rm(root, recursive=True)


# ---- the web app's tests (tests/web). Their fixtures live here: a tests/web/conftest.py would be imported as the
# module ``conftest`` too and replace this one for test modules collected after it that import from it.
@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> Path:
    """The demo workspace (``ghginv.write_demo``) with its inventory compiled into ``out/qingyang_synthetic``."""
    import ghginv

    ws = tmp_path_factory.mktemp("web") / "ws"
    ghginv.write_demo(ws)
    ghginv.compile_inventory(ws / ghginv.DEMO_INVENTORY, out=ws / "out" / "qingyang_synthetic")
    return ws


@pytest.fixture
def workspace(demo_workspace, tmp_path) -> Path:
    """A copy of the compiled demo workspace a test may change."""
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(demo_workspace, ws, symlinks=True)
    return ws


@pytest.fixture
def client(workspace):
    """A TestClient of the web app over ``workspace``, in English (tests/web/web_helpers.py)."""
    from web_helpers import client_for

    return client_for(workspace)


@pytest.fixture
def client_zh(workspace):
    """The same in Chinese (the browser asks for zh-CN)."""
    from web_helpers import client_for

    return client_for(workspace, "zh")
