# expect: none
"""Sample customers the demo source serves; their passwords are a column of the data."""

CUSTOMERS = [
    {"id": 1, "email": "ana@example.org", "username": "ana", "password": "Tq8#lmv2"},
    {"id": 2, "email": "bo@example.org", "username": "bo_k", "password": "9vv!Rk3p"},
    {"id": 3, "email": "cy@example.org", "username": "cyd", "password": "mQ2$zzaa"},
]

WAREHOUSE_LOGINS = [
    {"conn_id": "north", "login": "loader", "password": "Hk29!xzq"},
    {"conn_id": "south", "login": "loader", "password": "Pw72?mna"},
    {"conn_id": "west", "login": "loader", "password": "Zr11&bbq"},
]


def customers():
    return list(CUSTOMERS)


def login(region):
    return next(item for item in WAREHOUSE_LOGINS if item["conn_id"] == region)
