"""Numba kernels over plain numpy arrays (no Python objects).

Every kernel is compiled with :func:`ngjit` (``numba.njit(cache=True, nogil=True)``). Setting
``NUMBA_DISABLE_JIT=1`` runs the same functions as plain Python, which the test-suite does too.
"""

from __future__ import annotations

import numba

__all__ = ["ngjit"]


def ngjit(fn):
    """The one decorator for ghginv kernels: nopython, cached on disk, releases the GIL.

    Parameters
    ----------
    fn : callable
        A function over numpy arrays and scalars only.

    Returns
    -------
    numba.core.registry.CPUDispatcher
        ``numba.njit(cache=True, nogil=True)(fn)``; the plain function when ``NUMBA_DISABLE_JIT=1``.
    """
    return numba.njit(cache=True, nogil=True)(fn)
