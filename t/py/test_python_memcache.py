"""python-memcache (module 'memcache') against MEMCACHED_ADDR."""
import pytest

from conftest import server_addr

memcache = pytest.importorskip("memcache")


@pytest.fixture
def mc():
    host, port = server_addr()
    c = memcache.Client(["%s:%d" % (host, port)], debug=0,
                        server_max_value_length=1024 * 1024)
    assert c.flush_all() is None or True
    yield c
    c.disconnect_all()


def test_set_get(mc):
    assert mc.set("k", "v")
    assert mc.get("k") == "v"
    assert mc.get("missing") is None


def test_types_round_trip(mc):
    assert mc.set("i", 42)
    assert mc.get("i") == 42
    assert mc.set("obj", {"a": [1, 2, 3]})
    assert mc.get("obj") == {"a": [1, 2, 3]}
    data = bytes(range(256)) + b"\r\nEND\r\n"
    assert mc.set("bin", data)
    assert mc.get("bin") == data
    assert mc.set("uni", "h\u00e9llo \u2603 \U0001f600")
    assert mc.get("uni") == "h\u00e9llo \u2603 \U0001f600"


def test_get_multi_500(mc):
    keys = ["gm%d" % i for i in range(500)]
    assert mc.set_multi({k: "v%d" % i for i, k in enumerate(keys)
                         if i % 5}) == []
    got = mc.get_multi(keys)
    assert len(got) == 400
    for i, k in enumerate(keys):
        if i % 5:
            assert got[k] == "v%d" % i
        else:
            assert k not in got


def test_delete(mc):
    mc.set("d", "1")
    assert mc.delete("d") == 1
    assert mc.get("d") is None
    mc.set("d2", "x")
    mc.set("d3", "y")
    assert mc.delete_multi(["d2", "d3"]) == 1
    assert mc.get_multi(["d2", "d3"]) == {}


def test_incr_decr(mc):
    mc.set("n", "10")
    assert mc.incr("n", 5) == 15
    assert mc.decr("n", 20) == 0
    assert mc.incr("missing") is None
    mc.set("w", "18446744073709551615")
    assert mc.incr("w") == 0


def test_add_replace(mc):
    assert mc.add("a", "1")
    assert not mc.add("a", "2")
    assert mc.replace("a", "3")
    assert not mc.replace("nx", "3")
    assert mc.get("a") == "3"


def test_append_prepend(mc):
    mc.set("ap", "mid")
    assert mc.append("ap", "-end")
    assert mc.prepend("ap", "start-")
    assert mc.get("ap") == "start-mid-end"
    assert not mc.append("nx", "x")


def test_gets_cas():
    host, port = server_addr()
    c = memcache.Client(["%s:%d" % (host, port)], cache_cas=True)
    c.set("c", "1")
    assert c.gets("c") == "1"
    assert c.cas("c", "2")
    assert c.get("c") == "2"
    c.gets("c")
    other = memcache.Client(["%s:%d" % (host, port)])
    other.set("c", "changed")
    assert not c.cas("c", "3")
    assert c.get("c") == "changed"
    c.disconnect_all()
    other.disconnect_all()


def test_touch(mc):
    mc.set("t", "x", time=100)
    assert mc.touch("t", 200)
    assert not mc.touch("nx", 200)


def test_noreply(mc):
    assert mc.set("nr", "1", noreply=True)
    assert mc.add("nr2", "2", noreply=True)
    assert mc.replace("nr", "3", noreply=True)
    assert mc.append("nr", "4", noreply=True)
    assert mc.prepend("nr", "0", noreply=True)
    mc.set("cnt", "5")
    mc.incr("cnt", 3, noreply=True)
    mc.decr("cnt", 1, noreply=True)
    mc.delete("nr2", noreply=True)
    assert mc.get_multi(["nr", "nr2", "cnt"]) == {"nr": "034", "cnt": "7"}


def test_flush_all(mc):
    mc.set("x", "1")
    mc.flush_all()
    assert mc.get("x") is None


def test_stats(mc):
    mc.get("nx")
    stats = mc.get_stats()
    assert len(stats) == 1
    name, st = stats[0]
    for key in ("pid", "uptime", "curr_items", "get_misses", "version"):
        assert key in st, key
    assert int(st["get_misses"]) >= 1
    settings = mc.get_stats("settings")
    assert "item_size_max" in settings[0][1]


def test_key_checks(mc):
    with pytest.raises(memcache.Client.MemcachedKeyError):
        mc.set("bad key", "x")
    with pytest.raises(memcache.Client.MemcachedKeyError):
        mc.set("k" * 251, "x")
    assert mc.set("k" * 250, "x")
    assert mc.get("k" * 250) == "x"


def test_large_value(mc):
    data = "z" * 1000000
    assert mc.set("large", data, min_compress_len=0)
    assert mc.get("large") == data


def test_stats_groups_cachedump(mc):
    """The seeds' example: get_stats('cachedump 5 0') and other groups."""
    # 48 + 8 + 6 + 1 + 150 bytes: class 5 (chunks of 240 bytes).
    for i in range(10):
        mc.set("dump%d" % i, "x" * 148)
    dump = mc.get_stats("cachedump 5 0")
    assert len(dump) == 1
    server, items = dump[0]
    assert isinstance(items, dict)
    # Each entry is "key": "[<bytes> b; <exptime> s]" (the reference lists
    # only the COLD segment, so the set may legitimately be empty there).
    for key, desc in items.items():
        assert key.startswith("dump")
        assert desc.startswith("[148 b; ")
    if "ours" in mc.get_stats()[0][1]["version"]:
        assert len(items) == 10, items
    slabs = mc.get_stats("slabs")[0][1]
    assert "active_slabs" in slabs
    item_stats = mc.get_stats("items")[0][1]
    assert any(k.endswith(":number") for k in item_stats)
