# expect: none
from operators.build_tables import BuildTablesOperator

__all__ = ["BuildTablesOperator"]
