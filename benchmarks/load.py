"""Load benchmark: the project's loader against the classic reference and PostgreSQL's bulk limit.

    python -m benchmarks.load [--json] [--service yellow] [--large-rows N] [--small-rows N]
                              [--no-reference-on-large]

In one run, on the same embedded PostgreSQL and the same data, for the real January 2024 green
file ("small") and a ~3 M-row file built from its rows ("large", cached in benchmarks/.cache).
With ``--service yellow``, both files are yellow months generated in TLC's yellow layout
(``tests/support/yellow_trips.py``; no real yellow file is bundled): "small" of ``--small-rows``
rows (default: about a green month), "large" of ``--large-rows`` (default: about a yellow month).

- project:   ``ingest_month`` end to end (download from a 127.0.0.1 mirror, parquet checks, schema
             cast, binary COPY by parallel streams into staging slices, ANALYZE, atomic partition
             swap, load log), in a child process whose peak resident memory is reported
- limit:     a bare ADBC (binary COPY) ingest of the already-decoded Arrow table by as many
             parallel streams as the loader uses for the file (the ``copy_streams`` setting,
             default 2, capped by the file's row groups, as the loader splits it): one thread
             per stream, each with its own connection, copying its contiguous slice of the
             table into an empty plain table of its own; no download, no decoding, no
             validation, no swap
- reference: ``pandas.read_parquet`` + ``DataFrame.to_sql(if_exists="append")`` (SQLAlchemy on
             psycopg2), the way the classic teaching pipeline loads; at ~12k rows/s it takes a
             few minutes on the large file (``--no-reference-on-large`` skips it there)

For each file it also shows where the project's seconds go: the download and parquet checks, and
the warehouse load, of which the bare COPY (the limit) is the floor; the rest of the load is
decoding, casting, DDL, ANALYZE, the swap and the load log, the fixed costs that dominate a small
file.

Absolute rates drift between machines and runs; the ratios measured in one run are the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from taxi_pipeline.core.month_stream import slice_file
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.settings import Settings
from tests.support.yellow_trips import write_yellow_month

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "benchmarks" / ".cache"
SMALL_FILE = REPO / "data" / "tlc" / "green_tripdata_2024-01.parquet"
BENCH_MONTH = "2024-01"
YELLOW_SMALL_ROWS = 60_000


def build_large_file(rows: int) -> Path:
    """~``rows`` rows made of real January 2024 rows, each copy shifted in time; cached."""
    path = CACHE / f"green_large_{rows}.parquet"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    base = pq.read_table(SMALL_FILE)
    copies = -(-rows // base.num_rows)
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, base.schema, compression="snappy") as writer:
        written = 0
        for copy in range(copies):
            # Shift by whole seconds so rows differ but stay inside the same month.
            shift = pa.scalar(copy, pa.duration("s"))
            part = base.slice(0, min(base.num_rows, rows - written))
            for column in ("lpep_pickup_datetime", "lpep_dropoff_datetime"):
                index = part.schema.get_field_index(column)
                shifted = pc.add(part.column(index), shift).cast(part.schema.field(index).type)
                part = part.set_column(index, column, shifted)
            writer.write_table(part, row_group_size=256 * 1024)
            written += part.num_rows
    tmp.rename(path)
    return path


def build_yellow_file(rows: int) -> Path:
    """A generated yellow month of ``rows`` rows in TLC's layout; cached."""
    path = CACHE / f"yellow_{rows}.parquet"
    if not path.exists():
        folder = CACHE / f"yellow_{rows}.tmp"
        folder.mkdir(parents=True, exist_ok=True)
        write_yellow_month(folder, Month.parse(BENCH_MONTH), rows).rename(path)
        folder.rmdir()
    return path


