"""hub.provision: store id rules, the edge config it writes, password files and certificates.

`mosquitto_passwd` and `openssl` are real dependencies of the module and are called for real;
the broker itself is exercised in tests/e2e/test_broker_security.py.
"""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from hub.errors import ConfigError, RetailHubError
from hub.provision import (
    CertificateAuthority,
    ProvisionError,
    make_ca,
    make_server_cert,
    provision_store,
    set_password,
    validate_store_id,
)

URL = "mqtts://mqtt.example.com:8883"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def passwd_users(path: Path) -> dict[str, str]:
    return dict(line.split(":", 1) for line in path.read_text().splitlines() if line)


@pytest.mark.parametrize(
    "store_id",
    [
        "store-a",  # the usual form
        "a",  # one character
        "0042",  # digits only
        "x" * 64,  # the longest allowed
        "-",  # only '-' is odd but within the rule
    ],
)
def test_valid_store_ids(store_id: str):
    assert validate_store_id(store_id) == store_id


@pytest.mark.parametrize(
    "store_id, message",
    [
        ("", "expected 1-64 lowercase letters, digits or '-', got ''"),  # empty
        ("x" * 65, "got 'xxxx"),  # one too long
        ("Store-A", "got 'Store-A'"),  # uppercase
        ("store_a", "got 'store_a'"),  # underscore
        ("store a", "got 'store a'"),  # space
        ("store/a", "got 'store/a'"),  # a topic level separator: would escape the ACL prefix
        ("+", "got '+'"),  # MQTT wildcard
        ("#", "got '#'"),  # MQTT wildcard
        ("störe", "got 'störe'"),  # non-ASCII
        ("store-a\n", "got 'store-a\\n'"),  # trailing newline ($ in a regex would allow it)
        ("hub", "'hub' is reserved"),  # the hub's username: a store would get the hub's rights
    ],
)
def test_invalid_store_ids(store_id: str, message: str):
    with pytest.raises(ConfigError) as e:
        validate_store_id(store_id, reserved=("hub",))
    assert str(e.value).startswith("store_id: ")
    assert message in str(e.value)


def test_provision_store_writes_a_private_edge_config(tmp_path: Path):
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    passwd, out = tmp_path / "passwd", tmp_path / "bundles" / "store-a"

    result = provision_store("store-a", passwd, out, URL, ca_file=ca)

    assert result.config_file == out / "edge.yaml"
    assert result.ca_file == out / "ca.crt" and result.ca_file.read_text() == ca.read_text()
    assert result.username == result.store_id == "store-a"
    assert len(result.password) == 32 and result.password.isalnum()
    assert result.password not in repr(result)
    assert yaml.safe_load(result.config_file.read_text()) == {
        "store_id": "store-a",
        "broker": {
            "url": URL,
            "username": "store-a",
            "password": result.password,
            "ca_file": str((out / "ca.crt").resolve()),
        },
        "cameras": {},
    }
    assert mode(result.config_file) == 0o600
    assert mode(out) == 0o700
    assert mode(passwd) == 0o600
    users = passwd_users(passwd)
    assert list(users) == ["store-a"]
    assert users["store-a"].startswith("$7$")  # hashed by mosquitto_passwd, not plain text
    assert result.password not in passwd.read_text()
    assert sorted(p.name for p in out.iterdir()) == ["ca.crt", "edge.yaml"]  # no temp files


def test_provision_store_edge_ca_path_and_no_ca(tmp_path: Path):
    ca = tmp_path / "ca.crt"
    ca.write_text("x")
    r1 = provision_store("s1", tmp_path / "passwd", tmp_path / "s1", URL, ca_file=ca,
                         edge_ca_path="/etc/retail-edge/ca.crt")  # fmt: skip
    assert yaml.safe_load(r1.config_file.read_text())["broker"]["ca_file"] == (
        "/etc/retail-edge/ca.crt"
    )
    r2 = provision_store("s2", tmp_path / "passwd", tmp_path / "s2", "mqtt://127.0.0.1:1883")
    assert r2.ca_file is None
    assert yaml.safe_load(r2.config_file.read_text())["broker"]["ca_file"] is None
    assert list(passwd_users(tmp_path / "passwd")) == ["s1", "s2"]


