"""The production broker config (deploy/mosquitto/) keeps stores apart, against a real Mosquitto.

One broker per module runs `deploy/mosquitto/mosquitto.conf` with only paths and ports rewritten
and the real `deploy/mosquitto/acl`; its CA, certificate, password file and store configs are
made by `hub.provision` in a temporary directory. Stores log in with the credentials from the
edge config `provision_store` wrote, so the test also proves that file works.

A "never arrives" is proven without sleeping: after the forbidden message the same client sends
an allowed sentinel, and MQTT keeps one client's messages in order, so once the sentinel is in,
the forbidden message would have been too.
"""

from __future__ import annotations

import os
import queue
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from helpers import ROOT, Mosquitto, free_port
from hub.provision import make_ca, make_server_cert, new_password, provision_store, set_password

pytestmark = pytest.mark.e2e

DEPLOY = ROOT / "deploy" / "mosquitto"
TIMEOUT_S = 5.0
V311, V5 = mqtt.MQTTv311, mqtt.MQTTv5
NOT_AUTHORIZED = 0x87  # paho maps a v3.1.1 CONNACK 5 to this v5 code too


@dataclass(frozen=True)
class Login:
    username: str | None
    password: str | None


@dataclass(frozen=True)
class SecureBroker:
    tls_port: int
    plain_port: int  # the loopback listener
    ca_file: Path
    other_ca_file: Path  # a CA the broker's certificate is NOT signed by
    log: Path
    hub: Login
    store_a: Login
    store_b: Login


def broker_config(tls_port: int, plain_port: int, files: dict[str, Path]) -> str:
    """deploy/mosquitto/mosquitto.conf with file paths and ports swapped for test ones.

    Every line we expect to rewrite must be there, so a changed production config fails here
    instead of silently testing something else. The `Mosquitto` fixture writes its own
    persistence lines; ours are dropped (Mosquitto rejects a duplicate persistence_location).
    """
    replace = {
        "listener 8883": f"listener {tls_port} 127.0.0.1",
        "listener 1883 127.0.0.1": f"listener {plain_port} 127.0.0.1",
        "cafile /etc/mosquitto/certs/ca.crt": f"cafile {files['ca']}",
        "certfile /etc/mosquitto/certs/server.crt": f"certfile {files['cert']}",
        "keyfile /etc/mosquitto/certs/server.key": f"keyfile {files['key']}",
        "password_file /etc/mosquitto/passwd": f"password_file {files['passwd']}",
        "acl_file /etc/mosquitto/acl": f"acl_file {files['acl']}",
        "persistence_location /var/lib/mosquitto/": "",
        "log_dest file /var/log/mosquitto/mosquitto.log": "",  # stderr → the fixture's log
    }
    lines = (DEPLOY / "mosquitto.conf").read_text().splitlines()
    missing = [old for old in replace if old not in lines]
    assert not missing, f"deploy/mosquitto/mosquitto.conf no longer has {missing}"
    out = [replace.get(line, line) for line in lines]
    if os.geteuid() == 0:
        # As root Mosquitto drops to user `mosquitto`, who cannot read a 0700 pytest tmp dir;
        # in production the files are group `mosquitto` instead (README.md).
        out.append("user root")
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    tmp = tmp_path_factory.mktemp("secure-broker")
    tls_port, plain_port = free_port(), free_port()
    ca = make_ca(tmp / "ca")
    other_ca = make_ca(tmp / "other-ca", common_name="someone else's CA")
    cert = make_server_cert(ca, tmp / "certs", ["localhost", "127.0.0.1"])
    passwd = tmp / "passwd"
    hub_password = new_password()
    set_password(passwd, "hub", hub_password)
    logins = {}
    for store_id in ("store-a", "store-b"):
        result = provision_store(
            store_id, passwd, tmp / "bundles" / store_id,
            f"mqtts://127.0.0.1:{tls_port}", ca_file=ca.cert_file,
        )  # fmt: skip
        edge = yaml.safe_load(result.config_file.read_text())["broker"]
        logins[store_id] = Login(edge["username"], edge["password"])
    files = {"ca": ca.cert_file, "cert": cert.cert_file, "key": cert.key_file,
             "passwd": passwd, "acl": DEPLOY / "acl"}  # fmt: skip
    mq = Mosquitto(
        extra=broker_config(tls_port, plain_port, files),
        port=plain_port, anonymous=False,
    )  # fmt: skip
    mq.start()
    try:
        yield SecureBroker(
            tls_port, plain_port, ca.cert_file, other_ca.cert_file, mq.log,
            Login("hub", hub_password), logins["store-a"], logins["store-b"],
        )  # fmt: skip
    finally:
        mq.stop()


