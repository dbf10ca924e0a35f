"""The store-model file: read and validate it (`retail-hub stores load`, `serve --stores`), and the
starting one `retail-hub provision-store` writes. Format: docs/OCCUPANCY.md."""

from __future__ import annotations

from pathlib import Path

import yaml

from edge.config import read_yaml
from edge.errors import ConfigError as EdgeConfigError
from hub.errors import ConfigError
from hub.occupancy.model import StoreModel, parse_store_model, parse_store_models

__all__ = ["read_store_models", "starter_model_text", "write_starter_model"]


def read_store_models(path: Path | str) -> dict[str, StoreModel]:
    """Every store of a store-model YAML file. Raises ConfigError naming the file and each bad field."""
    path = Path(path)
    try:
        doc = read_yaml(path, "store-model file")
    except EdgeConfigError as e:
        raise ConfigError(str(e)) from None
    return parse_store_models(doc, str(path))


def starter_model_text(store_id: str, tz: str = "UTC") -> str:
    """A valid store-model file for one store to edit: weekday hours, one entrance to rename."""
    body = (
        f"# retail-hub store model for {store_id} (docs/OCCUPANCY.md). Edit, then load it on the hub:\n"
        f"#   retail-hub stores load --db /var/lib/retail-hub/hub.db {store_id}.stores.yaml\n"
        "stores:\n"
        f"  {store_id}:\n"
        f"    tz: {tz:<29} # IANA zone of the store's days and opening hours\n"
        "    hours:                            # per weekday: \"HH:MM-HH:MM\" or closed\n"
        "      mon: \"09:00-20:00\"\n      tue: \"09:00-20:00\"\n      wed: \"09:00-20:00\"\n"
        "      thu: \"09:00-20:00\"\n      fri: \"09:00-20:00\"\n      sat: \"09:00-20:00\"\n      sun: closed\n"
        "    exceptions: {}                    # e.g. {\"2026-12-25\": closed, \"2026-12-24\": \"09:00-14:00\"}\n"
        "    reset_grace_min: 30               # occupancy back to 0 this long after closing\n"
        "    entrances:                        # the doors: a camera's line, its direction into the store\n"
        "      - camera: entrance\n        line: door\n        in_direction: in\n"
    )
    parse_store_model(store_id, yaml.safe_load(body)["stores"][store_id], "starter model")  # it must stay valid
    return body


def write_starter_model(store_id: str, path: Path | str, tz: str = "UTC") -> bool:
    """Write the starting store-model file unless one exists (it may hold edits). Returns written."""
    path = Path(path)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(starter_model_text(store_id, tz), encoding="utf-8")
    return True
