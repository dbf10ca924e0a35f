"""IngestClient: its short PUBLISH path gives what paho's own decoding gives, and leaves the rest to paho."""

import struct

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.exception import MalformedPacket
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hub.ingest.mqtt_client import IngestClient, is_supported

TOPIC = "retail/v1/metrics/s1/cam-1"
PAYLOAD = b'{"kind":"window"}'


def publish_packet(topic: bytes, payload: bytes, qos: int, mid: int = 0, props: bytes = b"\x00") -> tuple[int, bytes]:
    """(fixed header byte, variable header + payload) of an MQTT v5 PUBLISH."""
    body = struct.pack("!H", len(topic)) + topic + (struct.pack("!H", mid) if qos else b"") + props + payload
    return 0x30 | (qos << 1), body


def received(client_cls, header: int, body: bytes):
    got = []
    kwargs = dict(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5, manual_ack=True)
    client = client_cls(lambda *m: got.append(("fast", *m)), **kwargs) if client_cls is IngestClient \
        else client_cls(**kwargs)
    client.on_message = lambda c, u, m: got.append(("paho", m.topic, m.payload, m.mid, m.qos))
    client._in_packet = {"command": header, "packet": bytearray(body), "have_remaining": 1,
                         "remaining_count": [], "remaining_mult": 1, "remaining_length": len(body),
                         "to_process": 0, "pos": 0}
    rc = client._handle_publish()
    return rc, got, client


def test_this_paho_has_what_the_short_path_needs():
    assert is_supported()


@pytest.mark.parametrize("qos, mid", [(1, 1), (1, 65535), (0, 0)])
def test_short_path_matches_paho(qos, mid):
    header, body = publish_packet(TOPIC.encode(), PAYLOAD, qos, mid)
    rc_fast, fast, _ = received(IngestClient, header, body)
    rc_paho, paho, _ = received(mqtt.Client, header, body)
    assert rc_fast == rc_paho == mqtt.MQTT_ERR_SUCCESS
    assert [m[1:] for m in fast] == [m[1:] for m in paho] == [(TOPIC, PAYLOAD, mid, qos)]
    assert fast[0][0] == "fast" and type(fast[0][2]) is bytes


def test_properties_go_through_paho():
    props = Properties(PacketTypes.PUBLISH)
    props.UserProperty = ("k", "v")
    header, body = publish_packet(TOPIC.encode(), PAYLOAD, 1, 7, props.pack())
    rc, got, _ = received(IngestClient, header, body)
    assert rc == mqtt.MQTT_ERR_SUCCESS and got == [("paho", TOPIC, PAYLOAD, 7, 1)]


def test_an_empty_topic_goes_through_paho():
    header, body = publish_packet(b"", PAYLOAD, 1, 7)
    rc, got, _ = received(IngestClient, header, body)
    assert got == [("paho", "", PAYLOAD, 7, 1)]


@pytest.mark.parametrize("client_cls", [IngestClient, mqtt.Client])
def test_a_short_packet_is_paho_s_to_refuse(client_cls):
    header, body = publish_packet(TOPIC.encode(), b"", 1, 7)
    with pytest.raises(MalformedPacket):  # _packet_read turns it into a protocol error
        received(client_cls, header, body[:-1])  # no property length


def test_invalid_utf8_topic_still_arrives_for_the_dead_letters():
    header, body = publish_packet(b"retail/\xff", PAYLOAD, 1, 3)
    _, got, _ = received(IngestClient, header, body)
    assert got == [("fast", "retail/\\xff", PAYLOAD, 3, 1)]


def test_ack_many_queues_one_write_of_every_puback():
    client = IngestClient(lambda *m: None, callback_api_version=CallbackAPIVersion.VERSION2,
                          protocol=mqtt.MQTTv5, manual_ack=True)
    client._thread = object()  # as under loop_start(): queue only, the network thread writes
    client.ack_many([1, 2, 300])
    (packet,) = client._out_packet
    assert packet["packet"] == b"\x40\x02\x00\x01" + b"\x40\x02\x00\x02" + b"\x40\x02\x01\x2c"
    client.ack_many([])
    assert len(client._out_packet) == 1


def framed(topic: str, payload: bytes, mid: int) -> bytes:
    """A whole MQTT v5 QoS 1 PUBLISH on the wire: fixed header, remaining length, body."""
    header, body = publish_packet(topic.encode(), payload, 1, mid)
    length, n = b"", len(body)
    while True:
        n, digit = divmod(n, 128)
        length += bytes([digit | (0x80 if n else 0)])
        if not n:
            return bytes([header]) + length + body


@pytest.mark.parametrize("recv_size", [65536, 7, 1])
def test_buffered_reads_deliver_every_packet_in_order(recv_size):
    import socket

    got = []
    client = IngestClient(lambda *m: got.append(m), callback_api_version=CallbackAPIVersion.VERSION2,
                          protocol=mqtt.MQTTv5, manual_ack=True)
    client.RECV_SIZE = recv_size
    client.READ_BURST = 3
    ours, broker = socket.socketpair()
    ours.setblocking(False)
    client._sock = ours
    sent = [(f"retail/v1/metrics/s1/cam-{i}", b"x" * (i * 37 % 300), i + 1) for i in range(50)]
    broker.sendall(b"".join(framed(*m) for m in sent))
    for _ in range(1000):
        if len(got) == len(sent):
            break
        assert client.loop_read() == mqtt.MQTT_ERR_SUCCESS
        assert client._rpos >= len(client._rbuf)  # never stops with bytes select() cannot see
    assert got == [(t, p, mid, 1) for t, p, mid in sent]
    broker.close()
    ours.close()
