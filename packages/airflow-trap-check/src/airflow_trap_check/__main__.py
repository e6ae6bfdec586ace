from airflow_trap_check.cli import main

raise SystemExit(main())
