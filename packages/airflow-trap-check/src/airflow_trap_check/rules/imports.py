"""TP007: module-level imports that cannot resolve where the DAG is deployed.

The scheduler imports a DAG file with the dags folder, plugins folder and installed packages on
``sys.path``. An import fails there, and the DAG silently disappears, when it names:

- a module under ``airflow.dags`` (the dags folder is on the path itself, it is no package);
- a module found only through ``sys.path.insert``/``append`` of an absolute host path (a
  laptop's checkout, ``/home/...``), which the workers do not have;
- a module that is neither in the project nor among the packages the project declares
  (requirements*.txt, pyproject.toml, a Dockerfile's ``pip install``, the client libraries of
  declared providers) or the Airflow image brings. Without any declaration
  nothing is known about what is installed, and this case is not reported.

Imports guarded by ``try: ... except ImportError`` and imports inside functions (they run when
the task runs) are left alone.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

from airflow_trap_check.base import FileContext, folders_up_to_root, in_airflow_home
from airflow_trap_check.syspath import (
    SysPathEntry,
    compose_mounts,
    project_sys_path,
    sys_path_entry,
)

# Top-level modules the apache/airflow and Astro images install besides Airflow itself.
_AIRFLOW_IMAGE_MODULES = frozenset(
    {
        "airflow",
        "pendulum",
        "sqlalchemy",
        "alembic",
        "jinja2",
        "markupsafe",
        "requests",
        "urllib3",
        "certifi",
        "idna",
        "dateutil",
        "yaml",
        "attr",
        "attrs",
        "pydantic",
        "pluggy",
        "packaging",
        "rich",
        "lazy_object_proxy",
        "tenacity",
        "croniter",
        "cron_descriptor",
        "slugify",
        "tabulate",
        "termcolor",
        "psutil",
        "setproctitle",
        "sqlalchemy_utils",
        "flask",
        "werkzeug",
        "itsdangerous",
        "click",
        "colorlog",
        "httpx",
        "fastapi",
        "uvicorn",
        "structlog",
        "msgspec",
        "methodtools",
        "cryptography",
        "jwt",
        "google",
        "boto3",
        "botocore",
        "s3transfer",
        "pandas",
        "numpy",
        "pyarrow",
        "psycopg2",
        "psycopg",
        "redis",
        "celery",
        "kombu",
        "kubernetes",
        "docker",
        "paramiko",
        "sshtunnel",
        "cosmos",
        "dbt",
        "astronomer",
        "astro",  # the Astro SDK, which Astro Runtime images ship
        "openlineage",
        "grpc",
        "protobuf",
        "typing_extensions",
        "six",
        "json_merge_patch",
        "jsonschema",
        "dotenv",  # python-dotenv
    }
)
# Import names whose distribution is called something else.
_DISTRIBUTION_OF = {
    "yaml": "pyyaml",
    "sklearn": "scikit-learn",
    "bs4": "beautifulsoup4",
    "PIL": "pillow",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "psycopg2": "psycopg2-binary",
    "cv2": "opencv-python",
    "jwt": "pyjwt",
    "pyspark": "pyspark",
    "kafka": "kafka-python",
    "snowflake": "snowflake-connector-python",
    "MySQLdb": "mysqlclient",
    "mysql": "mysql-connector-python",
    "cassandra": "cassandra-driver",
    "telegram": "python-telegram-bot",
    "github": "pygithub",
    "git": "gitpython",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "Crypto": "pycryptodome",
    "fitz": "pymupdf",
    "googleapiclient": "google-api-python-client",
}
# The client libraries an Airflow provider package installs with it: declaring
# apache-airflow-providers-neo4j is how a project gets ``import neo4j``.
_PROVIDER_CLIENTS = {
    "apache-cassandra": ("cassandra-driver",),
    "apache-kafka": ("confluent-kafka",),
    "apache-spark": ("pyspark",),
    "databricks": ("databricks-sql-connector",),
    "elasticsearch": ("elasticsearch",),
    "influxdb": ("influxdb-client",),
    "microsoft-mssql": ("pymssql",),
    "mongo": ("pymongo",),
    "mysql": ("mysqlclient", "mysql-connector-python"),
    "neo4j": ("neo4j",),
    "odbc": ("pyodbc",),
    "oracle": ("oracledb",),
    "slack": ("slack-sdk",),
    "snowflake": ("snowflake-connector-python",),
    "telegram": ("python-telegram-bot",),
    "trino": ("trino",),
    "vertica": ("vertica-python",),
}
_PROVIDER = "apache-airflow-providers-"
# ``RUN pip install a b`` in a Dockerfile installs into the image the DAGs run in.
_DOCKERFILE_PIP = re.compile(r"\bpip3?\s+install\s+(?P<args>[^&;|\n]*)")
# Names nobody installs from an index: a project's own helpers (`helper_utils`, `etl_helpers`),
# so their absence from the project is a failed import even when no requirements are declared.
_PROJECT_MODULE_NAME = re.compile(
    r"^(helpers?|utils?|utilities|common|functions|custom_\w+)$"
    r"|_(helpers?|utils?|functions|funcs|tasks|operators|callables)$"
    r"|^(helpers?|utils?)_\w+$"
)
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# The official compose file installs `_PIP_ADDITIONAL_REQUIREMENTS` when a container starts
# (`- _PIP_ADDITIONAL_REQUIREMENTS=a b`, `_PIP_ADDITIONAL_REQUIREMENTS: ${_PIP_...:-a b}`).
_COMPOSE_PIP = re.compile(
    r"_PIP_ADDITIONAL_REQUIREMENTS['\"]?\s*[:=]\s*['\"]?(?:\$\{\w+:-)?(?P<args>[^}'\"\n]*)"
)
# `- PYTHONPATH=/opt/airflow/scripts` or `PYTHONPATH: /opt/airflow/include:/opt/airflow/src`
_COMPOSE_PYTHONPATH = re.compile(r"\bPYTHONPATH['\"]?\s*[:=]\s*['\"]?(?P<paths>[^'\"\s]+)")


def check(ctx: FileContext) -> None:
    src = ctx.src
    entries: list[SysPathEntry] = []
    for statement in _module_statements(src.tree.body):
        entry = sys_path_entry(src, statement, ctx.project_root)
        if entry is not None:
            if not (entry.is_host_path and _on_every_worker(entry.written or "")):
                entries.append(entry)
            continue
        for module, node in _imported_modules(statement):
            problem = _unresolvable(ctx, module, entries)
            if problem:
                ctx.report("TP007", node, f"`{module}` {problem}, so the DAG fails to import")


def _on_every_worker(path: str) -> bool:
    """Under the image's Airflow home, or its user's home (``/home/airflow``)."""
    folder = path.rstrip("/") + "/"
    return in_airflow_home(folder) is not None or folder.startswith("/home/airflow/")


def _module_statements(body: list[ast.stmt]):
    """Statements run at import, skipping ``try`` blocks that handle ImportError."""
    for statement in body:
        if isinstance(statement, ast.Try):
            handled = {ast.unparse(h.type) for h in statement.handlers if h.type is not None}
            if any("ImportError" in name or "Exception" in name for name in handled):
                continue
            yield from _module_statements(statement.body)
        elif isinstance(statement, ast.If) and "__main__" not in ast.unparse(statement.test):
            yield from _module_statements(statement.body)
            yield from _module_statements(statement.orelse)
        else:
            yield statement


def _imported_modules(statement: ast.stmt) -> list[tuple[str, ast.AST]]:
    if isinstance(statement, ast.Import):
        return [(alias.name, statement) for alias in statement.names]
    if isinstance(statement, ast.ImportFrom) and statement.module and statement.level == 0:
        return [(statement.module, statement)]
    return []


def _unresolvable(ctx: FileContext, module: str, entries: list[SysPathEntry]) -> str | None:
    if module == "airflow.dags" or module.startswith("airflow.dags."):
        return "is no module: the dags folder is on sys.path itself, import from it directly"
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or is_installed_with_airflow(top) or top == "__future__":
        return None
    if entries and entries[-1].is_host_path and not _on_airflow_path(ctx, top):
        # the project has the module, but above the dags folder: the host path is what finds it
        return (
            f"is found only through sys.path entry {entries[-1].written!r}, a path of one machine"
        )
    if _in_project(ctx, top):
        return None
    other_case = next((t for f in module_folders(ctx) for t in case_twins(f, top)), None)
    if other_case is not None:
        return f"differs only in case from the project's module `{other_case.name}` (Linux minds)"
    if entries:
        last = entries[-1]
        if last.is_host_path:
            return f"is found only through sys.path entry {last.written!r}, a path of one machine"
        if not last.folders:
            return None  # an entry relative to a working directory this file cannot know
    declared = _declared(ctx.project_root) if ctx.project_root else None
    installed = declared is not None and _distribution(top) in declared
    if ctx.project_root is not None and _PROJECT_MODULE_NAME.search(top) and not installed:
        return "is named like a module of the project, but no such module is in it"
    if declared is None or installed:
        return None
    return (
        "is neither in the project nor a declared requirement "
        "(requirements.txt, pyproject, a Dockerfile's pip install)"
    )


def _in_project(ctx: FileContext, top: str) -> bool:
    return any(has_module(folder, top) for folder in module_folders(ctx))


def _on_airflow_path(ctx: FileContext, top: str) -> bool:
    """Whether Airflow's own sys.path finds ``top``: the DAG's folder up to the dags folder, a
    plugins folder beside them, or a folder the compose file puts on PYTHONPATH."""
    inside = folders_up_to_root(ctx.src.path.parent, ctx.project_root)
    dags = next((f for f in inside if f.name == "dags"), inside[0] if inside else None)
    folders = [f for f in inside if dags is not None and (f == dags or dags in f.parents)]
    folders += [f / "plugins" for f in inside]
    folders += _compose_pythonpath(ctx.project_root)
    return any(has_module(folder, top) for folder in folders)


def module_folders(ctx: FileContext) -> list[Path]:
    """Folders the scheduler and workers import project modules from, nearest first.

    The DAG's own folder and those above it inside the project, the plugins folder beside any of
    them (Airflow puts the plugins folder on sys.path, and it sits next to the dags folder in an
    Airflow home), and the project's usual source folders.
    """
    folders = list(_module_folders(ctx.src.path.parent, ctx.project_root))
    added = [*project_sys_path(ctx.src, ctx.project_root), *_compose_pythonpath(ctx.project_root)]
    return folders + [f for f in dict.fromkeys(added) if f not in folders]


@cache
def _compose_pythonpath(root: Path | None) -> tuple[Path, ...]:
    """Project folders mounted into the containers at a path the compose file puts on
    PYTHONPATH (``- ./scripts:/opt/airflow/scripts`` with ``PYTHONPATH=/opt/airflow/scripts``)."""
    if root is None:
        return ()
    mounts = compose_mounts(root)
    folders: list[Path] = []
    for text in _compose_texts(root):
        for match in _COMPOSE_PYTHONPATH.finditer(text):
            for path in match.group("paths").split(":"):
                folder = mounts.get(path.rstrip("/"))
                if folder is not None and folder.is_dir() and folder not in folders:
                    folders.append(folder)
    return tuple(folders)


@cache
def _compose_texts(root: Path) -> tuple[str, ...]:
    texts = []
    for compose in sorted([*root.glob("*compose*.y*ml"), *root.glob("*/*compose*.y*ml")]):
        try:
            texts.append(compose.read_text(errors="replace"))
        except OSError:
            continue
    return tuple(texts)


@cache
def _module_folders(parent: Path, root: Path | None) -> tuple[Path, ...]:
    inside = folders_up_to_root(parent, root)
    if root is None:
        return tuple(inside)
    return (
        *inside,
        *(f / "plugins" for f in inside if f != root),
        *(root / name for name in ("dags", "plugins", "include", "src", "config")),
    )


@cache
def has_module(folder: Path, top: str) -> bool:
    return (folder / f"{top}.py").is_file() or (folder / top).is_dir()


@cache
def case_twins(folder: Path, top: str) -> tuple[Path, ...]:
    """The modules in ``folder`` (files or packages) spelled like ``top`` up to letter case."""
    wanted = {f"{top}.py".lower(), top.lower()}
    entries = list(folder.iterdir()) if folder.is_dir() else []
    return tuple(p for p in entries if p.name.lower() in wanted and p.name != f"{top}.py")


def is_installed_with_airflow(top: str) -> bool:
    return top in _AIRFLOW_IMAGE_MODULES


def _distribution(top: str) -> str:
    return _normalise(_DISTRIBUTION_OF.get(top, top))


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _declared(root: Path) -> frozenset[str] | None:
    """Distributions the project says it installs, or None when it says nothing."""
    names: set[str] = set()
    found = False
    for requirements in sorted(root.glob("requirements*.txt")):
        found = True
        for line in requirements.read_text(errors="replace").splitlines():
            match = _REQUIREMENT_NAME.match(line)
            if match and not line.lstrip().startswith(("#", "-")):
                names.add(_normalise(match.group(1)))
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(errors="replace"))
        except tomllib.TOMLDecodeError:
            data = {}
        dependencies = data.get("project", {}).get("dependencies")
        if isinstance(dependencies, list):
            found = True
            for requirement in dependencies:
                match = _REQUIREMENT_NAME.match(str(requirement))
                if match:
                    names.add(_normalise(match.group(1)))
    for dockerfile in sorted(root.glob("Dockerfile*")):
        for match in _DOCKERFILE_PIP.finditer(dockerfile.read_text(errors="replace")):
            for word in match.group("args").split():
                requirement = _REQUIREMENT_NAME.match(word.strip("'\""))
                if requirement and not word.startswith("-"):
                    found = True
                    names.add(_normalise(requirement.group(1)))
    for text in _compose_texts(root):
        for match in _COMPOSE_PIP.finditer(text):
            for word in match.group("args").split():
                requirement = _REQUIREMENT_NAME.match(word)
                if requirement and not word.startswith("-"):
                    found = True
                    names.add(_normalise(requirement.group(1)))
    for name in list(names):
        if name.startswith(_PROVIDER):
            names.update(_PROVIDER_CLIENTS.get(name.removeprefix(_PROVIDER), ()))
    return frozenset(names) if found else None


def clear_cache() -> None:
    compose_mounts.cache_clear()
    has_module.cache_clear()
    case_twins.cache_clear()
    _module_folders.cache_clear()
    _declared.cache_clear()
    _compose_texts.cache_clear()
    _compose_pythonpath.cache_clear()
