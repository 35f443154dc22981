"""``ghginv validate``: check an inventory TOML, its factor sets and its data as a compile would,
without computing the results or writing anything.

Each input is checked on its own first, so one run lists every problem of every input:

* the TOML (tables, keys, years, paths, factor-set names) — :func:`ghginv.core.config.load_config`;
* the notation keys — :func:`ghginv.analysis.notation.notation_settings`;
* each factor set (manifest hashes, columns, codes, units, statuses, overlapping rules) —
  :func:`ghginv.factors.load_factor_set`.

When these are valid, the compile's own stage list runs in checking mode
(:func:`ghginv.pipeline.stages.check_stages`: every stage that reads or checks an input, the same
code as a compile, without the Monte Carlo, the recompute positions, the tables and the writing):
the activity data, a factor for every cube cell and year, landfill history, sink data, the energy
balance, the economy table and the targets. So ``validate`` passes exactly when ``compile``
succeeds. When a TOML or a set is invalid, the activity data are still checked on their own
(the same streaming reader and :class:`ghginv.inputs.validate.BatchValidator`), so their problems
are listed too.

>>> report = validate_inputs("ghginv/data/demo/qingyang_synthetic.toml")   # doctest: +SKIP
>>> report.ok, report.as_dict()["checks"][0]["kind"]                   # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..core._fs import is_url, location, masked
from ..core.errors import GhgInvError

__all__ = ["validate_inputs", "ValidationReport", "CheckResult"]


@dataclass
class CheckResult:
    kind: str  # toml | factor_set | activity
    target: str
    ok: bool
    summary: str
    problems: list[str] = field(default_factory=list)
    error: str | None = None  # the error class name when not ok
    warnings: list[str] = field(default_factory=list)  # e.g. an unknown column of a factor set (ignored)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "target": self.target, "ok": self.ok, "summary": self.summary,
                "error": self.error, "problems": self.problems, "warnings": self.warnings}


@dataclass
class ValidationReport:
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "checks": [c.as_dict() for c in self.checks]}


class _AnyActivity(frozenset):
    """Stands for 'every activity code' when no factor set is given (codes are not checked)."""

    def __contains__(self, item) -> bool:  # noqa: D105
        return True


def _fail(kind: str, target: str, e: GhgInvError) -> CheckResult:
    probs = [p.render() for p in e.problems] or [e.summary]
    return CheckResult(kind, target, False, e.summary, probs, type(e).__name__)


def _check_activity(paths, sets, years, regions) -> CheckResult:
    from ..inputs.load import check_batch, discover, stream_batches
    from ..inputs.validate import BatchValidator

    target = ", ".join(str(p) for p in paths)
    known = set().union(*(s.activity_codes() for s in sets)) if sets else _AnyActivity()
    v = BatchValidator(known, years, regions, keep_entity=False)
    try:
        files = discover(paths)
        for batch in stream_batches(files, 1 << 20, False):
            check_batch(batch)
            v.process(batch)
    except GhgInvError as e:
        return _fail("activity", target, e)
    note = "" if sets else " (activity codes not checked: no factor set given)"
    summary = (f"{len(files)} file(s), {v.rows_read:,} rows, {v.rows_notation:,} with notation keys, "
               f"{v.rows_outside_years:,} outside the years{note}")
    if v.issues:
        return CheckResult("activity", target, False, summary, [p.render() for p in v.problems()], "ValidationError")
    return CheckResult("activity", target, True, summary)


_ACTIVITY_STAGE = "cube"  # the stage that reads and checks the activity data


def _activity_summary(run, n_files: int) -> str:
    st = run.input_cube.stats
    return (f"{n_files} file(s), {st.get('rows_read', 0):,} rows, {st.get('rows_notation', 0):,} with notation keys, "
            f"{st.get('rows_outside_years', 0):,} outside the years")


def _check_run(report: ValidationReport, cfg, sets: list, target: str) -> None:
    """Every check a compile runs, by the compile's own stage list (:func:`ghginv.pipeline.stages.check_stages`):
    the activity data (the ``cube`` stage: the same reader and row rules), factor resolution for
    every cube cell (missing factors and years, units), landfill history, sink data and
    parameters, notation keys against the estimates, the reference approach's energy balance,
    the economy table, targets and the ``[uncertainty]`` settings. Adds an ``activity`` row (when
    the run has activity data) and a ``compile`` row naming the stage that failed."""
    from .stages import Run, check_stages

    names: list[str] = []
    run = Run(cfg, progress=names.append, sets=list(sets))
    act_target = ", ".join(str(p) for p in cfg.activity_paths)
    try:
        check_stages(run)
    except GhgInvError as e:
        stage = names[-1] if names else "factors"
        if stage == _ACTIVITY_STAGE and cfg.activity_paths:
            report.checks.append(_fail("activity", act_target, e))
            return
        if cfg.activity_paths and run.input_cube is not None:
            report.checks.append(CheckResult("activity", act_target, True, _activity_summary(run, len(run.inputs))))
        fail = _fail("compile", f"stage {stage}", e)
        fail.summary = f"stage {stage}: {e.summary}"
        report.checks.append(fail)
        return
    if cfg.activity_paths:
        n_files = len([i for i in run.inputs if i.get("kind") != "sinks"])
        report.checks.append(CheckResult("activity", act_target, True, _activity_summary(run, n_files)))
    cells = run.cube.cells.height if run.cube is not None else 0
    rows = run.emissions.height if run.emissions is not None else 0
    report.checks.append(CheckResult(
        "compile", target, True,
        f"stages {', '.join(dict.fromkeys(names))}: every check of a compile passed "
        f"({cells:,} cube cells, {rows:,} emission rows; nothing written)"))


def validate_inputs(inventory: str | os.PathLike | None = None, *, activity: list[str] | None = None,
                    factors: list[str] | None = None, years: tuple[int, int] | None = None,
                    options: dict | None = None) -> ValidationReport:
    """Check the inputs of a run as a compile would, without computing the results; never raises
    for bad input.

    Each input is checked on its own first, so one call lists every problem of every input: the
    TOML, each factor set (hashes, columns, codes, units, statuses, overlaps) and the notation
    keys. When they are valid and the run is complete (a TOML, or activity data and factor sets),
    the compile's own stage list runs up to the results (:func:`ghginv.pipeline.stages.check_stages`,
    the same code as ``ghginv compile``): the activity data (files, schema, every row rule of
    the data contract), a factor for every cell and year, landfill history, sink data and
    parameters, notation keys, the energy balance, the economy table, targets and the
    ``[uncertainty]`` settings. Not run: the Monte Carlo, the recompute positions, the tables and
    the writing. So the report is ``ok`` exactly when ``ghginv compile`` with the same inputs
    succeeds (a property test holds this).

    Parameters
    ----------
    inventory : str or os.PathLike, optional
        An inventory TOML.
    activity : list of str, optional
        Activity Parquet files or folders, local or URLs (instead of, or overriding, the TOML's).
    factors : list of str, optional
        Factor set names or folders.
    years : tuple of (int, int), optional
        First and last year [a]; rows outside are counted, not errors.
    options : dict, optional
        Further keyword arguments of :func:`ghginv.load_config` (``gwp``, ``base_year``,
        ``year_fallback``, ``extra`` …), as ``ghginv compile``'s options give them.

    Returns
    -------
    ValidationReport
        ``ok`` (every check passed), ``checks`` (one :class:`CheckResult` per input: kind —
        ``toml``, ``options``, ``notation_keys``, ``factor_set``, ``activity``, ``compile`` —,
        target, ok, summary, problems) and ``as_dict()`` (the JSON of ``--format json``).

    Examples
    --------
    >>> report = ghginv.validate_inputs("ghginv/data/demo/qingyang_synthetic.toml")   # doctest: +SKIP
    >>> report.ok, report.as_dict()["checks"][0]["kind"]                         # doctest: +SKIP
    (True, 'toml')
    """
    from ..core.config import load_config, resolve_factor_set_path
    from ..core.errors import FactorSetError
    from ..factors import load_factor_set

    report = ValidationReport()
    opts = dict(options or {})
    cfg = None
    runnable = inventory is not None or bool((activity or (opts.get("extra") or {}).get("sinks")) and factors)
    if runnable:
        try:
            cfg = load_config(inventory, activity=activity, factors=factors, years=years, **opts)
            if inventory is not None:
                report.checks.append(CheckResult("toml", str(inventory), True,
                                                 f"{cfg.name}: {len(cfg.factor_sets)} factor set(s), {len(cfg.activity_paths)} activity path(s)"))
        except GhgInvError as e:
            if inventory is not None:
                report.checks.append(_fail("toml", str(inventory), e))
            elif not isinstance(e, FactorSetError):  # a set that cannot be found is named below, set by set
                report.checks.append(_fail("options", "command-line options", e))
    if cfg is not None and cfg.extra.get("notation_keys") is not None:
        from ..analysis.notation import notation_settings

        try:
            keys = notation_settings(cfg)
            report.checks.append(CheckResult("notation_keys", str(inventory or cfg.extra["notation_keys"].get("path", "")), True,
                                             f"{len(keys)} notation key(s)"))
        except GhgInvError as e:
            report.checks.append(_fail("notation_keys", str(inventory or "--notation-keys"), e))
    set_paths: list[tuple[str, Path | None]] = []
    if cfg is not None:
        set_paths = [(str(p), p) for p in cfg.factor_sets]
    elif inventory is None:
        for spec in factors or []:
            try:
                set_paths.append((spec, resolve_factor_set_path(spec)))
            except GhgInvError as e:
                report.checks.append(_fail("factor_set", spec, e))
    sets = []
    strict = cfg.strict_factors if cfg is not None else bool(opts.get("strict_factors"))
    for spec, path in set_paths:
        try:
            fs = load_factor_set(path, strict=strict)
            sets.append(fs)
            report.checks.append(CheckResult("factor_set", spec, True, f"{fs.name} {fs.version}: {fs.n_rows} rows, "
                                             f"{len(fs.activities)} activities",
                                             warnings=[w["message"] for w in fs.warnings]))
        except GhgInvError as e:
            report.checks.append(_fail("factor_set", spec, e))
    if cfg is not None and all(c.ok for c in report.checks):
        _check_run(report, cfg, sets, str(inventory) if inventory is not None else "command-line options")
        return report
    try:
        act_paths = list(cfg.activity_paths) if cfg is not None else [location(p) for p in activity or []]  # URLs stay URLs (ghginv.core._fs)
    except GhgInvError as e:  # a URL holding a credential: the message masks it, the target too
        report.checks.append(_fail("activity", ", ".join(masked(str(p)) if is_url(p) else str(p) for p in activity or []), e))
        return report
    if act_paths:
        all_sets_ok = all(c.ok for c in report.checks if c.kind == "factor_set")
        report.checks.append(_check_activity(act_paths, sets if all_sets_ok else [], cfg.years if cfg else years,
                                             cfg.regions if cfg else None))
    return report
