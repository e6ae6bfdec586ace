"""The bundled sample months: how many rows each file holds, and what the warehouse holds of each
month after a load."""

from __future__ import annotations

import io
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg import sql

from taxi_pipeline.core.months import Month
from taxi_pipeline.core.schema import GREEN, service_schema
from taxi_pipeline.core.warehouse import Warehouse
from tests.conftest import TLC_SAMPLES

JAN_FILE = "green_tripdata_2024-01.parquet"


def state(url: str) -> dict:
    """The raw layer's state of every green month: rows, checksum, lineage."""
    return {s.source_month: s for s in Warehouse(url, GREEN).month_states()}


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def january_table() -> pa.Table:
    return pq.read_table(TLC_SAMPLES / JAN_FILE)


def lossy_january() -> bytes:
    """January 2024 with a fractional passenger count: a lossy type change in one column."""
    table = january_table()
    index = table.schema.get_field_index("passenger_count")
    values = table.column(index).cast(pa.float64()).to_pylist()
    values[100] = 2.5
    return parquet_bytes(table.set_column(index, "passenger_count", pa.array(values)))


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
