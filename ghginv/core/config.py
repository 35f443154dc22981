"""Configure: inventory TOML + command-line overrides -> a frozen :class:`RunConfig`.

The TOML (paths relative to the TOML file)::

    [inventory]
    name = "Qingyang District (synthetic demo)"   # default: the TOML's file name without suffix
    description = ""
    years = [2020, 2024]        # inclusive range (or one year); default: every year in the data
    base_year = 2020            # default: none
    gwp = "AR5GWP100"           # default AR5GWP100 (ghginv.core.gwp); AR6GWP100_CH4FNF: AR6, CH4 fossil / non-fossil
    regions = ["510105"]        # the allowed region codes (another is an error); default: any
    [activity]
    paths = ["data/activity"]   # files, directories (hive partitions allowed), or URLs such as
                                # "s3://bucket/activity" (never relative to the TOML; ghginv.core._fs)
    keep_entity = false         # keep entity_id in emissions.parquet
    batch_size = 1048576        # rows per streamed batch (default 2**20)
    engine = "local"            # or "dask": who builds the activity cube
    scheduler = "tcp://…:8786"  # dask scheduler; default none: a local 2-worker cluster
    [factors]
    sets = ["cn_gbt32150_2015", "mee_nbs_grid", "ipcc2006_energy"]  # names or paths, precedence order
    year_fallback = "none"      # or "nearest": outside a set's years, use its nearest year
    strict = false              # true: a column of a set's CSV that no reader takes is an error, not a warning

``[[targets]]`` tables that include a preset or a file (``preset = "…"``, ``file = "…"``) are
replaced by the targets they name when the TOML is read (:mod:`ghginv.core.targets_include`).

Feature tables (``[sinks]``, ``[economy]``, ``[targets]``, ``[peak]``, ``[report]``,
``[uncertainty]``, ``[waste]``, ``[notation_keys]``, ``[reference_approach]``, ``[gap_filling]``,
``[energy]``;
:data:`FEATURE_TABLES`) are kept raw in ``RunConfig.extra`` and checked by the module that owns them.

Where a factor set given in ``[factors] sets`` or ``--factors`` is found
(:func:`resolve_factor_set_path`; the first folder holding a ``manifest.toml`` wins):

1. **an explicit path** — an absolute path is taken as it is; a relative one (``my/set``,
   ``factors/qingyang_sinks_synthetic``) is tried in the inventory's folder (the TOML's; for
   ``--factors``, the working directory), then in the working directory;
2. **the inventory's folder**, for a bare name (no ``/``): ``<toml folder>/<name>``, then
   ``<toml folder>/factors/<name>``, then ``./<name>`` (the working directory);
3. **``./factors/<name>``** of the working directory (the place ghginv has always looked first;
   kept so a project folder with its own ``factors/`` works as before);
4. **user folders**: each folder of ``$GHGINV_FACTORS_PATH`` (``os.pathsep``-separated: ``:`` on
   Linux), then the per-user data folder :func:`user_factors_dir`
   (``$XDG_DATA_HOME/ghginv/factors``, by default ``~/.local/share/ghginv/factors``; macOS
   ``~/Library/Application Support/ghginv/factors``; Windows ``%APPDATA%\\ghginv\\factors``);
5. **the shipped sets**, package data of ghginv (``ghginv/data/factor_sets/``, found through
   :mod:`importlib.resources`: :func:`shipped_factors_dir`).

Steps 3–5 are :func:`factor_search_roots`; a set there with the name of a shipped set shadows the
shipped one (``ghginv factors list`` flags it). Shipped sets are checked like any other: every data
file against the sha256 of its manifest, on every load.
"""

from __future__ import annotations

import copy
import os
import sys
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from ._fs import env_folders, is_url, location, unique_folders
from .errors import ConfigError, FactorSetError, Problem
from .gwp import GwpSet, gwp_set
from .lang import LANGS, resolve_lang
from .package_data import shipped_demo_dir, shipped_factors_dir
from .targets_include import expand_targets

__all__ = ["RunConfig", "load_config", "resolve_factor_set_path", "factor_search_path", "factor_search_roots", "shipped_factors_dir",
           "shipped_demo_dir", "user_factors_dir", "given_location", "same_name_sets", "WORKBOOK_DETAILS", "workbook_detail",
           "ReportSettings", "report_settings"]

