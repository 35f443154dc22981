"""typer's help renderer without the two rich modules it imports but does not use for ghginv's help.

typer renders ``--help`` (and its usage errors) with :mod:`typer.rich_utils`, whose first import
also imports :mod:`rich.markdown` (markdown-it, for ``rich_markup_mode="markdown"``) and
:mod:`rich.traceback` (pygments, for its pretty exceptions): about 0.1–0.2 s of a ``ghginv --help``
that uses neither — ghginv's apps render help as rich markup and have pretty exceptions off.

:func:`prepare` imports :mod:`typer.rich_utils` with those two names bound to :class:`_Deferred`
stand-ins: classes that import the real rich class on first use (a call, an attribute such as
``Traceback.from_exception``) and hand it over, so typer behaves exactly as with the real ones
should it ever need them. The two rich modules themselves are not touched: ``sys.modules`` holds
the stand-in modules only while :mod:`typer.rich_utils` is being imported, and any later
``import rich.markdown`` gets the real module. If :mod:`typer.rich_utils` or either rich module is
already imported, nothing is done.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module

__all__ = ["prepare"]

# the names typer.rich_utils takes from the rich modules it does not need for ghginv's help
_DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


class _DeferredMeta(type):
    """The metaclass of a stand-in: calling it or reading an attribute imports the real class."""

    def _real(cls):
        return getattr(import_module(cls._ghginv_module), cls.__name__)

    def __call__(cls, *args, **kwargs):
        return cls._real()(*args, **kwargs)

    def __getattr__(cls, name):
        if name.startswith("_ghginv_"):
            raise AttributeError(name)
        return getattr(cls._real(), name)

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls._real())


def _stand_in(module: str, name: str) -> type:
    """A class named ``name`` that stands for ``module.name`` until first used."""
    return _DeferredMeta(name, (), {"_ghginv_module": module, "__module__": __name__})


def prepare() -> None:
    """Import :mod:`typer.rich_utils` without :mod:`rich.markdown` and :mod:`rich.traceback`
    (see the module's description); a no-op when it, or either of them, is already imported."""
    if "typer.rich_utils" in sys.modules or any(m in sys.modules for m in _DEFERRED):
        return
    placed = []
    try:
        for module, name in _DEFERRED.items():
            stand_in_module = types.ModuleType(module)
            setattr(stand_in_module, name, _stand_in(module, name))
            sys.modules[module] = stand_in_module
            placed.append(module)
        import typer.rich_utils  # noqa: F401 - binds the stand-ins
    except Exception:  # noqa: BLE001 - not the typer this was written for: typer imports it its own way
        pass
    finally:
        for module in placed:
            sys.modules.pop(module, None)
