"""Numba kernels over plain numpy arrays (no Python objects).

Every kernel is declared with :func:`ngjit` (``numba.njit(cache=True, nogil=True)``), which
compiles it lazily: numba is imported, and the kernels are loaded from its on-disk cache, only
when a kernel is first called with an array longer than ``JIT_MIN_LEN`` elements (16,384;
environment variable ``GHGINV_JIT_MIN_LEN``). Until then the kernels run as the plain Python
functions they are written as, over the same numpy arrays (or, for a kernel declared with
``ngjit(small=…)``, as that function: the same computation over whole arrays in numpy, where the
kernel's loop per row would be slow as Python — the dense cube kernel, whose loop took ~0.4 s of a
cold district compile). A small run (the district demo: 25 k activity rows, 1,478 cube cells)
thus never pays numba's fixed start-up (its import and its first
cache loads, about 0.2 s of CPU on a quiet machine) for a few milliseconds of arithmetic; a large
one pays it once, at its first large call, and runs every kernel compiled from then on. The cube
stage decides per run (:func:`numpy_run`): when the activity files it reads are small (below 32 MiB,
about 4 M rows; files whose cubes are in the cube cache are not read and do not count), the kernels
with a numpy form stay in numpy whatever their arrays' length, as numba's start-up would cost more
than their loops save.

The two forms give the same bits: the kernels use only IEEE double arithmetic in a fixed order
(no ``fastmath``, no parallel reductions), ``math`` functions of the C library, and integer
arithmetic that stays below 2**62, which numba and numpy scalars evaluate identically
(``tests/integration/test_kernel_modes.py`` compiles the demo both ways and compares every output
byte for byte, and checks kernels with hypothesis). The Monte Carlo kernels are always compiled
(``ngjit(lazy=False)``): their draws come from numba's generator of each thread. Setting
``NUMBA_DISABLE_JIT=1`` runs every kernel as plain Python, which the test-suite does too
(``pytest -m nojit``); ``GHGINV_JIT_MIN_LEN=0`` compiles every kernel from its first call (the
behaviour before, and the test-suite's default: ``tests/conftest.py``).
"""

from __future__ import annotations

import os
import threading

import numpy as np

__all__ = ["ngjit", "JIT_MIN_LEN", "NUMPY_RUN_MAX_BYTES", "jit_active", "numpy_run", "preload"]


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "").strip() or default)
    except ValueError:
        return default


# the longest array a kernel runs on as plain Python before numba is loaded: the demo's largest
# call (5,900 inventory values; its kernels take ~20 ms as plain Python) stays below it, the 1 M-row
# benchmark's batches go above it; plain Python takes about 1-5 µs per element, so a call just
# below it costs at most about what loading numba does
JIT_MIN_LEN = _env_int("GHGINV_JIT_MIN_LEN", 16_384)
# a run whose activity files hold fewer bytes than this (about 4 M rows of Parquet) keeps the
# kernels that have a numpy form in numpy whatever their arrays' length (:func:`numpy_run`):
# whole processes of the synthetic benchmark took 0.7-1.1 s less CPU that way at 200 k rows; with
# the dense cube's numpy form in pieces and int64 gathers, 0.25 s less at 2 M rows (2.65 s against
# 2.91 s, median of 4) and about as much as with numba at 10 M (4.24 s against 4.00 s, median of 3;
# min 3.73 s against 3.90 s): numba's import and cache loads (~0.3-0.8 s of CPU on the shared
# machine) against numpy's slower loops
NUMPY_RUN_MAX_BYTES = _env_int("GHGINV_NUMPY_RUN_MAX_BYTES", 32 << 20)
_DISABLED = _env_int("NUMBA_DISABLE_JIT", 0) != 0  # as numba reads it (numba.core.config)
_LOCK = threading.Lock()
_KERNELS: list[Kernel] = []
_ACTIVE = False
_NUMPY_RUN = False


def numpy_run(input_bytes: int | None) -> bool:
    """Decide, for the run about to start, whether the kernels with a numpy form stay in numpy.

    A run that reads fewer than ``NUMPY_RUN_MAX_BYTES`` bytes of activity files (32 MiB, about
    4 M rows of Parquet; environment variable ``GHGINV_NUMPY_RUN_MAX_BYTES``) runs every kernel
    declared with ``ngjit(small=…)`` in numpy, whatever its arrays' length: the dense cube, the
    merge of the files' cubes, the emissions and the roll-ups, everything the row path of a
    compile calls. numba is then not loaded at all, unless a kernel without a numpy form gets an
    array longer than ``GHGINV_JIT_MIN_LEN`` (the hash-table cube of very sparse data, sinks, …);
    from then on every kernel runs compiled, as before. A larger run keeps the per-call rule. The
    bits are the same either way (see the module docstring). With ``GHGINV_JIT_MIN_LEN=0`` (every
    kernel compiled from its first call) the run is never a numpy run.

    Parameters
    ----------
    input_bytes : int or None
        Bytes of the activity files the run reads (the cube stage leaves out those whose cubes
        are in the cube cache); None when unknown (not a numpy run).

    Returns
    -------
    bool
        Whether this run is a numpy run.
    """
    global _NUMPY_RUN
    _NUMPY_RUN = input_bytes is not None and JIT_MIN_LEN > 0 and input_bytes < NUMPY_RUN_MAX_BYTES
    return _NUMPY_RUN