YEAR_FALLBACKS = ("none", "nearest")
# [report] workbook_detail / --workbook-detail: the per-region tables of inventory.xlsx in full, summed over
# regions, or summed only when longer than ghginv.report._detail.WORKBOOK_DETAIL_ROWS (the default)
WORKBOOK_DETAILS = ("auto", "full", "summed")
# later capabilities add their own tables; these are the ones this version reads
_KNOWN_TABLES = {
    "inventory": {"name", "description", "years", "base_year", "gwp", "regions"},
    "activity": {"paths", "keep_entity", "batch_size", "engine", "scheduler"},
    "factors": {"sets", "year_fallback", "strict"},
}
# Tables read by later stages (indicators, targets, sinks, report, …). The config keeps them raw
# in ``RunConfig.extra[name]``; the module that owns a table checks it and resolves its paths
# against ``RunConfig.base_dir``. Add a feature's table name here.
FEATURE_TABLES: tuple[str, ...] = ("sinks", "economy", "targets", "peak", "report", "uncertainty", "waste", "notation_keys",
                                   "reference_approach", "gap_filling", "energy")
# (table, key) of feature-table inputs that may be URLs (RunConfig.locate): checked for secrets at once
URL_INPUTS: tuple[tuple[str, str], ...] = (("sinks", "path"), ("economy", "path"), ("reference_approach", "energy_balance"))


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs, resolved and checked. Immutable."""

    activity_paths: tuple[Path | str, ...]  # local paths, or URLs on shared storage (str; ghginv.core._fs)
    factor_sets: tuple[Path, ...]
    gwp: str = "AR5GWP100"
    name: str = "ghginv inventory"
    description: str = ""
    years: tuple[int, int] | None = None
    base_year: int | None = None
    regions: tuple[str, ...] | None = None
    keep_entity: bool = False
    year_fallback: str = "none"
    strict_factors: bool = False  # a factor-set column no reader takes is an error, not a warning ([factors] strict)
    batch_size: int = 1 << 20
    engine: str = "local"  # local | dask: who builds the activity cube (ghginv/engine.py)
    scheduler: str | None = None  # dask scheduler address; None starts a local 2-worker cluster
    source: Path | None = None  # the TOML, when there is one
    base_dir: Path = field(default_factory=Path.cwd)  # relative paths in the TOML start here
    # True when base_year and years come from the same place: then the base year must lie inside
    # the years. A --years override may compile fewer years than the TOML's base year needs.
    check_base_year: bool = field(default=True, compare=False)  # a check of the inputs, not part of the run
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    # ``gwp`` resolved once, here (ghginv.core.gwp): the set every CO2e of the run is computed with
    gwp_set: GwpSet = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        problems = []
        if not self.activity_paths and not self.extra.get("sinks"):
            problems.append(Problem("no activity data given", hint="set [activity] paths or --activity (or sink data: [sinks] path or --sinks)"))
        if not self.factor_sets:
            problems.append(Problem("no factor set given", hint="set [factors] sets or --factors"))
        problems += same_name_sets(self.factor_sets)
        if self.years is not None:
            y0, y1 = self.years
            if y0 > y1:
                problems.append(Problem(f"years = [{y0}, {y1}] is empty: the first year is after the last"))
            elif self.check_base_year and self.base_year is not None and not y0 <= self.base_year <= y1:
                problems.append(Problem(f"base_year {self.base_year} lies outside years [{y0}, {y1}]"))
        if self.year_fallback not in YEAR_FALLBACKS:
            problems.append(
                Problem(f"year_fallback must be one of {YEAR_FALLBACKS}, got {self.year_fallback!r}")
            )
        if self.engine not in ("local", "dask"):
            problems.append(Problem(f"engine must be 'local' or 'dask', got {self.engine!r}"))
        if self.batch_size < 1:
            problems.append(Problem(f"batch_size must be positive, got {self.batch_size}"))
        for table, key in URL_INPUTS:  # a URL holding a secret fails here, before any work (as --activity)
            t = self.extra.get(table)
            given = t.get(key) if isinstance(t, dict) else None
            for p in given if isinstance(given, list) else [given]:
                if isinstance(p, str) and is_url(p):
                    location(p)
        if problems:
            where = f"{self.source}: " if self.source else ""
            raise ConfigError(f"{where}invalid run configuration", problems)
        object.__setattr__(self, "gwp_set", gwp_set(self.gwp))  # an unknown set: UnknownGwpError naming the known ones

    @property
    def is_synthetic(self) -> bool:
        """True when the name or any activity path says the data are synthetic."""
        texts = [self.name, self.description, *(str(p) for p in self.activity_paths)]
        sinks = self.extra.get("sinks")
        if isinstance(sinks, dict):
            texts += [str(p) for p in (sinks.get("path") if isinstance(sinks.get("path"), list) else [sinks.get("path")])]
        return any("synthetic" in t.lower() for t in texts)

    def to_dict(self) -> dict:
        d = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.init}  # the name ``gwp``, not the set
        d.pop("check_base_year")
        for k, v in d.pop("extra").items():
            d[k] = v
        for k, v in list(d.items()):
            if isinstance(v, Path):
                d[k] = str(v)
            elif isinstance(v, tuple):
                d[k] = [str(x) if isinstance(x, Path) else x for x in v]
        return d

    @classmethod
    def from_dict(cls, d: dict, base: Path | None = None) -> RunConfig:
        """The config a run recorded (``manifest.json`` ``config``, :meth:`to_dict`), back as a
        :class:`RunConfig` — the one way back from a manifest.

        Goes through the constructor, so the recorded values are checked (and derived fields set)
        as for a config read from a TOML. Keys an older manifest lacks take their defaults
        (``engine``, ``scheduler``, ``base_dir``, …); keys this version does not know are ignored.
        The base year is not checked against the years again (a recorded run was checked when it
        ran; a ``--years`` override may have compiled fewer years than its base year needs).

        Parameters
        ----------
        d : dict
            The recorded config: :meth:`to_dict`'s keys and the feature tables
            (:data:`FEATURE_TABLES`) at the top level.
        base : pathlib.Path, optional
            The folder relative paths of the feature tables start from when ``d`` records no
            ``base_dir`` (older manifests); default: the folder of the recorded TOML (``source``),
            else the working directory.

        Returns
        -------
        RunConfig
            ``RunConfig.from_dict(cfg.to_dict()) == cfg``; use :meth:`with_overrides` to change
            some values (e.g. the factor sets or the GWP set of a recompute).

        Raises
        ------
        ConfigError
            When the recorded values are not a valid configuration.
        """
        def tup(key, conv=lambda x: x):
            v = d.get(key)
            return None if v is None else tuple(conv(x) for x in v)

        source = Path(d["source"]) if d.get("source") else None
        if d.get("base_dir"):
            base_dir = Path(d["base_dir"])
        else:
            base_dir = base if base is not None else source.parent if source is not None else Path.cwd()
        return cls(
            activity_paths=tup("activity_paths", location) or (),  # URLs stay URLs (str)
            factor_sets=tup("factor_sets", Path) or (),
            gwp=d.get("gwp", "AR5GWP100"),
            name=d.get("name", "ghginv inventory"),
            description=d.get("description", ""),
            years=tup("years", int),
            base_year=d.get("base_year"),
            regions=tup("regions", str),
            keep_entity=bool(d.get("keep_entity", False)),
            year_fallback=d.get("year_fallback", "none"),
            strict_factors=d.get("strict_factors") is True,
            batch_size=int(d.get("batch_size", 1 << 20)),
            engine=d.get("engine", "local"),
            scheduler=d.get("scheduler"),
            source=source,
            base_dir=base_dir,
            check_base_year=False,
            extra={k: d[k] for k in FEATURE_TABLES if k in d},
        )

    def resolve_path(self, p: str | os.PathLike) -> Path:
        """A path from the TOML (or an option), relative to the TOML's folder."""
        p = Path(p)
        return p if p.is_absolute() else self.base_dir / p

    def locate(self, p: str | os.PathLike) -> Path | str:
        """An input file given by path or URL (sink data, economy table, energy balance): a URL
        (``s3://…``, ``file://…``, any fsspec protocol) stays the string given, never joined with
        the TOML's folder, and must hold no secret (:func:`ghginv.core._fs.location`); a path is
        :meth:`resolve_path`'s."""
        return location(p, self.base_dir)

    def input_paths(self) -> list[tuple[str, Path]]:
        """The local files and folders the run reads, each with what it is: the TOML, the activity
        data, the factor sets, and the files of the feature tables (sink data, economy table,
        notation keys, energy balance, gap-filling surrogates); URLs are left out. An output must
        never be one of them (:func:`ghginv.runfolder.check_output_run`).

        Returns
        -------
        list of (str, pathlib.Path)
            ``(label, path)`` pairs, e.g. ``("activity", Path("data/activity"))``.
        """
        out: list[tuple[str, Path]] = []

        def add(label, value, resolve):
            for v in value if isinstance(value, list | tuple) else [value]:
                if isinstance(v, Path) or (isinstance(v, str) and v and not is_url(v)):
                    out.append((label, resolve(v)))

        if self.source is not None:
            out.append(("inventory TOML", Path(self.source)))
        add("activity data", list(self.activity_paths), Path)
        add("factor set", list(self.factor_sets), Path)
        tables = {("sinks", "path"): "sink data", ("economy", "path"): "economy table", ("notation_keys", "path"): "notation keys",
                  ("reference_approach", "energy_balance"): "energy balance"}
        for (table, key), label in tables.items():
            t = self.extra.get(table)
            if isinstance(t, dict) and t.get(key) is not None:
                add(label, t[key], self.resolve_path)
        included = {str(t["included_from"]).split(", row ")[0] for t in self.extra.get("targets") or []
                    if isinstance(t, dict) and isinstance(t.get("included_from"), str)}
        add("targets preset", sorted(included), Path)
        gap = self.extra.get("gap_filling")
        for t in gap if isinstance(gap, list) else []:
            if isinstance(t, dict) and t.get("surrogate_path") is not None:
                add("gap-filling surrogate", t["surrogate_path"], self.resolve_path)
        return out

    def with_overrides(self, **kw) -> RunConfig:
        """A copy with the given fields changed (None leaves a field as it is); checked again."""
        kw = {k: v for k, v in kw.items() if v is not None}
        return replace(self, **kw)


