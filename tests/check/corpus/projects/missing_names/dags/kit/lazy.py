# expect: none
"""Names made on first access: nothing can be said about what it exports."""

import importlib


def __getattr__(name):
    return getattr(importlib.import_module("kit.operators.http_to_gcs"), name)
