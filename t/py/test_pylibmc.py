"""pylibmc (libmemcached) with the binary protocol against MEMCACHED_ADDR."""
import pytest

from conftest import server_addr

pylibmc = pytest.importorskip("pylibmc")


@pytest.fixture
def mc():
    host, port = server_addr()
    c = pylibmc.Client(["%s:%d" % (host, port)], binary=True,
                       behaviors={"cas": True})
    c.flush_all()
    yield c
    c.disconnect_all()


def test_set_get_binary_safe(mc):
    assert mc.set("a", "hello")
    assert mc.get("a") == "hello"
    assert mc.set("b", b"\x00\xff\r\n")
    assert mc.get("b") == b"\x00\xff\r\n"
    assert mc.get("missing") is None


def test_get_multi_types(mc):
    mc.set_multi({"k1": "v1", "k2": 2, "k3": b"\x00"})
    assert mc.get_multi(["k1", "k2", "k3", "nope"]) == {
        "k1": "v1", "k2": 2, "k3": b"\x00"}


def test_get_multi_many(mc):
    data = {"key%d" % i: "value%d" % i for i in range(300)}
    mc.set_multi(data)
    assert mc.get_multi(list(data) + ["absent"]) == data


def test_incr_decr(mc):
    mc.set("n", 10)
    assert mc.incr("n", 5) == 15
    assert mc.decr("n", 100) == 0
    with pytest.raises(pylibmc.NotFound):
        mc.incr("no-such-counter")


def test_delete(mc):
    mc.set("d", "x")
    assert mc.delete("d") is True
    assert mc.get("d") is None
    assert mc.delete("d") is False


def test_cas(mc):
    mc.set("c", "one")
    value, cas = mc.gets("c")
    assert value == "one"
    assert mc.cas("c", "two", cas) is True
    assert mc.cas("c", "three", cas) is False
    assert mc.get("c") == "two"


def test_append_prepend(mc):
    mc.set("s", "mid")
    assert mc.append("s", ">")
    assert mc.prepend("s", "<")
    assert mc.get("s") == "<mid>"


def test_add_replace_touch(mc):
    mc.set("r", "x")
    assert mc.add("r", "y") is False
    with pytest.raises(pylibmc.NotFound):
        mc.replace("absent-key", "y")
    assert mc.replace("r", "z")
    assert mc.touch("r", 100) is True
    assert mc.get("r") == "z"


def test_stats(mc):
    stats = mc.get_stats()
    assert len(stats) == 1
    assert "curr_items" in stats[0][1]
