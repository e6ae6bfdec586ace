# expect: none
import datetime

import requests


def fetch_reports(first_day="2021-01-01", last_day=None):
    if last_day is None:
        last_day = datetime.date.today()
    day = datetime.date.fromisoformat(first_day)
    while day <= last_day:
        requests.get(f"https://example.org/reports/{day:%Y-%m-%d}.csv", timeout=30)
        day += datetime.timedelta(days=1)


def log_timing(job, start_time=None, end_time=None):
    print(job, end_time - start_time)
