"""Child process of the load benchmark: one ``ingest_month`` from a local mirror, then its figures.

Usage: python -m benchmarks._project_load MIRROR_FOLDER WAREHOUSE_URL [SERVICE]
Prints {"seconds": .., "load_s": .., "rows": .., "peak_rss_mb": ..} as its last line: ``seconds``
end to end, ``load_s`` the warehouse load within it (after the download and the parquet checks).
"""

import json
import sys
import tempfile
import time
from pathlib import Path

from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import ingest_month
from taxi_pipeline.core.settings import Settings
from taxi_pipeline.local.tlc_mirror import TlcMirror


def main() -> None:
    folder, warehouse_url = Path(sys.argv[1]), sys.argv[2]
    service = sys.argv[3] if len(sys.argv) > 3 else "green"
    mirror = TlcMirror(folder / "trip-data").start()
    with tempfile.TemporaryDirectory(dir=folder) as state:
        settings = Settings(service=service, tlc_base_url=mirror.base_url, state_dir=Path(state))
        start = time.perf_counter()
        result = ingest_month(settings, Month.parse("2024-01"), warehouse_url)
        seconds = time.perf_counter() - start
    mirror.stop()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "load_s": result.seconds,
                "rows": result.rows_loaded,
                "peak_rss_mb": peak_rss_kb() / 1024,
            }
        )
    )


def peak_rss_kb() -> int:
    """This process's own peak resident memory.

    Not ``getrusage``: its maximum survives ``exec``, so it would include the benchmark parent
    that spawned this process (which holds decoded tables and pandas frames).
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("/proc/self/status has no VmHWM line: peak memory needs Linux")


if __name__ == "__main__":
    main()
