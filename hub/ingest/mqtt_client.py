"""paho's Client with a lighter path for what the hub does most: take a QoS 1 PUBLISH, ack it later.

Profiled at full ingest load, half of the hub's CPU was paho's pure-Python packet handling. Three
things in it cost more than they need to for a subscriber that takes thousands of small messages
a second; this subclass changes only those, and hands everything else to paho as it is:

1. **Decoding a PUBLISH.** For MQTT v5 paho builds a `Properties` object for every message
   (~17 µs: it fills two dicts of the whole property table) and an `MQTTMessage` with its own
   `threading.Condition`. A PUBLISH with an empty property block (what Mosquitto sends the hub:
   no alias, no expiry, no user properties) at QoS 0 or 1 is decoded here in a few lines and
   handed to `deliver(topic, payload, mid, qos)`. Anything else (properties present, QoS 2, a
   packet too short) goes through paho's own `_handle_publish`, so it is decoded, checked and
   reported exactly as before, and reaches `deliver` through `on_message`.
2. **Reading.** paho reads one packet per `select()` (it sizes the burst by its own in-flight
   counts, which are 0 for a subscriber), with three `recv()` calls per packet (the type byte,
   the length bytes one by one, the rest). Here `_sock_recv` serves those reads from one
   `recv()` of up to 64 KiB, and `loop_read` keeps reading until the socket has nothing more,
   up to `READ_BURST` packets, then lets the loop write (the acks) again. It never stops with
   bytes left in its buffer: `select()` would not know about them.
3. **Acknowledging.** `ack_many(mids)` queues one write holding every PUBACK of a committed
   batch, instead of one queued packet, one wake-up of the network thread and one `send()`
   each.

All of it rests on paho 2.x internals (`_in_packet`, `_packet_read`, `_packet_queue`,
`_handle_publish`); `is_supported()` checks they are there, and the subscriber falls back to the
plain client when they are not.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode, MQTTProtocolVersion

__all__ = ["IngestClient", "is_supported", "Deliver"]

Deliver = Callable[[str, bytes, int, int], None]  # (topic, payload, mid, qos)

_PUBACK = 0x40
_PUBACK_PACKET = struct.Struct("!BBH")  # fixed header, remaining length 2, packet id (reason omitted: success)
_INTERNALS = ("_in_packet", "_packet_read", "_packet_queue", "_handle_publish", "_loop_rc_handle",
              "_in_callback_mutex", "_manual_ack", "_protocol", "_sock", "_sock_recv", "_send_puback")


def is_supported() -> bool:
    """Whether this paho has the internals the lighter path relies on (a client opens no socket
    until it connects)."""
    probe = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    return all(hasattr(probe, name) for name in _INTERNALS) and isinstance(probe._in_packet, dict)


class IngestClient(mqtt.Client):
    """A paho Client whose QoS 0/1 PUBLISHes without properties go straight to `deliver`."""

    READ_BURST = 200  # packets read per select(), about, so acks still go out during a flood
    RECV_SIZE = 65536

    def __init__(self, deliver: Deliver, **kwargs) -> None:
        super().__init__(**kwargs)
        self._deliver = deliver
        self._rbuf = b""  # bytes received and not yet handed to paho's reader: _rbuf[_rpos:]
        self._rpos = 0
        self._rsock: object = None  # the socket they came from (a reconnect drops them)

    # -- reading ------------------------------------------------------------------------------

    def _sock_recv(self, bufsize: int) -> bytes:
        buf, pos = self._rbuf, self._rpos
        if pos >= len(buf) or self._rsock is not self._sock:
            data = super()._sock_recv(max(bufsize, self.RECV_SIZE))  # BlockingIOError when none
            if len(data) <= bufsize:  # all of it is asked for (b"": the broker closed)
                self._rbuf, self._rpos = b"", 0
                return data
            buf, pos, self._rbuf, self._rsock = data, 0, data, self._sock
        self._rpos = min(pos + bufsize, len(buf))
        return buf[pos:self._rpos]

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        count = 0
        while True:
            if self._sock is None:
                return MQTTErrorCode.MQTT_ERR_NO_CONN
            rc = self._packet_read()
            if rc > 0:
                return self._loop_rc_handle(rc)
            if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
                return MQTTErrorCode.MQTT_ERR_SUCCESS
            count += 1
            if count >= max(max_packets, self.READ_BURST) and self._rpos >= len(self._rbuf):
                return MQTTErrorCode.MQTT_ERR_SUCCESS

    def _handle_publish(self) -> MQTTErrorCode:
        header = self._in_packet["command"]
        packet = self._in_packet["packet"]
        qos = (header & 0x06) >> 1
        if self._protocol != MQTTProtocolVersion.MQTTv5 or qos > 1 or len(packet) < 3:
            return super()._handle_publish()
        topic_end = 2 + ((packet[0] << 8) | packet[1])
        props = topic_end + 2 if qos else topic_end  # the property length (one byte when 0)
        if topic_end == 2 or props >= len(packet) or packet[props] != 0:
            # an empty topic (an alias), properties, or a short packet: paho decodes and checks it
            return super()._handle_publish()
        topic = packet[2:topic_end].decode("utf-8", "backslashreplace")
        mid = (packet[topic_end] << 8) | packet[topic_end + 1] if qos else 0
        payload = bytes(packet[props + 1:])
        with self._in_callback_mutex:
            self._deliver(topic, payload, mid, qos)
        if qos == 1 and not self._manual_ack:
            return self._send_puback(mid)
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    # -- acknowledging -----------------------------------------------------------------------

    def ack_many(self, mids: Iterable[int]) -> MQTTErrorCode:
        """PUBACK every QoS 1 message id in `mids` (manual acks), in one write."""
        packet = b"".join([_PUBACK_PACKET.pack(_PUBACK, 2, mid) for mid in mids])
        if not packet:
            return MQTTErrorCode.MQTT_ERR_SUCCESS
        return self._packet_queue(_PUBACK, packet, 0, 1)
