"""Camera configuration: what to count and where. Validated once, at load; errors name the field.

Issue 2 has the command-line form (`--line X1,Y1,X2,Y2`); the YAML file form builds the same
frozen CameraConfig.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from edge.errors import ConfigError
from edge.events.lines import CountingLine

__all__ = ["CameraConfig", "parse_line_arg"]


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """What one camera measures. Coordinates are frame pixels (normalised ones converted at load).

    Args:
        lines: counting lines, each with its id.
        zones: zone polygons (see events/zones.py).
        options: further validated settings by name.
    """

    lines: tuple[CountingLine, ...]
    zones: tuple = ()
    options: dict = field(default_factory=dict)


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
