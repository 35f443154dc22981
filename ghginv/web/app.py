"""The web app of ``ghginv serve``: Starlette routes over a workspace, server-rendered Jinja2 pages, htmx.

Every computation goes through the public API (:mod:`ghginv`: :func:`ghginv.load_config`,
:class:`ghginv.Inventory`, :func:`ghginv.recompute`, :func:`ghginv.diff_runs`, :func:`ghginv.drill_down`,
:func:`ghginv.import_ledger`, :func:`ghginv.draft_mapping`, :func:`ghginv.load_factor_set`,
:func:`ghginv.factor_set_table`, :func:`ghginv.report_charts` …); the texts come from :data:`ghginv.core.i18n.WEB`. A run's tables are read
with polars straight from its Parquet files, lazily (only the columns and rows a page shows).

Safety (issue 21 item 3): a CSRF token on every POST (:func:`_form`), uploads limited in size and type and
stored under names the server chose (:func:`_store_uploads`), Jinja2 autoescape on every template, a
Content-Security-Policy without inline script (:class:`_Guard`), one job per inventory (:class:`ghginv.web.jobs.Jobs`),
runs written into a temporary folder and renamed at the end.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import shutil
import tomllib
import urllib.parse
from pathlib import Path

import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import ghginv
from ghginv.core import i18n

from . import mapping as mapping_rows
from .jobs import Busy, Jobs
from .workspace import DEFAULT_SETS, NAME, Workspace, shipped_factor_sets

__all__ = ["create_app", "CSP"]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# report.html is a self-contained page with its own <style>: shown as a sandboxed document (no script at all)
REPORT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
DOWNLOADS = re.compile(r"^[a-z0-9_]+\.(parquet|html|xlsx|json|csv)$")
LEVELS = ("sector", "region", "entity", "activity", "factor")
KINDS = {"workbook": ((".xlsx", ".csv"), "xlsx, csv"), "economy": ((".csv",), "csv"), "factor_set": ((".toml", ".csv"), "manifest.toml, csv")}
SID = "ghginv_sid"
# the columns of the changed factor rows shown on the compare page (all of them: recalculation_factors.parquet)
CHANGED_COLUMNS = ("year", "region", "sector", "activity", "kind", "item", "change", "old_factor_set", "old_set_version", "old_factor_year",
                   "old_value", "new_factor_set", "new_set_version", "new_factor_year", "new_value", "new_unit", "new_status", "new_source")


# ---- language, csrf, rendering ------------------------------------------------------------------------
def _lang(request) -> str:
    c = request.cookies.get("ghginv_lang")
    if c in i18n.LANGS:
        return c
    best, best_q = "en", -1.0
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            qv = float(q) if q else 1.0
        except ValueError:
            qv = 0.0
        if tag and qv > best_q:
            best, best_q = ("zh" if tag.lower().startswith("zh") else "en"), qv
    return best


def _csrf(request) -> str:
    sid = request.state.sid
    return hmac.new(request.app.state.secret, sid.encode(), hashlib.sha256).hexdigest()


class Forbidden(Exception):
    """A POST without a valid CSRF token, or a request without the access token."""


class TooLarge(Exception):
    """An upload over the limit."""


class BadInput(Exception):
    """A form value or an upload the app refuses (the message is already in the page's language)."""


async def _form(request):
    """The POST's form, after its CSRF token was checked (every state-changing route calls this first)."""
    limit = request.app.state.max_upload_bytes
    form = await request.form(max_files=500, max_fields=2000, max_part_size=1024 * 1024)
    token = form.get("csrf") or request.headers.get("x-csrf-token", "")
    if not isinstance(token, str) or not hmac.compare_digest(token, _csrf(request)):
        raise Forbidden("csrf")
    total = 0
    for _, v in form.multi_items():
        if isinstance(v, UploadFile):
            total += v.size or 0
            if total > limit:
                raise TooLarge()
    return form


def _render(request, template: str, status: int = 200, **ctx) -> HTMLResponse:
    lang = _lang(request)
    env: Environment = request.app.state.env
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    html = env.get_template(template).render(
        t=lambda key, **kw: i18n.web_text(key, lang, **kw), lang=lang, csrf=_csrf(request), here=path,
        here_q=urllib.parse.quote(path, safe=""), ws=request.app.state.ws, cat=lambda code: i18n.category_label(code, lang),
        lbl=lambda kind, key: i18n.label(kind, key, lang), kt=_kt, num=_num, **ctx)
    return HTMLResponse(html, status_code=status)


def _kt(v) -> str:
    return "" if v is None else f"{v / 1e3:,.1f}"


def _num(v, digits: int = 1) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.{digits}f}" if abs(v) >= 1 or v == 0 else f"{v:.4g}"
    return str(v)


