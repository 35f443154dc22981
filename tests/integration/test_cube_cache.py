"""The cube cache (ghginv.core.cubecache): a compile after adding a file reads only the new file;
the manifest says which files came from the cache; ``--no-cache`` and ``GHGINV_CACHE=0`` turn it
off; the cache keeps within its bound (least recently used first); a damaged entry is a miss;
two processes compiling at once with one cache neither corrupt it nor read half an entry."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from ghginv.cli import main
from ghginv.core import cubecache

from conftest import write_activity


def rows(year: int, scale: float, n: int = 30) -> list[dict]:
    return [{"year": year, "region": f"51010{i % 3}", "sector": "1.A.1.a" if i % 2 else "1.A.4.b",
             "activity": ["bituminous_coal", "natural_gas", "diesel"][i % 3], "amount": scale * (1.0 + i / 7.0),
             "unit": "t"} for i in range(n)]


@pytest.fixture
def cache_on(tmp_path, monkeypatch):
    monkeypatch.setenv("GHGINV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GHGINV_CACHE", "1")
    monkeypatch.delenv("GHGINV_CUBE_CACHE_MB", raising=False)
    return tmp_path / "cache" / "cubes"


def compile_run(data: Path, sets: Path, out: Path, *extra: str) -> dict:
    assert main(["compile", "--activity", str(data), "--factors", str(sets), "--gwp", "AR5GWP100", "--out", str(out),
                 "--quiet", *extra]) == 0
    return json.loads((out / "manifest.json").read_text())


def from_cache(manifest: dict) -> dict[str, bool]:
    return {Path(i["path"]).name: i["from_cache"] for i in manifest["inputs"] if "from_cache" in i}


def test_adding_a_file_reads_only_it_and_changes_no_bit(tmp_path, ipcc_like_set, cache_on, monkeypatch):
    data = tmp_path / "activity"
    write_activity(data / "y2021.parquet", rows(2021, 1.0) + rows(2022, 0.3))  # cells span files
    write_activity(data / "y2022.parquet", rows(2022, 2.5))
    first = compile_run(data, ipcc_like_set, tmp_path / "r1")
    assert from_cache(first) == {"y2021.parquet": False, "y2022.parquet": False}
    assert len(list(cache_on.glob("*" + cubecache.SUFFIX))) == 2
    write_activity(data / "y2023.parquet", rows(2023, 0.7))
    second = compile_run(data, ipcc_like_set, tmp_path / "r2")
    assert from_cache(second) == {"y2021.parquet": True, "y2022.parquet": True, "y2023.parquet": False}
    cold = compile_run(data, ipcc_like_set, tmp_path / "r3", "--no-cache")
    assert not any(from_cache(cold).values())
    for name in ("emissions.parquet", "inventory.parquet", "cube.parquet"):
        assert (tmp_path / "r2" / name).read_bytes() == (tmp_path / "r3" / name).read_bytes(), name
    assert second["rows"]["rows_read"] == cold["rows"]["rows_read"] == 120
    assert second["checks"]["input_equals_cube"]["ok"] is True
    # a changed file invalidates its own cube only
    monkeypatch.setenv("GHGINV_CACHE", "1")  # --no-cache set GHGINV_CACHE=0 in this process
    write_activity(data / "y2022.parquet", rows(2022, 9.0))
    third = compile_run(data, ipcc_like_set, tmp_path / "r4")
    assert from_cache(third) == {"y2021.parquet": True, "y2022.parquet": False, "y2023.parquet": True}


def test_cache_off_by_environment(tmp_path, ipcc_like_set, cache_on, monkeypatch):
    data = tmp_path / "activity"
    write_activity(data / "a.parquet", rows(2021, 1.0))
    monkeypatch.setenv("GHGINV_CACHE", "0")
    compile_run(data, ipcc_like_set, tmp_path / "r1")
    second = compile_run(data, ipcc_like_set, tmp_path / "r2")
    assert from_cache(second) == {"a.parquet": False}
    assert not cache_on.exists() or not list(cache_on.glob("*" + cubecache.SUFFIX))


def test_a_cached_file_with_an_activity_no_longer_known_is_read_and_named(tmp_path, ipcc_like_set, cache_on):
    from conftest import make_factor_set

    data = tmp_path / "activity"
    write_activity(data / "a.parquet", rows(2021, 1.0))
    compile_run(data, ipcc_like_set, tmp_path / "r1")
    coal_only = make_factor_set(tmp_path / "coal_only", ef=["bituminous_coal,*,*,,,CO2,94600,kg/TJ,2006 IPCC GL Vol 2,Table 1.4,V2"],
                                conv=["bituminous_coal,ncv,*,,,25.8,TJ/Gg,2006 IPCC GL Vol 2,Table 1.2,V2"])
    code = main(["compile", "--activity", str(data), "--factors", str(coal_only), "--gwp", "AR5GWP100",
                 "--out", str(tmp_path / "r2"), "--quiet"])
    assert code == 2  # the file is read again and its rows named, as without a cache
    assert not (tmp_path / "r2").exists()


def _entry(tag: float, n: int) -> tuple[dict, dict]:
    arrays = {name: np.zeros(0, np.int32) for name in ("nk_year", "nk_region", "nk_sector", "nk_activity", "nk_key")}
    arrays.update({c: np.arange(n, dtype=np.int32) for c in ("year", "region", "sector", "activity", "unit", "entity")})
    arrays["sums"] = np.full(n, tag)
    arrays["counts"] = np.full(n, int(tag), np.int64)
    return arrays, {"tag": tag, "n": n}


def test_bound_evicts_least_recently_used(cache_on, monkeypatch):
    for k in range(3):
        assert cubecache.put(f"{k:064x}", *_entry(float(k), 40_000))
    size = (cache_on / f"{0:064x}{cubecache.SUFFIX}").stat().st_size
    monkeypatch.setenv("GHGINV_CUBE_CACHE_MB", str(3.5 * size / (1 << 20)))  # room for three entries
    os.utime(cache_on / f"{0:064x}{cubecache.SUFFIX}", (1, 1))  # make 0 the oldest, then use it: 1 becomes the oldest
    assert cubecache.get(f"{0:064x}") is not None
    os.utime(cache_on / f"{1:064x}{cubecache.SUFFIX}", (2, 2))
    assert cubecache.put(f"{3:064x}", *_entry(3.0, 40_000))
    names = {p.name[:64] for p in cache_on.glob("*" + cubecache.SUFFIX)}
    assert f"{3:064x}" in names and f"{0:064x}" in names and f"{1:064x}" not in names
    assert sum(p.stat().st_size for p in cache_on.glob("*" + cubecache.SUFFIX)) <= cubecache.max_bytes()
    monkeypatch.setenv("GHGINV_CUBE_CACHE_MB", "0")
    assert not cubecache.put(f"{4:064x}", *_entry(4.0, 10))


def test_damaged_entry_is_a_miss(cache_on):
    key = "ab" * 32
    assert cubecache.put(key, *_entry(1.0, 100))
    p = cache_on / f"{key}{cubecache.SUFFIX}"
    raw = bytearray(p.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    p.write_bytes(bytes(raw))
    assert cubecache.get(key) is None
    p.write_bytes(bytes(raw[: len(raw) // 3]))  # a torn file, as a crash without the rename would leave
    assert cubecache.get(key) is None


def test_entry_round_trip_gives_writable_native_arrays(cache_on):
    arrays, meta = _entry(2.5, 1_001)  # an odd length: the next array starts at a multiple of 8 again
    arrays["nk_key"] = np.array([3, 1, 4], np.int32)
    meta["values"] = {"region": ["510100", "成都"]}
    assert cubecache.put("ef" * 32, arrays, meta)
    got, got_meta = cubecache.get("ef" * 32)
    assert got_meta == meta
    for name, a in arrays.items():
        assert got[name].dtype == a.dtype and got[name].dtype.isnative, name
        assert got[name].tobytes() == a.tobytes(), name
        assert got[name].flags.writeable and got[name].flags.c_contiguous, name
        assert got[name].ctypes.data % 8 == 0 or got[name].size == 0, name


def test_entries_of_format_1_are_never_read_and_are_evicted(cache_on, monkeypatch):
    """A cache folder from before format 2 (NumPy .npz archives under other keys) is left alone by
    lookups and ages out under the bound like any other entry."""
    cache_on.mkdir(parents=True)
    old = cache_on / f"{'0' * 64}.npz"
    arrays, meta = _entry(1.0, 40_000)
    with open(old, "wb") as f:
        np.savez(f, **arrays)
    os.utime(old, (1, 1))
    assert cubecache.get("0" * 64) is None  # no format-2 entry under that key
    (cache_on / f"{'1' * 64}{cubecache.SUFFIX}").write_bytes(old.read_bytes())  # an archive under a format-2 name
    assert cubecache.get("1" * 64) is None
    monkeypatch.setenv("GHGINV_CUBE_CACHE_MB", str(1.5 * old.stat().st_size / (1 << 20)))
    assert cubecache.put("2" * 64, arrays, meta)
    assert not old.exists()  # the oldest entry went first
    assert cubecache.get("2" * 64) is not None


def _writer_reader(cache_dir: str, seed: int, rounds: int, q) -> None:
    os.environ["GHGINV_CACHE_DIR"] = cache_dir
    os.environ["GHGINV_CACHE"] = "1"
    rng = np.random.default_rng(seed)
    bad = 0
    seen = 0
    for _ in range(rounds):
        tag = float(rng.integers(1, 1000))
        cubecache.put("cd" * 32, *_entry(tag, int(rng.integers(1, 50_000))))
        got = cubecache.get("cd" * 32)
        if got is not None:
            seen += 1
            arrays, meta = got
            n = meta["n"]
            if not (arrays["sums"].shape[0] == n and np.all(arrays["sums"] == meta["tag"])
                    and np.all(arrays["counts"] == int(meta["tag"]))):
                bad += 1
    q.put((bad, seen))


def _compile_in_process(args: list[str], cache_dir: str, q) -> None:
    os.environ["GHGINV_CACHE_DIR"] = cache_dir
    os.environ["GHGINV_CACHE"] = "1"
    q.put(main(args))


def test_two_processes_never_see_half_an_entry(tmp_path):
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no lock of a thread copied by fork
    q = ctx.Queue()
    procs = [ctx.Process(target=_writer_reader, args=(str(tmp_path / "cache"), s, 60, q)) for s in (1, 2)]
    for p in procs:
        p.start()
    results = [q.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(bad == 0 for bad, _ in results)
    assert sum(seen for _, seen in results) > 0
    assert not list((tmp_path / "cache" / "cubes").glob(".tmp-*"))  # no temporary file left behind


def test_two_compiles_at_once_share_the_cache(tmp_path, ipcc_like_set, monkeypatch):
    data = tmp_path / "activity"
    for k in range(6):
        write_activity(data / f"f{k}.parquet", rows(2020 + k % 3, 1.0 + k))
    cache = str(tmp_path / "cache")
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no lock of a thread copied by fork
    q = ctx.Queue()
    args = [["compile", "--activity", str(data), "--factors", str(ipcc_like_set), "--gwp", "AR5GWP100",
             "--out", str(tmp_path / f"p{k}"), "--quiet"] for k in range(2)]
    procs = [ctx.Process(target=_compile_in_process, args=(a, cache, q)) for a in args]
    for p in procs:
        p.start()
    codes = [q.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert codes == [0, 0]
    monkeypatch.setenv("GHGINV_CACHE_DIR", cache)
    monkeypatch.setenv("GHGINV_CACHE", "1")
    warm = compile_run(data, ipcc_like_set, tmp_path / "warm")
    assert all(from_cache(warm).values())
    cold = compile_run(data, ipcc_like_set, tmp_path / "cold", "--no-cache")
    for run in ("p0", "p1", "warm"):
        for name in ("emissions.parquet", "inventory.parquet"):
            assert (tmp_path / run / name).read_bytes() == (tmp_path / "cold" / name).read_bytes(), (run, name)
    del cold


def test_entities_and_notation_keys_from_the_cache_equal_a_cold_run(tmp_path, ipcc_like_set, cache_on, monkeypatch):
    data = tmp_path / "activity"

    def with_entities(year: int, scale: float) -> list[dict]:
        out = [{**r, "entity_id": f"E{i % 4}" if i % 5 else None, "notation_key": None} for i, r in enumerate(rows(year, scale))]
        out.append({**out[0], "sector": "1.A.2.a", "amount": None, "notation_key": "NO", "entity_id": None})
        return out

    write_activity(data / "a.parquet", with_entities(2021, 1.0))
    write_activity(data / "b.parquet", with_entities(2021, 3.0))  # the same cells and entities again
    compile_run(data, ipcc_like_set, tmp_path / "fill", "--keep-entity")
    write_activity(data / "c.parquet", with_entities(2022, 0.5))
    warm = compile_run(data, ipcc_like_set, tmp_path / "warm", "--keep-entity")
    assert from_cache(warm) == {"a.parquet": True, "b.parquet": True, "c.parquet": False}
    cold = compile_run(data, ipcc_like_set, tmp_path / "cold", "--keep-entity", "--no-cache")
    for name in ("emissions.parquet", "inventory.parquet", "cube.parquet"):
        assert (tmp_path / "warm" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes(), name
    assert warm["rows"]["rows_notation"] == cold["rows"]["rows_notation"] == 3
    assert warm["checks"]["notation_keys"] == cold["checks"]["notation_keys"]
    monkeypatch.setenv("GHGINV_CACHE", "1")
    # without --keep-entity the same files are other cubes (the key says so): read again
    plain = compile_run(data, ipcc_like_set, tmp_path / "plain")
    assert not any(from_cache(plain).values())


def test_numba_choice_counts_only_the_bytes_read(tmp_path, ipcc_like_set, cache_on, monkeypatch):
    """An incremental run decides numpy or numba (ghginv.kernels.numpy_run) by the bytes of the files
    it reads, not of the cached ones: adding a small file to large cached ones keeps it a numpy run,
    and the outputs equal a cold run's byte for byte."""
    import ghginv.kernels as kernels
    from ghginv.core import hashcache
    from ghginv.pipeline import activity

    data = tmp_path / "activity"
    write_activity(data / "y2021.parquet", rows(2021, 1.0, 400) + rows(2022, 0.3, 400))
    write_activity(data / "y2022.parquet", rows(2022, 2.5, 400))
    write_activity(data / "y2023.parquet", rows(2023, 0.7, 30))
    new = data / "y2023.parquet"
    new_bytes = new.stat().st_size
    every = sum(p.stat().st_size for p in data.iterdir())
    monkeypatch.setattr(hashcache, "MIN_BYTES", 0)  # the test's files are small
    monkeypatch.setattr(hashcache, "RACY_S", -60.0)  # and just written: remembered all the same
    monkeypatch.setattr(kernels, "NUMPY_RUN_MAX_BYTES", new_bytes + 1)  # the cached files together go beyond it
    monkeypatch.setattr(kernels, "JIT_MIN_LEN", 16_384)
    seen = []
    real = activity.numpy_run
    monkeypatch.setattr(activity, "numpy_run", lambda n: seen.append((n, real(n))) or seen[-1][1])
    os.replace(new, tmp_path / "later.parquet")
    compile_run(data, ipcc_like_set, tmp_path / "r1")
    assert seen == [(every - new_bytes, False)]  # no file cached yet: every byte is read
    os.replace(tmp_path / "later.parquet", new)
    second = compile_run(data, ipcc_like_set, tmp_path / "r2")
    assert from_cache(second) == {"y2021.parquet": True, "y2022.parquet": True, "y2023.parquet": False}
    assert seen[1] == (new_bytes, True)  # only the new file is read: numpy
    monkeypatch.setenv("GHGINV_HASH_CACHE", "0")  # hashes unknown: every file counts as read
    compile_run(data, ipcc_like_set, tmp_path / "r3")
    assert seen[2] == (every, False)
    monkeypatch.setenv("GHGINV_HASH_CACHE", "1")
    cold = compile_run(data, ipcc_like_set, tmp_path / "r4", "--no-cache")
    assert not any(from_cache(cold).values())
    assert not any(from_cache(cold).values()) and seen[3] == (every, False)
    for name in ("emissions.parquet", "inventory.parquet", "cube.parquet"):
        assert (tmp_path / "r2" / name).read_bytes() == (tmp_path / "r4" / name).read_bytes(), name


