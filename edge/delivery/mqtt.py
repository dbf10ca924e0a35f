"""Publisher: drains the outbox into MQTT (paho 2.x, MQTT v5, QoS 1) and keeps the agent's status.

    outbox ──(oldest first, ≤ max_outstanding, ≤ rate_per_s)──▶ paho ──▶ broker
       ▲                                                          │
       └──────────── remove(seq) on PUBACK (on_publish) ◀─────────┘

paho keeps unacknowledged QoS 1 messages across reconnects and re-sends them; the outbox keeps
them across process restarts. A message may therefore arrive twice; its deterministic id makes
the second copy replace the first at the hub.

Status: a retained "online" status on connect, a retained "offline" one as the last will (the
broker publishes it if the agent vanishes), and an explicit "offline" on a clean stop.
"""

from __future__ import annotations

import logging
import queue
import ssl
import threading
import time
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.delivery.broker import BrokerAddress
from edge.delivery.outbox import Outbox
from edge.protocol.messages import Message, agent_message
from edge.protocol.topics import topic_for
from edge.windows.clock import iso_z, to_utc

__all__ = ["Publisher"]

log = logging.getLogger("retail_edge.publisher")


class Publisher:
    """Start with start(); wait_drained() blocks until the outbox is empty; stop() ends it.

    Args:
        broker: where to connect.
        outbox: the messages to deliver.
        store_id, agent_id: ids of this agent (status topic, client id).
        rate_per_s: at most this many messages per second (a backlog after an outage is sent
            smoothly, not as a burst that floods the broker and the hub).
        max_outstanding: messages handed to paho and not yet acknowledged.
        on_message: called (topic, payload) for messages on `subscriptions` (remote configs).
    """

    def __init__(
        self,
        broker: BrokerAddress,
        outbox: Outbox,
        store_id: str,
        agent_id: str,
        rate_per_s: float = 200.0,
        max_outstanding: int = 50,
        on_message: Callable[[str, bytes], None] | None = None,
        subscriptions: tuple[str, ...] = (),
    ) -> None:
        self.broker, self.outbox = broker, outbox
        self.store_id, self.agent_id = store_id, agent_id
        self.rate_per_s, self.max_outstanding = rate_per_s, max_outstanding
        self.status_topic = topic_for("status", store_id, agent_id)
        self._on_message_cb = on_message
        self._subscriptions = subscriptions
        # PUBACKs arrive on paho's network thread while it holds paho's own lock; they are only
        # queued there and handled on the publisher thread, so no lock is ever taken in reverse.
        self._acks: queue.SimpleQueue[tuple[int, object]] = queue.SimpleQueue()
        self._outstanding: dict[int, int] = {}  # paho mid → outbox seq (publisher thread only)
        self._handed_seq = 0
        self._stop = threading.Event()
        self.is_connected = False
        self.acked = 0
        self.last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name="publisher", daemon=True)
        self._client = self._make_client()

    # ── paho client and callbacks ────────────────────────────────────────────────────────────
    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"edge-{self.store_id}-{self.agent_id}"[:64],
            protocol=mqtt.MQTTv5,
        )
        if self.broker.username:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.is_tls:
            client.tls_set(ca_certs=self.broker.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        client.will_set(self.status_topic, self._status_payload("offline"), qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.max_inflight_messages_set(self.max_outstanding)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        return client

    def _status_payload(self, state: str) -> bytes:
        document = {"schema_version": 1, "kind": "status", "store_id": self.store_id,
                    "agent_id": self.agent_id, "state": state, "at": iso_z(to_utc(time.time()))}
        return agent_message("status", self.store_id, self.agent_id, document).payload

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.last_error = f"broker {self.broker} refused the connection: {reason_code}"
            log.error(self.last_error)
            return
        log.info("connected to %s", self.broker)
        client.publish(self.status_topic, self._status_payload("online"), qos=1, retain=True)
        for topic in self._subscriptions:
            client.subscribe(topic, qos=1)
        self.is_connected = True
        self.last_error = None

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        was, self.is_connected = self.is_connected, False
        if was and not self._stop.is_set():
            log.warning("lost the broker %s (%s); %d messages wait in the outbox",
                        self.broker, reason_code, len(self.outbox))

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        self._acks.put((mid, reason_code))

    def _on_message(self, client, userdata, message) -> None:
        if self._on_message_cb is not None:
            try:
                self._on_message_cb(message.topic, message.payload)
            except Exception:  # a bad message must never stop the network thread
                log.exception("handling message on %s failed", message.topic)

    # ── lifecycle ────────────────────────────────────────────────────────────────────────────
    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 0
        self._client.connect_async(self.broker.host, self.broker.port, keepalive=15,
                                   clean_start=True, properties=props)
        self._client.loop_start()
        self._thread.start()

    def publish_live(self, message: Message, qos: int = 0, retain: bool = False) -> None:
        """Fire-and-forget for heartbeats: not stored, not retried across restarts."""
        if self.is_connected:
            self._client.publish(message.topic, message.payload, qos=qos, retain=retain)

    def notify(self) -> None:
        """Tell the publisher the outbox has new rows."""
        self._acks.put((-1, None))

    def wait_drained(self, stop: threading.Event | None = None, timeout_s: float | None = None) -> bool:
        """Block until every outbox row is acknowledged; False on timeout or stop."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while len(self.outbox) > 0:
            if (stop is not None and stop.is_set()) or (deadline and time.monotonic() > deadline):
                return False
            time.sleep(0.1)
        return True

    def stop(self) -> None:
        self._stop.set()
        self.notify()
        self._thread.join(5)
        if self.is_connected:
            info = self._client.publish(self.status_topic, self._status_payload("offline"), qos=1, retain=True)
            try:
                info.wait_for_publish(2)
            except (RuntimeError, ValueError):
                pass
        self._client.disconnect()
        self._client.loop_stop()

    # ── the sending loop (publisher thread) ──────────────────────────────────────────────────
    def _handle_ack(self, mid: int, reason_code) -> None:
        seq = self._outstanding.pop(mid, None)
        if seq is None:
            return
        if reason_code.is_failure:
            # A refusal (not authorised, bad topic) will not change on retry: the message stays
            # in the outbox for an operator, and the agent says so loudly.
            self.last_error = f"broker refused outbox message {seq} ({reason_code})"
            log.error(self.last_error)
        else:
            self.outbox.remove(seq)
            self.acked += 1

    def _drain_acks(self, wait_s: float) -> None:
        try:
            item = self._acks.get(timeout=wait_s)
        except queue.Empty:
            return
        while True:
            if item[0] >= 0:
                self._handle_ack(*item)
            try:
                item = self._acks.get_nowait()
            except queue.Empty:
                return

    def _run(self) -> None:
        interval = 1.0 / self.rate_per_s if self.rate_per_s > 0 else 0.0
        while not self._stop.is_set():
            self._drain_acks(0.0 if self._acks.qsize() else 0.05)
            room = self.max_outstanding - len(self._outstanding)
            if not self.is_connected or room <= 0:
                self._drain_acks(0.5)
                continue
            batch = self.outbox.pending(room, after_seq=self._handed_seq)
            if not batch:
                self._drain_acks(0.5)
                continue
            for row in batch:
                if self._stop.is_set() or not self.is_connected:
                    break
                info = self._client.publish(row.topic, row.payload, qos=row.qos, retain=row.retain)
                self._outstanding[info.mid] = row.seq
                self._handed_seq = row.seq
                if interval:
                    time.sleep(interval)
