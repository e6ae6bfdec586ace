# expect: none
"""A module beside the DAG that imports from the folder the DAG file adds later."""

from fetch_rates import fetch_rates


def run_rates():
    return fetch_rates()
