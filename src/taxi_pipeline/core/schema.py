"""The raw trip schema: the one place that knows the columns of a TLC file and their types.

A file's columns are checked against the declared ones before the load starts, and every batch is
cast to the declared types on its way into staging. TLC has changed physical types between months
(January 2023 green stores integer codes as doubles and ``ehail_fee`` as an all-null column); such
drift is accepted when the cast loses nothing, and rejected with the column and month named when
it would, before anything is swapped in. TLC has also respelled a column now and then (yellow's
``Airport_fee`` is ``airport_fee`` in some months): a column declares its other spellings.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from taxi_pipeline.core.errors import InvalidParameter, SchemaMismatch
from taxi_pipeline.core.months import Month


@dataclass(frozen=True)
class Column:
    """One TLC column: its name in the file, its Arrow type, whether every file must have it, and
    other names TLC has given it in some months."""

    name: str
    arrow_type: pa.DataType
    required: bool = True
    aliases: tuple[str, ...] = ()

    @property
    def db_name(self) -> str:
        return self.name.lower()

    def name_in(self, names: list[str]) -> str | None:
        """The name this column has among a file's ``names``, if it is there."""
        return next((n for n in (self.name, *self.aliases) if n in names), None)


_PG_TYPES = {
    pa.int16(): "smallint",
    pa.int32(): "integer",
    pa.int64(): "bigint",
    pa.float64(): "double precision",
    pa.string(): "text",
    pa.timestamp("us"): "timestamp",
}


@dataclass(frozen=True)
class ServiceSchema:
    """The declared columns of one TLC service (green, yellow, ...) and its raw table."""

    service: str
    columns: tuple[Column, ...]
    pickup_column: str

    @property
    def raw_table(self) -> str:
        return f"{self.service}_trips"

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.db_name, c.arrow_type) for c in self.columns])

    def column_definitions(self) -> list[tuple[str, str]]:
        """(column name, PostgreSQL type) pairs of the trip columns, in file order."""
        return [(c.db_name, _PG_TYPES[c.arrow_type]) for c in self.columns]

    def check_columns(self, file_schema: pa.Schema, month: Month) -> None:
        """Fail before any load when the file lacks a required column or has one we do not know."""
        present = list(file_schema.names)
        declared = {name for c in self.columns for name in (c.name, *c.aliases)}
        missing = [c.name for c in self.columns if c.required and c.name_in(present) is None]
        if missing:
            raise SchemaMismatch(
                f"{self.service} {month}: required column {missing[0]!r} is missing from the file "
                f"(missing: {', '.join(missing)}). TLC may have changed the schema: compare the "
                f"file with taxi_pipeline/core/schema.py before changing the declared schema."
            )
        extra = [name for name in file_schema.names if name not in declared]
        if extra:
            raise SchemaMismatch(
                f"{self.service} {month}: unexpected column {extra[0]!r} in the file "
                f"(unexpected: {', '.join(extra)}). TLC may have added a column: declare it in "
                f"taxi_pipeline/core/schema.py (required=False if older months lack it) and reload."
            )

    def cast_batch(self, batch: pa.RecordBatch, month: Month) -> pa.RecordBatch:
        """Cast one batch to the declared schema, refusing any cast that would change a value."""
        arrays = []
        names = batch.schema.names
        for column in self.columns:
            if (name := column.name_in(names)) is not None:
                arrays.append(_lossless_cast(batch.column(name), column, self.service, month))
            else:
                arrays.append(pa.nulls(batch.num_rows, column.arrow_type))
        return pa.RecordBatch.from_arrays(arrays, schema=self.arrow_schema)


def _lossless_cast(
    values: pa.Array | pa.ChunkedArray, column: Column, service: str, month: Month
) -> pa.Array:
    target = column.arrow_type
    if values.type == target:
        return values
    try:
        cast = pc.cast(values, target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SchemaMismatch(
            f"{service} {month}: column {column.name!r} has type {values.type} that cannot be "
            f"stored as {target} without losing values ({_first_line(exc)})."
        ) from exc
    return cast


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


_DOUBLE = pa.float64()
_FARE_COLUMNS = (
    "fare_amount",
    "extra",
    "mta_tax",
    "tip_amount",
    "tolls_amount",
)


def _amounts(*names: str) -> tuple[Column, ...]:
    return tuple(Column(name, _DOUBLE) for name in names)


GREEN = ServiceSchema(
    service="green",
    pickup_column="lpep_pickup_datetime",
    columns=(
        Column("VendorID", pa.int32()),
        Column("lpep_pickup_datetime", pa.timestamp("us")),
        Column("lpep_dropoff_datetime", pa.timestamp("us")),
        Column("store_and_fwd_flag", pa.string()),
        Column("RatecodeID", pa.int32()),
        Column("PULocationID", pa.int32()),
        Column("DOLocationID", pa.int32()),
        Column("passenger_count", pa.int32()),
        Column("trip_distance", _DOUBLE),
        *_amounts(*_FARE_COLUMNS),
        Column("ehail_fee", _DOUBLE),
        *_amounts("improvement_surcharge", "total_amount"),
        Column("payment_type", pa.int32()),
        Column("trip_type", pa.int32()),
        Column("congestion_surcharge", _DOUBLE),
        # Added by TLC in 2025 (Manhattan congestion relief zone); older months lack it.
        Column("cbd_congestion_fee", _DOUBLE, required=False),
    ),
)

YELLOW = ServiceSchema(
    service="yellow",
    pickup_column="tpep_pickup_datetime",
    columns=(
        Column("VendorID", pa.int32()),
        Column("tpep_pickup_datetime", pa.timestamp("us")),
        Column("tpep_dropoff_datetime", pa.timestamp("us")),
        Column("passenger_count", pa.int32()),
        Column("trip_distance", _DOUBLE),
        Column("RatecodeID", pa.int32()),
        Column("store_and_fwd_flag", pa.string()),
        Column("PULocationID", pa.int32()),
        Column("DOLocationID", pa.int32()),
        Column("payment_type", pa.int32()),
        *_amounts(*_FARE_COLUMNS),
        *_amounts("improvement_surcharge", "total_amount", "congestion_surcharge"),
        Column("Airport_fee", _DOUBLE, aliases=("airport_fee",)),
        # Added by TLC in 2025, as for green.
        Column("cbd_congestion_fee", _DOUBLE, required=False),
    ),
)

# In the order of names.TRIP_SERVICES (tests/test_schema.py checks that they agree).
SERVICES: dict[str, ServiceSchema] = {schema.service: schema for schema in (GREEN, YELLOW)}

# The loader adds two columns to every raw row: source_month, the file (month) it came from,
# filled in by the server, and its row in that file, sent with the row.
SOURCE_ROW_COLUMN = "source_row"


def service_schema(service: str) -> ServiceSchema:
    try:
        return SERVICES[service]
    except KeyError:
        raise InvalidParameter(
            f"unknown TLC service {service!r}; known services: {', '.join(sorted(SERVICES))}"
        ) from None
