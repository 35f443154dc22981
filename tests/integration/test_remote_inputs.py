"""Activity inputs given as URLs (issue 10): file://, an fsspec filesystem (memory://) and S3 (a
local moto server), with the local and the dask engine — the same results as local paths (to
1e-12) and the same clear errors, naming the URL."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import ghginv
from ghginv.core import _fs
from ghginv.core.errors import ConfigError, InputFileError, ValidationError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic" / "activity"
SETS = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", "mee_nbs_grid", "cn_gbt2589_2020", "ipcc2006_energy"]
FILES = sorted(DATA.rglob("*.parquet"))  # year=2020/part-0.parquet … year=2024/part-0.parquet


def _compile(activity, engine="local", scheduler=None, **kw):
    return ghginv.compile_inventory(activity=[str(activity)], factors=SETS, gwp="AR5GWP100", year_fallback="nearest",
                                    engine=engine, scheduler=scheduler, **kw)


def _same(a, b):
    assert a.cube.stats["rows_read"] == b.cube.stats["rows_read"]
    for name in ("cells", "notation"):
        assert_frame_equal(getattr(a.cube, name), getattr(b.cube, name), check_exact=False, rel_tol=1e-12)
    assert_frame_equal(a.emissions, b.emissions, check_exact=False, rel_tol=1e-12)
    assert_frame_equal(a.inventory, b.inventory, check_exact=False, rel_tol=1e-12)
    assert [i["sha256"] for i in a.input_files] == [i["sha256"] for i in b.input_files]
    assert [i["bytes"] for i in a.input_files] == [i["bytes"] for i in b.input_files]
    ca, cb = a.checks["input_equals_cube"], b.checks["input_equals_cube"]
    assert ca["ok"] is True and cb["ok"] is True and ca["rows"] == cb["rows"]
    assert ca["sum_per_unit"] == pytest.approx(cb["sum_per_unit"], rel=1e-12)


@pytest.fixture(scope="module")
def local():
    return _compile(DATA)


@pytest.fixture(scope="module")
def threads_cluster():
    """Two workers in this process (threads): they see this process's memory:// filesystem."""
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    yield cluster.scheduler_address
    cluster.close()


def _upload(m, url: str, files=FILES, edit=None) -> None:
    root = url.removeprefix("memory://")
    for p in files:
        rel = p.relative_to(DATA).as_posix()
        data = p.read_bytes()
        if edit is not None:
            data = edit(rel, data)
        m.pipe(f"{root}/{rel}", data)


def test_url_forms():
    assert _fs.is_url("s3://bucket/activity") and _fs.is_url("memory://x") and _fs.is_url("file:///tmp/a")
    assert not _fs.is_url("/tmp/a") and not _fs.is_url("data/activity") and not _fs.is_url(r"C:\data") and not _fs.is_url(Path("/x"))
    # a URL is never joined with the TOML's folder; a relative path is
    assert _fs.location("s3://bucket/activity", Path("/inv")) == "s3://bucket/activity"
    assert _fs.location("data/activity", Path("/inv")) == Path("/inv/data/activity")
    r = _fs.Remote("s3://b/act?endpoint_override=http://h:1", "b/act")
    c = r.child("b/act/year=2020/part-0.parquet")
    assert c.url == "s3://b/act/year=2020/part-0.parquet?endpoint_override=http://h:1" and c.root == r.url and c.name == "part-0.parquet"


@pytest.mark.parametrize("url", ["s3://AKIA:secret@bucket/act", "s3://bucket/act?secret_key=abc&access_key=AKIA"])
def test_credentials_in_a_url_are_refused(url):
    with pytest.raises(ConfigError, match="credential") as ei:
        ghginv.load_config(activity=[url], factors=SETS)
    msg = str(ei.value)  # the values (secret, abc, AKIA) never appear; the parameter names may
    assert ":secret@" not in msg and "AKIA" not in msg and "abc" not in msg


