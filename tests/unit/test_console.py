"""The CLI console: tables in pipes and log files keep whole numbers (ghginv.cli._common)."""

from __future__ import annotations

import io

from rich.table import Table

from ghginv.cli._common import WIDE, console


def _table() -> Table:
    t = Table(title="Recalculation, t CO2e")
    for c in ("year", "scope", "old", "new", "delta", "activity", "factors", "GWP", "share"):
        t.add_column(c, justify="right")
    t.add_row("2024", "direct", "1,450,417.3", "1,450,673.8", "256.5", "0.0", "0.0", "256.5", "12.345 %")
    return t


def test_not_on_a_terminal_the_console_is_wide_and_numbers_stay_whole(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr("sys.stdout", io.StringIO())  # a pipe: not a terminal
    con = console(soft_wrap=False)
    assert con.width == WIDE
    con.print(_table())
    out = con.file.getvalue()
    assert "1,450,417.3" in out and "1,450,673.8" in out and "…" not in out


def test_columns_in_the_environment_are_respected(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert console().width == 100
