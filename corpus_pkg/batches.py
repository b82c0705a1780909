"""Annotation batches: read (our JSONL, or a Label Studio JSON export), check against the corpus, plan a merge.

A batch is checked one document at a time against that document in the corpus:
every record's own checks first (schema, offsets, text), then its document
(unknown, or made against another text: stale), duplicates of existing spans
(identical in content: skipped), and every corpus rule over the union of corpus
and batch. Spans made against an older text are re-anchored through their
context when that is unambiguous, and reported as moved. Edit records update
or delete a corpus span or relation named by id and by the hash of the content
they expect to find (a stale edit is refused); the union rules then run over the
document as it will be after every add, update and delete of the batch. The plan numbers new
ids against the corpus as it is read, so a merge must hold the write lock from
reading to writing.
"""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from corpus_pkg import ids
from corpus_pkg.findings import Finding, mark, short
from corpus_pkg.jsonio import decode_bytes, loads_strict
from corpus_pkg.model import (
    AnnotatedDocument,
    Document,
    Relation,
    Span,
    Where,
    content_hash,
    context_of,
    span_content,
)
from corpus_pkg.reanchor import reanchor
from corpus_pkg.storage import (
    BatchHeader,
    Edit,
    Item,
    RawLine,
    corpus_dir,
    corpus_items,
    document_path,
    is_corpus_file,
    item_of_value,
    items_of_raw,
    iter_lines,
    open_input,
    parse_value,
    raw_lines,
    read_items,
    valid_runs,
)
from corpus_pkg.validate import (
    Report,
    check_document,
    document_is_clean,
    finding,
    place_span,
    suspects,
    validate_corpus_files,
)

KIND_JSONL = "jsonl batch"
KIND_LABEL_STUDIO = "label studio export"
KIND_CORPUS = "corpus"


def _is_label_studio_export(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(t, dict) and "data" in t for t in value)
        and any("annotations" in t or "predictions" in t for t in value)
    )


def _read_export(path: Path, report: Report) -> Iterator[Item]:
    f = open_input(path, report.findings)
    if f is None:
        return
    with f:
        text, problem = decode_bytes(f.read())
    if problem:
        report.add(Finding("io", problem, str(path)))
        return
    assert text is not None
    try:
        value = loads_strict(text)
    except (ValueError, RecursionError) as e:
        pos = getattr(e, "pos", None)
        where = f" at character {pos}" if pos is not None else ""
        report.add(Finding("json", f"not valid JSON{where}: {getattr(e, 'msg', 'too deeply nested')}", str(path)))
        return
    if not _is_label_studio_export(value):
        report.add(
            Finding(
                "schema",
                "a .json batch must be a Label Studio JSON export (a list of tasks with annotations); "
                "our own batches are JSONL",
                str(path),
            )
        )
        return
    yield from export_items(value, str(path), report)


def export_items(tasks: Any, file: str, report: Report) -> Iterator[Item]:
    """The records of a parsed Label Studio export as model objects; what cannot be read becomes findings."""
    from corpus_pkg.labelstudio.convert import export_records  # lxml and the config: only for exports

    records, problems = export_records(tasks, file)
    for p in problems:
        report.add(Finding("label-studio", p.message, file, p.task or None, p.field or None, p.doc_id))
    for n, v in records:
        item = item_of_value(v, Where(file, n), report.findings)
        if item is not None:
            yield item


def read_batch(path: Path, report: Report, root: Path | None = None) -> tuple[str, Iterator[Item]]:
    """Say what kind of file ``path`` is; return (kind, its records as model objects)."""
    if is_corpus_file(path, root):
        return KIND_CORPUS, read_items(path, report.findings)
    if path.suffix == ".json":
        return KIND_LABEL_STUDIO, _read_export(path, report)
    return KIND_JSONL, read_items(path, report.findings)


