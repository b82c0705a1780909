"""The validator: every rule over documents, spans and relations, every finding reported.

Records are read line by line and checked one document at a time, so memory
stays flat however large a corpus file or batch is: the records of one
document must be consecutive (the corpus stores one document per file; a
batch that interleaves documents gets a finding). Each record is first
checked against its JSON Schema; records that fail are reported and left out
of the later checks, which rely on the shape the schema guarantees.

Two interchangeable paths check the schema: the reference path runs
jsonschema on every record; the fast path (the default) parses with orjson
and accepts records the compiled validators of ``schema_check`` find valid,
and hands every other record to the reference path. Both report the same
findings.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from corpus_pkg import schema_check
from corpus_pkg.findings import Finding, mark
from corpus_pkg.jsonio import loads_strict
from corpus_pkg.labels import LAYER_LETTER, label_sets
from corpus_pkg.model import CONTEXT_CHARS, sha256_text
from corpus_pkg.offsets import edge_whitespace, is_boundary
from corpus_pkg.storage import Located, corpus_files
from corpus_pkg.timex import timex_problem

MAX_MESSAGE = 240
# In the corpus, ids name their document and layer, so ids unique in a document are unique corpus-wide.
_CANONICAL = re.compile(r"(?P<doc>[a-z0-9][a-z0-9-]*)-(?P<letter>[edqcr])(?P<n>[0-9]{3,})")

DocLookup = Callable[[str], "Located | None"]


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


def _short(s: str) -> str:
    return s if len(s) <= MAX_MESSAGE else s[: MAX_MESSAGE - 1] + "…"


def schema_findings(loc: Located) -> list[Finding]:
    """The schema check of one record (``schema_check``): compiled validators, jsonschema on failure."""
    return schema_check.schema_findings(loc)


@dataclass
class RawLine:
    file: str
    number: int
    text: str | None  # None when the line could not be decoded
    error: str | None = None


def iter_raw_lines(
    path: Path, report: Report, *, start: int = 0, end: int | None = None, first_line: int = 1
) -> Iterator[RawLine]:
    """Lines of a file (or of its bytes [start, end), which begin at line ``first_line``), decoded one by
    one; bad bytes become findings, never exceptions."""
    name = str(path)
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below, and generators need the handle open
    except OSError as e:
        report.add(Finding("io", e.strerror or str(e), name))
        return
    with f:
        f.seek(start)
        pos = start
        for number, raw in enumerate(f, start=first_line):
            if end is not None and pos >= end:
                break
            pos += len(raw)
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                report.add(
                    Finding("io", "file starts with a UTF-8 byte order mark (BOM); save it without BOM", name, 1)
                )
                raw = raw[3:]
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            if raw.endswith(b"\r"):
                report.add(Finding("json", "line ends with CR (CRLF line endings); use LF", name, number))
                continue
            if not raw.strip():
                continue
            try:
                yield RawLine(name, number, raw.decode("utf-8"))
            except UnicodeDecodeError as e:
                report.add(
                    Finding(
                        "json",
                        f"not valid UTF-8 at byte {e.start} of the line: {raw[e.start : e.start + 8]!r}",
                        name,
                        number,
                    )
                )


def parse_line(line: RawLine, report: Report, *, fast: bool) -> Located | None:
    """Parse and schema-check one line; None (with findings) when it is not a valid record."""
    assert line.text is not None
    if fast:
        try:
            value = orjson.loads(line.text)
        except orjson.JSONDecodeError:
            value = None
        if value is not None and schema_check.is_valid(value):
            return Located(line.file, line.number, value)
    # The reference path, also for everything the fast check does not prove valid.
    try:
        value = loads_strict(line.text)
    except (ValueError, RecursionError) as e:
        report.add(
            Finding("json", _short(f"invalid JSON: {e}"), line.file, line.number, None, None, _short(line.text[:200]))
        )
        return None
    loc = Located(line.file, line.number, value)
    problems = schema_check.schema_findings(loc) if fast else schema_check.reference_findings(loc)
    if problems:
        report.findings.extend(problems)
        return None
    return loc


@dataclass
class _Group:
    doc_id: str
    document: Located | None = None
    spans: list[Located] = field(default_factory=list)
    relations: list[Located] = field(default_factory=list)


class Checker:
    """Checks records one document at a time (see the module doc)."""

    def __init__(self, report: Report, *, lookup: DocLookup | None = None, canonical_ids: bool = False) -> None:
        self.report = report
        self.lookup = lookup
        self.canonical_ids = canonical_ids
        self.closed: set[str] = set()
        self.documents: dict[str, Located] = {}  # doc_id -> where its document record was (first)
        self.group: _Group | None = None

    # -- streaming front end -------------------------------------------------------------------
    def feed(self, loc: Located) -> None:
        """Add one schema-valid record; a new doc_id closes the previous document."""
        v = loc.value
        kind = v["record"]
        if kind == "batch":
            return
        self.report.counts[kind] += 1
        doc_id = v["doc_id"]
        if self.group is None or self.group.doc_id != doc_id:
            if self.group is not None:
                self.check_group(self.group)
                self.closed.add(self.group.doc_id)
            if doc_id in self.closed:
                self.report.add(
                    Finding(
                        "schema",
                        f"records of document {doc_id!r} resume here after other "
                        "documents; keep each document's records together",
                        loc.file,
                        loc.line,
                        "/doc_id",
                        v.get("id") or doc_id,
                    )
                )
                self.group = None
                return
            self.group = _Group(doc_id)
        g = self.group
        if kind == "document":
            if doc_id in self.documents:
                first = self.documents[doc_id]
                self.report.add(
                    Finding(
                        "duplicate-document",
                        f"doc_id {doc_id!r} already used at {first.file}:{first.line}",
                        loc.file,
                        loc.line,
                        "/doc_id",
                        doc_id,
                    )
                )
                return
            self.documents[doc_id] = loc
            g.document = loc
        elif kind == "span":
            g.spans.append(loc)
        else:
            g.relations.append(loc)

    def finish(self) -> Report:
        if self.group is not None:
            self.check_group(self.group)
            self.closed.add(self.group.doc_id)
            self.group = None
        return self.report

    # -- one document ---------------------------------------------------------------------------
    def check_group(self, g: _Group) -> None:
        report, ls = self.report, label_sets()
        doc = g.document
        if doc is not None:
            v = doc.value
            if sha256_text(v["text"]) != v["sha256"]:
                report.add(
                    Finding(
                        "sha256",
                        f"sha256 {v['sha256']} does not match the text ({sha256_text(v['text'])})",
                        doc.file,
                        doc.line,
                        "/sha256",
                        v["doc_id"],
                    )
                )
        elif self.lookup is not None:
            doc = self.lookup(g.doc_id)
        text: str | None = doc.value["text"] if doc is not None else None
        ids: dict[str, Located] = {}
        span_by_id: dict[str, dict[str, Any]] = {}
        by_layer: dict[str, list[tuple[int, int, str, Located]]] = defaultdict(list)

        def dup(loc: Located, rid: str) -> bool:
            if rid in ids:
                first = ids[rid]
                report.add(
                    Finding(
                        "duplicate-id",
                        f"id {rid!r} already used at {first.file}:{first.line}",
                        loc.file,
                        loc.line,
                        "/id",
                        rid,
                    )
                )
                return True
            ids[rid] = loc
            return False

        def id_format(loc: Located, rid: str, letter: str) -> None:
            m = _CANONICAL.fullmatch(rid)
            if not m or m["doc"] != g.doc_id or m["letter"] != letter:
                report.add(
                    Finding(
                        "id-format", f"id {rid!r} should be {g.doc_id}-{letter}<number>", loc.file, loc.line, "/id", rid
                    )
                )

        for loc in g.spans:
            s = loc.value
            sid, start, end = s["id"], s["start"], s["end"]
            if dup(loc, sid):
                continue
            if self.canonical_ids:
                id_format(loc, sid, LAYER_LETTER[s["layer"]])
            if text is None:
                report.add(
                    Finding(
                        "unknown-document", f"document {g.doc_id!r} does not exist", loc.file, loc.line, "/doc_id", sid
                    )
                )
                continue
            if not (0 <= start < end <= len(text)):
                report.add(
                    Finding(
                        "offset-range",
                        f"offsets [{start}, {end}) are not within 0 <= start < end <= {len(text)}",
                        loc.file,
                        loc.line,
                        "/start" if not 0 <= start < len(text) else "/end",
                        sid,
                        f"span text: {s['text'][:120]!r}",
                    )
                )
                continue
            if text[start:end] != s["text"]:
                report.add(
                    Finding(
                        "text-mismatch",
                        f"span text {_short(s['text'])!r} differs from "
                        f"text[{start}:{end}] = {_short(text[start:end])!r}",
                        loc.file,
                        loc.line,
                        "/text",
                        sid,
                        mark(text, start, end),
                    )
                )
                continue
            span_by_id[sid] = s
            if edge_whitespace(s["text"]):
                report.add(
                    Finding(
                        "whitespace-edge",
                        f"span {s['text']!r} starts or ends with whitespace",
                        loc.file,
                        loc.line,
                        "/start",
                        sid,
                        mark(text, start, end),
                    )
                )
            start_ok, end_ok = is_boundary(text, start), is_boundary(text, end)
            if not (start_ok and end_ok):
                report.add(
                    Finding(
                        "grapheme-split",
                        "a span boundary splits a grapheme cluster",
                        loc.file,
                        loc.line,
                        "/end" if start_ok else "/start",
                        sid,
                        mark(text, start, end),
                        "warning",
                    )
                )
            if s["prefix"] != text[max(0, start - CONTEXT_CHARS) : start]:
                report.add(
                    Finding(
                        "context-mismatch",
                        f"prefix {s['prefix']!r} should be {text[max(0, start - CONTEXT_CHARS) : start]!r}",
                        loc.file,
                        loc.line,
                        "/prefix",
                        sid,
                        mark(text, start, end),
                    )
                )
            if s["suffix"] != text[end : end + CONTEXT_CHARS]:
                report.add(
                    Finding(
                        "context-mismatch",
                        f"suffix {s['suffix']!r} should be {text[end : end + CONTEXT_CHARS]!r}",
                        loc.file,
                        loc.line,
                        "/suffix",
                        sid,
                        mark(text, start, end),
                    )
                )
            if s["layer"] == "date":
                problem = timex_problem(s["attributes"]["type"], s["attributes"]["value"])
                if problem:
                    report.add(
                        Finding(
                            "timex-value", problem, loc.file, loc.line, "/attributes/value", sid, mark(text, start, end)
                        )
                    )
            by_layer[s["layer"]].append((start, end, sid, loc))

        assert text is not None or not span_by_id
        for layer, items in sorted(by_layer.items()):
            items.sort(key=lambda t: (t[0], -t[1], t[2]))
            if layer == "quote":
                _check_quotes_nest(items, text or "", report)
                continue
            reach_end, reach_id = -1, ""
            for start, end, sid, loc in items:
                if start < reach_end:
                    report.add(
                        Finding(
                            "overlap",
                            f"{layer} overlaps {layer} {reach_id}",
                            loc.file,
                            loc.line,
                            "/start",
                            sid,
                            mark(text or "", start, end),
                        )
                    )
                if end > reach_end:
                    reach_end, reach_id = end, sid

        tails: dict[tuple[str, str], list[str]] = defaultdict(list)
        for loc in g.relations:
            r = loc.value
            rid = r["id"]
            if dup(loc, rid):
                continue
            if self.canonical_ids:
                id_format(loc, rid, "r")
            if text is None:
                report.add(
                    Finding(
                        "unknown-document", f"document {g.doc_id!r} does not exist", loc.file, loc.line, "/doc_id", rid
                    )
                )
                continue
            want_head, want_tail = ls.relation_types[r["type"]]
            ok = True
            for end_name, want in (("head", want_head), ("tail", want_tail)):
                ref = r[end_name]
                target = span_by_id.get(ref)
                if target is None:
                    other = _CANONICAL.fullmatch(ref)
                    if other and other["doc"] != g.doc_id:
                        report.add(
                            Finding(
                                "relation-document",
                                f"{end_name} {ref!r} names document {other['doc']!r}, not {g.doc_id!r}",
                                loc.file,
                                loc.line,
                                f"/{end_name}",
                                rid,
                            )
                        )
                    else:
                        why = "a span that failed validation" if ref in ids else f"no span of {g.doc_id!r}"
                        report.add(
                            Finding(
                                "dangling-relation",
                                f"{end_name} {ref!r} is {why}",
                                loc.file,
                                loc.line,
                                f"/{end_name}",
                                rid,
                            )
                        )
                    ok = False
                elif target["layer"] != want:
                    report.add(
                        Finding(
                            "relation-layer",
                            f"a {r['type']} relation's {end_name} must be a {want} "
                            f"span, {ref!r} is a {target['layer']} span",
                            loc.file,
                            loc.line,
                            f"/{end_name}",
                            rid,
                            mark(text, target["start"], target["end"]),
                        )
                    )
                    ok = False
            if ok:
                tails[(r["type"], r["head"])].append(r["tail"])

        for sid, s in span_by_id.items():
            loc = ids[sid]
            a = s["attributes"]
            if s["layer"] == "quote":
                n, where = len(tails.get(("speaker", sid), [])), "/attributes/speaker_stated"
                if a["speaker_stated"] and n == 0:
                    msg = "quote has speaker_stated=true but no speaker relation"
                elif not a["speaker_stated"] and n:
                    msg = f"quote has speaker_stated=false but {n} speaker relation(s)"
                else:
                    continue
            elif s["layer"] == "claim":
                n, where = len(tails.get(("claimant", sid), [])), "/attributes/source"
                if a["source"] == "attributed" and n == 0:
                    msg = "claim has source=attributed but no claimant relation"
                elif a["source"] == "outlet" and n:
                    msg = f"claim has source=outlet but {n} claimant relation(s)"
                else:
                    continue
            else:
                continue
            report.add(
                Finding("attribution", msg, loc.file, loc.line, where, sid, mark(text or "", s["start"], s["end"]))
            )


def _check_quotes_nest(items: list[tuple[int, int, str, Located]], text: str, report: Report) -> None:
    """Quotes may nest (a quote inside a reported quote) but never cross."""
    open_: list[tuple[int, str]] = []  # (end, id) of enclosing quotes
    for start, end, sid, loc in items:
        while open_ and open_[-1][0] <= start:
            open_.pop()
        if open_ and end > open_[-1][0]:
            report.add(
                Finding(
                    "overlap",
                    f"quote crosses quote {open_[-1][1]} (quotes may nest, never cross)",
                    loc.file,
                    loc.line,
                    "/end",
                    sid,
                    mark(text, start, end),
                )
            )
            continue
        open_.append((end, sid))


def validate_records(
    located: Iterable[Located],
    *,
    reference_docs: dict[str, tuple[dict[str, Any], Located]] | None = None,
    lookup: DocLookup | None = None,
    canonical_ids: bool = False,
) -> Report:
    """Check already parsed records (reference schema path)."""
    report = Report()
    if reference_docs is not None and lookup is None:

        def lookup(doc_id: str) -> Located | None:
            hit = reference_docs.get(doc_id)
            return hit[1] if hit else None

    checker = Checker(report, lookup=lookup, canonical_ids=canonical_ids)
    for loc in located:
        problems = schema_findings(loc)
        if problems:
            report.findings.extend(problems)
            continue
        checker.feed(loc)
    return checker.finish()


def validate_files(
    paths: Iterable[Path],
    *,
    fast: bool = True,
    lookup: DocLookup | None = None,
    canonical_ids: bool = False,
    report: Report | None = None,
) -> Report:
    """Stream the records of JSONL files through the checks, one document at a time."""
    report = report if report is not None else Report()
    checker = Checker(report, lookup=lookup, canonical_ids=canonical_ids)
    for path in paths:
        for line in iter_raw_lines(path, report):
            loc = parse_line(line, report, fast=fast)
            if loc is not None:
                checker.feed(loc)
    return checker.finish()


def read_located(path: Path, report: Report) -> list[Located]:
    """The JSON values of a JSONL file (not schema-checked); bad lines become findings."""
    out = []
    for line in iter_raw_lines(path, report):
        assert line.text is not None
        try:
            out.append(Located(line.file, line.number, loads_strict(line.text)))
        except (ValueError, RecursionError) as e:
            report.add(
                Finding(
                    "json", _short(f"invalid JSON: {e}"), line.file, line.number, None, None, _short(line.text[:200])
                )
            )
    return out


def corpus_lookup(root: Path | None) -> DocLookup:
    """Find a document record in the corpus by reading the first line of its file."""
    from corpus_pkg.storage import document_path

    def lookup(doc_id: str) -> Located | None:
        path = document_path(doc_id, root)
        if not path.is_file():
            return None
        with open(path, "rb") as f:
            first = f.readline()
        try:
            v = loads_strict(first.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None
        ok = isinstance(v, dict) and v.get("record") == "document" and v.get("doc_id") == doc_id
        return Located(str(path), 1, v) if ok and not schema_findings(Located(str(path), 1, v)) else None

    return lookup


def validate_corpus(root: Path | None = None, *, fast: bool = True) -> Report:
    from corpus_pkg.merge import recover

    report = Report()
    for done in recover(root):
        report.add(
            Finding("io", f"recovered an interrupted merge: {done}", str(root or "annotations"), severity="warning")
        )
    files = corpus_files(root)
    if not files:
        report.add(Finding("io", "no corpus files (*.jsonl) found", str(root or "annotations/corpus")))
    for path in files:
        report.files[str(path)] = "corpus"
    _check_files_hold_their_document(files, report)
    return validate_files(files, fast=fast, canonical_ids=True, report=report)


def _check_files_hold_their_document(files: list[Path], report: Report) -> None:
    """A corpus file is named after its document, whose record is its first line."""
    for path in files:
        with open(path, "rb") as f:
            first = f.readline()
        try:
            v = loads_strict(first.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            v = None
        if not (isinstance(v, dict) and v.get("record") == "document" and v.get("doc_id") == path.stem):
            report.add(
                Finding("schema", f"a corpus file's first record must be the document {path.stem!r}", str(path), 1)
            )


def validate_paths(paths: list[Path], root: Path | None = None, *, jobs: int = 1) -> Report:
    """Validate the given files: corpus files as part of the corpus, anything else as a batch against it."""
    from corpus_pkg.batches import is_corpus_file, validate_batch

    report = Report()
    corpus_given = [p for p in paths if is_corpus_file(p, root)]
    for path in paths:
        if path in corpus_given:
            continue
        batch_report, _ = validate_batch(path, root, plan=False, jobs=jobs)
        report.extend(batch_report)
    if corpus_given:
        for p in corpus_given:
            report.files[str(p)] = "corpus"
        _check_files_hold_their_document(corpus_given, report)
        validate_files(corpus_given, canonical_ids=True, report=report)
    return report