@pytest.fixture(autouse=True)
def broker_log(broker: SecureBroker) -> Iterator[None]:
    """Print what the broker logged during a test; pytest shows it only if the test fails."""
    start = broker.log.stat().st_size
    yield
    with broker.log.open("rb") as f:
        f.seek(start)
        print(f"--- mosquitto log ({broker.log}) ---\n{f.read().decode(errors='replace')}")


class Peer:
    """A paho 2 client whose callbacks feed queues, so a test can wait on each step."""

    def __init__(self, login: Login, protocol: int = V5) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=protocol)
        if login.username is not None:
            self.client.username_pw_set(login.username, login.password)
        # CONNACK reason codes, and None for a disconnect (which may come without a CONNACK).
        self.connacks: queue.Queue[ReasonCode | None] = queue.Queue()
        self.messages: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.is_disconnected = threading.Event()
        self._acks: dict[int, object] = {}
        self._acked = threading.Condition()
        c = self.client
        c.on_connect = lambda _c, _u, _f, rc, _p: self.connacks.put(rc)
        c.on_disconnect = lambda *_: (self.is_disconnected.set(), self.connacks.put(None))
        c.on_message = lambda _c, _u, msg: self.messages.put(msg)
        c.on_publish = lambda _c, _u, mid, rc, _p: self._ack(mid, rc)
        c.on_subscribe = lambda _c, _u, mid, rcs, _p: self._ack(mid, rcs)

    def _ack(self, mid: int, value: object) -> None:
        with self._acked:
            self._acks[mid] = value
            self._acked.notify_all()

    def _wait_ack(self, mid: int) -> object:
        with self._acked:
            assert self._acked.wait_for(lambda: mid in self._acks, TIMEOUT_S), f"no ack for {mid}"
            return self._acks.pop(mid)

    def connect(
        self, port: int, ca_file: Path | None = None, *, is_threaded: bool = True
    ) -> ReasonCode | None:
        """CONNACK's reason code, or None if the broker closed the connection without one.

        The network loop is driven by hand until then and runs in paho's thread only after a
        successful CONNACK: a refused client's thread would sit out paho's 1 s reconnect delay.
        """
        if ca_file is not None:
            self.client.tls_set(ca_certs=str(ca_file))
        self.client.connect("127.0.0.1", port, keepalive=30)  # TLS handshake happens here
        deadline = time.monotonic() + TIMEOUT_S
        while self.connacks.empty() and time.monotonic() < deadline:
            self.client.loop(timeout=0.05)
        if self.connacks.empty():
            pytest.fail(f"neither CONNACK nor disconnect within {TIMEOUT_S}s")
        rc = self.connacks.get()
        if is_threaded and rc is not None and not rc.is_failure:
            self.client.loop_start()
        return rc

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> ReasonCode:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        assert info.rc == mqtt.MQTT_ERR_SUCCESS, info.rc
        return self._wait_ack(info.mid)  # type: ignore[return-value]

    def subscribe(self, topic: str) -> ReasonCode:
        rc, mid = self.client.subscribe(topic, qos=1)
        assert rc == mqtt.MQTT_ERR_SUCCESS, rc
        return self._wait_ack(mid)[0]  # type: ignore[index]

    def receive_until(self, topic: str) -> list[mqtt.MQTTMessage]:
        """Every message received up to and including the first on `topic`."""
        got = []
        while True:
            try:
                got.append(self.messages.get(timeout=TIMEOUT_S))
            except queue.Empty:
                seen = [m.topic for m in got]
                pytest.fail(f"nothing on {topic} within {TIMEOUT_S}s; got {seen}")
            if got[-1].topic == topic:
                return got

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()  # a no-op if the thread never started


