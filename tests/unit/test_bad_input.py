"""Bad input: every case raises the right ghginv error, says where and what, and writes nothing.

Each test builds a tiny factor set and activity file in ``tmp_path``, runs the public API
(``ghginv.compile_inventory(..., out=...)``) and checks

* the error class (and that it also is the matching builtin: ValueError, KeyError,
  FileNotFoundError),
* that the message names the file, the row (where there is one) and the offending value,
* that no output folder and no ``.<out>.tmp-*`` sibling was left behind.
"""

from __future__ import annotations

import datetime
import random
import re
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ghginv
from ghginv.core import errors as E

from conftest import make_factor_set, write_activity

SRC = "2006 IPCC GL Vol 2"
EF = [
    f"natural_gas,*,*,,,CO2,56100,kg/TJ,{SRC},Table 1.4,V2",
    f"diesel,*,*,,,CO2,74100,kg/TJ,{SRC},Table 1.4,V2",
]
CONV = [
    f"natural_gas,ncv,*,,,48.0,TJ/Gg,{SRC},Table 1.2,V2",
    f"diesel,ncv,*,,,43.0,TJ/Gg,{SRC},Table 1.2,V2",
]
ACT = [
    "natural_gas,Natural Gas,天然气,Natural Gas,gaseous",
    "diesel,Gas/Diesel Oil,柴油,Gas/Diesel Oil,liquid",
    "lpg,Liquefied Petroleum Gases,液化石油气,Liquefied Petroleum Gases,liquid",
]


# -- helpers ---------------------------------------------------------------------------------------


@pytest.fixture
def fset(tmp_path) -> Path:
    """natural_gas and diesel with a CO2 factor in kg/TJ and a mass NCV; lpg listed, no factor."""
    return make_factor_set(tmp_path / "t_set", ef=EF, conv=CONV, activities=ACT)


def row(**kw) -> dict:
    d = dict(year=2022, region="510105", sector="1.A.4.b", activity="natural_gas", amount=10.0, unit="t")
    d.update(kw)
    return d


def write_table(path: Path, **cols) -> Path:
    """One-row activity file written with explicit Arrow types; ``col=None`` drops a column."""
    base = dict(
        year=pa.array([2022], pa.int32()),
        region=pa.array(["510105"]),
        sector=pa.array(["1.A.4.b"]),
        activity=pa.array(["natural_gas"]),
        amount=pa.array([10.0]),
        unit=pa.array(["t"]),
    )
    base.update(cols)
    pq.write_table(pa.table({k: v for k, v in base.items() if v is not None}), path)
    return path


def assert_nothing_written(out: Path) -> None:
    assert not out.exists(), f"{out} was created by a failing run"
    leftovers = sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))
    assert leftovers == [], f"temporary folders left behind: {leftovers}"


def compile_fails(tmp_path: Path, activity, factors, exc: type[E.GhgInvError], builtin: type[Exception], **kw):
    """Run the public API into tmp_path/out, expect ``exc`` (also a ``builtin``), nothing written."""
    out = tmp_path / "out"
    kw.setdefault("gwp", "AR5GWP100")
    with pytest.raises(exc) as ei:
        ghginv.compile_inventory(
            activity=[str(a) for a in activity], factors=[str(f) for f in factors], out=out, **kw
        )
    err = ei.value
    assert isinstance(err, E.GhgInvError)
    assert isinstance(err, builtin), f"{type(err).__name__} is not a {builtin.__name__}"
    assert_nothing_written(out)
    return err, str(err)


def assert_rows(msg: str, *rows: int) -> None:
    """The message names these 1-based data rows (as 'row N' or in a 'rows a, b' list)."""
    for r in rows:
        assert re.search(rf"\brows? (?:\d+, )*{r}\b", msg), f"row {r} not named in:\n{msg}"


def assert_not_rows(msg: str, *rows: int) -> None:
    for r in rows:
        assert not re.search(rf"\brows? (?:\d+, )*{r}\b", msg), f"row {r} wrongly named in:\n{msg}"


