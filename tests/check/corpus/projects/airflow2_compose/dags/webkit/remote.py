# expect: none
"""A library's code, vendored with pip install --target: checked only on its own."""

import os

API_PASSWORD = "vendored-library-passw0rd"
CACHE = os.path.expanduser("~/.webkit")


class Browser:
    def open(self, url):
        return url
