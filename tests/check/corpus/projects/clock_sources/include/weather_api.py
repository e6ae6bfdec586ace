# expect: none
"""Forecast service client: the days it returns are the ones before the call."""

import requests


def fetch_recent_days(city: str) -> dict:
    params = {"city": city, "past_days": 7, "daily": "temperature_max"}
    return requests.get("https://api.example.org/forecast", params=params, timeout=30).json()


def fetch_interval(city: str, start: str, end: str) -> dict:
    params = {"city": city, "start_date": start, "end_date": end}
    return requests.get("https://api.example.org/archive", params=params, timeout=30).json()


def fetch_forecast_day(city: str) -> dict:
    params = {"city": city, "forecast_days": 1, "hourly": "temperature"}
    return requests.get("https://api.example.org/forecast", params=params, timeout=30).json()


def fetch_forecast_of(city: str, day: str) -> dict:
    params = {"city": city, "forecast_days": 1, "start_date": day, "end_date": day}
    return requests.get("https://api.example.org/forecast", params=params, timeout=30).json()
