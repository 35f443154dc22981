"""Report texts in English and Chinese: the catalogue is :mod:`ghginv.core.i18n` (shared with the command
line); this module re-exports it for the report and adds the HTML helpers (numbers, tables)."""

from __future__ import annotations

from html import escape

from ..core.i18n import CATEGORY_ZH, LABELS, T, category_label, label, label_parts, mass_unit, pick, text, translate_note
from ..core.rounding import round_half_up

__all__ = ["T", "text", "pick", "label", "category_label", "translate_note", "mass_unit", "CATEGORY_ZH", "LABELS", "num", "table",
           "label_parts", "label_html"]


def label_html(kind: str, key, lang: str) -> str:
    """A catalogued name (:func:`ghginv.core.i18n.label_parts`) as HTML.

    Parameters
    ----------
    kind : str
        A block of :data:`LABELS` (``indicator``, ``scope``, ``kind`` …).
    key : object
        The value, e.g. ``"energy_gross_tce:industry_above_scale"``.
    lang : {"en", "zh"}
        Language.

    Returns
    -------
    str
        The escaped name; a sector name the catalogue does not know is the user's and is shown as
        written in ``<span translate="no">`` (as every name a user gives).
    """
    return "".join(f'<span translate="no">{escape(t)}</span>' if as_written else escape(t) for t, as_written in label_parts(kind, key, lang))


def num(v, d: int = 1, lang: str = "en") -> str:
    """A number for a report table.

    Parameters
    ----------
    v : float or None
        The value.
    d : int, default 1
        Decimals.
    lang : {"en", "zh"}, default "en"
        English: thousands separators; Chinese: none, rounded half up (四舍五入), as the statistical tables.

    Returns
    -------
    str
        The formatted number, or "—" for a missing value (None or NaN).
    """
    if v is None or v != v:
        return "—"
    return f"{round_half_up(v, d):.{d}f}" if lang == "zh" else f"{v:,.{d}f}"


def table(rows: list[list[str]], head: list[str], left: int = 1, caption: str = "") -> str:
    """An HTML table (``thead`` repeats on every printed page).

    Parameters
    ----------
    rows : list of list of str
        Cells, already HTML.
    head : list of str
        Column heads (escaped here).
    left : int, default 1
        How many first columns are left-aligned.
    caption : str, default ""
        Caption above the table (escaped here); none when empty.

    Returns
    -------
    str
        The ``<table>`` element.
    """
    from html import escape

    h = "".join(f'<th class="{"l" if i < left else ""}">{escape(c)}</th>' for i, c in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{c}</td>' for i, c in enumerate(r)) + "</tr>" for r in rows)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"
