"""``ghginv validate``: every input checked without computing; table or JSON; exit 0 or 2."""

from __future__ import annotations

import json

from ghginv.pipeline.checks import validate_inputs

from conftest import ROOT
from rel_helpers import row, run_cli, tiny_activity, tiny_set

DEMO = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"


def test_demo_inventory_is_valid(tmp_path):
    rep = validate_inputs(DEMO)
    assert rep.ok, rep.as_dict()
    kinds = [c.kind for c in rep.checks]
    assert kinds[0] == "toml" and kinds[-2:] == ["activity", "compile"] and kinds.count("factor_set") >= 6
    assert next(c for c in rep.checks if c.kind == "notation_keys").summary == "1 notation key(s)"
    assert "24,805 rows" in rep.checks[-2].summary
    # the compile's own stages ran, up to the analysis (economy table, targets), nothing written
    assert all(s in rep.checks[-1].summary for s in ("cube", "emissions", "sinks", "indicators", "targets", "nothing written"))
    assert "uncertainty" not in rep.checks[-1].summary and not (tmp_path / "out").exists()


def test_all_problems_of_all_inputs_at_once(tmp_path):
    s = tiny_set(tmp_path / "t_set")
    act = tiny_activity(tmp_path / "a.parquet", [row(), row(activity="natual_gas"), row(amount=-1.0), row(unit="bbl")])
    rep = validate_inputs(activity=[str(act)], factors=[str(s), "no_such_set"])
    d = rep.as_dict()
    assert d["ok"] is False
    bad_set = next(c for c in d["checks"] if c["target"] == "no_such_set")
    assert bad_set["ok"] is False and bad_set["error"] == "FactorSetError"
    a = next(c for c in d["checks"] if c["kind"] == "activity")
    text = "\n".join(a["problems"])
    assert a["ok"] is False and a["error"] == "ValidationError"
    assert "row 3" in text and "amount is negative" in text and "unknown unit 'bbl'" in text and "row 4" in text
    # activity codes are not checked when a listed set failed to load (they could be in it)
    assert "natual_gas" not in text


def test_cli_json_and_exit_status(tmp_path):
    s = tiny_set(tmp_path / "t_set")
    good = tiny_activity(tmp_path / "good.parquet")
    bad = tiny_activity(tmp_path / "bad.parquet", [row(activity="natual_gas")])
    r = run_cli("validate", "--activity", good, "--factors", s, "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["ok"] is True and [c["kind"] for c in d["checks"]] == ["factor_set", "activity", "compile"]
    r = run_cli("validate", "--activity", bad, "--factors", s, "--format", "json", cwd=tmp_path)
    assert r.returncode == 2
    d = json.loads(r.stdout)
    assert "did you mean natural_gas" in d["checks"][1]["problems"][0]
    r = run_cli("validate", "--activity", bad, "--factors", s, cwd=tmp_path)
    assert r.returncode == 2 and "FAIL" in r.stdout and "natual_gas" in r.stdout and "nothing was computed" in r.stdout
    assert not (tmp_path / "out").exists()


def test_cli_bad_toml_and_bad_options(tmp_path):
    t = tmp_path / "inv.toml"
    t.write_text("[inventory]\nyeras = [2020, 2024]\n", encoding="utf-8")
    r = run_cli("validate", t, "--format", "json", cwd=tmp_path)
    assert r.returncode == 2
    d = json.loads(r.stdout)
    assert d["checks"][0]["kind"] == "toml" and "yeras" in d["checks"][0]["problems"][0]
    r = run_cli("validate", t, "--format", "xml", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("error:") and "--format" in r.stderr
    r = run_cli("validate", cwd=tmp_path)
    assert r.returncode == 2 and "give an inventory TOML" in r.stderr


def test_validate_an_imported_ledger(tmp_path):
    from ghginv.inputs.importer import import_ledger

    ex = ROOT / "ghginv" / "data" / "demo" / "ledgers"
    import_ledger(ex / "synthetic_205_1_2023.xlsx", ex / "synthetic_205_1.mapping.toml", tmp_path / "a.parquet")
    rep = validate_inputs(activity=[str(tmp_path / "a.parquet")],
                          factors=["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", "mee_nbs_grid"])
    assert rep.ok, rep.as_dict()


def test_bad_notation_keys_are_reported(tmp_path):
    """[notation_keys] is checked by validate too: unknown key and IE without 'where', one report."""
    s = tiny_set(tmp_path / "t_set")
    act = tiny_activity(tmp_path / "a.parquet")
    toml = tmp_path / "inv.toml"
    toml.write_text(
        '[inventory]\nname = "t"\ngwp = "AR5GWP100"\n'
        f'[activity]\npaths = ["{act}"]\n[factors]\nsets = ["{s}"]\n'
        '[notation_keys]\n"1.B" = "XX"\n"2.A" = { key = "IE", reason = "in 1.A.2" }\n', encoding="utf-8")
    rep = validate_inputs(toml)
    assert not rep.ok
    nk = next(c for c in rep.as_dict()["checks"] if c["kind"] == "notation_keys")
    text = "\n".join(nk["problems"])
    assert nk["ok"] is False and nk["error"] == "ConfigError"
    assert "1.B" in text and "XX" in text and "2.A" in text and "where" in text


def test_validate_runs_the_checks_compile_runs(tmp_path):
    """Issue 16 item 9: the demo without year fallback (grid factors only for 2021-2023) used to
    be "all inputs valid" while compile stopped; the economy table and targets went unchecked."""
    rep = validate_inputs(DEMO, options={"year_fallback": "none"})
    assert not rep.ok
    bad = rep.checks[-1]
    assert bad.kind == "compile" and bad.target == "stage emissions" and bad.error == "MissingFactorError"
    assert any("electricity" in p and "2020" in p for p in bad.problems)
    # the same through the command line, with compile's option; nothing written
    r = run_cli("validate", DEMO, "--year-fallback", "none", cwd=tmp_path)
    assert r.returncode == 2 and "stage emissions" in r.stdout and "no factor for activity 'electricity'" in r.stdout
    assert list(tmp_path.iterdir()) == []
    # an economy table without the base year: the indicators stage names the file
    econ = tmp_path / "economy.csv"
    econ.write_text("year,region,gdp_const_10k_yuan,population\n" + "".join(f"{y},ALL,1000000,900000\n" for y in range(2021, 2025)),
                    encoding="utf-8")
    rep = validate_inputs(DEMO, options={"extra": {"economy": {"path": str(econ)}}})
    assert not rep.ok and rep.checks[-1].target == "stage indicators" and "economy.csv" in rep.checks[-1].summary + "".join(rep.checks[-1].problems)


def test_factor_set_rows_are_counted_as_factors_list_counts_them():
    """Issue 16 item 9: ipcc2006_afolu (sink parameters only) was "0 rows" in validate, 93 in factors list."""
    rep = validate_inputs(factors=["ipcc2006_afolu", "ipcc2013_wetlands", "mee_nbs_grid"])
    summaries = [c.summary for c in rep.checks]
    assert rep.ok and "ipcc2006_afolu 2006.1: 93 rows" in summaries[0] and ": 3 rows" in summaries[1] and ": 93 rows" in summaries[2]
