"""`mockserver import`: captured `/v1/usages` answers become a scenario whose world gives them back.

The world is built from what the captures show: the team (its id, when a query named it), the people and API keys of
`entities.users`, the projects of the activity, the models in `modelUsages` order, the collections, the NSFW labels,
the captured activity events exactly (`recorded.events`), the job and asset bodies verbatim (`recorded.jobs`,
`recorded.assets`), and filler events (`mockserver.proxy.synthesis`) wherever the series and the consumption rows
count more than the listed events explain. The clock is frozen at an instant every capture agrees with. The scenario
is then served in memory and each captured query compared with its capture: what differs is listed, with the reason.
"""

from __future__ import annotations

from mockserver.proxy.importer.comparison import first_difference
from mockserver.proxy.importer.imported import Imported, import_captures, write_scenario
from mockserver.proxy.importer.writer import dump_scenario

__all__ = ["Imported", "dump_scenario", "first_difference", "import_captures", "write_scenario"]
