"""What a failing task leaves behind for the people who did not open its log."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from airflow.sdk import get_current_context
from airflow.sdk.exceptions import AirflowRescheduleException

from taxi_pipeline.core.errors import error_summary
from taxi_pipeline.core.names import FAILURE_XCOM_KEY

_P = ParamSpec("_P")
_R = TypeVar("_R")


def leaves_its_failure(body: Callable[_P, _R]) -> Callable[_P, _R]:
    """A task body that, when it fails, leaves its error (one line, as the log says it) in the
    XCom ``failure``, where ``taxi-pipeline`` shows it next to the month without the log."""

    @functools.wraps(body)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return body(*args, **kwargs)
        except AirflowRescheduleException:
            raise
        except Exception as exc:
            error = {"error": error_summary(exc)}
            get_current_context()["ti"].xcom_push(FAILURE_XCOM_KEY, error)
            raise

    return run
