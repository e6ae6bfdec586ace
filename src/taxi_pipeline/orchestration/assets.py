"""The Airflow assets the pipeline publishes, the one place that names them.

Each successful month publishes one asset event per thing it produced, so that other DAGs can be
scheduled on them (``schedule=[MonthAssets(Namespace()).monthly_summary]``):

- ``taxi_pipeline/raw_trips`` when ``ingest_taxi_month`` has swapped the month into its raw table;
- ``taxi_pipeline/fct_trips`` and ``taxi_pipeline/mart_monthly_summary`` when ``dbt_test`` has
  passed for the month the run built.

A run whose load of a month was superseded by a newer load before its tests ran still publishes
(its extra names its own load); the consumer takes the latest load of each month it is told about.

One asset covers every TLC service: which service and month an event is about, and where its rows
are, is in the event's extra (``MonthEvent``). A namespace's assets carry its DAG id as the
prefix (``alice__taxi_pipeline/fct_trips``), as its schemas are its own.

Nothing heavy is imported here: the DAG files read it at every parse.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset

from taxi_pipeline.core.errors import InvalidParameter
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import validate_identifier
from taxi_pipeline.orchestration.namespaces import Namespace

if TYPE_CHECKING:
    from taxi_pipeline.core.pipeline import LoadedMonth

RAW_TRIPS = "raw_trips"
FCT_TRIPS = "fct_trips"
MONTHLY_SUMMARY = "mart_monthly_summary"


@dataclasses.dataclass(frozen=True)
class MonthAssets:
    """The assets one namespace's DAG publishes."""

    namespace: Namespace

    def _asset(self, product: str) -> Asset:
        return Asset(name=f"{self.namespace.dag_id}/{product}", group="taxi_pipeline")

    @property
    def raw_trips(self) -> Asset:
        return self._asset(RAW_TRIPS)

    @property
    def fct_trips(self) -> Asset:
        return self._asset(FCT_TRIPS)

    @property
    def monthly_summary(self) -> Asset:
        return self._asset(MONTHLY_SUMMARY)

    @property
    def marts(self) -> list[Asset]:
        return [self.fct_trips, self.monthly_summary]

    def all(self) -> list[Asset]:
        return [self.raw_trips, *self.marts]


@dataclasses.dataclass(frozen=True)
class MonthEvent:
    """What an asset event of the pipeline carries in its extra: no secret, JSON only."""

    service: str
    month: Month
    load_id: int
    schema: str
    table: str

    def as_extra(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "month": str(self.month),
            "load_id": self.load_id,
            "schema": self.schema,
            "table": self.table,
        }

    @classmethod
    def from_extra(cls, extra: Mapping[str, Any] | None) -> MonthEvent:
        extra = extra or {}
        missing = [key for key in ("service", "month", "schema") if not extra.get(key)]
        if missing:
            raise InvalidParameter(
                f"the asset event's extra lacks {', '.join(missing)} ({dict(extra)!r}): this run "
                f"was not triggered by a month of taxi_pipeline; trigger it from one (or re-run "
                f"the month's taxi_pipeline run)"
            )
        return cls(
            service=str(extra["service"]),
            month=Month.parse(str(extra["month"])),
            load_id=int(extra.get("load_id") or 0),
            schema=validate_identifier(str(extra["schema"])),
            table=str(extra.get("table") or ""),
        )


def publish_month(context: Mapping[str, Any], loaded: LoadedMonth, schema: str) -> None:
    """Put ``loaded``'s month in the extra of the event of every asset the running task declares
    as an outlet; Airflow records the events when the task succeeds."""
    from taxi_pipeline.core.schema import service_schema

    events = context["outlet_events"]
    for asset in context["task"].outlets:
        product = asset.name.rsplit("/", 1)[-1]
        table = service_schema(loaded.service).raw_table if product == RAW_TRIPS else product
        event = MonthEvent(loaded.service, loaded.month, loaded.load_id, schema, table)
        events[asset].extra = event.as_extra()


def triggering_months(triggering_events: Mapping[Any, Iterable[Any]]) -> list[MonthEvent]:
    """The months the events that triggered a run announce, each once (the latest load's event),
    oldest month first: the scheduler may fold several events into one run."""
    latest: dict[tuple[str, Month], MonthEvent] = {}
    for events in triggering_events.values():
        for event in events:
            month = MonthEvent.from_extra(getattr(event, "extra", None))
            key = (month.service, month.month)
            if key not in latest or month.load_id > latest[key].load_id:
                latest[key] = month
    return [latest[key] for key in sorted(latest, key=lambda k: (k[1], k[0]))]
