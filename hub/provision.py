"""Broker credentials for stores: a CA and server certificate, password-file users, edge configs.

The hub side of `deploy/mosquitto/`: everything here shells out to the `openssl` and
`mosquitto_passwd` command-line tools (no paho, no network) so the same files a test makes in a
temporary directory are the ones an operator makes on the hub box.

The broker reads its password file only at start and on SIGHUP, so after `provision_store` or
`set_password` the caller must reload Mosquitto (`systemctl reload mosquitto`).
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import shutil
import string
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from hub.errors import ConfigError, RetailHubError

__all__ = [
    "CertificateAuthority",
    "ProvisionError",
    "ProvisionResult",
    "ServerCertificate",
    "make_ca",
    "make_server_cert",
    "new_password",
    "provision_store",
    "set_password",
    "validate_store_id",
]

MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd"
STORE_ID_RE = re.compile(r"[a-z0-9-]{1,64}")
# A DNS name for a certificate: letters, digits, '-', '.', optionally a leading '*.' wildcard.
# Anything else (a comma, a newline) could inject lines into the openssl extension file.
_HOSTNAME_RE = re.compile(r"(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]{1,63})*\.?")
# Letters and digits only: YAML-, shell- and argv-safe (never starts with '-'); 32 of 62 symbols
# is ~190 bits, far beyond what an online guess at a broker can reach.
_PASSWORD_ALPHABET = string.ascii_letters + string.digits
_PASSWORD_CHARS = 32


class ProvisionError(RetailHubError):
    """A tool this module runs (`openssl`, `mosquitto_passwd`) is missing or failed (exit 1)."""


@dataclass(frozen=True, slots=True)
class CertificateAuthority:
    """A CA that signs the broker's server certificate; stores trust `cert_file` only.

    Args:
        cert_file: PEM certificate, shipped to every store as its `broker.ca_file`.
        key_file: PEM private key (mode 0600); keep it off the broker if you can.
    """

    cert_file: Path
    key_file: Path


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    """The broker's TLS certificate and key, signed by a `CertificateAuthority`.

    Args:
        cert_file: PEM certificate (Mosquitto `certfile`).
        key_file: PEM private key, mode 0600 (Mosquitto `keyfile`); readable by the broker user.
        hostnames: the DNS names and IP addresses in its subjectAltName, in the given order.
    """

    cert_file: Path
    key_file: Path
    hostnames: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProvisionResult:
    """What `provision_store` made.

    Args:
        store_id: the store, also its broker username.
        username: broker username (equal to `store_id`; the ACL relies on it).
        password: the new random password, already in the password file and the config.
        config_file: the edge configuration YAML, mode 0600.
        ca_file: the CA certificate copied next to the config, or None if none was given.
    """

    store_id: str
    username: str
    password: str = field(repr=False)
    config_file: Path
    ca_file: Path | None


def validate_store_id(store_id: str, *, reserved: Sequence[str] = ()) -> str:
    """Return `store_id` if it follows the convention (lowercase letters, digits, '-', 1–64).

    Raises:
        ConfigError: naming the value and the rule, or that the name is reserved (the hub's
            own username must never be a store, or the store would get the hub's rights).

    Example:
        >>> validate_store_id("store-042")
        'store-042'
    """
    if not isinstance(store_id, str) or not STORE_ID_RE.fullmatch(store_id):
        raise ConfigError(
            f"store_id: expected 1-64 lowercase letters, digits or '-', got {store_id!r}"
        )
    if store_id in reserved:
        raise ConfigError(
            f"store_id: {store_id!r} is reserved (it is the hub's broker username); pick another"
        )
    return store_id


def new_password() -> str:
    """A random broker password of 32 letters and digits (~190 bits)."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(_PASSWORD_CHARS))


def make_ca(
    directory: Path | str, *, common_name: str = "retail-edge broker CA", days: int = 3650
) -> CertificateAuthority:
    """Create a self-signed CA (EC P-256) as `ca.crt` and `ca.key` in `directory`.

    Args:
        directory: created if missing; existing `ca.crt`/`ca.key` are overwritten.
        common_name: the CA's subject CN.
        days: validity in days.

    Raises:
        ProvisionError: `openssl` is missing or fails.

    Example:
        >>> ca = make_ca(tmp_path / "ca")          # doctest: +SKIP
    """
    out = _mkdir(directory)
    ca = CertificateAuthority(out / "ca.crt", out / "ca.key")
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "ca.cnf"
        conf.write_text(
            "[req]\nprompt = no\ndistinguished_name = dn\nx509_extensions = v3_ca\n"
            f"[dn]\nCN = {_cn(common_name)}\n"
            "[v3_ca]\nbasicConstraints = critical, CA:TRUE, pathlen:0\n"
            "keyUsage = critical, keyCertSign, cRLSign\n"
            "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n"
        )
        _new_key(ca.key_file)
        _openssl(
            "req", "-new", "-x509", "-config", str(conf), "-key", str(ca.key_file),
            "-days", str(days), "-sha256", "-out", str(ca.cert_file),
        )  # fmt: skip
    return ca


def make_server_cert(
    ca: CertificateAuthority,
    directory: Path | str,
    hostnames: Sequence[str],
    *,
    days: int = 825,
) -> ServerCertificate:
    """Create the broker's certificate `server.crt`/`server.key` in `directory`, signed by `ca`.

    Args:
        ca: from `make_ca`.
        directory: created if missing.
        hostnames: names and IP addresses the stores use to reach the broker (the URL host);
            the first is also the subject CN. Clients check the URL host against these.
        days: validity in days (825 is the most public TLS clients accept).

    Raises:
        ConfigError: no hostnames, or one that is neither a DNS name nor an IP address.
        ProvisionError: `openssl` is missing or fails.

    Example:
        >>> cert = make_server_cert(ca, "certs", ["mqtt.example.com", "10.0.0.5"])  # doctest: +SKIP
    """
    names = tuple(hostnames)
    if not names:
        raise ConfigError("hostnames: give at least one DNS name or IP address for the broker")
    san = ", ".join(_san_entry(h) for h in names)
    out = _mkdir(directory)
    cert = ServerCertificate(out / "server.crt", out / "server.key", names)
    with tempfile.TemporaryDirectory() as tmp:
        conf, csr = Path(tmp) / "server.cnf", Path(tmp) / "server.csr"
        conf.write_text(
            f"[req]\nprompt = no\ndistinguished_name = dn\n[dn]\nCN = {_cn(names[0])}\n"
            "[v3_server]\nbasicConstraints = critical, CA:FALSE\n"
            "keyUsage = critical, digitalSignature, keyEncipherment\n"
            "extendedKeyUsage = serverAuth\n"
            f"subjectAltName = {san}\n"
            "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid, issuer\n"
        )
        _new_key(cert.key_file)
        _openssl("req", "-new", "-config", str(conf), "-key", str(cert.key_file), "-out", str(csr))
        _openssl(
            "x509", "-req", "-in", str(csr), "-CA", str(ca.cert_file), "-CAkey", str(ca.key_file),
            "-set_serial", "0x" + secrets.token_hex(16), "-days", str(days), "-sha256",
            "-extfile", str(conf), "-extensions", "v3_server", "-out", str(cert.cert_file),
        )  # fmt: skip
    return cert


def set_password(
    passwd_file: Path | str,
    username: str,
    password: str,
    *,
    mosquitto_passwd: str = MOSQUITTO_PASSWD,
) -> None:
    """Add `username` to a Mosquitto password file, or change its password (hashed by the tool).

    The file is created with mode 0600 if it does not exist. Reload the broker afterwards.

    Raises:
        ConfigError: a username or password Mosquitto cannot store (empty, ':' or a newline).
        ProvisionError: `mosquitto_passwd` is missing or fails.

    Example:
        >>> set_password("/etc/mosquitto/passwd", "hub", new_password())  # doctest: +SKIP
    """
    if not username or any(c in username for c in ":\n\r"):
        raise ConfigError(f"username: must be non-empty without ':' or newlines, got {username!r}")
    if not password or any(c in password for c in "\n\r"):
        raise ConfigError("password: must be non-empty and on one line")
    path = Path(passwd_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # An empty file is a valid password file; create it private before anything is in it.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    # `-b` puts the password in argv (visible in `ps` for the few ms the tool runs); the
    # interactive mode needs a terminal, so this is the only non-interactive way in 2.0.
    _run([_tool(mosquitto_passwd, "apt-get install -y mosquitto"), "-b", str(path), username,
          password], what="mosquitto_passwd")  # fmt: skip


def provision_store(
    store_id: str,
    passwd_file: Path | str,
    out_dir: Path | str,
    broker_url: str,
    *,
    ca_file: Path | str | None = None,
    edge_ca_path: str | None = None,
    hub_username: str = "hub",
    overwrite: bool = False,
    mosquitto_passwd: str = MOSQUITTO_PASSWD,
) -> ProvisionResult:
    """Give a store broker credentials and write its ready edge configuration.

    Steps: 1. validate; 2. write the config (mode 0600) under a temporary name; 3. add the user
    to the password file; 4. move the config into place, so a failure leaves neither a config
    whose password the broker does not know nor a stray file. Re-provisioning with
    `overwrite=True` rotates the password: the old config stops working after the broker reload.

    Args:
        store_id: the store, also its broker username (the ACL's `%u`).
        passwd_file: the broker's password file (created if missing).
        out_dir: the store's bundle directory (created, mode 0700): `edge.yaml` and, if
            `ca_file` is given, a copy `ca.crt` to install on the store box.
        broker_url: what the store connects to, `mqtts://host:8883` (or `mqtt://` on a lab box).
        ca_file: the broker CA certificate to ship with the config.
        edge_ca_path: the `broker.ca_file` value to write, for where `ca.crt` will live on the
            store box (e.g. `/etc/retail-edge/ca.crt`); default: the copy's absolute path.
        hub_username: the hub's broker username, refused as a store id.
        overwrite: replace an existing `edge.yaml` (rotating the password).
        mosquitto_passwd: path of the tool.

    Raises:
        ConfigError: a bad store id or broker URL, a missing `ca_file`, or an existing config
            without `overwrite`.
        ProvisionError: `mosquitto_passwd` is missing or fails.

    Example:
        >>> r = provision_store(  # doctest: +SKIP
        ...     "store-042", "/etc/mosquitto/passwd", "bundles/store-042",
        ...     "mqtts://mqtt.example.com:8883", ca_file="/etc/mosquitto/certs/ca.crt")
    """
    # 1. validate everything before touching any file
    validate_store_id(store_id, reserved=(hub_username,))
    _check_broker_url(broker_url)
    ca_src = Path(ca_file) if ca_file is not None else None
    if ca_src is not None and not ca_src.is_file():
        raise ConfigError(f"ca_file: no such file {str(ca_src)!r}; make one with make_ca()")
    out = Path(out_dir)
    config_file = out / "edge.yaml"
    if config_file.exists() and not overwrite:
        raise ConfigError(
            f"{config_file} already exists; pass overwrite to rotate {store_id}'s password"
        )
    out.mkdir(parents=True, exist_ok=True, mode=0o700)

    ca_copy = out / "ca.crt" if ca_src is not None else None
    if ca_src is not None and ca_copy is not None and ca_src.resolve() != ca_copy.resolve():
        shutil.copyfile(ca_src, ca_copy)
        ca_copy.chmod(0o644)
    ca_value = edge_ca_path or (str(ca_copy.resolve()) if ca_copy is not None else None)

    # 2. the config under a temporary name, private from its first byte
    password = new_password()
    config = {
        "store_id": store_id,
        "broker": {"url": broker_url, "username": store_id, "password": password,
                   "ca_file": ca_value},
        "cameras": {},
    }  # fmt: skip
    tmp = out / f".edge.yaml.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(f"# retail-edge configuration for {store_id}: keep private (broker password)\n")
            yaml.safe_dump(config, f, sort_keys=False)
        # 3. the broker user; 4. the config into place
        set_password(passwd_file, store_id, password, mosquitto_passwd=mosquitto_passwd)
        os.replace(tmp, config_file)
    finally:
        tmp.unlink(missing_ok=True)
    return ProvisionResult(store_id, store_id, password, config_file, ca_copy)


def _check_broker_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a non-numeric or out-of-range port
    except ValueError as e:
        raise ConfigError(f"broker_url: {e}: got {url!r}") from None
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ConfigError(
            f"broker_url: expected mqtts://host:8883 (or mqtt://host:1883), got {url!r}"
        )
    if parts.username or parts.password or parts.path not in ("", "/"):
        raise ConfigError(f"broker_url: give only scheme, host and port, got {url!r}")


def _san_entry(host: str) -> str:
    try:
        return f"IP:{ipaddress.ip_address(host)}"
    except ValueError:
        pass
    if len(host) > 253 or not _HOSTNAME_RE.fullmatch(host):
        raise ConfigError(f"hostnames: expected a DNS name or IP address, got {host!r}")
    return f"DNS:{host}"


def _cn(name: str) -> str:
    # The CN goes into an openssl config line; keep it to a safe, short subset.
    cleaned = re.sub(r"[^A-Za-z0-9 .*_-]", "", name)[:64].strip()
    return cleaned or "retail-edge"


def _mkdir(directory: Path | str) -> Path:
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _new_key(key_file: Path) -> None:
    # EC P-256: fast to make in tests, supported by Mosquitto/OpenSSL and every paho client.
    key_file.unlink(missing_ok=True)
    old = os.umask(0o077)
    try:
        _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-out", str(key_file))  # fmt: skip
    finally:
        os.umask(old)
    key_file.chmod(0o600)


def _openssl(*args: str) -> None:
    _run([_tool("openssl", "apt-get install -y openssl"), *args], what="openssl")


def _tool(name: str, install: str) -> str:
    path = name if os.sep in name else shutil.which(name)
    if not path or not Path(path).is_file():
        raise ProvisionError(f"{name} is not installed: {install}")
    return path


def _run(cmd: list[str], *, what: str) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ProvisionError(f"{what} could not run: {e}") from e
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise ProvisionError(
            f"{what} failed (exit {proc.returncode}): {detail[-1] if detail else 'no output'}"
        )
