"""The proxy's report: every exchange judged by the published contracts and by the mock's decisions, aggregated.

`Report.add` takes captures as they come (from the proxy's worker threads, or files via `report_from_captures`);
`to_json` and `to_markdown` render what was seen. An exchange the upstream did not answer (the proxy's own 502/504)
says nothing of it: it is listed under `upstreamFailures`, never judged. `admin_routes` serves the report at
`/__admin/proxy/report` and shows it on a page at `/__admin/proxy/`.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mockserver.contract.endpoints import ENDPOINT_PATHS
from mockserver.contract.versions import version_key
from mockserver.dashboard import CONTENT_SECURITY_POLICY, STATIC_DIR
from mockserver.proxy.capture import Capture, capture_files, read_capture
from mockserver.proxy.contracts import check_contracts, contract_versions, path_pattern
from mockserver.proxy.decisions import DECISIONS, Finding, check_decisions

__all__ = ["REPORT_PATH", "Report", "admin_routes", "report_from_captures"]

REPORT_PATH = "/__admin/proxy/report"
PAGE_PATH = "/__admin/proxy/"
EVIDENCE_LIMIT = 10  # evidence items kept per decision
PATHS_LIMIT = 2_000  # concrete paths kept per violation pattern
NON_JSON_LIMIT = 200
FAILURES_LIMIT = 200
EXCERPT = 200


@dataclass
class _Counts:
    parsed: int = 0
    failed: int = 0


@dataclass
class _Group:
    """The violations of one path pattern on one endpoint: `$.usages[*].usageName` on `usages.list`."""

    endpoint: str
    pattern: str
    kind: str
    versions: set[str] = field(default_factory=set)
    count: int = 0
    paths: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Decision:
    agrees: int = 0
    differs: int = 0
    differing: list[Finding] = field(default_factory=list)
    agreeing: list[Finding] = field(default_factory=list)


class Report:
    """What the exchanges seen so far say about the contracts and the decisions; `add` is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every exchange."""
        with self._lock:
            self._exchanges = 0
            self._endpoints: dict[str, dict[str, Any]] = {}
            self._versions: dict[tuple[str, str], _Counts] = {}
            self._groups: dict[tuple[str, str, str], _Group] = {}
            self._truncated: dict[tuple[str, str], int] = {}
            self._decisions: dict[str, _Decision] = {name: _Decision() for name in DECISIONS}
            self._non_json: list[dict[str, Any]] = []
            self._failures: list[dict[str, Any]] = []
            self._failure_count = 0

    # -- adding -----------------------------------------------------------------------------------------------------
    def add(self, capture: Capture) -> None:
        """Judge one exchange and count it in (the judging happens outside the lock)."""
        endpoint = capture.endpoint or "unknown"
        if not capture.answered:
            self._add_failure(capture, endpoint)
            return
        verdicts: dict[str, Any] = {}
        not_json = capture.text is not None
        if capture.status == 200 and endpoint != "unknown":
            if not_json:
                verdicts = {v: None for v in contract_versions(endpoint)}  # a 200 that is not JSON fails strictly
            else:
                verdicts = check_contracts(endpoint, capture.body)
        merged = _merge(verdicts)
        findings = check_decisions(capture)
        with self._lock:
            self._exchanges += 1
            seen = self._endpoints.setdefault(endpoint, {"exchanges": 0, "statuses": {}})
            seen["exchanges"] += 1
            status = str(capture.status)
            seen["statuses"][status] = seen["statuses"].get(status, 0) + 1
            for version, violations in verdicts.items():
                counts = self._versions.setdefault((endpoint, version), _Counts())
                if violations is None or violations.total:
                    counts.failed += 1
                else:
                    counts.parsed += 1
                if violations is not None and violations.more:
                    self._truncated[endpoint, version] = self._truncated.get((endpoint, version), 0) + violations.more
            for (path, _), item in merged.items():
                group_key = (endpoint, path_pattern(path), item["kind"])
                group = self._groups.get(group_key)
                if group is None:
                    group = self._groups[group_key] = _Group(endpoint, group_key[1], item["kind"])
                group.count += 1
                group.versions.update(item["versions"])
                if len(group.paths) < PATHS_LIMIT:
                    group.paths.append({"capture": capture.source, "path": path, **_without_kind(item)})
            if not_json and len(self._non_json) < NON_JSON_LIMIT:
                self._non_json.append(
                    {
                        "capture": capture.source,
                        "endpoint": endpoint,
                        "status": capture.status,
                        "contentType": capture.response_headers.get("content-type"),
                        "excerpt": (capture.text or "")[:EXCERPT],
                    }
                )
            for finding in findings:
                decision = self._decisions.setdefault(finding.decision, _Decision())
                if finding.verdict == "agrees":
                    decision.agrees += 1
                    if len(decision.agreeing) < EVIDENCE_LIMIT:
                        decision.agreeing.append(finding)
                else:
                    decision.differs += 1
                    if len(decision.differing) < EVIDENCE_LIMIT:
                        decision.differing.append(finding)

    def _add_failure(self, capture: Capture, endpoint: str) -> None:
        """Count in an exchange the upstream did not answer: the client got the proxy's 502/504 (`error`)."""
        with self._lock:
            self._exchanges += 1
            seen = self._endpoints.setdefault(endpoint, {"exchanges": 0, "statuses": {}})
            seen["exchanges"] += 1
            seen["upstreamFailures"] = seen.get("upstreamFailures", 0) + 1
            self._failure_count += 1
            if len(self._failures) < FAILURES_LIMIT:
                self._failures.append(
                    {"capture": capture.source, "endpoint": endpoint, "status": capture.status, "error": capture.error}
                )

    # -- rendering ----------------------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """The report as plain data (the shape is in the README's "how to read the report")."""
        with self._lock:
            endpoints = {
                name: {
                    "exchanges": seen["exchanges"],
                    "statuses": dict(sorted(seen["statuses"].items())),
                    "upstreamFailures": seen.get("upstreamFailures", 0),
                    "versions": {
                        version: {"parsed": counts.parsed, "failed": counts.failed}
                        for (ep, version), counts in sorted(self._versions.items(), key=_version_order)
                        if ep == name
                    },
                }
                for name, seen in sorted(self._endpoints.items())
            }
            sdk: dict[str, dict[str, Any]] = {v: {"parsed": 0, "failed": 0} for v in published_versions()}
            for (_, version), counts in self._versions.items():
                total = sdk.setdefault(version, {"parsed": 0, "failed": 0})
                total["parsed"] += counts.parsed
                total["failed"] += counts.failed
            sdk = dict(sorted(sdk.items(), key=lambda item: version_key(item[0])))
            for total in sdk.values():
                seen_any = total["parsed"] or total["failed"]
                total["verdict"] = "fails" if total["failed"] else "parses everything" if seen_any else "not seen"
            groups = sorted(self._groups.values(), key=lambda g: (g.endpoint, g.pattern, g.kind))
            violations = [
                {
                    "endpoint": g.endpoint,
                    "pattern": g.pattern,
                    "kind": g.kind,
                    "versions": sorted(g.versions, key=version_key),
                    "count": g.count,
                    "paths": list(g.paths),
                    "more": g.count - len(g.paths),
                }
                for g in groups
            ]
            decisions = []
            for name, decision in self._decisions.items():
                applied = decision.agrees + decision.differs
                verdict = "not seen" if not applied else "differs" if decision.differs else "agrees"
                evidence = [f.to_json() for f in (decision.differing + decision.agreeing)[:EVIDENCE_LIMIT]]
                decisions.append(
                    {
                        "decision": name,
                        "description": DECISIONS.get(name, ""),
                        "verdict": verdict,
                        "applied": applied,
                        "agrees": decision.agrees,
                        "differs": decision.differs,
                        "evidence": evidence,
                    }
                )
            return {
                "exchanges": self._exchanges,
                "endpoints": endpoints,
                "sdkVersions": sdk,
                "violations": violations,
                "violationCount": sum(g.count for g in groups),
                "truncated": [
                    {"endpoint": ep, "version": v, "more": n}
                    for (ep, v), n in sorted(self._truncated.items(), key=_version_order)
                ],
                "decisions": decisions,
                "nonJson": list(self._non_json),
                "upstreamFailures": {"count": self._failure_count, "exchanges": list(self._failures)},
            }

    def to_markdown(self) -> str:
        """The report as a readable Markdown document: SDK versions, violations, decisions."""
        data = self.to_json()
        out = ["# Proxy report", ""]
        statuses = ", ".join(f"{name} {seen['exchanges']}" for name, seen in data["endpoints"].items())
        out += [f"{data['exchanges']} exchanges ({statuses or 'none'}).", ""]
        out += ["## SDK versions", ""]
        out += ["| SDK version | parsed | failed | verdict |", "|---|---:|---:|---|"]
        for version, counts in data["sdkVersions"].items():
            out.append(f"| {version} | {counts['parsed']} | {counts['failed']} | {counts['verdict']} |")
        out.append("")
        if any(seen["versions"] for seen in data["endpoints"].values()):
            out += ["| endpoint | SDK version | parsed | failed |", "|---|---|---:|---:|"]
            for name, seen in data["endpoints"].items():
                for version, counts in seen["versions"].items():
                    out.append(f"| {name} | {version} | {counts['parsed']} | {counts['failed']} |")
        else:
            out.append("No 200 answer of an endpoint with a published contract yet.")
        out.append("")
        out += ["## Violations", ""]
        if not data["violations"]:
            out += ["None: every SDK version parses every answer seen.", ""]
        for group in data["violations"]:
            versions = ", ".join(group["versions"])
            out += [f"### `{group['pattern']}` ({group['endpoint']}, {group['kind']}): breaks SDK {versions}", ""]
            out += ["| capture | path | value | breaks SDK | reason |", "|---|---|---|---|---|"]
            for item in group["paths"]:
                out.append(
                    f"| {_cell(item['capture'])} | `{item['path']}` | {_cell(_json(item['value']))} | "
                    f"{', '.join(item['versions'])} | {_cell(item['reason'])} |"
                )
            if group["more"]:
                out.append(f"| … | {group['more']} more paths of this pattern | | | |")
            out.append("")
        for item in data["truncated"]:
            out.append(f"- {item['endpoint']} {item['version']}: {item['more']} further violations not listed")
        out += ["## Decisions of the mock", ""]
        out += ["| decision | verdict | agrees | differs | evidence |", "|---|---|---:|---:|---|"]
        for decision in data["decisions"]:
            evidence = "; ".join(f"{e['capture']}: {e['evidence']}" for e in decision["evidence"][:3])
            out.append(
                f"| {decision['decision']} | **{decision['verdict']}** | {decision['agrees']} | "
                f"{decision['differs']} | {_cell(evidence)} |"
            )
        out.append("")
        if data["nonJson"]:
            out += ["## Answers that are not JSON", "", "| capture | endpoint | status | content type | excerpt |"]
            out.append("|---|---|---:|---|---|")
            for item in data["nonJson"]:
                out.append(
                    f"| {_cell(item['capture'])} | {item['endpoint']} | {item['status']} | "
                    f"{_cell(str(item['contentType']))} | {_cell(item['excerpt'])} |"
                )
            out.append("")
        failures = data["upstreamFailures"]
        if failures["count"]:
            out += ["## Exchanges the upstream did not answer", ""]
            out += [f"{failures['count']} exchanges got the proxy's own error; they are not judged.", ""]
            out += ["| capture | endpoint | status | error |", "|---|---|---:|---|"]
            for item in failures["exchanges"]:
                out.append(
                    f"| {_cell(item['capture'])} | {item['endpoint']} | {item['status']} | "
                    f"{_cell(str(item['error']))} |"
                )
            out.append("")
        return "\n".join(out)


