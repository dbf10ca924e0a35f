"""The settings table: one row per configuration field. It drives validation and docs/CONFIG.md.

A row's path names where the field lives:  `cameras.<id>.lines[].points`
    <id>  any key of a mapping (a camera id)      []  every item of a list

`validate(data, root)` walks a parsed YAML document against the table, applies defaults, converts
leaf values (a line's "x1,y1,x2,y2" becomes four floats) and collects *every* error as
`path: what was expected, got what`; it never stops at the first.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from edge.geometry import polygon_area

__all__ = ["INPUT_SIZE_RANGE", "is_input_size", "MAX_PIXELS_RANGE", "PERSON_SIZE_RANGE", "Setting", "SETTINGS",
           "validate", "settings_markdown", "REQUIRED"]

REQUIRED = object()  # default of a field that must be given
MAX_PIXELS_RANGE = (100_000, 100_000_000)  # mascots.max_pixels and --max-pixels
PERSON_SIZE_RANGE = (0.05, 0.6)  # cameras.<id>.detector.person_size and --person-size
INPUT_SIZE_RANGE = (128, 1920)  # cameras.<id>.detector.input_size (YOLOX input's longer side, multiples of 32)
ID_RE = re.compile(r"^[a-z0-9-]{1,64}$")


class _Invalid(Exception):
    """A leaf value that does not have its one accepted shape; the message says what was expected."""


def _got(value: object) -> str:
    try:
        return json.dumps(value)
    except TypeError:
        return repr(value)


# ── leaf parsers: value → converted value, or _Invalid("expected …") ─────────────────────────


def _id(v: object) -> str:
    if not isinstance(v, str) or not ID_RE.match(v):
        raise _Invalid('expected an id of 1–64 lowercase letters, digits or "-"')
    return v


def _id_list(v: object) -> tuple[str, ...]:
    if not isinstance(v, list) or not v or not all(isinstance(x, str) and ID_RE.match(x) for x in v):
        raise _Invalid('expected a list of camera ids, for example ["front", "back"]')
    return tuple(v)


def _text(v: object) -> str:
    if not isinstance(v, str) or not v.strip():
        raise _Invalid("expected a non-empty string")
    return v


def _number(v: object) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise _Invalid("expected a number")
    return float(v)


def _int_between(lo: int, hi: int) -> Callable[[object], int]:
    def parse(v: object) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise _Invalid(f"expected a whole number from {lo} to {hi}")
        return v
    return parse


def _float_between(lo: float, hi: float) -> Callable[[object], float]:
    def parse(v: object) -> float:
        if not lo <= _number(v) <= hi:
            raise _Invalid(f"expected a number from {lo:g} to {hi:g}")
        return float(v)  # type: ignore[arg-type]
    return parse


def _choice(*options: str) -> Callable[[object], str]:
    def parse(v: object) -> str:
        if v not in options:
            raise _Invalid("expected " + " or ".join(f'"{o}"' for o in options))
        return v  # type: ignore[return-value]
    return parse


def _window_s(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v <= 0 or 86400 % v:
        raise _Invalid("expected seconds that divide a day (10, 60, 300, 3600…)")
    return v


def _broker_url(v: object) -> str:
    from edge.delivery.broker import parse_broker_url

    if not isinstance(v, str):
        raise _Invalid("expected mqtt://HOST:PORT or mqtts://HOST:PORT")
    try:
        parse_broker_url(v)
    except ValueError:
        raise _Invalid("expected mqtt://HOST:PORT or mqtts://HOST:PORT") from None
    return v


def _floats(text: object, n: int, shape: str) -> tuple[float, ...]:
    parts = text.split(",") if isinstance(text, str) else []
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != n or not all(math.isfinite(x) for x in values):
        raise _Invalid(f'expected "{shape}"')
    return values


def _line_points(v: object) -> tuple[tuple[float, float], tuple[float, float]]:
    x1, y1, x2, y2 = _floats(v, 4, "x1,y1,x2,y2")
    if (x1, y1) == (x2, y2):
        raise _Invalid('expected two different end points "x1,y1,x2,y2"')
    return (x1, y1), (x2, y2)


def _polygon(v: object) -> tuple[tuple[float, float], ...]:
    shape = "x1,y1 x2,y2 x3,y3 …"
    pairs = v.split() if isinstance(v, str) else []
    try:
        points = tuple(tuple(_floats(p, 2, shape)) for p in pairs)
    except _Invalid:
        points = ()
    if len(points) < 3:
        raise _Invalid(f'expected at least three points "{shape}"')
    if len(set(points)) < 3:
        raise _Invalid("expected at least three distinct points")
    if polygon_area(points) == 0:
        raise _Invalid("expected corners that enclose an area (these lie on one line)")
    return points  # type: ignore[return-value]


def _frame_size(v: object) -> tuple[int, int] | None:
    if v is None:
        return None
    if (not isinstance(v, list) or len(v) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 16384 for x in v)):
        raise _Invalid("expected [width, height] in pixels, for example [1920, 1080]")
    return (v[0], v[1])


def _tiles(v: object) -> tuple[int, int] | None:
    if v == "none":
        return None
    m = re.fullmatch(r"([1-4])x([1-4])", v) if isinstance(v, str) else None
    if not m or m.group(0) == "1x1":
        raise _Invalid('expected "none" or a grid "COLSxROWS" from "2x1" to "4x4", for example "2x2"')
    return int(m.group(1)), int(m.group(2))


def is_input_size(v: object) -> bool:
    """A YOLOX input size: a whole multiple of 32 within INPUT_SIZE_RANGE (config and detector share it)."""
    low, high = INPUT_SIZE_RANGE
    return isinstance(v, int) and not isinstance(v, bool) and v % 32 == 0 and low <= v <= high


def _input_size(v: object) -> int | str:
    if v == "auto" or is_input_size(v):
        return v  # type: ignore[return-value]
    low, high = INPUT_SIZE_RANGE
    raise _Invalid(f'expected "auto" or a multiple of 32 from {low} to {high}, for example 832')


def _person_size(v: object) -> float | str:
    if v == "auto":
        return "auto"
    try:
        return _float_between(*PERSON_SIZE_RANGE)(v)
    except _Invalid as e:
        raise _Invalid(f'expected "auto" or {str(e).removeprefix("expected ")}') from None


def _every(v: object) -> int | str:
    if v == "auto":
        return "auto"
    if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 10:
        raise _Invalid('expected "auto" or a whole number of frames from 1 to 10')
    return v


def _edges(v: object) -> tuple[float, ...]:
    ok = isinstance(v, list) and 1 <= len(v) <= 16 and all(
        not isinstance(x, bool) and isinstance(x, int | float) and x > 0 for x in v)
    if not ok or any(b <= a for a, b in zip(v, v[1:], strict=False)):
        raise _Invalid("expected 1–16 increasing positive seconds, for example [10, 30, 120, 300]")
    return tuple(float(x) for x in v)


def _optional(parse: Callable[[object], object]) -> Callable[[object], object]:
    return lambda v: None if v is None else parse(v)


# ── the table ───────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Setting:
    """One configuration field.

    Args:
        path: where it lives (see the module docstring).
        type: how docs/CONFIG.md names its shape.
        default: the value when absent; REQUIRED when it must be given.
        help: one line for docs/CONFIG.md.
        kind: "leaf", "section" (fixed keys), "map" (id → section), "list" (of sections) or
            "open" (a mapping whose keys another module validates).
        parse: leaf value → converted value; raises _Invalid.
    """

    path: str
    type: str
    default: object
    help: str
    kind: str = "leaf"
    parse: Callable[[object], object] | None = None


_C = "cameras.<id>"
SETTINGS: tuple[Setting, ...] = (
    # agent file only
    Setting("store_id", "id", REQUIRED, "the store this agent counts for", parse=_id),
    Setting("agent_id", "id", None, "this agent's id (default: the host name)", parse=_optional(_id)),
    Setting("broker", "section", REQUIRED, "the MQTT broker the aggregates go to", kind="section"),
    Setting("broker.url", "string", REQUIRED, "mqtt://HOST:PORT or mqtts://HOST:PORT (TLS)", parse=_broker_url),
    Setting("broker.username", "string", None, "user name on the broker", parse=_optional(_text)),
    Setting("broker.password", "string", None, "password on the broker", parse=_optional(_text)),
    Setting("broker.ca_file", "path", None, "CA certificate for mqtts://, relative to the config file",
            parse=_optional(_text)),
    Setting("window_s", "integer", 60, "aggregation window in seconds; divides a day", parse=_window_s),
    Setting("outbox", "path", None, "outbox SQLite file (default under ~/.local/state/retail-edge)",
            parse=_optional(_text)),
    Setting("privacy", "section", {}, "what may leave the device", kind="section"),
    Setting("privacy.min_count", "integer", 5,
            "small-cell rule: heatmap cells seen by fewer distinct people, and dwell buckets with fewer "
            "visits, are suppressed before publishing (see edge/windows/suppress.py)", parse=_int_between(1, 1000)),
    Setting("mascots", "section", {}, "registered campaign mascots, watched on sampled frames", kind="section"),
    Setting("mascots.dir", "path", None,
            "folder of reference images, one mascot per file (id = file stem); absent: no mascot detection",
            parse=_optional(_text)),
    Setting("mascots.cameras", "list of camera ids", None,
            "the cameras that look at mascots (default: every camera)", parse=_optional(_id_list)),
    Setting("mascots.sample_every_s", "number", 1.0,
            "seconds between mascot detections on a camera (each costs ~80 ms of one core on a 1280×720 frame here)",
            parse=_float_between(0.1, 60.0)),
    Setting("mascots.max_pixels", "integer", 1920 * 1080,
            "a larger frame is searched for mascots downscaled to this many pixels (1920×1080); raise it to "
            "8294400 for a 4K camera whose mascot is under ~180 px tall (~2.5× the time a sample)",
            parse=_int_between(*MAX_PIXELS_RANGE)),
    Setting("mascots.min_dwell_s", "number", 5.0,
            "a person engages when their feet stay this long in the zone in front of a mascot",
            parse=_float_between(0.5, 600.0)),
    Setting("mascots.zone_margin", "number", 0.5,
            "engagement zone: the mascot's box widened by this fraction of its width on each side",
            parse=_float_between(0.0, 5.0)),
    Setting("mascots.missing_alert_min", "number", 10.0,
            "alert when a registered mascot has not been seen for this many minutes",
            parse=_float_between(0.1, 10080.0)),
    Setting("cameras", "mapping", REQUIRED, "one entry per camera, keyed by camera id", kind="map"),
    # a camera (an agent file's cameras.<id>, or the top level of a camera file)
    Setting(f"{_C}.source", "string", None,
            "video file, rtsp:// or http:// URL, or USB camera index (required by `run`)",
            parse=_optional(_text)),
    Setting(f"{_C}.units", '"pixels" | "normalized"', "pixels",
            "unit of every coordinate of this camera; normalized is 0–1 of the frame width/height",
            parse=_choice("pixels", "normalized")),
    Setting(f"{_C}.frame_size", "[width, height]", None,
            "frame size in pixels; with units: normalized, coordinates become pixels at load "
            "(else when the source opens)", parse=_frame_size),
    Setting(f"{_C}.view", '"angled" | "top-down"', "angled",
            "how the camera looks at people: from above and in front (angled; the COCO person model) or "
            "straight down from the ceiling (top-down; background modelling, docs/ARCHITECTURE.md)",
            parse=_choice("angled", "top-down")),
    Setting(f"{_C}.anchor", '"bottom" | "center"', None,
            "the point of a person that counts: bottom-centre of the box (feet; the default for angled) or "
            "its centre (the person seen from above; the default for top-down)",
            parse=_optional(_choice("bottom", "center"))),
    Setting(f"{_C}.lines", "list", [], "counting lines", kind="list"),
    Setting(f"{_C}.lines[].id", "id", REQUIRED, "line id, unique in the camera", parse=_id),
    Setting(f"{_C}.lines[].points", '"x1,y1,x2,y2"', REQUIRED,
            "from A to B; moving from the left of A→B to its right is in (see CONVENTIONS.md)",
            parse=_line_points),
    Setting(f"{_C}.zones", "list", [], "zones (polygons) for occupancy and dwell", kind="list"),
    Setting(f"{_C}.zones[].id", "id", REQUIRED, "zone id, unique in the camera", parse=_id),
    Setting(f"{_C}.zones[].polygon", '"x1,y1 x2,y2 x3,y3 …"', REQUIRED, "three or more corners that enclose an area",
            parse=_polygon),
    Setting(f"{_C}.dwell_edges_s", "list of seconds", [10, 30, 120, 300],
            "dwell histogram bucket edges; n edges make n+1 buckets", parse=_edges),
    Setting(f"{_C}.detector", "section", {}, "person detector options", kind="section"),
    Setting(f"{_C}.detector.tiles", '"none" | "COLSxROWS"', "none",
            "also run the model on overlapping tiles (for example \"2x2\"): finds smaller, farther "
            "people at (tiles + 1)× the inference cost (bench/results/detection.md)", parse=_tiles),
    Setting(f"{_C}.detector.input_size", '"auto" | integer', "auto",
            "the frame's longer side as the model sees it (416 is what it was trained at and finds people down "
            "to ~35 px tall there: ~160 px in a 1920×1080 frame). \"auto\" starts at 416 and, while people that a "
            "1280 px look finds are missed for their size, grows to what they need (edge/detections/autosize.py); "
            "a number fixes it (a multiple of 32; cost grows with its square; bench/results/detection.md). "
            "With tiles, \"auto\" is 416", parse=_input_size),
    Setting(f"{_C}.detector.tile_overlap", "number", 0.2,
            "overlap of neighbouring tiles as a fraction of a tile; must exceed a small person's size",
            parse=_float_between(0.0, 0.5)),
    Setting(f"{_C}.detector.score_threshold", "number", 0.1,
            "lowest detection score passed to the tracker (which uses low ones only to extend tracks)",
            parse=_float_between(0.01, 0.9)),
    Setting(f"{_C}.detector.person_size", '"auto" | number', "auto",
            "top-down only: a person's shoulder width seen from above, as a fraction of the frame's shorter "
            "side (about 0.2 for a camera 3 m above the floor with a 90° lens); when unsure, round down: people "
            "a third smaller than it are often missed, people half as large again are still counted. \"auto\" "
            "is 0.2 until the people walking through measure under 0.55 of it (a high ceiling, a wide lens; "
            "from 6 people on), then their size (edge/detections/topdown_size.py); a number fixes it",
            parse=_person_size),
    Setting(f"{_C}.detector.stand_s", "number", 300,
            "top-down only: seconds someone standing still under the camera stays found before the background "
            "takes them in (also how long a thing of a person's size put down in view counts as one)",
            parse=_float_between(10, 3600)),
    Setting(f"{_C}.detector.every", '"auto" | integer', 1,
            "run the detector on every k-th frame, the tracker predicts the frames between (1: every frame); "
            "\"auto\" raises k up to 4 while inference is slower than the camera's frame rate",
            parse=_every),
    Setting(f"{_C}.heatmap", "section", {}, "occupancy heatmap grid", kind="section"),
    Setting(f"{_C}.heatmap.cols", "integer", 16, "grid columns", parse=_int_between(1, 64)),
    Setting(f"{_C}.heatmap.rows", "integer", 9, "grid rows", parse=_int_between(1, 64)),
)

_BY_PATH = {s.path: s for s in SETTINGS}


def _children(pattern: str) -> dict[str, Setting]:
    prefix = f"{pattern}." if pattern else ""
    out = {}
    for s in SETTINGS:
        if s.path.startswith(prefix):
            rest = s.path[len(prefix):]
            if rest and "." not in rest:
                out[rest] = s
    return out


def validate(data: object, root: str, errors: list[str], path: str = "") -> dict:
    """Check a section against the table rows under `root` ("" = agent file, "cameras.<id>" = a
    camera). Returns the section with defaults applied and leaves converted; appends errors."""
    children = _children(root)
    if not isinstance(data, dict):
        errors.append(f"{path or 'the file'}: expected a mapping of settings, got {_got(data)}")
        data = {}
    out: dict = {}
    for key in data:
        if key not in children:
            where = f"{path}.{key}" if path else str(key)
            close = difflib.get_close_matches(str(key), list(children), n=1)
            hint = f'; did you mean "{close[0]}"?' if close else f"; known: {', '.join(children)}"
            errors.append(f"{where}: unknown setting{hint}")
    for name, s in children.items():
        here = f"{path}.{name}" if path else name
        if name not in data or (data[name] is None and s.kind != "leaf"):
            if s.default is REQUIRED:
                errors.append(f"{here}: missing; {s.help}")
                continue
            if s.kind == "section":
                out[name] = validate(s.default, s.path, errors, here)
            else:
                out[name] = _default_of(s) if s.kind == "leaf" else s.default
            continue
        value = data[name]
        if s.kind == "section":
            out[name] = validate(value, s.path, errors, here)
        elif s.kind == "open":
            if not isinstance(value, dict):
                errors.append(f"{here}: expected a mapping of settings, got {_got(value)}")
            out[name] = dict(value) if isinstance(value, dict) else {}
        elif s.kind == "map":
            out[name] = _validate_map(value, s, errors, here)
        elif s.kind == "list":
            if not isinstance(value, list):
                errors.append(f"{here}: expected a list, got {_got(value)}")
                value = []
            out[name] = [validate(item, f"{s.path}[]", errors, f"{here}[{i}]") for i, item in enumerate(value)]
        else:
            try:
                out[name] = s.parse(value) if s.parse else value
            except _Invalid as e:
                errors.append(f"{here}: {e}, got {_got(value)}")
                if s.default is not REQUIRED:
                    out[name] = s.default if s.parse is None else _default_of(s)
    return out


def _default_of(s: Setting) -> object:
    """The converted default of a leaf (an invalid value is replaced by it to go on checking)."""
    return s.parse(s.default) if s.parse else s.default


def _validate_map(value: object, s: Setting, errors: list[str], here: str) -> dict:
    if not isinstance(value, dict) or not value:
        errors.append(f"{here}: expected a mapping of id → settings with at least one entry, got {_got(value)}")
        return {}
    out = {}
    for key, item in value.items():
        if not isinstance(key, str) or not ID_RE.match(key):
            errors.append(f'{here}.{key}: expected an id of 1–64 lowercase letters, digits or "-" as the key')
            continue
        out[key] = validate(item, f"{s.path}.<id>", errors, f"{here}.{key}")
    return out


def settings_markdown() -> str:
    """The reference table of docs/CONFIG.md (tests/test_docs.py checks the file holds it)."""
    rows = ["| setting | type | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        if s.default is REQUIRED:
            default = "required"
        elif s.kind in ("section", "open", "list") and s.default in ({}, []):
            default = ""
        else:
            default = f"`{_got(s.default)}`"
        rows.append(f"| `{s.path}` | {s.type} | {default} | {s.help.replace('|', '/')} |")
    return "\n".join(rows) + "\n"
