"""Project code a DAG reaches through its imports is checked and reported at the import."""

from __future__ import annotations

from pathlib import Path

from airflow_trap_check import check_paths

PROJECTS = Path(__file__).parent / "corpus" / "projects"


def test_each_site_an_import_reaches_is_its_own_finding_naming_file_line_and_task() -> None:
    dag = PROJECTS / "imported_helpers" / "dags" / "monthly_ingest.py"
    secrets = [f for f in check_paths([dag]).findings if f.code == "TP005"]
    assert {f.line for f in secrets} == {8}
    assert sorted(f.message.split(", where line ")[1].split(":")[0] for f in secrets) == [
        "10",
        "6",
    ]
    for finding in secrets:
        assert "imported `common.db` (used by task `store`) reaches dags/common/db.py" in (
            finding.message
        )


def test_a_package_reexporting_a_module_is_followed_into_it() -> None:
    dag = PROJECTS / "imported_helpers" / "dags" / "monthly_ingest.py"
    reached = {(f.code, f.line) for f in check_paths([dag]).findings}
    assert ("TP007", 9) in reached  # Variable.get at import of plugins/taxi_helpers/downloads.py
    assert ("TP008", 9) in reached


def test_a_plugins_folder_beside_a_nested_dags_folder_resolves() -> None:
    dag = PROJECTS / "nested_airflow_home" / "airflow" / "dags" / "upload.py"
    findings = check_paths([dag]).findings
    assert [f.code for f in findings] == ["TP008"]
    assert "airflow/plugins/gcs_helpers/__init__.py, where line 8" in findings[0].message


HOMEWORK = PROJECTS / "course_homework" / "dags"


def test_an_append_two_modules_away_names_the_path_to_it() -> None:
    findings = check_paths([HOMEWORK / "papers.py"]).findings
    messages = {f.line: f.message for f in findings if f.code == "TP003"}
    assert "task `load` calls `append_chunks()` (include/loaders.py), where line 18" in messages[17]
    assert (
        "`load_citations()` (plugins/citation_tasks.py, which calls into include/loaders.py)"
        in messages[26]
    )


def test_a_dag_built_by_a_factory_module_is_judged_with_the_arguments_it_is_given() -> None:
    (finding,) = check_paths([HOMEWORK / "yellow_ingest.py"]).findings
    assert finding.code == "TP002"
    assert "builds a DAG in dags/common/factory.py (line 12)" in finding.message
    assert "catchup=True with start_date 2019-01-01 and a monthly schedule" in finding.message


PORTFOLIO = PROJECTS / "portfolio_etl" / "airflow" / "dags"


def messages(dag: Path, code: str) -> list[str]:
    return [f.message for f in check_paths([dag]).findings if f.code == code]


def test_helpers_on_a_relative_sys_path_entry_are_found_and_read() -> None:
    (secret,) = messages(PORTFOLIO / "exchange_rates.py", "TP005")
    assert "imported `db_util` (used by task `load_rates`) reaches pgsql/db_util.py" in secret
    (append,) = messages(PORTFOLIO / "exchange_rates.py", "TP003")
    assert "task `load_rates` runs `db_util.load_rates()` (pgsql/db_util.py)" in append


def test_the_script_a_container_runs_is_the_project_file_its_image_copies() -> None:
    (secret,) = messages(PORTFOLIO / "container_etl.py", "TP005")
    assert "task `extract` runs scripts_etl/extract.py, which imports scripts_etl/load.py" in secret
    assert "`DB_PASSWORD`" in secret  # not the --password default the other task overrides


def test_a_clock_value_handed_to_a_helper_is_followed_into_its_sql() -> None:
    (clock,) = messages(PORTFOLIO / "daily_report.py", "TP001")
    assert "reaches `storage.save_report()` (reporting/storage.py)" in clock
    assert "puts its `day` into the SQL on line 8" in clock


def test_the_database_clock_choosing_the_rows_an_insert_moves_is_named() -> None:
    (clock,) = messages(PORTFOLIO / "warehouse_moves.py", "TP001")
    assert "the database's clock (`NOW()`) picks the rows this INSERT moves" in clock


def test_shell_scripts_a_task_runs_are_read_for_dbt_and_secrets() -> None:
    dag = PROJECTS / "shell_scripts" / "dags" / "nightly.py"
    (dbt,) = messages(dag, "TP006")
    assert "task `transform` (`dbt run` in scripts/transform.sh)" in dbt
    (secret,) = messages(dag, "TP005")
    assert (
        "task `export` runs scripts/export.sh, where line 3: literal secret for `PGPASSWORD`"
        in (secret)
    )


CLOCK_SOURCES = PROJECTS / "clock_sources" / "dags"


