"""The commands of ``taxi-pipeline``: each takes the parsed arguments, prints what it did (tables,
progress, the Airflow login) and returns the exit code."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

from taxi_pipeline.core.months import Month
from taxi_pipeline.core.schema import SERVICES, service_schema
from taxi_pipeline.core.settings import Settings

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def settings_from(args: argparse.Namespace) -> Settings:
    given = {
        key: getattr(args, key)
        for key in (
            "service",
            "tlc_base_url",
            "warehouse_url",
            "state_dir",
            "work_dir",
            "raw_schema",
            "dbt_schema",
            "copy_streams",
        )
        if getattr(args, key, None) is not None
    }
    return Settings(**given)


def cmd_ingest(args: argparse.Namespace) -> int:
    from taxi_pipeline.core.pipeline import ingest_month, transform_month
    from taxi_pipeline.local.postgres import resolve_warehouse_url

    settings = settings_from(args)
    url = resolve_warehouse_url(settings)
    print(f"{settings.service} {args.month}: downloading, validating and loading ...", flush=True)
    load = ingest_month(settings, args.month, url, progress=_progress_printer(args.month))
    print(
        f"{settings.service} {args.month}: rows in file {load.rows_in_file:,}, "
        f"rows loaded {load.rows_loaded:,}, spillover rows {load.spillover_rows:,} "
        f"({_pickup_summary(load.pickup_months)}), {load.seconds:.1f}s",
        flush=True,
    )
    if args.skip_dbt:
        return EXIT_OK
    print(f"{settings.service} {args.month}: dbt build and test ...", flush=True)
    _, tests = transform_month(
        settings, args.month, url, echo=print if args.verbose else lambda line: None
    )
    print(f"{settings.service} {args.month}: dbt tests {tests.summary}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from taxi_pipeline.core.warehouse import Warehouse
    from taxi_pipeline.local.postgres import resolve_warehouse_url

    settings = settings_from(args)
    url = resolve_warehouse_url(settings)
    services = [args.service] if args.service else sorted(SERVICES)
    states = [
        (service, state)
        for service in services
        for state in Warehouse(url, service_schema(service), settings.raw_schema).month_states()
    ]
    if args.json:
        months = [
            {
                "service": service,
                "source_month": s.source_month,
                "rows_in_file": s.rows_in_file,
                "rows_loaded": s.rows_loaded,
                "checksum": s.checksum,
                "pickup_months": s.pickup_months,
            }
            for service, s in states
        ]
        print(json.dumps({"services": services, "months": months}, indent=2))
        return EXIT_OK
    if not states:
        print("no months loaded yet: try `taxi-pipeline ingest --month 2024-01`")
        return EXIT_OK
    print(f"{'service':<8} {'month':<8} {'in file':>9} {'loaded':>9} {'spillover':>9}  checksum")
    for service, s in states:
        spill = sum(n for m, n in s.pickup_months.items() if m != s.source_month)
        counts = f"{s.rows_in_file:>9,} {s.rows_loaded:>9,} {spill:>9,}"
        print(f"{service:<8} {s.source_month:<8} {counts}  {s.checksum}")
    return EXIT_OK


def cmd_namespace_logins(args: argparse.Namespace) -> int:
    from taxi_pipeline.core.connection import WarehouseConnection
    from taxi_pipeline.core.errors import InvalidParameter
    from taxi_pipeline.core.logins import create_login
    from taxi_pipeline.local.airflow_config import write_private
    from taxi_pipeline.local.postgres import resolve_warehouse_url
    from taxi_pipeline.orchestration.namespaces import configured_namespaces, parse_namespaces

    listed = parse_namespaces(args.namespaces) if args.namespaces else configured_namespaces()
    namespaces = [ns for ns in listed if not ns.is_default]
    if not namespaces:
        raise InvalidParameter("no namespace to give a login: pass --namespaces alice,bob")
    settings = settings_from(args)
    admin = WarehouseConnection.from_url(resolve_warehouse_url(settings))
    folder = Path(settings.state_dir) / "logins"
    folder.mkdir(parents=True, exist_ok=True)
    for ns in namespaces:
        login = create_login(admin, ns.login_role, (ns.raw_schema, ns.dbt_schema))
        conn_id = ns.connection_ids[0]
        saved = folder / f"{conn_id}.json"
        write_private(saved, login.airflow_json())
        print(f"{ns.name}: login {ns.login_role} owns {ns.raw_schema} and {ns.dbt_schema} only")
        print(f"  its Airflow connection {conn_id} (password inside, mode 0600): {saved}")
        print(f'  airflow connections add {conn_id} --conn-json "$(cat {saved})"')
        print(f"  (or set AIRFLOW_CONN_{conn_id.upper()} to that file's content)")
    return EXIT_OK


def cmd_mirror(args: argparse.Namespace) -> int:
    from taxi_pipeline.local.tlc_mirror import TlcMirror

    mirror = TlcMirror(args.folder, port=args.port)
    print(f"serving {args.folder} at {mirror.base_url} (Ctrl-C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        mirror.serve_forever()
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    from taxi_pipeline.core.dbt_docs import generate_docs, site_dir
    from taxi_pipeline.local.docs_server import docs_server, server_url
    from taxi_pipeline.local.postgres import resolve_warehouse_url

    settings = settings_from(args)
    url = resolve_warehouse_url(settings)
    # Bound before dbt runs, so that a taken port fails at once rather than after the seconds
    # dbt takes.
    server = docs_server(site_dir(settings.work_dir, settings.dbt_schema), args.port)
    print(f"generating the dbt docs site against {settings.dbt_schema} ...", flush=True)
    site = generate_docs(
        url,
        settings.work_dir,
        dbt_schema=settings.dbt_schema,
        raw_schema=settings.raw_schema,
        echo=print if args.verbose else None,
    )
    print(f"{len(site.models)} models documented in {site.folder}", flush=True)
    if site.unbuilt_models:
        print(
            f"not built in the warehouse yet, so without columns and statistics: "
            f"{', '.join(site.unbuilt_models)} (load a month first: taxi-pipeline ingest "
            f"--month 2024-01)",
            flush=True,
        )
    # A Ctrl-C from the moment the URL shows is a normal stop.
    with server, contextlib.suppress(KeyboardInterrupt):
        print(f"serving the dbt docs at {server_url(server)} (Ctrl-C stops)", flush=True)
        server.serve_forever()
    print("stopped serving the dbt docs")
    return EXIT_OK


def _stack(args: argparse.Namespace):
    from taxi_pipeline.local.stack import LocalStack

    return LocalStack(settings_from(args), api_port=getattr(args, "api_port", None))


def _echo(line: str) -> None:
    print(line, flush=True)


def cmd_up(args: argparse.Namespace) -> int:
    stack = _stack(args)
    stack.up(prefer_tlc=args.use_tlc, echo=_echo)
    _print_login(stack)
    return EXIT_OK


def cmd_down(args: argparse.Namespace) -> int:
    _stack(args).down()
    print("stopped Airflow, PostgreSQL and the local TLC mirror (data kept in the state dir)")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from taxi_pipeline.local.airflow_status import missing_pool_message

    stack = _stack(args)
    status = stack.airflow.status()
    if status.import_errors:
        from taxi_pipeline.local.stack import _import_errors_text

        print("!" * 78)
        print(_import_errors_text(status.import_errors))
        print("!" * 78)
    postgres = "running" if stack.airflow.postgres.is_running() else "stopped"
    print(f"{'postgresql':<14} {postgres}")
    for component in status.components:
        health = "healthy" if component.running and component.healthy else "NOT HEALTHY"
        detail = f"  {component.detail}" if component.detail and health != "healthy" else ""
        print(f"{component.name:<14} {health}{detail}")
    for dag_id in status.missing_dags:
        print(f"DAG {dag_id} is not loaded")
    for pool, waiting in status.missing_pools.items():
        print(missing_pool_message(pool, waiting))
    print(f"TLC source     {stack.tlc_base_url()}")
    print(f"Airflow UI     {status.api_url}")
    if postgres == "running" and (failed := stack.failed_months()):
        print()
        _print_failures(failed)
    return EXIT_OK if status.healthy else EXIT_FAILURE


def cmd_backfill(args: argparse.Namespace) -> int:
    stack = _stack(args)
    stack.require_scheduler()
    backfill_id = stack.airflow.create_backfill(
        getattr(args, "from"), args.to, reprocess=args.reprocess, dag_id=stack.dag_id
    )
    print(
        f"backfill {backfill_id} of {stack.dag_id} created for {getattr(args, 'from')} .. {args.to}"
    )
    return _follow(stack, stack.backfill_run_ids(backfill_id))


def cmd_run(args: argparse.Namespace) -> int:
    stack = _stack(args)
    stack.require_scheduler()
    run_id = stack.airflow.trigger(args.month, dag_id=stack.dag_id)
    print(f"triggered {run_id} of {stack.dag_id}")
    return _follow(stack, [run_id])


def cmd_verify(args: argparse.Namespace) -> int:
    stack = _stack(args)
    stack.require_scheduler()
    before = stack.month_state(args.month)
    if before is None:
        print(f"{args.month} is not loaded yet: nothing to compare (run it first)", file=sys.stderr)
        return EXIT_FAILURE
    run_id = stack.airflow.trigger(args.month, dag_id=stack.dag_id)
    print(f"re-running {args.month} ({run_id}) ...", flush=True)
    if _follow(stack, [run_id]) != EXIT_OK:
        return EXIT_FAILURE
    after = stack.month_state(args.month)
    return _print_comparison(before, after)


def cmd_demo(args: argparse.Namespace) -> int:
    from taxi_pipeline.local.stack import SAMPLES_DIR

    stack = _stack(args)
    stack.up(prefer_tlc=args.use_tlc, echo=_echo)
    months = sorted(Month.parse(p.stem.split("_")[-1]) for p in SAMPLES_DIR.glob("*.parquet"))
    print(f"loading {', '.join(map(str, months))} through the Airflow scheduler ...", flush=True)
    run_ids = []
    for first, last in _consecutive(months):
        if first == last:
            run_ids.append(stack.airflow.trigger(first))
        else:
            backfill_id = stack.airflow.create_backfill(first, last)
            run_ids += stack.backfill_run_ids(backfill_id)
    outcome = _follow(stack, run_ids)
    _print_login(stack)
    return outcome


def _consecutive(months: list[Month]) -> list[tuple[Month, Month]]:
    """Months grouped into runs of consecutive months: one backfill each."""
    groups: list[tuple[Month, Month]] = []
    for month in months:
        if groups and groups[-1][1].next() == month:
            groups[-1] = (groups[-1][0], month)
        else:
            groups.append((month, month))
    return groups


def _follow(stack, run_ids: list[str]) -> int:
    stack.wait(run_ids, echo=_echo)
    summaries = stack.month_summaries(run_ids)
    print()
    print(
        f"{'month':<8} {'state':<8} {'in file':>9} {'loaded':>9} {'spillover':>9} "
        f"{'dbt tests (pass/warn/fail)':>27} {'duration':>9}"
    )
    for s in summaries:
        tests = s.tests or {}
        verdict = (
            f"{tests.get('pass', 0)}/{tests.get('warn', 0)}/"
            f"{tests.get('fail', 0) + tests.get('error', 0)}"
            if s.tests is not None
            else "-"
        )
        print(
            f"{s.month:<8} {s.state:<8} {_num(s.rows_in_file):>9} {_num(s.rows_loaded):>9} "
            f"{_num(s.spillover_rows):>9} {verdict:>27} "
            f"{(f'{s.seconds:.0f}s' if s.seconds is not None else '-'):>9}"
        )
    failed = [s for s in summaries if s.state != "success"]
    if failed:
        print(file=sys.stderr)
        _print_failures(failed, file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def _print_failures(failed, file=None) -> None:
    """Each failed month with the task that failed and its error, as its task log says it."""
    print(f"{len(failed)} month(s) failed; dags/RUNBOOK.md says what to do:", file=file)
    for s in failed:
        reason = s.failure or f"the run is {s.state} without a failed task (marked failed?)"
        print(f"  {s.service} {s.month:<8} {s.failed_task or '-'}: {reason}", file=file)


def _num(value: int | None) -> str:
    return f"{value:,}" if value is not None else "-"


def _print_comparison(before, after) -> int:
    months = sorted(set(before.pickup_months) | set(after.pickup_months))
    print(f"\n{'':<22} {'before':>16} {'after':>16}")
    rows = [(f"rows of {before.source_month}", before.rows_loaded, after.rows_loaded)]
    rows += [
        (f"  pickup {m}", before.pickup_months.get(m, 0), after.pickup_months.get(m, 0))
        for m in months
    ]
    rows.append(("checksum", before.checksum, after.checksum))
    differences = 0
    for label, old, new in rows:
        mark = "" if old == new else "   <- differs"
        differences += old != new
        old_text = f"{old:,}" if isinstance(old, int) else str(old)[:16]
        new_text = f"{new:,}" if isinstance(new, int) else str(new)[:16]
        print(f"{label:<22} {old_text:>16} {new_text:>16}{mark}")
    if differences:
        print(f"\n{differences} difference(s): the re-run changed {before.source_month}")
        return EXIT_FAILURE
    print(f"\nidentical: re-running {before.source_month} changed nothing")
    return EXIT_OK


def _print_login(stack) -> None:
    from taxi_pipeline.local.stack import ADMIN_USER

    print(
        f"\nAirflow UI: {stack.airflow.api_url}  (user {ADMIN_USER}, password "
        f"{stack.airflow.admin_password()})"
    )
    print("stop everything with: taxi-pipeline down")


def _progress_printer(month: Month) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r  {month}: {done:,}/{total:,} rows copied", end="", file=sys.stderr)
            if done >= total:
                print(file=sys.stderr)

    return report


def _pickup_summary(pickup_months: dict[str, int]) -> str:
    return ", ".join(f"pickup {m}: {n:,}" for m, n in sorted(pickup_months.items()))
