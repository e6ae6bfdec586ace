# expect: none
"""Writes the day's case counts to a file and reads them back for the e-mail."""

from datetime import date


def write_counts(counts: dict) -> None:
    name = "cases_" + str(date.today()) + ".txt"
    with open(name, "w") as out:
        out.write(str(counts))


def read_counts() -> str:
    name = "cases_" + str(date.today()) + ".txt"
    with open(name) as counts:
        return counts.read()