# -- the hierarchy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls, builtin",
    [
        (E.ConfigError, ValueError),
        (E.InputFileError, FileNotFoundError),
        (E.SchemaError, ValueError),
        (E.ValidationError, ValueError),
        (E.UnitError, ValueError),
        (E.FactorSetError, ValueError),
        (E.ManifestError, E.FactorSetError),
        (E.DuplicateRuleError, E.FactorSetError),
        (E.AmbiguousFactorError, E.FactorSetError),
        (E.MissingFactorError, KeyError),
        (E.ConversionError, ValueError),
        (E.UnknownGwpError, KeyError),
    ],
)
def test_error_classes_refine_builtins(cls, builtin):
    assert issubclass(cls, E.GhgInvError)
    assert issubclass(cls, builtin)
    assert cls.exit_code == 2
    err = cls("something is wrong", [E.Problem("bad value", file="a.parquet", row=3, column="amount", value=-1.0)])
    text = str(err)
    # KeyError subclasses must not print repr() quotes around the message
    assert text.startswith("something is wrong")
    assert "a.parquet" in text and "row 3" in text and "amount" in text and "-1.0" in text


# -- activity values -------------------------------------------------------------------------------


def test_unknown_activity_with_did_you_mean(tmp_path, fset):
    p = write_activity(tmp_path / "act.parquet", [row(), row(activity="natual_gas")])
    err, msg = compile_fails(tmp_path, [p], [fset], E.ValidationError, ValueError)
    assert str(p) in msg
    assert "'natual_gas'" in msg
    assert "did you mean" in msg and "natural_gas" in msg.split("did you mean", 1)[1]
    assert_rows(msg, 2)
    assert_not_rows(msg, 1)
    assert len(err.problems) == 1


def test_unknown_unit(tmp_path, fset):
    p = write_activity(tmp_path / "act.parquet", [row(), row(), row(unit="furlong")])
    err, msg = compile_fails(tmp_path, [p], [fset], E.ValidationError, ValueError)
    assert str(p) in msg
    assert "'furlong'" in msg and "unit" in msg
    assert_rows(msg, 3)


@pytest.mark.parametrize("code, suggestion", [("1.A.4.bb", "1.A.4.b"), ("1A4b", "1.A.4.b"), ("9.Z", None)])
def test_unknown_sector_code(tmp_path, fset, code, suggestion):
    p = write_activity(tmp_path / "act.parquet", [row(sector=code), row()])
    err, msg = compile_fails(tmp_path, [p], [fset], E.ValidationError, ValueError)
    assert str(p) in msg
    assert repr(code) in msg
    assert "sector" in msg
    assert_rows(msg, 1)
    if suggestion:
        assert "did you mean" in msg and suggestion in msg


def test_negative_amount(tmp_path, fset):
    p = write_activity(tmp_path / "act.parquet", [row(), row(amount=-12.5)])
    err, msg = compile_fails(tmp_path, [p], [fset], E.ValidationError, ValueError)
    assert str(p) in msg
    assert "negative" in msg and "-12.5" in msg
    assert "np.float64" not in msg
    assert_rows(msg, 2)


def test_nan_amount(tmp_path, fset):
    p = write_activity(tmp_path / "act.parquet", [row(), row(), row(amount=float("nan"))])
    err, msg = compile_fails(tmp_path, [p], [fset], E.ValidationError, ValueError)
    assert str(p) in msg and "amount" in msg
    assert "NaN" in msg
    assert_rows(msg, 3)


@pytest.mark.parametrize("value", [float("inf"), float("-inf")])
def test_infinite_amount(tmp_path, fset, value):
    p = write_activity(tmp_path / "act.parquet", [row(amount=value), row()])
    err, msg = compile_fails(tmp_path, [p], [fset], E.ValidationError, ValueError)
    assert str(p) in msg and "amount" in msg
    assert "inf" in msg.lower()
    assert_rows(msg, 1)


