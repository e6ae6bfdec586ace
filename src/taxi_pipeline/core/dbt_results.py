"""What one dbt invocation did: each node's outcome, where the time went, and the recorder that
collects both (and the log lines, secret scrubbed) from dbt's events."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from taxi_pipeline.core.months import Month

_ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class DbtTimings:
    """Where one invocation's wall time went, in seconds.

    ``import_s``: importing dbt in this process (0 when a parent process preloaded it);
    ``parse_s``: flags, project, profile and manifest (dbt's parse, partial when it can be);
    ``prepare_s``: from the parsed project to the first node (relation cache, graph, connections);
    ``nodes_s``: from the first node's start to the last node's end (SQL, hooks, compilation);
    ``finish_s``: after the last node (artifacts, closing connections);
    ``connections_s``: of all that, time spent opening connections to PostgreSQL.
    """

    import_s: float = 0.0
    parse_s: float = 0.0
    prepare_s: float = 0.0
    nodes_s: float = 0.0
    finish_s: float = 0.0
    connections_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.import_s + self.parse_s + self.prepare_s + self.nodes_s + self.finish_s

    @property
    def startup_s(self) -> float:
        return self.import_s + self.parse_s

    def __add__(self, other: DbtTimings) -> DbtTimings:
        names = self.__dataclass_fields__
        return DbtTimings(**{name: getattr(self, name) + getattr(other, name) for name in names})

    def as_dict(self) -> dict[str, float]:
        figures = {name: getattr(self, name) for name in self.__dataclass_fields__}
        figures["total_s"] = self.total_s
        return {name: round(value, 3) for name, value in figures.items()}


@dataclass(frozen=True)
class NodeOutcome:
    name: str
    resource_type: str
    status: str
    message: str
    seconds: float


@dataclass
class DbtResult:
    command: str
    success: bool
    months: tuple[Month, ...] | None = None
    nodes: list[NodeOutcome] = field(default_factory=list)
    output_tail: str = ""
    timings: DbtTimings = field(default_factory=DbtTimings)
    # dbt parsed the whole project rather than reusing its last parse.
    full_parse: bool = False

    @property
    def statuses(self) -> Counter:
        return Counter(node.status for node in self.nodes)

    @property
    def test_statuses(self) -> Counter:
        return Counter(node.status for node in self.nodes if node.resource_type == "test")

    @property
    def node_seconds(self) -> dict[str, float]:
        return {node.name: node.seconds for node in self.nodes}

    @property
    def failures(self) -> list[str]:
        return [
            f"{node.name} ({node.status}: {node.message})"
            for node in self.nodes
            if node.status in ("error", "fail")
        ]

    @property
    def tests_summary(self) -> str:
        return tests_summary(self.test_statuses)


def tests_summary(statuses: Counter | dict) -> str:
    t = Counter(statuses)
    return f"{t['pass']} passed, {t['warn']} warned, {t['fail'] + t['error']} failed"


class EventRecorder:
    """Collects an invocation's log lines and the moments that divide its time."""

    _LEVELS = ("info", "warn", "error")

    def __init__(self, echo: Callable[[str], None] | None, secret: str):
        self._echo = echo
        self._secret = secret
        self._lines: list[str] = []
        self._first: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self._opening: dict[str, float] = {}
        self._connections_s = 0.0

    def __call__(self, event) -> None:
        now = time.perf_counter()
        info = event.info
        self._first.setdefault(info.name, now)
        self._last[info.name] = now
        # A connection is being opened until the next event of the same thread.
        if opened_at := self._opening.pop(info.thread, None):
            self._connections_s += now - opened_at
        if info.name == "NewConnectionOpening":
            self._opening[info.thread] = now
        if info.level in self._LEVELS and info.msg:
            self.add_line(info.msg)

    def add_line(self, text: str) -> None:
        # dbt colours its output; logs and error messages want the plain text.
        for line in _ANSI_CODES.sub("", str(text)).splitlines():
            if self._secret:
                line = line.replace(self._secret, "***")
            self._lines.append(line)
            if self._echo is not None:
                self._echo(line)

    def saw(self, event_name: str) -> bool:
        return event_name in self._first

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self._lines[-lines:])

    def restart(self) -> None:
        """Forget the moments seen so far: the invocation to time starts now."""
        self._first.clear()
        self._last.clear()

    def timings(
        self, started: float, ended: float, import_s: float, parse_s: float = 0.0
    ) -> DbtTimings:
        """``started``: when the timed invocation began, after ``parse_s`` of parsing it."""
        parsed = self._first.get("FoundStats", started)
        first_node = self._first.get("NodeStart", ended)
        last_node = self._last.get("NodeFinished", first_node)
        return DbtTimings(
            import_s=import_s,
            parse_s=parse_s + parsed - started,
            prepare_s=max(first_node - parsed, 0.0),
            nodes_s=max(last_node - first_node, 0.0),
            finish_s=max(ended - max(last_node, parsed), 0.0),
            connections_s=self._connections_s,
        )


def node_outcomes(execution) -> list[NodeOutcome]:
    outcomes = []
    for node_result in getattr(execution, "results", None) or []:
        node = node_result.node
        # A database error's first line only names the model; the server's message follows it.
        lines = [line.strip() for line in (node_result.message or "").splitlines() if line.strip()]
        outcomes.append(
            NodeOutcome(
                name=node.name,
                resource_type=str(node.resource_type),
                status=str(node_result.status),
                message=": ".join(lines[:2]),
                seconds=float(node_result.execution_time or 0.0),
            )
        )
    return outcomes


@dataclass
class Invocations:
    """The dbt invocations one task started (none when another batch had done the work)."""

    months: tuple[Month, ...] = ()
    timings: DbtTimings | None = None
    # Seconds each seed, model and test took, summed over the invocations.
    node_seconds: Counter = field(default_factory=Counter)

    def add(self, result: DbtResult) -> None:
        self.months = tuple(sorted(set(self.months) | set(result.months or ())))
        self.timings = result.timings if self.timings is None else self.timings + result.timings
        self.node_seconds.update(result.node_seconds)

    def as_dict(self) -> dict:
        figures = (self.timings or DbtTimings()).as_dict()
        return {
            "invoked": self.timings is not None,
            "months": [str(month) for month in self.months],
            **figures,
            "node_seconds": {name: round(s, 3) for name, s in self.node_seconds.items()},
        }
