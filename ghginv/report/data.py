"""What the reports are built from: a finished run's frames and manifest (in memory or on disk)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from ..core._frames import group_sum, per_distinct, sorted_groups
from ..core.categories import category_name, is_bunker
from ..core.errors import InputFileError
from ..runfolder import read_manifest
from ._atoms import Atoms, emission_atoms

__all__ = ["ReportData", "sector_group", "INDIRECT", "factor_sources_of"]

INDIRECT = "indirect"


def sector_group(sector: str) -> str:
    """Level-3 IPCC category of a sector code (``1.A.4.b`` -> ``1.A.4``).

    Parameters
    ----------
    sector : str
        IPCC category code.

    Returns
    -------
    str
        The code cut to its first three levels (a shorter code unchanged).
    """
    return ".".join(sector.split(".")[:3])


def per_value(col: pl.Series, fn) -> pl.Expr:
    """``fn`` of each value of the String column ``col`` (null stays null), called once per distinct
    value instead of once per row: what ``map_elements(fn)`` gives, at a table's size."""
    return per_distinct(col, fn, pl.String)


_SOURCE_COLUMNS = ("factor_set", "set_version", "activity", "kind", "item", "value", "unit", "status", "source", "source_locator",
                   "rule")


def factor_rows(factors_used: pl.DataFrame) -> pl.DataFrame:
    """The distinct rows of a run's ``factors_used`` in the columns of its factor sources (:func:`factor_sources_of`),
    in no set order: the part of the factor sources that reads the whole table, without the manifest (the write stage
    computes it as soon as it starts: :func:`ghginv.pipeline.write.write_run` with release).

    Parameters
    ----------
    factors_used : polars.DataFrame
        The whole table, as written to ``factors_used.parquet``.

    Returns
    -------
    polars.DataFrame
        The distinct rows of the columns it has among factor_set, set_version, activity, kind, item, value, unit,
        status, source, source_locator and rule.
    """
    f = factors_used.select([c for c in _SOURCE_COLUMNS if c in factors_used.columns])
    return f.lazy().unique().collect()  # lazily: about half the time of DataFrame.unique at 850 k rows


def factor_sources_of(factors_used: pl.DataFrame | None, manifest: dict, *, rows: pl.DataFrame | None = None) -> pl.DataFrame:
    """Distinct factor and conversion rows of a run's ``factors_used``, with status and source, sorted by every
    column (:meth:`ReportData.factor_sources`: the workbook's "Factors used" sheet and the report's data-quality
    section), with the standard-coal rows of the manifest's ``indicators`` entry.

    Parameters
    ----------
    factors_used : polars.DataFrame or None
        The run's ``factors_used``; None with ``rows``.
    manifest : dict
        The run's manifest (``factor_sets``: the sets' versions; ``indicators.standard_coal_rows``).
    rows : polars.DataFrame, optional
        :func:`factor_rows` of the table, when already computed (then ``factors_used`` is not read): the same result.

    Returns
    -------
    polars.DataFrame
        The distinct rows.
    """
    f = factor_rows(factors_used) if rows is None else rows
    sc = (manifest.get("indicators") or {}).get("standard_coal_rows") or []
    if sc:  # distinct again with them (the distinct rows of both: the same set as of the table's rows and them)
        versions = {s["name"]: s.get("version", "") for s in manifest.get("factor_sets", [])}
        extra = pl.DataFrame([{**r, "set_version": versions.get(r["factor_set"], "")} for r in sc])
        extra = extra.select([pl.col(c).cast(f.schema[c]) for c in f.columns if c in extra.columns])
        f = pl.concat([f, extra], how="diagonal_relaxed").lazy().unique().collect()
    first = [c for c in ("factor_set", "activity", "kind", "item", "rule") if c in f.columns]
    return f.sort(first + [c for c in f.columns if c not in first], nulls_last=True)  # every column: a total order