@dataclass
class BatchPlan:
    """What merging a batch would add, per document (ids already numbered for the corpus)."""

    documents: list[Document] = field(default_factory=list)
    spans: dict[str, list[Span]] = field(default_factory=lambda: defaultdict(list))
    relations: dict[str, list[Relation]] = field(default_factory=lambda: defaultdict(list))
    updated: dict[str, list[Span | Relation]] = field(default_factory=lambda: defaultdict(list))  # new values
    deleted: dict[str, list[Span | Relation]] = field(default_factory=lambda: defaultdict(list))  # corpus records
    skipped_duplicates: int = 0
    moved: int = 0
    unchanged_edits: int = 0  # updates whose value is already there, deletes whose record is already gone

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for d in self.documents:
            out[d.doc_id]["document"] += 1
        for doc_id, spans in self.spans.items():
            for s in spans:
                out[doc_id][s.layer] += 1
        for doc_id, rels in self.relations.items():
            for r in rels:
                out[doc_id][f"relation:{r.type}"] += 1
        return {k: dict(v) for k, v in sorted(out.items())}

    def changes(self) -> dict[str, list[str]]:
        """Per document, what merging does per layer: "+2 entity", "~1 date updated", "-1 entity deleted"."""
        out: dict[str, list[str]] = defaultdict(list)
        for doc_id, counts in self.summary().items():
            out[doc_id] += [f"+{n} {k}" for k, n in sorted(counts.items())]
        for sign, word, edits in (("~", "updated", self.updated), ("-", "deleted", self.deleted)):
            for doc_id, records in sorted(edits.items()):
                counts = defaultdict(int)
                for r in records:
                    counts[r.layer if isinstance(r, Span) else f"relation:{r.type}"] += 1
                out[doc_id] += [f"{sign}{n} {k} {word}" for k, n in sorted(counts.items())]
        return {k: v for k, v in sorted(out.items()) if v}

    @property
    def empty(self) -> bool:
        return not self.documents and not any(
            any(d.values()) for d in (self.spans, self.relations, self.updated, self.deleted)
        )

    def changed_documents(self) -> list[str]:
        edited = {k for d in (self.updated, self.deleted) for k, v in d.items() if v}
        return sorted({d.doc_id for d in self.documents} | set(self.spans) | set(self.relations) | edited)


def _corpus_document(doc_id: str, root: Path | None, report: Report) -> AnnotatedDocument | None:
    """The corpus's records of one document (read only when a batch touches it)."""
    from corpus_pkg.storage import assemble

    path = document_path(doc_id, root)
    if not path.is_file():
        return None
    inner: list[Finding] = []
    docs = assemble(corpus_items(path, inner))
    if inner or len(docs) != 1:
        report.add(
            Finding("io", f"the corpus file of {doc_id!r} does not read cleanly; run `corpus validate`", str(path))
        )
        return None
    return docs[0]


BatchRecord = Document | Span | Relation | Edit
_KIND = {Document: "document", Span: "span", Relation: "relation", Edit: "edit"}


def consecutive(
    items: Iterable[Item], report: Report, *, first: bool = True
) -> Iterator[tuple[str, list[BatchRecord]]]:
    """Runs of consecutive records of one document; a header is taken only as the first record
    (``first``: whether ``items`` start at the first record)."""
    current: str | None = None
    bucket: list[BatchRecord] = []
    for it in items:
        if isinstance(it, BatchHeader):
            if not first:
                report.add(Finding("schema", "a batch header must be the first record", it.where.file, it.where.line))
            first = False
            continue
        first = False
        report.counts[_KIND[type(it)]] += 1
        if it.doc_id != current:
            if current is not None:
                yield current, bucket
            current, bucket = it.doc_id, []
        bucket.append(it)
    if current is not None:
        yield current, bucket


def header_of(items: Iterator[Item]) -> tuple[BatchHeader | None, Iterator[Item]]:
    """The batch header if it is the first record, and every record (header included) for ``consecutive``."""
    first = next(items, None)
    if first is None:
        return None, iter(())

    return (first if isinstance(first, BatchHeader) else None), itertools.chain((first,), items)