@pytest.fixture
def peers(broker: SecureBroker) -> Iterator[list[Peer]]:
    made: list[Peer] = []
    yield made
    for peer in made:
        peer.close()


def connected(peers: list[Peer], broker: SecureBroker, login: Login, protocol: int = V5) -> Peer:
    peer = Peer(login, protocol)
    peers.append(peer)
    rc = peer.connect(broker.tls_port, broker.ca_file)
    assert rc is not None and rc.value == 0, f"{login.username}: CONNACK {rc}"
    return peer


def hub_listening(peers: list[Peer], broker: SecureBroker) -> Peer:
    hub = connected(peers, broker, broker.hub)
    assert hub.subscribe("retail/v1/#").value == 1  # granted QoS 1
    return hub


def test_store_publishes_its_own_metrics_to_the_hub(broker: SecureBroker, peers: list[Peer]):
    hub = hub_listening(peers, broker)
    store_a = connected(peers, broker, broker.store_a)
    assert not store_a.publish("retail/v1/metrics/store-a/cam-1", b'{"n": 1}').is_failure
    got = hub.receive_until("retail/v1/metrics/store-a/cam-1")
    assert got[-1].payload == b'{"n": 1}'


# Topics store-a may not publish to (the ACL grants it only its own agent->hub kinds).
FORBIDDEN_FOR_STORE_A = [
    "retail/v1/metrics/store-b/cam-1",  # another store's numbers: the whole point
    "retail/v1/alerts/store-b/cam-1",
    "retail/v1/status/store-b/agent-1",  # marking another store offline
    "retail/v1/config/store-a/cam-1",  # its own config: only the hub sets it
    "retail/v1/config/store-b/cam-1",
    "retail/v2/metrics/store-a/cam-1",  # another protocol version
    "retail/v1/store-a/cam-1",  # not a topic of the protocol
]


@pytest.mark.parametrize(
    "protocol, expected_puback",
    [
        (V5, NOT_AUTHORIZED),  # MQTT v5: Mosquitto 2.0 answers PUBACK 0x87 Not authorized
        (V311, 0),  # MQTT v3.1.1 has no reason codes: a normal PUBACK, message dropped
    ],
    ids=["mqtt5", "mqtt311"],
)
def test_store_cannot_publish_as_another_store(
    broker: SecureBroker, peers: list[Peer], protocol: int, expected_puback: int
):
    hub = connected(peers, broker, broker.hub)
    assert hub.subscribe("retail/#").value == 1
    store_a = connected(peers, broker, broker.store_a, protocol)
    acks = {topic: store_a.publish(topic, b"forged").value for topic in FORBIDDEN_FOR_STORE_A}
    assert acks == {topic: expected_puback for topic in FORBIDDEN_FOR_STORE_A}
    sentinel = "retail/v1/heartbeat/store-a/agent-1"
    assert not store_a.publish(sentinel, b"sentinel").is_failure
    got = hub.receive_until(sentinel)
    assert [m.topic for m in got if not m.retain] == [sentinel]  # (retained: other tests')
    assert b"forged" not in {m.payload for m in got}


def test_store_reads_only_its_own_config(broker: SecureBroker, peers: list[Peer]):
    hub = connected(peers, broker, broker.hub)
    for store_id in ("store-b", "store-a"):
        topic = f"retail/v1/config/{store_id}/cam-1"
        assert not hub.publish(topic, f"retained {store_id}".encode(), retain=True).is_failure
    store_a = connected(peers, broker, broker.store_a)
    # Mosquitto 2.0.11 grants these SUBACKs and filters each message on delivery instead;
    # accept a refusal too, as that is equally safe.
    for pattern in ("retail/v1/config/store-b/#", "retail/v1/config/#", "retail/v1/#"):
        assert store_a.subscribe(pattern).value in (1, NOT_AUTHORIZED), pattern
    # Retained messages come after their SUBACK, in order: store-a's own config subscribed last
    # means store-b's retained config would have arrived before it.
    own = "retail/v1/config/store-a/cam-1"
    assert store_a.subscribe(own).value == 1
    retained = store_a.receive_until(own)
    assert {m.topic for m in retained} == {own}
    assert {m.payload for m in retained} == {b"retained store-a"}
    # Live (not retained) updates too: store-b's, then store-a's as the sentinel.
    assert not hub.publish("retail/v1/config/store-b/cam-2", b"live store-b").is_failure
    assert not hub.publish("retail/v1/config/store-a/cam-2", b"live store-a").is_failure
    live = store_a.receive_until("retail/v1/config/store-a/cam-2")
    assert {m.topic for m in live} <= {own, "retail/v1/config/store-a/cam-2"}
    assert b"live store-b" not in {m.payload for m in live}