@pytest.mark.parametrize("with_notation_column", [False, True], ids=["no-notation-column", "null-notation-key"])
def test_empty_amount_without_notation_key(tmp_path, fset, with_notation_column):
    rows = [row(), row(amount=None)]
    if with_notation_column:
        rows = [{**r, "notation_key": None} for r in rows]
    df = pl.DataFrame(rows, schema_overrides={"notation_key": pl.String} if with_notation_column else None)
    p = write_activity(tmp_path / "act.parquet", df)
    err, msg = compile_fails(tmp_path, [p], [fset], E.ValidationError, ValueError)
    assert str(p) in msg
    assert "amount is empty" in msg
    assert "notation key" in msg  # tells how to mark a missing number
    assert_rows(msg, 2)


def test_implausible_year_names_the_value(tmp_path, fset):
    p = write_activity(tmp_path / "act.parquet", [row(), row(year=20222)])
    err, msg = compile_fails(tmp_path, [p], [fset], E.ValidationError, ValueError)
    assert str(p) in msg and "year" in msg
    assert_rows(msg, 2)
    assert "20222" in msg, f"the offending year is not shown:\n{msg}"


def test_hive_partition_year_disagrees_with_year_column(tmp_path, fset):
    """year=2022/ folder, but the file's year column says 2021 on row 2: ambiguous, must not pass silently."""
    p = write_activity(tmp_path / "acts" / "year=2022" / "part-0.parquet", [row(year=2022), row(year=2021)])
    err, msg = compile_fails(tmp_path, [tmp_path / "acts"], [fset], E.ValidationError, ValueError)
    assert str(p) in msg and "year" in msg
    assert "2021" in msg and "2022" in msg
    assert_rows(msg, 2)


# -- missing factors and conversions -------------------------------------------------------------


def test_missing_factor_lists_every_cell(tmp_path, fset):
    p = write_activity(
        tmp_path / "act.parquet",
        [row(), row(activity="lpg", sector="1.A.4.b"), row(activity="lpg", sector="1.A.2.e", year=2021, amount=3.0)],
    )
    err, msg = compile_fails(tmp_path, [p], [fset], E.MissingFactorError, KeyError)
    assert len(err.problems) == 2
    assert "t_set" in msg  # the sets that were searched
    for sector, year in (("1.A.4.b", 2022), ("1.A.2.e", 2021)):
        line = next((ln for ln in msg.splitlines() if sector in ln), None)
        assert line is not None, f"cell {sector} not listed in:\n{msg}"
        assert "lpg" in line and "510105" in line and str(year) in line
    assert not msg.startswith('"'), "KeyError message printed as repr()"


def test_missing_factor_outside_the_years_of_a_set_hints_at_year_fallback(tmp_path):
    """The set has electricity only for 2021-2023; a 2020 row fails. The message should say that the
    set covers other years and that year_fallback = "nearest" (--year-fallback nearest) exists."""
    fs = make_factor_set(
        tmp_path / "grid",
        ef=[f"electricity,*,*,{y},{y},CO2,0.5,kg/kWh,MEE,annex,V2" for y in (2021, 2022, 2023)],
        activities=["electricity,Electricity,电力,,electricity"],
    )
    p = write_activity(
        tmp_path / "act.parquet",
        [row(activity="electricity", unit="kWh", year=2020), row(activity="electricity", unit="kWh", year=2022)],
    )
    err, msg = compile_fails(tmp_path, [p], [fs], E.MissingFactorError, KeyError)
    assert "electricity" in msg and "2020" in msg
    assert "year_fallback" in msg or "year-fallback" in msg, f"no hint at year_fallback:\n{msg}"
    assert "2021" in msg, f"the years the set covers are not named:\n{msg}"


def test_unit_dimension_mismatch_without_conversion(tmp_path, fset):
    """natural_gas in m^3, factor in kg/TJ, only a mass NCV (TJ/Gg) and no density."""
    p = write_activity(tmp_path / "act.parquet", [row(unit="m^3", amount=1000.0)])
    err, msg = compile_fails(tmp_path, [p], [fset], E.ConversionError, ValueError)
    assert "natural_gas" in msg and "'m^3'" in msg and "kg/TJ" in msg
    assert str(fset / "emission_factors.csv") in msg and "line 2" in msg
    assert "ncv" in msg and "density" in msg  # says what would bridge the gap