def workbook_detail(value, where: str = "workbook_detail") -> str:
    """The checked ``[report] workbook_detail`` (``--workbook-detail``) setting.

    Parameters
    ----------
    value : object
        The setting as given; None for the default.
    where : str, default "workbook_detail"
        How it was given, the start of the message: ``"inv.toml: [report] workbook_detail"`` or ``"--workbook-detail"``.

    Returns
    -------
    str
        One of :data:`WORKBOOK_DETAILS`; ``"auto"`` when ``value`` is None.

    Raises
    ------
    ConfigError
        Any other value.
    """
    if value is None:
        return "auto"
    if not isinstance(value, str) or value not in WORKBOOK_DETAILS:
        raise ConfigError(f"{where} takes 'auto', 'full' or 'summed' (got {value!r}); "
                          "'summed' writes the per-region tables of inventory.xlsx summed over regions")
    return value


@dataclass(frozen=True)
class ReportSettings:
    """The checked ``[report]`` table of a run (:func:`report_settings`).

    ``lang``: ``"zh"`` or ``"en"``, the language of report.html and inventory.xlsx. ``workbook_detail``:
    one of :data:`WORKBOOK_DETAILS`, the workbook's per-region tables in full or summed over regions.
    """

    lang: str
    workbook_detail: str


