# expect: none
"""Imported like the other helpers, and clean: nothing is reported for it."""

import os


def load(month):
    return os.environ["WAREHOUSE_URL"], month
