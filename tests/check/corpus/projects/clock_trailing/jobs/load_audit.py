# expect: none
import sys
from datetime import datetime

import psycopg2


def main(day):
    conn = psycopg2.connect("dbname=shop")
    with conn, conn.cursor() as cur:
        row = {"day": day, "loaded_at": datetime.now()}
        cur.execute(
            "INSERT INTO loads VALUES (%s, %s) ON CONFLICT (day) DO NOTHING",
            (row["day"], row["loaded_at"]),
        )


if __name__ == "__main__":
    main(sys.argv[1])
