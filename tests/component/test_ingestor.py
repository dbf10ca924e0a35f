"""The Ingestor's writer side without a broker: inbox → validated batch → commit → one ack write."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from edge.delivery.broker import parse_broker_url
from edge.protocol.messages import window_message
from edge.windows.aggregate import LineTotals, WindowAggregate
from hub.ingest.mqtt_client import IngestClient
from hub.ingest.subscriber import Ingestor, IngestSettings

pytestmark = pytest.mark.component
T0 = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)


def window(minute: int, store: str = "s1"):
    start = T0 + timedelta(minutes=minute)
    w = WindowAggregate(store, "cam-1", start, start + timedelta(minutes=1), 100, (LineTotals("door", 2, 1),))
    return window_message(w, "box-1")


@pytest.fixture
def ingestor(tmp_path):
    ing = Ingestor(IngestSettings(broker=parse_broker_url("mqtt://127.0.0.1:1"), db_path=tmp_path / "hub.db"))
    ing._client._thread = object()  # as under loop_start(): acks are queued for the network thread
    ing._writer.start()
    yield ing
    ing._stop.set()
    ing._writer.join(5)
    ing.db.close()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert predicate()


def test_acked_means_synced_at_commit(ingestor):
    assert ingestor.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_batch_is_written_then_acked_in_one_write(ingestor):
    assert isinstance(ingestor._client, IngestClient)
    messages = [window(i) for i in range(300)]
    for mid, m in enumerate(messages, start=1):
        ingestor._receive(m.topic, m.payload, mid, 1)
    ingestor._receive("retail/v1/metrics/s1/cam-1", b"{broken", 301, 1)
    expected = b"".join(b"\x40\x02" + mid.to_bytes(2, "big") for mid in range(1, 302))

    def acked() -> bytes:
        return b"".join(p["packet"] for p in list(ingestor._client._out_packet))

    wait_for(lambda: len(acked()) == len(expected))  # the counters move just before the acks
    assert acked() == expected
    assert ingestor.stored == 300 and ingestor.rejected == 1
    assert ingestor.db["windows"].count == 300 and ingestor.db["dead_letters"].count == 1


def test_a_batch_the_database_refuses_is_not_acked_and_is_written_once_it_can(ingestor, monkeypatch):
    import sqlite3

    import hub.ingest.subscriber as sub

    monkeypatch.setattr(sub, "RETRY_FIRST_S", 0.05)
    real, refusals = sub.write_batch, []

    def full_disk_twice(*args, **kwargs):
        if len(refusals) < 2:
            refusals.append(time.monotonic())
            raise sqlite3.OperationalError("database or disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(sub, "write_batch", full_disk_twice)
    m = window(0)
    ingestor._receive(m.topic, m.payload, 1, 1)
    wait_for(lambda: len(refusals) == 1)
    assert ingestor.stored == 0 and not ingestor._client._out_packet  # refused: not acknowledged
    wait_for(lambda: ingestor.stored == 1)  # the same batch again, without a re-delivery from the broker
    assert len(refusals) == 2 and refusals[1] - refusals[0] >= 0.05
    wait_for(lambda: len(ingestor._client._out_packet) == 1)  # acked once written
    assert ingestor.db["windows"].count == 1


def test_a_slow_trickle_is_written_at_once(ingestor):
    for minute in range(3):
        m = window(minute)
        sent = time.monotonic()
        ingestor._receive(m.topic, m.payload, minute + 1, 1)
        wait_for(lambda minute=minute: ingestor.stored == minute + 1)
        assert time.monotonic() - sent < 0.5
