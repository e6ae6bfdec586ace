# expect: TP001@15
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from jobs.listings import ListingsJob
from jobs.notes import NotesJob

listings = ListingsJob()
notes = NotesJob()

with DAG("listings", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    scrape = PythonOperator(
        task_id="scrape",
        python_callable=listings.scrape,
        op_kwargs={"city": "lisbon"},
    )
    stamped = PythonOperator(
        task_id="scrape_stamped",
        python_callable=listings.scrape_stamped,
        op_kwargs={"city": "porto"},
    )
    upload = PythonOperator(task_id="upload", python_callable=listings.upload)
    keep_notes = PythonOperator(
        task_id="notes", python_callable=notes.scrape, op_kwargs={"city": "faro"}
    )
    [scrape, stamped] >> upload
