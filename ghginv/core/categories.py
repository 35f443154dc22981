"""IPCC 2006 category tree (dotted codes such as ``1.A.4.b``) and pattern matching helpers."""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

__all__ = ["categories", "category_name", "is_category", "ancestors", "level", "under", "suggest", "BUNKERS", "is_bunker",
           "SCOPE_ORDER"]

# International bunkers: memo items reported outside the national total (2006 IPCC GL Vol 2 Ch 3 §3.6.1
# (aviation) and §3.5.1 (navigation); Vol 1 Ch 8 reporting tables, "Memo items")
# the scopes of an emission row in the order of every table (the inventory, the recalculation, the uncertainty table)
SCOPE_ORDER = {"direct": 0, "indirect": 1, "memo": 2}

BUNKERS = ("1.A.3.a.i", "1.A.3.d.i")


@lru_cache(maxsize=1)
def categories() -> dict[str, str]:
    """All IPCC 2006 category codes known to ghginv.

    Returns
    -------
    dict of str to str
        Dotted category code (e.g. ``1.A.4.b``) -> English name, read once from the packaged
        ``ipcc2006_categories.csv`` (the 2006 IPCC Guidelines' category tree).
    """
    with resources.files("ghginv.core.data").joinpath("ipcc2006_categories.csv").open(encoding="utf-8") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


def is_category(code: str) -> bool:
    """Whether ``code`` is a known IPCC 2006 category code.

    Parameters
    ----------
    code : str
        Dotted category code, e.g. ``1.A.4.b``.

    Returns
    -------
    bool
        True when :func:`categories` has it.
    """
    return code in categories()


def category_name(code: str) -> str:
    """English name of a category code.

    Parameters
    ----------
    code : str
        Dotted category code, e.g. ``1.A.4.b``.

    Returns
    -------
    str
        Its name, or ``""`` for an unknown code.
    """
    return categories().get(code, "")


def level(code: str) -> int:
    """Depth of a code: ``1`` -> 1, ``1.A`` -> 2, ``1.A.4.b`` -> 4.

    Parameters
    ----------
    code : str
        Dotted category code.

    Returns
    -------
    int
        Number of dotted parts (1 for a sector).
    """
    return code.count(".") + 1


def under(code: str, *parents: str) -> bool:
    """``code`` is one of ``parents`` or below one: ``under("1.A.4.b", "1.A")`` is True, ``under("1.AB", "1.A")`` False.

    Parameters
    ----------
    code : str
        Dotted category code.
    *parents : str
        Candidate parent codes.

    Returns
    -------
    bool
        True when ``code`` equals a parent or starts with a parent followed by ``.``.
    """
    return any(code == p or code.startswith(p + ".") for p in parents)


def ancestors(code: str) -> list[str]:
    """The code and every parent, top first: ``1.A.4.b`` -> ``[1, 1.A, 1.A.4, 1.A.4.b]``.

    Parameters
    ----------
    code : str
        Dotted category code.

    Returns
    -------
    list of str
        ``level(code)`` codes, from the sector down to ``code`` itself.
    """
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def suggest(code: str, limit: int = 3) -> list[str]:
    """Close known codes, for 'did you mean' hints.

    Parameters
    ----------
    code : str
        A code that is not (or may not be) a known category.
    limit : int, default 3
        Most suggestions returned.

    Returns
    -------
    list of str
        Known codes at least 0.6 similar to ``code`` (:func:`difflib.get_close_matches`), best first.
    """
    import difflib

    return difflib.get_close_matches(code, list(categories()), n=limit, cutoff=0.6)


def is_bunker(code: str) -> bool:
    """Whether ``code`` is international aviation or navigation (1.A.3.a.i, 1.A.3.d.i) or below it.

    Parameters
    ----------
    code : str
        Dotted category code.

    Returns
    -------
    bool
        True for an international-bunker category: its emissions are memo items, outside every total.
    """
    return under(code, *BUNKERS)
