"""Query parameters: parse each one into its type or raise BadRequest naming it and the fix.

    q = Query(raw_query_string)
    day = q.date("date")                    # None when absent
    g = q.choice("granularity", GRAINS, "hour")
    q.finish()                              # any parameter nobody asked for is an error too
"""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import parse_qs

from edge.protocol.topics import is_valid_id
from edge.windows.clock import parse_iso_z

__all__ = ["BadRequest", "NotFound", "Query"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadRequest(Exception):
    """→ 400 {"error": "bad_request", "parameter": …, "message": …}."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


class NotFound(Exception):
    """→ 404 {"error": "not_found", "message": …}."""


class Query:
    """The query string of one request, read once parameter by parameter."""

    def __init__(self, query: str) -> None:
        try:
            self._values = parse_qs(query, keep_blank_values=True, strict_parsing=False, max_num_fields=50)
        except ValueError as e:
            raise BadRequest(f"query string: {e}") from None
        self._asked: list[str] = []

    def _one(self, name: str) -> str | None:
        self._asked.append(name)
        values = self._values.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise BadRequest(f"{name}: give it once, got {len(values)} values", name)
        return values[0]

    def text_id(self, name: str) -> str | None:
        value = self._one(name)
        if value is not None and not is_valid_id(value):
            raise BadRequest(f"{name}: expected an id of 1–64 lowercase letters, digits or '-', got {value[:80]!r}",
                             name)
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        value = self._one(name)
        if value is None or value == "":
            return default
        if value not in choices:
            raise BadRequest(f"{name}: expected one of {', '.join(choices)}, got {value[:80]!r}", name)
        return value

    def integer(self, name: str, default: int, lo: int, hi: int) -> int:
        value = self._one(name)
        if value is None or value == "":
            return default
        if not re.fullmatch(r"-?\d{1,9}", value) or not lo <= int(value) <= hi:
            raise BadRequest(f"{name}: expected a whole number from {lo} to {hi}, got {value[:80]!r}", name)
        return int(value)

    def date(self, name: str) -> date | None:
        value = self._one(name)
        if value is None or value == "":
            return None
        try:
            if not _DATE.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise BadRequest(f"{name}: expected a store-local date like 2026-11-11, got {value[:80]!r}", name) from None

    def moment(self, name: str) -> datetime | date | None:
        """An ISO 8601 time (UTC unless it has an offset) or a store-local date."""
        value = self._one(name)
        if value is None or value == "":
            return None
        try:
            if _DATE.match(value):
                return date.fromisoformat(value)
            moment = parse_iso_z(value)
            if not 2000 <= moment.year <= 2200:
                raise ValueError(value)
            return moment
        except (ValueError, OverflowError):
            raise BadRequest(f"{name}: expected an ISO 8601 time like 2026-11-11T09:00:00Z or a store-local date "
                             f"like 2026-11-11, got {value[:80]!r}", name) from None

    def finish(self) -> None:
        """Raise BadRequest for any parameter the endpoint does not take."""
        unknown = sorted(set(self._values) - set(self._asked))
        if unknown:
            takes = ", ".join(self._asked) or "no parameters"
            raise BadRequest(f"unknown parameter {unknown[0][:40]!r}; this endpoint takes: {takes}", unknown[0][:40])
