"""Checking one record against its JSON Schema, with findings that name the field.

The fast path accepts records proven valid; every other record goes through
``jsonschema`` (imported only then), which writes the findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from corpus_pkg.fastschema import fast_ok
from corpus_pkg.findings import Finding, short

# Schema enum failures on these fields are reported as unknown labels.
LABEL_FIELDS = {"label", "type", "kind", "factuality", "source", "layer", "status"}


def _pointer(path: Iterable[Any]) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


_fast = [True]


@contextmanager
def reference_path() -> Iterator[None]:
    """Check every record the reference way (tests hold the fast path to it)."""
    _fast.append(False)
    try:
        yield
    finally:
        _fast.pop()


def is_valid(value: Any) -> bool:
    """True when ``value`` is a record its schema accepts (the fast check)."""
    return _fast[-1] and fast_ok(value)


def check(value: Any, file: str, line: int | None) -> list[Finding]:
    """Findings of the schema check of one parsed record; empty when it is valid."""
    if is_valid(value):
        return []
    return explain(value, file, line)


def explain(value: Any, file: str, line: int | None) -> list[Finding]:
    """The reference check: jsonschema with format checking, and the refusals JSON Schema cannot state."""
    from corpus_pkg.schemas import record_validator

    if not isinstance(value, dict):
        return [Finding("schema", f"a record must be a JSON object, got {type(value).__name__}", file, line)]
    rid = value.get("id") or value.get("doc_id")
    rid = rid if isinstance(rid, str) else None
    out = []
    for err in sorted(record_validator().iter_errors(value), key=lambda e: (list(map(str, e.path)), e.message)):
        path = list(err.path)
        last = path[-1] if path else None
        if err.validator in ("enum", "const") and last in LABEL_FIELDS:
            rule = "unknown-label"
        elif err.validator in ("minimum", "maximum") and last in ("start", "end"):
            rule = "offset-range"
        else:
            rule = "schema"
        out.append(Finding(rule, short(err.message), file, line, _pointer(path), rid))
    if out:
        return out
    # JSON Schema's "integer" admits 3.0, and Python's re "$" admits a final newline: refuse both here.
    for key in ("start", "end"):
        if key in value and type(value[key]) is not int:
            out.append(Finding("schema", f"{key} must be an integer, got {value[key]!r}", file, line, f"/{key}", rid))
    for key in ("doc_id", "id"):
        if isinstance(value.get(key), str) and value[key].endswith("\n"):
            out.append(Finding("schema", f"{key} {value[key]!r} ends with a line break", file, line, f"/{key}", rid))
    return out
