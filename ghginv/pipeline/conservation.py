"""Conservation checks of every run: nothing dropped, double-counted or overflowed on the way.

* **input = cube** — the amounts of the activity rows that enter the cube (valid, inside the run's
  years, not notation-key rows), summed per unit while the batches stream, equal the cube's sums
  per unit, to 1e-9 relative (summation order differs); the row counts agree exactly.
* **finite** — every cube amount and every emission is finite. Amounts near the float limit
  (1e308) can overflow to ``inf`` in a sum or a product; that is an error naming the cell, never a
  silent ``inf`` in the results.
* **roll-up** — every inventory value equals the sum of its direct children plus the emissions
  booked at that category itself (so ``TOTAL`` = Σ level 1, ``1.A`` = Σ ``1.A.x`` …), per year,
  region, scope and gas, to 1e-9 relative.
* **notation keys** — rows reported with a notation key (NO, NE, NA, IE, C) are counted, and so
  are the categories they produce in the inventory.

The results go to ``manifest.json`` (``checks``). A failed conservation check is an internal
error (:class:`ConservationError`, exit status 3): the run stops and writes nothing.

How the input tally is counted, and what it checks
---------------------------------------------------
A batch that takes the cube's fast path is tallied *inside* the fused kernel
(:func:`ghginv.kernels.cube.batch_append_tally`, :func:`ghginv.kernels.dense.dense_append_tally`),
in the same pass, so no second pass over the rows is needed. Every other batch (nulls, notation
keys, a bad row, or a builder without the fast path) is tallied by :meth:`InputTally.count`, a
pass of its own over the raw Arrow columns, after a full structural check
(:func:`ghginv.inputs.load.check_batch`), as before.

In the kernel the tally stays independent of the cube where it matters. It adds each row's raw
amount under the row's *raw* unit dictionary index, before any remapping, into separate
accumulators; the unit's name comes from the batch's own Arrow dictionary
(:attr:`FastBatch.unit_names`), and rows = batch rows − rows outside the years. The cube side is
everything downstream: the lookup tables from dictionary index to global codes, key packing, the
dense position or hash slot, the scatter-add and its row counts, growing and merging the tables,
finalize (unpacking keys, codes → strings, sorting) and dropping early years. An error in any of
those that loses, duplicates or moves amounts between units breaks the per-unit sums or the row
count (``tests/unit/test_cube_tally.py`` breaks the unit lookup and sees it); as before, amounts
moved between cells of the same unit are not this check's business. What the two share, by
construction, is the per-row decision of the kernel: whether a row is valid (a bad row sends the
whole batch to the slow path, which re-checks and names it) and whether its year is inside the
run's years (the same comparison in the same loop). Those two decisions are tested against the
row-checked slow path (``tests/unit/test_fastpath.py``), not by this check.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pyarrow as pa

from ..core._frames import dense_ids, encode
from ..core.errors import GhgInvError, ValidationError
from ..core.exactsum import exact_group_sums, round_exact
from ..inputs.load import check_batch
from ..kernels import ngjit

__all__ = ["InputTally", "ConservationError", "run_checks"]

REL = 1e-9


class ConservationError(GhgInvError, RuntimeError):
    """An internal invariant of a run failed (a bug in ghginv, not in the input)."""

    exit_code = 3


class InputTally:
    """Per-unit sums and row counts of the amounts that should reach the cube.

    Call :meth:`add` for every streamed batch, before the cube builder sees it. When a
    :class:`~ghginv.pipeline.cube.CubeBuilder` with the fast path holds this tally (``deferred``), ``add``
    only hands the batch over, and the builder counts it in its kernel (:meth:`add_counted`) or
    calls :meth:`count` for a batch that leaves the fast path.
    """

    def __init__(self, years: tuple[int, int] | None):
        self.years = years
        self.sums: dict[str, float] = {}
        self.rows: int = 0
        self.deferred = False  # set by a CubeBuilder that counts in its kernel
        self._pending = None

    def add(self, batch) -> None:
        if self.deferred:
            self._pending = batch
        else:
            self.count(batch)

    def claim(self, batch) -> bool:
        """True (once) when ``batch`` was handed over by :meth:`add`: the caller must count it."""
        if self._pending is batch:
            self._pending = None
            return True
        return False

    def add_counted(self, unit_names: list, lanes: np.ndarray, rows: int) -> None:
        """Add a batch counted by the cube kernel: ``lanes`` as filled by the kernel (per raw unit
        index), ``unit_names`` the batch's unit dictionary, ``rows`` the rows inside the years."""
        from ..kernels.cube import tally_sums

        self._merge(unit_names, tally_sums(lanes, len(unit_names)), rows)

    def _merge(self, names, sums, rows) -> None:
        for name, s in zip(names, sums):
            if name is not None and s != 0.0 or name in self.sums:
                self.sums[name] = self.sums.get(name, 0.0) + float(s)
        self.rows += int(rows)

    def count(self, batch) -> None:
        """The tally's own pass over one batch (structural check, then sums per unit)."""
        import pyarrow.compute as pc  # imported when used: ~0.05 s at start-up
        rb = batch.data
        n = rb.num_rows
        if not n:
            return
        check_batch(batch)
        acol = rb.column("amount")
        if not pa.types.is_floating(acol.type):
            acol = pc.cast(acol, pa.float64(), safe=False)
        if acol.null_count:
            valid = acol.is_valid().to_numpy(zero_copy_only=False)
            amount = pc.fill_null(acol, 0.0).to_numpy(zero_copy_only=False)
        else:
            valid = None
            amount = acol.to_numpy(zero_copy_only=False)
        amount = amount.astype(np.float64, copy=False)
        if self.years is not None:
            if "year" in rb.schema.names:
                ycol = rb.column("year")
                year = (pc.fill_null(ycol, 0) if ycol.null_count else ycol).to_numpy(zero_copy_only=False)
                inside = (year >= self.years[0]) & (year <= self.years[1])
            else:
                try:
                    y = int(batch.constants.get("year", 0))
                except ValueError:
                    y = 0
                inside = np.full(n, self.years[0] <= y <= self.years[1])
            valid = inside if valid is None else valid & inside
        if "unit" in rb.schema.names:
            u = rb.column("unit")
            if not pa.types.is_dictionary(u.type):
                u = pc.dictionary_encode(pc.cast(u, pa.string()))
            names = u.dictionary.to_pylist()
            ind = u.indices
            idx = (pc.fill_null(ind, len(names)) if ind.null_count else ind).to_numpy(zero_copy_only=False)
        else:
            names, idx = [batch.constants.get("unit")], np.zeros(n, np.int64)
        if valid is None:
            valid = np.ones(0, np.bool_)  # empty = every row
        sums, rows = tally_kernel(np.ascontiguousarray(idx), np.ascontiguousarray(amount), valid, len(names) + 1)
        self._merge(names, sums, rows)


