"""Annotation batches: read (our JSONL, or a Label Studio JSON export), check against the corpus, plan a merge.

A batch is checked as a whole against the current corpus: every record's
schema, offsets and text; its documents (unknown, or made against another
text: stale); duplicates of existing spans; layer rules over the union of
corpus and batch. Spans made against an older text are re-anchored through
their context when that is unambiguous, and reported as moved.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from corpus_pkg.findings import Finding, mark
from corpus_pkg.jsonio import decode_bytes, loads_strict
from corpus_pkg.labels import LAYER_LETTER
from corpus_pkg.model import CONTEXT_CHARS
from corpus_pkg.reanchor import reanchor
from corpus_pkg.storage import Located, corpus_dir

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


def is_corpus_file(path: Path, root: Path | None = None) -> bool:
    try:
        return path.is_file() and path.resolve().parent == corpus_dir(root).resolve()
    except OSError:
        return False


def detect_and_read(path: Path, report, root: Path | None = None, *, fast: bool = True):
    """Say what kind of file ``path`` is; return (kind, iterator of schema-valid located records)."""
    from corpus_pkg.validate import iter_raw_lines, parse_line, schema_findings

    if not path.exists():
        report.add(Finding("io", "no such file", str(path)))
        return "missing", iter(())
    if path.is_dir():
        report.add(Finding("io", "is a folder; give files", str(path)))
        return "folder", iter(())
    if is_corpus_file(path, root):
        kind = KIND_CORPUS
    elif path.suffix == ".json":
        text, problem = decode_bytes(path.read_bytes())
        if problem:
            report.add(Finding("io", problem, str(path)))
            return "unreadable", iter(())
        assert text is not None
        try:
            value = loads_strict(text)
        except (ValueError, RecursionError) as e:
            report.add(Finding("json", f"invalid JSON: {e}"[:240], str(path)))
            return "invalid json", iter(())
        if not _is_label_studio_export(value):
            report.add(
                Finding(
                    "schema",
                    "a .json batch must be a Label Studio JSON export (a list of tasks with "
                    "annotations); our own batches are JSONL",
                    str(path),
                )
            )
            return "unknown json", iter(())
        from corpus_pkg.labelstudio.convert import export_to_located

        def checked() -> Iterator[Located]:
            for loc in export_to_located(value, str(path), report):
                problems = schema_findings(loc)
                if problems:
                    report.findings.extend(problems)
                else:
                    yield loc

        return KIND_LABEL_STUDIO, checked()
    else:
        kind = KIND_JSONL

    def lines() -> Iterator[Located]:
        for line in iter_raw_lines(path, report):
            loc = parse_line(line, report, fast=fast)
            if loc is not None:
                yield loc

    return kind, lines()


def _content_key(v: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two spans the same annotation: place, layer, label and attributes (not id or provenance)."""
    return (v["doc_id"], v["layer"], v["start"], v["end"], v["label"], tuple(sorted(v["attributes"].items())))


_ID_NUMBER = re.compile(r"-([a-z])(\d+)$")


