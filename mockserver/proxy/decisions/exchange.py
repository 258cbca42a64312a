"""`check_decisions`: one exchange checked by the decisions of its endpoint (or of errors)."""

from __future__ import annotations

from mockserver.proxy.capture import Capture
from mockserver.proxy.decisions.errors import check_error
from mockserver.proxy.decisions.findings import Checks, Finding
from mockserver.proxy.decisions.read import ENVELOPES, check_read
from mockserver.proxy.decisions.usages import check_usages


def check_decisions(capture: Capture) -> list[Finding]:
    """Check one exchange against every decision of the mock that applies to it (none when the upstream did not
    answer: the proxy's own 502/504 says nothing of the upstream)."""
    checks = Checks(capture)
    if not capture.answered:
        return checks.findings
    endpoint = capture.endpoint
    if not 200 <= capture.status < 300:
        if endpoint is not None:
            check_error(checks)
        return checks.findings
    if capture.status != 200 or not isinstance(capture.body, dict) or endpoint is None:
        return checks.findings
    params = dict(capture.params)
    if endpoint == "usages.list":
        check_usages(checks, capture.body, params)
    elif endpoint in ENVELOPES:
        check_read(checks, endpoint, capture.body, params)
    return checks.findings
