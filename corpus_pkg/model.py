"""The corpus data model: documents, spans and relations (standoff).

Offsets are 0-based, end-exclusive Unicode code point indices into
``Document.text`` (Python ``str`` indices). Every span carries its surface
text and a W3C TextQuoteSelector-style ``prefix``/``suffix`` so it can be
re-anchored if a document's text is ever corrected.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# Characters of context kept on each side of a span (TextQuoteSelector).
CONTEXT_CHARS = 32


def _make(cls: type, fields: dict[str, Any]) -> Any:
    """An instance of the frozen dataclass ``cls`` from all of its fields, without its ``__init__``.

    Reading builds one object per record; a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``, several times the cost of filling the instance dict at once. ``fields``
    must name every field (the ``from_dict`` methods below do), so the result equals ``cls(**fields)``.
    """
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


def _adopt_record(cls: type, d: dict[str, Any], where: Where | None) -> Any:
    """A span or relation whose instance dict is ``d``, a schema-valid record just parsed (see ``Span.adopt``)."""
    del d["record"]
    d["provenance"] = Provenance.adopt(d["provenance"])
    d["where"] = where
    obj = object.__new__(cls)
    object.__setattr__(obj, "__dict__", d)
    return obj


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Where(NamedTuple):
    """The file and line a record was read from (not part of its content).

    A named tuple: one is made for every record read, and a tuple is the cheapest immutable
    object to make.
    """

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Provenance:
    """Who or what made a record, and whether it is gold, a prediction or submitted work awaiting review.

    ``created`` is when the work was made or submitted (ISO 8601 date-time); ``reviewer`` is who
    accepted submitted work as gold (``corpus review accept``). Both are optional and left out of
    ``to_dict`` when None, so records without them keep their bytes.
    """

    annotator: str
    tool: str
    tool_version: str
    status: str = "gold"
    score: float | None = None
    created: str | None = None
    reviewer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "annotator": self.annotator,
            "tool": self.tool,
            "tool_version": self.tool_version,
            "status": self.status,
        }
        if self.score is not None:
            out["score"] = self.score
        if self.created is not None:
            out["created"] = self.created
        if self.reviewer is not None:
            out["reviewer"] = self.reviewer
        return out

    @classmethod
    def adopt(cls, d: dict[str, Any]) -> Provenance:
        """Like ``from_dict``, taking over ``d``: a schema-valid provenance object just parsed, held by no one else."""
        d.setdefault("status", "gold")
        d.setdefault("score", None)
        d.setdefault("created", None)
        d.setdefault("reviewer", None)
        obj = object.__new__(cls)
        object.__setattr__(obj, "__dict__", d)
        return obj

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Provenance:
        return _make(
            cls,
            {
                "annotator": d["annotator"],
                "tool": d["tool"],
                "tool_version": d["tool_version"],
                "status": d.get("status", "gold"),
                "score": d.get("score"),
                "created": d.get("created"),
                "reviewer": d.get("reviewer"),
            },
        )


@dataclass(frozen=True)
class Document:
    doc_id: str
    text: str
    sha256: str
    source_file: str
    language: str = "en"
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    published: str | None = None
    dct: str | None = None
    dct_note: str | None = None
    where: Where | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_text(cls, doc_id: str, text: str, source_file: str, **meta: Any) -> Document:
        return cls(doc_id=doc_id, text=text, sha256=sha256_text(text), source_file=source_file, **meta)

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": "document",
            "doc_id": self.doc_id,
            "text": self.text,
            "sha256": self.sha256,
            "source_file": self.source_file,
            "language": self.language,
            "title": self.title,
            "publisher": self.publisher,
            "author": self.author,
            "url": self.url,
            "published": self.published,
            "dct": self.dct,
            "dct_note": self.dct_note,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: Where | None = None) -> Document:
        return cls(**{k: v for k, v in d.items() if k != "record"}, where=where)


@dataclass(frozen=True)
class Span:
    id: str
    doc_id: str
    layer: str
    start: int
    end: int
    text: str
    label: str
    attributes: dict[str, Any]
    prefix: str
    suffix: str
    provenance: Provenance
    where: Where | None = field(default=None, compare=False, repr=False)

    @property
    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.start, self.end, self.layer, self.id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": "span",
            "id": self.id,
            "doc_id": self.doc_id,
            "layer": self.layer,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "label": self.label,
            "attributes": dict(self.attributes),
            "prefix": self.prefix,
            "suffix": self.suffix,
            "provenance": self.provenance.to_dict(),
        }

    @classmethod
    def adopt(cls, d: dict[str, Any], where: Where | None = None) -> Span:
        """Like ``from_dict``, taking over ``d``: a schema-valid span record just parsed, held by no one else.

        The schema allows exactly the fields (and ``record``), so the record's dict becomes the
        span's instance dict: reading a span then copies nothing.
        """
        return _adopt_record(cls, d, where)

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: Where | None = None) -> Span:
        return _make(
            cls,
            {
                "id": d["id"],
                "doc_id": d["doc_id"],
                "layer": d["layer"],
                "start": d["start"],
                "end": d["end"],
                "text": d["text"],
                "label": d["label"],
                "attributes": dict(d["attributes"]),
                "prefix": d["prefix"],
                "suffix": d["suffix"],
                "provenance": Provenance.from_dict(d["provenance"]),
                "where": where,
            },
        )


@dataclass(frozen=True)
class Relation:
    id: str
    doc_id: str
    type: str
    head: str
    tail: str
    provenance: Provenance
    where: Where | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What makes two relations the same: document, type and ends (not id or provenance)."""
        return (self.doc_id, self.type, self.head, self.tail)

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": "relation",
            "id": self.id,
            "doc_id": self.doc_id,
            "type": self.type,
            "head": self.head,
            "tail": self.tail,
            "provenance": self.provenance.to_dict(),
        }

    @classmethod
    def adopt(cls, d: dict[str, Any], where: Where | None = None) -> Relation:
        """Like ``from_dict``, taking over ``d`` (see ``Span.adopt``)."""
        return _adopt_record(cls, d, where)

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: Where | None = None) -> Relation:
        return _make(
            cls,
            {
                "id": d["id"],
                "doc_id": d["doc_id"],
                "type": d["type"],
                "head": d["head"],
                "tail": d["tail"],
                "provenance": Provenance.from_dict(d["provenance"]),
                "where": where,
            },
        )


