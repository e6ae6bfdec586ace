# expect: none
"""SQL the DAGs import by name."""

RECREATE_PURCHASES = """
    DROP TABLE IF EXISTS public.purchases;
    CREATE TABLE public.purchases (invoice text, amount numeric, bought_at timestamp);
"""
