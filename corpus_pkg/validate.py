"""The validator: one small function per rule of the rules table, over model objects.

Each rule is a function named after its entry in ``findings.RULES`` that yields
findings; ``check_document`` composes them for the records of one document, and
``Checker`` streams records in file order, one document at a time, so memory
stays flat however large a corpus file or batch is (the records of a document
must be consecutive: the corpus keeps one document per file; a batch that
interleaves documents gets a finding). Records that fail their schema never
become model objects (``storage`` reports them); a span that fails a rule about
its own place in the text is left out of the rules over the whole document.
Validation reads and never writes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from corpus_pkg import ids
from corpus_pkg.errors import InvalidData
from corpus_pkg.findings import Finding, mark, short
from corpus_pkg.labels import label_sets
from corpus_pkg.model import CONTEXT_CHARS, AnnotatedDocument, Document, Record, Relation, Span, sha256_text
from corpus_pkg.offsets import edge_whitespace, is_boundary, unsure_boundaries
from corpus_pkg.schema_check import check as schema_check
from corpus_pkg.storage import (
    JOURNAL,
    BatchHeader,
    DocRecords,
    Item,
    corpus_files,
    corpus_items,
    document_run,
    first_record,
    sorted_records,
)
from corpus_pkg.timex import timex_problem


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # file -> what kind of input it was
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def add(self, f: Finding) -> None:
        self.findings.append(f)

    def extend(self, other: Report) -> None:
        self.findings.extend(other.findings)
        self.files.update(other.files)
        for k, v in other.counts.items():
            self.counts[k] += v


def finding(
    record: Record, rule: str, message: str, field_: str | None = None, context: str | None = None, **kw: str
) -> Finding:
    """A finding located at ``record``'s file and line."""
    where = record.where
    rid = record.doc_id if isinstance(record, Document) else record.id
    return Finding(
        rule, message, where.file if where else "", where.line if where else None, field_, rid, context, **kw
    )


# -- rules about one record ----------------------------------------------------------------------------------------


def sha256(doc: Document) -> Iterator[Finding]:
    actual = sha256_text(doc.text)
    if actual != doc.sha256:
        yield finding(doc, "sha256", f"sha256 {doc.sha256} does not match the text ({actual})", "/sha256")


# The rules about one span run for every span read, so each returns a tuple (empty when the span is
# fine) rather than being a generator, and tests its common passing case first.
NONE: tuple[Finding, ...] = ()


def offset_range(span: Span, text: str) -> tuple[Finding, ...]:
    if 0 <= span.start < span.end <= len(text):
        return NONE
    return (
        finding(
            span,
            "offset-range",
            f"offsets [{span.start}, {span.end}) are not within 0 <= start < end <= {len(text)}",
            "/start" if not 0 <= span.start < len(text) else "/end",
            f"span text: {short(span.text, 120)!r}",
        ),
    )


def text_mismatch(span: Span, text: str) -> tuple[Finding, ...]:
    actual = text[span.start : span.end]
    if actual == span.text:
        return NONE
    return (
        finding(
            span,
            "text-mismatch",
            f"span text {short(span.text)!r} differs from text[{span.start}:{span.end}] = {short(actual)!r}",
            "/text",
            mark(text, span.start, span.end),
        ),
    )


def whitespace_edge(span: Span, text: str) -> tuple[Finding, ...]:
    if not edge_whitespace(span.text):
        return NONE
    return (
        finding(
            span,
            "whitespace-edge",
            f"span {span.text!r} starts or ends with whitespace",
            "/start",
            mark(text, span.start, span.end),
        ),
    )


def grapheme_split(span: Span, text: str) -> tuple[Finding, ...]:
    unsure = unsure_boundaries(text)
    if span.start not in unsure and span.end not in unsure:
        return NONE  # both ends surely boundaries (offsets.surely_boundary), the common case
    start_ok, end_ok = is_boundary(text, span.start), is_boundary(text, span.end)
    if start_ok and end_ok:
        return NONE
    return (
        finding(
            span,
            "grapheme-split",
            "a span boundary splits a grapheme cluster",
            "/end" if start_ok else "/start",
            mark(text, span.start, span.end),
            severity="warning",
        ),
    )