def _located(
    record: BatchRecord, rule: str, message: str, field_: str | None = None, context: str | None = None, **kw: str
) -> Finding:
    """A finding located at a record's (or an edit's) file and line."""
    if isinstance(record, Edit):
        w = record.where
        return Finding(rule, message, w.file if w else "", w.line if w else None, field_, record.id, context, **kw)
    return finding(record, rule, message, field_, context, **kw)


def _resumed(doc_id: str, where: Where | None, rid: str | None) -> Finding:
    return Finding(
        "schema",
        f"records of document {doc_id!r} resume here after other documents; keep each document's records "
        "together (this run is not checked)",
        where.file if where else "",
        where.line if where else None,
        "/doc_id",
        rid,
    )


@dataclass
class Run:
    """A run of consecutive records of one document in a batch: where it starts, the id of its first record,
    and its records as model objects for ``check_part``, or None when they were proven to break no rule."""

    doc_id: str
    where: Where | None
    rid: str
    records: list[BatchRecord] | None


def _run_of(doc_id: str, records: list[BatchRecord]) -> Run:
    head = records[0]
    return Run(doc_id, head.where, head.doc_id if isinstance(head, Document) else head.id, records)


class ItemRuns:
    """The runs of a batch read as model objects (the reference way); ``against`` from its header."""

    def __init__(self, items: Iterator[Item], report: Report) -> None:
        header, self._items = header_of(items)
        self.against = header.against if header is not None else {}
        self.report = report

    def __iter__(self) -> Iterator[Run]:
        for doc_id, records in consecutive(self._items, self.report):
            yield _run_of(doc_id, records)


class JsonlRuns:
    """The runs of a JSONL batch's lines, each document proven clean without model objects where it can be.

    The valid path: ``storage.valid_runs`` parses and schema-checks a run of lines, and a run that
    holds exactly one document record, new to the corpus and not named in the header's ``against``,
    whose records ``validate.document_is_clean`` accepts, has no finding to give: it is counted and
    passed on without records. A run that is valid but not proven clean is read again the
    reference way (``items_of_raw``) and gets ``check_part``; from the first line that is not valid
    (or not a document, span or relation) on, the rest of the file is read the reference way. So
    the findings, their order and the counts are those of reading every record as a model object.

    ``against``: the texts the batch was made against, or None to take them from its header (read
    when iterating).
    """

    def __init__(
        self, raw: Iterator[RawLine], report: Report, root: Path | None, against: dict[str, str] | None = None
    ) -> None:
        self.raw = raw
        self.report = report
        self.header_pending = against is None
        self.against: dict[str, str] = against if against is not None else {}
        self.corpus = corpus_dir(root)

    def _is_new(self, doc_id: str) -> bool:
        return doc_id not in self.against and not os.path.exists(os.path.join(self.corpus, f"{doc_id}.jsonl"))

    def __iter__(self) -> Iterator[Run]:
        report = self.report
        counts = report.counts
        seen = False  # JSON was read (a first line that is not JSON then does not stop the reading)
        first = True  # the next record is the file's first
        for got in valid_runs(self.raw):
            if isinstance(got, BatchHeader):
                seen, first = True, False
                if self.header_pending:
                    self.against = got.against
                continue
            if isinstance(got, list):  # from here on, the reference way
                items = items_of_raw(itertools.chain(got, self.raw), report.findings, seen_json=seen)
                if first and self.header_pending:
                    header, items = header_of(items)
                    self.against = header.against if header is not None else {}
                for doc_id, records in consecutive(items, report, first=first):
                    yield _run_of(doc_id, records)
                return
            seen, first = True, False
            if (
                len(got.documents) == 1
                and self._is_new(got.doc_id)
                and document_is_clean(got.documents[0], got.spans, got.relations)
            ):
                counts["document"] += 1  # as consecutive counts: a kind that does not occur gets no entry
                if got.spans:
                    counts["span"] += sum(map(len, got.spans.values()))
                if got.relations:
                    counts["relation"] += len(got.relations)
                head = got.head
                rid = head["doc_id"] if head["record"] == "document" else head["id"]
                yield Run(got.doc_id, Where(got.lines[0][0], got.lines[0][1]), rid, None)
                continue
            for doc_id, records in consecutive(
                items_of_raw(got.lines, report.findings, seen_json=True), report, first=False
            ):
                yield _run_of(doc_id, records)


