"""Helpers of the web tests: a TestClient over a workspace, form helpers, test files. The fixtures (the demo
workspace compiled once, a copy per test, a client in English and in Chinese) are in tests/conftest.py: a
conftest.py of its own here would replace the ``conftest`` module that other test modules import from."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# the web extra (pip install -e '.[web]'; make test installs it) and httpx, the TestClient's transport: without them
# every web test module is skipped, with the reason (pytest.importorskip raised while the module imports this one)
for _name in ("starlette", "jinja2", "uvicorn", "python_multipart", "httpx"):
    pytest.importorskip(_name, reason=f"tests/web: {_name} is not installed (pip install -e '.[test,web]')")
from starlette.testclient import TestClient  # noqa: E402

from ghginv.web import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def client_for(ws: Path, lang: str = "en", **options) -> TestClient:
    c = TestClient(create_app(ws, **options), follow_redirects=False)
    c.headers["accept-language"] = "zh-CN,zh;q=0.9,en;q=0.5" if lang == "zh" else "en-GB,en;q=0.9"
    return c


def csrf_of(client: TestClient, page: str = "/") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    html = client.get(page).text
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert m, f"no csrf field on {page}"
    return m.group(1)


def enterprise_workbooks(folder: Path, n: int = 3) -> list[Path]:
    """``n`` SYNTHETIC form-205-1 workbooks written by the demo's generator (and its broken ones in ``<folder>_broken/``)."""
    gen = ROOT / "ghginv" / "data" / "demo" / "ledgers" / "make_synthetic_enterprises.py"
    subprocess.run([sys.executable, str(gen), str(n), str(folder), "--broken"], check=True, capture_output=True)
    return sorted(folder.glob("*.xlsx"))


def scaled_grid_set(folder: Path, factor: float = 1.1) -> Path:
    """A SYNTHETIC variant of the shipped ``mee_nbs_grid`` (same name: it replaces that set by name in a recompute),
    every electricity factor multiplied by ``factor``, its manifest's hashes rewritten."""
    src = ROOT / "ghginv" / "data" / "factor_sets" / "mee_nbs_grid"
    folder.mkdir(parents=True, exist_ok=True)
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO((src / "emission_factors.csv").read_text(encoding="utf-8"))))
    for r in rows:
        r["value"] = f"{float(r['value']) * factor:.6g}"
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (folder / "emission_factors.csv").write_text(out.getvalue(), encoding="utf-8")
    shutil.copy(src / "activities.csv", folder / "activities.csv")
    manifest = (src / "manifest.toml").read_text(encoding="utf-8")
    manifest = re.sub(r'^version = ".*"$', 'version = "synthetic-x1.1"', manifest, flags=re.M)
    manifest = re.sub(r'^title = ".*"$', 'title = "SYNTHETIC test variant: MEE/NBS grid factors x 1.1"', manifest, flags=re.M)
    for name in ("emission_factors.csv", "activities.csv"):
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        manifest = re.sub(rf'^"{re.escape(name)}" = "sha256:[0-9a-f]+"$', f'"{name}" = "sha256:{digest}"', manifest, flags=re.M)
    (folder / "manifest.toml").write_text(manifest, encoding="utf-8")
    return folder