@dataclass
class BatchPlan:
    """What merging a batch would add, per document (ids already renumbered)."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    spans: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    relations: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    skipped_duplicates: int = 0
    moved: int = 0

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for d in self.documents:
            out[d["doc_id"]]["document"] += 1
        for doc_id, spans in self.spans.items():
            for s in spans:
                out[doc_id][s["layer"]] += 1
        for doc_id, rels in self.relations.items():
            for r in rels:
                out[doc_id][f"relation:{r['type']}"] += 1
        return {k: dict(v) for k, v in sorted(out.items())}

    @property
    def empty(self) -> bool:
        return not self.documents and not any(self.spans.values()) and not any(self.relations.values())


def _read_corpus_document(doc_id: str, root: Path | None, report) -> list[Located]:
    from corpus_pkg.storage import document_path
    from corpus_pkg.validate import read_located

    path = document_path(doc_id, root)
    if not path.is_file():
        return []
    inner = type(report)()
    out = [loc for loc in read_located(path, inner) if isinstance(loc.value, dict)]
    if inner.findings:
        report.add(
            Finding("io", f"the corpus file of {doc_id!r} does not read cleanly; run `corpus validate`", str(path))
        )
    return out


def _consecutive(records: Iterator[Located], report, header: dict[str, Any] | None):
    """Runs of consecutive records of one document: (doc_id, records). A header is taken only as the first record."""
    current: str | None = None
    bucket: list[Located] = []
    first = True
    for loc in records:
        v = loc.value
        if v["record"] == "batch":
            if not first or header is None:
                report.add(Finding("schema", "a batch header must be the first record", loc.file, loc.line))
            else:
                header.update(v)
            first = False
            continue
        first = False
        report.counts[v["record"]] += 1
        if v["doc_id"] != current:
            if current is not None:
                yield current, bucket
            current, bucket = v["doc_id"], []
        bucket.append(loc)
    if current is not None:
        yield current, bucket


def _resumed(doc_id: str, loc: Located) -> Finding:
    return Finding(
        "schema",
        f"records of document {doc_id!r} resume here after other documents; keep each "
        "document's records together (this run is not checked)",
        loc.file,
        loc.line,
        "/doc_id",
        loc.value.get("id") or doc_id,
    )


def validate_batch(path: Path, root: Path | None = None, *, plan: bool = True, fast: bool = True, jobs: int = 1):
    """Check one batch file against the corpus, one document at a time; return (Report, BatchPlan).

    With ``jobs`` > 1 and no plan wanted, a large JSONL file is split at document boundaries and
    checked by that many processes; the findings are the same as with one.
    """
    from corpus_pkg.validate import Checker, Report

    if (
        jobs > 1
        and not plan
        and path.is_file()
        and path.suffix != ".json"
        and not is_corpus_file(path, root)
        and path.stat().st_size >= PARALLEL_MIN_BYTES
    ):
        parallel = _validate_batch_parallel(path, root, fast=fast, jobs=jobs)
        if parallel is not None:
            return parallel, BatchPlan()
    report = Report()
    kind, records = detect_and_read(path, report, root, fast=fast)
    report.files[str(path)] = kind
    result = BatchPlan()
    checker = Checker(report)
    header: dict[str, Any] = {}
    closed: set[str] = set()
    for doc_id, group in _consecutive(records, report, header):
        if doc_id in closed:
            report.add(_resumed(doc_id, group[0]))
            continue
        closed.add(doc_id)
        corpus = _read_corpus_document(doc_id, root, report)
        _check_document_group(path, doc_id, group, corpus, header.get("against", {}), report, result, checker, plan)
    return report, result


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


def _validate_range(
    path: str, root: str | None, start: int, end: int, first_line: int, against: dict[str, str], fast: bool
):
    """One process's part: line findings, and per run of a document its first record and findings."""
    from corpus_pkg.validate import Checker, Report, iter_raw_lines, parse_line

    lines = Report()
    records = (
        loc
        for line in iter_raw_lines(Path(path), lines, start=start, end=end, first_line=first_line)
        if (loc := parse_line(line, lines, fast=fast)) is not None
    )
    runs = []
    for doc_id, group in _consecutive(records, lines, {} if start == 0 else None):
        report = Report()
        corpus = _read_corpus_document(doc_id, Path(root) if root else None, report)
        _check_document_group(Path(path), doc_id, group, corpus, against, report, BatchPlan(), Checker(report), False)
        # Only where the run starts travels back: not the records, whose texts would pile up in the parent.
        head = group[0]
        runs.append(
            (doc_id, Located(head.file, head.line, {"id": head.value.get("id"), "doc_id": doc_id}), report.findings)
        )
    return lines.findings, dict(lines.counts), runs


