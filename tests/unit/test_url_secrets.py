"""Issue 17 item 7: a URL holding a credential — in the query, the fragment, path parameters or
``user:password@``, its name in any case and percent-encoded — is refused before any connection,
with a message that names the parameter, never prints its value, and says how to give
credentials instead. URLs are written to manifest.json and to messages."""

from __future__ import annotations

import os
import string
import subprocess
import sys
from pathlib import Path

import fsspec.core
import pyarrow.fs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ghginv
from ghginv.core import _fs
from ghginv.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SETS = ["ipcc2006_energy"]
VALUE = "ZQxS3CR3Tvalue9"  # a secret value: it must never appear in a message

# the credential parameters of every filesystem ghginv accepts (issue 17 item 7)
CREDENTIAL_NAMES = [
    # pyarrow S3 options, s3fs options, AWS names, AWS presigned URLs
    "access_key", "secret_key", "session_token", "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
    "key", "secret", "token", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "AWSAccessKeyId", "Signature",
    # GCS, GCS signed URLs
    "access_token", "credentials", "X-Goog-Signature", "X-Goog-Credential", "GoogleAccessId",
    # Azure: SAS signature, account key, SAS token, connection string, service principal
    "sig", "account_key", "sas_token", "connection_string", "client_secret",
    # WebHDFS delegation token; passwords anywhere; generic API keys and tokens
    "delegation", "password", "passwd", "api_key", "apikey", "api-key", "refresh_token", "id_token", "auth", "private_key",
]
# not secrets: pyarrow and fsspec options, an HDFS user name, an Azure container
ACCEPTED = [
    "s3://bucket/activity?endpoint_override=http://minio:9000&region=us-east-1&scheme=http",
    "hdfs://alice@namenode:8020/data/activity",
    "webhdfs://namenode:9870/data/activity?user.name=alice",
    "abfs://container@account.dfs.core.windows.net/activity",
    "gs://bucket/activity",
    "memory://bucket/activity",
    "file:///tmp/activity%23one",
    "s3://bucket/activity#",
]


def _refused(url: str) -> str:
    with pytest.raises(ConfigError, match="holds a credential") as ei:
        _fs._check_secret_free(url)
    return str(ei.value)


@pytest.fixture
def no_connection(monkeypatch):
    """Every filesystem factory fails the test if called: a refused URL must never reach one."""

    def boom(*a, **k):
        raise AssertionError(f"a filesystem was created for {a!r}")

    class NoFileSystem:  # what `from pyarrow.fs import FileSystem` in ghginv.core._fs.filesystem gets
        from_uri = staticmethod(boom)

    monkeypatch.setattr(pyarrow.fs, "FileSystem", NoFileSystem)
    monkeypatch.setattr(pyarrow.fs, "PyFileSystem", boom)
    monkeypatch.setattr(fsspec.core, "url_to_fs", boom)
    monkeypatch.setattr(fsspec, "filesystem", boom)
    _fs.filesystem.cache_clear()
    yield
    _fs.filesystem.cache_clear()


@pytest.mark.parametrize("name", CREDENTIAL_NAMES)
@pytest.mark.parametrize("where", ["?", "#", "?region=us-east-1&", "#a=1&", "?a=1;"])
def test_each_credential_parameter_in_query_and_fragment_is_refused_and_masked(name, where):
    url = f"s3://bucket/activity{where}{name}={VALUE}"
    msg = _refused(url)
    assert VALUE not in msg
    assert repr(name) in msg and "=***" in msg  # names the parameter, masks every value
    assert "environment" in msg and "AWS_SECRET_ACCESS_KEY" in msg  # says how to give credentials instead


@pytest.mark.parametrize("url", [
    f"s3://bucket/activity?%73ig={VALUE}",  # sig, percent-encoded
    f"s3://bucket/activity?%2573ig={VALUE}",  # sig, encoded twice
    f"s3://bucket/activity?SIG={VALUE}",
    f"s3://bucket/activity?X%2DAmz%2DSignature={VALUE}",
    f"s3://bucket/activity?Access%5FToken={VALUE}",
    f"s3://bucket/activity#%61ccess_token={VALUE}",
    f"s3://bucket/activity?sig%3D{VALUE}",  # the = encoded: the name decodes to sig=…
    f"s3://bucket/activity?a%26sig={VALUE}",  # the & encoded
    f"s3://bucket/activity;sig={VALUE}",  # a path parameter
    f"https://host/x.parquet?accessToken={VALUE}",
])
def test_encoded_and_disguised_names_are_recognised(url):
    assert VALUE not in _refused(url)


