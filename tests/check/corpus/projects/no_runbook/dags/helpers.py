# expect: none
"""Not a DAG: helpers need no runbook of their own."""


def month_key(interval_start):
    return interval_start.strftime("%Y-%m")
