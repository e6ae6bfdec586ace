# expect: TP008@2
import operators
from airflow.plugins_manager import AirflowPlugin


class CoursePlugin(AirflowPlugin):
    name = "course_plugin"
    operators = [operators.BuildTablesOperator]
