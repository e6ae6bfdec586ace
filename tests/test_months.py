from datetime import UTC, date, datetime

import pytest

from taxi_pipeline.core.errors import InvalidParameter
from taxi_pipeline.core.months import (
    Month,
    month_of_interval,
    month_of_run,
    month_range,
    publication_deadline,
)


@pytest.mark.parametrize(
    "text",
    [
        "2024-13",
        "2024-1",
        "2024-00",
        "../../etc",
        "2024-01; drop table x",
        "x" * 10_000,
        "",
        "1999-01",
    ],
)
def test_bad_months_are_rejected_with_a_clear_message(text):
    with pytest.raises(InvalidParameter) as info:
        Month.parse(text)
    message = str(info.value)
    assert "YYYY-MM" in message or "between 01 and 12" in message or "outside" in message
    assert len(message) < 200


def test_month_arithmetic_crosses_year_boundaries():
    assert Month.parse("2023-12").next() == Month(2024, 1)
    assert Month.parse("2024-01").previous() == Month(2023, 12)
    assert [str(m) for m in month_range(Month(2023, 11), Month(2024, 2))] == [
        "2023-11",
        "2023-12",
        "2024-01",
        "2024-02",
    ]


def test_month_comes_from_the_data_interval_not_the_clock():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    end = datetime(2024, 2, 1, tzinfo=UTC)
    assert month_of_interval(start, end) == Month(2024, 1)
    with pytest.raises(InvalidParameter):
        month_of_interval(start, start)  # Airflow 3's zero-length @monthly trigger interval


def test_publication_deadline_counts_from_the_end_of_the_month():
    assert publication_deadline(Month(2024, 1), 75) == date(2024, 4, 16)


def test_a_runs_month_is_decided_one_way_for_the_tasks_and_the_cli():
    jan, feb = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)
    later = datetime(2024, 3, 15, 9, 30, tzinfo=UTC)
    run = dict(month_param=None, interval_start=jan, interval_end=feb, logical_date=later)
    assert month_of_run(run_type="backfill", **run)[0] == Month(2024, 1)
    # A manual run's interval says when it was triggered; its logical date says which month.
    assert month_of_run(run_type="manual", **run)[0] == Month(2024, 3)
    assert month_of_run(run_type="manual", **run | {"month_param": "2023-12"})[0] == Month(2023, 12)
    with pytest.raises(InvalidParameter, match="no month parameter and no logical date"):
        month_of_run(run_type="manual", **run | {"logical_date": None})
