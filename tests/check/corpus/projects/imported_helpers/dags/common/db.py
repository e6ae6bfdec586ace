# expect: none
"""Connection settings shared by the DAGs; reached through their imports, not checked alone."""

import os

WAREHOUSE_URL = os.getenv("WAREHOUSE_URL", "postgresql://etl:hunter22@db:5432/dw")


def warehouse_password():
    return os.getenv("WAREHOUSE_PASSWORD", "s3cretpw")
