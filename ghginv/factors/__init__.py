"""Factor sets: loading, verification and resolution (precedence rules in DuckDB SQL)."""

from ._sets import FactorSet, Rule, load_factor_set, strict_problems
from .resolve import Resolution, resolve

__all__ = ["FactorSet", "Rule", "load_factor_set", "strict_problems", "Resolution", "resolve"]
