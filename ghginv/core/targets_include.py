"""Target presets and target files: ``[[targets]]`` tables that include other targets.

A ``[[targets]]`` table of the inventory TOML either is a target (``kind = …``) or includes
several::

    [[targets]]
    preset = "qingyang_2025_2030"     # a preset by name: targets/<name>.toml (or .csv), searched below
    # file = "my_targets.csv"         # or a file, relative to the inventory TOML (.toml or .csv)
    # optional = true                 # applies to every included target (a copy of the inventory may
    # region = "*"                    # evaluate them without the base year, or per region)

The include is replaced by the included targets, in their order, when the TOML is read, so every
later step (and the run's ``manifest.json``) sees plain targets; each carries ``included_from``
(the file, for messages and the run's list of input files).

A preset name is looked up as ``<name>.toml`` or ``<name>.csv`` in, in order: the ``targets/``
folder next to the inventory TOML, ``./targets`` (the working directory), each folder of
``$GHGINV_TARGETS_PATH`` (``:``-separated), and the shipped presets, package data ``ghginv/data/demo/targets/``
(:func:`preset_search_path`).

A TOML preset has an optional ``[preset]`` table (``name``, ``description``, ``source``) and
``[[targets]]`` tables as in the inventory (:mod:`ghginv.analysis.targets`). A CSV file has one
target per row, with the keys as column headers in English or Chinese (:data:`ghginv.core.columns.TABLES`
``targets``: 类型, 名称, 基准年, 目标年, 下降率(%), 目标比重(%), 来源 …); the ``kind`` may be written in
Chinese (:data:`KIND_WORDS`); ``sectors`` and ``except_sectors`` list IPCC codes separated by ``;``.
A preset cannot include another preset.
"""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

from ._fs import env_folders, unique_folders
from .columns import missing_columns_error, resolve_columns
from .errors import ConfigError, Problem, SchemaError
from .package_data import shipped_demo_dir

__all__ = ["expand_targets", "preset_search_path", "resolve_preset", "read_targets_csv", "KIND_WORDS", "INCLUDE_KEYS"]

INCLUDE_KEYS = ("preset", "file", "optional", "region")
# the kind of a target as Chinese plans word it -> ghginv's kind
KIND_WORDS = {
    "单位地区生产总值二氧化碳排放": "co2_intensity", "单位GDP二氧化碳排放": "co2_intensity", "碳排放强度": "co2_intensity",
    "二氧化碳排放强度": "co2_intensity",
    "单位地区生产总值能耗": "energy_intensity", "单位GDP能耗": "energy_intensity", "能耗强度": "energy_intensity",
    "非化石能源消费比重": "non_fossil_share", "非化石能源占比": "non_fossil_share", "非化石能源比重": "non_fossil_share",
    "排放总量上限": "emissions_cap", "碳排放总量": "emissions_cap",
    "碳达峰": "peak", "达峰": "peak",
    "单位增加值能耗": "sector_energy_intensity", "行业单位增加值能耗": "sector_energy_intensity",
    "规上工业单位增加值能耗": "sector_energy_intensity",
}
_INTS = ("base_year", "year", "before_year")
_FLOATS = ("reduction_pct", "min_share_pct", "cap_t_co2e")
_LISTS = ("sectors", "except_sectors")
_TRUE = ("true", "1", "yes", "是", "y")
_FALSE = ("false", "0", "no", "否", "n")


def preset_search_path(base: Path | None = None) -> list[Path]:
    """Folders searched for a target preset given by name.

    Parameters
    ----------
    base : pathlib.Path, optional
        The inventory TOML's folder (its ``targets/`` subfolder is searched first).

    Returns
    -------
    list of pathlib.Path
        ``<base>/targets``, ``./targets``, the folders of ``$GHGINV_TARGETS_PATH``
        (``os.pathsep``-separated) and the shipped presets (package data ``ghginv/data/demo/targets``), without
        duplicates.
    """
    dirs = ([base / "targets"] if base is not None else []) + [Path.cwd() / "targets"]
    dirs += env_folders("GHGINV_TARGETS_PATH")
    dirs.append(shipped_demo_dir() / "targets")
    return [d for _, d in unique_folders(("", d) for d in dirs)]


def resolve_preset(name: str, base: Path | None = None) -> Path:
    """The file of a target preset given by name.

    Parameters
    ----------
    name : str
        The preset's name, e.g. ``qingyang_2025_2030`` (its file without ``.toml`` / ``.csv``).
    base : pathlib.Path, optional
        The inventory TOML's folder.

    Returns
    -------
    pathlib.Path
        The preset file.

    Raises
    ------
    ConfigError
        No such preset (the message lists the folders searched and the presets found there).
    """
    dirs = preset_search_path(base)
    for d in dirs:
        for ext in (".toml", ".csv"):
            if (d / f"{name}{ext}").is_file():
                return (d / f"{name}{ext}").resolve()
    known = sorted({p.stem for d in dirs if d.is_dir() for p in d.iterdir() if p.suffix in (".toml", ".csv")})
    raise ConfigError(f"unknown target preset {name!r}: no {name}.toml or {name}.csv in {', '.join(map(str, dirs))}; "
                      f"known presets: {', '.join(known) or 'none'} (or give file = \"path/to/targets.toml\")")


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):  # Excel writes Chinese CSV in GB18030 (GBK) on Chinese systems
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ConfigError(f"{path}: not a UTF-8 or GB18030 text file")


