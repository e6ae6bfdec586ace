# expect: none
"""An Airflow 1 plugin: its operators are imported as ``from airflow.operators import ...``."""

from airflow.plugins_manager import AirflowPlugin

import operators


class WarehousePlugin(AirflowPlugin):
    name = "warehouse_plugin"
    operators = [operators.AppendRowsOperator, operators.ReloadDimensionOperator]