# -- one document of a batch -----------------------------------------------------------------------------------------


@dataclass
class DocumentPart:
    """The records of one document in a batch, and what checking them against the corpus found."""

    doc_id: str
    records: list[BatchRecord]
    corpus: AnnotatedDocument | None
    against: dict[str, str]
    document: Document | None = None  # the text the batch's spans are checked against
    new_document: Document | None = None
    stale: bool = False

    @property
    def spans(self) -> list[Span]:
        return [r for r in self.records if isinstance(r, Span)]

    @property
    def relations(self) -> list[Relation]:
        return [r for r in self.records if isinstance(r, Relation)]

    @property
    def edits(self) -> list[Edit]:
        return [r for r in self.records if isinstance(r, Edit)]


def resolve_document(part: DocumentPart, path: Path) -> list[Finding]:
    """Which text the batch's spans belong to: the corpus's, a new document's, or a stale one (re-anchored)."""
    out: list[Finding] = []
    corpus_doc = part.corpus.document if part.corpus is not None else None
    part.document = corpus_doc
    for d in (r for r in part.records if isinstance(r, Document)):
        if corpus_doc is None and part.new_document is None:
            part.new_document = part.document = d
        elif corpus_doc is not None and corpus_doc.text != d.text:
            if part.against.get(part.doc_id) == d.sha256:
                continue  # the older text the batch says it was made against: its spans are re-anchored
            out.append(
                finding(
                    d,
                    "duplicate-document",
                    f"document {part.doc_id!r} exists with another text; a batch cannot change a document's text",
                    "/text",
                )
            )
        elif part.new_document is not None:
            out.append(
                finding(d, "duplicate-document", f"document {part.doc_id!r} appears twice in the batch", "/doc_id")
            )
    sha = part.document.sha256 if part.document is not None else None
    made = part.against.get(part.doc_id)
    part.stale = made is not None and sha is not None and made != sha
    if part.stale:
        assert sha is not None and made is not None
        out.append(
            Finding(
                "stale-text",
                f"the batch was made against another text of {part.doc_id!r} (sha256 {made[:12]}…, current "
                f"{sha[:12]}…); its spans are re-anchored",
                str(path),
                1,
                f"/against/{part.doc_id}",
                part.doc_id,
                severity="warning",
            )
        )
    return out


def reanchor_span(span: Span, text: str) -> tuple[Span | None, list[Finding]]:
    """``span`` moved onto ``text`` through its context, or None with the candidates when that is ambiguous."""
    a = reanchor(text, span.text, span.prefix, span.suffix)
    if a.start is None:
        where = ", ".join(f"[{s}, {s + len(span.text)}) context score {sc}" for s, sc in a.candidates[:5])
        why = (
            f"{len(a.candidates)} equally good candidates: {where}"
            if a.candidates
            else ("its text no longer occurs in the document")
        )
        context = mark(text, span.start, span.end) if span.start < len(text) else None
        return None, [finding(span, "stale-text", f"cannot re-anchor {span.text[:80]!r}: {why}", "/start", context)]
    if a.start == span.start:
        return span, []
    end = a.start + len(span.text)
    prefix, suffix = context_of(text, a.start, end)
    moved = replace(span, start=a.start, end=end, prefix=prefix, suffix=suffix)
    note = finding(
        span,
        "moved",
        f"re-anchored from [{span.start}, {span.end}) to [{a.start}, {end})",
        "/start",
        mark(text, a.start, end),
        severity="warning",
    )
    return moved, [note]


@dataclass
class Checked:
    """The new spans and relations of one document part, with batch ids mapped to corpus ids."""

    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    id_map: dict[str, str] = field(default_factory=dict)
    duplicates: int = 0
    moved: int = 0


