# expect: none
"""Mounted inside /opt/airflow, which the compose file puts on PYTHONPATH."""


def to_cents(amount):
    return round(amount * 100)