def test_reprovisioning_needs_overwrite_and_rotates_the_password(tmp_path: Path):
    passwd, out = tmp_path / "passwd", tmp_path / "store-a"
    first = provision_store("store-a", passwd, out, URL)
    hash_before = passwd_users(passwd)["store-a"]

    with pytest.raises(ConfigError, match="already exists; pass overwrite"):
        provision_store("store-a", passwd, out, URL)
    assert passwd_users(passwd)["store-a"] == hash_before  # refused before touching anything

    second = provision_store("store-a", passwd, out, URL, overwrite=True)
    assert second.password != first.password
    assert list(passwd_users(passwd)) == ["store-a"]  # updated in place, not duplicated
    assert passwd_users(passwd)["store-a"] != hash_before
    assert yaml.safe_load(second.config_file.read_text())["broker"]["password"] == second.password


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"store_id": "Store-A"}, "store_id: expected"),  # bad id
        ({"store_id": "hub"}, "store_id: 'hub' is reserved"),  # the hub's own username
        ({"store_id": "ops", "hub_username": "ops"}, "'ops' is reserved"),  # a renamed hub
        ({"broker_url": "tcp://h:1883"}, "broker_url: expected mqtts://host:8883"),  # scheme
        ({"broker_url": "mqtts://:8883"}, "broker_url: expected"),  # no host
        ({"broker_url": "mqtts://h:88a"}, "broker_url: "),  # bad port
        ({"broker_url": "mqtts://u:p@h:8883"}, "give only scheme, host and port"),  # creds
        ({"ca_file": "/nonexistent/ca.crt"}, "ca_file: no such file"),  # missing CA
    ],
)
def test_provision_store_refuses_bad_input_without_writing(
    tmp_path: Path, kwargs: dict, message: str
):
    args = {"store_id": "store-a", "passwd_file": tmp_path / "passwd",
            "out_dir": tmp_path / "out", "broker_url": URL} | kwargs  # fmt: skip
    with pytest.raises(ConfigError) as e:
        provision_store(**args)
    assert message in str(e.value)
    assert not (tmp_path / "passwd").exists() and not (tmp_path / "out").exists()


def test_a_failing_mosquitto_passwd_leaves_no_config(tmp_path: Path):
    out = tmp_path / "out"
    with pytest.raises(ProvisionError, match="mosquitto_passwd is not installed"):
        provision_store("store-a", tmp_path / "passwd", out, URL,
                        mosquitto_passwd="/nonexistent/mosquitto_passwd")  # fmt: skip
    assert list(out.iterdir()) == []  # neither edge.yaml nor its temp file
    assert issubclass(ProvisionError, RetailHubError)  # the CLI maps it to exit 1


def test_set_password_creates_a_private_file_and_updates_users(tmp_path: Path):
    passwd = tmp_path / "etc" / "passwd"
    set_password(passwd, "hub", "first")
    assert mode(passwd) == 0o600
    before = passwd_users(passwd)["hub"]
    set_password(passwd, "hub", "second")
    set_password(passwd, "store-a", "third")
    users = passwd_users(passwd)
    assert list(users) == ["hub", "store-a"] and users["hub"] != before


@pytest.mark.parametrize(
    "username, password, message",
    [
        ("", "pw", "username: must be non-empty"),  # empty user
        ("a:b", "pw", "username: must be non-empty without ':'"),  # ':' splits the file's fields
        ("hub", "", "password: must be non-empty"),  # empty password
        ("hub", "a\nb", "password: must be non-empty and on one line"),  # newline
    ],
)
def test_set_password_refuses_what_the_file_cannot_hold(
    tmp_path: Path, username: str, password: str, message: str
):
    with pytest.raises(ConfigError, match=message):
        set_password(tmp_path / "passwd", username, password)


def test_make_ca_and_server_cert_form_a_chain(tmp_path: Path):
    ca = make_ca(tmp_path / "ca")
    cert = make_server_cert(ca, tmp_path / "broker", ["mqtt.example.com", "127.0.0.1", "::1"])
    assert mode(ca.key_file) == 0o600 and mode(cert.key_file) == 0o600
    verify = subprocess.run(
        ["openssl", "verify", "-CAfile", str(ca.cert_file), str(cert.cert_file)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stderr
    text = subprocess.run(
        ["openssl", "x509", "-in", str(cert.cert_file), "-noout", "-text"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "DNS:mqtt.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1" in text
    assert "TLS Web Server Authentication" in text and "CA:FALSE" in text


@pytest.mark.parametrize(
    "hostnames, message",
    [
        ([], "hostnames: give at least one"),  # nothing to put in the certificate
        (["mqtt example.com"], "got 'mqtt example.com'"),  # space
        (["a.com, DNS:evil.com"], "got 'a.com, DNS:evil.com'"),  # would add a SAN entry
        (["a.com\nbasicConstraints=CA:TRUE"], "expected a DNS name or IP address"),  # injection
        (["-a.com"], "got '-a.com'"),  # a label may not start with '-'
    ],
)
def test_make_server_cert_refuses_bad_hostnames(
    tmp_path: Path, hostnames: list[str], message: str
):
    # Hostnames are checked before openssl runs, so these CA files are never read.
    ca = CertificateAuthority(tmp_path / "ca.crt", tmp_path / "ca.key")
    with pytest.raises(ConfigError) as e:
        make_server_cert(ca, tmp_path / "broker", hostnames)
    assert message in str(e.value)
    assert not (tmp_path / "broker").exists()
