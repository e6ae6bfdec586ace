# expect: none
TABLES = {"orders": ["order_id", "amount"], "customers": ["customer_id", "name"]}