def clock_findings(name: str) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in check_paths([CLOCK_SOURCES / name]).findings]


def test_a_window_counted_from_now_is_the_wall_clock_in_the_dag_and_in_a_helper() -> None:
    ((line, message),) = clock_findings("market_prices.py")
    assert line == 10 and "`period='5d'` asks for a window counted from the wall clock" in message
    # the tasks asking for the interval's or the run day's dates (lines 20 and 25) are not reported
    (recent, tomorrow) = clock_findings("weather.py")
    assert recent[0] == 18
    assert "`fetch_recent_days()` (projects/clock_sources/include/weather_api.py)" in recent[1]
    assert "asks for `past_days=7` on line 8" in recent[1]
    assert tomorrow[0] == 19 and "asks for `forecast_days=1` on line 18" in tomorrow[1]


def test_a_clock_named_object_stored_in_the_lake_is_reported_but_a_backup_copy_is_not() -> None:
    ((line, message),) = clock_findings("lake.py")
    assert line == 14 and "`writer.save_raw()`" in message
    assert "reaches `self.client.put_object()` on line 17" in message


def test_a_business_date_stamped_from_the_clock_two_modules_away_is_reported() -> None:
    ((line, message),) = clock_findings("orders.py")
    assert line == 11 and "which calls into projects/clock_sources/plugins/mappers.py" in message
    assert "the business date field `order_date` on line 11" in message


def test_a_helper_reading_back_the_file_the_clock_names_is_reported_writing_it_is_not() -> None:
    ((line, message),) = clock_findings("cases.py")
    assert line == 12 and "`read_counts()`" in message and "`open()` on line 15" in message


def test_a_watermark_fallback_and_a_deleted_scratch_file_are_not_the_wall_clock() -> None:
    assert clock_findings("watermark.py") == []
    assert clock_findings("scratch.py") == []


OBJECTS = PROJECTS / "project_objects" / "dags"


def test_a_method_of_a_project_object_the_task_makes_is_followed_into_its_load() -> None:
    (append,) = messages(OBJECTS / "quotes.py", "TP003")
    assert "task `load_quotes` calls `loader.append_quotes()` (include/warehouse/loader.py)" in (
        append
    )
    assert 'where line 18: to_sql(if_exists="append") appends to `fact_quotes`' in append
    # upsert_symbols (ON CONFLICT) and reload_day's replace_day (DELETE first) are not reported
    assert [f.line for f in check_paths([OBJECTS / "quotes.py"]).findings] == [22]


def test_dbt_run_by_a_project_helper_subprocess_is_a_dbt_task() -> None:
    (dbt,) = messages(OBJECTS / "dbt_python.py", "TP006")
    assert "task `build_models` (`dbt run` in `build_models()` (include/dbt_runner.py))" in dbt
    # the same helper running only `dbt test` builds nothing
    assert check_paths([OBJECTS / "dbt_tests_only.py"]).findings == []


def test_default_args_and_dbt_commands_kept_in_a_project_module_are_read() -> None:
    (retried,) = messages(OBJECTS / "dbt_shared_defaults.py", "TP009")
    assert "task `test` runs dbt test with retries=2" in retried
    assert check_paths([OBJECTS / "dbt_local_retries.py"]).findings == []


def test_a_module_imported_inside_a_reached_function_counts_for_secrets_not_parse_time() -> None:
    dag = OBJECTS / "sales_ingest.py"
    findings = check_paths([dag]).findings
    assert [(f.code, f.line) for f in findings] == [("TP005", 8)]
    assert (
        "imported `ingest_tasks.checks` (used by task `ingest`) reaches etl/ingest_csv.py, "
        "where line 10: literal secret for `SALES_DB_PASSWORD`"
    ) in findings[0].message


SCRIPTS = PROJECTS / "script_runs" / "dags"


def _by_line(path: Path, code: str) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for finding in check_paths([path]).findings:
        if finding.code == code:
            found.setdefault(finding.line, []).append(finding.message)
    return found


def test_a_spark_application_is_the_tasks_code_for_its_loads_and_secrets() -> None:
    loads = _by_line(SCRIPTS / "club_spark.py", "TP003")
    (members,) = loads[35]
    assert "task `load_members` runs spark_jobs/load_members.py, where line 16" in members
    assert 'jdbc(mode="append") appends to its table' in members
    (secret,) = _by_line(SCRIPTS / "club_spark.py", "TP005")[35]
    assert "spark_jobs/load_members.py, where line 14: literal secret for `WAREHOUSE_PASSWORD`" in (
        secret
    )
    # the application that overwrites a small table whole is not a load to guard
    assert 40 not in loads and 41 not in loads


