"""mockserver: a deterministic mock of the Scenario.com usage-analytics API (`GET /v1/usages`)."""

__version__ = "0.1.0"
