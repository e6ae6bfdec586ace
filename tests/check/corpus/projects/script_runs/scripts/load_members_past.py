# expect: none
"""Run by the sales DAG: the largest key stored is the last source id copied (a watermark)."""

import pandas as pd
from sqlalchemy import create_engine, text


def copy_new_members(source, target) -> None:
    last = pd.read_sql(text("SELECT MAX(member_key) AS last FROM dim_member"), target)["last"][0]
    fresh = pd.read_sql("SELECT * FROM members WHERE member_id > %s", source, params=(last,))
    fresh.to_sql("dim_member", target, if_exists="append", index=False)


if __name__ == "__main__":
    copy_new_members(create_engine("postgresql://app/club"), create_engine("postgresql://dw/club"))
