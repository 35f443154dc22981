"""``write_reports`` closes the workbook in a thread of its own while it renders ``report.html``
(:func:`ghginv.report.write_reports`): the same two files, byte for byte, as writing the workbook and then the page;
an error of either is raised, after the workbook's thread has ended."""

from __future__ import annotations

import threading

import pytest
import xlsxwriter
from test_report_shared_frames import _data

from ghginv import report
from ghginv.report import ReportData, render_html, write_reports, write_xlsx


def _workbook_threads() -> list:
    """The workbook's threads still alive (``write_reports`` names its thread; other tests may leave threads of
    their own)."""
    return [t for t in threading.enumerate() if t.name == "ghginv-workbook"]


def _manifest_data(tmp_path, lang: str) -> ReportData:
    d = _data(tmp_path)
    d.manifest = {"name": "close thread", "synthetic": True, "report": {"lang": lang}}
    return d


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_same_files_as_one_after_the_other(tmp_path, lang):
    d = _manifest_data(tmp_path, lang)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    got = write_reports(d, tmp_path / "a", lang)
    splits = write_xlsx(d, tmp_path / "b" / "inventory.xlsx", lang)
    (tmp_path / "b" / "report.html").write_text(render_html(d, lang), encoding="utf-8")
    assert splits == d.sheet_splits == []
    for name in report.REPORT_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert set(got) == set(report.REPORT_FILES)
    assert not _workbook_threads()  # the workbook's thread has ended


def test_errors_are_raised_after_the_workbook_thread(tmp_path, monkeypatch):
    d = _manifest_data(tmp_path, "en")

    def broken_page(*a, **k):
        raise RuntimeError("page")

    monkeypatch.setattr(report, "render_html", broken_page)
    with pytest.raises(RuntimeError, match="page"):
        write_reports(d, tmp_path, "en")
    assert not _workbook_threads()
    assert (tmp_path / "inventory.xlsx").stat().st_size > 0  # closed (written whole) before the error went up
    monkeypatch.undo()

    def broken_close(self):
        raise OSError("disk full")

    monkeypatch.setattr(xlsxwriter.Workbook, "close", broken_close)
    with pytest.raises(OSError, match="disk full"):
        write_reports(d, tmp_path / "x", "en")
    assert not _workbook_threads()
    assert not (tmp_path / "x" / "report.html").exists()
