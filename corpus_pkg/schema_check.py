"""The schema check of one record: compiled validators on the hot path, jsonschema to explain a failure.

Each record type (document, span of each layer, relation, batch header) has a
validator that jsonschema-rs compiles from its file in ``schema/``, chosen by
the record's ``record`` and ``layer``. A record it accepts, and that passes the
refusals JSON Schema cannot express, is valid. Any other record goes to
jsonschema (the reference), whose errors become the findings, so a finding
never depends on which path ran. jsonschema is imported only then: with its
format extras it takes 1.5-2.4 s of CPU to import.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

import jsonschema_rs
from rfc3339_validator import validate_rfc3339
from rfc3986_validator import validate_rfc3986

from corpus_pkg.findings import Finding, short
from corpus_pkg.labels import LAYERS
from corpus_pkg.project import schema_dir

if TYPE_CHECKING:
    import jsonschema

# Schema enum failures on these fields are reported as unknown labels.
LABEL_FIELDS = {"label", "type", "kind", "factuality", "source", "layer", "status"}


def _uri(value: str) -> bool:
    return validate_rfc3986(value, rule="URI") is not None


def _date_time(value: str) -> bool:
    return validate_rfc3339(value.upper())


# The functions jsonschema's FORMAT_CHECKER applies (format-nongpl extra), so both paths agree on
# every format; jsonschema-rs's own date-time, for one, accepts the leap second 23:59:60.
FORMATS = {"uri": _uri, "date-time": _date_time}


def _schema(name: str) -> dict[str, Any]:
    return json.loads((schema_dir() / name).read_text(encoding="utf-8"))


class Validators(NamedTuple):
    records: dict[str, jsonschema_rs.Validator]  # record type (not span) -> validator
    spans: dict[str, jsonschema_rs.Validator]  # layer -> validator of its spans


@cache
def validators() -> Validators:
    """The validators jsonschema-rs compiles from each record type's schema file."""

    def compiled(name: str) -> jsonschema_rs.Validator:
        return jsonschema_rs.validator_for(_schema(name), validate_formats=True, formats=FORMATS)

    return Validators(
        records={
            "document": compiled("document.schema.json"),
            "relation": compiled("relation.schema.json"),
            "batch": compiled("batch-record.schema.json"),
            "edit": compiled("batch-record.schema.json"),  # the edit's value is a span or relation of any layer
        },
        spans={layer: compiled(f"span-{layer}.schema.json") for layer in LAYERS},
    )


@cache
def reference_validator() -> jsonschema.Draft202012Validator:
    """jsonschema over any record (the batch-record schema), with format checking."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_schema("batch-record.schema.json"), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _beyond_schema(value: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) of what JSON Schema accepts but we refuse: its "integer" admits 3.0, and
    Python's re "$" (which jsonschema uses for patterns) admits a final line break."""
    out = []
    for key in ("start", "end"):
        if key in value and type(value[key]) is not int:
            out.append((f"/{key}", f"{key} must be an integer, got {value[key]!r}"))
    for key in ("doc_id", "id"):
        if isinstance(value.get(key), str) and value[key].endswith("\n"):
            out.append((f"/{key}", f"{key} {value[key]!r} ends with a line break"))
    inner = value.get("value")
    if value.get("record") == "edit" and isinstance(inner, dict):
        out += [(f"/value{field}", message) for field, message in _beyond_schema(inner)]
    return out


_fast = [True]


@contextmanager
def reference_path() -> Iterator[None]:
    """Check every record the reference way while the block runs (tests hold the fast path to it)."""
    _fast.append(False)
    try:
        yield
    finally:
        _fast.pop()


def is_valid(value: Any) -> bool:
    """True only if :func:`explain` finds nothing in ``value``; False sends it there to be explained."""
    if type(value) is not dict or not _fast[-1]:
        return False
    compiled = validators()
    record = value.get("record")
    try:
        validator = compiled.spans.get(value.get("layer")) if record == "span" else compiled.records.get(record)
        if validator is None or not validator.is_valid(value):
            return False
    except (ValueError, TypeError, OverflowError):
        return False  # an unhashable record or layer, or a value jsonschema-rs cannot take in
    # Of _beyond_schema, only the integer check is needed here: jsonschema-rs reads "$" as the end of the
    # string, so its patterns already refuse an id or doc_id ending in a line break.
    if record == "span":
        return type(value["start"]) is int and type(value["end"]) is int  # the schema made both required
    inner = value.get("value") if record == "edit" else None
    return not isinstance(inner, dict) or (type(inner.get("start", 0)) is int and type(inner.get("end", 0)) is int)


@cache
def array_validators() -> Validators:
    """Validators of a JSON array of records of one type, each item checked by that type's schema file.

    Checking a document's spans of one layer in one call costs about three quarters of checking them one
    by one (less passing back and forth between Python and Rust); ``runs_valid`` uses them.
    """

    def compiled(name: str) -> jsonschema_rs.Validator:
        one = _schema(name)
        items = {k: v for k, v in one.items() if k not in ("$schema", "$id", "$defs")}
        array = {"$schema": one["$schema"], "$defs": one.get("$defs", {}), "type": "array", "items": items}
        return jsonschema_rs.validator_for(array, validate_formats=True, formats=FORMATS)

    return Validators(
        records={"relation": compiled("relation.schema.json")},
        spans={layer: compiled(f"span-{layer}.schema.json") for layer in LAYERS},
    )


def runs_valid(
    documents: list[dict[str, Any]], spans: dict[Any, list[dict[str, Any]]], relations: list[dict[str, Any]]
) -> bool:
    """True only if ``is_valid`` holds for every one of these records (spans keyed by their ``layer``).

    Parsed JSON only (dicts, lists, str, int, float, bool, None), as ``is_valid`` expects.
    """
    if not _fast[-1]:
        return False
    one = validators().records["document"]
    arrays = array_validators()
    try:
        if not all(one.is_valid(d) for d in documents):
            return False
        if relations and not arrays.records["relation"].is_valid(relations):
            return False
        for layer, items in spans.items():
            validator = arrays.spans.get(layer)
            if validator is None or not validator.is_valid(items):
                return False
            # Of _beyond_schema, only the integer offsets are left to check (see is_valid).
            for s in items:
                if type(s["start"]) is not int or type(s["end"]) is not int:
                    return False
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def _pointer(path: Iterable[Any]) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


def explain(value: Any, file: str, line: int | None) -> list[Finding]:
    """The reference schema check: jsonschema with format checking, then the refusals it cannot express."""
    if not isinstance(value, dict):
        return [Finding("schema", f"a record must be a JSON object, got {type(value).__name__}", file, line)]
    rid = value.get("id") or value.get("doc_id")
    rid = rid if isinstance(rid, str) else None
    out = []
    errors = reference_validator().iter_errors(value)
    for err in sorted(errors, key=lambda e: (list(map(str, e.path)), e.message)):
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
    return [Finding("schema", message, file, line, field, rid) for field, message in _beyond_schema(value)]


def check(value: Any, file: str, line: int | None) -> list[Finding]:
    """The schema findings of one record: none if the compiled validator accepts it, else jsonschema's."""
    return [] if is_valid(value) else explain(value, file, line)
