# expect: none
"""Replaces the run's day of ticks, then copies the files captured by this run."""

import psycopg2


def load_ticks(keys: list[str], day: str) -> None:
    conn = psycopg2.connect(host="warehouse", dbname="markets")
    with conn, conn.cursor() as cur:
        cur.execute("DELETE FROM ticks WHERE capture_date = %s", (day,))
        for key in keys:
            cur.execute(f"COPY ticks FROM 's3://captures/{key}' IAM_ROLE default FORMAT PARQUET")
