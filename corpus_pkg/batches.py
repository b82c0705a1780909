"""Annotation batches: read (our JSONL, or a Label Studio JSON export), check against the corpus, plan a merge.

A batch is checked as a whole against the current corpus: every record's
schema, offsets and text; its documents (unknown, or made against another
text: stale); duplicates of existing spans; layer rules over the union of
corpus and batch. Spans made against an older text are re-anchored through
their context when that is unambiguous, and reported as moved.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus_pkg.findings import Finding, mark
from corpus_pkg.jsonio import decode_bytes, loads_strict
from corpus_pkg.labels import LAYER_LETTER
from corpus_pkg.model import CONTEXT_CHARS
from corpus_pkg.reanchor import reanchor
from corpus_pkg.storage import Located, corpus_dir, corpus_files

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


def detect_and_read(path: Path, report, root: Path | None = None) -> tuple[str, list[Located]]:  # noqa: ANN001
    """Say what kind of file ``path`` is and return its records, located by line (or task)."""
    from corpus_pkg.validate import read_located

    if not path.exists():
        report.add(Finding("io", "no such file", str(path)))
        return "missing", []
    if path.is_dir():
        report.add(Finding("io", "is a folder; give files", str(path)))
        return "folder", []
    try:
        cdir = corpus_dir(root).resolve()
        if path.resolve().parent == cdir:
            return KIND_CORPUS, read_located(path, report)
    except OSError:
        pass
    if path.suffix == ".json":
        data = path.read_bytes()
        text, problem = decode_bytes(data)
        if problem:
            report.add(Finding("io", problem, str(path)))
            return "unreadable", []
        assert text is not None
        try:
            value = loads_strict(text)
        except (ValueError, RecursionError) as e:
            report.add(Finding("json", f"invalid JSON: {e}"[:240], str(path)))
            return "invalid json", []
        if _is_label_studio_export(value):
            from corpus_pkg.labelstudio.convert import export_to_located

            return KIND_LABEL_STUDIO, export_to_located(value, str(path), report)
        report.add(Finding("schema", "a .json batch must be a Label Studio JSON export (a list of tasks with "
                                     "annotations); our own batches are JSONL", str(path)))
        return "unknown json", []
    return KIND_JSONL, read_located(path, report)


def _content_key(v: dict[str, Any]) -> str:
    return json.dumps([v["doc_id"], v["layer"], v["start"], v["end"], v["label"], v["attributes"]], sort_keys=True)


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


def _corpus_located(root: Path | None, report) -> list[Located]:  # noqa: ANN001
    from corpus_pkg.validate import read_located

    out: list[Located] = []
    for path in corpus_files(root):
        out.extend(read_located(path, report))
    return out


def validate_batch(path: Path, root: Path | None = None):  # noqa: ANN201 - (Report, BatchPlan)
    """Check one batch file against the corpus; return the report and the merge plan."""
    from corpus_pkg.validate import Report, schema_findings, validate_records

    report = Report()
    kind, batch = detect_and_read(path, report, root)
    report.files[str(path)] = kind
    plan = BatchPlan()
    corpus_report = Report()
    corpus = [loc for loc in _corpus_located(root, corpus_report) if isinstance(loc.value, dict)]
    if corpus_report.errors:
        report.add(Finding("io", "the corpus itself does not read cleanly; run `corpus validate` first",
                           str(corpus_dir(root))))
    docs = {loc.value["doc_id"]: loc.value for loc in corpus if loc.value.get("record") == "document"}
    corpus_ids = {loc.value["id"]: loc.value for loc in corpus if loc.value.get("record") in ("span", "relation")}
    corpus_keys = {_content_key(v): v["id"] for v in corpus_ids.values() if v.get("record") == "span"}
    corpus_rel_keys = {(v["doc_id"], v["type"], v["head"], v["tail"]): v["id"] for v in corpus_ids.values()
                       if v.get("record") == "relation"}

    against: dict[str, str] = {}
    good: list[Located] = []
    for loc in batch:
        problems = schema_findings(loc)
        if problems:
            report.findings.extend(problems)
            continue
        v = loc.value
        if v["record"] == "batch":
            if loc is not batch[0]:
                report.add(Finding("schema", "a batch header must be the first record", loc.file, loc.line))
            against = dict(v.get("against", {}))
            continue
        report.counts[v["record"]] += 1
        good.append(loc)

    new_docs: dict[str, dict[str, Any]] = {}
    for loc in good:
        v = loc.value
        if v["record"] != "document":
            continue
        old = docs.get(v["doc_id"])
        if old is None:
            new_docs[v["doc_id"]] = v
            plan.documents.append(v)
        elif old["text"] != v["text"]:
            report.add(Finding("duplicate-document", f"document {v['doc_id']!r} exists with another text; a batch "
                                                     "cannot change a document's text", loc.file, loc.line, "/text",
                               v["doc_id"]))
    texts = {k: v["text"] for k, v in docs.items()} | {k: v["text"] for k, v in new_docs.items()}
    shas = {k: v["sha256"] for k, v in docs.items()} | {k: v["sha256"] for k, v in new_docs.items()}
    for doc_id, sha in against.items():
        if doc_id in shas and shas[doc_id] != sha:
            report.add(Finding("stale-text", f"the batch was made against another text of {doc_id!r} (sha256 "
                                             f"{sha[:12]}…, current {shas[doc_id][:12]}…); its spans are re-anchored",
                               str(path), 1, f"/against/{doc_id}", doc_id, severity="warning"))

    id_map: dict[str, str] = {}
    spans: list[Located] = []
    rels: list[Located] = []
    for loc in good:
        v = dict(loc.value)
        if v["record"] == "span":
            text = texts.get(v["doc_id"])
            stale = v["doc_id"] in against and against[v["doc_id"]] != shas.get(v["doc_id"])
            # Re-anchor only spans of a batch that says it was made against another text; elsewhere a
            # mismatch is the producer's error and is reported as such (text-mismatch).
            if text is not None and stale:
                a = reanchor(text, v["text"], v["prefix"], v["suffix"])
                if a.start is None:
                    where = ", ".join(f"[{s}, {s + len(v['text'])}) context score {sc}" for s, sc in a.candidates[:5])
                    report.add(Finding("stale-text", f"cannot re-anchor {v['text'][:80]!r}: "
                                       + (f"{len(a.candidates)} equally good candidates: {where}" if a.candidates
                                          else "its text no longer occurs in the document"),
                                       loc.file, loc.line, "/start", v["id"],
                                       mark(text, v["start"], v["end"]) if v["start"] < len(text) else None))
                    continue
                if a.start != v["start"]:
                    report.add(Finding("moved", f"re-anchored from [{v['start']}, {v['end']}) to "
                                       f"[{a.start}, {a.start + len(v['text'])})", loc.file, loc.line, "/start",
                                       v["id"], mark(text, a.start, a.start + len(v["text"])), "warning"))
                    plan.moved += 1
                v["start"], v["end"] = a.start, a.start + len(v["text"])
                v["prefix"] = text[max(0, v["start"] - CONTEXT_CHARS) : v["start"]]
                v["suffix"] = text[v["end"] : v["end"] + CONTEXT_CHARS]
            existing = corpus_ids.get(v["id"])
            key = _content_key(v)
            if existing is not None and _content_key(existing) == key:
                id_map[v["id"]] = v["id"]
                plan.skipped_duplicates += 1
                report.add(Finding("duplicate-span", "already in the corpus with the same id; skipped",
                                   loc.file, loc.line, None, v["id"], severity="warning"))
                continue
            if existing is None and key in corpus_keys:
                id_map[v["id"]] = corpus_keys[key]
                plan.skipped_duplicates += 1
                report.add(Finding("duplicate-span", f"duplicates existing span {corpus_keys[key]}; skipped",
                                   loc.file, loc.line, None, v["id"], severity="warning"))
                continue
            spans.append(Located(loc.file, loc.line, v))
        elif v["record"] == "relation":
            rels.append(Located(loc.file, loc.line, v))

    for loc in rels:
        v = dict(loc.value)
        v["head"] = id_map.get(v["head"], v["head"])
        v["tail"] = id_map.get(v["tail"], v["tail"])
        existing = corpus_ids.get(v["id"])
        rkey = (v["doc_id"], v["type"], v["head"], v["tail"])
        if rkey in corpus_rel_keys and (existing is None or existing.get("record") == "relation"):
            plan.skipped_duplicates += 1
            report.add(Finding("duplicate-span", f"relation duplicates existing {corpus_rel_keys[rkey]}; skipped",
                               loc.file, loc.line, None, v["id"], severity="warning"))
            continue
        spans.append(Located(loc.file, loc.line, v))

    # The union must satisfy every corpus rule (ids, overlaps, relation ends, attribution).
    union = corpus + [Located(loc.file, loc.line, d) for loc in good for d in [loc.value]
                      if d["record"] == "document" and d["doc_id"] in new_docs] + spans
    union_report = validate_records(union)
    report.findings.extend(union_report.findings)
    if report.errors:
        return report, plan

    # Plan: renumber new spans and relations to the corpus's id scheme, per document and layer.
    next_n: dict[tuple[str, str], int] = defaultdict(int)
    for v in corpus_ids.values():
        m = _ID_NUMBER.search(v["id"])
        if m:
            k = (v["doc_id"], m.group(1))
            next_n[k] = max(next_n[k], int(m.group(2)))
    renamed: dict[str, str] = {}
    new_spans = sorted((loc.value for loc in spans if loc.value["record"] == "span"),
                       key=lambda s: (s["doc_id"], s["start"], s["end"], s["layer"], s["id"]))
    for s in new_spans:
        k = (s["doc_id"], LAYER_LETTER[s["layer"]])
        next_n[k] += 1
        renamed[s["id"]] = f"{s['doc_id']}-{k[1]}{next_n[k]:03d}"
        plan.spans[s["doc_id"]].append(s | {"id": renamed[s["id"]]})
    for r in sorted((loc.value for loc in spans if loc.value["record"] == "relation"), key=lambda r: r["id"]):
        k = (r["doc_id"], "r")
        next_n[k] += 1
        plan.relations[r["doc_id"]].append(r | {"id": f"{r['doc_id']}-r{next_n[k]:03d}",
                                                "head": renamed.get(r["head"], r["head"]),
                                                "tail": renamed.get(r["tail"], r["tail"])})
    return report, plan
