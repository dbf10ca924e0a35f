"""Shared fixtures. Helpers live in tests/helpers.py (import them from there, not from conftest)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import Mosquitto  # noqa: E402


@pytest.fixture
def mosquitto():
    broker = Mosquitto().start()
    try:
        yield broker
    finally:
        broker.stop()
