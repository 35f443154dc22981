"""``ghginv demo [DIR]``: write the SYNTHETIC demo workspace into a folder and compile it.

Thin over :func:`ghginv.write_demo` (what the demo holds: :data:`ghginv.demo.DEMO_FILES`) and the
``compile`` command; prints what it wrote, the compile summary and the commands to try next.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from ._common import console, esc, fail

__all__ = ["demo_cmd"]


def _shown(p: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        text = str(p.absolute().relative_to(Path.cwd()))
    except ValueError:
        text = str(p.absolute())
    return shlex.quote(text)


def demo_cmd(
    folder: Annotated[Path, typer.Argument(help="folder to write the demo into (new, empty, or written by an earlier ghginv demo)")] = Path("ghginv-demo"),
    compile_: Annotated[bool, typer.Option("--compile/--no-compile", help="compile the demo inventory after writing it (into DIR/out/qingyang_synthetic)")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print only the one-line summary of the compile")] = False,
):
    """Write the SYNTHETIC demo workspace (inventory TOMLs, data, a ledger example) into a folder and compile it."""
    from .. import DEMO_INVENTORY, GhgInvError, write_demo

    try:
        written = write_demo(folder)
    except GhgInvError as e:
        fail(e)
    con = console()
    con.print(f"[bold]demo workspace written to {esc(_shown(folder))}[/] (SYNTHETIC data, not official statistics):")
    for p in written:
        con.print(f"  {esc(_shown(p))}{'/' if p.is_dir() else ''}")
    toml = folder / DEMO_INVENTORY
    out = folder / "out" / Path(DEMO_INVENTORY).stem
    if compile_:
        from .compile import compile_cmd

        con.print(f"compiling {esc(_shown(toml))} …")
        compile_cmd(inventory=toml, out=out, quiet=quiet)
    d = folder
    steps = [
        ("check the inputs without computing", f"ghginv validate {_shown(toml)}"),
        ("compile (again) into a run folder", f"ghginv compile {_shown(toml)} --out {_shown(out)}"),
        ("the targets of the run", f"ghginv targets {_shown(out)}"),
        ("report and workbook in Chinese (provincial tables)", f"ghginv report {_shown(out)} --lang zh"),
        ("all sectors: IPPU, agriculture, waste, LULUCF", f"ghginv compile {_shown(d / 'qingyang_synthetic_sectors.toml')} --out {_shown(d / 'out' / 'sectors')}"),
        ("import a statistical ledger (form 205-1)", f"ghginv import {_shown(d / 'ledgers' / 'synthetic_205_1_2023.xlsx')} "
                                                     f"--mapping {_shown(d / 'ledgers' / 'synthetic_205_1.mapping.toml')} --out {_shown(d / 'activity_205_1.parquet')}"),
        ("the factor sets and where they are", "ghginv factors list"),
    ]
    if compile_:
        con.print(f"report: {esc(_shown(out / 'report.html'))} and {esc(_shown(out / 'inventory.xlsx'))}")
    else:
        steps = steps[:2] + steps[3:]
    con.print("next:")
    for what, cmd in steps:
        con.print(f"  {esc(cmd):<60}  # {esc(what)}")
