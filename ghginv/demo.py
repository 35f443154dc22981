"""The demo workspace: the SYNTHETIC Qingyang demo, written into a folder of the user's.

``ghginv demo [DIR]`` (and :func:`write_demo`) copies the files of :data:`DEMO_FILES` from the
package data ``ghginv/data/demo/`` (:func:`ghginv.core.config.shipped_demo_dir`) into ``DIR``, so a
``pip install ghginv`` has the same demo as a checkout (where ``make demo`` compiles
``ghginv/data/demo/qingyang_synthetic.toml`` in place). The copy keeps the layout of the package
folder: the inventory TOMLs' relative paths (``data/…``, ``factors/qingyang_sinks_synthetic``) hold
in ``DIR`` as they do in the package.

:data:`DEMO_FILES` is the one list of what the demo holds: a file or a folder (copied whole) per
entry, relative to ``ghginv/data/demo/``. A file added to the demo is added there (and to the
package data, which takes all of ``ghginv/data/``).

A folder that is not empty is written into only when an earlier ``ghginv demo`` wrote it (it holds
:data:`MARKER`); any other is refused (:class:`ghginv.ConfigError`, exit status 2), so the demo
never overwrites a user's files.

All data of the demo are SYNTHETIC (seeded generators, not official statistics); the file names and
every output made from them say so.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .core.config import shipped_demo_dir
from .core.errors import ConfigError, Problem

__all__ = ["DEMO_FILES", "DEMO_INVENTORY", "MARKER", "write_demo"]

# What the demo workspace holds, relative to ghginv/data/demo/ (a folder is copied whole).
DEMO_FILES: tuple[str, ...] = (
    "README.md",                                 # what the synthetic data are, their columns, how to regenerate them
    "qingyang_synthetic.toml",                   # the demo inventory: energy 2020-2024, sinks, economy, targets
    "qingyang_synthetic_sectors.toml",           # the all-sectors demo (IPPU, agriculture, waste, LULUCF)
    "data/qingyang_synthetic",                   # their SYNTHETIC activity, sink, economy and energy-balance data
    "factors/qingyang_sinks_synthetic",          # the SYNTHETIC sink-parameter set (status X) the TOMLs name
    "factors/qingyang_cement_plant_synthetic",   # the SYNTHETIC cement plant's clinker analysis (status X), all-sectors TOML
    "targets",                                   # the cited target presets (the district's 2025/2030 plan, Chengdu, Sichuan, national)
    "generate_qingyang_synthetic.py",            # the seeded generators of those data
    "generate_qingyang_sectors_synthetic.py",
    "generate_qingyang_sinks_synthetic.py",
    "generate_qingyang_economy_synthetic.py",
    "generate_qingyang_energy_balance_synthetic.py",
    "ledgers",                                   # SYNTHETIC statistical ledgers (form 205-1, energy balance) + mappings
)
# the inventory ``ghginv demo`` compiles
DEMO_INVENTORY = "qingyang_synthetic.toml"
# the file that marks a folder as written by ghginv demo (and so one it may write into again)
MARKER = ".ghginv-demo"

_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")


def write_demo(folder: str | os.PathLike = "ghginv-demo") -> list[Path]:
    """Write the SYNTHETIC demo workspace (:data:`DEMO_FILES`) into a folder.

    Parameters
    ----------
    folder : str or os.PathLike, optional
        Where to write; created (with its parents) when missing. Default ``ghginv-demo`` in the
        working directory. A folder that is not empty must have been written by an earlier
        ``write_demo`` (it holds :data:`MARKER`): its demo files are then written again, other
        files in it are left alone.

    Returns
    -------
    list of pathlib.Path
        The top-level files and folders written, in :data:`DEMO_FILES` order; the inventory to
        compile is ``folder / DEMO_INVENTORY``.

    Raises
    ------
    ConfigError
        When ``folder`` is a file, or a folder that is not empty and was not written by
        ``ghginv demo`` (nothing is written then), or when a demo file is missing from the
        installed package (a broken installation).

    Examples
    --------
    >>> paths = ghginv.write_demo("ghginv-demo")                          # doctest: +SKIP
    >>> ghginv.compile_inventory("ghginv-demo/qingyang_synthetic.toml", out="ghginv-demo/out")  # doctest: +SKIP
    """
    dest = Path(folder)
    if dest.exists() and not dest.is_dir():
        raise ConfigError(f"{dest}: cannot write the demo here", [Problem(
            "it is a file, not a folder", file=str(dest), hint="give a new or empty folder: ghginv demo OTHER_FOLDER")])
    if dest.is_dir() and any(dest.iterdir()) and not (dest / MARKER).is_file():
        raise ConfigError(f"{dest}: cannot write the demo here", [Problem(
            "the folder is not empty and was not written by ghginv demo; nothing was written", file=str(dest),
            hint="give a new or empty folder (ghginv demo OTHER_FOLDER); ghginv demo never overwrites other files")])
    src = shipped_demo_dir()
    missing = [name for name in DEMO_FILES if not (src / name).exists()]
    if missing:
        raise ConfigError(f"{src}: the demo files {', '.join(missing)} are missing from the installed package",
                          [Problem("broken installation", hint="reinstall ghginv: pip install --force-reinstall ghginv")])
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name in DEMO_FILES:
        s, d = src / name, dest / name
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir():
            shutil.copytree(s, d, ignore=_SKIP, dirs_exist_ok=True)
        else:
            shutil.copyfile(s, d)
        written.append(d)
    from .core.version import __version__

    (dest / MARKER).write_text(
        f"written by ghginv demo (ghginv {__version__}): SYNTHETIC demo data, not official statistics\n"
        + "".join(f"{name}\n" for name in DEMO_FILES), encoding="utf-8")
    return written
