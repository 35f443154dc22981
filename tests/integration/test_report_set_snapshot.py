"""report.html names each factor set's publisher and URL from the run folder's own snapshot of the set
(``factor_sets/<name>/manifest.toml``), so a report rebuilt after the original set moved — or from another
working folder, where a relative set path points elsewhere — still cites the source the run used."""

from __future__ import annotations

import shutil

from ghginv.cli import main
from ghginv.report import rebuild_reports

from conftest import write_activity


def test_rebuilt_report_cites_the_snapshot_after_the_set_moved(tmp_path, ipcc_like_set):
    data = write_activity(tmp_path / "a.parquet", [
        {"year": 2021, "region": "R1", "sector": "1.A.1.a", "activity": "natural_gas", "amount": 12.5, "unit": "t"}])
    run = tmp_path / "run"
    assert main(["compile", "--activity", str(data), "--factors", str(ipcc_like_set), "--gwp", "AR5GWP100",
                 "--out", str(run), "--quiet"]) == 0
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "https://example.invalid/test" in html and ">tests<" in html  # the set's URL and publisher, compiled
    assert (run / "factor_sets" / ipcc_like_set.name / "manifest.toml").is_file()
    shutil.move(ipcc_like_set, tmp_path / "moved_away")  # the original set is gone from its path
    rebuild_reports(run)
    rebuilt = (run / "report.html").read_text(encoding="utf-8")
    assert "https://example.invalid/test" in rebuilt and ">tests<" in rebuilt
    assert rebuilt == html  # the same page as at compile time