# -- schema and files ------------------------------------------------------------------------------


def test_missing_column(tmp_path, fset):
    p = write_table(tmp_path / "act.parquet", unit=None)
    err, msg = compile_fails(tmp_path, [p], [fset], E.SchemaError, ValueError)
    assert str(p) in msg
    assert "'unit'" in msg and "missing" in msg


@pytest.mark.parametrize(
    "column, array, type_text",
    [
        ("amount", pa.array(["10.5"]), "string"),
        ("year", pa.array([datetime.date(2022, 1, 1)]), "date32"),
        ("year", pa.array([2022.0]), "double"),
    ],
    ids=["amount-as-string", "year-as-date", "year-as-float"],
)
def test_mistyped_column(tmp_path, fset, column, array, type_text):
    p = write_table(tmp_path / "act.parquet", **{column: array})
    err, msg = compile_fails(tmp_path, [p], [fset], E.SchemaError, ValueError)
    assert str(p) in msg
    assert f"'{column}'" in msg
    assert type_text in msg  # the offending type
    assert "expected" in msg


def test_duplicate_column_names(tmp_path, fset):
    t = pa.Table.from_arrays(
        [pa.array([2022], pa.int32()), pa.array(["510105"]), pa.array(["1.A.4.b"]), pa.array(["natural_gas"]),
         pa.array([10.0]), pa.array(["t"]), pa.array(["kg"])],
        names=["year", "region", "sector", "activity", "amount", "unit", "unit"],
    )
    p = tmp_path / "act.parquet"
    pq.write_table(t, p)
    err, msg = compile_fails(tmp_path, [p], [fset], E.SchemaError, ValueError)
    assert str(p) in msg
    assert "'unit'" in msg and "2 times" in msg


def test_empty_file(tmp_path, fset):
    p = tmp_path / "act.parquet"
    p.write_bytes(b"")
    err, msg = compile_fails(tmp_path, [p], [fset], E.InputFileError, FileNotFoundError)
    assert str(p) in msg
    assert "empty" in msg


def test_parquet_with_zero_rows(tmp_path, fset):
    p = write_activity(tmp_path / "act.parquet", pl.DataFrame([row()]).clear())
    assert pq.ParquetFile(p).metadata.num_rows == 0
    err, msg = compile_fails(tmp_path, [p], [fset], E.InputFileError, FileNotFoundError)
    assert str(p) in msg
    assert "no rows" in msg


def _good_file(tmp_path) -> Path:
    return write_activity(tmp_path / "good.parquet", [row(amount=float(i), region=f"51{i:04d}") for i in range(3000)])


