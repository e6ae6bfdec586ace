# expect: TP007@6, TP008@7
"""A plugins-folder helper: the package's __init__ re-exports it."""

from airflow.sdk import Variable

BASE_URL = Variable.get("tlc_base_url")
DOWNLOAD_DIR = "/tmp/tlc"


def download_month(month):
    return f"{BASE_URL}/green_tripdata_{month}.parquet"
