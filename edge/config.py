"""Configuration: what to count and where. Validated once, at load; every error names its field.

Two file shapes, both YAML (docs/CONFIG.md has the full reference, generated from
edge/config_settings.py):

    agent file                               camera file (`count` / `preview`)
    ──────────                               ───────────
    store_id: s1                             units: normalized
    broker: {url: mqtts://hub:8883}          lines: [{id: door, points: "0,0.7,1,0.7"}]
    cameras:                                 zones: [{id: till, polygon: "0.1,0.1 0.4,0.1 0.4,0.5"}]
      front: {source: rtsp://…, lines: […]}

Coordinates are pixels unless a camera says `units: normalized` (0–1 of the frame's width and
height). Normalised coordinates become pixels at load when the camera gives `frame_size`, else when
its source opens (`CameraConfig.in_pixels`, called by the pipeline on the first frame).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from edge.config_settings import validate
from edge.errors import ConfigError
from edge.events.lines import CountingLine
from edge.events.zones import Zone

__all__ = [
    "BrokerConfig", "CameraConfig", "DetectorConfig", "EdgeConfig", "HeatmapConfig", "PrivacyConfig",
    "load_config", "load_camera_config", "camera_config_from_data", "parse_line_arg", "DEFAULT_MIN_COUNT",
    "VIEWS", "default_anchor", "with_person_size", "with_view",
]

DEFAULT_MIN_COUNT = 5
VIEWS = ("angled", "top-down")


def default_anchor(view: str) -> str:
    """The point of a person that counts in a view: the feet when angled, the centre from above."""
    return "center" if view == "top-down" else "bottom"


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Args:
        tiles: (cols, rows) of overlapping tiles run besides the full frame, or None (full frame only).
        tile_overlap: overlap of neighbouring tiles, fraction of a tile (0–0.5).
        input_size: the YOLOX input's longer side (a multiple of 32), or "auto" (AutoInputSize).
        score_threshold: lowest detection score kept (0–1).
        every: detect on every k-th frame (1 = all), or "auto" (chosen from the load).
        person_size: top-down view: shoulder width from above, fraction of the frame's shorter side,
            or "auto" (0.2, smaller when the people walking through measure much smaller).
        stand_s: top-down view: seconds a person standing still stays found before becoming background.
    """

    tiles: tuple[int, int] | None = None
    tile_overlap: float = 0.2
    input_size: int | str = "auto"
    score_threshold: float = 0.1
    every: int | str = 1
    person_size: float | str = "auto"
    stand_s: float = 300.0


@dataclass(frozen=True, slots=True)
class HeatmapConfig:
    """Heatmap grid: `cols` × `rows` cells over the whole frame."""

    cols: int = 16
    rows: int = 9


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """What one camera measures.

    Args:
        lines: counting lines, each with its id.
        zones: zone polygons.
        camera_id: the id windows carry ("local" for a camera file).
        source: where frames come from (None: given on the command line).
        units: "pixels", or "normalized" while coordinates still wait for the frame size.
        frame_size: (width, height) in pixels when known at load.
        view: "angled" (the COCO person model) or "top-down" (a ceiling camera looking straight down).
        anchor: "bottom" (feet, angled cameras) or "center" (the person seen from above, top-down).
        dwell_edges_s: dwell histogram bucket edges in seconds.
    """

    lines: tuple[CountingLine, ...]
    zones: tuple[Zone, ...] = ()
    camera_id: str = "local"
    source: str | None = None
    units: str = "pixels"
    frame_size: tuple[int, int] | None = None
    anchor: str = "bottom"
    view: str = "angled"
    dwell_edges_s: tuple[float, ...] = (10.0, 30.0, 120.0, 300.0)
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    heatmap: HeatmapConfig = field(default_factory=HeatmapConfig)

    @property
    def is_normalized(self) -> bool:
        return self.units == "normalized"

    def in_pixels(self, frame_wh: tuple[int, int]) -> CameraConfig:
        """This camera with normalised coordinates scaled to a frame of (width, height) pixels."""
        if not self.is_normalized:
            return self
        w, h = frame_wh

        def px(p: tuple[float, float]) -> tuple[float, float]:
            return (p[0] * w, p[1] * h)

        return replace(
            self,
            units="pixels",
            frame_size=(w, h),
            lines=tuple(replace(ln, a=px(ln.a), b=px(ln.b)) for ln in self.lines),
            zones=tuple(replace(z, polygon=tuple(px(p) for p in z.polygon)) for z in self.zones),
        )


@dataclass(frozen=True, slots=True)
class BrokerConfig:
    url: str
    username: str | None = None
    password: str | None = None
    ca_file: Path | None = None


