# expect: none
"""Warehouse helpers the DAGs make objects of."""