def jit_active() -> bool:
    """Whether numba has been loaded and the kernels run compiled (see the module docstring).

    Returns
    -------
    bool
        True once a kernel was called with an array longer than ``GHGINV_JIT_MIN_LEN`` elements.
    """
    return _ACTIVE


class Kernel:
    """A kernel that runs as plain Python on small arrays until numba is loaded, compiled after.

    Calls pass straight to the compiled dispatcher once numba is loaded; ``py_func`` is the
    plain function (as on a numba dispatcher).
    """

    __slots__ = ("py_func", "_jit", "_lazy", "_small", "_has_np", "__dict__", "__weakref__")

    def __init__(self, fn, lazy: bool = True, small=None):
        self.py_func = fn
        self._jit = None
        self._lazy = lazy
        self._small = fn if small is None else small
        self._has_np = small is not None
        for a in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(self, a, getattr(fn, a))
        self.__wrapped__ = fn

    def __call__(self, *args, **kwargs):
        jit = self._jit
        if jit is None:
            if _DISABLED or (self._lazy and ((_NUMPY_RUN and self._has_np) or (
                    not _large(args) and not (kwargs and _large(kwargs.values()))))):
                return self._small(*args, **kwargs)
            jit = _activate(self)
        return jit(*args, **kwargs)

    def __reduce__(self):  # pickled by name, as the module-level function it stands for
        return _kernel_by_name, (self.py_func.__module__, self.py_func.__qualname__)

    def __repr__(self) -> str:
        return f"<ghginv kernel {self.py_func.__module__}.{self.py_func.__qualname__}>"


def _first(a):
    """Sum of an int64 array: the kernel :func:`preload` loads to bring numba up."""
    total = 0
    for x in a:
        total += x
    return total


def preload() -> threading.Thread | None:
    """Start loading numba in a background thread, for a run that will need it.

    numba's import and the set-up of its first kernel take about 0.5–0.8 s of CPU, most of it
    holding the GIL. The cube stage calls this before it hashes and reads the files, so that
    the load overlaps with what releases the GIL meanwhile: hashing, reading the cached file
    cubes and decoding the first batches (read further ahead until then). The thread loads a
    kernel of four lines (its compiled form is cached on disk like every kernel's); a kernel
    called while it runs waits for it (numba is loaded once, under a lock). Nothing changes in
    what the kernels compute.

    Returns
    -------
    threading.Thread or None
        The started (daemon) thread; None when there is nothing to load (numba disabled or
        already loaded, every kernel compiled from its first call, or a numpy run:
        :func:`numpy_run`).
    """
    if _DISABLED or _ACTIVE or _NUMPY_RUN or JIT_MIN_LEN <= 0:
        return None

    def load():
        try:
            f = _FIRST  # the dispatcher itself once numba is loaded (_activate rewrites this module's globals)
            (_activate(f) if isinstance(f, Kernel) else f)(np.zeros(4, np.int64))
        except Exception:  # noqa: BLE001 - only a head start: the first real call loads numba (and reports) as before
            pass

    t = threading.Thread(target=load, name="ghginv-numba-load", daemon=True)
    t.start()
    return t


def _kernel_by_name(module: str, name: str):
    return getattr(__import__(module, fromlist=[name]), name)


def _large(args) -> bool:
    for a in args:
        if type(a) is np.ndarray and a.size > JIT_MIN_LEN:
            return True
    return False


def _activate(kernel: Kernel):
    """Load numba once: a dispatcher for every kernel declared so far, and every kernel in the
    globals of a module that declares kernels replaced by its dispatcher, so that a kernel calling
    another (its own module's or imported) compiles against it."""
    global _ACTIVE
    with _LOCK:
        if kernel._jit is None:
            import numba

            for k in _KERNELS:
                k._jit = numba.njit(cache=True, nogil=True)(k.py_func)
            for g in {id(k.py_func.__globals__): k.py_func.__globals__ for k in _KERNELS}.values():
                for name, v in list(g.items()):  # a kernel's own name, or one imported from another module
                    if isinstance(v, Kernel):
                        g[name] = v._jit
            _ACTIVE = True
    return kernel._jit


def ngjit(fn=None, *, lazy: bool = True, small=None):
    """The one decorator for ghginv kernels: nopython, cached on disk, releases the GIL; loaded lazily.

    Parameters
    ----------
    fn : callable
        A function over numpy arrays and scalars only.
    lazy : bool, default True
        Run as plain Python on small arrays until numba is loaded. ``@ngjit(lazy=False)``: always
        compiled (the Monte Carlo kernels, whose random draws come from numba's generator of
        each thread, not numpy's shared one).
    small : callable, optional
        What runs instead of ``fn`` while numba is not loaded: the same computation over whole
        arrays in numpy (same results, bit for bit) where ``fn``'s loop per element is slow as
        plain Python. Default: ``fn`` itself.

    Returns
    -------
    Kernel or numba.core.registry.CPUDispatcher
        A :class:`Kernel` calling ``fn`` itself on small arrays and ``numba.njit(cache=True,
        nogil=True)(fn)`` once numba is loaded (the dispatcher itself when it already is); the
        plain function when ``NUMBA_DISABLE_JIT=1``.
    """
    if fn is None:
        return lambda f: ngjit(f, lazy=lazy, small=small)
    if _DISABLED:
        return fn
    with _LOCK:
        if _ACTIVE:
            import numba

            return numba.njit(cache=True, nogil=True)(fn)
        k = Kernel(fn, lazy, small)
        _KERNELS.append(k)
        return k


_FIRST = ngjit(_first)
