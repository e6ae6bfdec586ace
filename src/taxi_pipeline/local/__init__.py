"""The local stack: embedded PostgreSQL, Airflow, a TLC mirror; imports core and orchestration."""
