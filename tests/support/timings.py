"""Figures the end-to-end tests record for the run's summary (tests/conftest.py prints them)."""

TIMINGS: dict[str, str] = {}
