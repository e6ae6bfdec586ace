# expect: none
"""Copied into the ETL image as /app/extract.py (see scripts_etl/Dockerfile)."""

from load import save

if __name__ == "__main__":
    save([])
