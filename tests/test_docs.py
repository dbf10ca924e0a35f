"""Docs stay true to the code: every config field is documented in docs/CONFIG.md."""

from __future__ import annotations

from edge.config_settings import SETTINGS, settings_markdown
from helpers import ROOT


def test_config_reference_is_the_generated_table():
    text = (ROOT / "docs" / "CONFIG.md").read_text()
    assert settings_markdown() in text, (
        "docs/CONFIG.md is out of date: paste edge.config_settings.settings_markdown() under Reference")


def test_every_config_field_is_documented():
    text = (ROOT / "docs" / "CONFIG.md").read_text()
    missing = [s.path for s in SETTINGS if f"`{s.path}`" not in text]
    assert not missing, f"undocumented config fields: {missing}"
