"""The raw load against a real PostgreSQL, on the real TLC files."""

from __future__ import annotations

import dataclasses
import io
import os
import signal
import subprocess
import sys
import threading
import time

import psycopg
import pyarrow.parquet as pq
import pytest

from taxi_pipeline.core.errors import (
    CorruptFile,
    MonthNotAvailable,
    SchemaMismatch,
    SourceUnavailable,
)
from taxi_pipeline.core.month_stream import slice_file
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import ingest_month
from taxi_pipeline.core.schema import GREEN
from taxi_pipeline.core.warehouse import Warehouse
from tests.conftest import REPO, SAMPLE_MONTHS, TLC_SAMPLES
from tests.support.sample_months import (
    JAN_FILE,
    january_table,
    lossy_january,
    parquet_bytes,
    rows_in_sample,
    state,
)
from tests.support.tlc_server import Fault

JAN, DEC = Month(2024, 1), Month(2023, 12)


def test_every_row_of_every_real_month_is_loaded(settings, warehouse_url):
    for month in SAMPLE_MONTHS:
        result = ingest_month(settings, month, warehouse_url)
        assert result.rows_in_file == result.rows_loaded == rows_in_sample(month)
    loaded = state(warehouse_url)
    for month in SAMPLE_MONTHS:
        month_state = loaded[str(month)]
        assert month_state.rows_loaded == rows_in_sample(month)
        assert sum(month_state.pickup_months.values()) == rows_in_sample(month)
    # Spillover rows are kept and counted where their pickup falls, not dropped.
    assert loaded["2024-01"].pickup_months == {"2023-12": 2, "2024-01": 56549}


def test_reloading_in_any_order_changes_nothing(settings, warehouse_url):
    ingest_month(settings, JAN, warehouse_url)
    ingest_month(settings, DEC, warehouse_url)
    first = state(warehouse_url)
    ingest_month(settings, JAN, warehouse_url)
    ingest_month(settings, DEC, warehouse_url)
    ingest_month(settings, JAN, warehouse_url)
    second = state(warehouse_url)
    for month in ("2023-12", "2024-01"):
        assert second[month].pickup_months == first[month].pickup_months
        assert second[month].checksum == first[month].checksum
        assert second[month].rows_loaded == first[month].rows_loaded
    # The classic DELETE-by-pickup-month approach grows December here; this must not.
    december_pickups = sum(s.pickup_months.get("2023-12", 0) for s in second.values())
    assert december_pickups == 64211 + 2


def test_every_load_is_recorded_with_its_lineage(settings, warehouse_url):
    ingest_month(settings, JAN, warehouse_url)
    ingest_month(settings, JAN, warehouse_url)
    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute(
            "select source_url, file_sha256, rows_in_file, rows_loaded, finished_at >= started_at "
            "from raw.load_log order by load_id"
        ).fetchall()
    assert len(rows) == 2
    for url, sha, in_file, loaded, ordered in rows:
        assert url.endswith(JAN_FILE) and len(sha) == 64
        assert in_file == loaded == rows_in_sample(JAN) and ordered


def test_months_load_in_parallel_without_deadlock(settings, warehouse_url):
    errors = []

    def load(month):
        try:
            ingest_month(settings, month, warehouse_url)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(m,)) for m in SAMPLE_MONTHS * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert {m: s.rows_loaded for m, s in state(warehouse_url).items()} == {
        str(m): rows_in_sample(m) for m in SAMPLE_MONTHS
    }


