# expect: TP005@8, TP007@9, TP008@10
"""Imported inside the DAG's callable (from the mounted scripts folder), never at parse time."""

import os

from airflow.models import Variable

CATALOG_DSN = os.environ.get("CATALOG_DSN", "host=catalog user=club password=s33d-Catalog")
LIMIT = Variable.get("seed_limit", default_var="100")
SCRATCH = "/tmp/catalog_seed.duckdb"


def seed() -> None:
    print(CATALOG_DSN, LIMIT, SCRATCH)
