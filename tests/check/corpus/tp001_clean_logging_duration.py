# expect: none
"""Clock reads that never choose data: logging, durations, audit columns, scheduling."""

import logging
import time
from datetime import datetime, timedelta

import pandas as pd
from airflow.sdk import dag, task

log = logging.getLogger(__name__)


@dag(schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False)
def tp001_clean_logging_duration():
    @task
    def transform(data_interval_start=None):
        started = time.time()
        frame = pd.read_parquet(f"s3://lake/trips/{data_interval_start:%Y-%m-%d}.parquet")
        frame["loaded_at"] = datetime.now()
        log.info("read %s rows at %s", len(frame), datetime.now().isoformat())
        print(f"Processing finished at {datetime.utcnow()}")
        elapsed = time.time() - started
        if elapsed > timedelta(hours=1).total_seconds():
            raise RuntimeError(f"too slow at {datetime.now()}")
        return elapsed

    transform()


tp001_clean_logging_duration()
