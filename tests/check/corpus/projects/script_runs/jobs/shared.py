# expect: none
"""Helpers the Spark jobs import."""


def save(frame, table, mode="append"):
    (
        frame.write.format("jdbc")
        .option("url", "jdbc:postgresql://warehouse:5432/club")
        .option("dbtable", table)
        .option("user", "club")
        .option("password", "Sp4rk-jobs")
        .mode(mode)
        .save()
    )
