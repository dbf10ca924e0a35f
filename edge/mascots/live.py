"""Mascots in the live agent: detection on sampled frames → engagement figures per window.

    frame ─(every sample_every_s)─▶ MascotDetector ─▶ sightings ─┐
          (+ last sample's mascots confirmed where they stood) ─┤
    tracks (anchors by per-run id, in memory) ───────────────────┴▶ EngagementMonitor
                                                  close_window ─▶ MascotFigures per mascot ("mascots")
                                                  update       ─▶ MascotAlert (not seen for M minutes)

Small cells: `median_dwell_s` of fewer than `min_count` engagements would describe one or two
people's visits; it is published as null then (the count itself stays, as counts do).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from edge.errors import ConfigError
from edge.frames.frame import Frame
from edge.mascots.detector import DEFAULT_MAX_PIXELS, with_confirmed
from edge.mascots.engagement import EngagementMonitor, EngagementSettings, MascotAlert
from edge.tracks.tracks import Tracks

__all__ = ["MascotsConfig", "mascots_config", "MascotFigures", "MascotSampler"]


@dataclass(frozen=True, slots=True)
class MascotsConfig:
    """The agent file's validated `mascots:` section (see docs/CONFIG.md)."""

    directory: Path
    cameras: tuple[str, ...] | None
    sample_every_s: float
    engagement: EngagementSettings
    max_pixels: int = DEFAULT_MAX_PIXELS

    def watches(self, camera_id: str) -> bool:
        return self.cameras is None or camera_id in self.cameras


def mascots_config(section: Mapping) -> MascotsConfig | None:
    """None when no mascot folder is configured."""
    if not section or not section.get("dir"):
        return None
    return MascotsConfig(
        directory=Path(section["dir"]),
        cameras=section.get("cameras"),
        sample_every_s=float(section.get("sample_every_s", 1.0)),
        engagement=EngagementSettings(zone_margin=float(section.get("zone_margin", 0.5)),
                                      min_dwell_s=float(section.get("min_dwell_s", 5.0)),
                                      missing_alert_s=60.0 * float(section.get("missing_alert_min", 10.0))),
        max_pixels=int(section.get("max_pixels", DEFAULT_MAX_PIXELS)),
    )


@dataclass(frozen=True, slots=True)
class MascotFigures:
    """One mascot's aggregate figures in one window (exactly the schema's `mascots[]` item)."""

    mascot_id: str
    samples: int
    visible_fraction: float
    engagements: int
    median_dwell_s: float | None

    def to_payload(self) -> dict:
        return {"mascot_id": self.mascot_id, "samples": self.samples,
                "visible_fraction": round(self.visible_fraction, 4), "engagements": self.engagements,
                "median_dwell_s": None if self.median_dwell_s is None else round(self.median_dwell_s, 2)}


class MascotSampler:
    """A WindowPart ("mascots"): update(frame, ts, tracks) per frame; detection only every
    sample_every_s seconds of `ts`.

    A mascot the last sample saw and this one's `detect` misses is looked for where it stood
    (`MascotDetector.confirm`): a standee does not move, and a small or partly hidden card that
    gives too few feature matches in one frame is then still counted as visible while it looks
    like itself there.

    Args:
        detector: anything with detect(image) -> [objects with mascot_id, xyxy and bbox_xywh],
            and optionally confirm(image, last) -> the same object or None.
        mascot_ids: the registered mascots (each is reported every window, seen or not).
        min_count: the small-cell rule's k for the median dwell.

    Raises:
        ConfigError: a mascot id that is not a valid id (its file stem).
    """

    name = "mascots"

    def __init__(self, detector, mascot_ids: tuple[str, ...], config: MascotsConfig, min_count: int = 5) -> None:
        from edge.protocol.topics import is_valid_id

        bad = [m for m in mascot_ids if not is_valid_id(m)]
        if bad:
            raise ConfigError(f"mascots.dir: file stem {bad[0]!r} is not a valid mascot id "
                              "(1–64 lowercase letters, digits or '-'); rename the image")
        self.detector = detector
        self.config = config
        self.min_count = min_count
        self.monitor = EngagementMonitor(mascot_ids, config.engagement)
        self._next_sample_ts = -math.inf
        self._last: list = []  # the last sample's sightings

    def update(self, frame: Frame, ts: float, tracks: Tracks) -> list[MascotAlert]:
        if ts < self._next_sample_ts:
            return []
        self._next_sample_ts = ts + self.config.sample_every_s
        sightings = self._last = with_confirmed(self.detector, frame.image, self.detector.detect(frame.image),
                                                self._last)
        anchors = {int(t): (float(x), float(y)) for t, (x, y) in zip(tracks.track_id, tracks.anchors(), strict=True)}
        return self.monitor.update(ts, sightings, anchors)

    def close_window(self, start_ts: float, end_ts: float) -> tuple[MascotFigures, ...]:
        stats = self.monitor.close_window(start_ts, end_ts)
        return tuple(
            MascotFigures(mascot_id, s.samples, s.visible_fraction or 0.0, s.engagements,
                          s.median_dwell_s if s.engagements >= self.min_count else None)
            for mascot_id, s in stats.items()
        )

    def partial(self) -> dict | None:
        """Counts so far in the open window, for a live camera's restart (EngagementMonitor.partial)."""
        return self.monitor.partial()

    def resume(self, saved: dict) -> None:
        self.monitor.resume(saved)

    def finish(self, ts: float) -> None:
        self.monitor.flush(ts)
