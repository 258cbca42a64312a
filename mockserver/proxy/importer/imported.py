"""`import_captures` and `write_scenario`: the captures read, the world built and written as YAML, then served again
in memory and compared with each capture."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from mockserver.errors import CaptureError
from mockserver.proxy.capture import capture_files, read_capture
from mockserver.proxy.importer.builder import Builder
from mockserver.proxy.importer.captures import Exchange, read_exchange
from mockserver.proxy.importer.comparison import first_difference
from mockserver.proxy.importer.writer import dump_scenario
from mockserver.worlds import SCENARIO_HEADER

DEFAULT_NAME = "imported"
_UNEXPLAINED = "of nothing the importer could tell (a bug: please report it with the captures)"


@dataclass
class Imported:
    """What `import_captures` made: the scenario document, its YAML, and what it does not reproduce."""

    name: str
    document: dict[str, Any]
    text: str
    now: int
    notes: list[str] = field(default_factory=list)  # what is not reproduced exactly, and why
    compared: int = 0  # captures served again and compared
    equal: int = 0  # of those, how many came out JSON-equal


def import_captures(paths: Sequence[Path], name: str | None = None) -> Imported:
    """Read the captures named (files or directories) and build the scenario that reproduces them."""
    files = capture_files(paths)
    if not files:
        raise CaptureError(", ".join(map(str, paths)) or "<none>", "", "no capture files (expected *.json)")
    captures = [read_capture(path) for path in files]
    notes: list[str] = []
    exchanges = [e for e in (read_exchange(c, notes) for c in captures) if e is not None]
    if not exchanges:
        raise CaptureError(
            captures[0].source if len(captures) == 1 else f"{len(captures)} captures",
            "",
            "no capture is a 200 answer of GET /v1/usages: nothing to import",
        )
    worlds = sorted({str(e.capture.request_headers.get(SCENARIO_HEADER, "")) for e in exchanges})
    if len(worlds) > 1:
        shown = ", ".join(repr(w) if w else "(the default)" for w in worlds)
        notes.append(f"the captures asked for different worlds (X-Mock-Scenario {shown}): imported into one")
    builder = Builder(exchanges, name or DEFAULT_NAME, notes)
    document = builder.build()
    text = dump_scenario(document)
    imported = Imported(builder.name, document, text, builder.now, notes)
    _compare(imported, exchanges)
    return imported


def write_scenario(imported: Imported, target: Path) -> None:
    """Write the scenario file whole, or not at all (written aside, then renamed into place).

    The file aside is made with mode 0666 less the umask, as `open()` makes a file (`tempfile.mkstemp` would make it
    0600, and the rename would keep that). An OSError leaves nothing behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for attempt in itertools.count():
        tmp = target.parent / f".{target.name}.{os.getpid()}.{attempt}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            if attempt >= 100:
                raise
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(imported.text)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _compare(imported: Imported, exchanges: Iterable[Exchange]) -> None:
    """Serve the scenario in memory; note every captured query whose answer is not JSON-equal to its capture."""
    from mockserver.scenario.loader import load_scenario_text
    from mockserver.world.builder import build_world
    from mockserver.world.report import build_report

    scenario = load_scenario_text(imported.text, f"<{imported.name}.yaml>")
    world = build_world(scenario)
    # Why a capture may come out different: what building the world noted about it (a bucket no event explains, a
    # page whose offset the other captures' events cannot keep, a filtered query), else about all captures.
    causes: dict[str, list[str]] = {}
    general: list[str] = []
    for note in imported.notes:
        source, found, rest = note.partition(": ")
        if found and any(source == ex.source for ex in exchanges):
            causes.setdefault(source, []).append(rest)
        else:
            general.append(note)
    for ex in exchanges:
        served = orjson.loads(orjson.dumps(build_report(world, ex.query, imported.now)))
        imported.compared += 1
        difference = first_difference(ex.body, served)
        if difference is None:
            imported.equal += 1
        else:
            path, captured, got = difference
            why = (causes.get(ex.source) or general or [_UNEXPLAINED])[0]
            imported.notes.append(
                f"{ex.source}: served again, {path} differs: captured {_short(captured)}, served {_short(got)}, "
                f"because {why}"
            )


def _short(value: Any) -> str:
    text = orjson.dumps(value).decode() if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
