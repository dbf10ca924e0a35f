"""Docs stay true to the code: every config field (docs/CONFIG.md), command (README.md), topic
and schema (docs/PROTOCOL.md) is documented."""

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


def _subcommands(parser) -> list[str]:
    """Every command path of an argparse parser, e.g. ["count", "mascots detect", …]."""
    import argparse

    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _subcommands(sub)
                found += [f"{name} {n}" for n in nested] if nested else [name]
    return found


def test_every_command_is_in_the_readme():
    from edge.cli import build_parser as edge_parser
    from hub.cli import build_parser as hub_parser

    readme = (ROOT / "README.md").read_text()
    commands = _subcommands(edge_parser()) + _subcommands(hub_parser())
    missing = [c for c in commands if f"`{c.split()[0]}" not in readme or c.split()[-1] not in readme]
    assert len(commands) >= 14 and not missing, f"commands missing from README.md: {missing}"


def test_every_topic_kind_has_its_protocol_heading():
    from edge.protocol.topics import KINDS, PREFIX

    text = (ROOT / "docs" / "PROTOCOL.md").read_text()
    missing = [k for k in KINDS if f"## {PREFIX}/{k}/" not in text]
    assert not missing, f"topics without a heading in docs/PROTOCOL.md: {missing}"


def test_every_schema_is_named_in_the_protocol_doc():
    text = (ROOT / "docs" / "PROTOCOL.md").read_text() + (ROOT / "docs" / "PRIVACY.md").read_text()
    schemas = sorted(p.name for p in (ROOT / "edge" / "protocol" / "schema").glob("*.json"))
    missing = [s for s in schemas if s not in text]
    assert not missing, f"schemas not described in docs/PROTOCOL.md or PRIVACY.md: {missing}"


def test_each_command_s_help_shows_its_examples_one_per_line():
    """A command's description is its function's docstring: examples one per line, as written
    (argparse would otherwise run them together into one paragraph)."""
    from edge.cli import build_parser

    count_help = next(a for a in build_parser()._actions if a.dest == "command").choices["count"].format_help()
    examples = [line for line in count_help.splitlines() if line.startswith("retail-edge count ")]
    assert len(examples) >= 3 and all(line.count("retail-edge count") == 1 for line in examples), count_help
