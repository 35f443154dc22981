"""The command line as a process (``ghginv.cli.main()`` without arguments) ends without the
interpreter's finalization (:func:`ghginv.cli._end_process`), and loses nothing by it: the exit
status, everything printed (also without a final newline), the ``atexit`` functions; a thread still
running, a profiler or a closed pipe make it exit the ordinary way. Called with ``argv`` it returns.
In that process the heavy imports run with the garbage collector off (:func:`ghginv._import_module`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _process(code: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, GHGINV_LANG="en", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)


_MAIN = """
import atexit, sys
from pathlib import Path
atexit.register(lambda: Path("atexit.txt").write_text("ran"))
sys.stdout.write("before ")  # no newline: must still be flushed
sys.argv = ["ghginv", *sys.argv[1:]]
from ghginv.cli import main
main()
sys.stdout.write("AFTER MAIN")  # never reached: main() ends the process
"""


def test_process_keeps_output_status_and_atexit(tmp_path):
    from ghginv import __version__

    ok = _process(_MAIN, tmp_path, "version")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == f"before {__version__}\n"
    assert (tmp_path / "atexit.txt").read_text() == "ran"

    bad = _process(_MAIN, tmp_path, "compile", "missing.toml", "--out", "x")
    assert bad.returncode == 2 and "AFTER MAIN" not in bad.stdout
    assert "missing.toml" in bad.stdout + bad.stderr

    usage = _process(_MAIN, tmp_path, "no-such-command")
    assert usage.returncode == 2 and "No such command" in usage.stderr


def test_compile_process_writes_everything(tmp_path):
    toml = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
    run = _process(_MAIN, tmp_path, "compile", str(toml), "--out", "run")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("before ") and str(tmp_path / "run") in run.stdout.splitlines()[-1]
    written = {p.name for p in (tmp_path / "run").iterdir()}
    assert {"manifest.json", "emissions.parquet", "inventory.xlsx", "report.html"} <= written


_THREAD = """
import sys, threading, time
from pathlib import Path
def late():
    time.sleep(0.5)
    Path("thread.txt").write_text("done")
threading.Thread(target=late).start()  # not a daemon: the process waits for it
sys.argv = ["ghginv", "version"]
from ghginv.cli import main
main()
"""

_PROFILED = """
import cProfile, sys
sys.argv = ["ghginv", "version"]
from ghginv.cli import main
p = cProfile.Profile()
p.enable()
try:
    main()
except SystemExit as e:
    p.disable()
    print("profiled exit", e.code)
"""


_POOLED = """
import os, sys, threading
from pathlib import Path
from ghginv.pipeline.sums import split_run
os.cpu_count = lambda: 2  # two ranges on the pool, whatever the machine
print(split_run(lambda lo, hi: hi - lo, 1 << 17))  # the kernels' pool is made, its threads left idle
print("pool threads", sum(t.name.startswith("ghginv-kernel") for t in threading.enumerate()) > 0, flush=True)
real = os._exit
def spy(code):
    Path("quick_end.txt").write_text(" ".join(sorted(t.name for t in threading.enumerate())))
    real(code)
