"""Load and check one factor set folder (``<set>/``; the shipped ones in ``ghginv/data/factor_sets/``).

A set is a folder with ``manifest.toml`` (what the set is, where it comes from, and the sha256
of every data file) and up to four CSV files: ``emission_factors.csv`` (direct form),
``carbon_factors.csv`` (carbon content × oxidation, the China guideline form),
``conversions.csv`` (ncv, standard_coal, density) and ``activities.csv`` (metadata of the
activity codes); sink, waste and clinker parameters in their own files (``clinker_parameters.csv``,
Tier 2 cement, is turned into CO2 factor rows of the set on load: :mod:`ghginv.factors.clinker_params`).
The format is documented in docs/factor-set-format.md.

Everything wrong with a set is collected and reported at once, with file and line. A column no
reader knows (:data:`OPTIONAL_COLUMNS`; e.g. ``uncertainty_pc`` for ``uncertainty_pct``) would be
lost unnoticed: it is a warning naming the file, the column and the nearest known one
(``FactorSet.warnings``; printed and recorded in manifest.json ``warnings`` by every run), and an
error with ``strict=True`` (``--strict``, ``[factors] strict = true``).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..core import categories
from ..core.errors import FactorSetError, ManifestError, Problem, SchemaError, UnitError
from ..core.gwp import known_gases
from ..core.units import parse_ratio, parse_unit
from ._patterns import (
    EXACT,
    STATUSES,
    Provenance,
    RegionPattern,
    check_provenance,
    check_region,
    check_year_overlaps,
    parse_value,
    parse_years,
)
from .clinker_params import CLINKER_COLUMNS, clinker_factor_rows, read_clinker_rows
from .sink_params import SINK_COLUMNS, SinkRule, check_sink_overlaps, read_sink_rows
from .unc_cols import UNCERTAINTY_COLUMNS, parse_uncertainty
from .waste_params import WASTE_COLUMNS, WasteRule, check_waste_overlaps, read_waste_rows

__all__ = ["FactorSet", "Rule", "load_factor_set", "strict_problems", "DATA_FILES", "OPTIONAL_COLUMNS", "FUEL_CLASSES",
           "STATUSES"]

FUEL_CLASSES = ("solid", "liquid", "gaseous", "biomass", "electricity", "heat", "other")
QUANTITIES = ("ncv", "standard_coal", "density")
CARBON_PARAMETERS = ("carbon_content", "oxidation")

DATA_FILES: dict[str, list[str]] = {
    "emission_factors.csv": ["activity", "sector", "region", "year_from", "year_to", "gas", "value", "unit", "source", "source_locator", "status"],
    "carbon_factors.csv": ["activity", "sector", "region", "year_from", "year_to", "parameter", "value", "unit", "source", "source_locator", "status"],
    "conversions.csv": ["activity", "quantity", "region", "year_from", "year_to", "value", "unit", "source", "source_locator", "status"],
    "activities.csv": ["activity", "name_en", "name_zh", "ipcc_fuel", "fuel_class"],
    "sink_parameters.csv": SINK_COLUMNS,  # carbon-sink parameters, see sink_params.py
    "waste_parameters.csv": WASTE_COLUMNS,  # first-order decay parameters, see waste_params.py
    "clinker_parameters.csv": CLINKER_COLUMNS,  # Tier 2 cement (CaO, MgO, CF_ckd), see clinker_params.py
}
# Optional columns each file's reader takes (every other column is unknown: a warning, an error
# with strict=True): ``notes`` everywhere, the uncertainty columns (unc_cols.py) where they are read
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "emission_factors.csv": ("notes", *UNCERTAINTY_COLUMNS),
    "carbon_factors.csv": ("notes", *UNCERTAINTY_COLUMNS),
    "conversions.csv": ("notes", *UNCERTAINTY_COLUMNS),
    "activities.csv": ("notes",),
    "sink_parameters.csv": ("notes",),
    "waste_parameters.csv": ("notes", *UNCERTAINTY_COLUMNS),
    "clinker_parameters.csv": ("notes",),
}
_KIND = {"emission_factors.csv": "ef", "carbon_factors.csv": "carbon", "conversions.csv": "conv"}
_KEY_COL = {"ef": "gas", "carbon": "parameter", "conv": "quantity"}
_MANIFEST_KEYS = ("name", "version", "title", "publisher", "published", "url", "license")
_ACTIVITY_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


@dataclass(frozen=True)
class Rule(RegionPattern, Provenance):
    """One factor row, checked and normalised.

    ``value_norm`` is the value in base units: tonnes of gas (or of carbon) per base unit of the
    denominator (t, m^3, GJ or ha); a plain fraction for oxidation; GJ per t or per m^3 for ncv;
    t per m^3 for density; GJ (of standard coal) per base unit for standard_coal.
    """

    kind: str  # ef | carbon | conv
    activity: str
    sector: str  # '*', exact code, or 'P.*'
    region: str  # '*', exact, or 'prefix*'
    year_from: int
    year_to: int
    key: str  # gas, carbon parameter, or conversion quantity
    value: float
    unit: str
    value_norm: float
    den_dim: str

    @property
    def sector_prefix(self) -> str:
        return "" if self.sector == "*" else self.sector.removesuffix(".*")

    @property
    def sector_spec(self) -> int:
        if self.sector == "*":
            return 0
        if self.sector.endswith(".*"):
            return categories.level(self.sector_prefix)
        return EXACT


@dataclass
class FactorSet:
    """A loaded, verified factor set."""

    name: str
    path: Path
    manifest: dict
    rules: list[Rule]
    activities: dict[str, dict]
    file_hashes: dict[str, str] = field(default_factory=dict)
    sink_rules: list[SinkRule] = field(default_factory=list)
    waste_rules: list[WasteRule] = field(default_factory=list)
    # unknown columns (kind "unknown_column"): file, column, nearest known column, message
    warnings: list[dict] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        """The manifest says ``synthetic = true``: demo values (status X), not factors."""
        return self.manifest.get("synthetic") is True

    @property
    def n_rows(self) -> int:
        """Data rows of every table: factors, carbon factors and conversions, sink and waste parameters."""
        return len(self.rules) + len(self.sink_rules) + len(self.waste_rules)

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", ""))

    def activity_codes(self) -> set[str]:
        """The activity codes the set declares, in any of its tables.

        Returns
        -------
        set of str
            Codes of ``emission_factors.csv``, ``carbon_factors.csv``, ``conversions.csv``,
            ``activities.csv`` and the waste types of ``waste_parameters.csv`` (one's own codes
            such as ``msw_food`` included; ``*`` declares none). ``sink_parameters.csv`` names
            strata of the sink data, not activity codes.
        """
        return ({r.activity for r in self.rules} | set(self.activities)
                | {r.activity for r in self.waste_rules if r.activity != "*"})


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_manifest(folder: Path) -> tuple[dict, dict[str, str]]:
    mpath = folder / "manifest.toml"
    if not mpath.is_file():
        raise ManifestError(f"{folder}: not a factor set (no manifest.toml)")
    try:
        manifest = tomllib.loads(mpath.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ManifestError(f"{mpath}: not valid TOML: {e}") from None
    problems = [
        Problem(f"manifest key '{k}' is missing", file=str(mpath))
        for k in _MANIFEST_KEYS
        if not str(manifest.get(k, "")).strip()
    ]
    if manifest.get("name") and manifest["name"] != folder.name:
        problems.append(
            Problem(
                f"name = {manifest['name']!r} differs from the folder name {folder.name!r}",
                file=str(mpath),
                hint="a set's name and folder must agree",
            )
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        problems.append(Problem("[files] table with the sha256 of every data file is missing", file=str(mpath)))
        files = {}
    hashes: dict[str, str] = {}
    for fname, digest in files.items():
        fpath = folder / fname
        if fname not in DATA_FILES:
            problems.append(
                Problem(f"unknown data file '{fname}' listed", file=str(mpath), hint=f"known files: {', '.join(DATA_FILES)}")
            )
            continue
        if not isinstance(digest, str) or not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            problems.append(Problem(f"hash of '{fname}' must be 'sha256:<64 hex digits>'", file=str(mpath), value=digest))
            continue
        if not fpath.is_file():
            problems.append(Problem(f"listed data file '{fname}' does not exist", file=str(mpath)))
            continue
        actual = _sha256(fpath)
        hashes[fname] = actual
        if actual != digest.removeprefix("sha256:"):
            problems.append(
                Problem(
                    f"sha256 mismatch for '{fname}': manifest says {digest.removeprefix('sha256:')[:12]}…, file is {actual[:12]}…",
                    file=str(mpath),
                    hint="the file changed after the manifest was written; if the change is intended, "
                    f"update the hashes with `ghginv factors hash {folder} --write`, otherwise restore the file",
                )
            )
    for extra in sorted(p.name for p in folder.glob("*.csv")):
        if extra not in files:
            problems.append(
                Problem(f"data file '{extra}' is not listed in [files]", file=str(mpath), hint="list it with its sha256 or remove it")
            )
    if problems:
        raise ManifestError(f"factor set {folder.name!r}: manifest check failed", problems)
    return manifest, hashes


def _check_sector(s: str) -> str | None:
    if s == "*":
        return None
    code = s.removesuffix(".*")
    if not categories.is_category(code):
        near = categories.suggest(code)
        return f"unknown IPCC category '{code}'" + (f"; did you mean {', '.join(near)}?" if near else "")
    return None


def _check_unit(kind: str, key: str, unit: str) -> tuple[float, str]:
    """Validate a rule's unit; return (scale to base, denominator dimension)."""
    if kind == "carbon" and key == "oxidation":
        u = parse_unit(unit)
        if u.dimension != "ratio":
            raise UnitError(f"oxidation must be a 'fraction' or '%', got {unit!r}")
        return u.scale, "ratio"
    r = parse_ratio(unit)
    num, den = r.numerator.dimension, r.denominator.dimension
    ok = {
        ("ef", None): num == "mass" and den in ("mass", "volume", "energy", "area", "area_time", "count"),
        ("carbon", "carbon_content"): num == "mass" and r.numerator.element == "C" and den in ("energy", "mass", "volume"),
        ("conv", "ncv"): num == "energy" and den in ("mass", "volume"),
        ("conv", "density"): num == "mass" and den == "volume",
        ("conv", "standard_coal"): num == "energy" and den in ("mass", "volume", "energy"),
    }[(kind, None if kind == "ef" else key)]
    if ok and kind == "ef" and r.numerator.element not in (None, key):
        raise UnitError(
            f"unit {unit!r} counts {r.numerator.element}, but the row is for gas {key}; "
            f"write the mass of {key} (e.g. 'kg/TJ' or 'kg {key}/TJ')"
        )
    if not ok:
        expect = {
            "ef": "mass of gas per unit of activity, e.g. kg/TJ, t/t, kg/kWh, t/10^4 m^3",
            "carbon_content": "t C/TJ (tonnes of carbon per energy unit)",
            "ncv": "energy per mass or volume, e.g. GJ/t, TJ/Gg, kJ/kg, GJ/10^4 m^3",
            "density": "mass per volume, e.g. t/m^3, kg/L",
            "standard_coal": "kgce/kg, tce/t, tce/10^4 m^3, kgce/kWh, kgce/MJ",
        }["ef" if kind == "ef" else key]
        raise UnitError(f"unit {unit!r} does not fit; expected {expect}")
    return r.scale, den


