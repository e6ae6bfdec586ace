"""A month's file on its way into PostgreSQL: cut into slices of row groups, one per COPY stream,
and read slice by slice as load-ready Arrow batches."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from taxi_pipeline.core.errors import CorruptFile, PipelineError, first_line
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.schema import SOURCE_ROW_COLUMN, ServiceSchema

_BATCH_ROWS = 64 * 1024


@dataclass(frozen=True)
class FileSlice:
    """Consecutive row groups of a file, copied by one stream into one leaf of the month."""

    number: int
    row_groups: tuple[int, ...]
    first_row: int
    end_row: int


def slice_file(metadata: pq.FileMetaData, streams: int) -> list[FileSlice]:
    """Split the file's row groups into up to ``streams`` runs of about equal row counts."""
    sizes = [metadata.row_group(group).num_rows for group in range(metadata.num_row_groups)]
    total = sum(sizes)
    runs: list[list[int]] = [[] for _ in range(max(1, min(streams, len(sizes))))]
    before = 0
    for group, size in enumerate(sizes):
        # A row group goes to the run in which its first row falls.
        runs[before * len(runs) // total if total else 0].append(group)
        before += size
    slices, first_row = [], 0
    for groups in filter(None, runs):
        end_row = first_row + sum(sizes[group] for group in groups)
        slices.append(FileSlice(len(slices), tuple(groups), first_row, end_row))
        first_row = end_row
    return slices or [FileSlice(0, (), 0, 0)]


class Cancelled(Exception):
    """Stops a slice's COPY because another slice failed."""


class MonthStream:
    """The file's rows as load-ready Arrow batches, slice by slice, one batch in memory each.

    Memory stays flat whatever the file size. Slices may be read by several threads at once.
    Pickup months are counted on the way through, so the load result needs no second scan.
    """

    def __init__(self, schema: ServiceSchema, month: Month, path: Path, total: int, progress):
        self._schema = schema
        self._total = total
        self._month = month
        self._path = path
        self._progress = progress
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._pickups: Counter = Counter()
        self.rows = 0
        self.error: PipelineError | None = None
        # source_month is not sent: the slice table's DEFAULT fills it in on the server.
        self.load_schema = schema.arrow_schema.append(pa.field(SOURCE_ROW_COLUMN, pa.int32()))

    def cancel(self) -> None:
        self._cancelled.set()

    def batches(self, part: FileSlice) -> Iterator[pa.RecordBatch]:
        pickup_name = self._schema.pickup_column.lower()
        row = part.first_row
        for raw in self._decoded(part):
            if self._cancelled.is_set():
                raise Cancelled
            try:
                cast = self._schema.cast_batch(raw, self._month)
            except PipelineError as exc:
                self._fail(exc)
                raise
            n = cast.num_rows
            pickup = cast.column(pickup_name)
            keys = pc.add(pc.multiply(pc.year(pickup), 100), pc.month(pickup))
            counts = pc.value_counts(keys).to_pylist()
            yield pa.RecordBatch.from_arrays(
                [*cast.columns, pa.arange(row, row + n).cast(pa.int32())], schema=self.load_schema
            )
            row += n
            with self._lock:
                for entry in counts:
                    self._pickups[entry["values"]] += entry["counts"]
                self.rows += n
                if self._progress is not None:
                    self._progress(self.rows, self._total)

    def pickup_months(self) -> dict[str, int]:
        return {
            (f"{key // 100:04d}-{key % 100:02d}" if key is not None else "unknown"): count
            for key, count in sorted(self._pickups.items(), key=lambda kv: (kv[0] is None, kv[0]))
        }

    def _fail(self, error: PipelineError) -> None:
        with self._lock:
            self.error = self.error or error
        self.cancel()

    def _decoded(self, part: FileSlice) -> Iterator[pa.RecordBatch]:
        # A handle per slice (threads must not share one), no threads or read-ahead: Arrow holds
        # about one batch, and the server, not decoding, is the bottleneck.
        parquet = pq.ParquetFile(self._path, pre_buffer=False)
        for group in part.row_groups:
            batches = parquet.iter_batches(
                batch_size=_BATCH_ROWS, row_groups=[group], use_threads=False
            )
            while True:
                try:
                    raw = next(batches)
                except StopIteration:
                    break
                except (pa.ArrowException, OSError) as exc:
                    self._fail(
                        CorruptFile(
                            f"{self._schema.service} {self._month}: the parquet data cannot be "
                            f"decoded in row group {group} ({first_line(str(exc))}); the file "
                            f"is damaged"
                        )
                    )
                    raise self.error from exc
                yield raw
