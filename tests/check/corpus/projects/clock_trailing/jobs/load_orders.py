# expect: none
import random
from datetime import datetime

import psycopg2


def main():
    conn = psycopg2.connect("dbname=shop")
    with conn, conn.cursor() as cur:
        for number in range(10):
            row = {"id": number, "total": random.random(), "order_date": datetime.now().date()}
            cur.execute(
                "INSERT INTO orders VALUES (%s, %s, %s) ON CONFLICT (id) DO NOTHING",
                (row["id"], row["total"], row["order_date"]),
            )


if __name__ == "__main__":
    main()