def test_file_url_equals_local_path(local):
    remote = _compile(DATA.as_uri())
    _same(remote, local)
    assert remote.input_files[0]["path"] == f"{DATA.as_uri()}/year=2020/part-0.parquet"


def test_memory_filesystem_with_both_engines(mem, local, threads_cluster):
    m, url = mem
    _upload(m, url)
    by_engine = {"local": _compile(url), "dask": _compile(url, "dask", threads_cluster)}
    for r in by_engine.values():
        _same(r, local)
        assert [i["path"] for i in r.input_files] == [f"{url}/{p.relative_to(DATA).as_posix()}" for p in FILES]
    assert by_engine["dask"].cube.stats["engine"] == "dask"
    # the dask run performs the same conservation check (the workers return the input tally)
    assert by_engine["dask"].checks["input_equals_cube"]["rows"] == local.checks["input_equals_cube"]["rows"]


def test_single_file_url_and_hidden_files(mem):
    m, url = mem
    _upload(m, url, FILES[:1])
    m.pipe(url.removeprefix("memory://") + "/_SUCCESS", b"")
    m.pipe(url.removeprefix("memory://") + "/year=2020/.part-1.parquet.crc", b"xx")
    whole = _compile(url)
    assert whole.cube.stats["rows_read"] == pl.read_parquet(FILES[0]).height
    assert [i["path"] for i in whole.input_files] == [f"{url}/year=2020/part-0.parquet"]
    from ghginv.inputs.load import discover

    (one,) = discover([f"{url}/year=2020/part-0.parquet"])  # a file given by URL (no folder partitions, as locally)
    assert str(one.path) == f"{url}/year=2020/part-0.parquet" and one.partitions == {}


def test_toml_url_is_not_joined_with_the_toml_folder(mem, tmp_path, local):
    m, url = mem
    _upload(m, url)
    toml = tmp_path / "inv.toml"
    toml.write_text(
        f'[inventory]\nname = "remote"\ngwp = "AR5GWP100"\n[activity]\npaths = ["{url}"]\n'
        f'[factors]\nsets = {SETS!r}\nyear_fallback = "nearest"\n'.replace("'", '"'),
        encoding="utf-8",
    )
    cfg = ghginv.load_config(toml)
    assert cfg.activity_paths == (url,)
    assert cfg.to_dict()["activity_paths"] == [url]
    assert_frame_equal(ghginv.compile_inventory(toml).emissions, local.emissions, check_exact=False, rel_tol=1e-12)


def test_recompute_validate_and_progress_with_a_url(mem, tmp_path, local):
    """A run from a URL can be recomputed (the URL stays a URL); validate and the progress bar's
    row count read URLs too."""
    from ghginv.core.progress import total_rows
    from ghginv.inputs.load import discover
    from ghginv.pipeline.checks import validate_inputs
    from ghginv.rerun.recompute import recompute

    m, url = mem
    _upload(m, url)
    _compile(url).write(tmp_path / "run")
    again = recompute(tmp_path / "run")
    assert again.config.activity_paths == (url,)
    assert_frame_equal(again.emissions, local.emissions, check_exact=False, rel_tol=1e-12)
    assert total_rows(discover([url])) == local.cube.stats["rows_read"]
    report = validate_inputs(activity=[url], factors=SETS, options={"year_fallback": "nearest"})  # as the compile above
    assert report.ok, report.as_dict()
    assert url in next(c for c in report.checks if c.kind == "activity").target


def _bad_activity(rel: str, data: bytes) -> bytes:
    if rel != "year=2022/part-0.parquet":
        return data
    df = pl.read_parquet(io.BytesIO(data), hive_partitioning=False)
    df = df.with_columns(pl.when(pl.int_range(pl.len()) == 6).then(pl.lit("unobtainium")).otherwise(pl.col("activity")).alias("activity"))
    buf = io.BytesIO()
    df.write_parquet(buf)
    return buf.getvalue()


