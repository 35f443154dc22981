"""The output language of a command: ``zh`` or ``en`` (``--lang``, ``[report] lang``, ``GHGINV_LANG``).

Its own small module so that the command line can pick the language of a usage error or a help text
without importing the message catalogue (:mod:`ghginv.core.i18n`, which re-exports both names, takes
some 25 ms to import).
"""

from __future__ import annotations

import os

__all__ = ["LANGS", "resolve_lang"]

LANGS = ("en", "zh")


def resolve_lang(lang: str | None = None) -> str:
    """The language to use: ``lang`` when given, else ``$GHGINV_LANG``, else English.

    Parameters
    ----------
    lang : {"en", "zh"}, optional
        An explicit choice (``--lang``, ``[report] lang``).

    Returns
    -------
    str
        ``"zh"`` or ``"en"`` (anything not starting with ``zh`` is English).
    """
    v = (lang or os.environ.get("GHGINV_LANG") or "en").strip().lower()
    return "zh" if v.startswith("zh") else "en"
