"""Review before gold: work pulled from annotators is ``submitted`` until a maintainer accepts or rejects it.

``pending`` lists the submitted spans and relations, ``accept`` makes them gold (recording the
reviewer in their provenance), ``reject`` removes them. Both writers hold the write lock from
reading to writing, read only the documents they touch, validate the result and write nothing on
any error. ``publishable`` is what a build publishes of a document: gold, plus the statuses it is
asked to include.

Accepting a span accepts its submitted relations with it (a speaker or claimant says something about
the span that was reviewed); a relation whose other end is a submitted span not being accepted is
refused, naming the ids to accept together, so a gold relation never points at work still awaiting
review. Rejecting a span removes the submitted relations that point at it; a gold or predicted
relation pointing at it refuses the reject.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from corpus_pkg import ids
from corpus_pkg.errors import InvalidData, UsageProblem
from corpus_pkg.model import AnnotatedDocument, Relation, Span
from corpus_pkg.storage import (
    DocRecords,
    corpus_dir,
    corpus_files,
    read_document,
    write_documents,
    write_lock,
)
from corpus_pkg.validate import validate_documents

SUBMITTED = "submitted"
GOLD = "gold"
# What a build publishes whatever it is asked to include.
PUBLISHED = GOLD

Record = Span | Relation


# -- what a build publishes ------------------------------------------------------------------------------------------


def _status(record: dict[str, Any]) -> str:
    return record["provenance"].get("status", GOLD)


def publishable(records: DocRecords, include: Collection[str] = ()) -> tuple[DocRecords, Counter[tuple[str, str]]]:
    """What a build publishes of a document's records, gold and the statuses in ``include``, and what it
    leaves out, counted by (status, "span" or "relation").

    A relation is left out with either of its ends, so a published relation always resolves.
    """
    keep = {PUBLISHED, *include}
    spans, relations = records.spans, records.relations
    # The common case, everything gold, in one pass without a call per record.
    statuses = {p.get("status", GOLD) for p in map(_PROVENANCE, chain(relations, *spans.values()))}
    if statuses <= keep:
        return records, Counter()
    out: Counter[tuple[str, str]] = Counter()
    kept_spans: dict[str, list[dict[str, Any]]] = {}
    kept = set()
    for layer, items in spans.items():
        kept_spans[layer] = [s for s in items if _status(s) in keep]
        kept.update(s["id"] for s in kept_spans[layer])
        out.update((_status(s), "span") for s in items if _status(s) not in keep)
    rels = []
    for r in relations:
        if _status(r) in keep and r["head"] in kept and r["tail"] in kept:
            rels.append(r)
        else:
            out[(_status(r), "relation")] += 1
    return DocRecords(records.document, kept_spans, rels), out


_PROVENANCE = itemgetter("provenance")


def describe_left_out(counts: Counter[tuple[str, str]]) -> list[str]:
    """One line per status that a build left out, saying how to see or include it."""
    lines = []
    for status in sorted({s for s, _ in counts}):
        spans, rels = counts[(status, "span")], counts[(status, "relation")]
        what = " and ".join(
            part
            for part in (f"{spans} {status} span(s)" if spans else "", f"{rels} relation(s)" if rels else "")
            if part
        )
        if status == SUBMITTED:
            lines.append(f"left out {what} not yet accepted: corpus review list (or build with --include submitted)")
        elif status == PUBLISHED:
            lines.append(f"left out {what} whose head or tail was left out")
        else:
            lines.append(f"left out {what}: build with --include {status} to publish them")
    return lines


# -- listing ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """One submitted span or relation, as ``corpus review list`` shows it."""

    doc_id: str
    id: str
    layer: str  # the span's layer, or "relation"
    label: str  # the span's label, or the relation's type
    text: str  # the span's text, or "head text -> tail text"
    annotator: str
    created: str | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _relation_text(r: Relation, spans: dict[str, Span]) -> str:
    head, tail = spans.get(r.head), spans.get(r.tail)
    return f"{head.text if head else r.head} -> {tail.text if tail else r.tail}"


def pending_in(doc: AnnotatedDocument, annotator: str | None = None) -> list[Pending]:
    """The submitted spans and relations of ``doc`` (of ``annotator`` only, if given), in file order."""
    spans = {s.id: s for s in doc.spans}
    out = []
    for rec in [*doc.spans, *doc.relations]:
        p = rec.provenance
        if p.status != SUBMITTED or (annotator is not None and p.annotator != annotator):
            continue
        if isinstance(rec, Span):
            out.append(Pending(doc.doc_id, rec.id, rec.layer, rec.label, rec.text, p.annotator, p.created))
        else:
            text = _relation_text(rec, spans)
            out.append(Pending(doc.doc_id, rec.id, "relation", rec.type, text, p.annotator, p.created))
    return out


def _documents(doc_ids: Iterable[str], root: Path | None) -> list[AnnotatedDocument]:
    """The named documents, or every corpus document when none is named."""
    named = list(dict.fromkeys(doc_ids))
    if not named:
        named = [p.stem for p in corpus_files(root)]
    return [read_document(d, root) for d in named]


def pending(
    root: Path | None = None, doc_ids: Iterable[str] = (), annotator: str | None = None
) -> dict[str, list[Pending]]:
    """doc_id -> its submitted records, for the named documents (default: all); documents with none left out."""
    out = {}
    for doc in _documents(doc_ids, root):
        rows = pending_in(doc, annotator)
        if rows:
            out[doc.doc_id] = rows
    return out


# -- accepting and rejecting -----------------------------------------------------------------------------------------


@dataclass
class ReviewResult:
    """What ``accept`` or ``reject`` changed: doc_id -> the records (as they were), and the files written."""

    changed: dict[str, list[Record]] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.changed.values())


def _doc_of(rid: str) -> str:
    parsed = ids.parse(rid)
    if parsed is None:
        raise UsageProblem(f"{rid!r} is not a corpus id (<doc_id>-<letter>NNN, e.g. 000-military-cooperation-e001)")
    return parsed.doc_id


def _describe(rec: Record, spans: dict[str, Span]) -> str:
    if isinstance(rec, Span):
        return f'{rec.id} ({rec.layer} {rec.label} "{rec.text}")'
    return f'{rec.id} ({rec.type} "{_relation_text(rec, spans)}")'


def _select(
    docs: dict[str, AnnotatedDocument], named: list[str], whole: Collection[str], annotator: str | None
) -> dict[str, set[str]]:
    """doc_id -> ids of the submitted records chosen: the named ids, plus every one in ``whole`` documents
    (of ``annotator`` only, if given). A named id that is missing or not submitted is refused."""
    chosen: dict[str, set[str]] = {d: set() for d in docs}
    for rid in named:
        doc = docs.get(_doc_of(rid))
        if doc is None:
            raise InvalidData(f"{rid}: document {_doc_of(rid)!r} is not in the corpus")
        rec = next((r for r in [*doc.spans, *doc.relations] if r.id == rid), None)
        if rec is None:
            raise InvalidData(f"{_root_of(doc)}: no span or relation {rid}")
        if rec.provenance.status != SUBMITTED:
            raise InvalidData(
                f"{_root_of(doc)}: {rid} is {rec.provenance.status}, not submitted; only submitted work is reviewed"
            )
        chosen[doc.doc_id].add(rid)
    for doc_id in whole:
        chosen[doc_id] |= {p.id for p in pending_in(docs[doc_id], annotator)}
    return {d: s for d, s in chosen.items() if s}


def _root_of(doc: AnnotatedDocument) -> str:
    """The file a document was read from, for messages."""
    return doc.document.where.file if doc.document.where else doc.doc_id


def _load(root: Path | None, named: list[str], doc_ids: Collection[str], every: bool) -> dict[str, AnnotatedDocument]:
    wanted = [] if every else [*(_doc_of(r) for r in named), *doc_ids]
    if not every and not wanted:
        return {}
    return {d.doc_id: d for d in _documents(wanted, root)}


def _write_checked(docs: list[AnnotatedDocument], root: Path | None) -> list[Path]:
    """Validate the documents as they will be written; InvalidData (nothing written) on any error."""
    report = validate_documents(docs)
    if report.errors:
        first = report.errors[0].render()
        raise InvalidData(
            f"the result would not validate ({len(report.errors)} error(s)); nothing written; first: {first}"
        )
    return write_documents(docs, root)


def accept(
    root: Path | None,
    named: Iterable[str] = (),
    *,
    doc_ids: Collection[str] = (),
    annotator: str | None = None,
    every: bool = False,
    reviewer: str,
    echo: Callable[[str], None] | None = None,
) -> ReviewResult:
    """Make submitted records gold, recording ``reviewer``; their submitted relations come along (see module doc)."""
    named = list(dict.fromkeys(named))
    every = every or (annotator is not None and not named and not doc_ids)
    with write_lock(root, echo=echo) as recovered:
        docs = _load(root, named, doc_ids, every)
        whole = list(docs) if every else list(doc_ids)
        chosen = _select(docs, named, whole, annotator)
        result = ReviewResult(recovered=recovered)
        out = []
        for doc_id, picked in chosen.items():
            doc = docs[doc_id]
            spans = {s.id: s for s in doc.spans}
            rels = [
                r
                for r in doc.relations
                if r.provenance.status == SUBMITTED and (r.id in picked or r.head in picked or r.tail in picked)
            ]
            picked |= {r.id for r in rels}
            missing = [
                (r, spans[end])
                for r in rels
                for end in (r.head, r.tail)
                if end in spans and spans[end].provenance.status == SUBMITTED and end not in picked
            ]
            if missing:
                ask = " ".join(dict.fromkeys([*sorted(picked), *(s.id for _, s in missing)]))
                why = "; ".join(
                    f"relation {_describe(r, spans)} points at submitted {_describe(s, spans)}" for r, s in missing
                )
                raise InvalidData(
                    f"{_root_of(doc)}: {why}; a gold relation needs gold ends, so nothing was accepted. "
                    f"Accept them together: corpus review accept {ask}"
                )
            gold = {"status": GOLD, "reviewer": reviewer}
            new_spans = [
                dataclasses.replace(s, provenance=dataclasses.replace(s.provenance, **gold)) if s.id in picked else s
                for s in doc.spans
            ]
            new_rels = [
                dataclasses.replace(r, provenance=dataclasses.replace(r.provenance, **gold)) if r.id in picked else r
                for r in doc.relations
            ]
            result.changed[doc_id] = [r for r in [*doc.spans, *doc.relations] if r.id in picked]
            out.append(AnnotatedDocument(doc.document, new_spans, new_rels).sorted())
        result.written = _write_checked(out, root) if out else []
        return result


def reject(root: Path | None, named: Iterable[str], *, echo: Callable[[str], None] | None = None) -> ReviewResult:
    """Remove the named submitted records and the submitted relations pointing at removed spans."""
    named = list(dict.fromkeys(named))
    if not named:
        raise UsageProblem("name the submitted spans or relations to reject (ids from: corpus review list)")
    with write_lock(root, echo=echo) as recovered:
        docs = _load(root, named, (), False)
        chosen = _select(docs, named, (), None)
        result = ReviewResult(recovered=recovered)
        out = []
        for doc_id, picked in chosen.items():
            doc = docs[doc_id]
            spans = {s.id: s for s in doc.spans}
            dangling = [r for r in doc.relations if r.id not in picked and (r.head in picked or r.tail in picked)]
            kept = [r for r in dangling if r.provenance.status != SUBMITTED]
            if kept:
                why = "; ".join(f"{r.provenance.status} relation {_describe(r, spans)}" for r in kept)
                raise InvalidData(
                    f"{_root_of(doc)}: {why} points at a span to reject; only submitted relations are removed "
                    "with their span, so nothing was rejected"
                )
            picked |= {r.id for r in dangling}
            result.changed[doc_id] = [r for r in [*doc.spans, *doc.relations] if r.id in picked]
            out.append(
                AnnotatedDocument(
                    doc.document,
                    [s for s in doc.spans if s.id not in picked],
                    [r for r in doc.relations if r.id not in picked],
                ).sorted()
            )
        result.written = _write_checked(out, root) if out else []
        return result


def folder(root: Path | None) -> Path:
    """The corpus folder a review acts on, for messages."""
    return corpus_dir(root)