def _validate_batch_parallel(path: Path, root: Path | None, *, fast: bool, jobs: int):
    from concurrent.futures import ProcessPoolExecutor

    from corpus_pkg.validate import Report, iter_raw_lines, parse_line

    points = _split_points(path, jobs)
    if points is None or len(set(points)) < 3:
        return None
    # The header (first record) names the texts the batch was made against; every part needs it.
    against: dict[str, str] = {}
    for line in iter_raw_lines(path, Report()):
        loc = parse_line(line, Report(), fast=fast)
        if loc is not None:
            if loc.value.get("record") == "batch":
                against = dict(loc.value.get("against", {}))
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
                [fast] * len(starts),
            )
        )
    closed: set[str] = set()
    previous: str | None = None
    for line_findings, counts, runs in parts:
        report.findings.extend(line_findings)
        for k, v in counts.items():
            report.counts[k] += v
        for doc_id, first, findings in runs:
            if doc_id == previous:
                return None  # a run cut in two: fall back to one process
            previous = doc_id
            if doc_id in closed:
                report.add(_resumed(doc_id, first))
                continue
            closed.add(doc_id)
            report.findings.extend(findings)
    return report


def _skip_duplicate(report, result: BatchPlan, loc: Located, rid: str, message: str) -> None:
    result.skipped_duplicates += 1
    report.add(Finding("duplicate-span", message, loc.file, loc.line, None, rid, severity="warning"))