def read_targets_csv(path: Path) -> list[dict]:
    """Targets from a CSV file: one per row, headers in English or Chinese.

    Parameters
    ----------
    path : pathlib.Path
        The CSV (UTF-8, or GB18030 as Excel writes it on Chinese systems).

    Returns
    -------
    list of dict
        One ``[[targets]]`` table per row (empty cells left out; years as integers, percentages
        and caps as numbers in the English column's unit, ``optional`` as true/false, sector lists
        as lists), each with ``included_from`` = ``"<file>, row N"``.

    Raises
    ------
    ConfigError
        No ``kind`` or ``source`` column (one message with the accepted names), two headers for
        one key, or a cell that is not a number, year or true/false (every cell at once).
    """
    text = _read_text(path)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ConfigError(f"{path}: the targets table is empty (a header row and one row per target)")
    head = rows[0]
    try:
        res = resolve_columns(head, "targets", str(path))
        missing = [c for c in ("kind", "source") if c not in res.rename.values()]
        if missing:
            raise missing_columns_error(str(path), "targets", missing, res)
    except SchemaError as e:  # here a configuration error of the inventory
        raise ConfigError(str(e)) from None
    out, problems = [], []
    for n, row in enumerate(rows[1:], start=1):
        if not any(c.strip() for c in row):
            continue
        t: dict = {}
        for h, cell in zip(head, row):
            key = res.rename.get(h)
            v = cell.strip()
            if key is None or not v:
                continue
            where = dict(file=str(path), row=n, column=h, value=v)
            if key in _INTS:
                if not v.isdigit():
                    problems.append(Problem("a year must be a whole number", **where))
                    continue
                t[key] = int(v)
            elif key in _FLOATS:
                try:
                    t[key] = float(v.replace(",", "").rstrip("%")) * res.factors.get(key, 1.0)
                except ValueError:
                    problems.append(Problem("must be a number", **where))
            elif key == "optional":
                if v.lower() not in _TRUE + _FALSE:
                    problems.append(Problem("optional must be true/false (是/否)", **where))
                t[key] = v.lower() in _TRUE
            elif key in _LISTS:
                t[key] = [c for c in v.replace("；", ";").replace("、", ";").replace(",", ";").split(";") if c.strip()]
            elif key == "kind":
                t[key] = KIND_WORDS.get(v, v)
            else:
                t[key] = v
        t["included_from"] = f"{path}, row {n}"
        out.append(t)
    if problems:
        raise ConfigError(f"{path}: invalid targets table", problems)
    return out


def _read_preset(path: Path) -> list[dict]:
    if path.suffix.lower() == ".csv":
        return read_targets_csv(path)
    try:
        doc = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    unknown = sorted(set(doc) - {"preset", "targets"})
    if unknown:
        raise ConfigError(f"{path}: a target preset has a [preset] table and [[targets]] tables; unknown: {', '.join(unknown)}")
    ts = doc.get("targets", [])
    if not isinstance(ts, list) or not all(isinstance(t, dict) for t in ts) or not ts:
        raise ConfigError(f"{path}: a target preset needs [[targets]] tables (one per target)")
    if any("preset" in t or "file" in t for t in ts):
        raise ConfigError(f"{path}: a target preset cannot include another preset or file (write its targets out)")
    return [{**t, "included_from": str(path)} for t in ts]


def expand_targets(raw, base: Path, file: str) -> list | object:
    """The ``[[targets]]`` list with every include replaced by the targets it names.

    Parameters
    ----------
    raw : list of dict or object
        ``[[targets]]`` as read from the inventory TOML (anything else is returned as it is, for
        :func:`ghginv.analysis.targets.parse_targets` to reject).
    base : pathlib.Path
        The inventory TOML's folder (``file`` paths start there; its ``targets/`` is searched first).
    file : str
        The TOML, for messages.

    Returns
    -------
    list of dict or object
        Plain targets, each included one with ``included_from``; ``optional`` and ``region`` of
        an include table override those of its targets.

    Raises
    ------
    ConfigError
        An include with both or neither of ``preset`` / ``file``, other keys beside them, an
        unknown preset, a missing or invalid file.
    """
    if not isinstance(raw, list) or not any(isinstance(t, dict) and ("preset" in t or "file" in t) for t in raw):
        return raw
    out: list = []
    for i, t in enumerate(raw, 1):
        if not (isinstance(t, dict) and ("preset" in t or "file" in t)):
            out.append(t)
            continue
        where = f"{file}: [[targets]] #{i}"
        extra = sorted(set(t) - set(INCLUDE_KEYS))
        if extra or ("preset" in t) == ("file" in t):
            raise ConfigError(f"{where}: a table that includes targets takes preset = \"<name>\" or file = \"<path>\" (one of them), "
                              f"and optionally optional and region; got {', '.join(sorted(t))}")
        if "preset" in t:
            if not isinstance(t["preset"], str) or not t["preset"]:
                raise ConfigError(f"{where}: preset must be a preset's name, got {t['preset']!r}")
            path = resolve_preset(t["preset"], base)
        else:
            if not isinstance(t["file"], str) or not t["file"]:
                raise ConfigError(f"{where}: file must be a path, got {t['file']!r}")
            path = Path(t["file"]) if Path(t["file"]).is_absolute() else base / t["file"]
            if not path.is_file():
                raise ConfigError(f"{where}: targets file not found: {path}")
            path = path.resolve()
        over = {k: t[k] for k in ("optional", "region") if k in t}
        out += [{**x, **over} for x in _read_preset(path)]
    return out
