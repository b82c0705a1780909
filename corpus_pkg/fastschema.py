"""A hand-written check that accepts only records the JSON Schemas accept.

The validator's fast path: a record that passes here is schema-valid, so
jsonschema is skipped for it; a record that fails here is checked again with
jsonschema, which then reports the findings. So this check may be stricter
than the schemas but never looser (a property test holds it to that).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from corpus_pkg.labels import label_sets
from corpus_pkg.schemas import ID_PATTERN, SPAN_ID_PATTERN

_ID = re.compile(ID_PATTERN.rstrip("$").lstrip("^"))
_SPAN_ID = re.compile(SPAN_ID_PATTERN.rstrip("$").lstrip("^"))
_QID = re.compile(r"Q[1-9][0-9]*")
_SHA = re.compile(r"[0-9a-f]{64}")

SPAN_KEYS = frozenset(
    {"record", "id", "doc_id", "layer", "start", "end", "text", "label", "attributes", "prefix", "suffix", "provenance"}
)
RELATION_KEYS = frozenset({"record", "id", "doc_id", "type", "head", "tail", "provenance"})
PROV_KEYS = frozenset({"annotator", "tool", "tool_version", "status"})


@cache
def _sets() -> dict[str, Any]:
    ls = label_sets()
    return {
        "entity_types": frozenset(ls.entity_types),
        "kinds": frozenset(ls.entity_kinds),
        "date_label": ls.date_label,
        "timex": frozenset(ls.timex_types),
        "quote_label": ls.quote_label,
        "quote_kinds": frozenset(ls.quote_kinds),
        "claim_label": ls.claim_label,
        "factuality": frozenset(ls.factuality),
        "sources": frozenset(ls.claim_sources),
        "relations": frozenset(ls.relation_types),
        "statuses": frozenset(ls.statuses),
    }


def _nonempty_str(x: Any) -> bool:
    return type(x) is str and x != ""


def _provenance_ok(p: Any) -> bool:
    if type(p) is not dict:
        return False
    keys = p.keys()
    if keys != PROV_KEYS and not (len(keys) == 5 and "score" in p and keys >= PROV_KEYS):
        return False
    if not (_nonempty_str(p["annotator"]) and _nonempty_str(p["tool"]) and _nonempty_str(p["tool_version"])):
        return False
    if p["status"] not in _sets()["statuses"] or type(p["status"]) is not str:
        return False
    if "score" in p:
        s = p["score"]
        if type(s) not in (int, float) or not 0 <= s <= 1:
            return False
    return True


def _attributes_ok(layer: str, a: Any) -> bool:
    if type(a) is not dict:
        return False
    s = _sets()
    if layer == "entity":
        keys = a.keys()
        if not ({"kind", "cluster"} <= keys <= {"kind", "cluster", "qid"}):
            return False
        if type(a["kind"]) is not str or a["kind"] not in s["kinds"]:
            return False
        if type(a["cluster"]) is not str or not _ID.fullmatch(a["cluster"]):
            return False
        q = a.get("qid")
        return q is None or (type(q) is str and bool(_QID.fullmatch(q)))
    if layer == "date":
        return (
            a.keys() == {"type", "value"}
            and type(a["type"]) is str
            and a["type"] in s["timex"]
            and _nonempty_str(a["value"])
        )
    if layer == "quote":
        return (
            a.keys() == {"kind", "speaker_stated"}
            and type(a["kind"]) is str
            and a["kind"] in s["quote_kinds"]
            and type(a["speaker_stated"]) is bool
        )
    return (
        a.keys() == {"checkworthy", "factuality", "source"}
        and type(a["checkworthy"]) is bool
        and type(a["factuality"]) is str
        and a["factuality"] in s["factuality"]
        and type(a["source"]) is str
        and a["source"] in s["sources"]
    )


def span_ok(v: dict[str, Any]) -> bool:
    if v.keys() != SPAN_KEYS:
        return False
    layer = v["layer"]
    s = _sets()
    if layer == "entity":
        if type(v["label"]) is not str or v["label"] not in s["entity_types"]:
            return False
    elif layer == "date":
        if v["label"] != s["date_label"]:
            return False
    elif layer == "quote":
        if v["label"] != s["quote_label"]:
            return False
    elif layer == "claim":
        if v["label"] != s["claim_label"]:
            return False
    else:
        return False
    start, end = v["start"], v["end"]
    return (
        type(v["id"]) is str
        and bool(_SPAN_ID.fullmatch(v["id"]))
        and type(v["doc_id"]) is str
        and bool(_ID.fullmatch(v["doc_id"]))
        and type(start) is int
        and start >= 0
        and type(end) is int
        and end >= 1
        and _nonempty_str(v["text"])
        and type(v["prefix"]) is str
        and type(v["suffix"]) is str
        and _attributes_ok(layer, v["attributes"])
        and _provenance_ok(v["provenance"])
    )


def relation_ok(v: dict[str, Any]) -> bool:
    return (
        v.keys() == RELATION_KEYS
        and type(v["id"]) is str
        and bool(_SPAN_ID.fullmatch(v["id"]))
        and type(v["doc_id"]) is str
        and bool(_ID.fullmatch(v["doc_id"]))
        and type(v["type"]) is str
        and v["type"] in _sets()["relations"]
        and _nonempty_str(v["head"])
        and _nonempty_str(v["tail"])
        and _provenance_ok(v["provenance"])
    )


def fast_ok(v: Any) -> bool:
    """True only if ``v`` is a record its schema accepts; anything else goes to jsonschema."""
    if type(v) is not dict:
        return False
    kind = v.get("record")
    if kind == "span":
        return span_ok(v)
    if kind == "relation":
        return relation_ok(v)
    if kind == "document":
        return document_ok(v)
    return False


DOCUMENT_REQUIRED = frozenset({"record", "doc_id", "text", "sha256", "source_file", "language"})
DOCUMENT_OPTIONAL = frozenset({"title", "publisher", "author", "url", "published", "dct", "dct_note"})
_LANG = re.compile(r"[a-z]{2,3}")
_DCT = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def document_ok(v: dict[str, Any]) -> bool:
    keys = v.keys()
    if not (DOCUMENT_REQUIRED <= keys <= DOCUMENT_REQUIRED | DOCUMENT_OPTIONAL):
        return False
    if not (
        type(v["doc_id"]) is str
        and _ID.fullmatch(v["doc_id"])
        and _nonempty_str(v["text"])
        and type(v["sha256"]) is str
        and _SHA.fullmatch(v["sha256"])
        and _nonempty_str(v["source_file"])
        and type(v["language"]) is str
        and _LANG.fullmatch(v["language"])
    ):
        return False
    # A URL needs format checking: leave documents that state one to jsonschema.
    if v.get("url") is not None:
        return False
    for k in ("title", "publisher", "author", "published", "dct_note"):
        if v.get(k) is not None and type(v[k]) is not str:
            return False
    dct = v.get("dct")
    return dct is None or (type(dct) is str and bool(_DCT.fullmatch(dct)))