def new_records(part: DocumentPart) -> tuple[Checked, list[Finding]]:
    """What the batch adds to the document: each span checked on its own first, then compared with the corpus.

    A span is a duplicate only when it is identical in content to a corpus span (``span_content``):
    a span that keeps an id but changes any field is not a duplicate, and its own checks run first.
    """
    out: list[Finding] = []
    got = Checked()
    text = part.document.text if part.document is not None else None
    corpus_spans = part.corpus.spans if part.corpus is not None else []
    corpus_rels = part.corpus.relations if part.corpus is not None else []
    by_content = {span_content(s): s.id for s in corpus_spans}
    # A span's own rules run only for the spans that may fail them (validate.suspects); when the text
    # is stale, every span is re-anchored first and checked after.
    maybe_bad = None if text is None or part.stale else {id(s) for s in suspects(part.spans, text)}
    for span in part.spans:
        if text is not None and part.stale:
            span, notes = reanchor_span(span, text)
            out += notes
            got.moved += any(n.rule == "moved" for n in notes)
            if span is None:
                continue
        if text is not None and (maybe_bad is None or id(span) in maybe_bad):
            # Its own checks first (offsets, text, context, TIMEX3 value): a span that fails them is an
            # error, never a duplicate, whatever its id.
            own = place_span(span, text)
            out += own
            if any(f.severity == "error" for f in own):
                continue
        same = by_content.get(span_content(span)) if by_content else None
        if same is not None:
            got.id_map[span.id] = same
            got.duplicates += 1
            message = (
                "already in the corpus with the same id; skipped"
                if same == span.id
                else f"duplicates existing span {same}; skipped"
            )
            out.append(finding(span, "duplicate-span", message, severity="warning"))
            continue
        got.spans.append(span)
    corpus_keys = {r.key: r.id for r in corpus_rels}
    for rel in part.relations:
        if got.id_map and (rel.head in got.id_map or rel.tail in got.id_map):
            rel = replace(rel, head=got.id_map.get(rel.head, rel.head), tail=got.id_map.get(rel.tail, rel.tail))
        if corpus_keys and rel.key in corpus_keys:
            got.duplicates += 1
            out.append(
                finding(
                    rel,
                    "duplicate-span",
                    f"relation duplicates existing {corpus_keys[rel.key]}; skipped",
                    severity="warning",
                )
            )
            continue
        got.relations.append(rel)
    return got, out


def number_new(doc_id: str, got: Checked, corpus: AnnotatedDocument | None) -> tuple[list[Span], list[Relation]]:
    """The new records with corpus ids, numbered after the highest of the document per layer."""
    numbering = ids.Numbering(doc_id, [r.id for r in (corpus.spans + corpus.relations if corpus else [])])
    renamed: dict[str, str] = {}
    spans = []
    for s in sorted(got.spans, key=lambda s: s.sort_key):
        renamed[s.id] = numbering.next(ids.letter_of(s.layer))
        spans.append(replace(s, id=renamed[s.id], where=None))
    rels = []
    for r in sorted(got.relations, key=lambda r: r.id):
        rels.append(
            replace(
                r,
                id=numbering.next(ids.RELATION_LETTER),
                head=renamed.get(r.head, r.head),
                tail=renamed.get(r.tail, r.tail),
                where=None,
            )
        )
    return spans, rels


@dataclass
class Edits:
    """The updates and deletes of one document part that change the corpus."""

    updated: dict[str, Span | Relation] = field(default_factory=dict)  # id -> the new value
    deleted: dict[str, Span | Relation] = field(default_factory=dict)  # id -> the corpus record it removes
    unchanged: int = 0  # already applied: nothing to do

    def apply(self, corpus: AnnotatedDocument | None) -> tuple[list[Span], list[Relation]]:
        """The corpus document's spans and relations as they will be after these edits."""
        if corpus is None:
            return [], []
        spans = [self.updated.get(s.id, s) for s in corpus.spans if s.id not in self.deleted]
        rels = [self.updated.get(r.id, r) for r in corpus.relations if r.id not in self.deleted]
        return [s for s in spans if isinstance(s, Span)], [r for r in rels if isinstance(r, Relation)]