def run_project_loader(
    file: Path, base_url_folder: Path, warehouse_url: str, service: str = "green"
) -> dict:
    """Run ``ingest_month`` in a child process, so its peak RSS is its own."""
    serve = base_url_folder / "trip-data"
    shutil.rmtree(serve, ignore_errors=True)
    serve.mkdir(parents=True)
    os.link(file, serve / f"{service}_tripdata_{BENCH_MONTH}.parquet")
    child = subprocess.Popen(
        [
            *(sys.executable, "-m", "benchmarks._project_load"),
            *(str(serve.parent), warehouse_url, service),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    out, _ = child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"project loader failed (exit {child.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def limit_streams(file: Path, scratch: Path) -> list[tuple[int, int]]:
    """(first row, row count) of each stream the loader would copy ``file`` with."""
    streams = Settings(state_dir=scratch).copy_streams
    slices = slice_file(pq.ParquetFile(file).metadata, streams)
    return [(part.first_row, part.end_row - part.first_row) for part in slices]


def time_limit(table: pa.Table, streams: list[tuple[int, int]], warehouse_url: str) -> float:
    """Seconds to COPY ``table`` by parallel streams, one connection and one new table each."""
    import adbc_driver_postgresql.dbapi as adbc

    tables = [f"bench_limit_{number}" for number in range(len(streams))]
    connections = [adbc.connect(warehouse_url) for _ in streams]
    # Connected beforehand and released together: only the COPY is timed.
    start_line = threading.Barrier(len(streams) + 1)

    def copy_stream(conn, name: str, first_row: int, rows: int) -> None:
        with conn.cursor() as cursor:
            cursor.execute(f"drop table if exists {name}")
            conn.commit()
            start_line.wait()
            cursor.adbc_ingest(name, table.slice(first_row, rows), mode="create")
            conn.commit()

    try:
        with ThreadPoolExecutor(len(streams), thread_name_prefix="limit") as pool:
            copies = [
                pool.submit(copy_stream, conn, name, first_row, rows)
                for conn, name, (first_row, rows) in zip(connections, tables, streams, strict=True)
            ]
            start_line.wait()
            start = time.perf_counter()
            for finished in copies:
                finished.result()
            elapsed = time.perf_counter() - start
        with connections[0].cursor() as cursor:
            for name in tables:
                cursor.execute(f"drop table {name}")
        connections[0].commit()
    finally:
        for conn in connections:
            conn.close()
    return elapsed


def time_reference(file: Path, warehouse_url: str) -> float:
    import pandas as pd
    import sqlalchemy

    engine = sqlalchemy.create_engine(
        warehouse_url.replace("postgresql://", "postgresql+psycopg2://")
    )
    start = time.perf_counter()
    frame = pd.read_parquet(file)
    frame.to_sql("bench_reference", engine, if_exists="append", index=False)
    elapsed = time.perf_counter() - start
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("drop table bench_reference"))
    engine.dispose()
    return elapsed


def measure(
    name: str, file: Path, warehouse_url: str, scratch: Path, reference: bool, service: str
) -> dict:
    rows = pq.ParquetFile(file).metadata.num_rows
    print(f"[{name}] {service}, {rows:,} rows: project loader ...", file=sys.stderr, flush=True)
    project = run_project_loader(file, scratch, warehouse_url, service)
    streams = limit_streams(file, scratch)
    print(
        f"[{name}] bulk limit (bare ADBC ingest, COPY streams: {len(streams)}) ...",
        file=sys.stderr,
        flush=True,
    )
    table = pq.read_table(file)
    limit_s = time_limit(table, streams, warehouse_url)
    del table
    reference_rate = None
    if reference:
        print(f"[{name}] reference (pandas.to_sql) ...", file=sys.stderr, flush=True)
        reference_rate = rows / time_reference(file, warehouse_url)
    project_rate = rows / project["seconds"]
    limit_rate = rows / limit_s
    return {
        "service": service,
        "rows": rows,
        "project_rows_per_s": round(project_rate),
        "limit_rows_per_s": round(limit_rate),
        "reference_rows_per_s": round(reference_rate) if reference_rate else None,
        "ratio_to_limit": round(project_rate / limit_rate, 3),
        "ratio_to_reference": round(project_rate / reference_rate, 1) if reference_rate else None,
        "peak_rss_mb": project["peak_rss_mb"],
        "copy_streams": len(streams),
        "project_s": round(project["seconds"], 3),
        "project_download_checks_s": round(project["seconds"] - project["load_s"], 3),
        "project_load_s": round(project["load_s"], 3),
        "limit_s": round(limit_s, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--large-rows", type=int, default=3_000_000, help="rows in the large file")
    parser.add_argument("--small-file", type=Path, default=SMALL_FILE, help="the small green file")
    parser.add_argument(
        "--service",
        choices=["green", "yellow"],
        default="green",
        help="green: the real January 2024 file; yellow: generated files in TLC's yellow layout",
    )
    parser.add_argument(
        "--small-rows",
        type=int,
        default=YELLOW_SMALL_ROWS,
        help="rows in the small yellow file (--service yellow)",
    )
    parser.add_argument(
        "--no-reference-on-large",
        dest="reference_on_large",
        action="store_false",
        help="run pandas.to_sql on the small file only (saves minutes)",
    )
    args = parser.parse_args(argv)

    from taxi_pipeline.local.postgres import EmbeddedPostgres

    scratch = Path(tempfile.mkdtemp(prefix="bench-", dir=CACHE if CACHE.exists() else None))
    pg = EmbeddedPostgres(scratch / "state")
    try:
        url = pg.start().url()
        if args.service == "yellow":
            small, large = build_yellow_file(args.small_rows), build_yellow_file(args.large_rows)
        else:
            small, large = args.small_file, build_large_file(args.large_rows)
        results = {
            "small": measure("small", small, url, scratch, True, args.service),
            "large": measure("large", large, url, scratch, args.reference_on_large, args.service),
        }
    finally:
        pg.destroy()
        shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results, reference_on_large=args.reference_on_large)
    return 0


def print_table(results: dict, reference_on_large: bool) -> None:
    print(f"service: {next(iter(results.values()))['service']}")
    print(
        f"{'file':<6} {'rows':>10} {'project/s':>11} {'limit/s':>11} {'streams':>8} "
        f"{'reference/s':>12} {'÷limit':>7} {'÷reference':>10} {'peak RSS':>9}"
    )
    for name, r in results.items():
        ref = f"{r['reference_rows_per_s']:,}" if r["reference_rows_per_s"] else "not run"
        ratio_ref = f"{r['ratio_to_reference']:.1f}x" if r["ratio_to_reference"] else "-"
        print(
            f"{name:<6} {r['rows']:>10,} {r['project_rows_per_s']:>11,} "
            f"{r['limit_rows_per_s']:>11,} {r['copy_streams']:>8} {ref:>12} "
            f"{r['ratio_to_limit']:>7.2f} {ratio_ref:>10} {r['peak_rss_mb']:>7.0f}MB"
        )
    print("limit: bare binary COPY of the decoded table, by as many streams as the loader uses")
    print("where the project's seconds go:")
    for name, r in results.items():
        rest = r["project_load_s"] - r["limit_s"]
        print(
            f"  {name:<6} {r['project_s']:.2f}s = download and checks "
            f"{r['project_download_checks_s']:.2f}s + warehouse load {r['project_load_s']:.2f}s "
            f"(bare COPY {r['limit_s']:.2f}s; decode, cast, DDL, ANALYZE, swap {rest:.2f}s)"
        )
    if not reference_on_large:
        print("reference (pandas.to_sql) was run on the small file only (--no-reference-on-large)")


if __name__ == "__main__":
    sys.exit(main())