def test_store_cannot_forge_another_stores_last_will(broker: SecureBroker, peers: list[Peer]):
    hub = connected(peers, broker, broker.hub)
    assert hub.subscribe("retail/v1/status/#").value == 1
    # The will is checked when it is sent, not at CONNECT: both logins succeed.
    forger, honest = Peer(broker.store_a), Peer(broker.store_a)
    forger.client.will_set("retail/v1/status/store-b/agent-1", b"offline (forged)", qos=1)
    honest.client.will_set("retail/v1/status/store-a/agent-1", b"offline", qos=1)
    for peer in (forger, honest):
        rc = peer.connect(broker.tls_port, broker.ca_file, is_threaded=False)
        assert rc is not None and rc.value == 0
    # Drop both TCP connections without DISCONNECT, forger first: each will fires, in order.
    for peer in (forger, honest):
        sock = peer.client.socket()
        assert sock is not None
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
    got = hub.receive_until("retail/v1/status/store-a/agent-1")
    assert [(m.topic, m.payload) for m in got] == [("retail/v1/status/store-a/agent-1", b"offline")]


# Logins the broker must refuse, on either listener and either protocol version.
BAD_LOGINS = [
    ("anonymous", None, None),
    ("wrong password", "store-a", "not-the-password"),
    ("unknown user", "store-z", "whatever"),
    ("empty password", "store-a", ""),
    ("another store's password", "store-a", "<store-b>"),
    ("hub name, store password", "hub", "<store-a>"),
]


@pytest.mark.parametrize("listener", ["tls", "loopback"])
@pytest.mark.parametrize("protocol", [V5, V311], ids=["mqtt5", "mqtt311"])
@pytest.mark.parametrize("case, username, password", BAD_LOGINS, ids=[b[0] for b in BAD_LOGINS])
def test_bad_logins_are_refused(
    broker: SecureBroker, case: str, username: str | None, password: str | None,
    protocol: int, listener: str,
):  # fmt: skip
    password = {"<store-a>": broker.store_a.password,
                "<store-b>": broker.store_b.password}.get(password or "", password)  # fmt: skip
    peer = Peer(Login(username, password), protocol)
    try:
        if listener == "tls":
            rc = peer.connect(broker.tls_port, broker.ca_file)
        else:
            rc = peer.connect(broker.plain_port)
        assert rc is not None and rc.value == NOT_AUTHORIZED, f"{case}: CONNACK {rc}"
    finally:
        peer.close()


def test_hub_logs_in_on_the_loopback_listener(broker: SecureBroker):
    peer = Peer(broker.hub)
    try:
        rc = peer.connect(broker.plain_port)
        assert rc is not None and rc.value == 0
    finally:
        peer.close()


def test_plain_mqtt_on_the_tls_listener_fails(broker: SecureBroker):
    peer = Peer(broker.store_a)
    try:
        rc = peer.connect(broker.tls_port)  # no tls_set: plaintext CONNECT to a TLS port
        assert rc is None, f"got CONNACK {rc} without TLS"
        assert peer.is_disconnected.wait(TIMEOUT_S)
    finally:
        peer.close()


@pytest.mark.parametrize("trust", ["other CA", "system CAs"])
def test_client_that_does_not_trust_the_ca_fails(broker: SecureBroker, trust: str):
    peer = Peer(broker.store_a)
    if trust == "other CA":
        peer.client.tls_set(ca_certs=str(broker.other_ca_file))
    else:
        peer.client.tls_set()  # the OS trust store, which has never heard of our CA
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            peer.client.connect("127.0.0.1", broker.tls_port, keepalive=30)
    finally:
        peer.client.loop_stop()