def test_spark_submit_in_a_command_runs_the_application_not_its_py_files() -> None:
    (append,) = _by_line(SCRIPTS / "club_spark.py", "TP003")[44]
    assert "task `daily_visits` runs jobs/daily_visits.py, which calls into jobs/shared.py" in (
        append
    )
    assert 'line 7: mode("append") appends' in append
    (secret,) = _by_line(SCRIPTS / "club_spark.py", "TP005")[44]
    assert "jobs/daily_visits.py, which imports jobs/shared.py, where line 11" in secret


def test_a_script_a_callable_starts_with_subprocess_is_reached() -> None:
    (secret,) = _by_line(SCRIPTS / "club_spark.py", "TP005")[17]
    assert "task `export_rates` runs etl/export_rates.py, where line 6: literal secret for " in (
        secret
    )


def test_an_import_inside_a_task_callable_reaches_secrets_and_paths_not_parse_time_work() -> None:
    findings = [f for f in check_paths([SCRIPTS / "club_spark.py"]).findings if f.line == 21]
    assert sorted(f.code for f in findings) == ["TP005", "TP008"]
    for finding in findings:
        assert "imported `seed_catalog` (used by task `seed_catalog`) reaches scripts/" in (
            finding.message
        )
    assert "`/tmp/catalog_seed.duckdb`" in next(f for f in findings if f.code == "TP008").message


def test_the_period_an_op_kwargs_value_names_makes_a_whole_table_replace_a_wipe() -> None:
    (wipe,) = _by_line(SCRIPTS / "club_monthly.py", "TP003")[21]
    assert "task `load_month` runs `load_file()` (dags/ingest_monthly.py), where line 11" in wipe
    assert "each run wipes the other months" in wipe
    # the same callable given a fixed reference file loads no period: replacing is the refresh
    assert list(_by_line(SCRIPTS / "club_monthly.py", "TP003")) == [21]


def test_a_dbt_command_built_by_a_function_of_the_dag_file_is_read_with_its_arguments() -> None:
    assert list(_by_line(SCRIPTS / "club_dbt.py", "TP006")) == [21]
    (dbt,) = _by_line(SCRIPTS / "club_dbt.py", "TP006")[21]
    assert "dbt runs in task `dbt_marts` (`dbt run`)" in dbt


def test_a_secret_fallback_inside_a_template_variable_lookup_is_a_literal_secret() -> None:
    secrets = _by_line(SCRIPTS / "club_dbt.py", "TP005")
    assert list(secrets) == [16]
    assert "literal fallback for Variable `warehouse_password` in a template" in secrets[16][0]


def test_max_of_a_surrogate_key_numbers_new_rows_and_is_no_watermark() -> None:
    loads = _by_line(SCRIPTS / "club_sales.py", "TP003")
    # appending past MAX(day), or past the source ids MAX(member_key) records: watermarks
    assert list(loads) == [16]
    (sales,) = loads[16]
    assert "task `sales` runs scripts/load_sales.py, where line 12" in sales
    assert "appends to `fact_sales`" in sales


COMPOSE = PROJECTS / "compose_containers" / "dags"


def test_compose_pip_requirements_and_pythonpath_mounts_resolve_imports() -> None:
    findings = check_paths([COMPOSE / "warehouse_build.py"]).findings
    unresolved = [f.message for f in findings if f.code == "TP007"]
    assert len(unresolved) == 1 and "`quackframes`" in unresolved[0]  # duckdb, lib/ resolve


def test_a_dbt_image_running_run_is_dbt_but_test_or_another_image_is_not() -> None:
    findings = check_paths([COMPOSE / "warehouse_build.py", COMPOSE / "spark_jobs.py"]).findings
    runs = [f for f in findings if f.code == "TP006"]
    assert [(Path(f.path).name, f.line) for f in runs] == [("warehouse_build.py", 22)]


def test_dbt_test_handed_to_a_callable_with_retries_is_reported_unless_it_also_runs() -> None:
    findings = check_paths([COMPOSE / "remote_dbt.py"]).findings
    assert [(f.code, f.line) for f in findings if f.code == "TP009"] == [("TP009", 27)]


CLOCK_REACH = PROJECTS / "clock_reach" / "dags"


def test_a_clock_value_set_at_the_top_of_an_imported_settings_module_is_a_clock_reading() -> None:
    result = check_paths([CLOCK_REACH / "daily_export.py"])
    found = {(f.code, f.line) for f in result.findings}
    assert found == {("TP001", 17), ("TP001", 22)}  # the folder name and the op_kwargs value
    assert all("`report_day` is the wall clock read when" in f.message for f in result.findings)
    # keep_days and export_root, from the same module, read no clock
    assert not [
        f for f in result.findings if "keep_days" in f.message or "export_root" in f.message
    ]