@dataclass(frozen=True, slots=True)
class PrivacyConfig:
    """min_count: the small-cell rule's k (see edge/windows/suppress.py)."""

    min_count: int = DEFAULT_MIN_COUNT


@dataclass(frozen=True, slots=True)
class EdgeConfig:
    """An agent file: one store, one broker, one or more cameras.

    `mascots` is the raw, read-only `mascots:` section; edge/mascots validates its fields.
    """

    store_id: str
    broker: BrokerConfig
    cameras: tuple[CameraConfig, ...]
    agent_id: str | None = None
    window_s: int = 60
    outbox: Path | None = None
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    mascots: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def camera(self, camera_id: str) -> CameraConfig:
        for c in self.cameras:
            if c.camera_id == camera_id:
                return c
        known = ", ".join(c.camera_id for c in self.cameras)
        raise ConfigError(f"--camera: no camera {camera_id!r} in the config; it has {known}")


# ── loading ────────────────────────────────────────────────────────────────────────────────


def read_yaml(path: Path | str, what: str = "config file") -> object:
    """The YAML document in `path`. Raises ConfigError with one clear line: the file cannot be
    read, is not UTF-8 text, or is not valid YAML (with the line and column)."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read {what} {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read {what} {path}: not UTF-8 text (a YAML file is expected)") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(e, 'problem', None) or e}") from None


def _raise_if(errors: list[str], path: Path | str) -> None:
    if errors:
        n = len(errors)
        raise ConfigError(f"{path}: {n} error{'s' * (n > 1)}\n" + "\n".join(f"  {e}" for e in errors))


def _camera(raw: dict, camera_id: str, path: str, errors: list[str]) -> CameraConfig:
    """Validated camera section → CameraConfig, with the checks that span fields."""
    prefix = f"{path}." if path else ""
    normalized = raw["units"] == "normalized"
    lines, zones = [], []
    for kind, items, key in (("line", raw["lines"], "points"), ("zone", raw["zones"], "polygon")):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if "id" not in item or key not in item:
                continue  # its missing field is already an error
            where = f"{prefix}{kind}s[{i}]"
            if item["id"] in seen:
                errors.append(f'{where}.id: duplicate {kind} id "{item["id"]}"; give each {kind} its own id')
            seen.add(item["id"])
            coords = item[key]
            flat = [v for p in coords for v in p]
            if normalized and not all(0.0 <= v <= 1.0 for v in flat):
                errors.append(f"{where}.{key}: units is normalized, so every coordinate must be in 0–1, "
                              f"got {_fmt_points(coords)}")
            elif not normalized and min(flat) < 0:
                errors.append(f"{where}.{key}: pixel coordinates must not be negative, got {_fmt_points(coords)}")
            if kind == "line":
                lines.append(CountingLine(item["id"], coords[0], coords[1]))
            else:
                zones.append(Zone(item["id"], coords))
    config = CameraConfig(
        lines=tuple(lines), zones=tuple(zones), camera_id=camera_id, source=raw["source"],
        units=raw["units"], frame_size=raw["frame_size"], view=raw["view"],
        anchor=raw["anchor"] or default_anchor(raw["view"]),
        dwell_edges_s=raw["dwell_edges_s"],
        detector=DetectorConfig(**raw["detector"]), heatmap=HeatmapConfig(**raw["heatmap"]),
    )
    if config.frame_size is not None:
        config = config.in_pixels(config.frame_size)
    return config


def _fmt_points(coords) -> str:
    return '"' + " ".join(f"{x:g},{y:g}" for x, y in coords) + '"'


def _resolve(base: Path, value: str | None) -> Path | None:
    if value is None:
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base.parent / p)


def _edge_config(raw: dict, path: Path, errors: list[str]) -> EdgeConfig:
    cameras = tuple(_camera(c, cid, f"cameras.{cid}", errors) for cid, c in raw.get("cameras", {}).items())
    broker_raw = raw.get("broker") or {}
    ca_file = _resolve(path, broker_raw.get("ca_file"))
    if ca_file is not None and not ca_file.is_file():
        errors.append(f'broker.ca_file: no such file {str(ca_file)!r}; give the CA certificate\'s path')
    return EdgeConfig(
        store_id=raw.get("store_id", ""),
        broker=BrokerConfig(broker_raw.get("url", ""), broker_raw.get("username"), broker_raw.get("password"), ca_file),
        cameras=cameras,
        agent_id=raw.get("agent_id"),
        window_s=raw.get("window_s", 60),
        outbox=_resolve(path, raw.get("outbox")),
        privacy=PrivacyConfig(**raw.get("privacy", {})),
        mascots=MappingProxyType(_mascots_section(raw.get("mascots", {}), path, {c.camera_id for c in cameras},
                                                  errors)),
    )


def _mascots_section(section: dict, path: Path, camera_ids: set[str], errors: list[str]) -> dict:
    """Cross-field checks of `mascots`: the folder exists (relative to the file), cameras are known."""
    section = dict(section)
    if section.get("dir"):
        directory = _resolve(path, section["dir"])
        if not directory.is_dir():
            errors.append(f"mascots.dir: no such folder {str(directory)!r}; give the folder of reference images")
        section["dir"] = directory
    unknown = [c for c in section.get("cameras") or () if c not in camera_ids]
    if unknown:
        errors.append(f"mascots.cameras: unknown camera {unknown[0]!r}; the file has {', '.join(sorted(camera_ids))}")
    return section


def load_config(path: str | Path) -> EdgeConfig:
    """Read and validate an agent file.

    Raises:
        ConfigError: listing every error, one per line, each as `dotted.path: expected …, got …`.

    Example:
        >>> load_config("deploy/store-s1.yaml").camera("front").lines  # doctest: +SKIP
    """
    path = Path(path)
    data = read_yaml(path)
    errors: list[str] = []
    raw = validate(data, "", errors)
    config = _edge_config(raw, path, errors)  # also on errors: its cross-field checks add theirs
    _raise_if(errors, path)
    return config


def load_camera_config(path: str | Path, camera_id: str | None = None) -> CameraConfig:
    """One camera from a camera file (top-level `lines`/`zones`) or from an agent file (`cameras`).

    An agent file must then have exactly one camera, or `camera_id` must name one.

    Raises:
        ConfigError: as load_config; also a camera_id that a camera file cannot honour.
    """
    path = Path(path)
    data = read_yaml(path)
    if isinstance(data, dict) and "cameras" in data:
        config = load_config(path)
        if camera_id is not None:
            return config.camera(camera_id)
        if len(config.cameras) != 1:
            ids = ", ".join(c.camera_id for c in config.cameras)
            raise ConfigError(f"{path} has {len(config.cameras)} cameras ({ids}); choose one with --camera ID")
        return config.cameras[0]
    return camera_config_from_data(data, camera_id or "local", where=str(path))


def camera_config_from_data(data: object, camera_id: str, where: str = "camera") -> CameraConfig:
    """A camera section already parsed (from a file, or a remote configuration message) → CameraConfig.

    Raises:
        ConfigError: `where: N errors` then one line per error, as load_config.
    """
    errors: list[str] = []
    raw = validate(data, "cameras.<id>", errors)
    camera = _camera(raw, camera_id, "", errors) if not errors or isinstance(raw, dict) else None
    if camera is not None and not errors and not camera.lines and not camera.zones:
        errors.append("lines: a camera needs at least one line or zone")
    _raise_if(errors, where)
    return camera


def with_view(config: CameraConfig, view: str | None) -> CameraConfig:
    """The camera seen in `view` (the `--view` flag), with that view's anchor; None keeps it as is."""
    if view is None:
        return config
    if view not in VIEWS:
        raise ConfigError(f"--view: expected one of {', '.join(VIEWS)}, got {view!r}")
    return replace(config, view=view, anchor=default_anchor(view))


