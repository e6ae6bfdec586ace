# expect: none
"""A plugin module: Airflow puts plugins/ on sys.path."""


def month_of(ds):
    return ds[:7]