def test_a_task_helper_reading_rows_of_a_window_counted_back_from_the_database_clock() -> None:
    result = check_paths([CLOCK_REACH / "daily_rollup.py"])
    found = [(f.code, f.line) for f in result.findings]
    assert found == [("TP001", 18)]
    assert "`rows_of_yesterday` (dags/jobs/exporter.py)" in result.findings[0].message
    # a COUNT of today's loaded rows and a grouped health report are not reported (lines 20-21);
    # the helper module on its own runs in no task, so its SELECT is not reported there
    assert check_paths([CLOCK_REACH / "jobs" / "exporter.py"]).findings == []


def test_a_signature_nonce_and_a_last_extraction_record_pick_no_period() -> None:
    assert check_paths([CLOCK_REACH / "signed_api.py"]).findings == []


def test_a_line_unindented_to_no_outer_level_is_read_in_its_block_and_still_reported() -> None:
    result = check_paths([CLOCK_REACH / "stray_indent.py"])
    assert {(f.code, f.line) for f in result.findings} == {("TP001", 12), ("TP007", 24)}


LOADS = PROJECTS / "load_reach" / "dags"


def test_an_imported_task_group_is_followed_into_the_helper_its_task_calls() -> None:
    (append,) = messages(LOADS / "weekly_rides.py", "TP003")
    assert "`load_week()` (dags/groups.py, which calls into dags/bq_load.py)" in append
    assert "load_table_from_dataframe() appends to `rides`" in append


def test_the_helpers_an_imported_callable_calls_are_its_load() -> None:
    (append,) = messages(LOADS / "readings.py", "TP003")
    assert "`run_pipeline()` (dags/pipeline.py, which calls into src/readings_store.py)" in append
    assert "insert_rows_json() appends to `readings`" in append


def test_a_staging_table_nothing_empties_is_reported_and_one_a_task_truncates_is_not() -> None:
    (append,) = messages(LOADS / "bike_trips.py", "TP003")
    assert "COPY appends to `stg_trips`" in append
    # TRUNCATE TABLE IF EXISTS in an upstream task empties it before each load
    assert check_paths([LOADS / "bike_trips_refresh.py"]).findings == []


def test_a_delete_of_the_day_is_wider_than_a_sub_daily_run() -> None:
    (wider,) = messages(LOADS / "ticks_every_15m.py", "TP003")
    assert "task `load` calls `load_ticks()` (warehouse/ticks.py), where line 10" in wider
    assert "removes the whole day, but task `load` runs more often than daily" in wider
    # once a day, the day deleted is the run's own
    assert check_paths([LOADS / "ticks_daily.py"]).findings == []


def test_a_count_of_the_stored_rows_is_no_filter_of_the_rows_inserted() -> None:
    (delete,) = messages(LOADS / "monthly_trips.py", "TP004")
    assert "scoped by `pickup_datetime`" in delete
    assert messages(LOADS / "monthly_trips.py", "TP003") == []
    assert check_paths([LOADS / "monthly_trips_filtered.py"]).findings == []


def test_a_file_with_a_line_at_no_indentation_level_is_still_read() -> None:
    findings = check_paths([LOADS / "broken_indent.py"]).findings
    assert [(f.code, f.line) for f in findings] == [("TP003", 14), ("TP007", 22)]
    assert "unindent does not match" in findings[1].message


ROWS = PROJECTS / "clock_rows" / "dags"


def test_a_window_from_a_clock_of_a_module_rebinding_datetime_is_followed() -> None:
    # `from datetime import datetime` then `import datetime`: `datetime.datetime.now()` is clock
    ((line, message),) = [(f.line, f.message) for f in check_paths([ROWS / "listens.py"]).findings]
    assert line == 11 and "`pull_recent_listens()` (etl/listens.py)" in message
    assert "reaches the URL on line 13" in message
    # pull_listens_between asks for the run's interval and times itself: not reported


def test_a_business_timestamp_stamped_from_the_clock_is_reported_an_audit_column_is_not() -> None:
    ((line, message),) = [(f.line, f.message) for f in check_paths([ROWS / "visits.py"]).findings]
    assert line == 11 and "the business date field `visit_start_utc` on line 15" in message
    # loaded_at in the same rows and created_at in make_audit_rows are audit columns


def test_a_stored_sum_over_a_window_from_the_database_clock_in_a_script_is_reported() -> None:
    ((line, message),) = [(f.line, f.message) for f in check_paths([ROWS / "reports.py"]).findings]
    assert line == 10 and "the script (scripts/weekly_spend.py) runs SQL on line 7" in message
    assert "the database's clock (`NOW()-INTERVAL`)" in message
    # scripts/freshness.py counts the same window and sums today's rows, but keeps nothing:
    # a health check, not reported