def with_person_size(config: CameraConfig, person_size: float | str | None) -> CameraConfig:
    """The camera with the top-down detector's `person_size` set (the `--person-size` flag); None
    keeps it as is.

    Raises:
        ConfigError: the camera is not seen top-down (the person model of the angled view has no
            such setting), naming the flag and the fix.
    """
    if person_size is None:
        return config
    if config.view != "top-down":
        raise ConfigError("--person-size: applies to the top-down view only; add --view top-down "
                          "(or view: top-down in the camera's file)")
    return replace(config, detector=replace(config.detector, person_size=person_size))


def parse_line_arg(text: str, line_id: str = "line-1", field_name: str = "--line") -> CountingLine:
    """"X1,Y1,X2,Y2" (pixels) → CountingLine.

    Raises:
        ConfigError: naming the field, the value and the expected shape.
    """
    parts = [p.strip() for p in str(text).split(",")]
    hint = 'expected "X1,Y1,X2,Y2" (four numbers, pixels), for example "0,300,768,300"'
    if len(parts) != 4:
        raise ConfigError(f"{field_name}: {hint}, got {text!r}")
    try:
        x1, y1, x2, y2 = (float(p) for p in parts)
    except ValueError:
        raise ConfigError(f"{field_name}: {hint}, got {text!r}") from None
    if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
        raise ConfigError(f"{field_name}: coordinates must be finite numbers, got {text!r}")
    if (x1, y1) == (x2, y2):
        raise ConfigError(f"{field_name}: the two end points are the same ({text!r}); draw a line")
    return CountingLine(line_id, (x1, y1), (x2, y2))
