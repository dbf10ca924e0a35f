"""④ Events: what tracks did (crossed a line, visited a zone). No track id leaves this package."""

from edge.events.events import CrossingEvent, Direction

__all__ = ["CrossingEvent", "Direction"]