@ngjit
def tally_kernel(idx, amount, valid, n_codes):
    """Sum ``amount`` per code ``idx`` over the rows where ``valid`` (all rows when it is empty)."""
    lanes = np.zeros((8, n_codes), np.float64)  # 8 accumulators break the add-latency chain
    rows = 0
    every = valid.shape[0] == 0
    for i in range(idx.shape[0]):
        if every or valid[i]:
            lanes[i & 7, idx[i]] += amount[i]
            rows += 1
    sums = np.zeros(n_codes, np.float64)
    for k in range(8):
        for c in range(n_codes):
            sums[c] += lanes[k, c]
    return sums, rows


def _close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= REL * max(abs(a), abs(b))


def _all_finite(df: pl.DataFrame, cols: list[str]) -> bool:
    """No null, NaN or infinity in ``cols`` (numpy on the buffers; the frames below only name a bad row)."""
    from .sums import all_finite

    return all(df[c].null_count() == 0 and all_finite(df[c].to_numpy()) for c in cols)


def _finite(cube: pl.DataFrame, emissions: pl.DataFrame) -> None:
    if _all_finite(cube, ["amount"]) and _all_finite(emissions, ["emissions_t", "co2e_t"]):
        return
    bad = cube.filter(~pl.col("amount").is_finite())
    if bad.height:
        r = bad.row(0, named=True)
        raise ValidationError(
            f"the activity amounts of {bad.height} cube cell(s) add up beyond the float range (first: year {r['year']}, "
            f"region {r['region']}, sector {r['sector']}, activity {r['activity']}, unit {r['unit']}: sum = {r['amount']})",
        )
    bad = emissions.filter(~pl.col("emissions_t").is_finite() | ~pl.col("co2e_t").is_finite())
    if bad.height:
        r = bad.row(0, named=True)
        raise ValidationError(
            f"{bad.height} emission value(s) overflow the float range (first: year {r['year']}, region {r['region']}, "
            f"sector {r['sector']}, activity {r['activity']}, gas {r['gas']}: {r['emissions_t']} t); "
            "an amount is implausibly large — check the activity data and its unit",
        )