LEGACY = PROJECTS / "legacy_plugins" / "dags" / "hourly_plays.py"


def test_an_airflow_1_plugin_operator_is_followed_into_its_execute() -> None:
    found = messages(LEGACY, "TP003")
    assert any(
        "task `load_plays` runs `AppendRowsOperator.execute()` (plugins/operators/append_rows.py)"
        in m
        for m in found
    )
    # the SQL of a package the repository keeps without its __init__.py is read too
    assert any("INSERT appends to `venues`" in m for m in found)


def test_a_wipe_the_task_switches_off_is_no_guard_but_one_left_on_is() -> None:
    lines = sorted(f.line for f in check_paths([LEGACY]).findings if f.code == "TP003")
    # load_users (wipe_first=False) is reported; reload_users (True) and reload_default
    # (the operator's default, on) empty the table first and are not
    assert lines == [15, 21, 43]


LOAD_APIS = PROJECTS / "load_apis" / "dags"


def test_document_store_inserts_are_appends_and_deletes_or_upserts_guard_them() -> None:
    findings = check_paths([LOAD_APIS / "documents.py"]).findings
    assert {(f.code, f.line) for f in findings} == {("TP003", 16), ("TP003", 41)}
    assert "insert_many() appends" in findings[0].message
    # replace_day (delete_many first), upsert_devices (update_one upsert=True) and the Spark
    # connector writing with upsertDocument are not reported


def test_contrib_gcs_to_bigquery_appends_and_snowflake_copy_only_when_forced() -> None:
    (append, forced) = messages(LOAD_APIS / "transfers.py", "TP003")
    assert "GoogleCloudStorageToBigQueryOperator(WRITE_APPEND) appends to `trips`" in append
    assert "S3ToSnowflakeOperator appends to `prices`" in forced


def test_an_append_a_key_refuses_or_a_file_removed_once_loaded_is_not_reported() -> None:
    found = messages(LOAD_APIS / "keyed_and_consumed.py", "TP003")
    assert len(found) == 2
    assert "`plays_raw`" in found[0] and "`archive`" in found[1]


FACTORIES = PROJECTS / "dbt_factories" / "dags"


def test_a_dbt_operator_built_by_a_star_imported_factory_is_read_with_its_arguments() -> None:
    (dbt,) = [f for f in check_paths([FACTORIES / "hourly_snapshots.py"]).findings]
    assert (dbt.code, dbt.line) == ("TP006", 18)
    assert "`dbt snapshot` in an operator it builds, dags/dbt_steps.py" in dbt.message
    # tests only, max_active_runs=1, or a one-slot pool in the factory: nothing to report
    assert check_paths([FACTORIES / "hourly_checks.py"]).findings == []


def test_a_task_group_factory_whose_helpers_build_a_dbt_run_is_a_dbt_task() -> None:
    findings = check_paths([FACTORIES / "grouped_models.py"]).findings
    assert [(f.code, f.line) for f in findings] == [("TP006", 15)]
    assert "`dbt run` in an operator it builds, dags/warehouse/groups.py" in findings[0].message


def test_a_missing_comma_is_a_parse_error_and_the_rest_of_the_file_is_still_checked() -> None:
    findings = check_paths([FACTORIES / "missing_comma.py"]).findings
    assert {(f.code, f.line) for f in findings} == {("TP006", 13), ("TP007", 15)}


def test_a_codespaces_workspace_path_is_a_host_path() -> None:
    findings = check_paths([FACTORIES / "codespace_reads.py"]).findings
    assert [(f.code, f.line) for f in findings] == [("TP008", 14)]
    assert "/workspaces/film-etl" in findings[0].message


def test_calling_an_imported_task_function_adds_a_task_and_runs_no_hook_at_parse() -> None:
    dag = PROJECTS / "imported_tasks" / "dags" / "orders.py"
    findings = check_paths([dag]).findings
    assert [(f.code, f.line) for f in findings] == [("TP007", 20)]
    assert "`current_regions()` (include/warehouse_tasks.py line 18)" in findings[0].message


def test_a_root_module_found_only_through_a_named_host_path_entry_does_not_import() -> None:
    dag = PROJECTS / "host_syspath" / "airflow" / "dags" / "laptop_path.py"
    findings = check_paths([dag]).findings
    assert {(f.code, f.line) for f in findings} == {("TP007", 12), ("TP008", 8)}
    (missing,) = [f for f in findings if f.code == "TP007"]
    assert "`src.jobs.reshape` is found only through sys.path entry '/Users/sam/code" in (
        missing.message
    )


