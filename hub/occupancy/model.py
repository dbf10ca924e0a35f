"""Pure: the store model (time zone, opening hours, entrances, drift settings), validated from a dict.

    stores.yaml ──yaml──▶ dict ──parse_store_models──▶ {store_id: StoreModel}   (ConfigError naming
    PUT /api/stores/{id}/model ──json──▶ dict ──parse_store_model──▶ StoreModel   every bad field)

An *entrance* is one counting line on one camera plus the crossing direction that means "into
the store". Only entrances count as visits: a line that is not one (an aisle, a zone boundary)
adds nothing. A camera may carry several entrances; several cameras may see doors of one store.
The file format is documented in docs/OCCUPANCY.md; `model_to_dict` writes the same shape back.
No I/O here: hub/occupancy/models_db.py keeps models in the database, cli.py reads the file.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from edge.protocol.topics import is_valid_id
from hub.errors import ConfigError

__all__ = [
    "WEEKDAYS", "Entrance", "Hours", "DriftSettings", "StoreModel", "parse_store_model", "parse_store_models",
    "model_to_dict", "raise_if",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")   # date.weekday() order
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_STORE_KEYS = ("name", "tz", "hours", "exceptions", "reset_grace_min", "entrances", "drift")
_ENTRANCE_KEYS = ("camera", "line", "in_direction")
_DRIFT_KEYS = ("history_days", "min_days", "min_exits", "max_correction")


@dataclass(frozen=True, slots=True)
class Entrance:
    """One door as one camera sees it.

    Args:
        camera_id: the camera carrying the counting line.
        line_id: the line at the door (its id in the camera's configuration).
        in_direction: "in" or "out": the line's crossing direction (docs/CONVENTIONS geometry) that
            means into the store. The other direction is an exit.
    """

    camera_id: str
    line_id: str
    in_direction: str = "in"

    @property
    def key(self) -> str:
        return f"{self.camera_id}/{self.line_id}"

    def split(self, in_count: int, out_count: int) -> tuple[int, int]:
        """The line's (in, out) counts → (entries, exits) of the store, people."""
        return (in_count, out_count) if self.in_direction == "in" else (out_count, in_count)


@dataclass(frozen=True, slots=True)
class Hours:
    """Opening hours of one day, store-local wall-clock times. `closes` <= `opens` closes after
    midnight (e.g. 22:00-02:00); "24:00" is written as closes=00:00 (midnight at the end)."""

    opens: time
    closes: time

    @property
    def is_overnight(self) -> bool:
        return self.closes <= self.opens

    def text(self) -> str:
        closes = "24:00" if self.closes == time(0) else f"{self.closes:%H:%M}"
        return f"{self.opens:%H:%M}-{closes}"


@dataclass(frozen=True, slots=True)
class DriftSettings:
    """How the live occupancy corrects for the imbalance of earlier days (docs/OCCUPANCY.md).

    Args:
        history_days: complete store days looked back on (default 14: two of each weekday).
        min_days: usable days needed before any correction is applied (fewer: raw in − out).
        min_exits: a day with fewer exits than this says little about the counter's bias and is
            not used (default 50 people).
        max_correction: the exit scale stays within [1/(1+m), 1+m] (default 0.25): a counter
            that is off by more needs fixing, not a larger correction.
    """

    history_days: int = 14
    min_days: int = 3
    min_exits: int = 50
    max_correction: float = 0.25


@dataclass(frozen=True, slots=True)
class StoreModel:
    """A store as a manager sees it.

    Args:
        store_id: the store.
        tz: IANA time zone of the store's days and opening hours.
        week: opening hours per weekday, Monday first; None: closed that weekday.
        exceptions: dated overrides (holidays: None; late openings: other Hours).
        entrances: the doors; entries are the sum over them.
        reset_grace_min: the occupancy resets to 0 this many minutes after closing.
        name: display name (None: keep the one the hub has).
    """

    store_id: str
    tz: str
    week: tuple[Hours | None, ...]
    entrances: tuple[Entrance, ...]
    exceptions: dict[date, Hours | None] = field(default_factory=dict)
    reset_grace_min: int = 30
    drift: DriftSettings = DriftSettings()
    name: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def hours_on(self, day: date) -> Hours | None:
        """The opening hours of a store-local date (an exception wins), None when closed."""
        if day in self.exceptions:
            return self.exceptions[day]
        return self.week[day.weekday()]

    def entrance_of(self, camera_id: str, line_id: str) -> Entrance | None:
        return next((e for e in self.entrances if e.camera_id == camera_id and e.line_id == line_id), None)


def raise_if(errors: list[str], source: str) -> None:
    """One ConfigError for every collected error (one line when there is one)."""
    if len(errors) == 1:
        raise ConfigError(f"{source}: {errors[0]}")
    if errors:
        raise ConfigError(f"{source}: {len(errors)} errors\n" + "\n".join(f"  {e}" for e in errors))


def _unknown_keys(raw: dict, allowed: tuple[str, ...], path: str, errors: list[str]) -> None:
    for key in raw:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else f"; expected one of {', '.join(allowed)}"
            errors.append(f"{path}{key}: unknown key{hint}")


def _hours(value: object, path: str, errors: list[str]) -> Hours | None:
    if value == "closed":
        return None
    match = _HOURS.match(value) if isinstance(value, str) else None
    if match:
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 < 24 and m1 < 60 and m2 < 60 and (h2 < 24 or (h2, m2) == (24, 0)) and (h1, m1) != (h2 % 24, m2):
            return Hours(time(h1, m1), time(h2 % 24, m2))
    errors.append(f"{path}: expected opening hours like \"09:00-20:00\" (\"22:00-02:00\" closes after midnight) "
                  f"or closed, got {value!r}")
    return None


def _integer(raw: dict, key: str, default: int, lo: int, hi: int, path: str, errors: list[str]) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        errors.append(f"{path}{key}: expected a whole number from {lo} to {hi}, got {value!r}")
        return default
    return value


def _entrances(value: object, path: str, errors: list[str]) -> tuple[Entrance, ...]:
    if not isinstance(value, list) or not value:
        errors.append(f"{path}: expected a list of doors like [{{camera: entrance, line: door, in_direction: in}}], "
                      f"got {value!r}")
        return ()
    out: list[Entrance] = []
    for n, raw in enumerate(value):
        where = f"{path}[{n}]"
        if not isinstance(raw, dict):
            errors.append(f"{where}: expected camera, line and in_direction, got {raw!r}")
            continue
        _unknown_keys(raw, _ENTRANCE_KEYS, f"{where}.", errors)
        ids = []
        for key in ("camera", "line"):
            text = raw.get(key)
            if not isinstance(text, str) or not is_valid_id(text):
                errors.append(f"{where}.{key}: expected an id of 1–64 lowercase letters, digits or '-', got {text!r}")
            ids.append(text)
        direction = raw.get("in_direction", "in")
        if direction not in ("in", "out"):
            errors.append(f"{where}.in_direction: expected in or out (the crossing direction that enters the "
                          f"store), got {direction!r}")
        entrance = Entrance(str(ids[0]), str(ids[1]), direction if direction in ("in", "out") else "in")
        if any(e.key == entrance.key for e in out):
            errors.append(f"{where}: line {entrance.key} is already an entrance; list each line once")
        out.append(entrance)
    return tuple(out)


def _drift(value: object, path: str, errors: list[str]) -> DriftSettings:
    if value is None:
        return DriftSettings()
    if not isinstance(value, dict):
        errors.append(f"{path}: expected a mapping with {', '.join(_DRIFT_KEYS)}, got {value!r}")
        return DriftSettings()
    _unknown_keys(value, _DRIFT_KEYS, f"{path}.", errors)
    default = DriftSettings()
    history = _integer(value, "history_days", default.history_days, 1, 90, f"{path}.", errors)
    min_days = _integer(value, "min_days", default.min_days, 1, 90, f"{path}.", errors)
    if min_days > history:
        errors.append(f"{path}.min_days: {min_days} is more than history_days ({history})")
    min_exits = _integer(value, "min_exits", default.min_exits, 0, 1_000_000, f"{path}.", errors)
    m = value.get("max_correction", default.max_correction)
    if isinstance(m, bool) or not isinstance(m, int | float) or not 0 <= m <= 1:
        errors.append(f"{path}.max_correction: expected a fraction from 0 to 1 (0.25 = exits scaled by at most "
                      f"±25 %), got {m!r}")
        m = default.max_correction
    return DriftSettings(history, min_days, min_exits, float(m))


def _store(store_id: str, raw: object, path: str, errors: list[str]) -> StoreModel | None:
    if not is_valid_id(store_id):
        errors.append(f"{path or 'store'}: store id {store_id!r}: use 1–64 lowercase letters, digits or '-'")
    if not isinstance(raw, dict):
        errors.append(f"{path or 'store'}: expected a mapping with tz, hours and entrances, got {raw!r}")
        return None
    prefix = f"{path}." if path else ""
    _unknown_keys(raw, _STORE_KEYS, prefix, errors)
    tz = raw.get("tz")
    try:
        if not isinstance(tz, str) or not tz or "." in tz:
            raise ValueError(tz)
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        errors.append(f"{prefix}tz: expected an IANA time zone like Europe/Berlin, got {tz!r}")
        tz = "UTC"
    week: list[Hours | None] = []
    hours = raw.get("hours")
    if not isinstance(hours, dict):
        errors.append(f"{prefix}hours: expected opening hours per weekday ({', '.join(WEEKDAYS)}), got {hours!r}")
        hours = {}
    else:
        _unknown_keys(hours, WEEKDAYS, f"{prefix}hours.", errors)
    for day in WEEKDAYS:
        if hours and day not in hours:
            errors.append(f"{prefix}hours.{day}: missing; give \"09:00-20:00\" or closed")
        week.append(_hours(hours.get(day, "closed"), f"{prefix}hours.{day}", errors))
    exceptions: dict[date, Hours | None] = {}
    raw_exceptions = raw.get("exceptions") or {}
    if not isinstance(raw_exceptions, dict):
        errors.append(f"{prefix}exceptions: expected dates with opening hours, like {{\"2026-12-25\": closed}}, "
                      f"got {raw_exceptions!r}")
        raw_exceptions = {}
    for key, value in raw_exceptions.items():
        try:
            day = key if isinstance(key, date) else date.fromisoformat(str(key))
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(key)):
                raise ValueError(key)
        except ValueError:
            errors.append(f"{prefix}exceptions.{key}: expected a date like 2026-12-24")
            continue
        exceptions[day] = _hours(value, f"{prefix}exceptions.{key}", errors)
    grace = _integer(raw, "reset_grace_min", 30, 0, 720, prefix, errors)
    entrances = _entrances(raw.get("entrances"), f"{prefix}entrances", errors)
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 200):
        errors.append(f"{prefix}name: expected a display name of 1–200 characters, got {name!r}")
        name = None
    drift = _drift(raw.get("drift"), f"{prefix}drift", errors)
    return StoreModel(store_id, tz, tuple(week), entrances, exceptions, grace, drift, name)


