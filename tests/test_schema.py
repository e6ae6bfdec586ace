import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from taxi_pipeline.core.errors import SchemaMismatch
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import TRIP_SERVICES
from taxi_pipeline.core.schema import GREEN, SERVICES, YELLOW
from tests.conftest import TLC_SAMPLES
from tests.support.yellow_trips import airport_fee_name, yellow_trips

JAN_2023 = Month(2023, 1)


def test_january_2023_drift_is_lossless_and_accepted():
    parquet = pq.ParquetFile(TLC_SAMPLES / "green_tripdata_2023-01.parquet")
    GREEN.check_columns(parquet.schema_arrow, JAN_2023)
    for batch in parquet.iter_batches():
        cast = GREEN.cast_batch(batch, JAN_2023)
        assert cast.schema == GREEN.arrow_schema
        assert cast.column("passenger_count").type == pa.int32()
        assert cast.column("ehail_fee").null_count == cast.num_rows


def _table_with(column: str, values: list) -> pa.Table:
    sample = pq.read_table(TLC_SAMPLES / "green_tripdata_2024-01.parquet").slice(0, len(values))
    index = sample.schema.get_field_index(column)
    return sample.set_column(index, column, pa.array(values))


def test_lossy_cast_names_the_column_and_month(tmp_path):
    path = tmp_path / "f.parquet"
    pq.write_table(_table_with("passenger_count", [1.0, 2.5, 3.0]), path)
    batch = next(pq.ParquetFile(path).iter_batches())
    with pytest.raises(SchemaMismatch, match=r"green 2024-01: column 'passenger_count'"):
        GREEN.cast_batch(batch, Month(2024, 1))


def test_missing_and_unexpected_columns_are_named(tmp_path):
    table = pq.read_table(TLC_SAMPLES / "green_tripdata_2024-01.parquet").slice(0, 5)
    missing = tmp_path / "missing.parquet"
    pq.write_table(table.drop_columns(["trip_type"]), missing)
    with pytest.raises(SchemaMismatch, match="required column 'trip_type' is missing"):
        GREEN.check_columns(pq.read_schema(missing), Month(2024, 1))
    extra = tmp_path / "extra.parquet"
    pq.write_table(table.append_column("surprise_fee", pa.array([1.0] * 5)), extra)
    with pytest.raises(SchemaMismatch, match="unexpected column 'surprise_fee'"):
        GREEN.check_columns(pq.read_schema(extra), Month(2024, 1))


def test_yellow_fits_the_same_design():
    assert YELLOW.raw_table == "yellow_trips"
    assert YELLOW.pickup_column == "tpep_pickup_datetime"
    names = [name for name, _ in YELLOW.column_definitions()]
    assert "tpep_dropoff_datetime" in names and "airport_fee" in names
    # The DAGs (one per service) and the dbt project are built from the same list.
    assert tuple(SERVICES) == TRIP_SERVICES


@pytest.mark.parametrize(
    "month, drift", [(Month(2024, 1), False), (Month(2023, 1), True), (Month(2025, 1), False)]
)
def test_yellow_files_in_tlc_s_layouts_fit_the_declared_columns(month, drift):
    table = yellow_trips(month, 50, drift=drift)
    YELLOW.check_columns(table.schema, month)
    (batch,) = table.to_batches()
    cast = YELLOW.cast_batch(batch, month)
    assert cast.schema == YELLOW.arrow_schema
    # Either spelling of the airport fee lands in the one column.
    assert (
        cast.column("airport_fee").to_pylist() == batch.column(airport_fee_name(drift)).to_pylist()
    )