def _errors_by_engine(url: str, error: type, cluster) -> dict[str, str]:
    """The message of the ``error`` a compile of ``url`` raises, per engine (local, dask)."""
    errors = {}
    for engine in ("local", "dask"):
        with pytest.raises(error) as ei:
            _compile(url, engine, cluster if engine == "dask" else None)
        errors[engine] = str(ei.value)
    return errors


def test_unknown_activity_on_a_url_same_error_with_both_engines(mem, threads_cluster):
    m, url = mem
    _upload(m, url, edit=_bad_activity)
    errors = _errors_by_engine(url, ValidationError, threads_cluster)
    assert errors["dask"] == errors["local"]
    assert f"- {url}/year=2022/part-0.parquet, column 'activity'" in errors["local"]
    assert "'unobtainium'" in errors["local"] and "row 7 " in errors["local"]


def test_corrupt_file_on_a_url_same_error_with_both_engines(mem, threads_cluster):
    m, url = mem
    _upload(m, url, edit=lambda rel, data: b"PAR1 this is not parquet PAR1" if rel.startswith("year=2023") else data)
    errors = _errors_by_engine(url, InputFileError, threads_cluster)
    assert errors["dask"] == errors["local"]
    assert errors["local"].startswith(f"{url}/year=2023/part-0.parquet: not a readable Parquet file")


def test_missing_url_and_unknown_protocol_are_clear_errors(mem):
    m, url = mem
    with pytest.raises(InputFileError, match="activity path does not exist") as ei:
        _compile(f"{url}/nothing-here")
    assert f"{url}/nothing-here" in str(ei.value)
    with pytest.raises(InputFileError, match="nosuchproto://x/y"):
        _compile("nosuchproto://x/y")


def test_cli_compile_with_a_file_url(tmp_path, local):
    from ghginv.cli import main

    out = tmp_path / "out"
    argv = ["compile", "--activity", DATA.as_uri(), *sum((["--factors", s] for s in SETS), []),
            "--gwp", "AR5GWP100", "--year-fallback", "nearest", "--out", str(out), "-q"]
    assert main(argv) == 0
    assert_frame_equal(pl.read_parquet(out / "emissions.parquet"), local.emissions, check_exact=False, rel_tol=1e-12)
    import json

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["activity_paths"] == [DATA.as_uri()]
    assert [i["path"] for i in manifest["inputs"]] == [f"{DATA.as_uri()}/{p.relative_to(DATA).as_posix()}" for p in FILES]
    assert [i["sha256"] for i in manifest["inputs"]] == [i["sha256"] for i in local.input_files]


# --- S3: a moto server on localhost (no internet, no AWS account) -----------------------------


@pytest.fixture(scope="module")
def s3_url():
    """A bucket on a local moto S3 server holding the demo's hive dataset; the URL carries the
    endpoint as pyarrow options (credentials are the usual AWS_* variables)."""
    pytest.importorskip("moto.server", reason="moto[server] is in the test extras")
    import os

    from moto.server import ThreadedMotoServer
    from pyarrow import fs as pafs

    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = pafs.S3FileSystem(endpoint_override=endpoint, region="us-east-1", allow_bucket_creation=True)
    s3.create_dir("ghginv-test")
    for p in FILES:
        with s3.open_output_stream(f"ghginv-test/activity/{p.relative_to(DATA).as_posix()}") as f:
            f.write(p.read_bytes())
    yield f"s3://ghginv-test/activity?endpoint_override={endpoint}&region=us-east-1"
    server.stop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def test_s3_with_both_engines_equals_local(s3_url, local, threads_cluster):
    for engine in ("local", "dask"):
        r = _compile(s3_url, engine, threads_cluster if engine == "dask" else None)
        _same(r, local)
        assert r.input_files[0]["path"].startswith("s3://ghginv-test/activity/year=2020/part-0.parquet?endpoint_override=")


@pytest.mark.slow  # ~25 s: starts two worker processes (imports, numba compile)
def test_s3_on_worker_processes(s3_url, local):
    """The engine's own 2-process cluster: every worker resolves the URL and its credentials itself."""
    r = _compile(s3_url, "dask")
    _same(r, local)
