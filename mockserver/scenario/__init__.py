"""Scenario files: the YAML that describes a world, its models and its loader."""

from mockserver.scenario.loader import load_scenario, load_scenario_text
from mockserver.scenario.model import Scenario

__all__ = ["Scenario", "load_scenario", "load_scenario_text"]