@pytest.mark.parametrize("kind", ["random-bytes", "truncated-half", "truncated-tail", "garbled-pages"])
def test_corrupt_parquet(tmp_path, fset, kind):
    data = bytearray(_good_file(tmp_path).read_bytes())
    rng = random.Random(7)
    if kind == "random-bytes":
        data = bytearray(rng.randbytes(4096))
    elif kind == "truncated-half":
        data = data[: len(data) // 2]
    elif kind == "truncated-tail":
        data = data[:-9]
    else:  # footer intact, data pages overwritten
        n = len(data)
        data[n // 5 : n // 2] = rng.randbytes(n // 2 - n // 5)
    p = tmp_path / "act.parquet"
    p.write_bytes(bytes(data))
    err, msg = compile_fails(tmp_path, [p], [fset], E.InputFileError, FileNotFoundError)
    assert str(p) in msg
    assert "Parquet" in msg
    assert "Traceback" not in msg


def test_activity_path_does_not_exist(tmp_path, fset):
    p = tmp_path / "no" / "such.parquet"
    err, msg = compile_fails(tmp_path, [p], [fset], E.InputFileError, FileNotFoundError)
    assert str(p) in msg
    assert "does not exist" in msg


def test_activity_directory_without_parquet_files(tmp_path, fset):
    d = tmp_path / "acts"
    d.mkdir()
    (d / "readme.txt").write_text("nothing here\n")
    err, msg = compile_fails(tmp_path, [d], [fset], E.InputFileError, FileNotFoundError)
    assert str(d) in msg
    assert "Parquet" in msg


# -- factor sets -----------------------------------------------------------------------------------


def test_duplicate_factor_rules(tmp_path):
    fs = make_factor_set(
        tmp_path / "dup_set",
        ef=EF + [f"natural_gas,*,*,2020,2030,CO2,56000,kg/TJ,{SRC},Table 1.4,V2"],
        conv=CONV,
        activities=ACT,
    )
    p = write_activity(tmp_path / "act.parquet", [row()])
    err, msg = compile_fails(tmp_path, [p], [fs], E.DuplicateRuleError, ValueError)
    assert "dup_set" in msg
    csv = str(fs / "emission_factors.csv")
    assert f"{csv} line 2" in msg and f"{csv} line 4" in msg
    assert "natural_gas" in msg and "CO2" in msg and "2020" in msg and "2030" in msg


def test_ambiguous_co2_direct_and_composite(tmp_path):
    fs = make_factor_set(
        tmp_path / "amb_set",
        ef=EF,
        conv=CONV,
        activities=ACT,
        carbon=[
            f"natural_gas,*,*,,,carbon_content,15.3,t C/TJ,{SRC},Table 1.3,V2",
            f"natural_gas,*,*,,,oxidation,1,fraction,{SRC},Table 1.4,V2",
        ],
    )
    p = write_activity(tmp_path / "act.parquet", [row()])
    err, msg = compile_fails(tmp_path, [p], [fs], E.AmbiguousFactorError, ValueError)
    assert "amb_set" in msg
    assert f"{fs / 'emission_factors.csv'} line 2" in msg
    assert f"{fs / 'carbon_factors.csv'} line 2" in msg
    assert "natural_gas" in msg and "2022" in msg and "1.A.4.b" in msg


def test_manifest_hash_mismatch(tmp_path):
    fs = make_factor_set(tmp_path / "edited_set", ef=EF, conv=CONV, activities=ACT)
    csv = fs / "emission_factors.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("56100", "56000"), encoding="utf-8")
    p = write_activity(tmp_path / "act.parquet", [row()])
    err, msg = compile_fails(tmp_path, [p], [fs], E.ManifestError, ValueError)
    assert str(fs / "manifest.toml") in msg
    assert "emission_factors.csv" in msg and "sha256" in msg
    assert "ghginv factors hash" in msg  # how to fix it after an intended edit


def test_data_file_not_listed_in_manifest(tmp_path):
    fs = make_factor_set(tmp_path / "extra_set", ef=EF, conv=CONV, activities=ACT)
    (fs / "extra_factors.csv").write_text("activity,value\nlpg,1\n", encoding="utf-8")
    p = write_activity(tmp_path / "act.parquet", [row()])
    err, msg = compile_fails(tmp_path, [p], [fs], E.ManifestError, ValueError)
    assert str(fs / "manifest.toml") in msg
    assert "'extra_factors.csv'" in msg and "not listed" in msg


def test_status_r_row_refused(tmp_path):
    fs = make_factor_set(
        tmp_path / "r_set", ef=EF + [f"lpg,*,*,,,CO2,63100,kg/TJ,{SRC},recalled,R"], conv=CONV, activities=ACT
    )
    p = write_activity(tmp_path / "act.parquet", [row()])
    err, msg = compile_fails(tmp_path, [p], [fs], E.FactorSetError, ValueError)
    assert str(fs / "emission_factors.csv") in msg
    assert "line 4" in msg
    assert "status" in msg and "'R'" in msg


def test_unknown_gwp_set(tmp_path, fset):
    p = write_activity(tmp_path / "act.parquet", [row()])
    err, msg = compile_fails(tmp_path, [p], [fset], E.UnknownGwpError, KeyError, gwp="AR9GWP100")
    assert "'AR9GWP100'" in msg
    assert "AR5GWP100" in msg and "AR6GWP100" in msg  # the known sets are listed
    assert not msg.startswith('"'), "KeyError message printed as repr()"


def test_unknown_factor_set_name(tmp_path):
    p = write_activity(tmp_path / "act.parquet", [row()])
    err, msg = compile_fails(tmp_path, [p], ["ipcc2006_enrgy"], E.FactorSetError, ValueError)
    assert "'ipcc2006_enrgy'" in msg
    assert "ipcc2006_energy" in msg  # the known sets (or a suggestion) are listed


def test_unknown_factor_set_message_lists_each_folder_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = write_activity(tmp_path / "act.parquet", [row()])
    err, msg = compile_fails(tmp_path, [p], ["no_such_set"], E.FactorSetError, ValueError)
    looked = re.search(r"looked in (.*?)\)", msg)
    if looked:
        places = looked.group(1).split(", ")
        assert len(places) == len(set(places)), f"a folder is listed twice in: {looked.group(1)}"


# -- several problems, rows and batches ----------------------------------------------------------


def test_several_problems_reported_at_once(tmp_path, fset):
    rows = [row() for _ in range(6)]
    rows[2]["amount"] = -1.0  # row 3
    rows[4]["unit"] = "bushel"  # row 5
    p = write_activity(tmp_path / "act.parquet", rows)
    err, msg = compile_fails(tmp_path, [p], [fset], E.ValidationError, ValueError)
    assert len(err.problems) == 2
    neg = next(x.render() for x in err.problems if "negative" in x.render())
    unit = next(x.render() for x in err.problems if "'bushel'" in x.render())
    assert str(p) in neg and str(p) in unit
    assert_rows(neg, 3)
    assert_not_rows(neg, 5)
    assert_rows(unit, 5)
    assert_not_rows(unit, 3)


def test_row_numbers_per_file_across_batches(tmp_path, fset):
    """Rows are 1-based data rows within each file, whatever the batch size."""
    a = [row() for _ in range(7)]
    a[3]["amount"] = -1.0  # a.parquet row 4 (batch 2)
    a[6]["unit"] = "bushel"  # a.parquet row 7 (batch 4)
    b = [row() for _ in range(5)]
    b[0]["unit"] = "bushel"  # b.parquet row 1 (batch 1)
    b[4]["amount"] = -1.0  # b.parquet row 5 (batch 3)
    pa_ = write_activity(tmp_path / "acts" / "a.parquet", a)
    pb = write_activity(tmp_path / "acts" / "b.parquet", b)
    cfg = ghginv.load_config(activity=[str(tmp_path / "acts")], factors=[str(fset)], batch_size=2)
    with pytest.raises(E.ValidationError) as ei:
        ghginv.Inventory(cfg).run()
    probs = [x.render() for x in ei.value.problems]
    assert len(probs) == 4, "\n".join(probs)

    def one(path, text):
        hits = [x for x in probs if str(path) in x and text in x]
        assert len(hits) == 1, f"{path} / {text}: {hits}"
        return hits[0]

    assert_rows(one(pa_, "negative"), 4)
    assert_rows(one(pa_, "'bushel'"), 7)
    assert_rows(one(pb, "'bushel'"), 1)
    assert_rows(one(pb, "negative"), 5)
    for x in probs:  # no row numbers counted across files or batches
        assert_not_rows(x, 8, 9, 11, 12)


def test_same_problem_in_several_batches_is_grouped(tmp_path, fset):
    """One kind of problem in one column of one file is one entry listing its first rows."""
    rows = [row(amount=-float(i + 1)) for i in range(7)]  # every row negative, different values
    p = write_activity(tmp_path / "act.parquet", rows)
    cfg = ghginv.load_config(activity=[str(p)], factors=[str(fset)], batch_size=2)
    with pytest.raises(E.ValidationError) as ei:
        ghginv.Inventory(cfg).run()
    probs = [x.render() for x in ei.value.problems]
    assert len(probs) == 1, "negative amounts split into one problem per batch:\n" + "\n".join(probs)
    assert_rows(probs[0], 1, 2, 3)
    assert "more" in probs[0]  # 7 rows: the first ones shown, then a count
