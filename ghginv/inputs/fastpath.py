"""Fast path of the cube stage: one fused kernel pass per batch, no per-row Python or numpy work.

For a batch whose columns have no nulls (the common case), :class:`FastPath` hands the raw
Arrow buffers — dictionary indices of region, sector, activity, unit (and entity_id), the
amounts and the years — to :func:`ghginv.kernels.cube.batch_append`, together with one small
lookup table per column that maps the batch's dictionary index to the global code (or -1 when
the value fails its check). The lookup tables are built from the dictionary values only (a few
hundred strings per batch, reused while a file keeps the same dictionary), with the same
checks as :class:`~ghginv.inputs.validate.BatchValidator`.

When the kernel meets a bad row, or a batch is not eligible (nulls, notation keys, a partition
folder that repeats a column, a year folder that is not a number), the batch goes through
:meth:`BatchValidator.process`, which names every bad row exactly as before. Rows added by the
kernel before it stopped do not matter: such a run fails, and no cube is returned.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .load import Batch, check_batch_light
from .validate import BatchValidator, _as_dictionary, inexact_integers

__all__ = ["FastPath", "FastBatch"]

_ONE = np.zeros(1, np.int32)  # index array of a column constant in the batch (step 0)
_KEYCOLS = ("region", "sector", "activity", "unit")
_NO_YEARS = (-(1 << 62), 1 << 62)


class FastBatch:
    """Arguments of :func:`batch_append` for one batch (after ``n_used``/``start``)."""

    __slots__ = ("n", "entity", "years", "y_step", "y_lo", "y_hi", "idx", "steps", "luts", "amount", "unit_names")

    def args(self):
        return (self.years, self.y_step, self.y_lo, self.y_hi, *self.idx, self.steps, *self.luts, self.amount)


class FastPath:
    """Prepare batches for the fused kernel, with lookup tables cached per dictionary."""

    def __init__(self, validator: BatchValidator):
        self.v = validator
        self._cache: dict[str, tuple[pa.Array, np.ndarray, list]] = {}
        self._const: dict[tuple[str, str], tuple[np.ndarray, list]] = {}

    def _lut(self, column: str, py: list, entity: bool = False) -> np.ndarray:
        v = self.v
        book = v.books["entity" if entity else column]
        lut = np.full(len(py), -1, np.int64)
        for i, s in enumerate(py):
            if entity:
                lut[i] = 0 if s is None or not str(s).strip() else book.code(s) + 1  # as the slow path
            elif s is not None and v._check_value(column, s) is None:
                lut[i] = book.code(s)
        return lut

    def _column(self, batch: Batch, column: str, entity: bool = False):
        """(indices, step, lut, values) of one key column, or None when the batch is not eligible."""
        rb = batch.data
        if column not in rb.schema.names:
            if entity:
                return _ONE, 0, np.zeros(1, np.int64), [None]
            value = batch.constants[column]
            hit = self._const.get((column, value))
            if hit is None:
                hit = self._const[(column, value)] = (self._lut(column, [value]), [value])
            return _ONE, 0, *hit
        arr = rb.column(column)
        if arr.null_count:
            return None
        d = _as_dictionary(arr)
        hit = self._cache.get(column)
        if hit is None or not (hit[0] is d.dictionary or hit[0].equals(d.dictionary)):
            py = d.dictionary.to_pylist()
            hit = self._cache[column] = (d.dictionary, self._lut(column, py, entity), py)
        idx = d.indices.to_numpy(zero_copy_only=False)
        if idx.dtype != np.int32:
            idx = idx.astype(np.int32)
        return idx, 1, hit[1], hit[2]

    def prepare(self, batch: Batch) -> FastBatch | None:
        """Kernel arguments for ``batch``, or None when it must take the slow path.

        Checks the batch's structure first (:func:`~ghginv.inputs.load.check_batch_light`): a damaged
        page raises :class:`~ghginv.core.errors.InputFileError` before any buffer is read."""
        check_batch_light(batch)
        rb = batch.data
        names = rb.schema.names
        if any(k in names for k in batch.partitions if k in ("year", *_KEYCOLS)):
            return None
        if "notation_key" in names and rb.column("notation_key").null_count < rb.num_rows:
            return None
        fb = FastBatch()
        fb.n = rb.num_rows
        if "year" in names:
            ycol = rb.column("year")
            if ycol.null_count:
                return None
            fb.years = ycol.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
            fb.y_step = 1
        else:
            text = batch.constants["year"]
            if not text.lstrip("-").isdigit():
                return None
            fb.years, fb.y_step = np.array([int(text)], np.int64), 0
        fb.y_lo, fb.y_hi = self.v.years if self.v.years is not None else _NO_YEARS
        acol = rb.column("amount")
        if acol.null_count:
            return None
        if acol.type != pa.float64():
            if inexact_integers(acol) is not None:
                return None  # the slow path names the rows
            import pyarrow.compute as pc  # imported when used: ~0.05 s at start-up

            acol = pc.cast(acol, pa.float64(), safe=False)
        fb.amount = acol.to_numpy(zero_copy_only=False)
        idx, steps, luts = [], [], []
        cols = [(c, False) for c in _KEYCOLS]
        fb.entity = self.v.keep_entity and "entity_id" in names
        cols.append(("entity_id", True))
        for column, entity in cols:
            got = self._column(batch, column, entity) if (not entity or fb.entity) else (_ONE, 0, np.zeros(1, np.int64), [None])
            if got is None:
                return None
            idx.append(got[0])
            steps.append(got[1])
            luts.append(got[2])
            if column == "unit":
                fb.unit_names = got[3]  # the conservation tally's names, per raw unit index
        fb.idx, fb.steps, fb.luts = idx, np.array(steps, np.int64), luts
        return fb
