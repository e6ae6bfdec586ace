# expect: none
"""Copies every CSV of the data folder into the staging table; nothing empties it."""

import glob

import psycopg2


def main() -> None:
    conn = psycopg2.connect(host="warehouse", dbname="bikes")
    with conn, conn.cursor() as cur:
        for path in sorted(glob.glob("data/trips/*.csv")):
            with open(path) as handle:
                cur.copy_expert("COPY public.stg_trips FROM STDIN WITH CSV HEADER", handle)


if __name__ == "__main__":
    main()
