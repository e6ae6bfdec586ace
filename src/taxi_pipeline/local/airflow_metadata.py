"""Reading the local Airflow's metadata database: DAGs, runs, task instances and their results,
import errors, missing pools, backfills."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from taxi_pipeline.core.names import DAG_ID
from taxi_pipeline.local.airflow_status import LocalAirflowError

TERMINAL_RUN_STATES = ("success", "failed")


class AirflowMetadata:
    """``LocalAirflow``'s queries of its metadata database, whose URL it knows."""

    @contextlib.contextmanager
    def metadata(self) -> Iterator[psycopg.Connection]:
        with psycopg.connect(self._metadata_url("postgresql"), connect_timeout=10) as conn:
            yield conn

    def dags(self) -> dict[str, dict[str, Any]]:
        with self.metadata() as conn:
            rows = conn.execute("select dag_id, is_paused, is_stale from dag").fetchall()
        return {r[0]: {"is_paused": r[1], "is_stale": r[2]} for r in rows}

    def import_errors(self) -> dict[str, str]:
        with self.metadata() as conn:
            rows = conn.execute("select filename, stacktrace from import_error").fetchall()
        return {r[0]: r[1] for r in rows}

    def missing_pools(self) -> dict[str, int]:
        """Pools named by scheduled or queued tasks that do not exist (Airflow only logs it)."""
        with self.metadata() as conn:
            rows = conn.execute(
                "select ti.pool, count(*) from task_instance ti "
                "where ti.state in ('scheduled', 'queued') "
                "and not exists (select 1 from slot_pool p where p.pool = ti.pool) "
                "group by ti.pool order by ti.pool"
            ).fetchall()
        return dict(rows)

    def dag_runs(self, dag_id: str = DAG_ID) -> list[dict[str, Any]]:
        return self._rows(
            "select run_id, run_type, state, logical_date, data_interval_start, "
            "data_interval_end, start_date, end_date, backfill_id, conf "
            "from dag_run where dag_id = %s order by id",
            (dag_id,),
        )

    def task_instances(self, dag_id: str = DAG_ID, *, history: bool = False) -> list[dict]:
        """Current task instances; with ``history``, earlier tries (retries, clears) too."""
        query = (
            "select run_id, task_id, state, try_number, start_date, end_date, pool, "
            "false as is_history from task_instance where dag_id = %(dag)s"
        )
        if history:
            query += (
                " union all select run_id, task_id, state, try_number, start_date, end_date, "
                "pool, true from task_instance_history where dag_id = %(dag)s"
            )
        return self._rows(query + " order by start_date nulls last", {"dag": dag_id})

    def task_results(
        self, run_ids: list[str], dag_id: str = DAG_ID, key: str = "return_value"
    ) -> dict[tuple[str, str], dict]:
        """What each task left in the XCom ``key`` (by default what it returned), by (run id,
        task id); a value that is not a dict reads as an empty one."""
        with self.metadata() as conn:
            rows = conn.execute(
                "select run_id, task_id, value from xcom "
                "where dag_id = %s and key = %s and run_id = any(%s)",
                (dag_id, key, run_ids),
            ).fetchall()
        results = {}
        for run_id, task_id, value in rows:
            if isinstance(value, str | bytes):
                value = json.loads(value)
            results[(run_id, task_id)] = value if isinstance(value, dict) else {}
        return results

    def failed_tasks(self, run_ids: list[str], dag_id: str = DAG_ID) -> dict[str, dict]:
        """The first task that failed in each of the runs (not the ones skipped because of it),
        by run id: task id and try number."""
        rows = self._rows(
            "select distinct on (run_id) run_id, task_id, try_number from task_instance "
            "where dag_id = %s and run_id = any(%s) and state = 'failed' "
            "order by run_id, end_date nulls last",
            (dag_id, run_ids),
        )
        return {r["run_id"]: r for r in rows}

    def task_log_path(
        self, run_id: str, task_id: str, try_number: int = 1, dag_id: str = DAG_ID
    ) -> Path:
        """Where the task's try wrote its log (Airflow's default log_filename_template)."""
        return (
            self.home
            / "logs"
            / f"dag_id={dag_id}"
            / f"run_id={run_id}"
            / f"task_id={task_id}"
            / f"attempt={try_number}.log"
        )

    def backfill_runs(self, backfill_id: int) -> list[dict[str, Any]]:
        return self._rows(
            "select dr.run_id, dr.state, dr.logical_date, dr.start_date, dr.end_date "
            "from backfill_dag_run b join dag_run dr on dr.id = b.dag_run_id "
            "where b.backfill_id = %s order by b.sort_ordinal",
            (backfill_id,),
        )

    def wait_for_backfill(
        self, backfill_id: int, timeout_s: float = 600.0, *, marked_complete: bool = True
    ) -> list[dict]:
        """Until the backfill is complete; returns its runs.

        The scheduler marks a backfill complete up to 30 s after its last run has finished, and
        only then takes another backfill of the DAG; without ``marked_complete`` this returns
        as soon as every run has finished.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            with self.metadata() as conn:
                done = conn.execute(
                    "select completed_at is not null from backfill where id = %s", (backfill_id,)
                ).fetchone()
            runs = self.backfill_runs(backfill_id)
            finished = bool(runs) and all(r["state"] in TERMINAL_RUN_STATES for r in runs)
            if finished and (not marked_complete or (done and done[0])):
                return runs
            if time.monotonic() > deadline:
                states = ", ".join(f"{r['run_id']}={r['state']}" for r in runs)
                raise LocalAirflowError(
                    f"backfill {backfill_id} not done after {timeout_s}s: {states}"
                )
            time.sleep(1.0)

    def wait_for_backfill_slot(self, dag_id: str, timeout_s: float = 120.0) -> None:
        """Until no backfill of ``dag_id`` is open, as Airflow takes one backfill per DAG.

        A backfill whose runs have all finished is open until the scheduler marks it complete
        (up to 30 s later, longer on a loaded machine): that wait is bounded by ``timeout_s``.
        One whose runs are still going is a backfill in progress, said at once.
        """
        with self.metadata() as conn:
            row = conn.execute(
                "select max(id) from backfill where dag_id = %s and completed_at is null",
                (dag_id,),
            ).fetchone()
        if not row or row[0] is None:
            return
        runs = self.backfill_runs(row[0])
        going = [r for r in runs if r["state"] not in TERMINAL_RUN_STATES]
        if going:
            raise LocalAirflowError(
                f"backfill {row[0]} of {dag_id} is still running ({len(runs) - len(going)} "
                f"of {len(runs)} runs finished) and Airflow runs one backfill per DAG at a "
                "time: wait for it (taxi-pipeline status), then create this one"
            )
        try:
            self.wait_for_backfill(row[0], timeout_s)
        except LocalAirflowError:
            raise LocalAirflowError(
                f"backfill {row[0]} of {dag_id} finished its runs but the scheduler has not "
                f"marked it complete after {timeout_s:.0f}s: is the scheduler running? "
                "(taxi-pipeline status)"
            ) from None

    def _rows(self, query: str, params: Any) -> list[dict[str, Any]]:
        with self.metadata() as conn, conn.cursor() as cur:
            cur.execute(query, params)
            names = [d.name for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
