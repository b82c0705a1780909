"""The validator: every rule over documents, spans and relations, every finding reported.

Input is a list of located JSON values (file + line), so each finding names
where it came from. Records that fail their JSON Schema are reported and left
out of the later checks, which rely on the shape the schema guarantees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus_pkg.findings import Finding, mark
from corpus_pkg.labels import label_sets
from corpus_pkg.model import CONTEXT_CHARS, sha256_text
from corpus_pkg.offsets import edge_whitespace, grapheme_boundaries
from corpus_pkg.schemas import record_validator
from corpus_pkg.storage import Located, ReadError, corpus_files, read_lines
from corpus_pkg.timex import timex_problem

# Schema enum failures on these fields are reported as unknown labels.
LABEL_FIELDS = {"label", "type", "kind", "factuality", "source", "layer", "status"}
MAX_MESSAGE = 240


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


def _pointer(path: Iterable[Any]) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


def schema_findings(loc: Located) -> list[Finding]:
    value = loc.value
    rid = value.get("id") or value.get("doc_id") if isinstance(value, dict) else None
    rid = rid if isinstance(rid, str) else None
    if not isinstance(value, dict):
        return [Finding("schema", f"a record must be a JSON object, got {type(value).__name__}", loc.file, loc.line)]
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
        out.append(Finding(rule, _short(err.message), loc.file, loc.line, _pointer(path), rid))
    return out


@dataclass
class _Doc:
    value: dict[str, Any]
    loc: Located
    bounds: set[int] | None = None

    @property
    def text(self) -> str:
        return self.value["text"]

    def graphemes(self) -> set[int]:
        if self.bounds is None:
            self.bounds = grapheme_boundaries(self.text)
        return self.bounds


def validate_records(
    located: Iterable[Located],
    *,
    reference_docs: dict[str, tuple[dict[str, Any], Located]] | None = None,
) -> Report:
    """Check records; spans may refer to documents among them or in ``reference_docs``."""
    report = Report()
    ls = label_sets()
    docs: dict[str, _Doc] = {}
    spans: list[Located] = []
    rels: list[Located] = []
    for loc in located:
        problems = schema_findings(loc)
        if problems:
            report.findings.extend(problems)
            continue
        kind = loc.value["record"]
        report.counts[kind] += 1
        if kind == "document":
            v = loc.value
            if v["doc_id"] in docs:
                first = docs[v["doc_id"]].loc
                report.add(Finding("duplicate-document", f"doc_id {v['doc_id']!r} already used at {first.file}:{first.line}",
                                   loc.file, loc.line, "/doc_id", v["doc_id"]))
                continue
            if sha256_text(v["text"]) != v["sha256"]:
                report.add(Finding("sha256", f"sha256 {v['sha256']} does not match the text ({sha256_text(v['text'])})",
                                   loc.file, loc.line, "/sha256", v["doc_id"]))
            docs[v["doc_id"]] = _Doc(v, loc)
        elif kind == "span":
            spans.append(loc)
        elif kind == "relation":
            rels.append(loc)
    for doc_id, (value, loc) in (reference_docs or {}).items():
        docs.setdefault(doc_id, _Doc(value, loc))

    ids: dict[str, Located] = {}
    span_by_id: dict[str, dict[str, Any]] = {}
    by_doc_layer: dict[tuple[str, str], list[tuple[int, int, str, Located]]] = defaultdict(list)

    def dup(loc: Located, rid: str) -> bool:
        if rid in ids:
            first = ids[rid]
            report.add(Finding("duplicate-id", f"id {rid!r} already used at {first.file}:{first.line}",
                               loc.file, loc.line, "/id", rid))
            return True
        ids[rid] = loc
        return False

    for loc in spans:
        s = loc.value
        sid, doc_id, start, end = s["id"], s["doc_id"], s["start"], s["end"]
        if dup(loc, sid):
            continue
        doc = docs.get(doc_id)
        if doc is None:
            report.add(Finding("unknown-document", f"document {doc_id!r} does not exist", loc.file, loc.line,
                               "/doc_id", sid))
            continue
        text = doc.text
        if not (0 <= start < end <= len(text)):
            report.add(Finding("offset-range", f"offsets [{start}, {end}) are not within 0 <= start < end <= {len(text)}",
                               loc.file, loc.line, "/start" if not 0 <= start < len(text) else "/end", sid,
                               f"span text: {s['text'][:120]!r}"))
            continue
        ctx = mark(text, start, end)
        if text[start:end] != s["text"]:
            report.add(Finding("text-mismatch",
                               f"span text {_short(s['text'])!r} differs from text[{start}:{end}] = {_short(text[start:end])!r}",
                               loc.file, loc.line, "/text", sid, ctx))
            continue
        span_by_id[sid] = s
        if edge_whitespace(s["text"]):
            report.add(Finding("whitespace-edge", f"span {s['text']!r} starts or ends with whitespace",
                               loc.file, loc.line, "/start", sid, ctx))
        bounds = doc.graphemes()
        if start not in bounds or end not in bounds:
            report.add(Finding("grapheme-split", "a span boundary splits a grapheme cluster",
                               loc.file, loc.line, "/start" if start not in bounds else "/end", sid, ctx, "warning"))
        want_prefix = text[max(0, start - CONTEXT_CHARS) : start]
        want_suffix = text[end : end + CONTEXT_CHARS]
        if s["prefix"] != want_prefix:
            report.add(Finding("context-mismatch", f"prefix {s['prefix']!r} should be {want_prefix!r}",
                               loc.file, loc.line, "/prefix", sid, ctx))
        if s["suffix"] != want_suffix:
            report.add(Finding("context-mismatch", f"suffix {s['suffix']!r} should be {want_suffix!r}",
                               loc.file, loc.line, "/suffix", sid, ctx))
        if s["layer"] == "date":
            problem = timex_problem(s["attributes"]["type"], s["attributes"]["value"])
            if problem:
                report.add(Finding("timex-value", problem, loc.file, loc.line, "/attributes/value", sid, ctx))
        by_doc_layer[(doc_id, s["layer"])].append((start, end, sid, loc))

    for (doc_id, layer), items in sorted(by_doc_layer.items()):
        items.sort(key=lambda t: (t[0], -t[1], t[2]))
        if layer == "quote":
            _check_quotes_nest(items, docs[doc_id].text, report)
            continue
        reach_end, reach_id = -1, ""
        for start, end, sid, loc in items:
            if start < reach_end:
                report.add(Finding("overlap", f"{layer} overlaps {layer} {reach_id}", loc.file, loc.line, "/start",
                                   sid, mark(docs[doc_id].text, start, end)))
            if end > reach_end:
                reach_end, reach_id = end, sid

    tails: dict[tuple[str, str], list[str]] = defaultdict(list)
    for loc in rels:
        r = loc.value
        rid = r["id"]
        if dup(loc, rid):
            continue
        if r["doc_id"] not in docs:
            report.add(Finding("unknown-document", f"document {r['doc_id']!r} does not exist", loc.file, loc.line,
                               "/doc_id", rid))
            continue
        want_head, want_tail = ls.relation_types[r["type"]]
        ok = True
        for end_name, want in (("head", want_head), ("tail", want_tail)):
            target = span_by_id.get(r[end_name])
            if target is None:
                why = "a span that failed validation" if r[end_name] in ids else "no span"
                report.add(Finding("dangling-relation", f"{end_name} {r[end_name]!r} is {why}", loc.file, loc.line,
                                   f"/{end_name}", rid))
                ok = False
                continue
            if target["doc_id"] != r["doc_id"]:
                report.add(Finding("relation-document",
                                   f"{end_name} {r[end_name]!r} lies in {target['doc_id']!r}, not {r['doc_id']!r}",
                                   loc.file, loc.line, f"/{end_name}", rid))
                ok = False
            elif target["layer"] != want:
                report.add(Finding("relation-layer",
                                   f"a {r['type']} relation's {end_name} must be a {want} span, "
                                   f"{r[end_name]!r} is a {target['layer']} span",
                                   loc.file, loc.line, f"/{end_name}", rid,
                                   mark(docs[r['doc_id']].text, target["start"], target["end"])))
                ok = False
        if ok:
            tails[(r["type"], r["head"])].append(r["tail"])

    for sid, s in span_by_id.items():
        loc = ids[sid]
        attrs = s["attributes"]
        if s["layer"] == "quote":
            n = len(tails.get(("speaker", sid), []))
            if attrs["speaker_stated"] and n == 0:
                report.add(Finding("attribution", "quote has speaker_stated=true but no speaker relation",
                                   loc.file, loc.line, "/attributes/speaker_stated", sid,
                                   mark(docs[s["doc_id"]].text, s["start"], s["end"])))
            elif not attrs["speaker_stated"] and n:
                report.add(Finding("attribution", f"quote has speaker_stated=false but {n} speaker relation(s)",
                                   loc.file, loc.line, "/attributes/speaker_stated", sid,
                                   mark(docs[s["doc_id"]].text, s["start"], s["end"])))
        elif s["layer"] == "claim":
            n = len(tails.get(("claimant", sid), []))
            if attrs["source"] == "attributed" and n == 0:
                report.add(Finding("attribution", "claim has source=attributed but no claimant relation",
                                   loc.file, loc.line, "/attributes/source", sid,
                                   mark(docs[s["doc_id"]].text, s["start"], s["end"])))
            elif attrs["source"] == "outlet" and n:
                report.add(Finding("attribution", f"claim has source=outlet but {n} claimant relation(s)",
                                   loc.file, loc.line, "/attributes/source", sid,
                                   mark(docs[s["doc_id"]].text, s["start"], s["end"])))
    return report


def _check_quotes_nest(items: list[tuple[int, int, str, Located]], text: str, report: Report) -> None:
    """Quotes may nest (a quote inside a reported quote) but never cross."""
    open_: list[tuple[int, str]] = []  # (end, id) of enclosing quotes
    for start, end, sid, loc in items:
        while open_ and open_[-1][0] <= start:
            open_.pop()
        if open_ and end > open_[-1][0]:
            report.add(Finding("overlap", f"quote crosses quote {open_[-1][1]} (quotes may nest, never cross)",
                               loc.file, loc.line, "/end", sid, mark(text, start, end)))
            continue
        open_.append((end, sid))


def read_located(path: Path, report: Report) -> list[Located]:
    """The JSON values of a JSONL file; unreadable files and bad lines become findings."""
    out: list[Located] = []
    try:
        for line in read_lines(path):
            if line.error is not None:
                report.add(Finding("json", _short(line.error), str(path), line.number, None, None,
                                   _short(line.raw[:200])))
            else:
                out.append(Located(str(path), line.number, line.value))
    except ReadError as e:
        report.add(Finding("io", e.message, e.path))
    return out


def validate_corpus(root: Path | None = None) -> Report:
    from corpus_pkg.merge import recover

    report = Report()
    for done in recover(root):
        report.add(Finding("io", f"recovered an interrupted merge: {done}", str(root or "annotations"),
                           severity="warning"))
    located: list[Located] = []
    files = corpus_files(root)
    if not files:
        report.add(Finding("io", "no corpus files (*.jsonl) found", str(root or "annotations/corpus")))
    for path in files:
        report.files[str(path)] = "corpus"
        located.extend(read_located(path, report))
    report.extend(validate_records(located))
    _check_one_document_per_file(located, report)
    return report


def _check_one_document_per_file(located: list[Located], report: Report) -> None:
    by_file: dict[str, list[Located]] = defaultdict(list)
    for loc in located:
        by_file[loc.file].append(loc)
    for file, locs in by_file.items():
        stem = Path(file).stem
        first = locs[0].value if locs else None
        if not (isinstance(first, dict) and first.get("record") == "document" and first.get("doc_id") == stem):
            report.add(Finding("schema", f"a corpus file's first record must be the document {stem!r}", file, 1))
        for loc in locs[1:]:
            v = loc.value
            if isinstance(v, dict) and v.get("doc_id") != stem:
                report.add(Finding("schema", f"record belongs to {v.get('doc_id')!r}, not to this file's {stem!r}",
                                   file, loc.line, "/doc_id", v.get("id") if isinstance(v.get("id"), str) else None))


def validate_paths(paths: list[Path], root: Path | None = None) -> Report:
    """Validate the given files: corpus files as part of the corpus, anything else as a batch against it."""
    from corpus_pkg.batches import KIND_CORPUS, detect_and_read, validate_batch

    report = Report()
    corpus_given: list[Located] = []
    for path in paths:
        probe = Report()
        kind, locs = detect_and_read(path, probe, root) if path.exists() and not path.is_dir() else ("", [])
        if kind == KIND_CORPUS:
            report.files[str(path)] = kind
            report.findings.extend(probe.findings)
            corpus_given.extend(locs)
            continue
        batch_report, _ = validate_batch(path, root)
        report.extend(batch_report)
    if corpus_given:
        report.extend(validate_records(corpus_given))
    return report