def report_settings(cfg: RunConfig) -> ReportSettings:
    """The ``[report]`` table, checked as a whole before anything is written.

    Parameters
    ----------
    cfg : RunConfig
        The run's config (``cfg.extra["report"]``).

    Returns
    -------
    ReportSettings
        ``lang``: ``[report] lang``, else ``$GHGINV_LANG`` (``ghginv --lang zh``), else English;
        ``workbook_detail``: ``[report] workbook_detail``, else ``"auto"``.

    Raises
    ------
    ConfigError
        A key other than ``lang`` and ``workbook_detail``, a language not in :data:`ghginv.core.lang.LANGS`,
        or a ``workbook_detail`` not in :data:`WORKBOOK_DETAILS`.
    """
    rep = cfg.extra.get("report") or {}
    lang = rep.get("lang") or resolve_lang()
    bad = sorted(set(rep) - {"lang", "workbook_detail"})
    if bad or lang not in LANGS:
        raise ConfigError(f"{cfg.source or 'config'}: [report] takes lang = 'zh' or 'en' (got {rep!r})")
    return ReportSettings(lang, workbook_detail(rep.get("workbook_detail"), f"{cfg.source or 'config'}: [report] workbook_detail"))


def same_name_sets(paths) -> list[Problem]:
    """One problem for each pair of factor sets with the same name (their folder's name) from
    different folders: a run keeps one snapshot per name (``factor_sets/<name>/``) and its manifest,
    report and ``recompute --factors`` name sets by name, so names must be unique in a run.

    Parameters
    ----------
    paths : sequence of pathlib.Path
        The factor-set folders of a run, in precedence order.

    Returns
    -------
    list of Problem
        Empty when every name is unique.
    """
    first: dict[str, Path] = {}
    problems = []
    for p in paths:
        p = Path(p)
        if p.name in first:
            problems.append(Problem(
                f"two factor sets are named {p.name!r}: {first[p.name]} and {p}",
                hint="a set's name is its folder's name and must be unique in a run; rename one folder "
                     "(and its manifest.toml name), or give only one of them"))
        else:
            first[p.name] = p
    return problems


