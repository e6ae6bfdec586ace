# expect: none
from operators.stage_orders import StageOrdersOperator

__all__ = ["StageOrdersOperator"]
