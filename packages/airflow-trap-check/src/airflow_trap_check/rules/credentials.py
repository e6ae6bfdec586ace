"""TP005: secrets written into the DAG file.

Three ways a secret shows: a string given to a name that means secret (``password=``,
``"api_key":``, ``TOKEN =``, a default value, ``os.environ["PGPASSWORD"] = ...``, the fallback of a
lookup such as ``os.getenv("DB_PASSWORD", "airflow")``), credentials
inside a URI or DSN (``postgresql://user:pw@host``, ``password=... `` in a connection string or
a command line), and token formats that are recognisable on their own (AWS keys, GitHub/Slack
tokens, private keys, JWTs, bearer tokens). Templates (``{{ conn.x.password }}``), environment
references (``$PGPASSWORD``), f-string holes, names of variables or connections, file paths and
obvious placeholders (``<password>``, ``your_token``, ``***``) are not secrets.
"""

from __future__ import annotations

import ast
import itertools
import re

from airflow_trap_check.base import FileContext, is_docstring, is_pattern, keyword_value

_SECRET_TOKENS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "accesskey",
        "secretkey",
        "privatekey",
        "credential",
        "credentials",
        "bearer",
    }
)
_SECRET_SUFFIXES = ("password", "passwd", "secret", "token", "apikey")
_KEY_PAIRS = frozenset(
    {("api", "key"), ("access", "key"), ("secret", "key"), ("private", "key"), ("client", "secret")}
)
_NOT_A_VALUE = frozenset(
    {
        "id",
        "ids",
        "name",
        "names",
        "env",
        "var",
        "variable",
        "path",
        "file",
        "filename",
        "dir",
        "url",
        "uri",
        "endpoint",
        "type",
        "field",
        "header",
        "length",
        "len",
        "min",
        "max",
        "expiry",
        "expires",
        "expiration",
        "ttl",
        "prefix",
        "suffix",
        "kind",
        "mode",
        "method",
        "param",
        "column",
        "col",
        "conn",
        "connection",
        "count",
        "limit",
        "size",
        "location",
        "arn",
        "ref",
        "source",
        "policy",
        "required",
        "enabled",
        "format",
        "regex",
        "pattern",
        "label",
        "description",
        "help",
        "prompt",
        "placeholder",
        "hint",
        "template",
        "schema",
        "table",
        "bucket",
        "manager",
        "backend",
        "provider",
        "class",
        "scope",
        "scopes",
        "audience",
        "issuer",
        "timeout",
        "key",
        "keys",
        "store",
        "version",
        "host",
        "user",
        "username",
        "login",
    }
)
_PLACEHOLDER = re.compile(
    r"^(<.*>|\*+|x{3,}|\.\.\.|none|null|nil|undefined|changeme|change_me|replace_?me|"
    r"your[_\- ]?\w*|my[_\- ]?(password|token|secret|api[_\-]?key)|placeholder|dummy|example|"
    r"fake\w*|todo|tbd|fixme|redacted|hidden|masked|\[.*\]|\(.*\))$",
    re.IGNORECASE,
)
_TEMPLATED = re.compile(r"\{\{|\{%|\$\{|^\$\w|%\(|^\{.*\}$|\{\w*\}")
_URI = re.compile(r"\b[a-z][a-z0-9+.-]*://(?P<user>[^:/\s@{}$]+):(?P<pw>[^@/\s]+)@", re.IGNORECASE)
_DSN = re.compile(
    # libpq quotes a value with single quotes: password='secret'
    r"(?:^|[\s;'\"])(?:password|pwd|passwd|pgpassword|mysql_pwd)\s*=\s*'?"
    r"(?P<pw>[^\s;'\"{}$%&<>*]{2,})|--password[= ](?P<cli>[^\s;'\"{}$%&<>*-][^\s;'\"{}$%&<>*]+)",
    re.IGNORECASE,
)
_FORMATS = (
    ("an AWS access key", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("a Slack webhook", re.compile(r"hooks\.slack\.com/services/T\w+/B\w+/\w+")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("a Stripe key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{16,}")),
    ("an API key", re.compile(r"\bsk-(proj-)?[A-Za-z0-9_-]{32,}")),
    ("a SendGrid key", re.compile(r"\bSG\.[\w-]{20,}\.[\w-]{30,}")),
    ("a private key", re.compile(r"-----BEGIN ([A-Z]+ )?PRIVATE KEY-----")),
    ("a JWT", re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")),
    ("a bearer token", re.compile(r"\bBearer\s+[A-Za-z0-9._~+/=-]{20,}")),
    (
        "basic-auth credentials",
        re.compile(
            r"\bBasic\s+(?=[A-Za-z0-9+/][a-z0-9+/]*[A-Z])[A-Za-z0-9+/]{12,}={0,2}(?:[\s'\"]|$)"
        ),
    ),
)
# a template's Variable lookup with a literal fallback: {{ var.value.get('db_password', 'pw') }}
_JINJA_FALLBACK = re.compile(
    r"\bvar\.(?:value|json)\.get\(\s*(['\"])(?P<name>[^'\"]+)\1\s*,\s*(['\"])(?P<value>[^'\"]*)\3"
)
_RESOURCE_NAME = re.compile(r"[a-z0-9]+(?:[-_/.:][a-z0-9]+)+")
_NAME_WORDS = ("secret", "password", "token", "key", "cred", "conn", "vault")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def check(ctx: FileContext) -> None:
    src = ctx.src
    flagged: set[int] = set()

    def report(node: ast.AST, message: str) -> None:
        if id(node) not in flagged:
            flagged.add(id(node))
            ctx.report("TP005", node, message)

    tables: dict[int, bool] = {}
    for node in src.nodes:
        if isinstance(node, ast.Dict) and isinstance(table := src.parents.get(node), ast.List):
            if id(table) not in tables:
                tables[id(table)] = _person_record(table)
            if tables[id(table)]:
                continue
        for key, value in _named_values(node):
            literal = _literal(value)
            fallback = isinstance(node, ast.Call)
            if literal is not None and is_secret_name(key) and _looks_like_value(literal, fallback):
                report(
                    value,
                    f"literal secret for `{key}`: anyone who can read the DAG file or "
                    "its history has it",
                )
    for node in src.nodes:
        if not isinstance(node, ast.Constant | ast.JoinedStr) or id(node) in flagged:
            continue
        if isinstance(src.parents.get(node), ast.JoinedStr) or is_docstring(src, node):
            continue
        if is_pattern(src, node):
            continue
        text = src.string(node)
        if not text:
            continue
        message = _value_secret(text)
        if message:
            report(node, message)
            continue
        for match in _JINJA_FALLBACK.finditer(text):
            name, value = match.group("name"), match.group("value")
            if is_secret_name(name) and _looks_like_value(value, fallback=True):
                report(
                    node,
                    f"literal fallback for Variable `{name}` in a template: anyone who can read "
                    "the DAG file or its history has it",
                )
                break


# Fields that say a record describes a person: a user account of sample or seed data.
_PERSON_FIELDS = frozenset({"email", "phone", "address", "firstname", "first_name", "username"})


def _person_record(table: ast.List) -> bool:
    """A list of three or more records with the same keys about people (``{"email": ...,
    "username": ..., "password": ...}``): rows of mock or seed data, whose password column is
    data the pipeline loads, not a credential it logs in with."""
    if len(table.elts) < 3:
        return False
    shapes = set()
    for row in table.elts:
        if not isinstance(row, ast.Dict) or None in row.keys:
            return False
        keys = frozenset(k.value for k in row.keys if isinstance(k, ast.Constant))
        shapes.add(keys)
    if len(shapes) != 1:
        return False
    (keys,) = shapes
    return len(keys & _PERSON_FIELDS) >= 2


def is_secret_name(key: str) -> bool:
    tokens = [t for t in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", key).lower()) if t]
    if not tokens or (tokens[-1] in _NOT_A_VALUE and not _pair_at_end(tokens)):
        return False
    if any(t in _SECRET_TOKENS for t in tokens):
        return True
    # run-together names: PGPASSWORD, dbPassword, clientsecret, authtoken
    if any(t.endswith(_SECRET_SUFFIXES) or t.startswith(("password", "passwd")) for t in tokens):
        return True
    return any(pair in _KEY_PAIRS for pair in itertools.pairwise(tokens))


def _pair_at_end(tokens: list[str]) -> bool:
    return len(tokens) >= 2 and (tokens[-2], tokens[-1]) in _KEY_PAIRS


def _named_values(node: ast.AST):
    """(name, value) pairs where a name says what the value is."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            name = _target_name(target)
            if name:
                yield name, node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        name = _target_name(node.target)
        if name:
            yield name, node.value
    elif isinstance(node, ast.keyword) and node.arg:
        yield node.arg, node.value
        if node.arg == "auth" and isinstance(node.value, ast.Tuple) and len(node.value.elts) == 2:
            yield "password", node.value.elts[1]
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield key.value, value
    elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        # a lookup with a literal fallback: os.getenv("DB_PASSWORD", "airflow"),
        # config.get("database.password", "s3cret"), decouple's config("PASS", default=...),
        # Variable.get("API_PASSWORD", default_var="airflow") (default= in Airflow 3)
        name = node.args[0].value
        fallback = node.args[1] if len(node.args) > 1 else None
        fallback = fallback or keyword_value(node, "default") or keyword_value(node, "default_var")
        if isinstance(name, str) and fallback is not None:
            yield name, fallback
    elif isinstance(node, ast.arguments):
        positional = [*node.posonlyargs, *node.args]
        for arg, default in zip(
            positional[len(positional) - len(node.defaults) :], node.defaults, strict=True
        ):
            yield arg.arg, default
        for arg, default in zip(node.kwonlyargs, node.kw_defaults, strict=True):
            if default is not None:
                yield arg.arg, default


def _target_name(target: ast.AST) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript):
        key = target.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return None


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return "".join(str(v.value) for v in node.values)  # type: ignore[attr-defined]
    return None


def _looks_like_value(text: str, fallback: bool = False) -> bool:
    """``fallback``: the default of a lookup of a secret (``Variable.get("SECRET_KEY",
    "secret-key")``), which is a value by construction, never where one lives."""
    value = text.strip()
    if len(value) < 3 or _PLACEHOLDER.match(value) or _TEMPLATED.search(value):
        return False
    if value.count(" ") >= 2:
        return False  # prose, such as a form label: "Password for the package index"
    if not fallback and _RESOURCE_NAME.fullmatch(value) and any(w in value for w in _NAME_WORDS):
        return False  # "airflow-gke-secrets", "prod/db-password": where a secret lives
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        lowered = value.lower()
        # the name of an environment variable, Variable or connection, not its value
        # ...unless it stands in for a secret: get("db_password", "DEFAULT_PASSWORD")
        if value.isupper() and "_" in value and not (fallback and _names_a_secret(lowered)):
            return False
        named = "_" in value or value != lowered  # db_password, dbPassword: names of things
        # ...except as the fallback of a lookup, where even "default_password" is the password
        if (
            named
            and not fallback
            and any(w in lowered for w in ("password", "secret", "token", "key", "conn"))
        ):
            return False
    if value.startswith(("/", "./", "~/", "../")) or re.search(
        r"\.(pem|json|key|p12|pfx|txt|crt|cer|ya?ml|env)$", value, re.IGNORECASE
    ):
        return False
    return "://" not in value


def _names_a_secret(lowered: str) -> bool:
    return any(w in lowered for w in ("password", "passwd", "secret", "token"))


_EXPOSED = "anyone who can read the script or its history has it"
_SHELL_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?(?P<name>[A-Za-z_]\w*)=(?P<value>\S+)")


def shell_secrets(text: str) -> list[tuple[int, str]]:
    """Literal secrets in a shell script a task runs: ``export PGPASSWORD=hunter2``, a
    credentialed URI, ``--password secret``. Each as (line, message)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        assignment = _SHELL_ASSIGNMENT.match(line)
        if assignment:
            value = assignment.group("value").strip("'\"")
            if is_secret_name(assignment.group("name")) and _looks_like_value(value):
                name = assignment.group("name")
                found.append(
                    (number, f"literal secret for `{name}`: anyone who can read it has it")
                )
                continue
        message = _value_secret(line)
        if message:
            found.append((number, message.replace("the DAG file", "the script")))
    return found


def _value_secret(text: str) -> str | None:
    match = _URI.search(text)
    if match and _looks_like_value(match.group("pw")) and not _TEMPLATED.search(match.group("pw")):
        scheme = text[match.start() : text.index("://", match.start())]
        return (
            f"credentials written into a {scheme}:// URI (user `{match.group('user')}`): "
            "anyone who can read the DAG file or its history has them"
        )
    for match in _DSN.finditer(text):
        secret = match.group("pw") or match.group("cli")
        if secret and _looks_like_value(secret):
            return "literal password in a connection string or command line"
    for what, pattern in _FORMATS:
        if pattern.search(text):
            return f"literal {what} in the DAG file"
    return None