def test_a_new_file_is_read_while_it_is_hashed_and_a_copy_still_comes_from_the_cache(tmp_path, ipcc_like_set, cache_on,
                                                                                      monkeypatch):
    """A file the hash cache does not know is read without waiting for its sha256 (the hash of the new
    file here waits until its cube is built); a file whose bytes are cached under another path (a copy)
    is read the same way and still taken from the cache once its sha256 is known; the outputs equal a
    cold run's byte for byte."""
    import threading

    from ghginv.core import _fs, hashcache
    from ghginv.pipeline import activity

    data = tmp_path / "activity"
    write_activity(data / "y2021.parquet", rows(2021, 1.0, 200) + rows(2022, 0.3, 200))
    write_activity(data / "y2022.parquet", rows(2022, 2.5, 200))
    monkeypatch.setattr(hashcache, "MIN_BYTES", 0)  # the test's files are small
    monkeypatch.setattr(hashcache, "RACY_S", -60.0)  # and just written: remembered all the same
    first = compile_run(data, ipcc_like_set, tmp_path / "r1")
    assert from_cache(first) == {"y2021.parquet": False, "y2022.parquet": False}
    write_activity(data / "y2023.parquet", rows(2023, 0.7, 200))
    (data / "z2021.parquet").write_bytes((data / "y2021.parquet").read_bytes())  # the same bytes, a new path
    order = []
    built = threading.Event()
    real_sha256, real_build = _fs.sha256, activity.build_file_cube

    def sha256(loc):
        if Path(str(loc)).name == "y2023.parquet":
            built.wait(30)  # a build that waited for this hash would never end before it
            order.append("hashed")
        return real_sha256(loc)

    def build(batches, *args, **kwargs):
        out = real_build(batches, *args, **kwargs)
        order.append("built")
        built.set()
        return out

    monkeypatch.setattr(_fs, "sha256", sha256)
    monkeypatch.setattr(activity, "build_file_cube", build)
    second = compile_run(data, ipcc_like_set, tmp_path / "r2")
    assert order.index("built") < order.index("hashed")  # a build ended before the new file's hash (none waited for it)
    assert from_cache(second) == {"y2021.parquet": True, "y2022.parquet": True, "y2023.parquet": False,
                                  "z2021.parquet": True}
    assert second["rows"]["rows_read"] == 1200
    cold = compile_run(data, ipcc_like_set, tmp_path / "r3", "--no-cache")
    assert not any(from_cache(cold).values())
    for name in ("emissions.parquet", "inventory.parquet", "cube.parquet"):
        assert (tmp_path / "r2" / name).read_bytes() == (tmp_path / "r3" / name).read_bytes(), name


