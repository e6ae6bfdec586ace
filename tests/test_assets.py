"""The pipeline's Airflow assets (taxi_pipeline.orchestration.assets): their names, what each
event's extra carries, and how the consumer reads the months back from the events."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from taxi_pipeline.core.errors import InvalidParameter
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import DEFAULT_SERVICE
from taxi_pipeline.core.pipeline import LoadedMonth
from taxi_pipeline.orchestration.assets import (
    MonthAssets,
    MonthEvent,
    publish_month,
    triggering_months,
)
from taxi_pipeline.orchestration.namespaces import Namespace

JAN = Month(2024, 1)


def test_asset_names_are_the_producing_dag_and_what_it_made():
    plain, alice = MonthAssets(Namespace()), MonthAssets(Namespace("alice"))
    assert [a.name for a in plain.all()] == [
        "taxi_pipeline/raw_trips",
        "taxi_pipeline/fct_trips",
        "taxi_pipeline/mart_monthly_summary",
    ]
    assert [a.name for a in alice.all()] == [
        "alice__taxi_pipeline/raw_trips",
        "alice__taxi_pipeline/fct_trips",
        "alice__taxi_pipeline/mart_monthly_summary",
    ]
    # An asset is known by name and URI alike: the same string, so either finds it.
    assert all(a.uri == a.name for a in (*plain.all(), *alice.all()))


class _Events(dict):
    """Airflow's outlet_events: an accessor per asset, created on first use."""

    def __missing__(self, asset):
        self[asset] = SimpleNamespace(extra={})
        return self[asset]


def _publish(outlets, loaded: LoadedMonth, schema: str) -> dict[str, dict]:
    events = _Events()
    context = {"task": SimpleNamespace(outlets=outlets), "outlet_events": events}
    publish_month(context, loaded, schema=schema)
    return {asset.name: accessor.extra for asset, accessor in events.items()}


def test_each_outlet_gets_the_month_service_load_and_its_own_table():
    assets = MonthAssets(Namespace())
    loaded = LoadedMonth(JAN, DEFAULT_SERVICE, "raw", 7)
    month = {"service": DEFAULT_SERVICE, "month": "2024-01", "load_id": 7}
    assert _publish([assets.raw_trips], loaded, "raw") == {
        "taxi_pipeline/raw_trips": {**month, "schema": "raw", "table": f"{DEFAULT_SERVICE}_trips"}
    }
    assert _publish(assets.marts, loaded, "analytics") == {
        "taxi_pipeline/fct_trips": {**month, "schema": "analytics", "table": "fct_trips"},
        "taxi_pipeline/mart_monthly_summary": {
            **month,
            "schema": "analytics",
            "table": "mart_monthly_summary",
        },
    }


def test_a_task_without_outlets_publishes_nothing():
    assert _publish([], LoadedMonth(JAN, DEFAULT_SERVICE, "raw", 7), "raw") == {}


def _event(month: str, load_id: int, service: str = DEFAULT_SERVICE, schema: str = "analytics"):
    extra = MonthEvent(service, Month.parse(month), load_id, schema, "mart_monthly_summary")
    return SimpleNamespace(extra=extra.as_extra())


def test_the_consumer_reads_each_month_once_from_the_latest_load_oldest_first():
    asset = MonthAssets(Namespace()).monthly_summary
    events = {asset: [_event("2024-01", 3), _event("2023-12", 2), _event("2024-01", 5)]}
    months = triggering_months(events)
    assert [(str(m.month), m.load_id, m.schema) for m in months] == [
        ("2023-12", 2, "analytics"),
        ("2024-01", 5, "analytics"),
    ]
    assert triggering_months({}) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "lacks service, month, schema"),
        ({"service": "green", "month": "2024-01"}, "lacks schema"),
        ({"service": "green", "month": "2024-1", "schema": "analytics"}, "YYYY-MM"),
        (
            {"service": "green", "month": "2024-01", "schema": "analytics; drop table x"},
            "invalid schema name",
        ),
    ],
)
def test_an_event_from_elsewhere_is_refused_saying_what_is_missing(extra, message):
    with pytest.raises(InvalidParameter, match=message):
        triggering_months({"asset": [SimpleNamespace(extra=extra)]})
