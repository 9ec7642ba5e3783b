import pytest

from accord.ledger import EMPTY_ROOT, MemoryNodeStore, TreeAppender


def test_store_returns_what_was_put_in_key_order():
    store, appender = MemoryNodeStore(), TreeAppender()
    rows = appender.extend([b"a", b"b", b"c"])
    store.put_nodes(rows)
    assert store.size == 3
    keys = [(level, index) for level, index, _ in rows]
    assert store.get_nodes(keys[::-1]) == [h for _, _, h in rows][::-1]
    assert store.get_nodes([(0, 1), (0, 1)]) == [rows[1][2]] * 2


def test_empty_store_has_no_leaves_and_no_nodes():
    store = MemoryNodeStore()
    assert store.size == 0
    with pytest.raises(KeyError):
        store.get_nodes([(0, 0)])


@pytest.mark.parametrize("key", [(0, 3), (2, 0), (0, -1)])
def test_absent_node_raises_key_error(key):
    store = MemoryNodeStore()
    store.put_nodes(TreeAppender().extend([b"a", b"b", b"c"]))
    with pytest.raises(KeyError):
        store.get_nodes([key])


def test_rows_must_extend_each_level_in_order():
    store = MemoryNodeStore()
    with pytest.raises(ValueError, match="does not extend"):
        store.put_nodes([(0, 1, EMPTY_ROOT)])
    with pytest.raises(ValueError, match="does not extend"):
        store.put_nodes([(0, 0, b"short")])
