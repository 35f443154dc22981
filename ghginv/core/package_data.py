"""ghginv's package data (``ghginv/data/``): the shipped factor sets and the demo workspace.

Read through :mod:`importlib.resources`, so the folders are the installed package's after
``pip install ghginv`` and ``ghginv/data/…`` in a checkout; from a zip import they are unpacked
once per process into a temporary folder (removed at exit). :mod:`ghginv.core.config` (the factor
search path) and :mod:`ghginv.core.targets_include` (the shipped target presets) both use it.
"""

from __future__ import annotations

import atexit
import contextlib
import tempfile
from importlib import resources
from pathlib import Path

__all__ = ["shipped_demo_dir", "shipped_factors_dir"]


_EXTRACTED = contextlib.ExitStack()  # package data unpacked from a zip import, removed at exit
atexit.register(_EXTRACTED.close)
_UNPACKED: dict[tuple[str, ...], Path] = {}


def _package_data(*parts: str) -> Path:
    """A folder of ghginv's package data (``ghginv/data/…``) as a real folder: where the package is
    installed as files (a wheel, a checkout, an editable install) the folder itself; from a zip
    import, a copy unpacked once per process into a temporary folder (removed at exit)."""
    res = resources.files("ghginv").joinpath("data", *parts)
    if isinstance(res, Path):
        return res.resolve() if res.exists() else res
    if parts not in _UNPACKED:
        tmp = Path(_EXTRACTED.enter_context(tempfile.TemporaryDirectory(prefix="ghginv-data-")))
        _unpack(res, tmp / parts[-1])
        _UNPACKED[parts] = tmp / parts[-1]
    return _UNPACKED[parts]


def _unpack(res, dest: Path) -> None:
    """Copy a package-data folder (an :class:`importlib.resources.abc.Traversable`) to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for child in res.iterdir():
        if child.is_dir():
            _unpack(child, dest / child.name)
        else:
            (dest / child.name).write_bytes(child.read_bytes())


def shipped_factors_dir() -> Path:
    """The folder of the factor sets shipped with ghginv (package data ``ghginv/data/factor_sets/``).

    Returns
    -------
    pathlib.Path
        One sub-folder per set (``ipcc2006_energy/``, ``mee_nbs_grid/`` …), each with its
        ``manifest.toml``; read through :mod:`importlib.resources`, so it is the installed
        package's folder after ``pip install ghginv`` and ``ghginv/data/factor_sets`` in a checkout.
    """
    return _package_data("factor_sets")


def shipped_demo_dir() -> Path:
    """The folder of the demo workspace shipped with ghginv (package data ``ghginv/data/demo/``).

    Returns
    -------
    pathlib.Path
        The SYNTHETIC demo: inventory TOMLs, their data and generators, the synthetic sink
        parameter set, the example ledgers (``ghginv demo`` copies the files of
        :data:`ghginv.demo.DEMO_FILES` from here).
    """
    return _package_data("demo")
