"""MascotSampler: a mascot the last sample saw and `detect` now misses is confirmed where it stood."""

from __future__ import annotations

import numpy as np

from edge.frames.frame import Frame
from edge.mascots.detection import MascotDetection
from edge.mascots.live import MascotSampler, mascots_config
from edge.tracks.tracks import Tracks

FOX = MascotDetection("mascot-fox", np.float32([[100, 100], [150, 100], [150, 200], [100, 200]]),
                      (100.0, 100.0, 50.0, 100.0), 0.9, np.eye(3))
CONFIG = mascots_config({"dir": "mascots", "sample_every_s": 1.0})


class FlickeringDetector:
    """`detect` finds the fox only in the samples listed; the fox stands in every frame whose
    pixel (0, 0) is 1, and `confirm` sees it there."""

    def __init__(self, found_at: set[int]) -> None:
        self.found_at, self.calls, self.confirmed = found_at, 0, 0

    def detect(self, image):
        self.calls += 1
        return [FOX] if self.calls - 1 in self.found_at else []

    def confirm(self, image, last):
        self.confirmed += 1
        return last if image[0, 0] == 1 else None


class DetectOnly:
    def __init__(self, found_at: set[int]) -> None:
        self.inner = FlickeringDetector(found_at)

    def detect(self, image):
        return self.inner.detect(image)


def visible_fraction(detector, present: list[bool]) -> float:
    sampler = MascotSampler(detector, ("mascot-fox",), CONFIG)
    for i, here in enumerate(present):
        image = np.full((4, 4), 1 if here else 0, np.uint8)
        sampler.update(Frame(i, float(i), image), float(i), Tracks.empty())
    (fox,) = sampler.close_window(0.0, float(len(present)))
    assert fox.samples == len(present)
    return fox.visible_fraction


def test_a_mascot_seen_once_stays_visible_while_it_stands_there():
    # detect finds the standing fox in 2 of 10 samples; the confirmation finds it in the rest
    assert visible_fraction(FlickeringDetector({0, 5}), [True] * 10) == 1.0
    assert visible_fraction(DetectOnly({0, 5}), [True] * 10) == 0.2


def test_a_mascot_taken_away_is_not_kept_by_the_confirmation():
    detector = FlickeringDetector({0})
    assert visible_fraction(detector, [True] * 4 + [False] * 6) == 0.4
    # once it is not confirmed it is no longer looked for: one failed confirmation, no more
    assert detector.confirmed == 4


def test_a_mascot_detect_finds_is_not_confirmed_again():
    detector = FlickeringDetector(set(range(10)))
    assert visible_fraction(detector, [True] * 10) == 1.0
    assert detector.confirmed == 0


def test_the_agent_gives_its_mascot_detector_the_configured_frame_size(tmp_path):
    from pathlib import Path

    from edge.agent import _mascot_sampler, settings_from_config
    from edge.config import load_config
    from edge.mascots.registry import MascotRegistry
    from helpers import SAMPLE_VIDEO

    mascots = Path(__file__).resolve().parents[2] / "media" / "mascots"
    registry = MascotRegistry.from_directory(mascots, cache_dir=tmp_path / "cache")
    for extra, expected in (("", 1920 * 1080), (", max_pixels: 8294400", 8294400)):
        path = tmp_path / "agent.yaml"
        path.write_text(f"store_id: s1\nbroker: {{url: 'mqtt://127.0.0.1:1883'}}\n"
                        f"mascots: {{dir: {mascots}{extra}}}\ncameras: {{front: {{source: {SAMPLE_VIDEO}}}}}\n")
        sampler = _mascot_sampler(settings_from_config(load_config(path)), registry, "front")
        assert sampler.detector.settings.max_pixels == expected
        sampler.detector.close()
