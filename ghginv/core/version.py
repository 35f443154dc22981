"""The package version, in one place: the ``version`` of ``pyproject.toml``.

An installed ghginv (``pip install``, also an editable install) reads it from the package
metadata (:func:`importlib.metadata.version`); a source checkout run without installing
(``PYTHONPATH=.``) reads it from the checkout's ``pyproject.toml``. ``ghginv --version``,
``ghginv version``, ``ghginv.__version__`` and every run's ``manifest.json``
(``ghginv_version``) show this value.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

__all__ = ["__version__", "library_version"]


def _version() -> str:
    try:
        return metadata.version("ghginv")
    except metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        project = {}
    if project.get("name") == "ghginv" and isinstance(project.get("version"), str):
        return project["version"]
    return "0+unknown"  # neither installed nor in a checkout: PEP 440 local version "unknown"


__version__ = _version()


def library_version(name: str) -> str:
    """The version of a library, without importing it.

    Its ``__version__`` when it is imported, else its package metadata, so that naming it in
    ``manifest.json`` does not import it.

    Parameters
    ----------
    name : str
        The import and distribution name (``duckdb``, ``numba`` …).

    Returns
    -------
    str
        The version.
    """
    mod = sys.modules.get(name)
    if mod is not None and isinstance(getattr(mod, "__version__", None), str):
        return mod.__version__
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "0+unknown"