def describe(record: Span | Relation) -> str:
    """A record's content in a few words, for a finding."""
    if isinstance(record, Relation):
        return f"{record.type} {record.head} -> {record.tail}"
    attrs = ", ".join(f"{k}={v!r}" for k, v in sorted(record.attributes.items()) if v is not None)
    return f"{record.layer} [{record.start}, {record.end}) {short(record.text, 80)!r} {record.label} {{{attrs}}}"


def _value_problem(edit: Edit, target: Span | Relation | None) -> tuple[str, str] | None:
    """(field, message) when an update's value does not name the record it replaces."""
    value = edit.value
    assert value is not None
    if value.id != edit.id:
        return "/value/id", f"an update's value must keep the id it updates ({edit.id!r}), not {value.id!r}"
    if value.doc_id != edit.doc_id:
        return "/value/doc_id", f"an update's value must stay in document {edit.doc_id!r}, not {value.doc_id!r}"
    if target is None:
        return None
    if type(value) is not type(target):
        want, got = (_KIND[type(target)], _KIND[type(value)])
        return "/value/record", f"{edit.id!r} is a {want}; an update cannot make it a {got}"
    if isinstance(value, Span) and isinstance(target, Span) and value.layer != target.layer:
        return (
            "/value/layer",
            f"{edit.id!r} is a {target.layer} span; an update keeps its layer (delete it and add a {value.layer} "
            "span instead)",
        )
    return None


def check_edits(part: DocumentPart) -> tuple[Edits, list[Finding]]:
    """What the batch's updates and deletes do to the document, each checked against the corpus record it names.

    An edit whose ``expect`` is not the hash of the corpus record is stale and refused. An update whose
    value is already there, or a delete whose record is already gone, is already applied: a warning,
    and nothing to merge. An update's value passes its own checks here (offsets, text) before the
    rules over the whole document run on the result.
    """
    out: list[Finding] = []
    got = Edits()
    corpus = part.corpus
    current: dict[str, Span | Relation] = {r.id: r for r in [*corpus.spans, *corpus.relations]} if corpus else {}
    text = part.document.text if part.document is not None else None
    seen: dict[str, Edit] = {}
    for e in part.edits:
        if e.id in seen:
            out.append(
                _located(
                    e, "edit-target", f"{e.id!r} is edited twice in this batch (first at {seen[e.id].where})", "/id"
                )
            )
            continue
        seen[e.id] = e
        target = current.get(e.id)
        if e.op == "update":
            problem = _value_problem(e, target)
            if problem is not None:
                out.append(_located(e, "edit-target", problem[1], problem[0]))
                continue
        if target is None:
            where = f"document {e.doc_id!r}" if corpus is not None else f"the corpus (no document {e.doc_id!r})"
            named = ids.parse(e.id)
            if e.op == "delete" and corpus is not None and named is not None and named.doc_id == e.doc_id:
                got.unchanged += 1
                message = f"{e.id!r} is not in {where}: already deleted, nothing to do"
                out.append(_located(e, "edit-applied", message, "/id", severity="warning"))
            else:
                out.append(_located(e, "edit-target", f"{e.id!r} to {e.op} is not in {where}", "/id"))
            continue
        if e.op == "update" and e.value is not None and e.value.to_dict() == target.to_dict():
            got.unchanged += 1
            out.append(
                _located(e, "edit-applied", f"{e.id!r} already has this value: nothing to do", severity="warning")
            )
            continue
        now = content_hash(target)
        if e.expect != now:
            context = mark(text, target.start, target.end) if isinstance(target, Span) and text is not None else None
            out.append(
                _located(
                    e,
                    "stale-edit",
                    f"{e.id!r} has changed since this edit was made: expected content {e.expect[:12]}…, "
                    f"current {now[:12]}… = {describe(target)}",
                    "/expect",
                    context,
                )
            )
            continue
        if e.op == "delete":
            got.deleted[e.id] = target
            continue
        value = e.value
        assert value is not None
        if isinstance(value, Span) and text is not None:
            own = place_span(value, text)  # its own checks first, as for an added span
            out += own
            if any(f.severity == "error" for f in own):
                continue
        got.updated[e.id] = value
    return got, out