def context_mismatch(span: Span, text: str) -> tuple[Finding, ...]:
    start, end = span.start, span.end
    want_prefix = text[max(0, start - CONTEXT_CHARS) : start]
    want_suffix = text[end : end + CONTEXT_CHARS]
    if span.prefix == want_prefix and span.suffix == want_suffix:
        return NONE
    return tuple(
        finding(
            span,
            "context-mismatch",
            f"{name} {stored!r} should be {want!r}",
            f"/{name}",
            mark(text, span.start, span.end),
        )
        for name, stored, want in (("prefix", span.prefix, want_prefix), ("suffix", span.suffix, want_suffix))
        if stored != want
    )


def timex_value(span: Span, text: str) -> tuple[Finding, ...]:
    if span.layer != "date":
        return NONE
    a = span.attributes
    problem = timex_problem(a["type"], a["value"], a.get("mod"))
    if not problem:
        return NONE
    return (finding(span, "timex-value", problem, "/attributes/value", mark(text, span.start, span.end)),)


def id_format(record: Span | Relation, doc_id: str) -> Iterator[Finding]:
    letter = ids.letter_of("relation" if isinstance(record, Relation) else record.layer)
    if not ids.is_canonical(record.id, doc_id, letter):
        yield finding(record, "id-format", f"id {record.id!r} should be {doc_id}-{letter}<number>", "/id")


# Checked in this order; the first two decide whether the span is placed in the text at all.
PLACEMENT_RULES = (offset_range, text_mismatch)
SPAN_RULES = (whitespace_edge, grapheme_split, context_mismatch, timex_value)


def _timex_of(span: Span) -> str | None:
    a = span.attributes
    return timex_problem(a["type"], a["value"], a.get("mod"))


def suspects(spans: Sequence[Span], text: str) -> list[Span]:
    """The spans that may break a rule of PLACEMENT_RULES or SPAN_RULES; the others surely break none.

    One pass over a document's spans that tests each rule's passing case (the conjunction, in
    the order of the rules), so a span that passes gets no per-rule calls at all; only the
    suspects go through ``place_span``, whose rules write the findings. A test holds every span
    left out here to ``place_span`` finding nothing.
    """
    n = len(text)
    unsure = unsure_boundaries(text)
    c = CONTEXT_CHARS
    return [
        s
        for s in spans
        if not (
            0 <= s.start < s.end <= n  # offset_range
            and text[s.start : s.end] == s.text  # text_mismatch
            and not s.text[0].isspace()  # whitespace_edge
            and not s.text[-1].isspace()
            and s.start not in unsure  # grapheme_split
            and s.end not in unsure
            and s.prefix == (text[s.start - c : s.start] if s.start >= c else text[: s.start])  # context_mismatch
            and s.suffix == text[s.end : s.end + c]
            and (s.layer != "date" or not _timex_of(s))  # timex_value
        )
    ]


# -- rules about a document's records together ---------------------------------------------------------------------


def duplicate_id(records: Sequence[Span | Relation]) -> tuple[list[Finding], list[Span | Relation]]:
    """Findings for ids used twice, and the records whose ids are first (the later ones are left out)."""
    if len({r.id for r in records}) == len(records):
        return [], list(records)  # the common case: every id once
    first: dict[str, Span | Relation] = {}
    out, kept = [], []
    for r in records:
        if r.id in first:
            out.append(finding(r, "duplicate-id", f"id {r.id!r} already used at {first[r.id].where}", "/id"))
            continue
        first[r.id] = r
        kept.append(r)
    return out, kept


def unknown_document(records: Sequence[Span | Relation], doc_id: str) -> Iterator[Finding]:
    for r in records:
        yield finding(r, "unknown-document", f"document {doc_id!r} does not exist", "/doc_id")


def overlap(spans: Sequence[Span], text: str) -> Iterator[Finding]:
    """Entities, dates and claims do not overlap within their layer; quotes nest but never cross."""
    by_layer: dict[str, list[Span]] = defaultdict(list)
    for s in spans:
        by_layer[s.layer].append(s)
    for layer, items in sorted(by_layer.items()):
        items.sort(key=lambda s: (s.start, -s.end, s.id))
        if layer == "quote":
            yield from _quotes_cross(items, text)
            continue
        reach_end, reach_id = -1, ""
        for s in items:
            if s.start < reach_end:
                yield finding(
                    s, "overlap", f"{layer} overlaps {layer} {reach_id}", "/start", mark(text, s.start, s.end)
                )
            if s.end > reach_end:
                reach_end, reach_id = s.end, s.id