def parse_store_model(store_id: str, raw: object, source: str = "store model") -> StoreModel:
    """One store's model (the body of PUT /api/stores/{id}/model). Raises ConfigError naming fields."""
    errors: list[str] = []
    model = _store(store_id, raw, "", errors)
    raise_if(errors, source)
    assert model is not None
    return model


def parse_store_models(doc: object, source: str = "store models") -> dict[str, StoreModel]:
    """A store-model file's contents, `{"stores": {store_id: {...}}}` → models by store id.

    Raises:
        ConfigError: every error at once, each with its dotted path, value and fix, e.g.
            `stores.s1.hours.sun: expected opening hours like "09:00-20:00" … got '9-20'`.
    """
    errors: list[str] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("stores"), dict) or not doc["stores"]:
        raise ConfigError(f"{source}: expected a mapping `stores:` of store ids to their models (docs/OCCUPANCY.md)")
    _unknown_keys(doc, ("stores",), "", errors)
    models = {}
    for store_id, raw in doc["stores"].items():
        model = _store(str(store_id), raw, f"stores.{store_id}", errors)
        if model is not None:
            models[str(store_id)] = model
    raise_if(errors, source)
    return models


def model_to_dict(model: StoreModel) -> dict:
    """The model in the file's shape (the API's GET answer and what provision-store writes)."""
    doc: dict = {}
    if model.name:
        doc["name"] = model.name
    doc["tz"] = model.tz
    doc["hours"] = {d: (h.text() if h else "closed") for d, h in zip(WEEKDAYS, model.week, strict=True)}
    if model.exceptions:
        doc["exceptions"] = {d.isoformat(): (h.text() if h else "closed") for d, h in sorted(model.exceptions.items())}
    doc["reset_grace_min"] = model.reset_grace_min
    doc["entrances"] = [{"camera": e.camera_id, "line": e.line_id, "in_direction": e.in_direction}
                        for e in model.entrances]
    d = model.drift
    doc["drift"] = {"history_days": d.history_days, "min_days": d.min_days, "min_exits": d.min_exits,
                    "max_correction": d.max_correction}
    return doc