def check_part(part: DocumentPart, path: Path, report: Report, plan: BatchPlan | None) -> None:
    """Every check of one document of a batch; adds to ``plan`` only when the part has no error."""
    before = len(report.errors)
    report.findings.extend(resolve_document(part, path))
    edits, findings = check_edits(part)
    report.findings.extend(findings)
    corpus = part.corpus
    spans_after, rels_after = edits.apply(corpus)
    # Adds are compared with the document as the batch's edits leave it (a deleted span is no duplicate).
    edited = AnnotatedDocument(corpus.document, spans_after, rels_after) if corpus is not None else None
    got, findings = new_records(replace(part, corpus=edited))
    report.findings.extend(findings)
    # The union must satisfy every corpus rule (ids, overlaps, relation ends, attribution).
    report.findings.extend(
        check_document(
            part.document,
            spans_after + got.spans,
            rels_after + got.relations,
            doc_id=part.doc_id,
            own_document=part.new_document is not None,
            placed_already=frozenset(
                [s.id for s in got.spans] + [i for i, v in edits.updated.items() if isinstance(v, Span)]
            )
            if part.document is not None
            else frozenset(),
            deleted=set(edits.deleted),
        )
    )
    if plan is None or len(report.errors) > before:
        return
    plan.skipped_duplicates += got.duplicates
    plan.moved += got.moved
    plan.unchanged_edits += edits.unchanged
    if part.new_document is not None:
        plan.documents.append(replace(part.new_document, where=None))
    # New ids are numbered after every id the document had, deleted ones included.
    spans, rels = number_new(part.doc_id, got, corpus)
    if spans:
        plan.spans[part.doc_id] += spans
    if rels:
        plan.relations[part.doc_id] += rels
    if edits.updated:
        plan.updated[part.doc_id] += [replace(v, where=None) for v in edits.updated.values()]
    if edits.deleted:
        plan.deleted[part.doc_id] += list(edits.deleted.values())


def validate_batch(path: Path, root: Path | None = None, *, plan: bool = True, jobs: int = 1):
    """Check one batch file against the corpus, one document at a time; return (Report, BatchPlan).

    With ``jobs`` > 1 and no plan wanted, a large JSONL file is split at document boundaries and
    checked by that many processes; the findings are the same as with one.
    """
    if (
        jobs > 1
        and not plan
        and path.suffix != ".json"
        and not is_corpus_file(path, root)
        and _is_large_regular_file(path)
    ):
        parallel = _validate_batch_parallel(path, root, jobs=jobs)
        if parallel is not None:
            return parallel, BatchPlan()
    report = Report()
    runs: ItemRuns | JsonlRuns
    if not plan and path.suffix != ".json" and not is_corpus_file(path, root):
        report.files[str(path)] = KIND_JSONL
        runs = JsonlRuns(raw_lines(path, report.findings), report, root)
    else:
        kind, items = read_batch(path, report, root)
        report.files[str(path)] = kind
        runs = ItemRuns(items, report)
    result = BatchPlan()
    closed: set[str] = set()
    for run in runs:
        if run.doc_id in closed:
            report.add(_resumed(run.doc_id, run.where, run.rid))
            continue
        closed.add(run.doc_id)
        if run.records is not None:
            part = DocumentPart(run.doc_id, run.records, _corpus_document(run.doc_id, root, report), runs.against)
            check_part(part, path, report, result if plan else None)
    return report, result


def _is_large_regular_file(path: Path) -> bool:
    try:
        import stat as st

        s = path.stat()
        return st.S_ISREG(s.st_mode) and s.st_size >= PARALLEL_MIN_BYTES
    except OSError:
        return False


PARALLEL_MIN_BYTES = 8 * 1024 * 1024


def _doc_id_of(line: bytes) -> str | None:
    try:
        v = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return v.get("doc_id") if isinstance(v, dict) and v.get("record") != "batch" else None