@dataclass
class ReportData:
    manifest: dict
    emissions: pl.DataFrame
    inventory: pl.DataFrame
    factors_used: pl.DataFrame
    indicators: pl.DataFrame | None = None
    targets: pl.DataFrame | None = None
    peak: pl.DataFrame | None = None
    extra_notes: list[str] = field(default_factory=list)
    recalculation: pl.DataFrame | None = None  # recalculation.parquet (ghginv.rerun.recalc; report section ghginv.report._recalc)
    recalculation_factors: pl.DataFrame | None = None
    reference_approach: pl.DataFrame | None = None  # reference_approach.parquet (ghginv.methods.reference_approach; ghginv.report._reference)
    gap_filling: pl.DataFrame | None = None  # gap_filling.parquet (ghginv.pipeline.gapfill; ghginv.report._gapfill)
    key_categories: pl.DataFrame | None = None  # key_categories.parquet (ghginv.analysis.key_categories; ghginv.report._keycat)
    energy_activity: pl.DataFrame | None = None  # energy_activity.parquet (ghginv.analysis.energy BY_SECTOR_SCHEMA; ghginv.report.provincial)
    electricity_balance: pl.DataFrame | None = None  # electricity_balance.parquet (电力调入调出 of the energy balance; ghginv.report.provincial)
    sheet_splits: list[dict] = field(default_factory=list)  # tables of inventory.xlsx split across sheets (ghginv.report._sheets)
    workbook_summed: list = field(default_factory=list)  # tables of inventory.xlsx summed over regions (ghginv.report._detail.SummedTable)
    run_dir: Path | None = None  # the run folder read (from_run_dir): its factor_sets/ snapshot names each set's publisher and URL
    # the run's InventoryResult.key_codes (scope, category and gas coded by the inventory stage), handed over by the write
    # stage with the very inventory frame they code; None for a run folder read from disk
    inventory_key_codes: dict | None = None
    # the write stage's factor sources of factors_used, computed in another thread (factor_sources_of): called once, by
    # factor_sources, when factors_used is handed over empty (ghginv.pipeline.write.write_run with release); else None
    factor_sources_job: Callable | None = None  # () -> polars.DataFrame

    @classmethod
    def from_run_dir(cls, run: str | Path) -> ReportData:
        """The frames and manifest of a finished run folder (:func:`ghginv.runfolder.read_manifest`)."""
        run = Path(run)
        manifest = read_manifest(run)
        frames = {}
        for name in ("emissions", "inventory", "factors_used", "indicators", "targets", "peak", "recalculation", "recalculation_factors",
                     "reference_approach", "gap_filling", "key_categories", "energy_activity", "electricity_balance"):
            p = run / f"{name}.parquet"
            if p.is_file():
                frames[name] = pl.read_parquet(p)
            elif name in ("emissions", "inventory", "factors_used"):
                raise InputFileError(f"{run}: {p.name} is missing; re-run ghginv compile")
        return cls(manifest=manifest, run_dir=run, **frames)

    # ---- helpers used by the HTML and XLSX writers -------------------------------------------

    @property
    def analysis(self) -> dict:
        return self.manifest.get("indicators") or {}

    @property
    def synthetic(self) -> bool:
        return bool(self.manifest.get("synthetic"))

    def years(self) -> list[int]:
        """The emission rows' years, ascending (found once per emission frame: the page's sections and charts ask
        for them)."""
        cached = self.__dict__.get("_years")
        if cached is None or cached[0] is not self.emissions:
            cached = self.__dict__["_years"] = (self.emissions, sorted(self.emissions["year"].unique().to_list()))
        return list(cached[1])

    def by_group(self) -> pl.DataFrame:
        """year, group, label, co2e_t: direct positive emissions per level-3 category + indirect
        (computed once; the summary, the charts and their tables ask for it)."""
        cached = self.__dict__.get("_by_group")
        if cached is not None and cached[0] is self.emissions:
            return cached[1]
        a = self.emission_atoms()
        if a is not None:
            g = self._by_group_of_atoms(a)
            self.__dict__["_by_group"] = (self.emissions, g)
            return g
        e = self.emissions.lazy().select("scope", "sector", "year", "co2e_t").filter(
            pl.col("scope").is_in(["direct", INDIRECT]), pl.col("co2e_t") >= 0).collect()
        # the groups as integer codes in the order of their names: group_sum sorts and adds them as it would the
        # names (the same groups, order and sums), without a text column per emission row to build and encode
        of = {c: sector_group(c) for c in e["sector"].drop_nulls().unique().to_list()}
        names = sorted({*of.values(), INDIRECT})
        code = {k: i for i, k in enumerate(names)}
        e = e.with_columns(pl.when(pl.col("scope") == INDIRECT).then(pl.lit(code[INDIRECT], pl.Int64))
                           .otherwise(per_distinct(e["sector"], lambda c: code[of[c]], pl.Int64)).alias("group"))
        g = group_sum(e, ["group", "year"], ["co2e_t"])
        g = g.with_columns(pl.col("group").replace_strict(dict(enumerate(names)), default=None, return_dtype=pl.String))
        g = g.with_columns(per_value(g["group"], lambda c: "" if c == INDIRECT else category_name(c)).alias("label"))
        self.__dict__["_by_group"] = (self.emissions, g)
        return g

    def group_years(self) -> dict[str, tuple[str, dict]]:
        """group -> (the label of its first row, year -> co2e_t) of :meth:`by_group`, the groups in the order of their
        first row: what the page's charts and summary read of each group, from one pass over the table's rows (computed
        once per table) instead of a filter per group and chart."""
        g = self.by_group()
        cached = self.__dict__.get("_group_years")
        if cached is not None and cached[0] is g:
            return cached[1]
        out: dict[str, tuple[str, dict]] = {}
        for grp, y, v, lab in g.select("group", "year", "co2e_t", "label").iter_rows():
            out.setdefault(grp, (lab, {}))[1][y] = v
        self.__dict__["_group_years"] = (g, out)
        return out

    def year_total(self, year: int) -> float:
        """The sum of :meth:`by_group`'s ``co2e_t`` of ``year`` (polars' sum of the year's rows, as the charts summed them),
        computed once per year and table."""
        g = self.by_group()
        cached = self.__dict__.get("_year_totals")
        if cached is None or cached[0] is not g:
            cached = self.__dict__["_year_totals"] = (g, {})
        if year not in cached[1]:
            cached[1][year] = g.filter(pl.col("year") == year)["co2e_t"].sum()
        return cached[1][year]

    def emission_atoms(self) -> Atoms | None:
        """The emission rows' atoms (:func:`ghginv.report._atoms.emission_atoms`), found once per emission frame: the
        level-3 groups, the five-sector sheet and the provincial tables group the rows through them. None for a frame
        of fewer than 10,000 rows or without the columns (the tables then group the rows themselves)."""
        cached = self.__dict__.get("_atoms")
        if cached is not None and cached[0] is self.emissions:
            return cached[1]
        a = emission_atoms(self.emissions)
        self.__dict__["_atoms"] = (self.emissions, a)
        return a

    def _by_group_of_atoms(self, a: Atoms) -> pl.DataFrame:
        """:meth:`by_group` from the emission rows' atoms (:mod:`ghginv.report._atoms`): the same group code per row,
        found per atom instead of per row, so the same groups, order and sums."""
        t = a.table
        scopes, sectors = t["scope"].to_list(), t["sector"].to_list()
        keep = np.array([sc in ("direct", INDIRECT) for sc in scopes], bool)
        of = {sec: sector_group(sec) for sec, k in zip(sectors, keep.tolist(), strict=True) if k and sec is not None}
        # the group's name per atom (its code's order is its name's: the atoms' keys sort as the names)
        group = [INDIRECT if sc == INDIRECT else None if sec is None else of.get(sec) for sc, sec in zip(scopes, sectors, strict=True)]
        g = a.group_sum(self.emissions, [("group", group, pl.String), ("year", t["year"].to_list(), self.emissions.schema["year"])],
                        ["co2e_t"], rows=self.emissions["co2e_t"] >= 0, atoms=keep)
        return g.with_columns(per_value(g["group"], lambda c: "" if c == INDIRECT else category_name(c)).alias("label"))

    def completeness(self, year: int | None = None) -> pl.DataFrame:
        """The completeness table of ``year`` (default the last year with direct rows,
        :func:`ghginv.analysis.notation.completeness_table`), computed once: the tables of every year with rows at
        the first call (:func:`ghginv.analysis.notation.completeness_tables`; the workbook's Completeness sheet shows
        them all, the report's section the last year)."""
        from ..analysis.notation import completeness_tables

        years, rows, cache, sums = self._completeness_parts()
        if year is None:
            year = years[-1] if years else None
        if not cache:
            have = set(rows["year"].unique().drop_nulls().to_list())
            if sums is not None:  # the years of the estimates summed (rows holds the keyed rows only)
                have.update(y for s in sums for y in s["year"].unique().to_list())
            cache.update(completeness_tables(rows, sorted(have), sums))
        if year not in cache:  # a year without rows: a table without estimates or keys
            cache.update(completeness_tables(rows, [year], sums))
        return cache[year]

    def completeness_years(self) -> list[int]:
        """The years with direct rows in the inventory, ascending (the years of the Completeness sheet)."""
        return self._completeness_parts()[0]

    def _completeness_parts(self) -> tuple[list[int], pl.DataFrame, dict, tuple | None]:
        """(years with direct rows, the rows of the inventory that the completeness tables read, the tables computed so
        far, the estimates' sums when found from the inventory's codes), found once per inventory: the tables read a
        few thousand rows, not the whole inventory (1.6 M rows at 10 M activity rows over 2,000 regions). With the
        inventory stage's codes (:meth:`inventory_codes`) the estimates are summed here, on integers
        (:meth:`_completeness_sums`), and the rows are the keyed ones only; else the rows are the direct and memo
        rows the tables read, estimates and keys."""
        cache = self.__dict__.get("_completeness")
        if cache is None or cache[0] is not self.inventory:
            from ..analysis.notation import MEMO, reporting_codes

            inv = self.inventory
            cols = [c for c in ("year", "scope", "category", "gas", "co2e_t", "notation_key") if c in inv.columns]
            # the rows completeness_table reads: direct rows of the reporting categories, memo rows of the memo items
            read = (((pl.col("scope") == "direct") & pl.col("category").is_in(reporting_codes()))
                    | ((pl.col("scope") == "memo") & pl.col("category").is_in(list(MEMO))))
            coded = self._completeness_sums()
            if coded is not None:
                years, sums = coded
                rows = self.keyed_rows().lazy().select(cols).filter(read).unique()
            else:
                sums = None
                years = sorted(inv.lazy().filter(pl.col("scope") == "direct").select(pl.col("year").unique()).collect()["year"].to_list())
                rows = inv.lazy().select(cols).filter(read)
                if "notation_key" in cols:  # the estimates in table order (their sums' order), each keyed row once
                    # (a key's repeats over regions change nothing: keys are combined per category and gas)
                    rows = pl.concat([rows.filter(pl.col("notation_key").is_null()),
                                      self.keyed_rows().lazy().select(cols).filter(read).unique()])
            cache = self.__dict__["_completeness"] = (inv, years, rows.collect(), {}, sums)
        return cache[1], cache[2], cache[3], cache[4]

    def _completeness_sums(self) -> tuple[list[int], tuple[pl.DataFrame, pl.DataFrame]] | None:
        """(years with direct rows, the estimates' sums of the completeness tables) from the inventory stage's codes of
        scope, category and gas (:meth:`inventory_codes`), without a filter or an encoding of the inventory's text
        columns: the direct estimates of the reporting categories and the memo estimates (with a value) of the memo
        items, per year, category and gas group (:func:`ghginv.analysis.notation.gas_group`), each group's rows added
        in table order after a stable sort on the codes (whose order is their strings'): the frames
        :func:`ghginv.analysis.notation.completeness_tables` sums itself, to the bit. None without the codes or a
        ``notation_key`` column, or with a year that is null or not an integer."""
        codes = self.inventory_codes()
        inv = self.inventory
        if (codes is None or "notation_key" not in inv.columns or "co2e_t" not in inv.columns or not inv.schema["year"].is_integer()
                or inv["year"].null_count() or any(k not in codes for k in ("scope", "category", "gas"))):
            return None
        from ..analysis.notation import MEMO, gas_group, reporting_codes

        (sv, sc), (cv, cc), (gv, gc) = codes["scope"], codes["category"], codes["gas"]

        def lut(values: list, test) -> np.ndarray:  # a value per code; the null code (len(values)) False
            return np.array([test(v) for v in values] + [False], bool)

        def scope(name: str) -> np.ndarray:  # the rows of a scope (none when no row has it)
            return sc == sv.index(name) if name in sv else np.zeros(sc.shape[0], bool)

        year = inv["year"].to_numpy()
        direct = scope("direct")
        ys = year[direct]
        if ys.size and int(ys.max()) - int(ys.min()) < 1 << 16:  # a count per year of the span, not a sort
            years = (np.flatnonzero(np.bincount(ys - ys.min())) + ys.min()).tolist()
        else:
            years = np.unique(ys).tolist()
        groups = {g: gas_group(g) for g in gv}
        names = sorted({x for x in groups.values() if x is not None})
        gcode = np.take(np.array([names.index(groups[g]) if groups[g] is not None else -1 for g in gv] + [-1], np.int64), gc)
        co2e = inv["co2e_t"]
        est = inv["notation_key"].is_null().to_numpy() & (gcode >= 0)
        rep = set(reporting_codes())
        memo_items = set(MEMO)
        vals = np.flatnonzero(direct & np.take(lut(cv, rep.__contains__), cc) & est)
        memo = np.flatnonzero(scope("memo") & np.take(lut(cv, memo_items.__contains__), cc) & est & co2e.is_not_null().to_numpy())

        def summed(rows: np.ndarray) -> pl.DataFrame:
            if rows.size == 0:
                return pl.DataFrame(schema={"year": inv.schema["year"], "category": pl.String, "gas": pl.String, "co2e_t": pl.Float64})
            order, change = sorted_groups([year[rows].astype(np.int64), cc[rows].astype(np.int64), gcode[rows]])
            starts = np.flatnonzero(change)
            first = rows[order[starts]]
            return pl.DataFrame({"year": pl.Series(year[first], dtype=inv.schema["year"]),
                                 "category": pl.Series([cv[i] for i in cc[first].tolist()], dtype=pl.String),
                                 "gas": pl.Series([names[i] for i in gcode[first].tolist()], dtype=pl.String),
                                 "co2e_t": pl.Series(np.add.reduceat(co2e.gather(rows[order]).to_numpy(), starts), dtype=pl.Float64)})

        return [int(y) for y in years], (summed(vals), summed(memo))

    def inventory_codes(self) -> dict | None:
        """The inventory's scope, category and gas as the run's inventory stage coded them
        (:attr:`inventory_key_codes`: column -> (sorted distinct values, integer code per row)), when the reports are
        built from that run in memory and the codes are one per row of ``inventory``; else None (a run folder read
        from disk: the tables then encode the strings themselves, to the same groups and order)."""
        codes = self.inventory_key_codes
        if not codes or any(k not in self.inventory.columns or c.shape[0] != self.inventory.height for k, (_, c) in codes.items()):
            return None
        return codes

    def keyed_rows(self) -> pl.DataFrame | None:
        """The inventory's rows with a notation key, each distinct row once and without its region column (computed
        once per inventory: the completeness tables, the workbook's IPCC sheet summed over regions and the provincial
        summary's notes each read them — 1.5 M rows at 2,000 regions, a few hundred distinct); None without a
        ``notation_key`` column. Rows in no fixed order."""
        cached = self.__dict__.get("_keyed")
        if cached is not None and cached[0] is self.inventory:
            return cached[1]
        inv = self.inventory
        out = None
        codes = self.inventory_codes()
        if "notation_key" in inv.columns and codes is not None and "_row" not in inv.columns:
            # the distinct rows found with the inventory stage's codes in place of the scope, category and gas texts (the
            # same rows are equal: a code per text), one row of each taken from the inventory
            cols = [c for c in inv.columns if c != "region"]
            keyed = (inv.lazy().select(*cols).with_columns(pl.Series(k, c) for k, (_, c) in codes.items())
                     .with_row_index("_row").filter(pl.col("notation_key").is_not_null())
                     .unique(subset=cols, keep="any").select("_row").collect())
            out = inv.select(cols)[keyed["_row"].to_numpy()]
        elif "notation_key" in inv.columns:
            out = inv.lazy().filter(pl.col("notation_key").is_not_null()).drop("region", strict=False).unique().collect()
        self.__dict__["_keyed"] = (inv, out)
        return out

    def bunker_co2e(self, year: int | None) -> pl.Series:
        """``co2e_t`` of the memo rows of international bunkers (:func:`ghginv.core.categories.is_bunker`) of ``year``, in
        table order (the summary's memo line, outside the total). Chosen per atom when the emission rows have atoms
        (:meth:`emission_atoms`: a few hundred scope, year and sector tests instead of a filter of every row's text
        columns), else per row: the same rows, so the same values and sum."""
        e = self.emissions
        a = self.emission_atoms()
        if a is None:
            return e.filter(pl.col("scope") == "memo", pl.col("year") == year,
                            pl.col("sector").is_in([c for c in e["sector"].unique().to_list() if c and is_bunker(c)]))["co2e_t"]
        t = a.table
        per_atom = np.array([year is not None and y == year and sc == "memo" and bool(sec) and is_bunker(sec)
                             for y, sc, sec in zip(t["year"].to_list(), t["scope"].to_list(), t["sector"].to_list(), strict=True)], bool)
        return e.select("co2e_t").filter(pl.Series(a.rows_of(per_atom)))["co2e_t"]

    def removals(self) -> pl.DataFrame:
        """year, removals_t (≤ 0): CO2 rows with negative emissions (sinks)."""
        neg = self.emissions.lazy().filter(pl.col("scope") == "direct", pl.col("emissions_t") < 0).select("year", "co2e_t").collect()
        return group_sum(neg, ["year"], ["co2e_t"]).rename({"co2e_t": "removals_t"})

    @property
    def lang(self) -> str:
        """The run's report language (``[report] lang``, ``--lang``), recorded in the manifest; default English."""
        return (self.manifest.get("report") or {}).get("lang") or self.analysis.get("lang") or "en"

    @property
    def workbook_detail(self) -> str:
        """The run's ``[report] workbook_detail`` (``--workbook-detail``) as recorded in the manifest:
        ``auto`` (the default), ``full`` or ``summed`` (:mod:`ghginv.report._detail`)."""
        from ..core.config import WORKBOOK_DETAILS

        v = (self.manifest.get("report") or {}).get("workbook_detail") or "auto"
        v = v.get("setting", "auto") if isinstance(v, dict) else v
        return v if v in WORKBOOK_DETAILS else "auto"  # a manifest edited by hand: the default

    def factor_sets(self) -> list[dict]:
        """The run's factor sets (manifest entries) with each set's ``url`` and ``publisher``, read from the run
        folder's snapshot of the set when there is one, else from the set's own folder."""
        out = []
        for s in self.manifest.get("factor_sets", []):
            d = dict(s)
            # the run folder's own copy of the set (ghginv.runfolder.snapshot_factor_sets) first: the original may have
            # moved, changed or be relative to another working folder since the run
            snap = self.run_dir / "factor_sets" / str(s.get("name", "")) / "manifest.toml" if self.run_dir is not None else None
            mt = snap if snap is not None and snap.is_file() else Path(s.get("path", "")) / "manifest.toml"
            try:
                meta = tomllib.loads(mt.read_text(encoding="utf-8")) if mt.is_file() else {}
            except (OSError, tomllib.TOMLDecodeError):
                meta = {}
            d.setdefault("url", meta.get("url", ""))
            d.setdefault("publisher", meta.get("publisher", ""))
            out.append(d)
        return out

    def factor_sources(self) -> pl.DataFrame:
        """Distinct factor and conversion rows used, with status and source (computed once: the workbook and the
        report's data-quality section both ask for it)."""
        cached = self.__dict__.get("_factor_sources")
        if cached is not None and cached[0] is self.factors_used and cached[1] is self.manifest:
            return cached[2]
        job = self.factor_sources_job
        out = factor_sources_of(self.factors_used, self.manifest) if job is None else job()
        self.__dict__["_factor_sources"] = (self.factors_used, self.manifest, out)
        return out

    def notation_rows(self) -> pl.DataFrame:
        """category, category_name, notation_key: the keys of the activity data (gas ``ALL``), each once, sorted (the
        completeness table shows the reporting categories' keys). Read from :meth:`keyed_rows` (a few hundred
        distinct rows), not from the inventory's millions again."""
        keyed = self.keyed_rows()
        return (
            (self.inventory if keyed is None else keyed).lazy()
            .filter(pl.col("notation_key").is_not_null(), pl.col("gas") == "ALL")
            .select("category", "category_name", "notation_key").unique().sort("category", "notation_key").collect()
        )
