"""Downloads against a local mirror with TLC's layout: each failure gets its class and message."""

import pytest

from taxi_pipeline.core.errors import (
    CorruptFile,
    MonthNotAvailable,
    SourceUnavailable,
    WorkDirUnusable,
)
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.source import download, trip_file_url
from tests.support.tlc_server import Fault

JAN = "green_tripdata_2024-01.parquet"


def _url(tlc, month="2024-01"):
    return trip_file_url(tlc.base_url, "green", Month.parse(month))


def test_url_follows_tlc_layout():
    assert (
        trip_file_url("https://d37ci6vzurychx.cloudfront.net/trip-data/", "green", Month(2024, 1))
        == "https://d37ci6vzurychx.cloudfront.net/trip-data/green_tripdata_2024-01.parquet"
    )


def test_download_streams_to_the_work_dir_with_a_digest(tlc, tmp_path):
    fetched = download(_url(tlc), tmp_path / "work" / JAN)
    assert fetched.path.exists() and fetched.size_bytes == fetched.path.stat().st_size
    assert len(fetched.sha256) == 64
    assert not list((tmp_path / "work").glob("*.partial"))


@pytest.mark.parametrize("status", [403, 404])
def test_403_and_404_mean_month_not_available_and_are_not_retryable(tlc, tmp_path, status):
    tlc.script(JAN, Fault(status=status))
    with pytest.raises(MonthNotAvailable) as info:
        download(_url(tlc), tmp_path / JAN)
    assert not info.value.retryable
    assert f"HTTP {status}" in str(info.value) and _url(tlc) in str(info.value)
    assert "not published yet" in str(info.value)


def test_500_is_retryable_and_the_next_try_succeeds(tlc, tmp_path):
    tlc.script(JAN, Fault(status=500))
    with pytest.raises(SourceUnavailable) as info:
        download(_url(tlc), tmp_path / JAN)
    assert info.value.retryable and "HTTP 500" in str(info.value)
    assert download(_url(tlc), tmp_path / JAN).size_bytes > 0


def test_timeout_is_retryable(tlc, tmp_path):
    tlc.script(JAN, Fault(delay_s=2.0))
    with pytest.raises(SourceUnavailable, match="timed out") as info:
        download(_url(tlc), tmp_path / JAN, timeout_s=0.5)
    assert info.value.retryable


def test_connection_refused_is_retryable(tmp_path):
    with pytest.raises(SourceUnavailable):
        download("http://127.0.0.1:9/trip-data/" + JAN, tmp_path / JAN)


def test_an_html_page_is_reported_as_such(tlc, tmp_path):
    page = b"<!DOCTYPE html><html><body>Access denied</body></html>".ljust(512, b" ")
    tlc.script(JAN, Fault(body=page))
    with pytest.raises(CorruptFile, match="an HTML page of 512 bytes") as info:
        download(_url(tlc), tmp_path / JAN)
    assert not info.value.retryable
    assert not (tmp_path / JAN).exists()


def test_a_truncated_file_is_reported_as_truncated(tlc, tmp_path, tlc_folder):
    data = (tlc_folder / JAN).read_bytes()
    tlc.script(JAN, Fault(body=data[: len(data) // 2]))
    with pytest.raises(CorruptFile, match="truncated parquet file"):
        download(_url(tlc), tmp_path / JAN)


def test_an_empty_body_is_reported(tlc, tmp_path):
    tlc.script(JAN, Fault(body=b""))
    with pytest.raises(CorruptFile, match="an empty file"):
        download(_url(tlc), tmp_path / JAN)


def test_unwritable_work_dir_is_named(tlc, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the work dir should be")
    with pytest.raises(WorkDirUnusable, match="not-a-dir"):
        download(_url(tlc), blocker / "downloads" / JAN)
