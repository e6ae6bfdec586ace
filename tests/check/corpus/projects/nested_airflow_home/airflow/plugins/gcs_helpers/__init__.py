# expect: none
"""Lives in the plugins folder of a home that is itself a subfolder of the repository."""

import os

import requests

DOWNLOAD_DIR = "/tmp"


def fetch(url, name):
    target = os.path.join(DOWNLOAD_DIR, name)
    with open(target, "wb") as handle:
        handle.write(requests.get(url, timeout=60).content)
    return target