def _split_points(path: Path, jobs: int) -> list[int] | None:
    """Byte offsets where each part starts, each at the first line of a document's run; None if unsure."""
    size = path.stat().st_size
    points = [0]
    with open(path, "rb") as f:
        for k in range(1, jobs):
            f.seek(max(size * k // jobs, points[-1]))
            if f.tell() > 0:
                f.readline()
            prev = None
            while True:
                pos = f.tell()
                line = f.readline()
                if not line:
                    return None
                doc = _doc_id_of(line)
                if doc is None:
                    return None  # a line we cannot place: let one process read it all
                if prev is not None and doc != prev:
                    break
                prev = doc
            points.append(pos)
    return [*points, size]


def _count_lines_before(path: Path, offsets: list[int]) -> list[int]:
    counts, n, pos = [], 0, 0
    with open(path, "rb") as f:
        for target in offsets:
            while pos < target:
                chunk = f.read(min(1 << 20, target - pos))
                n += chunk.count(b"\n")
                pos += len(chunk)
            counts.append(n)
    return counts


def _validate_range(path: str, root: str | None, start: int, end: int, first_line: int, against: dict[str, str]):
    """One process's part: line findings, and per run of a document where it starts and its findings."""
    lines = Report()
    base = Path(root) if root else None
    runs = []
    for run in JsonlRuns(
        raw_lines(Path(path), lines.findings, start=start, end=end, first_line=first_line), lines, base, against
    ):
        report = Report()
        if run.records is not None:
            corpus = _corpus_document(run.doc_id, base, report)
            check_part(DocumentPart(run.doc_id, run.records, corpus, against), Path(path), report, None)
        # Only where the run starts travels back: not the records, whose texts would pile up in the parent.
        runs.append((run.doc_id, run.where, run.rid, report.findings))
    return lines.findings, dict(lines.counts), runs


def _validate_batch_parallel(path: Path, root: Path | None, *, jobs: int):
    from concurrent.futures import ProcessPoolExecutor

    points = _split_points(path, jobs)
    if points is None or len(set(points)) < 3:
        return None
    # The header (first record) names the texts the batch was made against; every part needs it.
    against: dict[str, str] = {}
    for line in iter_lines(path, []):
        parsed = parse_value(line, [])
        if parsed is not None and isinstance(parsed[0], dict) and parsed[0].get("record") == "batch":
            got = parsed[0].get("against")
            against = dict(got) if isinstance(got, dict) else {}
        break
    starts = points[:-1]
    line_numbers = _count_lines_before(path, starts)
    report = Report()
    report.files[str(path)] = KIND_JSONL
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        parts = list(
            pool.map(
                _validate_range,
                [str(path)] * len(starts),
                [str(root) if root else None] * len(starts),
                starts,
                points[1:],
                [n + 1 for n in line_numbers],
                [against] * len(starts),
            )
        )
    closed: set[str] = set()
    previous: str | None = None
    for line_findings, counts, runs in parts:
        report.findings.extend(line_findings)
        for k, v in counts.items():
            report.counts[k] += v
        for doc_id, where, rid, findings in runs:
            if doc_id == previous:
                return None  # a run cut in two: fall back to one process
            previous = doc_id
            if doc_id in closed:
                report.add(
                    Finding(
                        "schema",
                        f"records of document {doc_id!r} resume here after other documents; keep each "
                        "document's records together (this run is not checked)",
                        where.file,
                        where.line,
                        "/doc_id",
                        rid,
                    )
                )
                continue
            closed.add(doc_id)
            report.findings.extend(findings)
    return report


def validate_paths(paths: list[Path], root: Path | None = None, *, jobs: int = 1) -> Report:
    """Validate the given files: corpus files as part of the corpus, anything else as a batch against it."""
    report = Report()
    corpus_given = [p for p in paths if is_corpus_file(p, root)]
    for path in paths:
        if path in corpus_given:
            continue
        batch_report, _ = validate_batch(path, root, plan=False, jobs=jobs)
        report.extend(batch_report)
    if corpus_given:
        for p in corpus_given:
            report.files[str(p)] = KIND_CORPUS
        validate_corpus_files(corpus_given, report)
    return report
