# expect: none
"""A plugins helper that imports the ingestion code only when its task runs."""

import os
import sys

sys.path.append(os.path.join(os.path.dirname(__file__), "..", "..", "etl"))


def ingest_if_empty(path: str) -> int:
    from ingest_csv import ingest

    return ingest(path)