@pytest.mark.parametrize("url", [
    f"s3://AKIA:{VALUE}@bucket/activity",
    f"abfs://container:{VALUE}@account.dfs.core.windows.net/activity",
    f"hdfs://alice:{VALUE}@namenode/activity",
    f"https://{VALUE}@host/x.parquet",  # a token as the user
    f"s3://{VALUE}@bucket/activity",  # an access key id as the user
    f"abfs://c@account.dfs.core.windows.net/x?sv=2022-11-02&se=2030-01-01&sp=r&{VALUE}",  # an Azure SAS set
    f"s3://bucket/activity#{VALUE}",  # a bare fragment: storage never uses one
    f"s3://bucket/activity?endpoint_override=http://u:{VALUE}@minio:9000",  # a credential inside an option's URL
])
def test_userinfo_sas_sets_fragments_and_nested_urls_are_refused(url):
    assert VALUE not in _refused(url)


@pytest.mark.parametrize("url", ACCEPTED)
def test_urls_without_credentials_are_accepted(url):
    _fs._check_secret_free(url)
    assert _fs.location(url) == url


@pytest.mark.parametrize("url", [f"s3://bucket/activity?sig={VALUE}", f"memory://bucket/activity#access_token={VALUE}",
                                 f"abfs://c@a.dfs.core.windows.net/act?aws_secret_access_key={VALUE}"])
def test_refused_before_any_connection(url, no_connection, tmp_path):
    for call in (lambda: _fs.filesystem(url), lambda: _fs.input_file(url), lambda: _fs.remote(url),
                 lambda: ghginv.load_config(activity=[url], factors=SETS),
                 lambda: ghginv.load_config(activity=[str(ROOT / "ghginv" / "data" / "demo")], factors=SETS, extra={"economy": {"path": url}}),
                 lambda: ghginv.compile_inventory(activity=[url], factors=SETS)):
        with pytest.raises(ConfigError) as ei:
            call()
        assert VALUE not in str(ei.value)
    report = ghginv.validate_inputs(activity=[url], factors=SETS)
    assert not report.ok and VALUE not in repr(report.as_dict())
    toml = tmp_path / "inv.toml"
    toml.write_text(f'[inventory]\nname = "x"\n[activity]\npaths = ["{url}"]\n[factors]\nsets = ["ipcc2006_energy"]\n', encoding="utf-8")
    report = ghginv.validate_inputs(toml)
    assert not report.ok and VALUE not in repr(report.as_dict())


@pytest.mark.parametrize("cmd", ["compile", "validate"])
def test_cli_refuses_and_never_prints_the_secret(cmd, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "GHGINV_FACTORS_PATH"}
    out = tmp_path / "out"
    args = ["--activity", f"memory://bucket/activity?sig={VALUE}", "--factors", "ipcc2006_energy"]
    res = subprocess.run([sys.executable, "-m", "ghginv.cli", cmd, *args, *(["--out", str(out)] if cmd == "compile" else [])],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=180)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "holds a credential" in res.stdout + res.stderr and "'sig'" in res.stdout + res.stderr
    assert VALUE not in res.stdout + res.stderr and "Traceback" not in res.stderr
    assert not out.exists()


_case = st.sampled_from(CREDENTIAL_NAMES).flatmap(
    lambda n: st.tuples(*(st.sampled_from([c.lower(), c.upper(), "%" + format(ord(c), "02X")]) for c in n)).map("".join))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_case, value=st.text(string.ascii_letters + string.digits + "/+=-_.~%", min_size=4, max_size=40),
       where=st.sampled_from(["?", "#", "?region=x&", "#x=1&"]), scheme=st.sampled_from(["s3", "gs", "abfs", "hdfs", "memory", "https"]))
def test_any_case_and_encoding_of_a_credential_name_is_refused_and_the_value_never_shown(name, value, where, scheme):
    secret = "ZQx" + value
    msg = _refused(f"{scheme}://bucket/activity{where}{name}={secret}")
    assert "ZQx" not in msg
