"""A finished run read back from its folder: manifest, cached cube (verified), notation keys,
factor-set snapshot, kept positions and output tables — what recompute, diff, scenarios and the
uncertainty of a run start from."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..core.config import RunConfig
from ..core.csv_cells import restore_formulas
from ..core.errors import InputFileError
from ..pipeline.cube import Cube
from ..runfolder import SameFile, read_manifest, verified_factor_sets, verified_same_file

__all__ = ["RunFolder", "load_run"]

_NOTATION_SCHEMA = {"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "notation_key": pl.String}


@dataclass
class RunFolder:
    """A finished run read back from its folder."""

    path: Path
    manifest: dict
    cube: Cube
    set_paths: list[Path]  # the snapshot copies, in the run's order
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def config(self) -> dict:
        """The run's config as recorded in its manifest (:meth:`ghginv.core.config.RunConfig.to_dict`)."""
        return self.manifest["config"]

    def run_config(self) -> RunConfig:
        """The run's config as a :class:`~ghginv.core.config.RunConfig` (:meth:`~ghginv.core.config.RunConfig.from_dict`)."""
        return RunConfig.from_dict(self.config)

    def frame(self, name: str) -> pl.DataFrame:
        """An output table of the run (read once, then kept), one chunk per column (:func:`_read`): the
        recompute adds its new values to these tables as columns."""
        if name not in self._cache:
            self._cache[name] = _read(self.path / name)
        return self._cache[name]

    def has_frame(self, name: str) -> bool:
        """Whether output table ``name`` was read by :meth:`frame` and is still kept (not released)."""
        return name in self._cache

    def plan(self):
        """The run's kept positions (:class:`ghginv.pipeline.positions.RecomputePlan`), verified against the
        manifest's sha256, or None when the run has none (or from another format version)."""
        if "plan" not in self._cache:
            from ..pipeline.positions import PLAN_FILE, load_plan

            same = self.same_file(PLAN_FILE)
            self._cache["plan"] = load_plan(same.path) if same is not None else None
        return self._cache["plan"]

    def same_file(self, name: str) -> SameFile | None:
        """Output ``name`` of the run verified against the manifest's sha256 (once), with what a
        copy of its bytes into a new run needs (:func:`ghginv.runfolder.copy_unchanged`); None when
        the run has no such output."""
        key = ("same", name)
        if key not in self._cache:
            self._cache[key] = verified_same_file(self.path, self.manifest, name)
        return self._cache[key]

    def verified_frame(self, name: str, read: bool = True) -> pl.DataFrame | None:
        """Output table ``name`` of the run, verified against the manifest's sha256 (read once, then
        kept); None when the run has no such output (or, with ``read=False``, when it was not read yet)."""
        key = ("verified", name)
        if key not in self._cache:
            if not read:
                return None
            same = self.same_file(name)
            self._cache[key] = pl.read_parquet(same.path) if same is not None else None
        return self._cache[key]

    def release_frames(self) -> None:
        """Drop the output tables read so far (:meth:`frame`, :meth:`verified_frame`); the manifest, the cube,
        the kept positions, the factor sets and the verified files stay. A recompute that opened the folder
        itself has its recalculation call it once the four states are summed, before their roll-up
        (:func:`ghginv.rerun.recalc.recalculation_tables`): the new run's frames share most of their columns,
        the rest (the old values, about 240 MB at 1.2 M cube cells) is not held through the writing. A table
        asked for again is read again. The kept positions' pages of the memory-mapped ``recompute_index.bin``
        (~145 MB at 1.2 M cube cells) leave the process's resident memory too (``madvise(MADV_DONTNEED)``):
        the plan stays usable, its pages are read again from the page cache when touched."""
        for key in [k for k, v in self._cache.items() if isinstance(v, pl.DataFrame)]:
            del self._cache[key]
        self.release_plan_pages()

    def release_plan_pages(self) -> None:
        """Give back the resident pages of the kept positions read so far (the memory-mapped ``recompute_index.bin``,
        ``madvise(MADV_DONTNEED)``): the plan stays usable, a later read of an array faults its pages in again from
        the page cache (the same bytes). A recompute that opened the folder itself calls it once the stages have read
        the positions and again once the recalculation has (~130 MiB less at 1.2 M cube cells while the
        recalculation's states are summed). Nothing happens without a plan read."""
        plan = self._cache.get("plan")
        if plan is not None:  # its arrays stay valid: their pages come back from the page cache when read again
            _drop_mapped_pages(plan)

    def factor_sets(self) -> list:
        """The run's factor sets as it used them, loaded from its snapshot (once, then kept)."""
        if "sets" not in self._cache:
            from ..factors import load_factor_set

            self._cache["sets"] = [load_factor_set(p) for p in self.set_paths]
        return self._cache["sets"]


