"""Hash cache of large inputs (ghginv.core.hashcache, issue 6): the recorded sha256 is always the file's
own (hashlib on the bytes), a changed file is read again, fresh files are not cached, and the
cache can be turned off."""

from __future__ import annotations

import hashlib
import os

import pytest

from ghginv.core import hashcache as hc
from ghginv.core.hashcache import file_sha256

MB = 1 << 20


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GHGINV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GHGINV_HASH_CACHE", raising=False)
    return tmp_path / "cache" / "hashes.sqlite"


def old_file(path, data: bytes, age_s: float = 60.0):
    path.write_bytes(data)
    t = os.stat(path).st_mtime - age_s
    os.utime(path, (t, t))  # ctime stays "now": such a file counts as freshly written
    return path


def count_reads(monkeypatch):
    n = []
    orig = hc._hash
    monkeypatch.setattr(hc, "_hash", lambda p: (n.append(p), orig(p))[1])
    return n


def test_fresh_files_are_hashed_and_not_cached(tmp_path, cache, monkeypatch):
    reads = count_reads(monkeypatch)
    f = old_file(tmp_path / "a.bin", b"x" * (2 * MB))  # ctime is now: racy
    assert file_sha256(f) == hashlib.sha256(b"x" * (2 * MB)).hexdigest()
    assert file_sha256(f) == hashlib.sha256(b"x" * (2 * MB)).hexdigest()
    assert len(reads) == 2


def test_an_unchanged_old_file_is_read_once_and_a_changed_one_again(tmp_path, cache, monkeypatch):
    reads = count_reads(monkeypatch)
    f = old_file(tmp_path / "a.bin", b"y" * (2 * MB))
    monkeypatch.setattr(hc, "RACY_S", -1e6)  # as if the file's ctime were long past
    assert file_sha256(f) == hashlib.sha256(b"y" * (2 * MB)).hexdigest()
    assert file_sha256(f) == hashlib.sha256(b"y" * (2 * MB)).hexdigest()
    assert len(reads) == 1 and cache.is_file()
    st = os.stat(f)
    with open(f, "r+b") as fh:  # same size, and mtime set back: ctime still changes
        fh.write(b"z")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert file_sha256(f) == hashlib.sha256(b"z" + b"y" * (2 * MB - 1)).hexdigest()
    assert len(reads) == 2


def test_small_files_and_a_disabled_cache_always_read(tmp_path, cache, monkeypatch):
    reads = count_reads(monkeypatch)
    monkeypatch.setattr(hc, "RACY_S", -1e6)
    small = old_file(tmp_path / "s.bin", b"s" * 100)
    big = old_file(tmp_path / "b.bin", b"b" * (2 * MB))
    for _ in range(2):
        file_sha256(small)
    assert len(reads) == 2 and not cache.exists()
    monkeypatch.setenv("GHGINV_HASH_CACHE", "0")
    for _ in range(2):
        assert file_sha256(big) == hashlib.sha256(b"b" * (2 * MB)).hexdigest()
    assert len(reads) == 4


def test_an_unusable_cache_only_turns_caching_off(tmp_path, monkeypatch):
    (tmp_path / "cache").write_text("not a folder")
    monkeypatch.setenv("GHGINV_CACHE_DIR", str(tmp_path / "cache" / "sub"))
    monkeypatch.setattr(hc, "RACY_S", -1e6)
    f = old_file(tmp_path / "b.bin", b"q" * (2 * MB))
    assert file_sha256(f) == hashlib.sha256(b"q" * (2 * MB)).hexdigest()


def test_known_sha256_answers_from_the_cache_without_reading(tmp_path, cache, monkeypatch):
    monkeypatch.setattr(hc, "RACY_S", -1e6)
    a = old_file(tmp_path / "a.bin", b"a" * (2 * MB))
    b = old_file(tmp_path / "b.bin", b"b" * (2 * MB))
    small = old_file(tmp_path / "s.bin", b"s" * 100)
    assert hc.known_sha256([a, b]) == [None, None]  # no cache yet
    file_sha256(a)
    file_sha256(small)  # below MIN_BYTES: never cached
    reads = count_reads(monkeypatch)
    assert hc.known_sha256([a, b, small]) == [hashlib.sha256(b"a" * (2 * MB)).hexdigest(), None, None]
    assert reads == []
    with open(a, "r+b") as fh:  # changed: unknown again
        fh.write(b"z")
    assert hc.known_sha256([a]) == [None]
    monkeypatch.setenv("GHGINV_HASH_CACHE", "0")
    assert hc.known_sha256([b]) == [None]
