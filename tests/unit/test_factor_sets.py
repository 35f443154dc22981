"""Every shipped factor set loads and cites every number; no set holds a status R row."""

from __future__ import annotations

import csv
import hashlib
import io
import tomllib

import pytest

import ghginv

from conftest import ROOT

FACTORS = ROOT / "ghginv" / "data" / "factor_sets"
SHIPPED = sorted(d for d in FACTORS.iterdir() if (d / "manifest.toml").is_file())
STATUSES = {"V", "V2", "S", "D"}
MANIFEST_KEYS = ("name", "version", "title", "publisher", "published", "url", "license")


def test_there_are_shipped_sets():
    names = {d.name for d in SHIPPED}
    # the demo inventory uses these
    assert {"ipcc2006_energy", "mee_nbs_grid", "cn_gbt32151_22_2024", "cn_gbt2589_2020"} <= names


@pytest.fixture(scope="module", params=SHIPPED, ids=[d.name for d in SHIPPED])
def shipped(request):
    return request.param, ghginv.load_factor_set(request.param)


def test_set_loads(shipped):
    folder, fs = shipped
    assert isinstance(fs, ghginv.FactorSet)
    assert fs.name == folder.name
    assert fs.path == folder.resolve()
    assert fs.version
    assert fs.rules or fs.activities or fs.sink_rules or getattr(fs, "waste_rules", None)


def test_manifest_complete(shipped):
    folder, fs = shipped
    manifest = tomllib.loads((folder / "manifest.toml").read_text(encoding="utf-8"))
    for key in MANIFEST_KEYS:
        assert str(manifest.get(key, "")).strip(), f"{folder.name}: manifest key {key!r} empty"
    assert manifest["name"] == folder.name
    listed = set(manifest["files"])
    assert listed == {p.name for p in folder.glob("*.csv")}
    for fname, digest in manifest["files"].items():
        assert digest == "sha256:" + hashlib.sha256((folder / fname).read_bytes()).hexdigest()


def test_every_rule_cites_its_source(shipped):
    folder, fs = shipped
    for r in [*fs.rules, *fs.sink_rules]:
        where = f"{folder.name}/{r.file} line {r.line}"
        assert r.source.strip(), f"{where}: empty source"
        assert r.source_locator.strip(), f"{where}: empty source_locator"
        assert r.status in STATUSES, f"{where}: status {r.status!r}"


def test_every_activity_has_a_fuel_class(shipped):
    folder, fs = shipped
    classes = {"solid", "liquid", "gaseous", "biomass", "electricity", "heat", "other"}
    for code, meta in fs.activities.items():
        assert meta["fuel_class"] in classes, f"{folder.name}: {code}"
    # every rule's activity is described in activities.csv
    assert {r.activity for r in fs.rules} <= set(fs.activities), folder.name


@pytest.mark.parametrize("folder", SHIPPED, ids=[d.name for d in SHIPPED])
def test_no_status_r_rows_in_csv(folder):
    """Read the CSVs directly (the loader would refuse R anyway): no row is R, none is unlisted."""
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            text = f.read()
        assert not text.startswith("\ufeff"), f"{path.name} has a BOM"
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if "status" not in (reader.fieldnames or []):
            continue
        for row in reader:
            i = reader.line_num
            if not any((v or "").strip() for v in row.values()):
                continue
            assert row["status"].strip() in STATUSES, f"{path} line {i}: status {row['status']!r}"
            assert (row.get("source") or "").strip() and (row.get("source_locator") or "").strip(), f"{path} line {i}"


def test_rows_count_matches_csv(shipped):
    """No data row is silently dropped by the loader."""
    folder, fs = shipped
    n = 0
    for fname in ("emission_factors.csv", "carbon_factors.csv", "conversions.csv"):
        p = folder / fname
        if p.is_file():
            with p.open(encoding="utf-8", newline="") as f:
                n += sum(1 for row in csv.DictReader(f) if any((v or "").strip() for v in row.values()))
    p = folder / "clinker_parameters.csv"  # each cao_fraction row of Tier 2 cement is derived into one CO2 rule
    if p.is_file():
        with p.open(encoding="utf-8", newline="") as f:
            n += sum(1 for row in csv.DictReader(f) if (row.get("parameter") or "").strip() == "cao_fraction")
    assert len(fs.rules) == n
