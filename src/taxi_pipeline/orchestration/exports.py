"""The body of the example consumer DAG ``taxi_monthly_summary_export``.

It runs when ``taxi_pipeline`` publishes ``mart_monthly_summary`` for a month, reads which month
(and which schema) from the triggering asset events' extra, and writes that month of the mart to
``<work dir>/exports/mart_monthly_summary_<YYYY-MM>.csv``, one file per month with every service's
rows. The work itself is ``taxi_pipeline.core.exports``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from airflow.sdk import get_current_context

from taxi_pipeline.core.errors import InvalidParameter
from taxi_pipeline.core.months import Month
from taxi_pipeline.orchestration.assets import MonthEvent, triggering_months
from taxi_pipeline.orchestration.namespaces import namespace_named
from taxi_pipeline.orchestration.tasks import task_settings, trigger_hint, warehouse_url

log = logging.getLogger(__name__)


def export_monthly_summary(namespace: str = "") -> dict[str, Any]:
    """Export each month the triggering asset events announce; returns what it wrote."""
    from taxi_pipeline.core.exports import export_monthly_summary as export

    context = get_current_context()
    announced = triggering_months(context.get("triggering_asset_events") or {})
    if not announced:
        producer = namespace_named(namespace).dag_id
        raise InvalidParameter(
            f"this run was not started by an asset event of {producer}, so it has no month to "
            f"export: it runs when {producer} publishes a month; to export a month again, "
            f"{trigger_hint(producer)}"
        )
    # One file per month holds every service's rows: a month announced for two services is
    # exported once.
    by_month: dict[tuple[str, Month], list[MonthEvent]] = {}
    for event in announced:
        by_month.setdefault((event.schema, event.month), []).append(event)
    dest_dir = Path(task_settings(namespace).work_dir) / "exports"
    url = warehouse_url()
    exported = []
    for (schema, month), events in by_month.items():
        services = [event.service for event in events]
        result = export(url, schema, month, dest_dir)
        log.info(
            "%s (%s): %d rows of %s.mart_monthly_summary -> %s",
            month,
            ", ".join(services),
            result.rows,
            schema,
            result.path,
        )
        exported.append(
            {
                "month": str(month),
                "services": services,
                "rows": result.rows,
                "file": str(result.path),
            }
        )
    return {"exports": exported}