def test_an_import_before_the_sys_path_entry_its_module_needs_fails() -> None:
    late = PROJECTS / "late_syspath" / "dags"
    findings = check_paths([late / "rates.py"]).findings
    assert [(f.code, f.line) for f in findings] == [("TP007", 8)]
    assert "`rates_steps` imports `fetch_rates`, found only in pipeline/" in findings[0].message
    assert "sys.path on line 12, after the import" in findings[0].message
    # after the entry, or mounted inside a PYTHONPATH folder of the compose file: it resolves
    assert check_paths([late / "rates_in_order.py"]).findings == []


def test_an_object_a_reached_module_makes_and_logs_in_at_import_is_parse_time_work() -> None:
    dag = PROJECTS / "module_objects" / "dags" / "plays_dag.py"
    findings = check_paths([dag]).findings
    assert {(f.code, f.line) for f in findings} == {("TP007", 8)}
    messages = sorted(f.message for f in findings)
    assert "where line 22: `ApiSession()`, which makes `Variable.get()`" in messages[0]
    assert "where line 23: `ApiSession.login()`, which makes a network call" in messages[1]


def test_a_name_a_project_package_neither_defines_nor_imports_cannot_be_imported() -> None:
    dags = PROJECTS / "missing_names" / "dags"
    findings = check_paths([dags / "rates_to_gcs.py"]).findings
    assert [(f.code, f.line) for f in findings] == [("TP007", 7)]
    assert "`kit.operators` (dags/kit/operators/__init__.py) neither defines nor imports" in (
        findings[0].message
    )
    # the submodule itself, a submodule by name, or a module with __getattr__: no finding
    assert check_paths([dags / "rates_to_gcs_fixed.py"]).findings == []


CLOUD = PROJECTS / "cloud_jobs" / "dags" / "cloud_jobs.py"


def test_scripts_of_cloud_jobs_are_found_by_file_name_and_read_for_appends() -> None:
    loads = _by_line(CLOUD, "TP003")
    # Dataproc's job={"pyspark_job": {"main_python_file_uri": "gs://.../x.py"}}, an EMR step
    (events,) = loads[44]
    assert "task `events` runs jobs/append_events.py, where line 8" in events
    (orders,) = loads[48]
    assert "task `orders` runs jobs/append_orders.py, where line 7" in orders
    # spark-submit of $JOBS_DIR/x.py, and `cd folder && python x.py`
    assert "runs jobs/append_clicks.py" in loads[51][0]
    assert "runs ingest/load_readings.py" in loads[55][0]
    # a whole rebuild with a "Month" column is no period load; a dlt merge is idempotent
    assert 46 not in loads and 59 not in loads


def test_a_dlt_pipeline_run_appends_unless_its_disposition_replaces_or_merges() -> None:
    (readings,) = _by_line(CLOUD, "TP003")[55]
    assert 'dlt pipeline.run(write_disposition="append") appends to `readings`' in readings


def test_a_wipe_under_if_not_flag_is_off_when_the_flag_defaults_on() -> None:
    loads = _by_line(CLOUD, "TP003")
    (facts,) = loads[62]
    assert "`FactLoadOperator.execute()` (plugins/facts/load_fact.py), where line 19" in facts
    assert 64 not in loads  # append_mode=False: the TRUNCATE runs first


def test_dropping_a_temp_table_does_not_guard_an_insert_into_a_templated_target() -> None:
    (trips,) = _by_line(CLOUD, "TP003")[32]
    assert "INSERT appends to its table" in trips


AIRFLOW2 = PROJECTS / "airflow2_compose" / "dags"


def test_a_library_vendored_with_its_dist_info_is_not_project_code() -> None:
    # dags/webkit/ holds a literal password and a ~ path, but webkit-1.2.0.dist-info at the
    # project root says pip put it there: the task's reach stops at it
    assert messages(AIRFLOW2 / "scrape_listing.py", "TP005") == []
    assert messages(AIRFLOW2 / "scrape_listing.py", "TP008") == []


def test_a_hook_an_object_stores_at_import_is_no_work_but_reading_s3_through_it_is() -> None:
    assert messages(AIRFLOW2 / "archive_orders.py", "TP007") == []
    (read,) = messages(AIRFLOW2 / "snapshot_orders.py", "TP007")
    assert "`self.s3.read_key()` on the hook `S3Hook`" in read
    assert "dags/storage/archive.py" in read


CLOCK_RANGES = PROJECTS / "clock_ranges" / "dags"