def published_versions() -> list[str]:
    """Every SDK version with a published contract of some endpoint, oldest first."""
    versions = {v for endpoint in ENDPOINT_PATHS for v in contract_versions(endpoint)}
    return sorted(versions, key=version_key)


def _merge(verdicts: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """One entry per (path, value) of a body, naming every version it breaks and the newest one's reason."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for version, violations in verdicts.items():
        for violation in violations if violations is not None else ():
            key = (violation.path, _json(violation.value))
            item = merged.setdefault(key, {"value": violation.value, "versions": [], "kind": violation.kind})
            item["versions"].append(version)
            item["reason"] = violation.reason
        if violations is None:
            key = ("$", "null")
            item = merged.setdefault(key, {"value": None, "versions": [], "kind": "type"})
            item["versions"].append(version)
            item["reason"] = "a 200 whose body is not JSON: strict parsing fails"
    return merged


def _without_kind(item: dict[str, Any]) -> dict[str, Any]:
    return {"value": item["value"], "versions": list(item["versions"]), "reason": item["reason"]}


def _version_order(item: tuple[tuple[str, str], Any]) -> tuple[str, tuple[int, ...]]:
    (endpoint, version), _ = item
    return endpoint, version_key(version)


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report_from_captures(paths: Iterable[Path]) -> Report:
    """A report of capture files (files, or directories of `*.json`); CaptureError on the first bad file."""
    report = Report()
    for path in capture_files(paths):
        report.add(read_capture(path))
    return report


# -- serving -----------------------------------------------------------------------------------------------------
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def admin_routes(report: Report, *, admin_token: str | None = None) -> list[BaseRoute]:
    """`GET /__admin/proxy/report` (JSON; `?format=markdown`) and its page at `/__admin/proxy/`.

    With `admin_token`, the report needs `Authorization: Bearer <token>` (the page asks for it, as the mock's does).
    """

    def allowed(request: Request) -> bool:
        if admin_token is None:
            return True
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {admin_token}".encode())

    async def report_endpoint(request: Request) -> Response:
        if not allowed(request):
            message = "the admin API needs Authorization: Bearer <token>"
            body = {"reason": message, "message": message, "code": "UNAUTHORIZED", "traceId": "admin"}
            return JSONResponse(body, status_code=401)
        if request.query_params.get("format") == "markdown":
            return PlainTextResponse(report.to_markdown(), media_type="text/markdown; charset=utf-8")
        return Response(orjson.dumps(report.to_json(), default=str), media_type="application/json")

    page = (STATIC_DIR / "proxy.html").read_bytes()

    async def page_endpoint(request: Request) -> Response:
        return Response(page, headers=PAGE_HEADERS, media_type="text/html")

    return [
        Route(REPORT_PATH, report_endpoint, methods=["GET"]),
        Route(PAGE_PATH, page_endpoint, methods=["GET"]),
        Route(PAGE_PATH.rstrip("/"), page_endpoint, methods=["GET"]),
        Mount(PAGE_PATH + "static", app=StaticFiles(directory=STATIC_DIR), name="proxy-static"),
    ]
