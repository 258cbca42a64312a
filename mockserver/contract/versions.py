"""Where the reference contracts live (one `usages-<version>.json` per SDK version), and loading them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

CONTRACTS_DIR_ENV = "MOCKSERVER_CONTRACTS_DIR"
"""Environment variable that overrides the contracts directory."""

LATEST_VERSION = "2.4.0"
"""The contract version the models in this package implement."""


def contracts_dir() -> Path:
    """Return the contracts directory: `$MOCKSERVER_CONTRACTS_DIR`, else the copies shipped in this package."""
    override = os.environ.get(CONTRACTS_DIR_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parent / "published"


def reference_dir() -> Path:
    """The project's reference material beside a source checkout (`../shared/reference/contracts`)."""
    return Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "contracts"


def version_key(version: str) -> tuple[int, ...]:
    """Return a sort key for a dotted version (`"2.10.0"` sorts after `"2.9.0"`); `ValueError` if not dotted digits."""
    return tuple(int(part) for part in version.split("."))


def available_versions() -> list[str]:
    """List the contract versions present in `contracts_dir()`, oldest first."""
    versions = [path.stem.removeprefix("usages-") for path in contracts_dir().glob("usages-*.json")]
    return sorted((v for v in versions if all(p.isdigit() for p in v.split("."))), key=version_key)


def load_contract(version: str = LATEST_VERSION) -> dict[str, Any]:
    """Load one reference contract: `method`, `path`, `query`, `response_200`, `sdk`, `sdk_version`."""
    path = contracts_dir() / f"usages-{version}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"no contract {version!r} at {path} (available: {available_versions() or 'none'}; "
            f"set {CONTRACTS_DIR_ENV} to point elsewhere)"
        )
    contract: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return contract
