"""Exception hierarchy of ghginv.

Every error ghginv raises on purpose derives from :class:`GhgInvError`; each subclass also
inherits the builtin it refines (``ValueError``, ``KeyError``, ``FileNotFoundError``), so callers
that already catch builtins keep working. The CLI prints ``str(err)`` without a traceback and
exits with status 2 (bad input).

An error may carry several *problems* (``err.problems``): validation collects every problem in
the input before it fails, so one run shows all that must be fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "GhgInvError",
    "ConfigError",
    "InputFileError",
    "SchemaError",
    "ValidationError",
    "UnitError",
    "FactorSetError",
    "ManifestError",
    "DuplicateRuleError",
    "AmbiguousFactorError",
    "MissingFactorError",
    "ConversionError",
    "UnknownGwpError",
    "Problem",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what to do about it."""

    message: str
    file: str | None = None
    row: int | None = None  # 1-based data row within the file (header not counted)
    line: int | None = None  # 1-based line in a text file (CSV: the header is line 1)
    column: str | None = None
    value: object = None
    hint: str | None = None

    def render(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        head = ", ".join(where)
        text = f"{head}: {self.message}" if head else self.message
        if self.value is not None and "{value}" not in self.message:
            text += f" (value: {self.value!r})"
        if self.hint:
            text += f" — {self.hint}"
        return text


MAX_LISTED = 50


class GhgInvError(Exception):
    """Base class of every ghginv error."""

    exit_code = 2

    def __init__(self, message: str, problems: list[Problem] | None = None):
        self.summary = message
        self.problems = list(problems or [])
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.problems:
            return self.summary
        lines = [f"{self.summary} ({len(self.problems)} problem{'s' if len(self.problems) != 1 else ''})"]
        for p in self.problems[:MAX_LISTED]:
            lines.append(f"  - {p.render()}")
        if len(self.problems) > MAX_LISTED:
            lines.append(f"  ... and {len(self.problems) - MAX_LISTED} more of the same kinds")
        return "\n".join(lines)

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self._render()


class ConfigError(GhgInvError, ValueError):
    """The inventory TOML or the command-line options are wrong."""


class InputFileError(GhgInvError, FileNotFoundError):
    """An input file is missing, empty, unreadable or corrupt."""


class SchemaError(GhgInvError, ValueError):
    """A table lacks a required column or has one of the wrong type."""


class ValidationError(GhgInvError, ValueError):
    """Values in the activity data break the data contract."""


class UnitError(GhgInvError, ValueError):
    """A unit string is not understood, or two units cannot be converted."""


class FactorSetError(GhgInvError, ValueError):
    """A factor set is missing, malformed, or breaks the factor-set format."""


class ManifestError(FactorSetError):
    """A factor set's manifest is missing or a file's sha256 does not match it."""


class DuplicateRuleError(FactorSetError):
    """Two factor rows cover the same activity, sector, region, gas and years."""


class AmbiguousFactorError(FactorSetError):
    """Two rules tie for one cube cell after the precedence rules."""


class MissingFactorError(GhgInvError, KeyError):
    """Activity cells for which no factor set of the run has a factor."""


class ConversionError(GhgInvError, ValueError):
    """An activity's unit cannot reach the factor's unit: no conversion (ncv, density) found."""


class UnknownGwpError(GhgInvError, KeyError):
    """The GWP set or a gas in it is not known."""
