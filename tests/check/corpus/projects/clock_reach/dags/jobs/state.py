# expect: none
"""Where the last extraction is recorded."""


def update_last_extraction_date(path, when):
    with open(path, "w") as handle:
        handle.write(when.strftime("%Y-%m-%d"))
