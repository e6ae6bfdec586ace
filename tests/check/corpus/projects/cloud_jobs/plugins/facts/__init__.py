# expect: none
from facts.load_fact import FactLoadOperator

__all__ = ["FactLoadOperator"]