def _quotes_cross(quotes: list[Span], text: str) -> Iterator[Finding]:
    open_: list[tuple[int, str]] = []  # (end, id) of enclosing quotes
    for s in quotes:
        while open_ and open_[-1][0] <= s.start:
            open_.pop()
        if open_ and s.end > open_[-1][0]:
            yield finding(
                s,
                "overlap",
                f"quote crosses quote {open_[-1][1]} (quotes may nest, never cross)",
                "/end",
                mark(text, s.start, s.end),
            )
            continue
        open_.append((s.end, s.id))


def relation_ends(
    relations: Sequence[Relation],
    placed: dict[str, Span],
    failed: set[str],
    doc_id: str,
    text: str,
    deleted: frozenset[str] | set[str] = frozenset(),
) -> tuple[list[Finding], list[Relation]]:
    """dangling-relation, relation-document and relation-layer; returns the findings and the sound relations.

    ``deleted``: ids a batch deletes, named as such when a relation still points at one.
    """
    types = label_sets().relation_types
    out: list[Finding] = []
    sound: list[Relation] = []
    for r in relations:
        ok = True
        for end_name, want in zip(("head", "tail"), types[r.type], strict=True):
            ref = getattr(r, end_name)
            target = placed.get(ref)
            if target is None:
                other = ids.parse(ref)
                if other is not None and other.doc_id != doc_id:
                    out.append(
                        finding(
                            r,
                            "relation-document",
                            f"{end_name} {ref!r} names document {other.doc_id!r}, not {doc_id!r}",
                            f"/{end_name}",
                        )
                    )
                else:
                    if ref in deleted:
                        why = "a span the batch deletes; delete or update this relation in the same batch"
                    elif ref in failed:
                        why = "a span that failed validation"
                    else:
                        why = f"no span of {doc_id!r}"
                    out.append(finding(r, "dangling-relation", f"{end_name} {ref!r} is {why}", f"/{end_name}"))
                ok = False
            elif target.layer != want:
                out.append(
                    finding(
                        r,
                        "relation-layer",
                        f"a {r.type} relation's {end_name} must be a {want} span, {ref!r} is a {target.layer} span",
                        f"/{end_name}",
                        mark(text, target.start, target.end),
                    )
                )
                ok = False
        if ok:
            sound.append(r)
    return out, sound


# Quote kinds annotated only when the text states their source (PARC 3.0 beliefs and noun-phrase contents).
SOURCED_QUOTE_KINDS = frozenset({"belief", "nominal"})


def attribution(spans: Sequence[Span], relations: Sequence[Relation], text: str) -> Iterator[Finding]:
    """A quote's speakers and a claim's claimants agree with its attributes; a belief or nominal quote has a speaker."""
    tails: dict[tuple[str, str], int] = defaultdict(int)
    for r in relations:
        tails[(r.type, r.head)] += 1
    for s in spans:
        a = s.attributes
        if s.layer == "quote":
            n, where = tails[("speaker", s.id)], "/attributes/speaker_stated"
            if a["kind"] in SOURCED_QUOTE_KINDS and not (a["speaker_stated"] and n):
                msg = f"a {a['kind']} quote needs speaker_stated=true and a speaker relation (guidelines 5.1)"
            elif a["speaker_stated"] and n == 0:
                msg = "quote has speaker_stated=true but no speaker relation"
            elif not a["speaker_stated"] and n:
                msg = f"quote has speaker_stated=false but {n} speaker relation(s)"
            else:
                continue
        elif s.layer == "claim":
            n, where = tails[("claimant", s.id)], "/attributes/source"
            if a["source"] == "attributed" and n == 0:
                msg = "claim has source=attributed but no claimant relation"
            elif a["source"] == "outlet" and n:
                msg = f"claim has source=outlet but {n} claimant relation(s)"
            else:
                continue
        else:
            continue
        yield finding(s, "attribution", msg, where, mark(text, s.start, s.end))


# -- the orchestrator ------------------------------------------------------------------------------------------------


