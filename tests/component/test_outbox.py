"""The SQLite outbox: order, idempotent put, removal by row, survival across reopen, size bound."""

import pytest

from edge.delivery.outbox import Outbox
from edge.protocol.messages import Message

pytestmark = pytest.mark.component


def msg(i: int, body: bytes = b"{}") -> Message:
    return Message(f"{i:032x}", f"retail/v1/metrics/s1/cam-{i}", body)


def test_pending_is_oldest_first_and_survives_reopen(tmp_path):
    box = Outbox(tmp_path / "o.db")
    for i in range(5):
        box.put(msg(i))
    rows = box.pending(3)
    assert [r.message_id for r in rows] == [f"{i:032x}" for i in range(3)]
    box.remove(rows[0].seq)
    box.close()
    again = Outbox(tmp_path / "o.db")  # as after kill -9 and restart
    assert [r.message_id for r in again.pending(10)] == [f"{i:032x}" for i in range(1, 5)]
    assert [r.message_id for r in again.pending(10, after_seq=rows[2].seq)] == [f"{i:032x}" for i in (3, 4)]


def test_same_message_id_replaces_the_pending_row(tmp_path):
    box = Outbox(tmp_path / "o.db")
    box.put(msg(1, b'{"v":1}'))
    first = box.pending(1)[0]
    box.put(msg(1, b'{"v":2}'))
    assert len(box) == 1
    (row,) = box.pending(5)
    assert row.payload == b'{"v":2}'
    box.remove(first.seq)  # the ack of the old copy does not remove the newer one
    assert len(box) == 1


def test_full_outbox_drops_oldest_and_counts_it(tmp_path):
    box = Outbox(tmp_path / "o.db", max_rows=3)
    for i in range(5):
        box.put(msg(i))
    assert len(box) == 3
    assert box.dropped == 2
    assert [r.message_id for r in box.pending(10)] == [f"{i:032x}" for i in (2, 3, 4)]


def test_unopenable_outbox_is_a_clear_error(tmp_path):
    from edge.errors import DeliveryError

    (tmp_path / "dir.db").mkdir()
    with pytest.raises(DeliveryError, match="cannot open outbox"):
        Outbox(tmp_path / "dir.db")


def test_a_full_disk_holds_messages_in_memory_until_it_takes_writes_again(tmp_path, caplog):
    box = Outbox(tmp_path / "o.db")
    box.put(msg(0))
    (pages,) = box._db.execute("PRAGMA page_count").fetchone()
    box._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "database or disk is full"
    for i in range(1, 6):
        box.put(msg(i, b"x" * 20_000))  # each needs new pages: refused, kept, no exception for the camera
    assert (len(box), box.unsaved) == (6, 5)
    assert "takes no writes" in caplog.text and "disk is full" in caplog.text
    assert [r.message_id for r in box.pending(10)] == [f"{0:032x}"]
    box._db.execute("PRAGMA max_page_count = 1000000")  # space again
    assert [r.message_id for r in box.pending(10)] == [f"{i:032x}" for i in range(6)]  # in order
    assert (len(box), box.unsaved, box.dropped) == (6, 0, 0)
