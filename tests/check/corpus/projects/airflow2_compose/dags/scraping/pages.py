# expect: none
"""Project code using the vendored library."""

from webkit import Browser


def fetch_listing():
    return Browser().open("https://example.com/listing")