BAD_INPUTS = {
    "http 403": ([Fault(status=403)], MonthNotAvailable, "HTTP 403"),
    "http 404": ([Fault(status=404)], MonthNotAvailable, "HTTP 404"),
    "http 500": ([Fault(status=500)], SourceUnavailable, "HTTP 500"),
    "timeout": ([Fault(delay_s=8.0)], SourceUnavailable, "timed out"),
    "html body": ([Fault(body=b"<html><body>Moved</body></html>")], CorruptFile, "HTML page"),
    "truncated": (None, CorruptFile, "truncated parquet file"),
    "lossy type": (None, SchemaMismatch, "'passenger_count'"),
    "missing column": (None, SchemaMismatch, "required column 'trip_type' is missing"),
    "zero rows": (None, CorruptFile, "a parquet file with no rows"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_its_error_and_changes_nothing(case, settings, warehouse_url, tlc):
    ingest_month(settings, JAN, warehouse_url)
    before = state(warehouse_url)
    faults, error, message = BAD_INPUTS[case]
    if case == "truncated":
        faults = [Fault(body=(TLC_SAMPLES / JAN_FILE).read_bytes()[:300_000])]
    elif case == "lossy type":
        faults = [Fault(body=lossy_january())]
    elif case == "missing column":
        faults = [Fault(body=parquet_bytes(january_table().drop_columns(["trip_type"])))]
    elif case == "zero rows":
        faults = [Fault(body=parquet_bytes(january_table().slice(0, 0)))]
    tlc.script(JAN_FILE, *faults)
    with pytest.raises(error, match=message):
        ingest_month(settings, JAN, warehouse_url)
    assert state(warehouse_url) == before
    with psycopg.connect(warehouse_url) as conn:
        assert conn.execute("select count(*) from raw.load_log").fetchone()[0] == 1
    if case == "http 500":
        # A transient fault: the next try loads the month, exactly.
        ingest_month(settings, JAN, warehouse_url)
        assert state(warehouse_url)["2024-01"].checksum == before["2024-01"].checksum


def test_readers_never_see_a_mixed_or_empty_month(settings, warehouse_url, tlc):
    ingest_month(settings, JAN, warehouse_url)
    shorter = january_table().slice(0, 50_000)
    seen: set[int] = set()
    stop = threading.Event()

    def read():
        with psycopg.connect(warehouse_url, autocommit=True) as conn:
            while not stop.is_set():
                seen.add(
                    conn.execute(
                        "select count(*) from raw.green_trips where source_month = '2024-01-01'"
                    ).fetchone()[0]
                )

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(3):
            tlc.script(JAN_FILE, Fault(body=parquet_bytes(shorter)))
            ingest_month(settings, JAN, warehouse_url)
            ingest_month(settings, JAN, warehouse_url)
    finally:
        stop.set()
        reader.join()
    assert seen and seen <= {50_000, rows_in_sample(JAN)}


_KILLED_LOADER = """
import sys, time
import taxi_pipeline.core.month_stream as month_stream
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import ingest_month
from taxi_pipeline.core.settings import Settings

month_stream._BATCH_ROWS = 2_000
def progress(done, total):
    if done >= 20_000:
        print("COPYING", flush=True)
        time.sleep(120)
settings = Settings(tlc_base_url=sys.argv[1], state_dir=sys.argv[2])
ingest_month(settings, Month(2024, 1), sys.argv[3], progress=progress)
"""


def test_killing_the_loader_mid_copy_keeps_the_previous_month(settings, warehouse_url, tlc):
    ingest_month(settings, JAN, warehouse_url)
    before = state(warehouse_url)
    tlc.script(JAN_FILE, Fault(body=parquet_bytes(january_table().slice(0, 40_000))))
    loader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _KILLED_LOADER,
            tlc.base_url,
            str(settings.state_dir),
            warehouse_url,
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert loader.stdout.readline().strip() == "COPYING"
        with psycopg.connect(warehouse_url) as conn:
            active_copies = conn.execute(
                "select count(*) from pg_stat_activity where query ilike 'copy%'"
            ).fetchone()[0]
        assert active_copies == 1
        os.kill(loader.pid, signal.SIGKILL)
    finally:
        loader.kill()
        loader.wait()
    assert state(warehouse_url) == before
    # The next load is not blocked by the dead one's lock or leftovers, and is exact.
    deadline = time.monotonic() + 30
    while True:
        try:
            ingest_month(settings, JAN, warehouse_url)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    assert state(warehouse_url)["2024-01"].checksum == before["2024-01"].checksum


def _jan_in_row_groups(rows_per_group: int) -> bytes:
    sink = io.BytesIO()
    pq.write_table(january_table(), sink, row_group_size=rows_per_group)
    return sink.getvalue()


def _leaves(url: str, month: Month) -> list[str]:
    partition = Warehouse(url, GREEN).partition_name(month)
    with psycopg.connect(url) as conn:
        return [
            name
            for (name,) in conn.execute(
                "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid "
                "where i.inhparent = %s::regclass order by 1",
                (f"raw.{partition}",),
            )
        ]


def _staging_tables(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select count(*) from pg_tables where tablename like '%\\_\\_incoming'"
        ).fetchone()[0]


@pytest.mark.parametrize("streams", [2, 3, 16])
def test_parallel_copy_streams_load_exactly_what_one_stream_loads(
    streams, settings, warehouse_url, tlc
):
    tlc.script(JAN_FILE, Fault(body=_jan_in_row_groups(7_000)))
    one = ingest_month(dataclasses.replace(settings, copy_streams=1), JAN, warehouse_url)
    single = state(warehouse_url)["2024-01"]
    assert len(_leaves(warehouse_url, JAN)) == 1

    tlc.script(JAN_FILE, Fault(body=_jan_in_row_groups(7_000)))
    parallel = ingest_month(dataclasses.replace(settings, copy_streams=streams), JAN, warehouse_url)
    after = state(warehouse_url)["2024-01"]
    # 56,551 rows in 9 row groups: one slice per stream, at most one per row group.
    assert len(_leaves(warehouse_url, JAN)) == min(streams, 9)
    assert parallel.rows_loaded == one.rows_loaded == 56_551
    assert parallel.pickup_months == one.pickup_months == {"2023-12": 2, "2024-01": 56_549}
    assert (after.rows_loaded, after.checksum) == (single.rows_loaded, single.checksum)
    with psycopg.connect(warehouse_url) as conn:
        positions = conn.execute(
            "select min(source_row), max(source_row), count(distinct source_row), "
            "count(*) filter (where source_month <> '2024-01-01') from raw.green_trips"
        ).fetchone()
    assert positions == (0, 56_550, 56_551, 0)
    assert _staging_tables(warehouse_url) == 0
    # Every leaf is analysed before the swap, so the planner has statistics at once.
    with psycopg.connect(warehouse_url) as conn:
        analysed = conn.execute(
            "select count(distinct tablename) from pg_stats "
            "where schemaname = 'raw' and attname = 'pulocationid' and tablename = any(%s)",
            (_leaves(warehouse_url, JAN),),
        ).fetchone()[0]
    assert analysed == min(streams, 9)


def test_a_damaged_row_group_in_a_late_slice_replaces_nothing(settings, warehouse_url, tlc):
    ingest_month(settings, JAN, warehouse_url)
    before = state(warehouse_url)
    data = bytearray(_jan_in_row_groups(7_000))
    metadata = pq.ParquetFile(io.BytesIO(bytes(data))).metadata
    last = metadata.row_group(metadata.num_row_groups - 1)
    # trip_distance needs no cast, so only the COPY stream of the last slice decodes it.
    chunk = next(
        last.column(i)
        for i in range(last.num_columns)
        if last.column(i).path_in_schema == "trip_distance"
    )
    data[chunk.data_page_offset : chunk.data_page_offset + 32] = b"\xff" * 32
    tlc.script(JAN_FILE, Fault(body=bytes(data)))

    with pytest.raises(CorruptFile) as info:
        ingest_month(settings, JAN, warehouse_url)
    assert f"row group {metadata.num_row_groups - 1}" in str(info.value)
    assert "the file is damaged" in str(info.value)
    assert state(warehouse_url) == before
    assert _staging_tables(warehouse_url) == 0


def test_slices_split_row_groups_in_order_by_rows():
    def slices(group_rows: list[int], streams: int) -> list[tuple]:
        sink = io.BytesIO()
        table = january_table().slice(0, sum(group_rows))
        with pq.ParquetWriter(sink, table.schema) as writer:
            start = 0
            for rows in group_rows:
                writer.write_table(table.slice(start, rows), row_group_size=rows)
                start += rows
        metadata = pq.ParquetFile(io.BytesIO(sink.getvalue())).metadata
        return [
            (part.row_groups, part.first_row, part.end_row)
            for part in slice_file(metadata, streams)
        ]

    assert slices([100] * 4, 2) == [((0, 1), 0, 200), ((2, 3), 200, 400)]
    assert slices([100] * 4, 1) == [((0, 1, 2, 3), 0, 400)]
    assert slices([100, 100], 5) == [((0,), 0, 100), ((1,), 100, 200)]
    # A small first group cannot take a slice of its own from a big one.
    assert slices([10, 1_000], 3) == [((0, 1), 0, 1_010)]
    assert slices([1_000, 10, 10], 2) == [((0,), 0, 1_000), ((1, 2), 1_000, 1_020)]