def place_span(span: Span, text: str) -> list[Finding]:
    """The rules about one span against its text; the span is placed when no error comes back."""
    for rule in PLACEMENT_RULES:
        problems = rule(span, text)
        if problems:
            return list(problems)
    out: list[Finding] = []
    for rule in SPAN_RULES:
        problems = rule(span, text)
        if problems:
            out += problems
    return out


def check_document(
    doc: Document | None,
    spans: Sequence[Span],
    relations: Sequence[Relation],
    *,
    doc_id: str,
    canonical_ids: bool = False,
    own_document: bool = True,
    placed_already: frozenset[str] = frozenset(),
    deleted: frozenset[str] | set[str] = frozenset(),
) -> list[Finding]:
    """Every rule over the records of one document (``doc`` None: the document does not exist).

    Spans whose ids are in ``placed_already`` passed ``place_span`` before (a batch checks its own
    spans first) and are not checked against the text again. ``deleted``: ids of records a batch
    deletes from the document (only to word the findings).
    """
    out: list[Finding] = []
    if doc is not None and own_document:
        out += sha256(doc)
    problems, kept = duplicate_id([*spans, *relations])
    if problems:
        out += problems
        kept_spans = [r for r in kept if isinstance(r, Span)]
        kept_rels = [r for r in kept if isinstance(r, Relation)]
    else:
        kept_spans, kept_rels = list(spans), list(relations)
    if canonical_ids:
        for r in kept:
            out += id_format(r, doc_id)
    if doc is None:
        out += unknown_document(kept, doc_id)
        return out
    text = doc.text
    failed: set[str] = set()
    for s in suspects([s for s in kept_spans if s.id not in placed_already], text):
        problems = place_span(s, text)
        out += problems
        if any(p.severity == "error" and p.rule in ("offset-range", "text-mismatch") for p in problems):
            failed.add(s.id)
    placed = {s.id: s for s in kept_spans if s.id not in failed} if failed else {s.id: s for s in kept_spans}
    out += overlap(list(placed.values()), text)
    problems, sound = relation_ends(kept_rels, placed, failed, doc_id, text, deleted)
    out += problems
    out += attribution(list(placed.values()), sound, text)
    return out


# -- the valid path: proving a document's parsed records break no rule ------------------------------------------------


def _canonical_ids(records: list[dict[str, Any]], doc_id: str, letter: str) -> bool:
    """``ids.is_canonical`` for every record's id, with string operations on all of them at once
    (``doc_id`` already matches the scheme; an id holds no line break, as the schema says)."""
    if not records:
        return True
    head = f"\n{doc_id}-{letter}"
    joined = "\n" + "\n".join(map(_ID, records))
    # Only digits left once every head is taken out: no line break is left, so each id starts with head.
    digits = joined.replace(head, "")
    return digits.isascii() and digits.isdigit() and _SHORT_NUMBER.search(joined.replace(head, "\n")) is None


def _crossing(spans: list[dict[str, Any]], nest: bool) -> bool:
    """Whether two spans overlap (``nest``: whether two cross, one inside the other being allowed)."""
    open_ends: list[int] = []
    reach = -1
    for s in sorted(spans, key=lambda s: (s["start"], -s["end"])):
        start, end = s["start"], s["end"]
        if not nest:
            if start < reach:
                return True
            reach = max(reach, end)
            continue
        while open_ends and open_ends[-1] <= start:
            open_ends.pop()
        if open_ends and end > open_ends[-1]:
            return True
        open_ends.append(end)
    return False


