"""Fuzz-style hostile input: every mutation ends in a clear error or a correct load, never a
traceback, a hang or a changed warehouse."""

from __future__ import annotations

import io
import random

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from taxi_pipeline.core.errors import InvalidParameter, PipelineError
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import validate_identifier
from taxi_pipeline.core.pipeline import ingest_month
from taxi_pipeline.core.settings import Settings
from taxi_pipeline.core.warehouse import Warehouse
from tests.conftest import TLC_SAMPLES
from tests.support.sample_months import JAN_FILE, state
from tests.support.tlc_server import Fault

JAN = Month(2024, 1)
SEED = 20241
ORIGINAL = (TLC_SAMPLES / JAN_FILE).read_bytes()


def _write(table: pa.Table, **kwargs) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **kwargs)
    return sink.getvalue()


def _small_table() -> pa.Table:
    return pq.read_table(TLC_SAMPLES / JAN_FILE).slice(0, 3_000)


def _mutations() -> dict[str, bytes]:
    rng = random.Random(SEED)
    small = _write(_small_table())
    cases: dict[str, bytes] = {}
    for _ in range(12):
        cut = rng.randrange(1, len(small))
        cases[f"truncated-at-{cut}"] = small[:cut]
    for i in range(12):
        data = bytearray(small)
        for _ in range(rng.randrange(1, 20)):
            position = rng.randrange(4, len(data) - 4)
            data[position] ^= 1 << rng.randrange(8)
        cases[f"flipped-bytes-{i}"] = bytes(data)
    cases["wrong-magic"] = b"PAR2" + small[4:]
    cases["wrong-tail-magic"] = small[:-4] + b"PAR0"
    cases["zero-rows"] = _write(_small_table().slice(0, 0))
    cases["ten-thousand-row-groups"] = _write(_small_table(), row_group_size=1)
    table = _small_table()
    cases["renamed-column"] = _write(
        table.rename_columns(["vendor_id" if n == "VendorID" else n for n in table.column_names])
    )
    index = table.schema.get_field_index("trip_distance")
    cases["retyped-to-string"] = _write(
        table.set_column(index, "trip_distance", pc.cast(table.column(index), pa.string()))
    )
    index = table.schema.get_field_index("lpep_pickup_datetime")
    cases["timestamps-as-strings"] = _write(
        table.set_column(index, "lpep_pickup_datetime", pc.cast(table.column(index), pa.string()))
    )
    index = table.schema.get_field_index("passenger_count")
    cases["overflowing-int"] = _write(
        table.set_column(index, "passenger_count", pa.array([2**40] * table.num_rows))
    )
    cases["random-garbage"] = bytes(rng.randrange(256) for _ in range(4096))
    return cases


MUTATIONS = _mutations()


@pytest.fixture(scope="module")
def baseline(embedded_pg, tmp_path_factory, tlc_mirror):
    """One database with January loaded, shared by all cases (each must leave it unchanged)."""
    import psycopg

    name = "hostile"
    with psycopg.connect(embedded_pg.url("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    url = embedded_pg.url(name)
    settings = Settings(
        tlc_base_url=tlc_mirror.base_url,
        state_dir=tmp_path_factory.mktemp("hostile"),
        download_timeout_s=5.0,
    )
    ingest_month(settings, JAN, url)
    return settings, url, state(url)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", list(MUTATIONS))
def test_mutated_file_gives_a_clear_error_or_a_correct_load(case, baseline, tlc):
    settings, url, before = baseline
    body = MUTATIONS[case]
    tlc.script(JAN_FILE, Fault(body=body))
    try:
        result = ingest_month(settings, JAN, url)
    except PipelineError as exc:
        message = str(exc)
        assert message and "Traceback" not in message and len(message) < 2000
        assert state(url) == before, "a failed load changed the warehouse"
        return
    # A mutation that still decodes is a valid file: it must load exactly, then be undone.
    expected = pq.ParquetFile(io.BytesIO(body)).metadata.num_rows
    assert result.rows_loaded == result.rows_in_file == expected
    tlc.reset()
    ingest_month(settings, JAN, url)
    assert state(url) == before


@pytest.mark.parametrize(
    "month", ["2024-13", "2024-1", "../../etc", "2024-01; drop table raw.load_log", "9" * 5000]
)
def test_malicious_month_parameters_are_rejected(month):
    with pytest.raises(InvalidParameter):
        Month.parse(month)


@pytest.mark.parametrize(
    "schema", ["raw; drop table x", 'raw"', "Raw", "1raw", "a" * 64, "", "raw.public", "ráw"]
)
def test_schema_names_from_config_are_validated(schema, warehouse_url):
    from taxi_pipeline.core.schema import GREEN

    with pytest.raises(PipelineError, match="invalid schema name"):
        validate_identifier(schema)
    with pytest.raises(PipelineError):
        Warehouse(warehouse_url, GREEN, raw_schema=schema)
