"""Offset-free annotation drafts resolved to spans: offsets are computed, never typed.

A draft names each span by its exact surface ``text`` plus either a
``context`` (a longer string occurring exactly once in the document and
containing ``text`` exactly once) or a 1-based ``occurrence``. Anything
missing or ambiguous is an error naming the draft entry.

Draft format (one JSON file per document; see annotations/GUIDELINES.md)::

    {"doc_id": ..., "annotator": ...,
     "entities": [{"key", "text", "context"?, "occurrence"?, "type", "kind", "cluster", "qid"?}],
     "dates":    [{"key", "text", ..., "type", "value", "mod"?}],
     "quotes":   [{"key", "text", ..., "kind", "speakers": [entity keys]}],
     "claims":   [{"key", "text", ..., "checkworthy", "factuality", "source", "claimants": [entity keys]}]}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from corpus_pkg import ids
from corpus_pkg.labels import label_sets
from corpus_pkg.model import AnnotatedDocument, Document, Provenance, Relation, make_span
from corpus_pkg.offsets import find_all

DRAFT_LAYERS = {"entities": "entity", "dates": "date", "quotes": "quote", "claims": "claim"}


@dataclass(frozen=True)
class DraftError:
    where: str  # e.g. "entities[3] (key e-kim-1)"
    message: str

    def render(self, file: str) -> str:
        return f"{file}: {self.where}: {self.message}"


def locate(text: str, needle: str, context: str | None = None, occurrence: int | None = None) -> int:
    """The start offset of ``needle`` in ``text``, or ValueError saying why it is not unique."""
    if not needle:
        raise ValueError("empty text")
    if context is not None:
        where = find_all(text, context)
        if len(where) != 1:
            raise ValueError(f"context {context!r} occurs {len(where)} times in the document (need exactly 1)")
        inner = find_all(context, needle)
        if len(inner) != 1:
            raise ValueError(f"text {needle!r} occurs {len(inner)} times in its context {context!r} (need exactly 1)")
        return where[0] + inner[0]
    hits = find_all(text, needle)
    if occurrence is not None:
        if not 1 <= occurrence <= len(hits):
            raise ValueError(f"text {needle!r} occurs {len(hits)} times; occurrence {occurrence} does not exist")
        return hits[occurrence - 1]
    if len(hits) != 1:
        raise ValueError(f"text {needle!r} occurs {len(hits)} times in the document; give a context or occurrence")
    return hits[0]


def _attributes(layer: str, e: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ls = label_sets()
    if layer == "entity":
        attrs = {"kind": e.get("kind", "NAM"), "cluster": e["cluster"]}
        if e.get("qid"):
            attrs["qid"] = e["qid"]
        return e["type"], attrs
    if layer == "date":
        attrs = {"type": e["type"], "value": e["value"]}
        if e.get("mod"):
            attrs["mod"] = e["mod"]
        return ls.date_label, attrs
    if layer == "quote":
        return ls.quote_label, {"kind": e["kind"], "speaker_stated": bool(e.get("speakers"))}
    return ls.claim_label, {
        "checkworthy": bool(e["checkworthy"]),
        "factuality": e["factuality"],
        "source": e.get("source") or ("attributed" if e.get("claimants") else "outlet"),
    }


def resolve_draft(
    draft: dict[str, Any], doc: Document, *, tool_version: str, status: str = "gold"
) -> tuple[AnnotatedDocument, list[DraftError]]:
    """Resolve a draft against its document; the result holds only entries that resolved."""
    errors: list[DraftError] = []
    prov = Provenance(str(draft.get("annotator", "unknown")), "corpus_pkg.anchor", tool_version, status)
    placed: list[tuple[str, int, int, str, dict[str, Any], str]] = []  # layer, start, end, label, attrs, key
    keys: dict[str, str] = {}
    for section, layer in DRAFT_LAYERS.items():
        for i, e in enumerate(draft.get(section) or []):
            where = f"{section}[{i}]" + (f" (key {e.get('key')})" if isinstance(e, dict) else "")
            if not isinstance(e, dict) or not isinstance(e.get("text"), str):
                errors.append(DraftError(where, "an entry must be an object with a string 'text'"))
                continue
            try:
                start = locate(doc.text, e["text"], e.get("context"), e.get("occurrence"))
                label, attrs = _attributes(layer, e)
            except (ValueError, KeyError) as ex:
                msg = f"missing field {ex}" if isinstance(ex, KeyError) else str(ex)
                errors.append(DraftError(where, msg))
                continue
            key = str(e.get("key", f"{section}-{i}"))
            if key in keys:
                errors.append(DraftError(where, f"key {key!r} is used twice"))
                continue
            keys[key] = layer
            placed.append((layer, start, start + len(e["text"]), label, attrs, key))

    key_ids: dict[str, str] = {}
    out = AnnotatedDocument(doc)
    for layer in DRAFT_LAYERS.values():
        mine = sorted((p for p in placed if p[0] == layer), key=lambda p: (p[1], p[2], p[5]))
        for n, (_, start, end, label, attrs, key) in enumerate(mine, start=1):
            sid = ids.make(doc.doc_id, ids.letter_of(layer), n)
            key_ids[key] = sid
            out.spans.append(
                make_span(
                    doc, id=sid, layer=layer, start=start, end=end, label=label, attributes=attrs, provenance=prov
                )
            )

    links: list[tuple[str, str, str]] = []
    for section, rel_type, field in (("quotes", "speaker", "speakers"), ("claims", "claimant", "claimants")):
        for i, e in enumerate(draft.get(section) or []):
            if not isinstance(e, dict) or str(e.get("key")) not in key_ids:
                continue
            for target in e.get(field) or []:
                where = f"{section}[{i}] (key {e.get('key')}) {field}"
                if target not in key_ids or keys.get(target) != "entity":
                    errors.append(DraftError(where, f"{target!r} is not the key of an entity in this draft"))
                    continue
                links.append((rel_type, key_ids[str(e["key"])], key_ids[target]))
    for n, (rel_type, head, tail) in enumerate(sorted(set(links)), start=1):
        out.relations.append(
            Relation(ids.make(doc.doc_id, ids.RELATION_LETTER, n), doc.doc_id, rel_type, head, tail, prov)
        )
    return out.sorted(), errors
