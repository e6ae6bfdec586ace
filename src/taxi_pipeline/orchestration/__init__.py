"""The Airflow-facing side: the DAG's task bodies and namespaces; imports the core and Airflow."""