def user_factors_dir() -> Path:
    """The per-user folder searched for factor sets, after ``$GHGINV_FACTORS_PATH``.

    Returns
    -------
    pathlib.Path
        ``<user data folder>/ghginv/factors``, the user data folder being ``$XDG_DATA_HOME``
        (default ``~/.local/share``) on Linux, ``~/Library/Application Support`` on macOS and
        ``%APPDATA%`` on Windows (as ``platformdirs.user_data_dir``). It need not exist.
    """
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "ghginv" / "factors"


def factor_search_roots() -> list[tuple[str, Path]]:
    """The folders searched for a factor set given by name, each with where it comes from.

    Returns
    -------
    list of (str, pathlib.Path)
        In order, without duplicates (a folder reached twice keeps its first place):
        ``("./factors", <working directory>/factors)``, ``("GHGINV_FACTORS_PATH", folder)`` for each
        folder of ``$GHGINV_FACTORS_PATH``, ``("user", user_factors_dir())``, then
        ``("shipped", shipped_factors_dir())``. The inventory's own folder comes before all of
        them (:func:`resolve_factor_set_path`).
    """
    roots = [("./factors", Path.cwd() / "factors")]
    roots += [("GHGINV_FACTORS_PATH", d) for d in env_folders("GHGINV_FACTORS_PATH")]
    roots += [("user", user_factors_dir()), ("shipped", shipped_factors_dir())]
    return unique_folders(roots)


def factor_search_path() -> list[Path]:
    """Folders searched for factor sets given by name.

    Returns
    -------
    list of pathlib.Path
        The folders of :func:`factor_search_roots`, in order: ``./factors`` (working directory),
        each folder of ``$GHGINV_FACTORS_PATH`` (``os.pathsep``-separated), the per-user folder
        (:func:`user_factors_dir`), the shipped sets (:func:`shipped_factors_dir`).
    """
    return [d for _, d in factor_search_roots()]


