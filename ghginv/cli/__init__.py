"""The ``ghginv`` command line: one module per command group, assembled here.

=========================  ==========================================  ========================
command                    what it does                                module
=========================  ==========================================  ========================
``compile``                activity + factor sets -> a run folder      :mod:`ghginv.cli.compile`
``recompute``, ``diff``    a run with other factors / GWPs; two runs   :mod:`ghginv.cli.runs`
``uncertainty``            Approach 1 and Monte Carlo of a run         :mod:`ghginv.cli.uncertainty`
``drill``                  a run from a total down to the factor rows  :mod:`ghginv.cli.drill`
``import``, ``validate``   ledgers -> activity Parquet; check inputs   :mod:`ghginv.cli.imports`
``report``, ``targets``    rebuild a run's reports; its target table   :mod:`ghginv.cli.report`
``factors …``              list, check, hash, show, diff factor sets   :mod:`ghginv.cli.factors`
``demo``                   write the synthetic demo and compile it     :mod:`ghginv.cli.demo`
``serve``                  the web app over a workspace folder         :mod:`ghginv.cli.serve`
``version``, ``--version``   the installed version                       :mod:`ghginv.cli.version`
=========================  ==========================================  ========================

Each command is thin over the public API (:mod:`ghginv`); what the commands share (the typer
apps, the console, the one way to fail with exit status 2, ``--years``) is in
:mod:`ghginv.cli._common`. The order of registration below is the order of ``ghginv --help``.
"""

from __future__ import annotations

from ._common import app, escape_help, factors_app
from ._richhelp import prepare as prepare_help
from .compile import compile_cmd
from .demo import demo_cmd
from .drill import drill_cmd
from .factors import factors_check, factors_diff, factors_hash, factors_list, factors_show
from .imports import import_cmd, validate_cmd
from .report import report_cmd, targets_cmd
from .runs import diff_cmd, recompute_cmd
from .serve import serve_cmd
from .uncertainty import uncertainty_cmd
from .version import root_options, version_cmd

__all__ = ["app", "main"]

app.callback()(root_options)  # --version / -V
app.command("compile")(compile_cmd)
app.command("recompute")(recompute_cmd)
app.command("diff")(diff_cmd)
app.command("uncertainty")(uncertainty_cmd)
app.command("drill")(drill_cmd)
app.command("import")(import_cmd)
app.command("validate")(validate_cmd)
app.command("report")(report_cmd)
app.command("targets")(targets_cmd)
app.command("demo")(demo_cmd)
app.command("serve")(serve_cmd)
app.command("version")(version_cmd)
factors_app.command("list")(factors_list)
factors_app.command("check")(factors_check)
factors_app.command("hash")(factors_hash)
factors_app.command("show")(factors_show)
factors_app.command("diff")(factors_diff)
escape_help(app)  # help texts print as written: "[uncertainty]", "[waste] climate_zone" are not markup


