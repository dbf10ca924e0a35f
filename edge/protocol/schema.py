"""The machine-readable contract: JSON Schemas in protocol/schema/, loaded once and compiled."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from jsonschema import Draft202012Validator

__all__ = ["SCHEMA_VERSION", "load_schema", "validator", "schema_errors"]

SCHEMA_VERSION = 1


@cache
def load_schema(name: str = "metrics-v1") -> dict:
    text = resources.files("edge.protocol").joinpath(f"schema/{name}.json").read_text("utf-8")
    return json.loads(text)


@cache
def validator(name: str = "metrics-v1") -> Draft202012Validator:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(document: object, name: str = "metrics-v1") -> list[str]:
    """Every violation as "path: message", shortest path first; empty when valid."""
    errors = sorted(validator(name).iter_errors(document), key=lambda e: (len(e.path), list(map(str, e.path))))
    return [f"{'.'.join(map(str, e.path)) or '(root)'}: {e.message[:200]}" for e in errors]
