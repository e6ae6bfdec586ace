# expect: none
"""Run by the container task with every option given, so its defaults are never used."""

import argparse

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="etl")
    parser.add_argument("--password", default="etl-pass")
    parser.parse_args()
