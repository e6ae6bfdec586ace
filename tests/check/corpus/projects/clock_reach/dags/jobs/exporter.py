# expect: none
"""Task code: what the database holds for a window, and a count for the quality check."""

from airflow.providers.postgres.hooks.postgres import PostgresHook


def export_rows(day, keep):
    hook = PostgresHook("warehouse")
    return hook.get_records("SELECT * FROM sales WHERE sold_on = %s", parameters=(day,))


def rows_of_yesterday():
    hook = PostgresHook("warehouse")
    return hook.get_records(
        """
        SELECT station, measured_at, reading
        FROM readings
        WHERE measured_at >= CURRENT_DATE - INTERVAL '1 day'
          AND measured_at < CURRENT_DATE
        """
    )


def loaded_today():
    hook = PostgresHook("warehouse")
    return hook.get_first("SELECT COUNT(*) FROM readings WHERE loaded_at >= CURRENT_DATE")


def hourly_counts():
    hook = PostgresHook("warehouse")
    return hook.get_records(
        "SELECT station, COUNT(*) FROM readings "
        "WHERE loaded_at > NOW() - INTERVAL '7 days' GROUP BY station"
    )
