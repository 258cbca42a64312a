"""Holding the mock against a real API: the validating proxy, its captures and report, and scenarios from captures."""