def test_a_clock_value_as_the_end_of_a_range_a_helper_requests_is_reported() -> None:
    findings = check_paths([CLOCK_RANGES / "reports_dag.py"]).findings
    assert [(f.code, f.line) for f in findings] == [("TP001", 10)]  # pull(), not pull_run()
    assert "the end of the range `fetch_reports()` asks for (`last_day`)" in findings[0].message


def test_a_range_end_handed_through_an_executor_submit_is_followed() -> None:
    findings = check_paths([CLOCK_RANGES / "quotes_dag.py"]).findings
    # run() via pool.submit(save_quotes, ..., end); run_timed()'s start=clock is a duration
    assert [(f.code, f.line) for f in findings] == [("TP001", 14)]
    assert "`pipelines.quotes.run()` (dags/pipelines/quotes.py)" in findings[0].message


def test_a_clock_value_a_project_operator_turns_into_its_s3_prefix_in_execute_is_reported() -> None:
    dags = PROJECTS / "clock_operators" / "dags"
    findings = check_paths([dags / "stage_orders.py"]).findings
    assert [(f.code, f.line) for f in findings] == [("TP001", 8)]
    assert "`StageOrdersOperator(..., run_day=)`, whose class" in findings[0].message
    # the same clock only in a label and a logged note: not a boundary
    assert check_paths([dags / "stage_orders_clean.py"]).findings == []


def test_a_day_named_file_the_module_later_uploads_from_its_folder_is_reported() -> None:
    findings = check_paths([PROJECTS / "clock_uploads" / "dags" / "listings_dag.py"]).findings
    # scrape() -> self.save() names the file by the day and upload() stores that folder in S3;
    # not scrape_stamped() (named down to the second) nor notes.scrape() (never uploaded)
    assert [(f.code, f.line) for f in findings] == [("TP001", 15)]
    assert "a file the module stores as an object" in findings[0].message


def test_a_name_nothing_binds_fails_the_import_but_late_and_guarded_names_do_not() -> None:
    dags = PROJECTS / "unbound_names" / "dags"
    found = check_paths([dags / "orders_to_lake.py"]).findings
    assert [(f.code, f.line) for f in found] == [("TP007", 18)]
    assert "`stage`" in found[0].message and "NameError" in found[0].message
    assert check_paths([dags / "orders_to_lake_fixed.py"]).findings == []


def test_an_imported_task_with_many_retries_is_reported_where_the_dag_calls_it() -> None:
    dags = PROJECTS / "unbound_names" / "dags"
    found = [f for f in check_paths([dags / "weather.py"]).findings if f.code == "TP009"]
    assert [f.line for f in found] == [17]
    assert "`fetch_readings`" in found[0].message and "retries=6" in found[0].message
    assert check_paths([dags / "weather_fixed.py"]).findings == []


def test_a_pods_dbt_test_argv_split_over_cmds_and_arguments_is_a_dbt_test_task() -> None:
    found = check_paths([PROJECTS / "unbound_names" / "dags" / "dbt_pods.py"]).findings
    assert [(f.code, f.line) for f in found] == [("TP009", 25)]
    assert "`dbt_check`" in found[0].message


def test_mock_user_rows_windows_branches_and_pip_user_bin_are_not_reported_where_reached() -> None:
    dag = PROJECTS / "precision_guards" / "dags" / "warehouse_load.py"
    messages = [f.message for f in check_paths([dag]).findings]
    secrets = [m for m in messages if "literal secret" in m]
    # the connection list is reported, the three sample customers (email, username) are not
    assert [m.split("where line ")[1].split(":")[0] for m in secrets] == ["11", "12", "13"]
    paths = [m for m in messages if "seed/runtime.py" in m]
    assert any("`/tmp/spark`" in m for m in paths)  # the else branch runs on the worker
    assert any("`~/.local/share/exports`" in m for m in paths)  # data under the home directory
    assert not any("C:\\" in m or "~/.local/bin" in m or "line 12" in m for m in paths)
    copies = [m for m in messages if "COPY appends" in m]
    assert len(copies) == 1 and "append_clicks" in copies[0]  # TRUNCATE kept on self: clean


def test_clock_stamps_of_a_try_are_not_periods_but_a_day_stamp_and_a_where_bound_are() -> None:
    dag = PROJECTS / "clock_stamps" / "dags" / "match_replays.py"
    reported = {f.line: f.message for f in check_paths([dag]).findings if f.code == "TP001"}
    # a batch id to the second and an UPDATE's SET column are clean; a day-stamped batch handed
    # on and a clock bounding the UPDATE's WHERE are the period
    assert sorted(reported) == [17, 20]
    assert "`list_todays_matches()`" in reported[17]
    assert "`expire()`" in reported[20] and "conn.execute()" in reported[20]


FACTORY_TESTS = PROJECTS / "factory_tests" / "dags"


