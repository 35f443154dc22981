"""Sink data, the economy table and the energy balance given as URLs (file://, memory://): the same
results and manifest records as local paths, the same error classes naming the URL, secrets refused.

The demo inventory (SYNTHETIC data) is compiled with local paths once; each URL run swaps the three
inputs for URLs holding the same bytes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import ghginv
from ghginv.core.errors import ConfigError, InputFileError

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
DATA = ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic"
SINKS, ECONOMY, BALANCE = DATA / "sinks_synthetic.csv", DATA / "economy_synthetic.csv", DATA / "energy_balance_synthetic.csv"
FRAMES = ("emissions", "inventory", "indicators", "reference_approach", "sinks_check")


def _extra(sinks, economy, energy_balance) -> dict:
    return {"sinks": {"path": [str(sinks)]}, "economy": {"path": str(economy)}, "reference_approach": {"energy_balance": str(energy_balance)}}


def _frames(r) -> dict[str, pl.DataFrame]:
    return {"emissions": r.emissions, "inventory": r.inventory, "indicators": r.analysis.indicators,
            "reference_approach": r.reference.table, "sinks_check": r.sinks.check}


def _records(r) -> dict[str, dict]:
    """What the manifest records of the three inputs: path, sha256, bytes."""
    (sink,) = [i for i in r.input_files if i.get("kind") == "sinks"]
    conv, ref = r.analysis.conventions, r.reference.manifest_entry()
    return {"sinks": {k: sink[k] for k in ("path", "sha256", "bytes")},
            "economy": {"path": conv["economy_table"], "sha256": conv["economy_sha256"], "bytes": conv["economy_bytes"]},
            "energy_balance": {"path": ref["energy_balance"], "sha256": ref["sha256"], "bytes": ref["bytes"]}}


def _same(remote, local, urls: dict[str, str]) -> None:
    a, b = _frames(remote), _frames(local)
    for name in FRAMES:
        assert a[name].height > 0, name
        assert_frame_equal(a[name], b[name], check_exact=False, rel_tol=1e-12)
    ra, rb = _records(remote), _records(local)
    for what, url in urls.items():
        assert ra[what]["path"] == url  # recorded by URL, never joined with a folder
        assert ra[what]["sha256"] == rb[what]["sha256"] and ra[what]["bytes"] == rb[what]["bytes"]
        assert ra[what]["sha256"].startswith("sha256:") and ra[what]["bytes"] > 0


@pytest.fixture(scope="module")
def local():
    return ghginv.compile_inventory(DEMO)


def _put(m, url: str, name: str, data: bytes) -> str:
    m.pipe(f"{url.removeprefix('memory://')}/{name}", data)
    return f"{url}/{name}"


def test_file_urls_on_the_command_line_equal_local_paths(tmp_path, local):
    """--sinks, --economy and --energy-balance take file:// URLs; the written outputs and the
    manifest are those of the local run, with the URLs recorded as given."""
    from ghginv.cli import main

    urls = {"sinks": SINKS.as_uri(), "economy": ECONOMY.as_uri(), "energy_balance": BALANCE.as_uri()}
    out = tmp_path / "out"
    argv = ["compile", str(DEMO), "--sinks", urls["sinks"], "--economy", urls["economy"],
            "--energy-balance", urls["energy_balance"], "--out", str(out), "-q"]
    assert main(argv) == 0
    local_out = local.write(tmp_path / "local")
    for name in FRAMES:
        assert_frame_equal(pl.read_parquet(out / f"{name}.parquet"), pl.read_parquet(local_out / f"{name}.parquet"),
                           check_exact=False, rel_tol=1e-12)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    ml = json.loads((local_out / "manifest.json").read_text(encoding="utf-8"))
    assert m["config"]["sinks"]["path"] == [urls["sinks"]] and m["config"]["economy"]["path"] == urls["economy"]
    assert m["config"]["reference_approach"]["energy_balance"] == urls["energy_balance"]
    (sink,) = [i for i in m["inputs"] if i.get("kind") == "sinks"]
    (lsink,) = [i for i in ml["inputs"] if i.get("kind") == "sinks"]
    assert sink == {**lsink, "path": urls["sinks"]}
    assert m["indicators"]["economy_table"] == urls["economy"]
    assert (m["indicators"]["economy_sha256"], m["indicators"]["economy_bytes"]) == (ml["indicators"]["economy_sha256"], ml["indicators"]["economy_bytes"])
    ref, lref = m["reference_approach"], ml["reference_approach"]
    assert ref == {**lref, "energy_balance": urls["energy_balance"]}


def test_memory_urls_in_the_toml_are_not_joined_and_recompute(mem, tmp_path, local):
    """URLs written in the TOML stay URLs (not relative to the TOML's folder), in the config, the
    manifest and a recompute of the run (which re-reads all three)."""
    from ghginv.analysis.indicators import settings_from_config
    from ghginv.methods.reference_approach import settings as reference_settings
    from ghginv.methods.sinks import sink_settings
    from ghginv.rerun.recompute import recompute

    m, url = mem
    urls = {"sinks": _put(m, url, "sinks/sinks.csv", SINKS.read_bytes()), "economy": _put(m, url, "economy.csv", ECONOMY.read_bytes()),
            "energy_balance": _put(m, url, "balance.csv", BALANCE.read_bytes())}
    text = DEMO.read_text(encoding="utf-8")
    for old, new in (('"data/qingyang_synthetic/activity"', json.dumps(str(DATA / "activity"))),
                     ('"factors/qingyang_sinks_synthetic"', json.dumps(str(ROOT / "ghginv" / "data" / "demo" / "factors" / "qingyang_sinks_synthetic"))),
                     ('"data/qingyang_synthetic/sinks_synthetic.csv"', f'"{url}/sinks"'),  # a folder URL
                     ('"data/qingyang_synthetic/economy_synthetic.csv"', f'"{urls["economy"]}"'),
                     ('"data/qingyang_synthetic/energy_balance_synthetic.csv"', f'"{urls["energy_balance"]}"')):
        assert old in text, old
        text = text.replace(old, new)
    toml = tmp_path / "inv.toml"
    toml.write_text(text, encoding="utf-8")
    cfg = ghginv.load_config(toml)
    assert sink_settings(cfg).paths == (f"{url}/sinks",)
    assert settings_from_config(cfg).economy_path == urls["economy"]
    assert reference_settings(cfg)[0] == urls["energy_balance"]
    r = ghginv.compile_inventory(toml)
    _same(r, local, urls)
    r.write(tmp_path / "run")
    again = recompute(tmp_path / "run")
    _same(again, local, urls)


def _parquet(path: Path) -> bytes:
    buf = io.BytesIO()
    pl.read_csv(path, infer_schema_length=None).write_parquet(buf)
    return buf.getvalue()


def test_parquet_over_urls_equals_local_parquet(mem, tmp_path):
    """The three inputs as Parquet: memory:// (a sink folder with a hidden file) and file:// URLs
    give the run of the same files on local paths."""
    m, url = mem
    data = {"sinks": _parquet(SINKS), "economy": _parquet(ECONOMY), "energy_balance": _parquet(BALANCE)}
    (tmp_path / "sinks").mkdir()
    for what, b in data.items():
        (tmp_path / ("sinks/sinks.parquet" if what == "sinks" else f"{what}.parquet")).write_bytes(b)
    local = ghginv.compile_inventory(DEMO, extra=_extra(tmp_path / "sinks", tmp_path / "economy.parquet", tmp_path / "energy_balance.parquet"))
    urls = {"sinks": _put(m, url, "sinks/sinks.parquet", data["sinks"]), "economy": (tmp_path / "economy.parquet").as_uri(),
            "energy_balance": _put(m, url, "energy_balance.parquet", data["energy_balance"])}
    _put(m, url, "sinks/_SUCCESS", b"")
    remote = ghginv.compile_inventory(DEMO, extra=_extra(f"{url}/sinks", urls["economy"], urls["energy_balance"]))
    _same(remote, local, urls)


@pytest.mark.parametrize("what, needle", [
    ("sinks", "sink data path does not exist"),
    ("economy", "economy table not found"),
    ("energy_balance", "energy balance not found"),
])
@pytest.mark.parametrize("scheme", ["memory", "file"])
def test_a_missing_url_is_the_error_of_a_missing_path(mem, tmp_path, what, needle, scheme):
    m, url = mem
    gone = f"{url}/nothing-here.csv" if scheme == "memory" else (tmp_path / "nothing-here.csv").as_uri()
    given = {"sinks": SINKS, "economy": ECONOMY, "energy_balance": BALANCE}
    errors = {}
    for name, missing in (("url", gone), ("path", tmp_path / "nothing-here.csv")):
        with pytest.raises(InputFileError) as ei:
            ghginv.compile_inventory(DEMO, extra=_extra(**{**given, what: missing}))
        errors[name] = ei.value
    assert type(errors["url"]) is type(errors["path"])
    assert needle in str(errors["url"]) and gone in str(errors["url"])
    assert str(errors["url"]) == str(errors["path"]).replace(str(tmp_path / "nothing-here.csv"), gone)


@pytest.mark.parametrize("what", ["sinks", "economy", "energy_balance"])
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_a_corrupt_remote_file_names_the_url(mem, tmp_path, what, suffix):
    from ghginv.analysis.indicators import read_economy
    from ghginv.core.config import resolve_factor_set_path
    from ghginv.factors import load_factor_set
    from ghginv.inputs.sink_data import load_sink_data
    from ghginv.methods.emissions import activity_classes
    from ghginv.methods.reference_approach import read_energy_balance

    classes = activity_classes([load_factor_set(resolve_factor_set_path("ipcc2006_energy"))])
    read = {"sinks": lambda p: load_sink_data([p]), "economy": lambda p: read_economy(p, [2020], ["ALL"], 2020),
            "energy_balance": lambda p: read_energy_balance(p, classes)}[what]
    text = {"sinks": "cannot read sink data", "economy": "cannot read the economy table", "energy_balance": "cannot read the energy balance"}[what]
    bad = b"PAR1 this is not parquet PAR1" if suffix == ".parquet" else b"\xff\xfe\x00broken,\x00csv\n\xff"
    m, url = mem
    local = tmp_path / f"bad{suffix}"
    local.write_bytes(bad)
    errors = {}
    for name, loc in (("path", local), ("memory", _put(m, url, f"bad{suffix}", bad)), ("file", local.as_uri())):
        with pytest.raises(InputFileError) as ei:
            read(loc)
        errors[name] = str(ei.value)
    for name in ("memory", "file"):
        loc = f"{url}/bad{suffix}" if name == "memory" else local.as_uri()
        assert errors[name].startswith(f"{loc}: {text} ("), errors[name]
    assert errors["path"].startswith(f"{local}: {text} (")


@pytest.mark.parametrize("table, key", [("sinks", "path"), ("economy", "path"), ("reference_approach", "energy_balance")])
def test_credentials_in_a_url_are_refused(table, key):
    for url in ("s3://AKIA:secret@bucket/x.csv", "s3://bucket/x.csv?secret_key=abc"):
        with pytest.raises(ConfigError, match="credential") as ei:
            ghginv.load_config(DEMO, extra={table: {key: [url] if table == "sinks" else url}})
        assert "secret@" not in str(ei.value) and "abc" not in str(ei.value)


def test_gap_filling_surrogate_from_an_economy_url(mem, tmp_path):
    """[[gap_filling]] surrogate = "population" reads the [economy] table: a URL works there too."""
    from conftest import write_activity

    write_activity(tmp_path / "act" / "a.parquet", [
        {"year": y, "region": "A", "sector": "1.A.3.b", "activity": "diesel", "amount": a, "unit": "t"}
        for y, a in ((2020, 100.0), (2021, 110.0), (2023, 130.0))])
    eco = "year,region,population,gdp_const_10k_yuan\n2020,ALL,1000,1\n2021,ALL,1100,1\n2022,ALL,1210,1\n2023,ALL,1300,1\n"
    (tmp_path / "eco.csv").write_text(eco, encoding="utf-8")
    m, url = mem
    runs = {}
    for name, path in (("path", tmp_path / "eco.csv"), ("url", _put(m, url, "eco.csv", eco.encode()))):
        toml = tmp_path / f"{name}.toml"
        toml.write_text(f'[inventory]\nname = "t"\nyears = [2020, 2023]\nbase_year = 2020\n[activity]\npaths = ["act"]\n'
                        f'[factors]\nsets = ["ipcc2006_energy"]\n[economy]\npath = "{path}"\n[[gap_filling]]\ncategory = "1.A.3"\n'
                        'activity = "diesel"\nregion = "A"\nyears = [2022]\nmethod = "surrogate"\nsurrogate = "population"\n', encoding="utf-8")
        runs[name] = ghginv.compile_inventory(toml)
    filled = runs["url"].cube.cells.filter(pl.col("n_rows") == 0)
    assert filled["amount"].to_list() == [pytest.approx(121.0)]  # Eq 5.2: 110 × 1210 / 1100
    assert_frame_equal(runs["url"].emissions, runs["path"].emissions)
    assert runs["url"].analysis.conventions["economy_table"] == f"{url}/eco.csv"