@dataclass
class AnnotatedDocument:
    """A document with its spans and relations: the unit stored in one file."""

    document: Document
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        return self.document.doc_id

    def sorted(self) -> AnnotatedDocument:
        return AnnotatedDocument(
            self.document,
            sorted(self.spans, key=lambda s: s.sort_key),
            sorted(self.relations, key=lambda r: (r.type, r.head, r.tail, r.id)),
        )

    def spans_in(self, layer: str) -> list[Span]:
        return [s for s in self.spans if s.layer == layer]


Record = Document | Span | Relation


def span_content(span: Span) -> tuple[Any, ...]:
    """What makes two spans the same annotation: document, place, text, layer, label and attributes.

    Not the id (batch ids are local), the provenance, or the context (derived from the text). An
    attribute whose value is null counts as absent.
    """
    attributes = tuple(sorted((k, v) for k, v in span.attributes.items() if v is not None))
    return (span.doc_id, span.layer, span.start, span.end, span.text, span.label, attributes)


def same_span(a: Span, b: Span) -> bool:
    """The one test of whether two spans are the same annotation (see ``span_content``)."""
    return span_content(a) == span_content(b)


def content_hash(record: Span | Relation) -> str:
    """A sha256 of what a span or relation says (``span_content`` or ``Relation.key``), without id or provenance.

    A correction names the record it changes by id and by this hash of the content it expects to
    find, so a correction made against content that has changed since is refused, not applied.
    """
    import json

    content = span_content(record) if isinstance(record, Span) else record.key
    blob = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def context_of(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> tuple[str, str]:
    """The TextQuoteSelector prefix and suffix of ``text[start:end]``."""
    return text[max(0, start - width) : start], text[end : end + width]


def make_span(
    doc: Document,
    *,
    id: str,
    layer: str,
    start: int,
    end: int,
    label: str,
    attributes: dict[str, Any],
    provenance: Provenance,
) -> Span:
    """Build a span from offsets, taking its text and context from the document."""
    if not 0 <= start < end <= len(doc.text):
        raise ValueError(f"{doc.doc_id}: offsets [{start}, {end}) outside the text (length {len(doc.text)})")
    prefix, suffix = context_of(doc.text, start, end)
    return Span(id, doc.doc_id, layer, start, end, doc.text[start:end], label, attributes, prefix, suffix, provenance)