def resolve_factor_set_path(spec: str | os.PathLike, base: Path | None = None) -> Path:
    """Turn a set name (``ipcc2006_energy``) or a path into the set's folder.

    The order is the module docstring's: an explicit path; the inventory's folder (``base``:
    ``<base>/<name>``, ``<base>/factors/<name>``), the working directory; then
    :func:`factor_search_path` (``./factors``, ``$GHGINV_FACTORS_PATH``, the per-user folder, the
    shipped sets).

    Parameters
    ----------
    spec : str or os.PathLike
        A factor-set name (no ``/``), looked up as above, or a path to the set's folder.
    base : pathlib.Path, optional
        Folder a relative path is tried against first (the TOML's folder); then the working
        directory.

    Returns
    -------
    pathlib.Path
        The resolved folder holding the set's ``manifest.toml``.

    Raises
    ------
    FactorSetError
        When no candidate folder has a ``manifest.toml`` (the message lists the places looked in
        and the known sets).
    """
    s = str(spec)
    candidates = []
    p = Path(s)
    bare = "/" not in s and os.sep not in s
    if p.is_absolute():
        candidates.append(p)
    else:
        if base is not None:
            candidates.append(base / p)
            if bare:
                candidates.append(base / "factors" / p)
        candidates.append(Path.cwd() / p)
    if bare:
        candidates += [d / s for d in factor_search_path()]
    unique = []
    for c in candidates:
        c = c.resolve() if c.exists() else c.absolute()
        if c not in unique:
            unique.append(c)
    candidates = unique
    for c in candidates:
        if (c / "manifest.toml").is_file():
            return c.resolve()
    known = sorted(
        {d.name for root in factor_search_path() if root.is_dir() for d in root.iterdir() if (d / "manifest.toml").is_file()}
    )
    raise FactorSetError(
        f"unknown factor set {s!r}: no folder with a manifest.toml found "
        f"(looked in {', '.join(str(c) for c in candidates)}); "
        f"known sets: {', '.join(known) or 'none'}"
    )


def given_location(p: str | os.PathLike) -> str:
    """A path or URL given as an option (not in a TOML), as the run configuration records it.

    Parameters
    ----------
    p : str or os.PathLike
        A path, or a URL (``s3://…``, any fsspec protocol).

    Returns
    -------
    str
        A URL as written, holding no secret; a path made absolute (taken from the current folder,
        not the TOML's).

    Raises
    ------
    ConfigError
        For a URL with a credential in it.
    """
    loc = location(p)
    return loc if isinstance(loc, str) else str(loc.absolute())


def _strict(v, where: str) -> bool:
    if not isinstance(v, bool):
        raise ConfigError(f"{where}: [factors] strict must be true or false, got {v!r}")
    return v


def _merge_extra(from_toml: dict, overrides: dict) -> dict:
    """Feature tables: option keys override TOML keys, table by table."""
    out = dict(from_toml)
    for table, keys in overrides.items():
        if keys is None:
            continue
        base = out.get(table)
        out[table] = {**base, **keys} if isinstance(base, dict) and isinstance(keys, dict) else keys
    return out


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_text_list(v, ints: bool = False) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) or (ints and _is_int(x)) for x in v)


# (test, what the message says is expected) per key of the tables load_config reads; a value of
# another type is a clear error naming the file, the key and the value (never a traceback later)
_KEY_TYPES: dict[str, dict[str, tuple]] = {
    "inventory": {
        "name": (lambda v: isinstance(v, str), 'a string (text in quotes, e.g. name = "Qingyang District")'),
        "description": (lambda v: isinstance(v, str), "a string (text in quotes)"),
        "years": (lambda v: _is_int(v) or (isinstance(v, list) and len(v) == 2 and all(map(_is_int, v))),
                  "one year or [first, last] (two integers, e.g. years = [2020, 2024])"),
        "base_year": (_is_int, "an integer year (e.g. base_year = 2020)"),
        "gwp": (lambda v: isinstance(v, str), 'a string naming a GWP set (e.g. gwp = "AR5GWP100")'),
        "regions": (lambda v: _is_text_list(v, ints=True), 'a list of region codes (e.g. regions = ["510105"])'),
    },
    "activity": {
        "paths": (lambda v: isinstance(v, str) or _is_text_list(v), 'a string or a list of strings (e.g. paths = ["data/activity"])'),
        "keep_entity": (lambda v: isinstance(v, bool), "true or false"),
        "batch_size": (lambda v: _is_int(v) and v > 0, "a positive integer (rows per batch, e.g. batch_size = 1048576)"),
        "engine": (lambda v: isinstance(v, str), 'a string: "local" or "dask"'),
        "scheduler": (lambda v: isinstance(v, str), 'a string (the dask scheduler address, e.g. "tcp://host:8786")'),
    },
    "factors": {
        "sets": (lambda v: isinstance(v, str) or _is_text_list(v), 'a string or a list of strings (e.g. sets = ["ipcc2006_energy"])'),
        "year_fallback": (lambda v: isinstance(v, str), 'a string: "none" or "nearest"'),
    },
}


