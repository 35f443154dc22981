"""IPCC 2006 category tree (dotted codes such as ``1.A.4.b``) and pattern matching helpers."""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

__all__ = ["categories", "category_name", "is_category", "ancestors", "level", "suggest"]


@lru_cache(maxsize=1)
def categories() -> dict[str, str]:
    """All IPCC 2006 category codes known to ghginv, code -> English name."""
    with resources.files("ghginv.core.data").joinpath("ipcc2006_categories.csv").open(encoding="utf-8") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


def is_category(code: str) -> bool:
    return code in categories()


def category_name(code: str) -> str:
    return categories().get(code, "")


def level(code: str) -> int:
    """Depth of a code: ``1`` -> 1, ``1.A`` -> 2, ``1.A.4.b`` -> 4."""
    return code.count(".") + 1


def under(code: str, *parents: str) -> bool:
    """``code`` is one of ``parents`` or below one: ``under("1.A.4.b", "1.A")`` is True, ``under("1.AB", "1.A")`` False."""
    return any(code == p or code.startswith(p + ".") for p in parents)


def ancestors(code: str) -> list[str]:
    """The code and every parent, top first: ``1.A.4.b`` -> ``[1, 1.A, 1.A.4, 1.A.4.b]``."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def suggest(code: str, limit: int = 3) -> list[str]:
    """Close known codes, for 'did you mean' hints."""
    import difflib

    return difflib.get_close_matches(code, list(categories()), n=limit, cutoff=0.6)
