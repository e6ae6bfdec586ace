# expect: none
"""Shared settings: the day handled is fixed when the module is imported."""

from datetime import date, timedelta

today = date.today()
report_day = today - timedelta(days=1)
keep_days = 14
export_root = "exports"