os._exit = spy
sys.argv = ["ghginv", "compile", sys.argv[1], "--out", "run", "--quiet"]
from ghginv.cli import main
main()
"""


def test_the_kernels_idle_pool_does_not_stop_the_quick_end(tmp_path):
    """A compile above 65,536 cube cells or a recompute on kept positions leaves the kernels' thread pool
    (:mod:`ghginv.pipeline.sums`) idle behind it: the command line's write shuts it down
    (:func:`ghginv.pipeline.write.write_run`) and the process still ends the quick way, with no other thread left."""
    r = _process(_POOLED, tmp_path, str(ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("[65536, 65536]\npool threads True\n")
    assert (tmp_path / "quick_end.txt").read_text() == "MainThread"


def test_ordinary_exit_with_a_running_thread_or_a_profiler(tmp_path):
    r = _process(_THREAD, tmp_path)
    assert r.returncode == 0 and (tmp_path / "thread.txt").read_text() == "done"
    p = _process(_PROFILED, tmp_path)
    assert p.returncode == 0 and p.stdout.endswith("profiled exit 0\n")


@pytest.mark.parametrize("args", [["version"], ["compile", "missing.toml", "--out", "x"]])
def test_main_with_argv_returns(args, capsys):
    from ghginv.cli import main

    rc = main(args)
    assert rc == (0 if args == ["version"] else 2)


_IMPORTS = """
import gc, sys
import ghginv
ghginv._CLI_PROCESS = {cli}
{before}
before = gc.get_freeze_count()
ghginv.Inventory  # the first import of the pipeline (polars, numpy, pyarrow)
print(gc.isenabled(), gc.get_freeze_count() > before, "polars" in sys.modules)
"""


@pytest.mark.parametrize(("cli", "before", "expect"), [
    (True, "", "True True True"),  # the command line: imported with the collector off, then frozen
    (False, "", "True False True"),  # the API: nothing changes
    (True, "gc.disable()", "False False True"),  # a collector switched off stays off, nothing frozen
])
def test_heavy_imports_pause_the_collector_only_in_the_cli_process(tmp_path, cli, before, expect):
    r = _process(_IMPORTS.format(cli=cli, before=before), tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == expect.split()



_RAN_WITH = """
import os, sys
sys.argv = ["ghginv", "version"]
{before}
import atexit
atexit.register(lambda: print("RAN", os.environ.get({var!r})))  # what the command ran with
from ghginv.cli import main
main()
"""


def _clean_run(code: str, tmp_path: Path, drop: tuple[str, ...], **env) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter, without the variables ``drop`` (names, or prefixes ending in ``_``) of this
    process's environment, with ``env``."""
    base = {k: v for k, v in os.environ.items() if not any(k == d or (d.endswith("_") and k.startswith(d)) for d in drop)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**base, "PYTHONPATH": str(ROOT), **env},
                         cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    return run


def _ran_with(var: str, tmp_path: Path, before: str = "", drop: tuple[str, ...] = (), **env) -> str:
    """The value of the environment variable ``var`` the command line (``main()``, ``ghginv version``) ran with, in a
    fresh interpreter that first runs ``before``; ``drop``: further variables taken out of the environment."""
    run = _clean_run(_RAN_WITH.format(before=before, var=var), tmp_path, (var, *drop), **env)
    return next((ln[4:] for ln in run.stdout.splitlines() if ln.startswith("RAN ")), "")


_POLARS_READS = """
import os, sys
from ghginv.cli import _quick_return_of_memory
_quick_return_of_memory()
os.environ["_RJEM_MALLOC_CONF"] += ",stats_print:true"  # jemalloc prints its settings at exit
import polars
"""


@pytest.mark.skipif(sys.platform == "win32", reason="polars uses mimalloc on Windows, not jemalloc")
def test_the_command_line_gives_freed_memory_back_sooner(tmp_path):
    """The command line (``main()``, as the console script runs it) sets polars' allocator (jemalloc) to give freed
    memory back after 0.1 s, without the "muzzy" state, before polars is imported, and polars applies it (jemalloc's
    own statistics print the setting). A setting of the user's own, or polars imported already, is left alone."""
    var = "_RJEM_MALLOC_CONF"
    assert _ran_with(var, tmp_path) == "dirty_decay_ms:100,muzzy_decay_ms:0"
    assert _ran_with(var, tmp_path, _RJEM_MALLOC_CONF="dirty_decay_ms:2000") == "dirty_decay_ms:2000"
    conf = _ran_with(var, tmp_path, before="import polars")
    assert "dirty_decay_ms:100" not in conf and "dirty_decay_ms:500" in conf  # polars' own, set when it was imported
    run = _clean_run(_POLARS_READS, tmp_path, (var,))
    assert "opt.dirty_decay_ms: 100" in run.stderr and "opt.muzzy_decay_ms: 0" in run.stderr


_ARROW_READS = """
import os
from ghginv.cli import _arrow_arena_on_demand
_arrow_arena_on_demand()
os.environ["MIMALLOC_VERBOSE"] = "1"  # mimalloc prints its settings when it starts
import pyarrow as pa
print("POOL", pa.default_memory_pool().backend_name)
pa.array(range(100_000))
"""


