# expect: none
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import quote_client


def save_quotes(symbol, folder, start, end):
    frame = quote_client.history(symbol=symbol, start=start, end=end)
    frame.to_csv(f"{folder}/{symbol}.csv", index=False)


def run():
    end = datetime.now().strftime("%Y-%m-%d")
    with ThreadPoolExecutor(4) as pool:
        for symbol in ("AAA", "BBB"):
            pool.submit(save_quotes, symbol, "/data/quotes", "2016-01-01", end)


def run_timed():
    started = datetime.now()
    quote_client.report(symbol="AAA", start=started, end=datetime.now())