def _shared_codes(inv: tuple[list, np.ndarray], em: tuple[list, np.ndarray]) -> np.ndarray:
    """Codes of two encoded columns (sorted distinct values, code per row) on the union of their
    values (equal strings, equal codes; null after the last value), concatenated."""
    vocab = sorted(set(inv[0]) | set(em[0]))
    at = {v: i for i, v in enumerate(vocab)}
    return np.concatenate([np.array([at[v] for v in vals] + [len(vocab)], np.int64)[c] for vals, c in (inv, em)])


_KEY_BITS = 62  # the widest packed key of _row_keys


def _row_keys(codes: list[np.ndarray], inv_cat: np.ndarray, inv_par: np.ndarray, em_cat: np.ndarray,
              n_cats: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One int64 per (year, region, scope, category, gas) of the inventory rows, of their parents and
    of the emission rows (equal keys, equal integers), ordered as those columns are: ``codes`` are
    year, region, scope and gas of the inventory rows followed by the emission rows; the
    categories are codes on ``n_cats`` values, -1 for none. A parent shares its row's year,
    region, scope and gas, so those are packed once per row; when the spans do not fit in 62
    bits, the keys are numbered (:func:`ghginv.core._frames.dense_ids`)."""
    ni = inv_cat.shape[0]
    head, (gas,) = codes[:3], codes[3:]
    spans = [(int(c.min()), int(c.max()) - int(c.min()) + 1) if c.size else (0, 1) for c in (*head, gas)]
    room = n_cats + 1
    for _, span in spans:
        room *= span
    if room >= 1 << _KEY_BITS:  # too wide for one int64 key
        parts = [np.concatenate([c[:ni], c[:ni], c[ni:]]) for c in (*head, None, gas) if c is not None]
        parts.insert(3, np.concatenate([inv_cat, inv_par, em_cat]))
        key = dense_ids(parts)[0]
        return key[:ni], key[ni:2 * ni], key[2 * ni:]
    packed = np.zeros(head[0].shape[0], np.int64)
    for c, (lo, span) in zip(head, spans):
        packed *= span
        packed += c - lo
    packed *= n_cats + 1
    lo_g, span_g = spans[3]
    g = gas - lo_g

    def key(base, cat, g):
        k = base + (cat + 1)  # -1 (no category) -> 0
        k *= span_g
        k += g
        return k

    return (key(packed[:ni], inv_cat, g[:ni]), key(packed[:ni], inv_par, g[:ni]), key(packed[ni:], em_cat, g[ni:]))


def _locator(sk: np.ndarray, order: np.ndarray, n_queries: int, table: bool | None = None):
    """``locate(q)``: for each int64 key of ``q`` the row ``order[i]`` of the sorted keys ``sk`` with
    ``sk[i] == q`` (the first such i), -1 where no key equals it.

    By a binary search (``numpy.searchsorted``), or — when the keys are distinct and their span is
    at most four times the keys and queries together (``table`` None: chosen so; True or False:
    forced, a table only where the keys are distinct) — by one gather from a table indexed by key,
    which gives the same rows."""
    n = sk.shape[0]
    if table is None:
        table = bool(n) and int(sk[-1]) - int(sk[0]) < 4 * (n + n_queries)
    lo = int(sk[0]) if n else 0
    at_key = None
    if table and n and (sk[1:] > sk[:-1]).all():
        # the last slot: keys outside the span; int32 rows (half the memory to touch) where they fit
        at_key = np.full(int(sk[-1]) - lo + 2, -1, np.int32 if n < 1 << 31 else np.int64)
        at_key[sk - lo] = order

    def locate(q: np.ndarray) -> np.ndarray:
        if not n:
            return np.full(q.shape[0], -1, np.int64)
        if at_key is not None:
            at = q - lo
            at[(at < 0) | (at >= at_key.size - 1)] = at_key.size - 1
            return at_key[at].astype(np.int64)
        pos = np.minimum(np.searchsorted(sk, q), n - 1)
        return np.where(sk[pos] == q, order[pos], -1)

    return locate


def rollup_links(emissions: pl.DataFrame, inventory: pl.DataFrame, codes: dict | None = None) -> dict[str, np.ndarray]:
    """Positions for the roll-up check, worked out from the keys alone (not from how the inventory
    was built): ``rows`` (the inventory rows with numbers); for the i-th of them its children
    (positions in ``rows``) ``child[child_starts[i]:child_starts[i + 1]]`` and the emission rows
    booked at its own category ``own[own_starts[i]:own_starts[i + 1]]``; ``missing``: the first
    emission row with no inventory row for its category, or -1.

    The keys (year, region, scope, category, gas) of the inventory rows, of each row's parent and
    of the emission rows are coded as integers on one shared vocabulary (:func:`_row_keys`) and
    looked up by a sorted search. ``codes``: the key columns as codes when the caller has them (``"inventory"``: region,
    scope, category and gas of every inventory row; ``"emissions"``: region, scope, sector and gas;
    each (sorted distinct values, code per row), :func:`ghginv.pipeline.aggregate.build_inventory`),
    else the string columns are encoded here. Codes only stand for equal keys, so the positions
    are the same either way."""
    keys = ["year", "region", "scope", "gas"]
    rows = np.flatnonzero(inventory["notation_key"].is_null().to_numpy())
    ni = rows.size
    if codes and codes["inventory"]["region"][1].size == inventory.height and codes["emissions"]["region"][1].size == emissions.height:
        ic, ec = codes["inventory"], codes["emissions"]
        inv_keys = {k: (ic[k][0], ic[k][1][rows]) for k in ("region", "scope", "gas", "category")}
        em_keys = {k: ec[k] for k in ("region", "scope", "gas")}
        sectors, sector_codes = ec["sector"]
    else:
        inv = inventory.select(*keys[1:], "category")[rows]
        inv_keys = {k: encode(inv[k]) for k in (*keys[1:], "category")}
        em_keys = {k: encode(emissions[k]) for k in keys[1:]}
        sectors, sector_codes = encode(emissions["sector"])
    codes = [np.concatenate([inventory["year"].to_numpy()[rows], emissions["year"].to_numpy()]).astype(np.int64)]
    codes += [_shared_codes(inv_keys[k], em_keys[k]) for k in keys[1:]]
    # categories and parents (level 1 -> TOTAL, 1.A.4.b -> 1.A.4) on one vocabulary
    cats, cat_codes = inv_keys["category"]
    strip = {c: c.rsplit(".", 1)[0] for c in cats}
    vocab = sorted(set(cats) | set(strip.values()) | {"TOTAL"} | set(sectors))
    at = {c: i for i, c in enumerate(vocab)}
    inv_cat = np.array([at[c] for c in cats] + [-1], np.int64)[cat_codes]  # -1: null (no category)
    stripped = np.full(len(vocab), -1, np.int64)
    for c in cats:
        stripped[at[c]] = at[strip[c]]
    level = inventory["level"].to_numpy()[rows]
    inv_par = np.where(level == 1, at["TOTAL"], np.where(level == 0, -1, stripped[inv_cat]))
    em_cat = np.array([at[c] for c in sectors] + [-1], np.int64)[sector_codes]
    k_inv, k_par, k_em = _row_keys(codes, inv_cat, inv_par, em_cat, len(vocab))
    if ni and (k_inv[1:] >= k_inv[:-1]).all():  # the inventory's own order (year, region, scope, category, gas)
        order, sk = np.arange(ni), k_inv
    else:
        order = np.argsort(k_inv, kind="stable")
        sk = k_inv[order]

    locate = _locator(sk, order, k_par.shape[0] + k_em.shape[0])

    from ..kernels.rollup import csr

    parent = locate(k_par)
    parent[inv_par < 0] = -1
    own = locate(k_em)
    child_starts, child = csr(parent, ni)
    own_starts, own_rows = csr(own, ni)
    lost = np.flatnonzero(own < 0)
    return {"rows": rows, "child_starts": child_starts, "child": child, "own_starts": own_starts, "own": own_rows,
            "missing": np.array([lost[0] if lost.size else -1], np.int64)}


def check_rollup(links: dict[str, np.ndarray], emissions: pl.DataFrame, inventory: pl.DataFrame,
                 values: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """Every inventory value = Σ its direct children + the emissions booked at that category
    (``links`` from :func:`rollup_links`), to 1e-9 relative; children and own emissions are added
    into the rows they belong to by position (:func:`ghginv.pipeline.sums.rollup_check`).
    ``values``: (inventory co2e_t, emissions co2e_t) as arrays when the caller has them."""
    from .sums import rollup_check

    rows = links["rows"]
    inv_value, em_value = values if values is not None else (inventory["co2e_t"].to_numpy(), emissions["co2e_t"].to_numpy())
    bad, first, total = rollup_check(links, inv_value, em_value, REL)
    missing = int(links["missing"][0])
    if bad:
        r = inventory.row(int(rows[first]), named=True)
        raise ConservationError(
            f"internal check failed: roll-up of category {r['category']} ({r['year']}, {r['region']}, {r['scope']}, "
            f"{r['gas']}) is {r['co2e_t']!r} t CO2e but its parts sum to {float(total[first])!r} ({bad} such rows); "
            "no output was written — please report this as a ghginv bug",
        )
    if missing >= 0:
        r = emissions.row(missing, named=True)
        raise ConservationError(
            f"internal check failed: emissions of sector {r['sector']} ({r['year']}, {r['region']}, {r['scope']}, {r['gas']}) "
            "are missing from the inventory; no output was written — please report this as a ghginv bug",
        )
    return {"ok": True, "rows_checked": int(rows.size)}


def exact_sums(x: np.ndarray, group: np.ndarray, n_groups: int) -> list[float | None]:
    """The exactly rounded sum of the finite float64 values ``x`` of each group (``math.fsum``'s
    result, without a Python float per value); None for a group without values.

    The exact sum of each group is an integer times a power of two
    (:func:`ghginv.core.exactsum.exact_group_sums`), rounded once (half to even, as ``math.fsum``).
    A group whose exact sum is zero (its sign) or beyond the float range is summed by ``math.fsum``
    itself.

    Parameters
    ----------
    x, group, n_groups : numpy.ndarray, numpy.ndarray, int
        As :func:`ghginv.core.exactsum.exact_group_sums`: the finite float64 values [any unit], the
        group of each (``0 .. n_groups - 1``) and the number of groups.

    Returns
    -------
    list of float or None
        Per group, the sum [unit of ``x``].
    """
    x = np.ascontiguousarray(x, np.float64)
    group = np.asarray(group, np.int64)
    count = np.bincount(group, minlength=n_groups)
    totals, scale = exact_group_sums(x, group, n_groups)
    out: list[float | None] = [None] * n_groups
    for g in np.flatnonzero(count).tolist():
        try:
            if totals[g] == 0:
                raise OverflowError  # the sign of a zero sum: as math.fsum gives it
            out[g] = round_exact(totals[g], scale)
        except OverflowError:
            out[g] = math.fsum(x[group == g])
    return out


def _sums_per_unit(cells: pl.DataFrame, unit: tuple[list, np.ndarray] | None = None) -> dict[str, float]:
    """Exactly rounded sum (``math.fsum``) of the cube amounts per unit (:func:`exact_sums`); ``unit``: the
    cells' unit column as :func:`~ghginv.core._frames.encode` gives it, when known (:attr:`ghginv.pipeline.cube.Cube.codes`)."""
    if not cells.height:
        return {}
    names, code = unit if unit is not None and unit[1].size == cells.height else encode(cells["unit"])
    sums = exact_sums(cells["amount"].to_numpy(), code, len(names) + 1)  # a null unit: the last group
    return {u: s for u, s in zip(names, sums) if s is not None}


def run_checks(cube, emissions: pl.DataFrame, inventory: pl.DataFrame, tally: InputTally | None,
               links: dict[str, np.ndarray] | None = None, values: tuple[np.ndarray, np.ndarray] | None = None,
               codes: dict | None = None) -> dict:
    """Run every check; raise on failure; return the manifest's ``checks`` section.

    Parameters
    ----------
    cube : Cube
        The activity cube (cells and notation rows).
    emissions : polars.DataFrame
        The emission rows, with emissions_t [t gas] and co2e_t [t CO2e].
    inventory : polars.DataFrame
        The rolled-up inventory.
    tally : InputTally or None
        The input sums per unit taken while the activity rows streamed, or None (cube reused, dask
        engine, sink data only): the input = cube check is then not run.
    links : dict of str to numpy.ndarray, optional
        The roll-up check's positions (:func:`rollup_links`) when known — a recompute that keeps a
        run's structure reuses them; otherwise they are worked out here and stored in ``links`` if it
        is an empty dict.
    values : tuple of (numpy.ndarray, numpy.ndarray), optional
        (inventory co2e_t, emissions co2e_t) [t CO2e] as arrays when the caller has them (see
        :func:`check_rollup`).
    codes : dict, optional
        The inventory's and the emission rows' key columns as integer codes, as
        :func:`ghginv.pipeline.aggregate.build_inventory` gives them (its ``codes``), for working out
        the links without encoding the string columns again (:func:`rollup_links`).

    Returns
    -------
    dict
        The ``checks`` section: ``input_equals_cube``, ``finite``, ``rollup``, ``notation_keys``.

    Raises
    ------
    ConservationError
        When the input sums per unit or row count differ from the cube's, or the roll-up does not
        add up.
    ValidationError
        When a cube amount or an emission is not finite.
    """
    cells = cube.cells
    _finite(cells, emissions)
    out: dict = {}
    if tally is None:
        out["input_equals_cube"] = {"ok": None, "note": "not run: no activity data were streamed by this process (cube reused, dask engine, or sink data only)"}
    else:
        # exactly rounded sums of the cube cells (math.fsum): independent of the thread count
        cube_sums = _sums_per_unit(cells, (getattr(cube, "codes", None) or {}).get("unit"))  # the cube's codes, when it has them
        cube_rows = int(cells["n_rows"].sum()) if cells.height else 0
        units = sorted(set(cube_sums) | {u for u, s in tally.sums.items() if s != 0.0})
        per_unit = {u: {"input": tally.sums.get(u, 0.0), "cube": cube_sums.get(u, 0.0)} for u in units}
        bad = [u for u, v in per_unit.items() if not _close(v["input"], v["cube"])]
        if bad or tally.rows != cube_rows:
            u = bad[0] if bad else None
            detail = (f"unit {u!r}: input {per_unit[u]['input']!r}, cube {per_unit[u]['cube']!r}" if u else
                      f"input rows {tally.rows}, cube rows {cube_rows}")
            raise ConservationError(
                f"internal check failed: activity amounts going in differ from the sums in the cube ({detail}); "
                "no output was written — please report this as a ghginv bug",
            )
        out["input_equals_cube"] = {"ok": True, "rows": tally.rows, "sum_per_unit": {u: v["cube"] for u, v in per_unit.items()}}
    out["finite"] = {"ok": True}
    if not links:
        found = rollup_links(emissions, inventory, codes)
        if links is not None:
            links.update(found)
        links = found
    out["rollup"] = check_rollup(links, emissions, inventory, values)
    nk = cube.notation
    out["notation_keys"] = {
        "rows": int(cube.stats.get("rows_notation", 0)),
        "categories": int(nk.height),
        "by_key": {k: int(v) for k, v in nk.group_by("notation_key").len().sort("notation_key").iter_rows()} if nk.height else {},
    }
    return out
