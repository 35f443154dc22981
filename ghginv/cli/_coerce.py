"""The command line's values without pydantic: typer ≥ 0.29 coerces every option through a pydantic
``TypeAdapter`` it builds per parameter on every call (importing pydantic, ~0.1–0.2 s of a
command's start-up), even for an option that was not given.

:func:`install` replaces ``typer.core._TyperParameter.get_runtime_param`` with one that returns a
:class:`_QuickParam`: a value that was not given (``None``), a ``str`` for a ``str`` option, a
string of ASCII digits for an unconstrained ``int`` and a string for a ``Path`` are coerced here
exactly as typer's adapters coerce them (the same objects: the string itself, ``int(value)``,
typer's own :func:`~typer._param_types.coerce_cli_path` on ``Path(value)``); every other value or
type (enums, floats, ranges, files, a parser, bytes) and any value the quick path cannot take
goes to typer's own runtime parameter, built then — the same results and the same messages. If
typer's internals are not the ones this was written for, nothing is replaced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin

__all__ = ["install"]

_MISS = object()


def _quick_leaf(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    """``value`` coerced to ``annotation`` as typer's adapter would, or :data:`_MISS` when the quick
    path does not handle it (then typer's adapter does)."""
    if info.parser is not None or not isinstance(value, str):
        return _MISS
    if annotation is str:
        return value  # _parse_cli_str: str(value); the str schema keeps it
    if annotation is int:
        if info.min is None and info.max is None and not info.clamp and value.isascii() and value.isdigit():
            return int(value)
        return _MISS
    if isinstance(annotation, type) and issubclass(annotation, Path) and value:
        from typer._param_types import coerce_cli_path, routes_to_path

        if not routes_to_path(annotation, info):
            return _MISS
        path_type = info.path_type if info.path_type is not None else annotation
        if not (isinstance(path_type, type) and issubclass(path_type, Path)):
            return _MISS
        try:  # pydantic's lax Path from a str is path_type(value); the checks are typer's own
            return coerce_cli_path(path_type(value), info, path_type=path_type, param=param, ctx=ctx)
        except Exception:  # a missing file, a folder for a file: typer's adapter says it
            return _MISS
    return _MISS


class _QuickParam:
    """typer's ``RuntimeParam.coerce`` for one parameter: the quick path first, typer's own runtime
    parameter (built on first need) for everything else."""

    __slots__ = ("_param", "_full")

    def __init__(self, param: Any) -> None:
        self._param = param
        self._full = None

    def _typer_param(self) -> Any:
        if self._full is None:
            from typer._coercion import build_runtime_param

            self._full = build_runtime_param(self._param.type_descriptor)
        return self._full

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        """As ``typer._coercion.RuntimeParam.coerce``."""
        if value is None:  # not given: typer returns () or None before it looks at the type
            return () if (param.multiple or param.nargs == -1) else None
        desc = param.type_descriptor
        if desc.file_annotation is None:
            annotation, info = desc.annotation, desc.parameter_info
            multi = param.multiple or param.nargs == -1
            if not multi:
                out = _quick_leaf(annotation, info, value, param, ctx)
                if out is not _MISS:
                    return out
            elif get_origin(annotation) is list and isinstance(value, (list, tuple)):
                (item_type,) = get_args(annotation) or (None,)
                items = [_quick_leaf(item_type, info, v, param, ctx) for v in value]
                if all(v is not _MISS for v in items):
                    return items  # parse_list: a list of the coerced items
        return self._typer_param().coerce(value, param=param, ctx=ctx)


def install() -> bool:
    """Let typer coerce through :class:`_QuickParam`; False (nothing changed) when typer's
    parameters do not have the lazy runtime parameter this replaces."""
    try:
        from typer import core
        from typer._coercion import RuntimeParam, build_runtime_param  # noqa: F401  (the internals this relies on)
        from typer._param_types import coerce_cli_path, routes_to_path  # noqa: F401
    except ImportError:
        return False
    cls = getattr(core, "_TyperParameter", None)
    if cls is None or not hasattr(cls, "get_runtime_param") or not hasattr(RuntimeParam, "coerce"):
        return False
    if getattr(cls.get_runtime_param, "_ghginv_quick", False):
        return True

    def get_runtime_param(self):
        if self._runtime_param is None:
            self._runtime_param = _QuickParam(self)
        return self._runtime_param

    get_runtime_param._ghginv_quick = True
    cls.get_runtime_param = get_runtime_param
    return True