def _error_text(e: Exception, lang: str) -> str:
    """An error as the command line shows it (``str(err)``), in Chinese where the catalogue has it."""
    return i18n.translate_message(str(e), lang)


def _not_found(request) -> HTMLResponse:
    return _render(request, "error.html", 404, message=i18n.web_text("WEB_not_found", _lang(request)))


# ---- the guard: access token, session id, security headers, upload size --------------------------------
class _Guard(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        st = request.app.state
        lang = _lang(request)
        if st.token:
            given = request.query_params.get("token")
            if given is not None and hmac.compare_digest(given, st.token):
                q = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                r = RedirectResponse(request.url.path + ("?" + urllib.parse.urlencode(q) if q else ""), 303)
                r.set_cookie("ghginv_token", st.token, httponly=True, samesite="strict")
                return self._headers(r)
            if not hmac.compare_digest(request.cookies.get("ghginv_token", ""), st.token):
                return self._headers(PlainTextResponse(i18n.web_text("WEB_token", lang), 403))
        sid = request.cookies.get(SID)
        new_sid = None
        if not sid or not re.fullmatch(r"[0-9a-f]{32}", sid):
            sid = new_sid = secrets.token_hex(16)
        request.state.sid = sid
        if request.method == "POST":
            try:
                length = int(request.headers.get("content-length") or 0)
            except ValueError:
                length = 0
            if length > st.max_upload_bytes + 65536:
                return self._headers(_render(request, "error.html", 413, message=i18n.web_text("WEB_too_large", lang, mb=st.max_upload_mb)))
        response = await call_next(request)
        if new_sid:
            response.set_cookie(SID, new_sid, httponly=True, samesite="strict")
        return self._headers(response)

    @staticmethod
    def _headers(r: Response) -> Response:
        r.headers.setdefault("Content-Security-Policy", CSP)
        r.headers["X-Content-Type-Options"] = "nosniff"
        r.headers["Referrer-Policy"] = "no-referrer"
        r.headers["X-Frame-Options"] = "SAMEORIGIN"
        return r


async def _on_forbidden(request, exc):
    return _render(request, "error.html", 403, message=i18n.web_text("WEB_csrf", _lang(request)))


async def _on_too_large(request, exc):
    return _render(request, "error.html", 413, message=i18n.web_text("WEB_too_large", _lang(request), mb=request.app.state.max_upload_mb))


async def _on_bad(request, exc):
    return _render(request, "error.html", 400, message=str(exc))


# ---- uploads ---------------------------------------------------------------------------------------------
def _uploads(form, field: str) -> list[UploadFile]:
    return [f for f in form.getlist(field) if isinstance(f, UploadFile) and f.filename]


def _check_type(f: UploadFile, kind: str, lang: str) -> str:
    """The upload's extension when its type is allowed for ``kind`` (name and first bytes), else :class:`BadInput`."""
    exts, shown = KINDS[kind]
    name = f.filename or ""
    ext = Path(name).suffix.lower()
    if ext not in exts:
        raise BadInput(i18n.web_text("WEB_bad_type", lang, file=name, kinds=shown))
    head = f.file.read(4)
    f.file.seek(0)
    # an .xlsx is a zip (or an OLE container when it is password-protected: the importer says so); a text file is neither
    if (ext == ".xlsx") != (head in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise BadInput(i18n.web_text("WEB_bad_type", lang, file=name, kinds=shown))
    return ext


def _store_uploads(files: list[UploadFile], folder: Path, stem: str, kind: str, lang: str) -> list[dict]:
    """Copy uploads into ``folder`` as ``<stem>-001.<ext>`` …; the browser's file names are only remembered."""
    if not files:
        raise BadInput(i18n.web_text("WEB_no_files", lang))
    exts = [_check_type(f, kind, lang) for f in files]
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, (f, ext) in enumerate(zip(files, exts), 1):
        dest = folder / f"{stem}-{i:03d}{ext}"
        with open(dest, "wb") as w:
            shutil.copyfileobj(f.file, w)
        out.append({"file": dest.name, "original": Path(f.filename or "").name[:200]})
    return out


# ---- pages ----------------------------------------------------------------------------------------------
async def home(request):
    ws: Workspace = request.app.state.ws
    return _render(request, "home.html", inventories=ws.inventories(), drafts=ws.drafts(), runs=ws.runs())


async def set_lang(request):
    code = request.path_params["code"]
    nxt = request.query_params.get("next", "/")
    if not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt:
        nxt = "/"
    r = RedirectResponse(nxt, 303)
    if code in i18n.LANGS:
        r.set_cookie("ghginv_lang", code, samesite="strict", max_age=3600 * 24 * 365)
    return r


def _run_or_none(request):
    return request.app.state.ws.run_dir(request.path_params["run"])


def _totals(run: Path, lang: str) -> tuple[list[int], list[dict]]:
    """Totals by year (columns) and level-1 sector (rows), direct, then indirect and the direct total, in t CO2e."""
    lf = pl.scan_parquet(run / "inventory.parquet").select("year", "scope", "category", "level", "co2e_t")
    df = ghginv.sum_by(lf.filter((pl.col("level") == 1) | (pl.col("level") == 0)), ["year", "scope", "category", "level"], ["co2e_t"])
    years = sorted(df["year"].unique().to_list())
    rows = []
    keyed = {(r["scope"], r["category"], r["level"], r["year"]): r["co2e_t"] for r in df.iter_rows(named=True)}
    for cat in sorted(df.filter(pl.col("level") == 1, pl.col("scope") == "direct")["category"].unique().to_list()):
        rows.append({"label": i18n.category_label(cat, lang), "values": [keyed.get(("direct", cat, 1, y)) for y in years], "drill": cat})
    rows.append({"label": i18n.web_text("WEB_direct_total", lang), "values": [keyed.get(("direct", "TOTAL", 0, y)) for y in years], "total": True})
    if any(k[0] == "indirect" for k in keyed):
        rows.append({"label": i18n.web_text("WEB_indirect", lang), "values": [keyed.get(("indirect", "TOTAL", 0, y)) for y in years]})
    return years, rows


def _charts(request, run: Path, lang: str) -> list[str]:
    """The run's charts in ``lang`` (:func:`ghginv.report_charts`: the SVGs of ``report.html`` in that language, whatever
    the language the run was compiled in), kept in memory per (run folder, language, sha256 of its manifest): a run
    recomputed or re-reported in place gets a new manifest, hence new charts. A folder that is not a finished run: none."""
    try:
        manifest = hashlib.sha256((run / "manifest.json").read_bytes()).hexdigest()
    except OSError:
        return []
    cache = request.app.state.chart_cache
    key = (str(run.resolve()), lang, manifest)
    if key not in cache:
        try:
            svgs = ghginv.report_charts(run, lang)
        except ghginv.GhgInvError:
            return []
        if len(cache) >= 16:
            cache.pop(next(iter(cache)))
        cache[key] = svgs
    return cache[key]


async def run_page(request):
    run = _run_or_none(request)
    if run is None:
        return _not_found(request)
    lang = _lang(request)
    ws: Workspace = request.app.state.ws
    info = next(r for r in ws.runs() if r["id"] == run.name)
    years, rows = _totals(run, lang)
    targets = []
    if (run / "targets.parquet").is_file():
        targets = pl.read_parquet(run / "targets.parquet", columns=["target", "region", "target_year", "status", "margin", "source"]).to_dicts()
    files = sorted(p.name for p in run.iterdir() if p.is_file() and DOWNLOADS.match(p.name))
    sets = [{"name": p.name, "own": p.parent.parent == ws.root} for p in ws.own_factor_sets() + shipped_factor_sets()]
    return _render(request, "run.html", run=info, years=years, rows=rows, targets=targets, files=files, charts=range(len(_charts(request, run, lang))),
                   sets=sets, others=[r for r in ws.runs() if r["id"] != run.name])


async def run_chart(request):
    run = _run_or_none(request)
    if run is None:
        return _not_found(request)
    svgs = _charts(request, run, _lang(request))
    i = request.path_params["i"]
    if i >= len(svgs):
        return _not_found(request)
    # an image of its own (no script runs in an <img>), with a CSP of its own; in the language of the page that shows it:
    # the browser asks again after a language switch (no-cache, Vary) instead of showing the other language's image
    return Response(svgs[i], media_type="image/svg+xml", headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                                                                  "Cache-Control": "no-cache", "Vary": "Cookie, Accept-Language"})


async def run_file(request):
    run = _run_or_none(request)
    name = request.path_params["name"]
    if run is None or not DOWNLOADS.match(name) or not (run / name).is_file():
        return _not_found(request)
    headers = {"Content-Security-Policy": REPORT_CSP} if name.endswith(".html") else {}
    return FileResponse(run / name, headers=headers, filename=None if name.endswith((".html", ".json")) else name)


_FILTERS = ("year", "sector", "region", "entity", "activity", "scope")


async def drill(request):
    run = _run_or_none(request)
    if run is None:
        return _not_found(request)
    lang = _lang(request)
    q = {k: request.query_params.get(k) or None for k in _FILTERS}
    kw = dict(q)
    if kw["year"] is not None:
        try:
            kw["year"] = int(kw["year"])
        except ValueError:
            raise BadInput(i18n.web_text("WEB_bad_field", lang, field="year", value=kw["year"], what=i18n.web_text("WEB_want_year", lang))) from None
    try:
        table = ghginv.drill_down(run, **kw)
        path = ghginv.drill_path(run, **kw)
    except ghginv.GhgInvError as e:
        return _render(request, "error.html", 400, message=_error_text(e, lang))
    level = table["level"][0] if table.height else None
    rows = table.to_dicts()
    for r in rows:
        if r["level"] != "factor" and r["key"] is not None and r["key"] != "others":
            link = {k: v for k, v in q.items() if v is not None}
            link[r["level"]] = r["key"]
            r["href"] = f"/runs/{run.name}/drill?" + urllib.parse.urlencode(link)
    crumbs = []
    acc = {k: q[k] for k in ("year", "scope") if q[k] is not None}
    for c in path:
        if c.get("level") in LEVELS:
            acc[c["level"]] = c["key"]
        crumbs.append({**c, "href": f"/runs/{run.name}/drill?" + urllib.parse.urlencode(acc)})
    years = sorted(pl.scan_parquet(run / "inventory.parquet").select("year").unique().collect()["year"].to_list())
    return _render(request, "drill.html", run=run.name, rows=rows, level=level, crumbs=crumbs, q=q, years=years,
                   root_href=f"/runs/{run.name}/drill" + (f"?year={q['year']}" if q["year"] else ""))


def _waterfall(recalc: pl.DataFrame) -> list[dict]:
    """Bars of the waterfall: old total, the three effects, new total (t CO2e, all years, direct and indirect)."""
    top = recalc.filter(pl.col("level") == 0)
    s = {c: float(top[c].sum()) for c in ("old_co2e_t", "activity_effect_t", "factor_effect_t", "gwp_effect_t", "new_co2e_t")}
    steps = [("WEB_old_total", s["old_co2e_t"], True), ("WEB_activity_effect", s["activity_effect_t"], False),
             ("WEB_factor_effect", s["factor_effect_t"], False), ("WEB_gwp_effect", s["gwp_effect_t"], False), ("WEB_new_total", s["new_co2e_t"], True)]
    bars, level = [], 0.0
    for key, v, total in steps:
        lo, hi = (0.0, v) if total else (min(level, level + v), max(level, level + v))
        bars.append({"key": key, "value": v, "lo": lo, "hi": hi, "total": total})
        level = v if total else level + v
    top_v = max(b["hi"] for b in bars) or 1.0
    for i, b in enumerate(bars):  # geometry of a 640 × 260 chart, bars 80 px wide
        b["x"] = 40 + i * 120
        b["y"] = 20 + 200 * (1 - b["hi"] / top_v)
        b["h"] = max(1.0, 200 * (b["hi"] - b["lo"]) / top_v)
        b["cls"] = "total" if b["total"] else ("up" if b["value"] >= 0 else "down")
    return bars


def _explained(state, old: Path, new: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The recalculation of ``new`` against ``old`` and the changed factor rows.

    A run recomputed from ``old`` (``ghginv recompute``, the run page's button) already holds both
    (``recalculation.parquet``, ``recalculation_factors.parquet``, its manifest's ``recalculation.old_run``): they
    are read when ``old`` has not been written again since. Any other pair goes through :func:`ghginv.diff_runs`
    and :func:`ghginv.changed_factors` (seconds: the intermediate states are recomputed), kept in memory for the
    next view while neither run changes.
    """
    om, nm = old / "manifest.json", new / "manifest.json"
    key = (str(old), str(new), om.stat().st_mtime_ns, nm.stat().st_mtime_ns)
    if key in state.diff_cache:
        return state.diff_cache[key]
    import json

    rec = json.loads(nm.read_text(encoding="utf-8")).get("recalculation") or {}
    stored = [new / f for f in ("recalculation.parquet", "recalculation_factors.parquet")]
    if (rec.get("old_run") and Path(rec["old_run"]).resolve() == old.resolve() and all(p.is_file() for p in stored)
            and om.stat().st_mtime_ns <= nm.stat().st_mtime_ns):
        out = (pl.read_parquet(stored[0]), pl.read_parquet(stored[1]))
    else:
        out = (ghginv.diff_runs(old, new)[0], ghginv.changed_factors(old, new))
    if len(state.diff_cache) >= 16:
        state.diff_cache.pop(next(iter(state.diff_cache)))
    state.diff_cache[key] = out
    return out


async def compare(request):
    ws: Workspace = request.app.state.ws
    lang = _lang(request)
    old_id, new_id = request.query_params.get("old"), request.query_params.get("new")
    runs = ws.runs()
    ctx = {"runs": runs, "old": old_id, "new": new_id, "bars": None, "changed": None, "by_year": None}
    if old_id and new_id:
        old, new = ws.run_dir(old_id), ws.run_dir(new_id)
        if old is None or new is None:
            return _not_found(request)
        try:
            recalc, changed = _explained(request.app.state, old, new)
        except ghginv.GhgInvError as e:
            return _render(request, "compare.html", 400, error=_error_text(e, lang), **ctx)
        ctx["bars"] = _waterfall(recalc)
        ctx["by_year"] = ghginv.sum_by(recalc.filter(pl.col("level") == 0), ["year"],
                                       ["old_co2e_t", "activity_effect_t", "factor_effect_t", "gwp_effect_t", "new_co2e_t"]).to_dicts()
        cols = [c for c in CHANGED_COLUMNS if c in changed.columns] or changed.columns  # the rest is in the run's files
        ctx["changed_n"] = changed.height
        ctx["changed"] = changed.select(cols).head(500).to_dicts()
        ctx["changed_cols"] = cols
    return _render(request, "compare.html", **ctx)


# ---- jobs: compile, recompute ---------------------------------------------------------------------------
def _start(request, key: str, kind: str, work, name: str, old_run: str | None = None):
    ws: Workspace = request.app.state.ws
    lang = _lang(request)
    tmp = ws.temp_dir()
    try:
        job = request.app.state.jobs.start(key, kind, work, tmp, lambda p: ws.place(p, name), old_run=old_run)
    except Busy:
        return _render(request, "error.html", 409, message=i18n.web_text("WEB_busy", lang, name=key))
    if request.headers.get("hx-request"):
        return _render(request, "job_status.html", **_job_context(request, job))
    return RedirectResponse(f"/jobs/{job.id}", 303)


async def compile_inventory(request):
    await _form(request)
    ws: Workspace = request.app.state.ws
    inv = ws.inventory(request.path_params["inv"])
    if inv is None:
        return _not_found(request)
    toml = inv["path"]

    def work(job, tmp):
        result = ghginv.Inventory(ghginv.load_config(toml), progress=job).run()
        job.stage = "write"
        return Path(result.write(tmp / "run"))

    return _start(request, f"inventory:{inv['id']}", "compile", work, inv["id"])


async def recompute_run(request):
    form = await _form(request)
    ws: Workspace = request.app.state.ws
    run = _run_or_none(request)
    set_dir = ws.factor_set_dir(str(form.get("factor_set", "")))
    if run is None or set_dir is None:
        return _not_found(request)

    def work(job, tmp):
        job.stage = "recompute"
        result = ghginv.recompute(run, update_factors=[str(set_dir)])
        job.stage = "write"
        return Path(result.write(tmp / "run"))

    return _start(request, f"run:{run.name}", "recompute", work, f"{run.name}-{set_dir.name}", old_run=run.name)


async def job_page(request):
    job = request.app.state.jobs.jobs.get(request.path_params["job"])
    if job is None:
        return _not_found(request)
    return _render(request, "job.html", **_job_context(request, job))


async def job_status(request):
    job = request.app.state.jobs.jobs.get(request.path_params["job"])
    if job is None:
        return _not_found(request)
    return _render(request, "job_status.html", **_job_context(request, job))


# ---- inventories ----------------------------------------------------------------------------------------
async def inventory_page(request):
    ws: Workspace = request.app.state.ws
    inv = ws.inventory(request.path_params["inv"])
    if inv is None:
        return _not_found(request)
    state = ws.state(inv["id"])
    runs = [r for r in ws.runs() if r["id"] == inv["id"] or r["id"].startswith(inv["id"] + "-")]
    chosen = (state or {}).get("factor_sets") or DEFAULT_SETS
    sets = [{"name": d.name, "own": own, "ref": f"factors/{d.name}" if own else d.name,
             "rank": chosen.index(f"factors/{d.name}" if own else d.name) + 1 if (f"factors/{d.name}" if own else d.name) in chosen else ""}
            for d, own in [(d, True) for d in ws.own_factor_sets()] + [(d, False) for d in shipped_factor_sets()]]
    return _render(request, "inventory.html", inv=inv, state=state, presets=ws.presets(), runs=runs, saved=request.query_params.get("saved"),
                   sets=sorted(sets, key=lambda x: (x["rank"] == "", x["rank"] or 0, not x["own"], x["name"])))


async def inventory_settings(request):
    form = await _form(request)
    ws: Workspace = request.app.state.ws
    lang = _lang(request)
    inv = ws.inventory(request.path_params["inv"])
    state = ws.state(inv["id"]) if inv else None
    if state is None:
        return _not_found(request)
    files = _uploads(form, "economy")
    if files:
        stored = _store_uploads(files[:1], ws.root / "data" / inv["id"], "economy", "economy", lang)
        state["economy"] = f"data/{inv['id']}/{stored[0]['file']}"
    presets = set(ws.presets())
    state["presets"] = [p for p in form.getlist("preset") if p in presets]
    known = {f"factors/{d.name}" for d in ws.own_factor_sets()} | {d.name for d in shipped_factor_sets()}
    ranked = []
    for k, v in form.multi_items():
        if k.startswith("rank:") and k[5:] in known and str(v).strip():
            try:
                ranked.append((float(str(v).strip()), k[5:]))
            except ValueError:
                raise BadInput(i18n.web_text("WEB_bad_field", lang, field=k[5:], value=str(v), what=i18n.web_text("WEB_want_rank", lang))) from None
    if any(k.startswith("rank:") for k in form.keys()):
        if not ranked:
            raise BadInput(i18n.web_text("WEB_no_sets", lang))
        state["factor_sets"] = [name for _, name in sorted(ranked)]
    ws.save_state(inv["id"], state)
    ws.write_toml(inv["id"], state)
    return RedirectResponse(f"/inventories/{inv['id']}?saved=1", 303)


def _year(form, field: str, lang: str) -> int:
    v = str(form.get(field, "")).strip()
    if not re.fullmatch(r"\d{4}", v):
        raise BadInput(i18n.web_text("WEB_bad_field", lang, field=i18n.web_text(f"WEB_{field}", lang), value=v, what=i18n.web_text("WEB_want_year", lang)))
    return int(v)


async def new_form(request):
    return _render(request, "new.html")


async def new_submit(request):
    form = await _form(request)
    ws: Workspace = request.app.state.ws
    lang = _lang(request)
    name = str(form.get("name", "")).strip()[:200]
    if not name:
        raise BadInput(i18n.web_text("WEB_bad_field", lang, field=i18n.web_text("WEB_name", lang), value=name, what=i18n.web_text("WEB_want_name", lang)))
    first, last, base = _year(form, "first_year", lang), _year(form, "last_year", lang), _year(form, "base_year", lang)
    if not first <= last or not first <= base <= last:
        raise BadInput(i18n.web_text("WEB_bad_field", lang, field=i18n.web_text("WEB_years", lang), value=f"{first}-{last}, {base}",
                                     what=i18n.web_text("WEB_want_order", lang)))
    files = _uploads(form, "workbooks")
    for f in files:
        _check_type(f, "workbook", lang)
    if not files:
        raise BadInput(i18n.web_text("WEB_no_files", lang))
    ident = ws.new_draft(name)
    d = ws.root / "ledgers" / ident
    try:
        stored = _store_uploads(files, d / "workbooks", "ledger", "workbook", lang)
        text = ghginv.draft_mapping(d / "workbooks" / stored[0]["file"])
    except (BadInput, ghginv.GhgInvError) as e:
        shutil.rmtree(d, ignore_errors=True)
        return _render(request, "error.html", 400, message=str(e) if isinstance(e, BadInput) else _error_text(e, lang))
    (d / "mapping.toml").write_text(text, encoding="utf-8")
    ws.save_state(ident, {"id": ident, "name": name, "first_year": first, "last_year": last, "base_year": base,
                          "regions": [r for r in re.split(r"[\s,，;；]+", str(form.get("region", ""))[:1000]) if r][:100], "workbooks": stored, "presets": []})
    return RedirectResponse(f"/new/{ident}/mapping", 303)


async def mapping_page(request):
    ws: Workspace = request.app.state.ws
    ident = request.path_params["draft"]
    d = ws.draft_dir(ident)
    if d is None:
        return _not_found(request)
    text = (d / "mapping.toml").read_text(encoding="utf-8")
    return _render(request, "mapping.html", state=ws.state(ident), rows=mapping_rows.rows(text), saved=request.query_params.get("saved"),
                   mapping_file=f"ledgers/{ident}/mapping.toml")


async def mapping_save(request):
    form = await _form(request)
    ws: Workspace = request.app.state.ws
    ident = request.path_params["draft"]
    d = ws.draft_dir(ident)
    if d is None:
        return _not_found(request)
    text = (d / "mapping.toml").read_text(encoding="utf-8")
    codes = {int(k[5:]): str(v) for k, v in form.multi_items() if re.fullmatch(r"code_\d{1,4}", k)}
    try:
        new = mapping_rows.apply(text, codes)
    except (ValueError, tomllib.TOMLDecodeError) as e:
        raise BadInput(str(e)) from None
    (d / "mapping.toml").write_text(new, encoding="utf-8")
    return RedirectResponse(f"/new/{ident}/mapping?saved=1", 303)


async def import_draft(request):
    """Import every workbook of an inventory in preparation: a background job (its progress polled), then the checks."""
    await _form(request)
    ws: Workspace = request.app.state.ws
    ident = request.path_params["draft"]
    d = ws.draft_dir(ident)
    if d is None:
        return _not_found(request)
    state = ws.state(ident)
    out = ws.root / "data" / ident / "activity.parquet"

    def work(job, _tmp):
        out.parent.mkdir(parents=True, exist_ok=True)
        job.stage = "import"
        report = ghginv.import_ledger(d / "workbooks", d / "mapping.toml", out, progress=lambda done, total, rows: job.rows(done, total))
        job.report = report.as_dict()
        ws.write_toml(ident, state)  # only after a successful import (import_ledger writes nothing when it fails)
        return out

    lang = _lang(request)
    try:
        job = request.app.state.jobs.start(f"draft:{ident}", "import", work, draft=ident)
    except Busy:
        return _render(request, "error.html", 409, message=i18n.web_text("WEB_busy", lang, name=ident))
    return RedirectResponse(f"/jobs/{job.id}", 303)


def _job_context(request, job) -> dict:
    ctx = {"job": job, "error": _error_text(Exception(job.error), _lang(request)) if job.error else None, "state": None, "checks": []}
    if job.kind == "import":
        ctx["state"] = request.app.state.ws.state(job.draft)
        if ctx["error"]:  # the stored names with the names the workbooks were uploaded under
            for w in (ctx["state"] or {}).get("workbooks", []):
                ctx["error"] = re.sub(rf"\b{re.escape(w['file'])}\b", f"{w['file']} ({w['original']})", ctx["error"])
        if job.report:
            names = {w["file"]: w["original"] for w in (ctx["state"] or {}).get("workbooks", [])}
            ctx["checks"] = [c | {"shown": f"{Path(str(c.get('file', ''))).name} ({names.get(Path(str(c.get('file', ''))).name, '')})"}
                             for c in job.report["checks"][:2000]]
    return ctx


# ---- factor sets -----------------------------------------------------------------------------------------
def _set_info(d: Path, own: bool) -> dict:
    try:
        fs = ghginv.load_factor_set(d)
        m = fs.manifest
        return {"name": fs.name, "dir": d.name, "version": fs.version, "rows": fs.n_rows, "title": m.get("title", ""),
                "publisher": m.get("publisher") or m.get("organisation") or m.get("organization") or "", "own": own, "error": None}
    except ghginv.GhgInvError as e:
        return {"name": d.name, "dir": d.name, "own": own, "error": str(e)}


def _sets(request) -> list[dict]:
    """The workspace's own factor sets, then the shipped ones (each loaded once per change of its manifest)."""
    ws: Workspace = request.app.state.ws
    cache = request.app.state.set_cache
    sets = []
    for d, own in [(d, True) for d in ws.own_factor_sets()] + [(d, False) for d in shipped_factor_sets()]:
        key = (str(d), (d / "manifest.toml").stat().st_mtime_ns)
        if key not in cache:
            cache[key] = _set_info(d, own)
        sets.append(cache[key])
    return sets


async def factors_page(request):
    return _render(request, "factors.html", sets=_sets(request), result=None)


async def factor_set_page(request):
    ws: Workspace = request.app.state.ws
    d = ws.factor_set_dir(request.path_params["name"])
    if d is None:
        return _not_found(request)
    lang = _lang(request)
    try:
        fs = ghginv.load_factor_set(d)
    except ghginv.GhgInvError as e:
        return _render(request, "error.html", 400, message=_error_text(e, lang))
    table = ghginv.factor_set_table(fs)
    return _render(request, "factor_set.html", fs=fs, manifest=fs.manifest, rows=table.head(1000).to_dicts(), cols=table.columns,
                   more=max(0, table.height - 1000))


async def factors_upload(request):
    form = await _form(request)
    ws: Workspace = request.app.state.ws
    lang = _lang(request)
    files = _uploads(form, "files")
    for f in files:
        _check_type(f, "factor_set", lang)
    if not any(Path(f.filename).name == "manifest.toml" for f in files):
        raise BadInput(i18n.web_text("WEB_bad_type", lang, file="manifest.toml", kinds=KINDS["factor_set"][1]))
    manifest = next(f for f in files if Path(f.filename).name == "manifest.toml")
    try:
        set_name = str(tomllib.loads(manifest.file.read().decode("utf-8")).get("name", ""))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        set_name, bad_manifest = "", f"manifest.toml: {e}"
    else:
        bad_manifest = None
    manifest.file.seek(0)
    if bad_manifest or not NAME.match(set_name):
        result = {"ok": False, "summary": i18n.web_text("WEB_set_bad", lang),
                  "problems": [bad_manifest or i18n.web_text("WEB_bad_field", lang, field="manifest.toml name", value=set_name,
                                                             what="letters, digits, _ . -")]}
        return _render(request, "factors.html", 400, sets=_sets(request), result=result)
    holder = ws.root / "factors" / f".upload-{secrets.token_hex(8)}"
    stage = holder / set_name  # a set's folder is named as its manifest says (load_factor_set checks it)
    stage.mkdir(parents=True)
    try:
        for f in files:  # the set's files are named by its manifest: only their base names are kept, checked against NAME
            name = Path(f.filename.replace("\\", "/")).name
            if not NAME.match(name):
                raise BadInput(i18n.web_text("WEB_bad_type", lang, file=name, kinds=KINDS["factor_set"][1]))
            with open(stage / name, "wb") as w:
                shutil.copyfileobj(f.file, w)
        try:
            fs = ghginv.load_factor_set(stage)
        except ghginv.GhgInvError as e:
            result = {"ok": False, "summary": _error_text(ghginv.GhgInvError(e.summary), lang),
                      "problems": [_error_text(ghginv.GhgInvError(p.render()), lang) for p in e.problems] or [_error_text(e, lang)]}
        else:
            final = ws.root / "factors" / fs.name
            if final.exists():
                result = {"ok": False, "summary": i18n.web_text("WEB_set_exists", lang, name=fs.name), "problems": []}
            else:
                stage.rename(final)
                result = {"ok": True, "summary": i18n.web_text("WEB_set_ok", lang, name=fs.name, version=fs.version, rows=fs.n_rows), "problems": []}
    finally:
        shutil.rmtree(holder, ignore_errors=True)
    return _render(request, "factors.html", 200 if result.get("ok") else 400, sets=_sets(request), result=result)


# ---- the app --------------------------------------------------------------------------------------------
def create_app(workspace, *, token: str | None = None, max_upload_mb: int = 50) -> Starlette:
    """The web app over ``workspace`` (a folder; see :mod:`ghginv.web.workspace`).

    Parameters
    ----------
    workspace : str or os.PathLike
        The workspace folder (``ghginv demo DIR`` writes one).
    token : str, optional
        Access token every request must carry (``?token=`` once, then a cookie); ``ghginv serve`` sets one
        when it listens on another interface than 127.0.0.1.
    max_upload_mb : int, default 50
        Largest upload (all files of one form together), in MB.

    Returns
    -------
    starlette.applications.Starlette
        The ASGI app (``uvicorn.run(app)``; ``starlette.testclient.TestClient(app)`` in tests).
    """
    routes = [
        Route("/", home),
        Route("/lang/{code}", set_lang),
        Route("/runs/{run}", run_page),
        Route("/runs/{run}/chart/{i:int}.svg", run_chart),
        Route("/runs/{run}/files/{name}", run_file),
        Route("/runs/{run}/drill", drill),
        Route("/runs/{run}/recompute", recompute_run, methods=["POST"]),
        Route("/compare", compare),
        Route("/inventories/{inv}", inventory_page),
        Route("/inventories/{inv}/compile", compile_inventory, methods=["POST"]),
        Route("/inventories/{inv}/settings", inventory_settings, methods=["POST"]),
        Route("/jobs/{job}", job_page),
        Route("/jobs/{job}/status", job_status),
        Route("/factors", factors_page),
        Route("/factors/upload", factors_upload, methods=["POST"]),
        Route("/factors/{name}", factor_set_page),
        Route("/new", new_form),
        Route("/new", new_submit, methods=["POST"]),
        Route("/new/{draft}/mapping", mapping_page),
        Route("/new/{draft}/mapping", mapping_save, methods=["POST"]),
        Route("/new/{draft}/import", import_draft, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("ghginv.web", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(_Guard)],
                    exception_handlers={Forbidden: _on_forbidden, TooLarge: _on_too_large, BadInput: _on_bad})
    app.state.ws = Workspace(Path(workspace))
    app.state.env = Environment(loader=PackageLoader("ghginv.web", "templates"), autoescape=select_autoescape(default=True, default_for_string=True))
    app.state.secret = secrets.token_bytes(32)
    app.state.token = token
    app.state.max_upload_mb = max_upload_mb
    app.state.max_upload_bytes = max_upload_mb * 1024 * 1024
    app.state.jobs = Jobs()
    app.state.set_cache = {}
    app.state.diff_cache = {}
    app.state.chart_cache = {}
    return app
