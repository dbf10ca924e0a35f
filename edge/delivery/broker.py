"""Broker address: mqtt://[user[:password]@]host[:port] or mqtts://… (TLS). Shared with the hub."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

__all__ = ["BrokerAddress", "parse_broker_url"]


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    host: str
    port: int
    is_tls: bool = False
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None

    def __str__(self) -> str:  # never shows the password
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.is_tls else 'mqtt'}://{user}{self.host}:{self.port}"


def parse_broker_url(text: str, field_name: str = "--broker") -> BrokerAddress:
    """Raises ValueError naming the field, the value and the expected form."""
    hint = "expected mqtt://HOST:PORT or mqtts://HOST:PORT, for example mqtt://127.0.0.1:1883"
    try:
        url = urlsplit(text.strip())
        port = url.port
    except ValueError:
        raise ValueError(f"{field_name}: {hint}, got {text!r}") from None
    if url.scheme not in ("mqtt", "mqtts") or not url.hostname or url.path not in ("", "/"):
        raise ValueError(f"{field_name}: {hint}, got {text!r}")
    is_tls = url.scheme == "mqtts"
    return BrokerAddress(
        host=url.hostname,
        port=port or (8883 if is_tls else 1883),
        is_tls=is_tls,
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
    )
