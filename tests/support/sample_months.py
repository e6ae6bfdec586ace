"""The bundled sample months: how many rows each file holds, and what the warehouse holds of each
month after a load."""

from __future__ import annotations

from typing import Any

import psycopg
import pyarrow.parquet as pq
from psycopg import sql

from taxi_pipeline.core.months import Month
from taxi_pipeline.core.schema import service_schema
from taxi_pipeline.core.warehouse import Warehouse
from tests.conftest import TLC_SAMPLES


def file_name(month: Month) -> str:
    return f"green_tripdata_{month}.parquet"


def rows_in_sample(month: Month) -> int:
    return pq.ParquetFile(TLC_SAMPLES / file_name(month)).metadata.num_rows


def month_report(url: str) -> dict[str, dict[str, Any]]:
    """Per loaded month: raw rows and checksum, rows in fct_trips and in the monthly summary."""
    states = Warehouse(url, service_schema("green"), "raw").month_states()
    with psycopg.connect(url) as conn:
        facts = dict(
            conn.execute(
                "select to_char(source_month, 'YYYY-MM'), count(*) from analytics.fct_trips "
                "group by 1"
            ).fetchall()
        )
        summary = dict(
            conn.execute(
                "select to_char(source_month, 'YYYY-MM'), sum(trips)::bigint "
                "from analytics.mart_monthly_summary group by 1"
            ).fetchall()
        )
    return {
        s.source_month: {
            "rows": s.rows_loaded,
            "rows_in_file": s.rows_in_file,
            "checksum": s.checksum,
            "fct_trips": facts.get(s.source_month),
            "summary_trips": summary.get(s.source_month),
        }
        for s in states
    }


def marts_digest(url: str, schema: str = "analytics") -> dict[str, str]:
    """A checksum of each mart's whole content, independent of row order and of how it was built."""
    query = sql.SQL(
        "select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {}.{} t"
    )
    with psycopg.connect(url) as conn:
        return {
            table: conn.execute(
                query.format(sql.Identifier(schema), sql.Identifier(table))
            ).fetchone()[0]
            for table in ("fct_trips", "mart_monthly_summary")
        }
