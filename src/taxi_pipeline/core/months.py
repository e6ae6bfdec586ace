"""Months as the pipeline's unit of work: parsing, validation and data-interval arithmetic.

Nothing here reads the clock: the month a run processes comes from its data interval or from an
explicit parameter, so a retry or a backfill of the same run always reads the same month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from taxi_pipeline.core.errors import InvalidParameter

_MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")

# The oldest month TLC publishes as parquet (yellow since 2009; green since 2013-08).
FIRST_TLC_MONTH = (2009, 1)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise InvalidParameter(f"month must be between 01 and 12, got {self.month:02d}")
        if (self.year, self.month) < FIRST_TLC_MONTH or self.year > 9998:
            raise InvalidParameter(
                f"{self.year:04d}-{self.month:02d} is outside the TLC record "
                f"(which starts {FIRST_TLC_MONTH[0]}-{FIRST_TLC_MONTH[1]:02d})"
            )

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM`` strictly; anything else is a clear ``InvalidParameter``."""
        if not isinstance(text, str):
            raise InvalidParameter(f"month must be a YYYY-MM string, got {type(text).__name__}")
        match = _MONTH_PATTERN.fullmatch(text.strip())
        if not match:
            shown = text if len(text) <= 40 else text[:40] + "..."
            raise InvalidParameter(f"month must look like YYYY-MM (e.g. 2024-01), got {shown!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, moment: date | datetime) -> Month:
        return cls(moment.year, moment.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_range(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last`` inclusive."""
    if last < first:
        raise InvalidParameter(f"range ends ({last}) before it starts ({first})")
    months = [first]
    while months[-1] < last:
        months.append(months[-1].next())
    return months


def month_of_interval(start: datetime, end: datetime) -> Month:
    """The month a data interval [start, end) covers; it must be exactly one calendar month."""
    month = Month.of(start)
    if start.day != 1 or (start.hour, start.minute, start.second) != (0, 0, 0):
        raise InvalidParameter(f"data interval starts at {start}, not at the start of a month")
    if Month.of(end) != month.next() or end.day != 1:
        raise InvalidParameter(f"data interval {start} .. {end} is not one calendar month")
    return month


def month_of_run(
    *,
    month_param: str | None,
    run_type: str | None,
    interval_start: datetime | None,
    interval_end: datetime | None,
    logical_date: datetime | None,
) -> tuple[Month, str]:
    """The month a DAG run processes, and what decided it.

    The ``month`` param first; scheduled and backfill runs then cover their data interval. A
    manual run's data interval is inferred from when it was triggered, not from its logical date,
    so it uses the month of its logical date instead, and a manual run with neither fails.
    """
    if month_param:
        return Month.parse(month_param), "the run's month parameter"
    if run_type in ("scheduled", "backfill") and interval_start and interval_end:
        month = month_of_interval(interval_start, interval_end)
        return month, f"the data interval {interval_start} .. {interval_end}"
    if logical_date is None:
        raise InvalidParameter(
            f"this {run_type or 'manual'} run has no month parameter and no logical date"
        )
    return Month.of(logical_date), f"the logical date {logical_date} of this {run_type} run"


def publication_deadline(month: Month, grace_days: int) -> date:
    """The day by which TLC should have published ``month``: its end plus a grace period."""
    return month.next().first_day + timedelta(days=grace_days)
