# expect: none
"""Shared names of the DAGs in this folder."""

BUCKET_VARIABLE = "taxi_bucket"
