# expect: TP002@9
"""An Airflow DAG from the factory in common/factory.py with common's default_args: monthly
from 2019 with catchup on. (Airflow only parses files that mention airflow and dag.)"""

import common
from common.factory import ingest_dag

dag_id = "yellow_ingest"
dag = ingest_dag(dag_id, "yellow", common.default_args_rides)