def test_the_command_line_commits_pyarrows_memory_as_it_is_touched(tmp_path):
    """The command line (``main()``) sets pyarrow's allocator (mimalloc) to commit its arena page by page, without
    transparent huge pages, before pyarrow is loaded. A setting of the user's own, or pyarrow loaded already, is left
    alone."""
    var, mimalloc = "MIMALLOC_ARENA_EAGER_COMMIT", ("MIMALLOC_",)
    assert _ran_with(var, tmp_path, drop=mimalloc) == "0"
    assert _ran_with(var, tmp_path, drop=mimalloc, MIMALLOC_ARENA_EAGER_COMMIT="1") == "1"
    assert _ran_with(var, tmp_path, before="import pyarrow", drop=mimalloc) == "None"


def test_mimalloc_applies_the_command_lines_arena_setting(tmp_path):
    """The setting reaches pyarrow's allocator: mimalloc's start-up message lists it (where pyarrow's default pool is
    mimalloc)."""
    run = _clean_run(_ARROW_READS, tmp_path, ("MIMALLOC_", "ARROW_DEFAULT_MEMORY_POOL"))
    if "POOL mimalloc" not in run.stdout:
        pytest.skip(f"pyarrow's default memory pool here is not mimalloc ({run.stdout.strip()})")
    assert "option 'arena_eager_commit': 0" in run.stderr


_BLAS_STARTS = """
import os
from ghginv.cli import _one_blas_thread
_one_blas_thread()
import numpy
print("THREADS", len(os.listdir("/proc/self/task")))  # OpenBLAS starts its threads when numpy is imported
"""


def test_the_command_line_keeps_blas_on_one_thread(tmp_path):
    """The command line (``main()``) has OpenBLAS compute on the calling thread (no spinning threads of its own beside
    the imports and the kernels), before numpy is imported; a thread count of the user's own (for OpenBLAS or OpenMP),
    or numpy imported already, is left alone. An empty or zero value is no count to OpenBLAS, nor to the command line."""
    var, counts = "OPENBLAS_NUM_THREADS", ("GOTO_NUM_THREADS", "OMP_NUM_THREADS")
    assert _ran_with(var, tmp_path, drop=counts) == "1"
    assert _ran_with(var, tmp_path, drop=counts, OPENBLAS_NUM_THREADS="2") == "2"
    assert _ran_with(var, tmp_path, drop=counts, OMP_NUM_THREADS="2") == "None"
    assert _ran_with(var, tmp_path, drop=counts, GOTO_NUM_THREADS="3") == "None"
    assert _ran_with(var, tmp_path, drop=counts, OPENBLAS_NUM_THREADS="") == "1"
    assert _ran_with(var, tmp_path, drop=counts, OMP_NUM_THREADS="0") == "1"
    assert _ran_with(var, tmp_path, before="import numpy", drop=counts) == "None"


@pytest.mark.parametrize(("environ", "count"), [
    ({}, False), ({"OPENBLAS_NUM_THREADS": "4"}, True), ({"GOTO_NUM_THREADS": " 2 "}, True), ({"OMP_NUM_THREADS": "1"}, True),
    ({"OPENBLAS_NUM_THREADS": ""}, False), ({"OMP_NUM_THREADS": "0"}, False), ({"OMP_NUM_THREADS": "-2"}, False),
    ({"OPENBLAS_NUM_THREADS": "many"}, False), ({"OPENBLAS_NUM_THREADS": "", "OMP_NUM_THREADS": "2"}, True),
    ({"OMP_NUM_THREADS": "4,2"}, True), ({"OMP_NUM_THREADS": "0,2"}, False), ({"OPENBLAS_NUM_THREADS": "²"}, False),
])
def test_what_counts_as_a_blas_thread_count_of_the_users(environ, count):
    from ghginv.cli import _blas_count_set

    assert _blas_count_set(environ) is count


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts the process's threads in /proc")
def test_numpy_starts_no_blas_thread_under_the_command_lines_setting(tmp_path):
    """With the setting, importing numpy starts no thread; without it (where OpenBLAS starts one for each further core
    here) it does — so the check tells the two apart."""
    drop = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")
    without = _clean_run(_BLAS_STARTS.replace("_one_blas_thread()\n", ""), tmp_path, drop)
    if "THREADS 1" in without.stdout:
        pytest.skip(f"numpy's BLAS starts no thread of its own here (one usable core, or not OpenBLAS): {without.stdout.strip()}")
    run = _clean_run(_BLAS_STARTS, tmp_path, drop)
    assert "THREADS 1" in run.stdout, run.stdout