def test_a_file_replaced_while_it_is_read_is_named_and_its_cube_never_cached(tmp_path, ipcc_like_set, cache_on,
                                                                            monkeypatch, capsys):
    """A new file replaced by another version (a new file renamed over it) after its rows were read and
    before it was hashed: the cube (of the old bytes) and the sha256 (of the new) are of two versions, so
    the run stops with the file named (exit 2, no run folder) and the cube is not put into the cache under
    the new bytes' sha256; the next run reads the new version and equals a cold run byte for byte."""
    import os
    import threading

    from ghginv.core import _fs, hashcache
    from ghginv.pipeline import activity

    data = tmp_path / "activity"
    write_activity(data / "y2021.parquet", rows(2021, 1.0, 200))
    monkeypatch.setattr(hashcache, "MIN_BYTES", 0)  # the test's files are small
    monkeypatch.setattr(hashcache, "RACY_S", -60.0)
    compile_run(data, ipcc_like_set, tmp_path / "r1")
    write_activity(data / "y2022.parquet", rows(2022, 2.5, 200))  # new: read while it is hashed
    built = threading.Event()
    real_sha256, real_build = _fs.sha256, activity.build_file_cube

    def sha256(loc):
        if Path(str(loc)).name == "y2022.parquet":
            built.wait(30)  # hashed only once its rows were read and the file replaced
        return real_sha256(loc)

    def build(batches, *args, **kwargs):
        out = real_build(batches, *args, **kwargs)
        if not built.is_set():
            write_activity(tmp_path / "next.parquet", rows(2022, 9.0, 200))
            os.replace(tmp_path / "next.parquet", data / "y2022.parquet")  # another version, renamed over it
            built.set()
        return out

    monkeypatch.setattr(_fs, "sha256", sha256)
    monkeypatch.setattr(activity, "build_file_cube", build)
    entries = sorted(cache_on.glob("*.cube"))
    capsys.readouterr()
    assert main(["compile", "--activity", str(data), "--factors", str(ipcc_like_set), "--gwp", "AR5GWP100",
                 "--out", str(tmp_path / "r2"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "y2022.parquet" in err and "changed while ghginv read it" in err and "Traceback" not in err
    assert not (tmp_path / "r2").exists()
    assert sorted(cache_on.glob("*.cube")) == entries  # nothing cached for the new bytes
    monkeypatch.undo()
    monkeypatch.setenv("GHGINV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GHGINV_CACHE", "1")
    again = compile_run(data, ipcc_like_set, tmp_path / "r3")
    assert from_cache(again) == {"y2021.parquet": True, "y2022.parquet": False}
    cold = compile_run(data, ipcc_like_set, tmp_path / "r4", "--no-cache")
    assert not any(from_cache(cold).values())
    for name in ("emissions.parquet", "inventory.parquet", "cube.parquet"):
        assert (tmp_path / "r3" / name).read_bytes() == (tmp_path / "r4" / name).read_bytes(), name
