"""The decision checked on an error answer: the API's error body (and a 429's `remainingSeconds` and Retry-After)."""

from __future__ import annotations

from mockserver.proxy.decisions.body import as_number
from mockserver.proxy.decisions.findings import Checks


def check_error(checks: Checks) -> None:
    capture = checks.capture
    body = capture.body
    if capture.text is not None or not isinstance(body, dict):
        excerpt = (capture.text or "")[:80]
        checks.add("error-body", [f"status {capture.status} with a body that is not a JSON object: {excerpt!r}"], "")
        return
    problems = [
        f"`{key}` is {body.get(key)!r}, not a string"
        for key in ("reason", "message", "code", "traceId")
        if not isinstance(body.get(key), str)
    ]
    if (
        isinstance(body.get("reason"), str)
        and isinstance(body.get("message"), str)
        and body["reason"] != body["message"]
    ):
        problems.append("`message` is not the text of `reason`")
    if capture.status == 429:
        if as_number(body.get("remainingSeconds")) is None or isinstance(body.get("remainingSeconds"), str):
            problems.append(f"429 without a numeric `remainingSeconds` (found {body.get('remainingSeconds')!r})")
        if "retry-after" not in capture.response_headers:
            problems.append("429 without a Retry-After header")
    checks.add("error-body", problems, f"status {capture.status}: code {body.get('code')!r}, reason, message, traceId")
