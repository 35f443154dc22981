"""Validate: check every activity batch against the data contract, collecting every problem.

Checks run on dictionary values (a few distinct strings per batch) and on vectorised masks; row
numbers are looked up only for the values that fail. Nothing is raised while streaming: the
problems are gathered (grouped by file, column and kind, with the first rows and a count) and
raised together as one :class:`~ghginv.core.errors.ValidationError` after the last batch.

Contract (see README "Activity data"): ``year`` integer; ``region``, ``sector`` (an IPCC 2006
category code), ``activity`` (known to a factor set of the run), ``unit`` (a known unit) non-empty
strings; ``amount`` finite and ≥ 0, or null together with a ``notation_key`` in NO, NE, NA, IE, C.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from ..core import categories
from ..core.errors import Problem, UnitError, ValidationError
from ..core.units import parse_unit
from .load import Batch

__all__ = ["Codebook", "BatchValidator", "NOTATION_KEYS", "ValidRows", "inexact_integers"]

NOTATION_KEYS = {
    "NO": "not occurring",
    "NE": "not estimated",
    "NA": "not applicable",
    "IE": "included elsewhere",
    "C": "confidential",
}
MAX_ROWS_SHOWN = 5


_EXACT = 1 << 53  # every integer of at most this magnitude is a float64


def inexact_integers(col: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """Rows of an integer ``amount`` column whose value no 64-bit float holds exactly.

    Integers up to 2^53 in magnitude convert exactly; above, only some do (2^53 + 1 does not).
    Such an amount would change in the conversion (Arrow's safe cast refuses it with a traceback).

    Parameters
    ----------
    col : pyarrow.Array or pyarrow.ChunkedArray
        The ``amount`` column of a batch (any type).

    Returns
    -------
    numpy.ndarray of bool or None
        A mask of the rows that do not convert exactly; None when every row does (or the column is
        not of an integer type).
    """
    import pyarrow.compute as pc  # imported when used: ~0.05 s at start-up
    t = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
    if not pa.types.is_integer(t) or t.bit_width < 64:
        return None
    if pa.types.is_dictionary(col.type):
        col = pc.cast(col, t)
    a = pc.fill_null(col, 0).to_numpy(zero_copy_only=False)
    big = (a > _EXACT) if pa.types.is_unsigned_integer(t) else ((a > _EXACT) | (a < -_EXACT))
    if not big.any():
        return None
    idx = np.nonzero(big)[0]
    bad = np.array([int(float(v)) != int(v) for v in a[idx].tolist()], bool)  # the few huge values only
    if not bad.any():
        return None
    mask = np.zeros(a.size, bool)
    mask[idx[bad]] = True
    return mask


class Codebook:
    """Global dictionary: string value -> small integer code, in order of first appearance."""

    def __init__(self):
        self.index: dict[str, int] = {}
        self.values: list[str] = []

    def code(self, value: str) -> int:
        c = self.index.get(value)
        if c is None:
            c = len(self.values)
            self.index[value] = c
            self.values.append(value)
        return c

    def __len__(self):
        return len(self.values)


@dataclass
class _Issue:
    message: str
    hint: str | None
    example: object = None  # the first offending value, when the message does not name it
    count: int = 0
    rows: list[int] = field(default_factory=list)


@dataclass
class ValidRows:
    """The rows of one batch that pass, as code arrays ready for the cube."""

    year: np.ndarray
    region: np.ndarray
    sector: np.ndarray
    activity: np.ndarray
    unit: np.ndarray
    entity: np.ndarray
    amount: np.ndarray


def _as_dictionary(arr: pa.Array) -> pa.DictionaryArray:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        return arr
    import pyarrow.compute as pc  # imported when used: ~0.05 s at start-up

    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    return pc.dictionary_encode(arr)


class BatchValidator:
    """Checks batches and turns them into code arrays; remembers every problem."""

    def __init__(self, known_activities: set[str], years: tuple[int, int] | None, regions: tuple[str, ...] | None, keep_entity: bool):
        self.known_activities = known_activities
        self.years = years
        self.regions = set(regions) if regions else None
        self.keep_entity = keep_entity
        self.books = {c: Codebook() for c in ("region", "sector", "activity", "unit", "entity")}
        self._value_ok: dict[tuple[str, str], str | None] = {}
        self.issues: dict[tuple, _Issue] = {}
        self.notation_rows: list[dict] = []
        self.rows_read = 0
        self.rows_outside_years = 0
        self.rows_notation = 0

    # -- problems --------------------------------------------------------------------------
    def _add(self, file, column, message, rows: np.ndarray, first_row: int, hint=None, example=None):
        key = (str(file), column, message)
        issue = self.issues.get(key)
        if issue is None:
            issue = self.issues[key] = _Issue(message, hint, example)
        issue.count += int(rows.size)
        room = MAX_ROWS_SHOWN - len(issue.rows)
        if room > 0:
            issue.rows.extend(int(r) + first_row for r in rows[:room])

    def problems(self) -> list[Problem]:
        out = []
        for (file, column, _), iss in self.issues.items():
            shown = ", ".join(str(r) for r in iss.rows)
            more = f" and {iss.count - len(iss.rows)} more" if iss.count > len(iss.rows) else ""
            first = f" (first value: {iss.example!r})" if iss.example is not None else ""
            msg = f"{iss.message}{first} — row{'s' if iss.count > 1 else ''} {shown}{more}"
            out.append(Problem(msg, file=file, column=column, hint=iss.hint))
        return out

    def raise_if_problems(self):
        if self.issues:
            raise ValidationError("activity data break the data contract; nothing was computed", self.problems())

    # -- value checks (once per distinct value) -------------------------------------------------
    def _check_value(self, column: str, value: str | None) -> str | None:
        """None if the value is fine, else the message for it."""
        key = (column, value)
        if key in self._value_ok:
            return self._value_ok[key]
        msg = None
        if value is None or not str(value).strip():
            msg = f"{column} is empty"
        elif column == "sector":
            if not categories.is_category(value):
                near = categories.suggest(value)
                msg = f"unknown IPCC 2006 category {value!r}" + (f" (did you mean {', '.join(near)}?)" if near else "")
        elif column == "activity":
            if value not in self.known_activities:
                near = difflib.get_close_matches(value, sorted(self.known_activities), n=3)
                msg = f"unknown activity {value!r}: no factor set of the run knows it" + (
                    f" (did you mean {', '.join(near)}?)" if near else ""
                )
        elif column == "unit":
            if "/" in value:
                msg = f"unit {value!r} is a ratio, not a quantity of activity"
                self._value_ok[key] = msg
                return msg
            try:
                if parse_unit(value).dimension == "ratio":
                    msg = f"unit {value!r} is not a quantity of activity"
            except UnitError as e:
                msg = e.summary
        elif column == "region":
            if self.regions is not None and value not in self.regions:
                msg = f"unknown region {value!r}: not in [inventory] regions"
        elif column == "notation_key":
            if value not in NOTATION_KEYS:  # exactly: ' NO ' or 'no' is refused, as a sector or unit with spaces is
                msg = f"unknown notation key {value!r}; use one of {', '.join(NOTATION_KEYS)}"
        self._value_ok[key] = msg
        return msg

    def _codes(self, batch: Batch, column: str, book: Codebook | None) -> tuple[np.ndarray, list]:
        """Per-row global codes (-1 where the value fails) and the batch's dictionary values."""
        import pyarrow.compute as pc  # imported when used: ~0.05 s at start-up
        rb = batch.data
        n = rb.num_rows
        if column in rb.schema.names:
            d = _as_dictionary(rb.column(column))
            values = d.dictionary.to_pylist()
            idx = pc.fill_null(d.indices, len(values)).to_numpy(zero_copy_only=False).astype(np.int64)
        else:
            values = [batch.constants[column]]
            idx = np.zeros(n, np.int64)
        lut = np.full(len(values) + 1, -1, np.int64)
        for i, v in enumerate(values):
            msg = self._check_value(column, v)
            if msg is None:
                lut[i] = book.code(v) if book is not None else i
        optional = column in ("notation_key", "entity_id")
        bad = lut == -1
        if not optional:
            bad[-1] = True  # null
        else:
            bad[-1] = False
        codes = lut[idx]
        if bad.any() and not optional:
            bad_idx = np.nonzero(bad[idx])[0]
            if bad_idx.size:
                sub = idx[bad_idx]
                for j in np.unique(sub):
                    v = values[j] if j < len(values) else None
                    msg = self._check_value(column, v)
                    self._add(batch.file, column, msg, bad_idx[sub == j], batch.first_row, self._hint(column))
        return codes, values

    @staticmethod
    def _hint(column: str) -> str | None:
        return {
            "activity": "use an activity code of the factor sets (see ghginv/data/factor_sets/README.md) or add a factor set for it",
            "sector": "use a dotted IPCC 2006 code such as 1.A.4.b",
            "unit": "use a unit of the data contract, e.g. t, 10^4 t, m^3, 10^4 m^3, kWh, 10^4 kWh, GJ, tce",
        }.get(column)

    # -- one batch -------------------------------------------------------------------------------
    def process(self, batch: Batch) -> ValidRows | None:
        import pyarrow.compute as pc  # imported when used: ~0.05 s at start-up
        rb = batch.data
        n = rb.num_rows
        self.rows_read += n
        first = batch.first_row
        ok = np.ones(n, bool)

        # year
        if "year" in rb.schema.names:
            ycol = rb.column("year")
            ynull = ycol.is_null().to_numpy(zero_copy_only=False)
            year = pc.fill_null(ycol, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        else:
            try:
                y = int(batch.constants["year"])
            except ValueError:
                y = -1
            year = np.full(n, y, np.int64)
            ynull = np.zeros(n, bool)
        ybad = ynull | (year < 1900) | (year > 2155)
        if "year" not in rb.schema.names and year.size and year[0] == -1:
            self._add(batch.file, "year", "year folder is not an integer", np.arange(n), first,
                      "name partition folders year=YYYY", example=batch.constants["year"])
            ok[:] = False
        elif ybad.any():
            rows = np.nonzero(ybad)[0]
            if ynull[rows].any():
                self._add(batch.file, "year", "year is empty", rows[ynull[rows]], first, "give the inventory year as an integer such as 2022")
            impl = rows[~ynull[rows]]
            if impl.size:
                self._add(batch.file, "year", "implausible year (expected 1900–2155)", impl, first,
                          "give the inventory year as an integer such as 2022", example=int(year[impl[0]]))
            ok &= ~ybad
        for key, pval in batch.partitions.items():
            if key in rb.schema.names and key in ("year", "region", "sector", "activity", "unit"):
                col = pc.cast(rb.column(key), pa.string()) if key != "year" else pc.cast(rb.column(key), pa.int64())
                want = pval if key != "year" else (int(pval) if pval.lstrip("-").isdigit() else None)
                if want is None:
                    continue
                diff = pc.fill_null(pc.not_equal(col, pa.scalar(want, col.type)), False).to_numpy(zero_copy_only=False)
                if diff.any():
                    rows = np.nonzero(diff)[0]
                    self._add(batch.file, key, f"{key} column disagrees with the folder {key}={pval}", rows, first,
                              "the partition folder and the column must agree", example=col[int(rows[0])].as_py())
                    ok &= ~diff

        region, _ = self._codes(batch, "region", self.books["region"])
        sector, _ = self._codes(batch, "sector", self.books["sector"])
        activity, _ = self._codes(batch, "activity", self.books["activity"])
        unit, _ = self._codes(batch, "unit", self.books["unit"])
        for codes in (region, sector, activity, unit):
            ok &= codes >= 0

        # amount and notation keys
        acol = rb.column("amount")
        inexact = inexact_integers(acol)
        if inexact is not None:
            rows = np.nonzero(inexact)[0]
            self._add(batch.file, "amount", "integer amount too large to be represented exactly as a 64-bit float "
                      "(above 2^53 = 9007199254740992)", rows, first,
                      "check the value; give huge amounts in a larger unit (e.g. 10^4 t) or as floating-point numbers",
                      example=acol[int(rows[0])].as_py())
            ok &= ~inexact
        if not pa.types.is_floating(acol.type):
            acol = pc.cast(acol, pa.float64(), safe=False)  # exact for every row not refused just above
        anull = acol.is_null().to_numpy(zero_copy_only=False)
        amount = pc.fill_null(acol, 0.0).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        has_nk = np.zeros(n, bool)
        if "notation_key" in rb.schema.names:
            nk_codes, nk_values = self._codes(batch, "notation_key", None)
            nk_col = rb.column("notation_key")
            has_nk = nk_col.is_valid().to_numpy(zero_copy_only=False) & (
                pc.fill_null(pc.utf8_length(pc.utf8_trim_whitespace(pc.cast(nk_col, pa.string()))), 0).to_numpy(zero_copy_only=False) > 0
            )
            badnk = has_nk & (nk_codes < 0)
            if badnk.any():
                rows = np.nonzero(badnk)[0]
                vals = pc.take(pc.cast(nk_col, pa.string()), pa.array(rows)).to_pylist()
                for v in sorted(set(vals)):
                    sel = rows[np.array([x == v for x in vals])]
                    near = v.strip().upper()
                    hint = (f"write {near!r} exactly, without spaces" + (" and in capitals" if v.strip() != near else "")
                            if near in NOTATION_KEYS else f"use one of {', '.join(NOTATION_KEYS)} with an empty amount")
                    self._add(batch.file, "notation_key", f"unknown notation key {v!r}", sel, first, hint)
                ok &= ~badnk
            both = has_nk & ~anull
            if both.any():
                self._add(batch.file, "amount", "row has both an amount and a notation key", np.nonzero(both)[0], first,
                          "a notation key (NO, NE, NA, IE, C) goes with an empty amount")
                ok &= ~both
            nk_rows = has_nk & anull & ok
            if nk_rows.any():
                self._collect_notation(batch, nk_rows, year, region, sector, activity, nk_codes, nk_values)
            ok &= ~has_nk
        empty = anull & ~has_nk
        if empty.any():
            self._add(batch.file, "amount", "amount is empty", np.nonzero(empty)[0], first,
                      "give a number, or leave it empty with a notation key (NO, NE, NA, IE, C)")
            ok &= ~empty
        nan = ~anull & np.isnan(amount)
        if nan.any():
            self._add(batch.file, "amount", "amount is NaN", np.nonzero(nan)[0], first, "give a finite number ≥ 0")
            ok &= ~nan
        inf = np.isinf(amount)
        if inf.any():
            self._add(batch.file, "amount", "amount is infinite", np.nonzero(inf)[0], first, "give a finite number ≥ 0")
            ok &= ~inf
        neg = amount < 0
        if neg.any():
            rows = np.nonzero(neg)[0]
            self._add(batch.file, "amount", "amount is negative", rows, first,
                      "amounts are ≥ 0; removals and signs come from methods, not data", example=float(amount[rows[0]]))
            ok &= ~neg

        if self.years is not None:
            inside = (year >= self.years[0]) & (year <= self.years[1])
            self.rows_outside_years += int(np.count_nonzero(ok & ~inside))
            ok &= inside

        if self.keep_entity and "entity_id" in rb.schema.names:
            entity, _ = self._codes(batch, "entity_id", self.books["entity"])
            entity = np.maximum(entity, -1) + 1  # 0 = no entity (null)
        else:
            entity = np.zeros(n, np.int64)

        if self.issues or not ok.any():
            return None  # no cube work once the run is known to fail
        if ok.all():
            return ValidRows(year, region, sector, activity, unit, entity, amount)
        return ValidRows(year[ok], region[ok], sector[ok], activity[ok], unit[ok], entity[ok], amount[ok])

    def _collect_notation(self, batch, rows_mask, year, region, sector, activity, nk_codes, nk_values):
        idx = np.nonzero(rows_mask)[0]
        self.rows_notation += idx.size
        b = self.books
        for i in idx:
            self.notation_rows.append(
                {
                    "year": int(year[i]),
                    "region": b["region"].values[region[i]],
                    "sector": b["sector"].values[sector[i]],
                    "activity": b["activity"].values[activity[i]],
                    "notation_key": nk_values[nk_codes[i]],
                }
            )