def _known_columns(fname: str, required: list[str]) -> list[str]:
    return [*required, *OPTIONAL_COLUMNS.get(fname, ())]


def _describe(col: str, nearest: str | None, fname: str) -> str:
    """``unknown column 'uncertainty_pc' — did you mean 'uncertainty_pct'?`` (or the columns the file takes)."""
    shown = f"unknown column {col!r}" if col.strip() else "an unnamed column (empty header)"
    hint = (f"did you mean '{nearest}'?" if nearest else
            f"{fname} takes the columns {', '.join(_known_columns(fname, DATA_FILES.get(fname, [])))}.")
    return f"{shown} — {hint}"


def _unknown_columns(set_name: str, path: Path, header: list[str], required: list[str]) -> list[dict]:
    """A warning for each column of ``header`` that no reader of the file takes, with the nearest
    known column (difflib) when one is close."""
    known = _known_columns(path.name, required)
    out = []
    for col in header:
        if col in known:
            continue
        near = difflib.get_close_matches(col.strip().lower(), known, n=1, cutoff=0.6)
        nearest = near[0] if near else None
        out.append({
            "kind": "unknown_column", "factor_set": set_name, "file": str(path), "column": col, "nearest": nearest,
            "message": (f"{path}: {_describe(col, nearest, path.name)} The column is ignored: rename or remove it and run "
                        f"`ghginv factors hash {path.parent} --write` (--strict or [factors] strict = true makes this an error)"),
        })
    return out