def _read(path: Path) -> pl.DataFrame:
    """A table of the run with one chunk per column (the reader gives one per row group). A frame whose
    columns are chunked apart from a column added to it later (the recompute's new values: one chunk) is
    copied whole by polars at each select or filter on it — at 1.2 M cube cells ~300 MiB more at every
    such step of the recompute, its recalculation and its reports; joined here column by column, so only
    one column is held twice at a time."""
    df = pl.read_parquet(path)
    if all(s.n_chunks() == 1 for s in df.iter_columns()):
        return df
    return pl.DataFrame([df.drop_in_place(c).rechunk() for c in df.columns])


def _drop_mapped_pages(plan) -> None:
    """Give back the resident pages of the read-only memory map that the arrays of ``plan`` (a
    :class:`ghginv.pipeline.positions.RecomputePlan` read by :func:`ghginv.pipeline.positions.load_plan`)
    view, without unmapping it: a later read of an array faults its pages in again from the page cache
    (same bytes). Nothing happens for arrays that are not memory-mapped or where ``madvise`` is missing."""
    import mmap

    advice = getattr(mmap, "MADV_DONTNEED", None)
    arrays = [plan.meta, *plan.em.values(), *plan.links.values(), *plan.rollup.arrays().values()]
    maps = {id(m): m for m in (getattr(a, "_mmap", None) for a in arrays) if isinstance(m, mmap.mmap)}
    for m in maps.values() if advice is not None else ():
        try:
            m.madvise(advice)
        except (OSError, ValueError):  # a closed map or a refused call: the pages stay, nothing else changes
            pass


def load_run(run_dir: str | os.PathLike) -> RunFolder:
    """Read a finished run folder once, to recompute it (or evaluate scenarios) many times.

    Parameters
    ----------
    run_dir : str or os.PathLike
        A run folder written by ``ghginv compile``.

    Returns
    -------
    RunFolder
        The manifest, the cached activity cube (verified against the manifest's sha256), the
        notation keys and the paths of the run's snapshot of its factor sets (verified against
        the manifest's sha256, :func:`ghginv.runfolder.verified_factor_sets`).

    Raises
    ------
    InputFileError
        No ``manifest.json``, no cached cube, a cube or factor-set snapshot changed after the run,
        or a run that used two factor sets of one name (its snapshot keeps only one).

    Examples
    --------
    >>> folder = ghginv.load_run("out/demo")                                 # doctest: +SKIP
    >>> for gwp in ("AR5GWP100", "AR6GWP100"):                               # doctest: +SKIP
    ...     ghginv.recompute(folder, gwp=gwp).inventory
    """
    run = Path(run_dir)
    manifest = read_manifest(run)
    cube_file = verified_same_file(run, manifest, "cube.parquet", "the cached cube")
    if cube_file is None:
        raise InputFileError(f"{run}: the run has no cached cube (cube.parquet); compile it again with this ghginv version")
    cells = pl.read_parquet(cube_file.path)
    npath = run / "notation_keys.csv"
    notation = (  # written with a leading ' before a formula-like text cell (ghginv.runfolder.write_csv): undone here
        restore_formulas(pl.read_csv(npath, schema=_NOTATION_SCHEMA)) if npath.is_file() else pl.DataFrame(schema=_NOTATION_SCHEMA)
    )
    stats = {k: v for k, v in manifest.get("rows", {}).items() if k in ("rows_read", "rows_outside_years", "rows_notation", "cube_cells")}
    sets = verified_factor_sets(run, manifest)  # the snapshot exactly as the run used it, or a clear refusal
    return RunFolder(run, manifest, Cube(cells=cells, notation=notation, stats=stats), sets, {("same", "cube.parquet"): cube_file})
