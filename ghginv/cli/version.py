"""``ghginv version``: print the installed version."""

from __future__ import annotations

__all__ = ["version_cmd"]


def version_cmd():
    """Print the ghginv version."""
    from ..core.version import __version__

    print(__version__)
