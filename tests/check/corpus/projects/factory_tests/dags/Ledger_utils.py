# expect: none
"""Helpers whose file name starts with a capital letter."""


def summarise(rows):
    return len(rows)
