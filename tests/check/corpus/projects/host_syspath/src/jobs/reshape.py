# expect: none
"""Project code kept above the Airflow home, at the repository root."""


def reshape(rows):
    return [dict(row, total=row["price"] * row["quantity"]) for row in rows]
