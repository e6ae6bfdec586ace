"""Exports of the marts for people outside the warehouse: one month of the monthly summary as CSV.

The example consumer DAG (dags/taxi_monthly_summary_export.py) calls this for each month an asset
event announces; ``export_monthly_summary`` needs nothing from Airflow.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from pathlib import Path

import psycopg
from psycopg import sql

from taxi_pipeline.core import sqlfile
from taxi_pipeline.core.connection import WarehouseConnection
from taxi_pipeline.core.errors import InvalidParameter
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import validate_identifier


@dataclasses.dataclass(frozen=True)
class SummaryExport:
    month: Month
    path: Path
    rows: int


def summary_file_name(month: Month) -> str:
    return f"mart_monthly_summary_{month}.csv"


def export_monthly_summary(
    warehouse_url: str, dbt_schema: str, month: Month, dest_dir: Path
) -> SummaryExport:
    """Write ``month``'s rows of ``<dbt_schema>.mart_monthly_summary`` to a CSV in ``dest_dir``.

    The file appears whole or not at all (written beside it, then renamed), so a reader never
    sees half an export; exporting a month again replaces its file.
    """
    query = sqlfile.statement(
        "exports.sql",
        "monthly_summary",
        schema=sql.Identifier(validate_identifier(dbt_schema, "dbt schema")),
    )
    missing = ""
    with WarehouseConnection.from_url(warehouse_url).connect() as conn, conn.cursor() as cur:
        try:
            cur.execute(query, (month.first_day,))
            header = [column.name for column in cur.description]
            rows = cur.fetchall()
        except psycopg.errors.UndefinedTable:
            missing, rows = " (the table does not exist: dbt has not built this schema)", []
    if not rows:
        raise InvalidParameter(
            f"{dbt_schema}.mart_monthly_summary has no rows for {month}{missing}: load and "
            f"build the month first (taxi-pipeline ingest --month {month}, or a run of the DAG)"
        )
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / summary_file_name(month)
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(partial, path)
    return SummaryExport(month=month, path=path, rows=len(rows))
