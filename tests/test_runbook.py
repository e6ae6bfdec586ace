"""Every symptom in dags/RUNBOOK.md is text the pipeline really prints when that failure happens.

Each runbook entry has a trigger here that causes the failure through the real code path and
returns what the user would read; every quoted string on the entry's Symptom line must be in it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pyarrow as pa
import pytest

from taxi_pipeline.core.dbt import run_dbt
from taxi_pipeline.core.errors import MonthNotAvailable, PipelineError
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import ingest_month, transform_month
from tests.conftest import REPO
from tests.support.cli import ingest_january_2024_without_dbt, run_cli
from tests.support.dbt_processes import concurrent_dbt_runs
from tests.support.filesystems import resize, small_tablespace, tmpfs
from tests.support.sample_months import JAN_FILE, january_table, lossy_january, parquet_bytes, state
from tests.support.tlc_server import Fault

RUNBOOK = REPO / "dags" / "RUNBOOK.md"
JAN = Month(2024, 1)


def runbook_symptoms() -> dict[int, list[str]]:
    entries: dict[int, list[str]] = {}
    number = None
    for line in RUNBOOK.read_text().splitlines():
        if heading := re.match(r"## (\d+)\. ", line):
            number = int(heading.group(1))
        elif line.startswith("- **Symptom:**") and number is not None:
            entries[number] = re.findall(r"`([^`]+)`", line)
    return entries


def _error_text(call) -> str:
    try:
        call()
    except PipelineError as exc:
        return str(exc)
    raise AssertionError("the failure did not happen")


def _cli(*args: str) -> str:
    result = run_cli(*args, timeout_s=300)
    return result.stdout + result.stderr


def _task_settings(tlc):
    from taxi_pipeline.core.settings import Settings

    return Settings(tlc_base_url=tlc.base_url, state_dir=Path("unused"))


def trigger_not_published_yet(ctx) -> str:
    from taxi_pipeline.orchestration.tasks import wait_or_fail

    exc = MonthNotAvailable("HTTP 403", url="https://example.invalid/x.parquet", status=403)
    with contextlib.suppress(Exception):
        wait_or_fail(exc, _task_settings(ctx.tlc), JAN, 75, now=datetime(2024, 2, 3, tzinfo=UTC))
    # Airflow's task logging goes to stdout; plain logging to caplog.
    return ctx.caplog.text + ctx.capsys.readouterr().out


def trigger_not_published_by(ctx) -> str:
    from taxi_pipeline.orchestration.tasks import wait_or_fail

    exc = MonthNotAvailable("HTTP 403", url="https://example.invalid/x.parquet", status=403)
    now = datetime(2024, 6, 1, tzinfo=UTC)
    return _error_text(lambda: wait_or_fail(exc, _task_settings(ctx.tlc), JAN, 75, now=now))


def _ingest_with(ctx, *faults: Fault) -> str:
    ctx.tlc.script(JAN_FILE, *faults)
    return _error_text(lambda: ingest_month(ctx.settings, JAN, ctx.url))


def trigger_not_available(ctx) -> str:
    return _ingest_with(ctx, Fault(status=404)) + _ingest_with(ctx, Fault(status=403))


def trigger_html(ctx) -> str:
    return _ingest_with(ctx, Fault(body=b"<html><body>Sign in to this network</body></html>"))


def trigger_damaged(ctx) -> str:
    truncated = (REPO / "data" / "tlc" / JAN_FILE).read_bytes()[:200_000]
    empty = parquet_bytes(january_table().slice(0, 0))
    return _ingest_with(ctx, Fault(body=truncated)) + _ingest_with(ctx, Fault(body=empty))


def trigger_schema_change(ctx) -> str:
    missing = parquet_bytes(january_table().drop_columns(["trip_type"]))
    extra = parquet_bytes(january_table().append_column("new_fee", january_table().column("extra")))
    return (
        _ingest_with(ctx, Fault(body=missing))
        + _ingest_with(ctx, Fault(body=extra))
        + _ingest_with(ctx, Fault(body=lossy_january()))
    )


def trigger_dbt_test_failure(ctx) -> str:
    transform_month(ctx.settings, JAN, ctx.url, echo=lambda line: None)
    # TLC republishes the month with a payment type no rule allows.
    table = january_table()
    payment = table.column("payment_type").to_pylist()
    payment[3] = 42
    bad = table.set_column(
        table.schema.get_field_index("payment_type"),
        "payment_type",
        pa.array(payment, table.schema.field("payment_type").type),
    )
    ctx.tlc.script(JAN_FILE, Fault(body=parquet_bytes(bad)))
    ingest_month(ctx.settings, JAN, ctx.url)
    return _error_text(lambda: transform_month(ctx.settings, JAN, ctx.url, echo=print))


def trigger_unreachable(ctx) -> str:
    unreachable = "postgresql://taxi:pw@127.0.0.1:9/taxi"
    return _cli(*ingest_january_2024_without_dbt(ctx.tlc.base_url, unreachable, ctx.tmp_path))


def trigger_auth_failed(ctx) -> str:
    wrong = ctx.url.replace("://taxi:", "://taxi:wrong", 1)
    return _cli(*ingest_january_2024_without_dbt(ctx.tlc.base_url, wrong, ctx.tmp_path))


def trigger_tls_failed(ctx) -> str:
    missing_ca = ctx.tmp_path / "no-such-ca.pem"
    verified = f"{ctx.url}?sslmode=verify-full&sslrootcert={missing_ca}"
    return _cli(*ingest_january_2024_without_dbt(ctx.tlc.base_url, verified, ctx.tmp_path))


def trigger_login_refused(ctx) -> str:
    from taxi_pipeline.core.connection import WarehouseConnection
    from taxi_pipeline.core.logins import create_login

    admin = WarehouseConnection.from_url(ctx.url)
    # A namespace's login owns its own schema only; the shared raw schema is another login's.
    login = create_login(admin, "taxi_runbook", ["runbook_raw"])
    return _error_text(lambda: ingest_month(ctx.settings, JAN, login.url))


def trigger_dbt_still_running(ctx) -> str:
    from taxi_pipeline.core import transforms

    # What a killed dbt task leaves behind: a statement of its schema's dbt sessions, running on.
    stuck = psycopg.connect(
        ctx.url, autocommit=True, application_name=f"taxi_pipeline_dbt {ctx.settings.dbt_schema}"
    )
    sleeper = threading.Thread(target=_sleep_until_cancelled, args=(stuck,))
    sleeper.start()
    try:
        with psycopg.connect(ctx.url, autocommit=True) as control:
            for _ in range(100):
                if control.execute(
                    "select count(*) from pg_stat_activity where pid = %s and state = 'active'",
                    (stuck.info.backend_pid,),
                ).fetchone()[0]:
                    break
                time.sleep(0.1)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(transforms, "STOPPED_STATEMENTS_WAIT_S", 1)
            return _error_text(
                lambda: transform_month(ctx.settings, JAN, ctx.url, echo=lambda _line: None)
            )
    finally:
        with psycopg.connect(ctx.url, autocommit=True) as control:
            control.execute("select pg_cancel_backend(%s)", (stuck.info.backend_pid,))
        sleeper.join(timeout=30)
        stuck.close()


def _sleep_until_cancelled(conn: psycopg.Connection) -> None:
    with contextlib.suppress(psycopg.errors.QueryCanceled):
        conn.execute("select pg_sleep(60)")


def trigger_dbt_collision(ctx) -> str:
    work = ctx.settings.work_dir
    assert run_dbt("seed", ctx.url, work, target_schema="analytics").success
    outputs = ""
    with concurrent_dbt_runs(ctx.url, work) as round_of_runs:
        for _attempt in range(4):
            outputs += "".join(r.output_tail for r in round_of_runs() if not r.success)
            if "already exists" in outputs:
                break
            # Start the next attempt from scratch so the runs race to create the relations again.
            with psycopg.connect(ctx.url) as conn:
                conn.execute("drop schema analytics cascade")
            assert run_dbt("seed", ctx.url, work, target_schema="analytics").success
    return outputs


def trigger_no_scheduler(ctx) -> str:
    return _cli(
        "backfill",
        "--from",
        "2024-01",
        "--to",
        "2024-01",
        "--state-dir",
        str(ctx.tmp_path / "no-airflow"),
    )


def trigger_work_dir_full(ctx) -> str:
    from taxi_pipeline.core.settings import Settings

    texts = []
    for options in ("size=256k", "size=1m,ro"):
        with tmpfs(ctx.tmp_path / f"work-{len(texts)}", options) as work:
            settings = Settings(
                tlc_base_url=ctx.tlc.base_url, state_dir=ctx.tmp_path, work_dir=work
            )
            texts.append(_error_text(lambda s=settings: ingest_month(s, JAN, ctx.url)))
    return "".join(texts)


def trigger_warehouse_full(ctx) -> str:
    with small_tablespace(ctx.pg_server, ctx.url) as disk:
        # Far less room than another copy of the month: the reload's COPY runs out of space.
        resize(disk, 1024 * 1024)
        return _error_text(lambda: ingest_month(ctx.settings, JAN, ctx.url))


def trigger_bad_month(ctx) -> str:
    from taxi_pipeline.orchestration.tasks import month_for_run

    manual = SimpleNamespace(dag_id="taxi_pipeline", run_type="manual")
    context = {"params": {}, "dag_run": manual, "logical_date": None}
    return _cli("ingest", "--month", "2024-1") + _error_text(lambda: month_for_run(context))


def trigger_import_error(ctx) -> str:
    from airflow.dag_processing.dagbag import DagBag

    from taxi_pipeline.local.stack import _import_errors_text

    folder = ctx.tmp_path / "dags"
    folder.mkdir()
    (folder / "broken.py").write_text("from airflow.sdk import dag\nraise ImportError('gone')\n")
    return _import_errors_text(DagBag(dag_folder=str(folder)).import_errors)


def trigger_warehouse_busy(ctx) -> str:
    import dataclasses

    from taxi_pipeline.core.settings import LockWait

    bounded = dataclasses.replace(ctx.settings, lock_wait=LockWait(timeout_s=0.5, retry_s=0))
    with psycopg.connect(ctx.url, application_name="analyst_notebook") as reader:
        reader.execute("select count(*) from raw.green_trips")
        return _error_text(lambda: ingest_month(bounded, JAN, ctx.url))


def trigger_marts_out_of_sync(ctx) -> str:
    # Marts as an older dbt project built them, without the service column.
    transform_month(ctx.settings, JAN, ctx.url, echo=lambda line: None)
    with psycopg.connect(ctx.url) as conn:
        conn.execute("alter table analytics.fct_trips drop column service")
    ingest_month(ctx.settings, JAN, ctx.url)
    return _error_text(lambda: transform_month(ctx.settings, JAN, ctx.url, echo=lambda line: None))


def trigger_nothing_to_export(ctx) -> str:
    from taxi_pipeline.core.exports import export_monthly_summary
    from taxi_pipeline.orchestration import exports

    unbuilt = _error_text(lambda: export_monthly_summary(ctx.url, "analytics", JAN, ctx.tmp_path))
    # A run triggered by hand: its context has no triggering asset events.
    manual = {"triggering_asset_events": {}}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exports, "get_current_context", lambda: manual)
        by_hand = _error_text(exports.export_monthly_summary)
    return f"{unbuilt}\n{by_hand}"


TRIGGERS = {
    1: trigger_not_published_yet,
    2: trigger_not_published_by,
    3: trigger_not_available,
    4: trigger_html,
    5: trigger_damaged,
    6: trigger_schema_change,
    7: trigger_dbt_test_failure,
    8: trigger_unreachable,
    9: trigger_auth_failed,
    10: trigger_dbt_collision,
    11: trigger_no_scheduler,
    12: trigger_work_dir_full,
    13: trigger_bad_month,
    14: trigger_import_error,
    15: trigger_tls_failed,
    16: trigger_dbt_still_running,
    17: trigger_warehouse_busy,
    18: trigger_login_refused,
    19: trigger_warehouse_full,
    20: trigger_marts_out_of_sync,
    21: trigger_nothing_to_export,
}


def test_every_runbook_entry_has_a_trigger():
    assert set(runbook_symptoms()) == set(TRIGGERS)
    assert all(runbook_symptoms().values()), "an entry has no quoted symptom"


@pytest.mark.parametrize("entry", sorted(TRIGGERS))
def test_runbook_symptom_is_what_the_failure_prints(
    entry, settings, warehouse_url, pg_server, tlc, tmp_path, caplog, capsys
):
    caplog.set_level(logging.INFO)
    ingest_month(settings, JAN, warehouse_url)
    before = state(warehouse_url)
    ctx = SimpleNamespace(
        settings=settings,
        url=warehouse_url,
        pg_server=pg_server,
        tlc=tlc,
        tmp_path=tmp_path,
        caplog=caplog,
        capsys=capsys,
    )
    output = TRIGGERS[entry](ctx)
    for symptom in runbook_symptoms()[entry]:
        assert symptom in output, f"runbook entry {entry}: {symptom!r} not in the output"
    if entry not in (7, 10, 17):
        # Failures before or during the load leave the warehouse as it was.
        assert state(warehouse_url) == before
    assert warehouse_url.split(":")[2].split("@")[0] not in output
