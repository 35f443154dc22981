"""``ghginv validate``: check an inventory TOML, its factor sets and its activity data without
computing emissions.

Each input is checked on its own, so one run lists every problem of every input:

* the TOML (tables, keys, years, paths, factor-set names) — :func:`ghginv.core.config.load_config`;
* each factor set (manifest hashes, columns, codes, units, statuses, overlapping rules) —
  :func:`ghginv.factors.load_factor_set`;
* the activity data (files, schema, every row rule of the data contract) — the same streaming
  reader and :class:`ghginv.inputs.validate.BatchValidator` a compile uses, without the cube.

>>> report = validate_inputs("inventories/qingyang_synthetic.toml")   # doctest: +SKIP
>>> report.ok, report.as_dict()["checks"][0]["kind"]                   # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..core._fs import location
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

    def as_dict(self) -> dict:
        return {"kind": self.kind, "target": self.target, "ok": self.ok, "summary": self.summary,
                "error": self.error, "problems": self.problems}


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


def validate_inputs(inventory: str | os.PathLike | None = None, *, activity: list[str] | None = None,
                    factors: list[str] | None = None, years: tuple[int, int] | None = None) -> ValidationReport:
    """Check the inputs of a run without computing anything; never raises for bad input.

    Each input is checked on its own, so one call lists every problem of every input: the TOML,
    each factor set (hashes, columns, codes, units, statuses, overlaps) and the activity data
    (files, schema, every row rule of the data contract).

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

    Returns
    -------
    ValidationReport
        ``ok`` (every check passed), ``checks`` (one :class:`CheckResult` per input: kind,
        target, ok, summary, problems) and ``as_dict()`` (the JSON of ``--format json``).

    Examples
    --------
    >>> report = ghginv.validate_inputs("inventories/qingyang_synthetic.toml")   # doctest: +SKIP
    >>> report.ok, report.as_dict()["checks"][0]["kind"]                         # doctest: +SKIP
    (True, 'toml')
    """
    from ..core.config import load_config, resolve_factor_set_path
    from ..factors import load_factor_set

    report = ValidationReport()
    cfg = None
    if inventory is not None:
        try:
            cfg = load_config(inventory, activity=activity, factors=factors, years=years)
            report.checks.append(CheckResult("toml", str(inventory), True,
                                             f"{cfg.name}: {len(cfg.factor_sets)} factor set(s), {len(cfg.activity_paths)} activity path(s)"))
        except GhgInvError as e:
            report.checks.append(_fail("toml", str(inventory), e))
    if cfg is not None and cfg.extra.get("notation_keys") is not None:
        from ..analysis.notation import notation_settings

        try:
            keys = notation_settings(cfg)
            report.checks.append(CheckResult("notation_keys", str(inventory), True, f"{len(keys)} notation key(s)"))
        except GhgInvError as e:
            report.checks.append(_fail("notation_keys", str(inventory), e))
    set_paths: list[tuple[str, Path | None]] = []
    if cfg is not None:
        set_paths = [(str(p), p) for p in cfg.factor_sets]
    else:
        for spec in factors or []:
            try:
                set_paths.append((spec, resolve_factor_set_path(spec)))
            except GhgInvError as e:
                report.checks.append(_fail("factor_set", spec, e))
    sets = []
    for spec, path in set_paths:
        try:
            fs = load_factor_set(path)
            sets.append(fs)
            report.checks.append(CheckResult("factor_set", spec, True, f"{fs.name} {fs.version}: {len(fs.rules)} rows, "
                                             f"{len(fs.activities)} activities"))
        except GhgInvError as e:
            report.checks.append(_fail("factor_set", spec, e))
    act_paths = list(cfg.activity_paths) if cfg is not None else [location(p) for p in activity or []]  # URLs stay URLs (ghginv.core._fs)
    if act_paths:
        all_sets_ok = all(c.ok for c in report.checks if c.kind == "factor_set")
        report.checks.append(_check_activity(act_paths, sets if all_sets_ok else [], cfg.years if cfg else years,
                                             cfg.regions if cfg else None))
    return report
