"""Parsing a file, with a second chance for code that is valid where Airflow runs it."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from airflow_trap_check.source import SourceFile

# Python 3.12 syntax (PEP 701 f-strings, PEP 695 generics) does not parse on 3.11; such errors
# say nothing about whether the DAG imports under the Python that Airflow actually runs.
_NEWER_SYNTAX = re.compile(r"^f-string|expected '\('|invalid syntax")


def parse(path: Path, data: bytes) -> tuple[SourceFile | None, SyntaxError | None]:
    """Parse ``data``; on a syntax error return it, after trying to salvage or repair the file.

    A PEP 701 f-string (Python 3.12) is valid for the Python Airflow runs but not for this one;
    blanking the offending lines keeps the rest of the file checkable instead of guessing, and
    no error is returned. A function or block left with only comments as its body fails on
    every Python, and so does a line indented to no enclosing level or a missing comma between
    two arguments: the error is returned, together with the file read as if each such body were
    ``pass``, each such line were at the nearest level and the comma were there, so what the
    rest of the file does is still checked.
    """
    try:
        tree = ast.parse(data, filename=str(path))
    except SyntaxError as error:
        salvaged = _salvage(data, error)
        if salvaged is not None:
            tree, text = salvaged
            # positions refer to the salvaged text, so that is the text segments are cut from
            return SourceFile(path, text, tree), None
        repaired = _fill_empty_bodies(data, error)
        if repaired is None:
            return None, error
        tree, text = repaired
        return SourceFile(path, text, tree), error
    except ValueError as error:  # null bytes
        return None, SyntaxError(str(error), (str(path), 1, 1, ""))
    return SourceFile(path, data, tree), None


_EMPTY_BODY = re.compile(r"^expected an indented block after .* on line (\d+)")
_FORGOT_COMMA = "Perhaps you forgot a comma?"
_STRAY_UNINDENT = "unindent does not match any outer indentation level"


def _fill_empty_bodies(data: bytes, error: SyntaxError) -> tuple[ast.Module, bytes] | None:
    """``def f():`` followed by nothing but comments, read as ``def f(): pass``; a line
    unindented to no level of the blocks around it (``    a >> b`` after a body at eight
    spaces) read as a line of the innermost block it falls short of."""
    lines = data.decode("utf-8", errors="replace").splitlines()
    for _ in range(10):
        if error.msg == _STRAY_UNINDENT and error.lineno and 0 < error.lineno <= len(lines):
            index = error.lineno - 1
            level = _enclosing_level(lines[:index], len(lines[index]) - len(lines[index].lstrip()))
            if level is None:
                return None
            lines[index] = " " * level + lines[index].lstrip()
            candidate = "\n".join(lines).encode()
            try:
                return ast.parse(candidate), candidate
            except SyntaxError as again:
                error = again
            continue
        if _FORGOT_COMMA in (error.msg or "") and error.lineno and 0 < error.lineno <= len(lines):
            # ``cwd="x"`` then ``bash_command="..."`` on the next line: the comma goes after
            # the first of the two
            repaired = _add_comma(lines, error)
            if repaired is None:
                return None
            if isinstance(repaired, tuple):
                return repaired
            error = repaired
            continue
        match = _EMPTY_BODY.match(error.msg or "")
        if match is None or not 0 < int(match.group(1)) <= len(lines):
            return None
        index = int(match.group(1)) - 1
        header = lines[index].rstrip()
        if not header.endswith(":"):
            return None  # a comment after the colon, or a header over several lines
        lines[index] = header + " pass"  # same line numbers, so positions stay true
        candidate = "\n".join(lines).encode()
        try:
            return ast.parse(candidate), candidate
        except SyntaxError as again:
            error = again
    return None


def _add_comma(lines: list[str], error: SyntaxError):
    """A comma after the first of the two items the error spans (at the end of its line when
    they are on two lines): the parsed repair, the next error, or None when no cut helps."""
    index = error.lineno - 1  # type: ignore[operator]
    line = lines[index]
    if error.end_lineno != error.lineno:
        cuts = [len(line.split("#", 1)[0].rstrip())]
    else:
        start, end = (error.offset or 1) - 1, (error.end_offset or len(line) + 1) - 1
        cuts = [i for i in range(start + 1, end) if line[i].isspace() and not line[i - 1].isspace()]
    for cut in cuts:
        lines[index] = line[:cut] + "," + line[cut:]
        candidate = "\n".join(lines).encode()
        try:
            return ast.parse(candidate), candidate
        except SyntaxError as again:
            if (again.lineno, again.offset) != (error.lineno, error.offset):
                return again
    lines[index] = line
    return None


def _salvage(data: bytes, error: SyntaxError) -> tuple[ast.Module, bytes] | None:
    if not _NEWER_SYNTAX.search(error.msg or ""):
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
    first_line = lines[error.lineno - 1] if error.lineno and error.lineno <= len(lines) else ""
    looks_newer = (error.msg or "").startswith("f-string") or re.match(
        r"\s*(type\s+\w+.*=|def\s+\w+\[|class\s+\w+\[)", first_line
    )
    if not looks_newer:
        return None
    for _ in range(10):
        if error.lineno is None or not 0 < error.lineno <= len(lines):
            return None
        index = error.lineno - 1
        original = lines[index]
        indent = original[: len(original) - len(original.lstrip())]
        # a statement, an item of a list or call, an expression, or a keyword argument; the
        # replacement that fits is the one after which the next error is another newer-syntax
        # line further down (or none)
        best: tuple[str, SyntaxError] | None = None
        for replacement in ("pass", "None,", "None", "_salvaged=None,"):
            lines[index] = indent + replacement
            candidate = "\n".join(lines).encode()
            try:
                return ast.parse(candidate), candidate
            except SyntaxError as again:
                if again.lineno is None or again.lineno == error.lineno:
                    continue
                newer = (again.msg or "").startswith("f-string") and again.lineno > index + 1
                if best is None or newer:
                    best = (replacement, again)
                if newer:
                    break
        if best is None:
            return None
        lines[index] = indent + best[0]
        next_error = best[1]
        error = next_error
    return None


def _enclosing_level(before: list[str], indent: int) -> int | None:
    """The indentation of the innermost open block deeper than ``indent``, from the INDENT
    tokens of the lines before the stray one."""
    levels = [0]
    try:
        for token in tokenize.generate_tokens(io.StringIO("\n".join(before) + "\n").readline):
            if token.start[0] > len(before):
                break  # the blocks closed at the end of the text are still open at the line
            if token.type == tokenize.INDENT:
                levels.append(len(token.string.expandtabs()))
            elif token.type == tokenize.DEDENT:
                levels.pop()
    except (SyntaxError, tokenize.TokenError):
        return None
    deeper = [level for level in levels if level > indent]
    return min(deeper) if deeper else None