def _type_problems(table: str, t: dict, file: str) -> list[Problem]:
    """A problem for each key of ``[table]`` whose value has the wrong type (:data:`_KEY_TYPES`)."""
    out = []
    for k, v in t.items():
        check = _KEY_TYPES.get(table, {}).get(k)
        if check is not None and not check[0](v):
            out.append(Problem(f"[{table}] {k} = {_toml_text(v)} has the wrong type", file=file,
                               hint=f"{k} must be {check[1]}"))
    return out


def _toml_text(v) -> str:
    """A value as the TOML wrote it (roughly): strings quoted, lists and tables shown, long ones cut."""
    text = repr(v) if not isinstance(v, bool) else str(v).lower()
    return text if len(text) <= 80 else text[:77] + "…"


def _years(value, where: str) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return (value[0], value[1])
    raise ConfigError(f"{where}: years must be [first, last] (two integers) or one year, got {value!r}")


def load_config(
    toml_path: str | os.PathLike | None = None,
    *,
    activity: list[str] | None = None,
    factors: list[str] | None = None,
    gwp: str | None = None,
    years: tuple[int, int] | None = None,
    base_year: int | None = None,
    keep_entity: bool | None = None,
    year_fallback: str | None = None,
    name: str | None = None,
    batch_size: int | None = None,
    extra: dict | None = None,
    engine: str | None = None,
    scheduler: str | None = None,
    strict_factors: bool | None = None,
) -> RunConfig:
    """Build a :class:`RunConfig` from an inventory TOML and/or explicit options.

    Options given here override the TOML (an option left at None takes the TOML's value, else the
    default below). Without a TOML, ``activity`` and ``factors`` are required; years and regions
    then come from the data. Relative paths in the TOML start at the TOML's folder; paths given
    as options at the working directory. ``[inventory] description`` (default ``""``) and
    ``[inventory] regions`` (the allowed region codes; default: any) are read from the TOML only.

    Parameters
    ----------
    toml_path : str or os.PathLike, optional
        The inventory TOML (tables ``[inventory]``, ``[activity]``, ``[factors]`` and the feature
        tables, see the module docstring). Default: none, options only.
    activity : list of str, optional
        Activity files, folders or URLs (``[activity] paths``). Default: none.
    factors : list of str, optional
        Factor-set names or paths in precedence order (``[factors] sets``). Default: none.
    gwp : str, optional
        GWP set name (``[inventory] gwp``); default ``"AR5GWP100"``.
    years : tuple of (int, int), optional
        First and last year, inclusive (``[inventory] years``); default: every year in the data.
    base_year : int, optional
        Base year (``[inventory] base_year``); default: none. Must lie inside ``years`` when both
        come from the same place.
    keep_entity : bool, optional
        Keep ``entity_id`` in ``emissions.parquet`` (``[activity] keep_entity``); default False.
    year_fallback : {"none", "nearest"}, optional
        Outside a factor set's years, no factor or the nearest year's (``[factors] year_fallback``);
        default ``"none"``.
    name : str, optional
        Inventory name (``[inventory] name``); default the TOML's file name without suffix, or
        ``"ghginv inventory"`` without a TOML.
    batch_size : int, optional
        Activity rows per streamed batch (``[activity] batch_size``); default ``2**20``.
    extra : dict, optional
        Overrides of feature-table keys, table by table (e.g. ``{"sinks": {"path": "…",
        "method": "stock_difference"}}``); default none.
    engine : {"local", "dask"}, optional
        Who builds the activity cube (``[activity] engine``); default ``"local"``.
    scheduler : str, optional
        Dask scheduler address (``[activity] scheduler``); default none: a local 2-worker cluster.
    strict_factors : bool, optional
        A column of a factor-set CSV that no reader takes (a misspelt ``uncertainty_pc``) is an
        error instead of a warning (``[factors] strict``, ``--strict``); default False.

    Returns
    -------
    RunConfig
        The checked, frozen configuration (``gwp_set`` resolved).

    Raises
    ------
    ConfigError
        For a missing or invalid TOML, unknown tables or keys, bad years or base year, a factor
        set listed twice, or a run without activity data or factor sets.
    FactorSetError
        For a factor set that cannot be found.
    UnknownGwpError
        For an unknown GWP set.
    """
    doc: dict = {}
    base = Path.cwd()
    src = None
    if toml_path is not None:
        src = Path(toml_path)
        if not src.is_file():
            raise ConfigError(f"{src}: inventory file not found")
        try:
            doc = tomllib.loads(src.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{src}: not valid TOML: {e}") from None
        base = src.resolve().parent
        problems = [
            Problem(
                f"unknown table or key '{k}'",
                file=str(src),
                hint=f"known tables: {', '.join('[' + t + ']' for t in _KNOWN_TABLES)}",
            )
            for k in doc
            if k not in _KNOWN_TABLES and k not in FEATURE_TABLES
        ]
        for table, keys in _KNOWN_TABLES.items():
            t = doc.get(table, {})
            if not isinstance(t, dict):
                problems.append(Problem(f"[{table}] must be a table", file=str(src)))
                continue
            for k in t:
                if k not in keys:
                    problems.append(
                        Problem(
                            f"unknown key '{k}' in [{table}]",
                            file=str(src),
                            hint=f"known keys: {', '.join(sorted(keys))}",
                        )
                    )
            else:
                problems += _type_problems(table, t, str(src))
        if problems:
            raise ConfigError(f"{src}: invalid inventory file", problems)
    inv = doc.get("inventory", {})
    act = doc.get("activity", {})
    fac = doc.get("factors", {})
    where = str(src) if src else "options"

    if activity:
        act_paths = tuple(location(p) for p in activity)  # a URL (s3://, hdfs://, …) stays a str
    else:
        raw = act.get("paths", [])
        if isinstance(raw, str):
            raw = [raw]
        act_paths = tuple(location(p, base) for p in raw)  # URLs are never joined with base
    if factors:
        set_specs, set_base = list(factors), Path.cwd()
    else:
        set_specs = fac.get("sets", [])
        if isinstance(set_specs, str):
            set_specs = [set_specs]
        set_base = base
    set_paths = tuple(resolve_factor_set_path(s, set_base) for s in set_specs)
    seen: dict[Path, str] = {}
    for spec, p in zip(set_specs, set_paths):
        if p in seen:
            raise ConfigError(f"{where}: factor set {spec!r} is listed twice (also as {seen[p]!r})")
        seen[p] = spec

    years_from_toml = years is None and "years" in inv
    if years_from_toml:
        years = _years(inv["years"], where)
    if base_year is None and "base_year" in inv:
        by = inv["base_year"]
        if not isinstance(by, int) or isinstance(by, bool):
            raise ConfigError(f"{where}: base_year must be an integer year, got {by!r}")

    regions = inv.get("regions")
    if regions is not None:
        regions = tuple(str(r) for r in regions)
    merged = _merge_extra({k: doc[k] for k in FEATURE_TABLES if k in doc}, extra or {})
    if "targets" in merged:  # presets and files of targets included by [[targets]] preset = / file =
        merged["targets"] = expand_targets(merged["targets"], base, where)
    return RunConfig(
        activity_paths=act_paths,
        factor_sets=set_paths,
        gwp=gwp or inv.get("gwp", "AR5GWP100"),
        name=name or inv.get("name", src.stem if src else "ghginv inventory"),
        description=inv.get("description", ""),
        years=years,
        base_year=base_year if base_year is not None else inv.get("base_year"),
        regions=regions,
        keep_entity=keep_entity if keep_entity is not None else bool(act.get("keep_entity", False)),
        year_fallback=year_fallback or fac.get("year_fallback", "none"),
        strict_factors=strict_factors if strict_factors is not None else _strict(fac.get("strict", False), where),
        batch_size=batch_size or int(act.get("batch_size", 1 << 20)),
        engine=engine or act.get("engine", "local"),
        scheduler=scheduler or act.get("scheduler"),
        source=src.resolve() if src else None,
        check_base_year=years_from_toml or base_year is not None,
        base_dir=base,
        extra=merged,
    )
