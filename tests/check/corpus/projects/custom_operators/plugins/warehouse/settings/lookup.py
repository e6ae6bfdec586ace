# expect: none
from airflow.models import Variable


class Settings:
    """Reads the warehouse settings kept as Airflow Variables."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def table(self, name: str) -> str:
        return Variable.get(f"{self.prefix}_{name}")

    def template(self, name: str) -> str:
        return "{{ var.value." + self.prefix + "_" + name + " }}"


def bucket() -> str:
    return Variable.get("bucket")
