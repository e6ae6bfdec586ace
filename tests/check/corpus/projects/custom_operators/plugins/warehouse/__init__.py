# expect: none
from warehouse.operators.append import AppendTripsOperator
from warehouse.operators.monthly import MonthlyReplaceOperator
from warehouse.settings.lookup import Settings

__all__ = ["AppendTripsOperator", "MonthlyReplaceOperator", "Settings"]
