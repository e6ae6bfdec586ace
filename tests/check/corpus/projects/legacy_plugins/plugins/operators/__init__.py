# expect: none
from operators.append_rows import AppendRowsOperator
from operators.reload_dimension import ReloadDimensionOperator

__all__ = ["AppendRowsOperator", "ReloadDimensionOperator"]
