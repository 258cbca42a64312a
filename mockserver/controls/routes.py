"""The API's endpoints as fault rules and journal queries name them: normalised paths, path templates such as
`/jobs/{id}`, and SDK call names such as `jobs.retrieve` (`usages.list` for `/usages`)."""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.contract.endpoints import ENDPOINT_NAMES, ENDPOINT_PATHS, EndpointName

# The table of endpoints is the contract's (`mockserver.contract.endpoints`); its names stay importable from here too,
# beside the matching that uses them.
__all__ = [
    "ENDPOINT_NAMES",
    "ENDPOINT_PATHS",
    "EndpointName",
    "PathPattern",
    "check_endpoint_name",
    "endpoint",
    "endpoint_name",
]


def endpoint(path: str) -> str:
    """The endpoint a path names: `/v1/usages`, `/v1/usages/`, `/usages` and `/usages/` are all `/usages`."""
    if path.startswith("/v1/") or path == "/v1":
        path = path[3:]
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path or "/"


def _is_parameter(segment: str) -> bool:
    return len(segment) > 2 and segment.startswith("{") and segment.endswith("}")


@dataclass(frozen=True, slots=True)
class PathPattern:
    """An endpoint path, exact (`/v1/jobs/job_abc`) or a template whose `{name}` segments match any one segment."""

    segments: tuple[str | None, ...]  # None: a path parameter

    @classmethod
    def of(cls, path: str) -> PathPattern:
        return cls(tuple(None if _is_parameter(s) else s for s in endpoint(path).split("/")))

    @property
    def is_template(self) -> bool:
        return None in self.segments

    def matches(self, path: str) -> bool:
        """True if `path` (normalised with `endpoint`) is this endpoint; a parameter matches a non-empty segment."""
        parts = endpoint(path).split("/")
        if len(parts) != len(self.segments):
            return False
        return all(
            part == want if want is not None else part != "" for part, want in zip(parts, self.segments, strict=True)
        )


_PATTERNS = tuple((name, PathPattern.of(template)) for name, template in ENDPOINT_PATHS.items())


def endpoint_name(path: str) -> str | None:
    """The SDK call a path is (`/v1/jobs/job_abc` and `/jobs/job_abc` are `jobs.retrieve`), or None."""
    for name, pattern in _PATTERNS:
        if pattern.matches(path):
            return name
    return None


def check_endpoint_name(name: str) -> str:
    """`name` if it is a known endpoint name; ValueError listing the known ones otherwise."""
    if name not in ENDPOINT_NAMES:
        raise ValueError(f"unknown endpoint {name!r}; known: {', '.join(ENDPOINT_NAMES)}")
    return name