def document_is_clean(
    doc: dict[str, Any],
    spans: dict[str, list[dict[str, Any]]],
    relations: list[dict[str, Any]],
    *,
    canonical_ids: bool = False,
) -> bool:
    """True only if ``check_document`` finds nothing (no error, no warning) in these records of one document.

    The records are schema-valid parsed dicts (``storage.valid_runs``; ``spans`` by layer), so a
    clean document, the common case, costs no model objects and no findings: the rules are
    tested for their passing case only, layer by layer and column by column. False means "run
    ``check_document`` to find out and word the findings", not "invalid". A property test holds
    every document this accepts to ``check_document`` finding nothing.
    """
    doc_id, text = doc["doc_id"], doc["text"]
    if sha256_text(text) != doc["sha256"]:
        return False
    # duplicate_id (and the ids of each layer, for the relation ends)
    ids_in = {layer: set(map(_ID, items)) for layer, items in spans.items()}
    count = len(relations) + sum(map(len, spans.values()))
    if len(set(map(_ID, relations)).union(*ids_in.values())) != count:
        return False
    if canonical_ids:
        if ids.number_in(f"{doc_id}-r001", doc_id, "r") is None or not _canonical_ids(
            relations, doc_id, ids.RELATION_LETTER
        ):
            return False
        if not all(_canonical_ids(items, doc_id, ids.letter_of(layer)) for layer, items in spans.items()):
            return False
    n = len(text)
    c = CONTEXT_CHARS
    unsure = unsure_boundaries(text)
    for layer, items in spans.items():
        reach = -1
        in_order = True
        for start, end, t, prefix, suffix in map(_PLACE, items):
            # PLACEMENT_RULES and SPAN_RULES (as suspects tests them), then the overlap within the layer.
            if not (
                0 <= start < end <= n
                and text[start:end] == t
                and not t[0].isspace()
                and not t[-1].isspace()
                and prefix == (text[start - c : start] if start >= c else text[:start])
                and suffix == text[end : end + c]
            ):
                return False
            if (start in unsure and not is_boundary(text, start)) or (end in unsure and not is_boundary(text, end)):
                return False  # grapheme_split
            if start < reach:
                in_order = False  # out of order or overlapping: sorted below
            else:
                reach = end
        if layer == "date":
            for a in map(_ATTRIBUTES, items):
                if timex_problem(a["type"], a["value"], a.get("mod")):
                    return False
        if layer == "quote":
            if _crossing(items, nest=True):
                return False
        elif not in_order and _crossing(items, nest=False):
            return False
    # relation_ends: both ends are spans of this document in the layers the type names.
    types = label_sets().relation_types
    tails: dict[tuple[str, str], int] = defaultdict(int)
    for r in relations:
        head_layer, tail_layer = types[r["type"]]
        if r["head"] not in ids_in.get(head_layer, ()) or r["tail"] not in ids_in.get(tail_layer, ()):
            return False
        tails[(r["type"], r["head"])] += 1
    # attribution
    for s in spans.get("quote", ()):
        stated = bool(s["attributes"]["speaker_stated"])
        if stated != (tails[("speaker", s["id"])] > 0):
            return False
        if not stated and s["attributes"]["kind"] in SOURCED_QUOTE_KINDS:
            return False
    for s in spans.get("claim", ()):
        source = s["attributes"]["source"]
        k = tails[("claimant", s["id"])]
        if not ((source == "attributed" and k > 0) or (source == "outlet" and k == 0)):
            return False
    return True


def clean_corpus_file(path: Path) -> DocRecords | None:
    """A corpus file's records, when they are proven to break no rule, without model objects; otherwise None.

    The valid path of ``validate_corpus_files`` for one file: it reads as one run of schema-valid records
    of one document, named after the file and first in it (``storage.document_run``), and
    ``document_is_clean`` (canonical ids) proves every rule holds. None means "read it the reference way
    to word the findings", which may be warnings only.
    """
    got = document_run(path)
    if got is None:
        return None
    doc, spans, relations = got
    if doc["doc_id"] != path.stem or not document_is_clean(doc, spans, relations, canonical_ids=True):
        return None
    return sorted_records(doc, spans, relations)


_ID = itemgetter("id")
_SHORT_NUMBER = re.compile(rf"\n[0-9]{{0,{ids.DIGITS - 1}}}(?=\n|\Z)")  # an id number of fewer than DIGITS digits
_PLACE = itemgetter("start", "end", "text", "prefix", "suffix")
_ATTRIBUTES = itemgetter("attributes")


@dataclass
class _Group:
    doc_id: str
    document: Document | None = None
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)


