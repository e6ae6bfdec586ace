"""Yellow taxi months in TLC's published layout, generated: no real yellow file can be fetched here.

The column names, their order and their Arrow types are those of TLC's yellow files
(``yellow_tripdata_YYYY-MM.parquet``): the 2024 layout (codes as int64, ``Airport_fee``), the
``cbd_congestion_fee`` column TLC added in January 2025, and, with ``drift=True``, the physical
layout TLC used in other months: passenger count and rate code as doubles, ``airport_fee`` in
lower case, nanosecond timestamps. The values are random but plausible and deterministic for a
seed: valid TLC codes and zones, trips within the month except a few from the month before (as
TLC's files have), and null passenger counts, rate codes and flags on flex-fare rows. The tests
and the load benchmark (``benchmarks/load.py --service yellow``) both use this module.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from taxi_pipeline.core.months import Month

# As TLC writes its files: about a million rows per row group.
TLC_ROW_GROUP_ROWS = 1024 * 1024
CBD_FEE_SINCE = Month(2025, 1)


def airport_fee_name(drift: bool) -> str:
    return "airport_fee" if drift else "Airport_fee"


def yellow_layout(month: Month, drift: bool = False) -> pa.Schema:
    """The Arrow schema of TLC's yellow file of ``month``."""
    code = pa.float64() if drift else pa.int64()
    stamp = pa.timestamp("ns" if drift else "us")
    fields = [
        ("VendorID", pa.int32()),
        ("tpep_pickup_datetime", stamp),
        ("tpep_dropoff_datetime", stamp),
        ("passenger_count", code),
        ("trip_distance", pa.float64()),
        ("RatecodeID", code),
        ("store_and_fwd_flag", pa.string()),
        ("PULocationID", pa.int32()),
        ("DOLocationID", pa.int32()),
        ("payment_type", pa.int64()),
        *(
            (name, pa.float64())
            for name in (
                "fare_amount",
                "extra",
                "mta_tax",
                "tip_amount",
                "tolls_amount",
                "improvement_surcharge",
                "total_amount",
                "congestion_surcharge",
            )
        ),
        (airport_fee_name(drift), pa.float64()),
    ]
    if month >= CBD_FEE_SINCE:
        fields.append(("cbd_congestion_fee", pa.float64()))
    return pa.schema(fields)


def yellow_trips(month: Month, rows: int, *, seed: int = 0, drift: bool = False) -> pa.Table:
    """``rows`` yellow trips of ``month`` in TLC's layout (see the module's docstring)."""
    rng = np.random.default_rng([seed, month.year, month.month])
    schema = yellow_layout(month, drift)
    start = np.datetime64(month.first_day, "us")
    seconds = (np.datetime64(month.next().first_day, "us") - start) // np.timedelta64(1, "s")
    offset = rng.integers(0, seconds - 7200, rows)
    # About one trip in a thousand started in the month before, as in TLC's files.
    earlier = rng.random(rows) < 0.001
    offset[earlier] = -rng.integers(60, 86_400, earlier.sum())
    pickup = start + offset.astype("timedelta64[s]")
    dropoff = pickup + rng.integers(60, 5400, rows).astype("timedelta64[s]")

    payment = rng.choice([1, 2, 0, 3, 4], rows, p=[0.72, 0.2, 0.04, 0.02, 0.02])
    flex = payment == 0  # TLC leaves these codes null on flex-fare rows
    distance = np.round(rng.exponential(3.0, rows), 2)
    fare = np.round(3.0 + distance * 3.5 + rng.integers(0, 20, rows) * 0.7, 2)
    extra = rng.choice([0.0, 1.0, 2.5], rows)
    tip = np.where(payment == 1, np.round(fare * rng.choice([0.0, 0.15, 0.2, 0.25], rows), 2), 0.0)
    tolls = np.where(rng.random(rows) < 0.05, 6.94, 0.0)
    congestion = np.where(rng.random(rows) < 0.8, 2.5, 0.0)
    airport = np.where(rng.random(rows) < 0.08, 1.75, 0.0)
    amounts = {
        "fare_amount": fare,
        "extra": extra,
        "mta_tax": np.full(rows, 0.5),
        "tip_amount": tip,
        "tolls_amount": tolls,
        "improvement_surcharge": np.full(rows, 1.0),
        "congestion_surcharge": congestion,
        airport_fee_name(drift): airport,
    }
    if "cbd_congestion_fee" in schema.names:
        amounts["cbd_congestion_fee"] = np.where(rng.random(rows) < 0.4, 0.75, 0.0)
    amounts["total_amount"] = np.round(sum(amounts.values()), 2)

    # Each column's values, and for the codes TLC leaves null on flex-fare rows, that mask.
    values = {
        "VendorID": rng.choice([1, 2, 7], rows, p=[0.25, 0.74, 0.01]),
        "tpep_pickup_datetime": pickup,
        "tpep_dropoff_datetime": dropoff,
        "passenger_count": (rng.integers(1, 5, rows), flex),
        "trip_distance": distance,
        "RatecodeID": (rng.choice([1, 2, 5, 99], rows, p=[0.93, 0.04, 0.02, 0.01]), flex),
        "store_and_fwd_flag": (np.where(rng.random(rows) < 0.005, "Y", "N"), flex),
        "PULocationID": rng.integers(1, 266, rows),
        "DOLocationID": rng.integers(1, 266, rows),
        "payment_type": payment,
        **amounts,
    }
    arrays = []
    for field in schema:
        value = values[field.name]
        value, mask = value if isinstance(value, tuple) else (value, None)
        arrays.append(pa.array(value, mask=mask).cast(field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def yellow_file_name(month: Month) -> str:
    return f"yellow_tripdata_{month}.parquet"


def write_yellow_month(
    folder: Path, month: Month, rows: int, *, seed: int = 0, drift: bool = False
) -> Path:
    """Write the month's generated file into ``folder`` under TLC's name; its path."""
    path = Path(folder) / yellow_file_name(month)
    table = yellow_trips(month, rows, seed=seed, drift=drift)
    pq.write_table(table, path, row_group_size=TLC_ROW_GROUP_ROWS, compression="snappy")
    return path
