# expect: TP001@10
"""Prices for a ticker: the relative period follows the clock, the explicit range the run."""

import pendulum
import yfinance as yf
from airflow.decorators import dag, task


def last_week(symbol: str):
    return yf.download(symbol, period="5d", interval="1d")


def run_window(symbol: str, data_interval_start=None, data_interval_end=None):
    return yf.download(symbol, start=data_interval_start, end=data_interval_end)


@dag(start_date=pendulum.datetime(2024, 1, 1), schedule="@daily", catchup=False)
def market_prices():
    @task
    def load():
        last_week("ACME")
        run_window("ACME")

    load()


market_prices()
