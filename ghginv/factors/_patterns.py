"""Helpers shared by every kind of factor-set row: open-ended years and region patterns."""

from __future__ import annotations

import re

__all__ = ["year_or_open", "RegionPattern", "EXACT", "OPEN_FROM", "OPEN_TO"]

EXACT = 1000  # specificity of an exact code
OPEN_FROM, OPEN_TO = 0, 9999


def year_or_open(text: str, default: int) -> int:
    """A four-digit year, or ``default`` (open end) for an empty cell; ValueError otherwise."""
    text = text.strip()
    if not text:
        return default
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(text)
    return int(text)


class RegionPattern:
    """Mixin for rows with a ``region`` column: exact code, prefix pattern ``51*``, or ``*``."""

    region: str

    @property
    def region_prefix(self) -> str:
        return "" if self.region == "*" else self.region.removesuffix("*")

    @property
    def region_spec(self) -> int:
        """0 for ``*``, the prefix length for ``P*``, :data:`EXACT` for an exact code."""
        if self.region == "*":
            return 0
        return len(self.region_prefix) if self.region.endswith("*") else EXACT