def strict_problems(fs: FactorSet) -> list[Problem]:
    """The set's unknown columns (``fs.warnings``) as problems, for ``strict=True``.

    Parameters
    ----------
    fs : FactorSet
        A loaded set.

    Returns
    -------
    list of Problem
        One per unknown column, naming the file, the column and the nearest known one; empty
        when every column is known.
    """
    return [Problem(_describe(w["column"], w["nearest"], Path(w["file"]).name), file=w["file"],
                    hint=f"rename or remove the column and run `ghginv factors hash {Path(w['file']).parent} --write`")
            for w in fs.warnings if w.get("kind") == "unknown_column"]


def _read_csv(path: Path, required: list[str], problems: list[Problem], warnings: list[dict] | None = None,
              set_name: str = "") -> list[tuple[int, dict]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        problems.append(Problem(f"not UTF-8 text ({e.reason} at byte {e.start})", file=str(path), hint="save the file as UTF-8"))
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    dup = sorted({c for c in header if header.count(c) > 1})
    if missing or dup:
        msg = []
        if missing:
            msg.append(f"missing column(s) {', '.join(missing)}")
        if dup:
            msg.append(f"duplicate column(s) {', '.join(dup)}")
        raise SchemaError(f"{path}: {'; '.join(msg)}; expected columns: {', '.join(required)}")
    if warnings is not None:
        warnings.extend(_unknown_columns(set_name, path, header, required))
    rows = []
    for _i, row in enumerate(reader):
        line = reader.line_num
        if None in row:
            problems.append(Problem("more fields than header columns", file=str(path), line=line))
            continue
        if all(not (v or "").strip() for v in row.values()):
            continue  # blank line
        rows.append((line, {k: (v or "").strip() for k, v in row.items()}))
    return rows


_LOADED: dict[tuple, FactorSet] = {}  # content-addressed: (folder, manifest, file hashes) -> the set parsed from them
_LOADED_MAX = 64


def load_factor_set(folder: str | Path, strict: bool = False) -> FactorSet:
    """Load, verify (manifest hashes, columns, codes, units, statuses, overlaps) and return a set.

    The manifest and the sha256 of every data file are checked on each call; the rows are parsed
    and checked once per content: a set whose manifest and files hash the same as one already
    loaded from the same folder in this process is that set (a session recomputing many variants
    reads each set's rows once).

    Parameters
    ----------
    folder : str or pathlib.Path
        The set's folder, holding ``manifest.toml`` and its data files (a name is resolved to a
        folder by :func:`ghginv.core.config.resolve_factor_set_path`).
    strict : bool, default False
        A column no reader takes (a misspelt ``uncertainty_pc``) is an error, not a warning.

    Returns
    -------
    FactorSet
        The verified set: its emission-factor, carbon and conversion rules (``value_norm`` in
        base units, e.g. t gas / base unit of the denominator), sink and waste rules, and
        ``warnings``: one per unknown column, naming the file, the column and the nearest known one.

    Raises
    ------
    ManifestError
        No or invalid ``manifest.toml``, or a file hash that does not match.
    SchemaError
        A data file with missing or duplicate columns; with ``strict``, unknown columns.
    FactorSetError
        Invalid rows (every problem listed).
    DuplicateRuleError
        Rows that always tie (same key, overlapping years).
    """
    folder = Path(folder)
    manifest, hashes = _read_manifest(folder)
    key = (str(folder.resolve()), repr(manifest), tuple(sorted(hashes.items())))
    fs = _LOADED.get(key)
    if fs is None:
        fs = _parse_set(folder, manifest, hashes)
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = fs
    if strict and (problems := strict_problems(fs)):
        raise SchemaError(f"factor set {fs.name!r} has unknown columns (--strict)", problems)
    return fs


def _parse_set(folder: Path, manifest: dict, hashes: dict[str, str]) -> FactorSet:
    name = folder.name
    problems: list[Problem] = []
    rules: list[Rule] = []
    activities: dict[str, dict] = {}
    sink_rules: list[SinkRule] = []
    waste_rules: list[WasteRule] = []
    clinker_rules: list = []
    warnings: list[dict] = []
    gases = known_gases()

    for fname in manifest["files"]:
        path = folder / fname
        rows = _read_csv(path, DATA_FILES[fname], problems, warnings, name)
        if fname == "sink_parameters.csv":
            sink_rules.extend(read_sink_rows(name, path, rows, manifest.get("synthetic") is True, problems))
            continue
        if fname == "waste_parameters.csv":
            waste_rules.extend(read_waste_rows(name, path, rows, problems))
            continue
        if fname == "clinker_parameters.csv":  # Tier 2 cement: each CaO row becomes a derived CO2 factor row
            clinker_rules.extend(read_clinker_rows(name, path, rows, problems, manifest.get("synthetic") is True))
            continue
        if fname == "activities.csv":
            for line, row in rows:
                code = row["activity"]
                if not _ACTIVITY_RE.match(code):
                    problems.append(Problem("activity code must be lower-case snake_case", file=str(path), line=line, value=code))
                if row["fuel_class"] not in FUEL_CLASSES:
                    problems.append(
                        Problem(f"fuel_class must be one of {', '.join(FUEL_CLASSES)}", file=str(path), line=line, value=row["fuel_class"])
                    )
                if code in activities:
                    problems.append(Problem(f"activity '{code}' listed twice", file=str(path), line=line))
                activities[code] = row
            continue
        kind = _KIND[fname]
        keycol = _KEY_COL[kind]
        for line, row in rows:
            before = len(problems)

            def bad(msg, col=None, value=None, hint=None):
                problems.append(Problem(msg, file=str(path), line=line, column=col, value=value, hint=hint))

            act = row["activity"]
            if not _ACTIVITY_RE.match(act):
                bad("activity code must be lower-case snake_case", "activity", act)
            sector = row.get("sector", "*") or ""
            if not sector:
                bad("sector is empty; use '*' for every sector", "sector")
            elif (err := _check_sector(sector)) is not None:
                bad(err, "sector", sector)
            region = row["region"]
            check_region(region, bad)
            y0, y1 = parse_years(row, bad)
            key = row[keycol]
            if kind == "ef" and key not in gases:
                bad("unknown gas; use CO2, CH4, N2O or an F-gas name of the GWP tables (e.g. HFC134a, SF6)", "gas", key)
            elif kind == "carbon" and key not in CARBON_PARAMETERS:
                bad(f"parameter must be one of {', '.join(CARBON_PARAMETERS)}", "parameter", key)
            elif kind == "conv" and key not in QUANTITIES:
                bad(f"quantity must be one of {', '.join(QUANTITIES)}", "quantity", key)
            value = parse_value(row, bad)
            scale, den_dim = 1.0, ""
            if len(problems) == before:
                try:
                    scale, den_dim = _check_unit(kind, key, row["unit"])
                except UnitError as e:
                    bad(e.summary, "unit", row["unit"])
            if kind == "carbon" and key == "oxidation" and value == value and not 0 < value * scale <= 1:
                bad("oxidation must lie in (0, 1] (or (0, 100] %)", "value", row["value"])
            check_provenance(row, bad)
            status = row["status"]
            unc = parse_uncertainty(row, value, bad, zero_ok=kind != "conv")
            if len(problems) == before:
                rules.append(
                    Rule(
                        set_name=name, kind=kind, activity=act, sector=sector, region=region,
                        year_from=y0, year_to=y1, key=key, value=value, unit=row["unit"],
                        value_norm=value * scale, den_dim=den_dim, file=str(path), line=line,
                        source=row["source"], source_locator=row["source_locator"], status=status,
                        notes=row.get("notes", ""),
                        unc_pct=unc[0], unc_lower=unc[1], unc_upper=unc[2], distribution=unc[3],
                    )
                )
    rules.extend(Rule(set_name=name, **kw) for kw in clinker_factor_rows(clinker_rules, problems))
    if problems:
        raise FactorSetError(f"factor set {name!r} has invalid rows", problems)
    _check_overlaps(name, rules)
    check_sink_overlaps(name, sink_rules)
    check_waste_overlaps(name, waste_rules)
    return FactorSet(name=name, path=folder.resolve(), manifest=manifest, rules=rules, activities=activities, file_hashes=hashes, sink_rules=sink_rules,
        waste_rules=waste_rules, warnings=warnings)


def _check_overlaps(name: str, rules: list[Rule]) -> None:
    """Two rows with the same activity, sector, region and key whose years overlap always tie."""
    check_year_overlaps(name, rules, lambda r: (r.kind, r.activity, r.sector, r.region, r.key), "rule", "rules",
                        shown=lambda k: k[1:])