def _check_document_group(
    path: Path,
    doc_id: str,
    group: list[Located],
    corpus: list[Located],
    against: dict[str, str],
    report,
    result: BatchPlan,
    checker,
    plan: bool,
) -> None:
    from corpus_pkg.validate import _Group

    corpus_doc = next((loc for loc in corpus if loc.value.get("record") == "document"), None)
    corpus_items = {loc.value["id"]: loc.value for loc in corpus if loc.value.get("record") in ("span", "relation")}
    corpus_keys = {_content_key(v): v["id"] for v in corpus_items.values() if v["record"] == "span"}
    corpus_rel_keys = {
        (v["doc_id"], v["type"], v["head"], v["tail"]): v["id"]
        for v in corpus_items.values()
        if v["record"] == "relation"
    }
    doc_loc = corpus_doc
    new_doc: dict[str, Any] | None = None
    for loc in group:
        v = loc.value
        if v["record"] != "document":
            continue
        if corpus_doc is None and new_doc is None:
            new_doc, doc_loc = v, loc
        elif corpus_doc is not None and corpus_doc.value["text"] != v["text"]:
            if against.get(doc_id) == v["sha256"]:
                continue  # the older text the batch declares it was made against: its spans are re-anchored
            report.add(
                Finding(
                    "duplicate-document",
                    f"document {doc_id!r} exists with another text; a batch cannot change a document's text",
                    loc.file,
                    loc.line,
                    "/text",
                    doc_id,
                )
            )
        elif new_doc is not None:
            report.add(
                Finding(
                    "duplicate-document",
                    f"document {doc_id!r} appears twice in the batch",
                    loc.file,
                    loc.line,
                    "/doc_id",
                    doc_id,
                )
            )
    text = doc_loc.value["text"] if doc_loc is not None else None
    sha = doc_loc.value["sha256"] if doc_loc is not None else None
    stale = doc_id in against and sha is not None and against[doc_id] != sha
    if stale:
        report.add(
            Finding(
                "stale-text",
                f"the batch was made against another text of {doc_id!r} (sha256 "
                f"{against[doc_id][:12]}…, current {sha[:12]}…); its spans are re-anchored",
                str(path),
                1,
                f"/against/{doc_id}",
                doc_id,
                severity="warning",
            )
        )

    id_map: dict[str, str] = {}
    kept: list[Located] = []
    for loc in group:
        v = dict(loc.value)
        if v["record"] != "span":
            continue
        # Re-anchor only spans of a batch that says it was made against another text; elsewhere a
        # mismatch is the producer's error and is reported as such (text-mismatch).
        if text is not None and stale:
            a = reanchor(text, v["text"], v["prefix"], v["suffix"])
            if a.start is None:
                where = ", ".join(f"[{s}, {s + len(v['text'])}) context score {sc}" for s, sc in a.candidates[:5])
                report.add(
                    Finding(
                        "stale-text",
                        f"cannot re-anchor {v['text'][:80]!r}: "
                        + (
                            f"{len(a.candidates)} equally good candidates: {where}"
                            if a.candidates
                            else "its text no longer occurs in the document"
                        ),
                        loc.file,
                        loc.line,
                        "/start",
                        v["id"],
                        mark(text, v["start"], v["end"]) if v["start"] < len(text) else None,
                    )
                )
                continue
            if a.start != v["start"]:
                report.add(
                    Finding(
                        "moved",
                        f"re-anchored from [{v['start']}, {v['end']}) to [{a.start}, {a.start + len(v['text'])})",
                        loc.file,
                        loc.line,
                        "/start",
                        v["id"],
                        mark(text, a.start, a.start + len(v["text"])),
                        "warning",
                    )
                )
                result.moved += 1
            v["start"], v["end"] = a.start, a.start + len(v["text"])
            v["prefix"] = text[max(0, v["start"] - CONTEXT_CHARS) : v["start"]]
            v["suffix"] = text[v["end"] : v["end"] + CONTEXT_CHARS]
        existing = corpus_items.get(v["id"])
        key = _content_key(v)
        if existing is not None and existing["record"] == "span" and _content_key(existing) == key:
            id_map[v["id"]] = v["id"]
            _skip_duplicate(report, result, loc, v["id"], "already in the corpus with the same id; skipped")
            continue
        if key in corpus_keys:
            # Batch ids are local: a span equal to a corpus span is that span, whatever its id here.
            id_map[v["id"]] = corpus_keys[key]
            _skip_duplicate(report, result, loc, v["id"], f"duplicates existing span {corpus_keys[key]}; skipped")
            continue
        kept.append(Located(loc.file, loc.line, v))
    kept_rels: list[Located] = []
    for loc in group:
        v = dict(loc.value)
        if v["record"] != "relation":
            continue
        v["head"] = id_map.get(v["head"], v["head"])
        v["tail"] = id_map.get(v["tail"], v["tail"])
        rkey = (v["doc_id"], v["type"], v["head"], v["tail"])
        if rkey in corpus_rel_keys:
            _skip_duplicate(
                report, result, loc, v["id"], f"relation duplicates existing {corpus_rel_keys[rkey]}; skipped"
            )
            continue
        kept_rels.append(Located(loc.file, loc.line, v))

    # The union must satisfy every corpus rule (ids, overlaps, relation ends, attribution).
    before = len(report.errors)
    union = _Group(
        doc_id,
        doc_loc,
        [loc for loc in corpus if loc.value.get("record") == "span"] + kept,
        [loc for loc in corpus if loc.value.get("record") == "relation"] + kept_rels,
    )
    checker.check_group(union)
    if not plan or len(report.errors) > before:
        return
    if new_doc is not None:
        result.documents.append(new_doc)
    # Renumber new spans and relations to the corpus's id scheme, per layer.
    next_n: dict[str, int] = defaultdict(int)
    for v in corpus_items.values():
        m = _ID_NUMBER.search(v["id"])
        if m:
            next_n[m.group(1)] = max(next_n[m.group(1)], int(m.group(2)))
    renamed: dict[str, str] = {}
    for s in sorted((loc.value for loc in kept), key=lambda s: (s["start"], s["end"], s["layer"], s["id"])):
        letter = LAYER_LETTER[s["layer"]]
        next_n[letter] += 1
        renamed[s["id"]] = f"{doc_id}-{letter}{next_n[letter]:03d}"
        result.spans[doc_id].append(s | {"id": renamed[s["id"]]})
    for r in sorted((loc.value for loc in kept_rels), key=lambda r: r["id"]):
        next_n["r"] += 1
        result.relations[doc_id].append(
            r
            | {
                "id": f"{doc_id}-r{next_n['r']:03d}",
                "head": renamed.get(r["head"], r["head"]),
                "tail": renamed.get(r["tail"], r["tail"]),
            }
        )
