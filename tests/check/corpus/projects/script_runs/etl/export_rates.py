# expect: none
"""Started with subprocess by the DAG's python callable."""

from sqlalchemy import create_engine

DB_PASSWORD = "r4tes-Export"

if __name__ == "__main__":
    engine = create_engine("postgresql://rates@warehouse/rates", connect_args={"password": DB_PASSWORD})
    print(engine.url)