def _found(name: str) -> set[tuple[str, int]]:
    return {(f.code, f.line) for f in check_paths([FACTORY_TESTS / name]).findings}


def test_dbt_test_tasks_a_project_factory_builds_inherit_the_dags_retries() -> None:
    assert ("TP009", 15) in _found("per_test_tasks.py")
    assert not {c for c, _ in _found("per_test_tasks_no_retries.py")} & {"TP009"}
    assert not {c for c, _ in _found("build_then_test.py")} & {"TP009"}  # runs models too


def test_an_import_differing_from_the_project_module_only_in_case_fails_on_linux() -> None:
    assert ("TP007", 5) in _found("ledger_case_import.py")
    assert _found("ledger_exact_import.py") == set()


def test_a_libpq_dsn_with_a_quoted_literal_password_is_a_secret() -> None:
    assert _found("libpq_dsn.py") == {("TP005", 7)}  # the formatted one is not


def test_an_end_date_counted_with_relativedelta_bounds_the_backfill() -> None:
    assert _found("two_year_backfill.py") == {("TP002", 13)}
    assert _found("single_month_window.py") == set()


TRAILING = PROJECTS / "clock_trailing" / "dags"


def test_a_range_counted_back_from_today_is_the_clock_but_a_timed_duration_is_not() -> None:
    found = [f for f in check_paths([TRAILING / "quotes_window.py"]).findings]
    # start=today - 30 days, end=today is reported; the interval's own range and a duration
    # timed from a clock start (start=began, end=now()) are not
    assert [(f.code, f.line) for f in found] == [("TP001", 12)]
    assert "`history()`" in found[0].message and "counted back" in found[0].message


def test_a_script_run_as_a_module_is_read_for_a_business_date_stamped_from_the_clock() -> None:
    found = check_paths([TRAILING / "orders_script.py"]).findings
    # `python -m jobs.load_orders` stamps order_date; jobs.load_audit only stamps loaded_at
    assert [(f.code, f.line) for f in found] == [("TP001", 15)]
    assert "jobs/load_orders.py" in found[0].message and "`order_date`" in found[0].message


def test_a_helper_module_differing_in_case_and_the_functions_it_calls_are_followed() -> None:
    found = check_paths([TRAILING / "listens_dag.py"]).findings
    # from listens_api import ... finds Listens_api.py; the clock is two local calls down. The
    # import itself fails on a case-sensitive disk, which is TP007 on its own.
    assert sorted((f.code, f.line) for f in found) == [("TP001", 11), ("TP007", 8)]
    clock = next(f for f in found if f.code == "TP001")
    assert "Listens_api.py" in clock.message and "URL" in clock.message


HOST_MOUNTS = PROJECTS / "host_mounts" / "dags"


def test_an_airflow_1_plugin_operator_is_read_for_host_paths_where_it_is_imported() -> None:
    found = check_paths([HOST_MOUNTS / "course_dag.py"]).findings
    assert [f.code for f in found] == ["TP008"]
    assert "plugins/operators/build_tables.py" in found[0].message
    assert "/home/learner/airflow/build_tables.sql" in found[0].message


def test_a_desktop_disk_under_media_is_a_host_path_but_a_mnt_volume_is_not() -> None:
    found = check_paths([HOST_MOUNTS / "trips_dag.py"]).findings
    assert [f.code for f in found] == ["TP008"]
    assert "`/media/ana/Data`" in found[0].message and "/mnt/" not in found[0].message


def test_a_path_built_from_the_home_variable_is_a_host_path_a_project_variable_is_not() -> None:
    found = check_paths([HOST_MOUNTS / "home_env_dag.py"]).findings
    assert [f.code for f in found] == ["TP008"]
    assert "`HOME` environment variable" in found[0].message


def test_stamps_to_the_second_name_a_try_but_epoch_seconds_minus_a_day_are_a_window() -> None:
    found = check_paths([TRAILING / "stamps_dag.py"]).findings
    # a temp table and a file named by int(time.time()), and now().replace(microsecond=0)
    # handed by op_kwargs to a project callable that only names its folder, are not reported
    assert [(f.code, f.line) for f in found] == [("TP001", 33)]
    assert "`requests.get()`" in found[0].message


def test_a_spark_application_joined_onto_a_runtime_folder_is_found_by_its_file_name() -> None:
    found = check_paths([TRAILING / "spark_stats.py"]).findings
    # os.path.join(JOBS, "monthly_stats.py") names the clock its S3 key; compact.py is
    # handed {{ ds }} and is clean
    assert [(f.code, f.line) for f in found] == [("TP001", 14)]
    assert "jobs/monthly_stats.py" in found[0].message and "upload_file()" in found[0].message
