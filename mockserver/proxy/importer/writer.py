"""The imported scenario as YAML: sections in block style, each recorded event on one line."""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    pass


class _Flow(dict[str, Any]):
    """A mapping written on one line (`{time: ..., action: ...}`): one recorded event per line."""


_Dumper.add_representer(_Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True))


def dump_scenario(document: dict[str, Any]) -> str:
    """The scenario as YAML: sections in block style, each recorded event on one line."""
    doc = dict(document)
    recorded = dict(doc.get("recorded") or {})
    recorded["events"] = [_Flow(e) for e in recorded.get("events") or ()]
    doc["recorded"] = recorded
    header = (
        # The schema next to the file, as the README has projects keep it: `mockserver scenario-schema` writes it.
        "# yaml-language-server: $schema=scenario.schema.json\n"
        "# Written by `mockserver import`: edit freely; `recorded` holds what the captures showed.\n"
        "# Editors check it against scenario.schema.json: `mockserver scenario-schema > scenario.schema.json`.\n"
    )
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
    return header + body
