"""pymemcache against the server at MEMCACHED_ADDR."""
import pytest

from conftest import server_addr

pymemcache = pytest.importorskip("pymemcache")
from pymemcache.client.base import Client  # noqa: E402


@pytest.fixture
def mc():
    c = Client(server_addr(), default_noreply=False, connect_timeout=5,
               timeout=10)
    c.flush_all()
    yield c
    c.close()


def test_set_get(mc):
    assert mc.set("k", b"v") is True
    assert mc.get("k") == b"v"
    assert mc.get("missing") is None


class FlagSerde:
    """Stores the flags we ask for and reports the flags the server returns."""

    def __init__(self):
        self.seen = None

    def serialize(self, key, value):
        return value[0], value[1]

    def deserialize(self, key, value, flags):
        self.seen = flags
        return value


def test_flags_round_trip():
    serde = FlagSerde()
    c = Client(server_addr(), serde=serde, default_noreply=False)
    for flags in (0, 1, 2 ** 31, 4294967295):
        assert c.set("f", (b"x", flags)) is True
        assert c.get("f") == b"x"
        assert serde.seen == flags
    c.close()


def test_binary_and_unicode(mc):
    data = bytes(range(256)) + b"\r\nEND\r\n"
    assert mc.set("bin", data)
    assert mc.get("bin") == data
    text = "h\u00e9llo \u2603 \U0001f600".encode("utf-8")
    assert mc.set("uni", text)
    assert mc.get("uni").decode("utf-8") == "h\u00e9llo \u2603 \U0001f600"
    assert mc.set("empty", b"")
    assert mc.get("empty") == b""


def test_get_many_500(mc):
    keys = ["gm%d" % i for i in range(500)]
    for i, k in enumerate(keys):
        if i % 4:
            mc.set(k, ("val%d" % i).encode())
    got = mc.get_many(keys)
    assert len(got) == 375
    for i, k in enumerate(keys):
        if i % 4:
            assert got[k] == ("val%d" % i).encode()
        else:
            assert k not in got


def test_delete(mc):
    mc.set("d", b"1")
    assert mc.delete("d") is True
    assert mc.delete("d") is False
    assert mc.get("d") is None


def test_incr_decr(mc):
    mc.set("n", b"10")
    assert mc.incr("n", 5) == 15
    assert mc.decr("n", 20) == 0
    assert mc.incr("missing", 1) is None
    assert mc.decr("missing", 1) is None
    mc.set("m", b"18446744073709551615")
    assert mc.incr("m", 1) == 0


def test_add_replace(mc):
    assert mc.add("a", b"1") is True
    assert mc.add("a", b"2") is False
    assert mc.replace("a", b"3") is True
    assert mc.replace("nx", b"3") is False
    assert mc.get("a") == b"3"
    assert mc.get("nx") is None


def test_append_prepend(mc):
    mc.set("ap", b"mid")
    assert mc.append("ap", b"-end") is True
    assert mc.prepend("ap", b"start-") is True
    assert mc.get("ap") == b"start-mid-end"
    assert mc.append("nx", b"x") is False
    assert mc.prepend("nx", b"x") is False


def test_gets_cas(mc):
    mc.set("c", b"1")
    value, cas = mc.gets("c")
    assert value == b"1" and cas is not None
    assert mc.cas("c", b"2", cas) is True
    assert mc.cas("c", b"3", cas) is False
    assert mc.get("c") == b"2"
    assert mc.cas("nx", b"1", cas) is None
    many = mc.gets_many(["c", "nx"])
    assert list(many) == ["c"]
    assert many["c"][0] == b"2"


def test_touch(mc):
    mc.set("t", b"x", expire=100)
    assert mc.touch("t", 200) is True
    assert mc.touch("nx", 200) is False
    assert mc.touch("t", -1) is True
    assert mc.get("t") is None


def test_noreply_variants(mc):
    assert mc.set("nr", b"1", noreply=True) is True
    assert mc.add("nr", b"2", noreply=True) is True   # no answer to check
    assert mc.replace("nr", b"3", noreply=True) is True
    assert mc.append("nr", b"4", noreply=True) is True
    assert mc.prepend("nr", b"0", noreply=True) is True
    assert mc.incr("cnt", 1, noreply=True) is None
    assert mc.delete("nx", noreply=True) is True
    assert mc.touch("nr", 100, noreply=True) is True
    assert mc.get("nr") == b"034"
    mc.set("cnt", b"5")
    mc.incr("cnt", 3, noreply=True)
    mc.decr("cnt", 1, noreply=True)
    assert mc.get("cnt") == b"7"
    assert mc.flush_all(noreply=True) is True
    assert mc.get("nr") is None


def test_flush_all(mc):
    mc.set("x", b"1")
    assert mc.flush_all() is True
    assert mc.get("x") is None


def test_stats(mc):
    mc.get("nx")
    st = mc.stats()
    for name in (b"pid", b"uptime", b"curr_items", b"get_misses",
                 b"cmd_get", b"limit_maxbytes", b"version"):
        assert name in st, name
    assert st[b"get_misses"] >= 1
    settings = mc.stats("settings")
    assert b"item_size_max" in settings


def test_version(mc):
    assert mc.version()


def test_key_checks_client_side(mc):
    with pytest.raises(Exception):
        mc.set("bad key", b"x")
    with pytest.raises(Exception):
        mc.set("k" * 251, b"x")
    assert mc.set("k" * 250, b"x")
    assert mc.get("k" * 250) == b"x"


def test_large_value(mc):
    data = b"z" * 1000000
    assert mc.set("large", data)
    assert mc.get("large") == data
    from pymemcache.exceptions import MemcacheServerError
    with pytest.raises(MemcacheServerError):
        mc.set("huge", b"z" * 1048577)