def _help_asked(args: list[str]) -> bool:
    """Whether ``args`` ask for a help text: ``--help``, no command, or a command group alone
    (``ghginv factors``); then typer's help renderer is imported the quick way
    (:mod:`ghginv.cli._richhelp`)."""
    return not args or "--help" in args or (len(args) == 1 and args[0] in {g.name for g in app.registered_groups})


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point (``ghginv = "ghginv.cli:main"``); returns the exit status. In Chinese
    (``--lang zh``, ``GHGINV_LANG=zh``) the command line's own usage errors are Chinese too
    (:func:`ghginv.cli._common.render_usage_error`).

    Called without ``argv`` (the console script, ``python -m ghginv``) the command is the process:
    the heavy modules are imported without the garbage collector (:func:`ghginv._import_module`)
    and once the command has finished, the process ends at once (:func:`_end_process`) instead of
    returning.
    Called with ``argv`` (tests, scripts) it returns the status and leaves the process alone."""
    import sys

    if argv is None:
        import ghginv

        ghginv._CLI_PROCESS = True  # heavy imports without the garbage collector (ghginv._import_module)
        _quick_return_of_memory()
        _arrow_arena_on_demand()
        _one_blas_thread()
        _end_process(_command(sys.argv[1:]))  # does not return
    return _command(list(argv))


# polars' allocator (jemalloc), in the command line's process: memory freed is given back to the system after 0.1 s
# (polars' own setting: 0.5 s, then 1 s more in the "muzzy" state, still counted in the process's memory)
_ALLOCATOR = "dirty_decay_ms:100,muzzy_decay_ms:0"


def _quick_return_of_memory() -> None:
    """Set how soon polars' allocator gives freed memory back to the system, before polars is imported (it reads
    ``_RJEM_MALLOC_CONF`` then, appending it to its own settings): in the command line's process (every command, also
    ``ghginv serve``, and the processes it starts, such as a local Dask cluster's workers, which inherit the
    environment), 0.1 s after it is freed, without the "muzzy" state (freed, not yet given back, still counted), instead of
    polars' 0.5 s + 1 s. A recompute or a compile frees large tables and allocates others within a second: the
    process's peak no longer holds both. Measured on a 2-vCPU host (3 whole processes each): the recompute at 1.19 M
    cube cells 1,668 -> 1,543 MiB, a compile of 10 M rows over 2,000 regions 1,617 -> 1,530 MiB, the same wall
    time. A setting of the user's own (``_RJEM_MALLOC_CONF`` in the environment) is left as it is, as is a process
    that has imported polars already."""
    import os
    import sys

    if "polars" not in sys.modules and "_RJEM_MALLOC_CONF" not in os.environ:
        os.environ["_RJEM_MALLOC_CONF"] = _ALLOCATOR


# pyarrow's allocator (mimalloc, inside libarrow), in the command line's process: its arena committed as its pages are
# first touched, without transparent huge pages (mimalloc's own setting, 2: committed at once where the system
# overcommits, as Linux does, with huge pages asked for)
_ARROW_ARENA = ("MIMALLOC_ARENA_EAGER_COMMIT", "0")


def _arrow_arena_on_demand() -> None:
    """Set how pyarrow's allocator (mimalloc, inside libarrow) commits its memory, before pyarrow is loaded (mimalloc
    reads its settings from the environment then): in the command line's process (every command, and the processes it
    starts, which inherit the environment), page by page as touched. mimalloc's own setting commits the 1 GiB arena it
    reserves at its first allocation eagerly, asking for transparent huge pages (``madvise(MADV_HUGEPAGE)``): every
    first touch of a 2 MiB page then zeroes all of it, for the decoded columns and the read buffers of each row group.
    Measured on a 2-vCPU virtual machine (benchmarks/README.md, "issue 20, eleventh part"; interleaved whole
    processes, medians): 100 M rows 3.44 -> 2.71 s (system time 2.05 -> 0.92 s), 10 M rows over 2,000 regions
    3.29 -> 2.58 s, 10 M 1.48 -> 1.39 s, 300 M 5.75 -> 5.59 s; 1 M rows, the demo and the recompute the same. A
    setting of the user's own (``MIMALLOC_ARENA_EAGER_COMMIT`` in the environment) is left as it is, as is a process
    that has loaded pyarrow."""
    import os
    import sys

    if "pyarrow" not in sys.modules:
        os.environ.setdefault(*_ARROW_ARENA)


_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")  # OpenBLAS reads the first set


def _blas_count_set(environ) -> bool:
    """Whether ``environ`` gives OpenBLAS a thread count: one of :data:`_BLAS_THREADS` holding a whole number ≥ 1, or
    (OpenMP's form for nested levels) a list of them whose first is one (OpenBLAS takes an empty, zero or other value
    as no count, and starts a thread for each further core)."""
    for k in _BLAS_THREADS:
        first = environ.get(k, "").split(",")[0].strip()
        if first.isascii() and first.isdecimal() and int(first) >= 1:
            return True
    return False


def _one_blas_thread() -> None:
    """Have numpy's BLAS (OpenBLAS) compute on the calling thread alone, before numpy is imported (OpenBLAS starts its
    threads then): in the command line's process and the processes it starts. OpenBLAS starts a thread for each
    further core at import, which spins for about 2**28 cycles before it sleeps — at start-up and after each matrix
    product — beside the imports and the kernels' threads. ghginv's matrix products (the uncertainty of the energy
    indicators: iterations × rows by a vector) are small beside the Monte Carlo's own kernels. Measured on a 2-vCPU
    virtual machine (benchmarks/README.md, "issue 20, eleventh part"; interleaved whole processes, medians): the demo
    compile 0.70 -> 0.65 s and 0.87 -> 0.72 s of CPU, 10 M rows 1.46 -> 1.40 s and 2.08 -> 1.89 s of CPU; ``ghginv
    uncertainty`` of the demo run (100,000 draws) no slower. A thread count of the user's own (a whole number ≥ 1 in
    any of ``OPENBLAS_NUM_THREADS``, ``GOTO_NUM_THREADS``, ``OMP_NUM_THREADS``) is left as it is, as is a process
    that has imported numpy."""
    import os
    import sys

    if "numpy" not in sys.modules and not _blas_count_set(os.environ):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"


def _end_process(status: int) -> None:
    """End the process with ``status`` now that the command has finished, without the interpreter's
    finalization: the ``atexit`` functions run and the standard streams are flushed, as at a normal
    exit, and then :func:`os._exit` skips tearing down some 750 modules, polars' and numpy's
    memory and a last garbage collection — 0.2-0.5 s of a demo compile's wall time, for nothing.
    Every output is already written and closed (a run folder is renamed into place when complete).
    (A compile or recompute writing its run leaves no idle thread of the kernels' pool behind:
    :func:`ghginv.pipeline.write.write_run` shuts the process's shared pools down in the command line's process.)
    When another thread is still running (anything a command left behind), a profiler or tracer is
    on (``python -m cProfile -m ghginv ...`` writes its figures after the command), or a stream
    cannot be flushed (a closed pipe), the process exits the ordinary way (:class:`SystemExit`),
    which waits for the thread, lets the profiler finish and reports the stream."""
    import atexit
    import os
    import sys
    import threading

    if threading.active_count() > 1 or sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(status)
    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    if run_exitfuncs is None:  # not CPython
        sys.exit(status)
    run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(status)
    os._exit(status & 0xFF if isinstance(status, int) else 1)


def _command(args: list[str]) -> int:
    """Run the command of ``args`` (without the program name); the exit status (:func:`main`)."""
    import sys

    from ._common import argv_lang, render_usage_error

    if _help_asked(args):
        prepare_help()
    try:
        if argv_lang(args) != "zh":
            app(args=args, prog_name="ghginv", standalone_mode=True)
            return 0
        try:
            rv = app(args=args, prog_name="ghginv", standalone_mode=False)
        except Exception as e:  # click's exceptions (typer vendors its own click: matched by name and shape)
            if type(e).__name__ == "NoArgsIsHelpError":  # bare ``ghginv``: the help, as without zh
                e.show()
                return e.exit_code
            if type(e).__name__ == "Abort":  # Ctrl-C, end of input
                sys.stderr.write("已中止\n")
                return 1
            if hasattr(e, "format_message") and hasattr(e, "exit_code"):  # a usage error
                sys.stderr.write(render_usage_error(e, "zh") + "\n")
                return e.exit_code
            raise
        return rv if isinstance(rv, int) else 0
    except SystemExit as e:
        return int(e.code or 0)