class Checker:
    """Feeds records in file order and checks each document when its records end (see the module doc)."""

    def __init__(self, report: Report, *, canonical_ids: bool = False) -> None:
        self.report = report
        self.canonical_ids = canonical_ids
        self.closed: set[str] = set()
        self.documents: dict[str, Document] = {}
        self.group: _Group | None = None
        self.header: BatchHeader | None = None

    def feed(self, item: Item) -> None:
        if isinstance(item, BatchHeader):
            self.header = self.header or item
            return
        kind = "document" if isinstance(item, Document) else "span" if isinstance(item, Span) else "relation"
        self.report.counts[kind] += 1
        doc_id = item.doc_id
        if self.group is None or self.group.doc_id != doc_id:
            self._close()
            if doc_id in self.closed:
                self.report.add(
                    finding(
                        item,
                        "schema",
                        f"records of document {doc_id!r} resume here after other documents; keep each "
                        "document's records together",
                        "/doc_id",
                    )
                )
                return
            self.group = _Group(doc_id)
        g = self.group
        if isinstance(item, Document):
            if doc_id in self.documents:
                first = self.documents[doc_id]
                self.report.add(
                    finding(item, "duplicate-document", f"doc_id {doc_id!r} already used at {first.where}", "/doc_id")
                )
                return
            self.documents[doc_id] = item
            g.document = item
        elif isinstance(item, Span):
            g.spans.append(item)
        else:
            g.relations.append(item)

    def _close(self) -> None:
        g = self.group
        if g is None:
            return
        self.group = None
        self.closed.add(g.doc_id)
        self.report.findings.extend(
            check_document(g.document, g.spans, g.relations, doc_id=g.doc_id, canonical_ids=self.canonical_ids)
        )

    def finish(self) -> Report:
        self._close()
        return self.report


def validate_files(
    paths: Iterable[Path],
    *,
    canonical_ids: bool = False,
    report: Report | None = None,
) -> Report:
    """Stream the records of corpus files through every rule, one document at a time (an edit record
    there is a finding: edits belong in batches)."""
    report = report if report is not None else Report()
    checker = Checker(report, canonical_ids=canonical_ids)
    for path in paths:
        for item in corpus_items(path, report.findings):
            checker.feed(item)
    return checker.finish()


def validate_documents(docs: Iterable[AnnotatedDocument], where: str = "") -> Report:
    """Every rule (schema included) over documents built in memory, e.g. from Label Studio or a draft."""
    report = Report()
    for d in docs:
        records: list[Record] = [d.document, *d.spans, *d.relations]
        bad = False
        for r in records:
            problems = schema_check(
                r.to_dict(), str(r.where.file) if r.where else where, r.where.line if r.where else None
            )
            report.findings.extend(problems)
            bad = bad or bool(problems)
            report.counts["document" if isinstance(r, Document) else "span" if isinstance(r, Span) else "relation"] += 1
        if not bad:
            report.findings.extend(check_document(d.document, d.spans, d.relations, doc_id=d.doc_id))
    return report


def check_files_hold_their_document(files: list[Path], report: Report) -> None:
    """A corpus file is named after its document, whose record is its first line."""
    for path in files:
        v = first_record(path)
        if not (isinstance(v, dict) and v.get("record") == "document" and v.get("doc_id") == path.stem):
            report.add(
                Finding("schema", f"a corpus file's first record must be the document {path.stem!r}", str(path), 1)
            )


def validate_corpus_files(files: list[Path], report: Report | None = None) -> Report:
    """Every rule over the given corpus files, as part of the corpus (canonical ids, one document per file)."""
    report = report if report is not None else Report()
    check_files_hold_their_document(files, report)
    return validate_files(files, canonical_ids=True, report=report)


def validate_corpus(root: Path | None = None) -> Report:
    """Every rule over the whole corpus. Reads only: an interrupted write is reported, not repaired."""
    from corpus_pkg.project import annotations_dir

    base = Path(root) if root else annotations_dir()
    report = Report()
    if (base / JOURNAL).exists():
        report.add(
            Finding(
                "io",
                "an interrupted write is pending; the next command that writes (merge, pull, add-document) "
                "completes it",
                str(base / JOURNAL),
                severity="warning",
            )
        )
    files = corpus_files(base)
    if not files:
        report.add(Finding("io", "no corpus files (*.jsonl) found", str(base / "corpus")))
    for path in files:
        report.files[str(path)] = "corpus"
    return validate_corpus_files(files, report)


def load_valid_corpus(root: Path | None = None) -> list[AnnotatedDocument]:
    """Every corpus document; InvalidData when the corpus does not validate."""
    from corpus_pkg.storage import load_corpus

    report = validate_corpus(root)
    if report.errors:
        raise InvalidData(
            f"the corpus does not validate ({len(report.errors)} errors; run `corpus validate`); "
            f"first: {report.errors[0].render()}"
        )
    return load_corpus(root)
