"""Span-level differences between two versions of the annotations.

A side is a folder (an annotations root holding ``corpus/``, or the corpus
folder itself) or a git ref, read with ``git archive`` from the repository's
``annotations/corpus/*.jsonl`` without touching the working tree.

Spans are matched per document and layer in passes, because span ids are
positional (``<doc>-e007`` is the seventh entity) and shift when a span is
inserted before them:

1. same id and same offsets;
2. same offsets (the id moved);
3. same id and overlapping offsets: re-bounded (when the document's text
   changed, also same id and same span text: moved with the text);
4. same id anywhere in the layer: re-bounded (a correction batch's update keeps
   its id wherever it moves the span);
5. the only unmatched span on each side that overlaps the other: re-bounded.

What is left is added or removed. Matched spans are compared for label,
attributes and provenance. Relations are compared by their type and the
matched spans at their ends, not by their (also positional) ids; a relation
left on each side with the same id and type (an update that changed an end)
is relinked.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from corpus_pkg.findings import Finding
from corpus_pkg.jsonio import decode_bytes
from corpus_pkg.model import Document, Relation, Span
from corpus_pkg.storage import items_of_text

LAYER_ORDER = ("document", "entity", "date", "quote", "claim", "relation")
KINDS = ("added", "removed", "text-changed", "relabeled", "rebounded", "relinked", "attributes", "provenance")


class DiffError(Exception):
    """A side that cannot be read."""


@dataclass
class Corpus:
    """The records of one side, by document."""

    source: str
    documents: dict[str, Document] = field(default_factory=dict)
    spans: dict[str, list[Span]] = field(default_factory=dict)
    relations: dict[str, list[Relation]] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    doc_id: str
    layer: str  # entity, date, quote, claim, relation or document
    kind: str  # one of KINDS
    id: str  # the id on the new side (the old one for a removal)
    old_id: str | None = None
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        mark = {"added": "+", "removed": "-"}.get(self.kind, "~")
        head = f"  {mark} {self.layer:8} {self.kind:12} {self.id}"
        o, n = self.old or {}, self.new or {}
        if self.layer == "document":
            if self.kind == "text-changed":
                return (
                    f"{head}  sha256 {o['sha256'][:12]} -> {n['sha256'][:12]} (length {o['length']} -> {n['length']})"
                )
            d = n or o
            return f"{head}  {d['spans']} spans, {d['relations']} relations"
        if self.layer == "relation" and self.kind == "relinked":
            return (
                f"{head}  {o['type']}: {_short(o['head_text'])} -> {_short(o['tail_text'])}  =>  "
                f"{n['type']}: {_short(n['head_text'])} -> {_short(n['tail_text'])}"
            )
        if self.layer == "relation":
            d = n or o
            return f"{head}  {d['type']}: {_short(d['head_text'])} -> {_short(d['tail_text'])}"
        if self.kind in ("added", "removed"):
            d = n or o
            return f"{head}  [{d['start']}, {d['end']}) {_short(d['text'])} {d['label']}"
        if self.kind == "relabeled":
            return f"{head}  {o['label']} -> {n['label']}  [{n['start']}, {n['end']}) {_short(n['text'])}"
        if self.kind == "rebounded":
            return (
                f"{head}  [{o['start']}, {o['end']}) {_short(o['text'])} -> "
                f"[{n['start']}, {n['end']}) {_short(n['text'])}"
            )
        pairs = ", ".join(f"{k}: {o.get(k)!r} -> {n.get(k)!r}" for k in sorted(set(o) | set(n)))
        return f"{head}  {pairs}"


@dataclass
class Diff:
    old: str
    new: str
    changes: list[Change]
    documents: int

    def counts(self) -> dict[str, int]:
        c = Counter(ch.kind for ch in self.changes)
        return {k: c[k] for k in KINDS if c[k]}

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "documents": self.documents,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
        }

    def render(self) -> str:
        lines: list[str] = []
        current = None
        for ch in self.changes:
            if ch.doc_id != current:
                current = ch.doc_id
                lines.append(ch.doc_id)
            lines.append(ch.render())
        counts = ", ".join(f"{v} {k}" for k, v in self.counts().items()) or "no changes"
        lines.append(f"{self.old} -> {self.new}: {self.documents} document(s) compared; {counts}")
        return "\n".join(lines)


def _short(s: str, width: int = 60) -> str:
    s = s.replace("\n", "⏎")
    return repr(s if len(s) <= width else s[: width - 1] + "…")


# ---------------------------------------------------------------- reading


def _add_file(corpus: Corpus, name: str, data: bytes) -> None:
    text, problem = decode_bytes(data)
    if problem:
        raise DiffError(f"{corpus.source}: {name}: {problem}")
    assert text is not None
    findings: list[Finding] = []
    for item in items_of_text(text, name, findings):
        if isinstance(item, Document):
            corpus.documents[item.doc_id] = item
        elif isinstance(item, Span):
            corpus.spans.setdefault(item.doc_id, []).append(item)
        elif isinstance(item, Relation):
            corpus.relations.setdefault(item.doc_id, []).append(item)
    if findings:
        raise DiffError(f"{corpus.source}: {findings[0].render()}")


@dataclass
class Side:
    """The files of one side by name, each known by its git blob id; contents read only when asked."""

    source: str
    blobs: dict[str, str]
    read: Any  # name -> bytes

    def corpus(self, names: set[str]) -> Corpus:
        corpus = Corpus(self.source)
        for name in sorted(names & self.blobs.keys()):
            _add_file(corpus, name, self.read(name))
        return corpus


def _blob_id(data: bytes) -> str:
    """The id git gives these bytes, so a folder's file compares with a ref's blob without reading the blob."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def folder_side(path: Path) -> Side:
    folder = path / "corpus" if (path / "corpus").is_dir() else path
    files = {f.name: f for f in sorted(folder.glob("*.jsonl"))}
    if not files and folder == path:
        raise DiffError(f"{path} holds neither corpus/ nor *.jsonl files")
    return Side(
        str(path), {name: _blob_id(f.read_bytes()) for name, f in files.items()}, lambda n: files[n].read_bytes()
    )


def read_folder(path: Path) -> Corpus:
    side = folder_side(path)
    return side.corpus(set(side.blobs))


def _git(repo: Path, *args: str) -> bytes:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    if proc.returncode:
        why = proc.stderr.decode(errors="replace").strip() or f"exit status {proc.returncode}"
        raise DiffError(f"git {' '.join(args)}: {why}")
    return proc.stdout


def commit_of(ref: str, repo: Path) -> str:
    """The commit ``ref`` names in the repository holding ``repo``; DiffError if there is none."""
    return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()


def ref_side(ref: str, repo: Path, subdir: str = "annotations/corpus") -> Side:
    """A git ref's corpus files by blob id (``git ls-tree``); a blob is read only when its document is compared."""
    top = Path(_git(repo, "rev-parse", "--show-toplevel").decode().strip())
    commit = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    blobs: dict[str, str] = {}
    if _has_tree(top, commit, subdir):
        for line in _git(top, "ls-tree", "-z", f"{commit}:{subdir}").split(b"\0"):
            if not line:
                continue
            meta, name = line.decode("utf-8").split("\t", 1)
            _mode, kind, blob = meta.split()
            if kind == "blob" and name.endswith(".jsonl"):
                blobs[name] = blob
    return Side(ref, blobs, lambda name: _git(top, "cat-file", "blob", blobs[name]))


def _has_tree(top: Path, commit: str, subdir: str) -> bool:
    proc = subprocess.run(
        ["git", "-C", str(top), "cat-file", "-e", f"{commit}:{subdir}"], capture_output=True, check=False
    )
    return proc.returncode == 0


def side_of(spec: str, repo: Path | None = None) -> Side:
    """A folder if ``spec`` names one, else a git ref in ``repo`` (default: the project's checkout)."""
    path = Path(spec)
    if path.is_dir():
        return folder_side(path)
    if repo is None:
        from corpus_pkg.project import current

        repo = current().root or Path.cwd()
    try:
        return ref_side(spec, repo)
    except DiffError as e:
        raise DiffError(f"{spec!r} is neither a folder nor a git ref in {repo}: {e}") from e


# ---------------------------------------------------------------- comparing


def _span_view(s: Span) -> dict[str, Any]:
    return {"start": s.start, "end": s.end, "text": s.text, "label": s.label}


def _match(
    old: list[Span], new: list[Span], text_changed: bool = False
) -> tuple[list[tuple[Span, Span]], list[Span], list[Span]]:
    pairs: list[tuple[Span, Span]] = []
    old_left, new_left = list(old), list(new)

    def take(pred) -> None:  # pred(old, new) -> bool
        for o in list(old_left):
            hits = [n for n in new_left if pred(o, n)]
            if hits:
                n = hits[0]
                pairs.append((o, n))
                old_left.remove(o)
                new_left.remove(n)

    def overlap(a: Span, b: Span) -> bool:
        return a.start < b.end and b.start < a.end

    take(lambda o, n: o.id == n.id and (o.start, o.end) == (n.start, n.end))
    take(lambda o, n: (o.start, o.end) == (n.start, n.end))
    take(lambda o, n: o.id == n.id and overlap(o, n))
    if text_changed:  # an edit of the text shifts offsets: the same id over the same words is the same span
        take(lambda o, n: o.id == n.id and o.text == n.text)
    take(lambda o, n: o.id == n.id)
    for o in list(old_left):
        mine = [n for n in new_left if overlap(o, n)]
        if len(mine) == 1 and [x for x in old_left if overlap(x, mine[0])] == [o]:
            pairs.append((o, mine[0]))
            old_left.remove(o)
            new_left.remove(mine[0])
    return pairs, old_left, new_left


def _span_changes(doc_id: str, layer: str, o: Span, n: Span) -> list[Change]:
    out = []
    ids = {"id": n.id, "old_id": o.id if o.id != n.id else None}
    if (o.start, o.end) != (n.start, n.end):
        out.append(Change(doc_id, layer, "rebounded", **ids, old=_span_view(o), new=_span_view(n)))
    if o.label != n.label:
        out.append(Change(doc_id, layer, "relabeled", **ids, old=_span_view(o), new=_span_view(n)))
    if o.attributes != n.attributes:
        keys = sorted(k for k in set(o.attributes) | set(n.attributes) if o.attributes.get(k) != n.attributes.get(k))
        out.append(
            Change(
                doc_id,
                layer,
                "attributes",
                **ids,
                old={k: o.attributes.get(k) for k in keys},
                new={k: n.attributes.get(k) for k in keys},
            )
        )
    if o.provenance != n.provenance:
        po, pn = o.provenance.to_dict(), n.provenance.to_dict()
        keys = sorted(k for k in set(po) | set(pn) if po.get(k) != pn.get(k))
        out.append(
            Change(
                doc_id, layer, "provenance", **ids, old={k: po.get(k) for k in keys}, new={k: pn.get(k) for k in keys}
            )
        )
    return out


def _relation_view(r: Relation, spans: dict[str, Span]) -> dict[str, Any]:
    head, tail = spans.get(r.head), spans.get(r.tail)
    return {
        "type": r.type,
        "head": r.head,
        "tail": r.tail,
        "head_text": head.text if head else "?",
        "tail_text": tail.text if tail else "?",
    }


def diff_corpora(old: Corpus, new: Corpus) -> Diff:
    changes: list[Change] = []
    doc_ids = sorted(set(old.documents) | set(new.documents))
    for doc_id in doc_ids:
        od, nd = old.documents.get(doc_id), new.documents.get(doc_id)
        o_spans, n_spans = old.spans.get(doc_id, []), new.spans.get(doc_id, [])
        o_rels, n_rels = old.relations.get(doc_id, []), new.relations.get(doc_id, [])
        if od is None or nd is None:
            kind = "added" if od is None else "removed"
            count = {
                "spans": len(n_spans if od is None else o_spans),
                "relations": len(n_rels if od is None else o_rels),
            }
            changes.append(
                Change(
                    doc_id,
                    "document",
                    kind,
                    doc_id,
                    new=count if od is None else None,
                    old=count if nd is None else None,
                )
            )
            continue
        if od.sha256 != nd.sha256:
            changes.append(
                Change(
                    doc_id,
                    "document",
                    "text-changed",
                    doc_id,
                    old={"sha256": od.sha256, "length": len(od.text)},
                    new={"sha256": nd.sha256, "length": len(nd.text)},
                )
            )
        mapping: dict[str, str] = {}
        for layer in LAYER_ORDER[1:-1]:
            pairs, removed, added = _match(
                [s for s in o_spans if s.layer == layer],
                [s for s in n_spans if s.layer == layer],
                od.sha256 != nd.sha256,
            )
            layer_changes = []
            for o, n in pairs:
                mapping[o.id] = n.id
                layer_changes += _span_changes(doc_id, layer, o, n)
            layer_changes += [Change(doc_id, layer, "removed", s.id, old=_span_view(s)) for s in removed]
            layer_changes += [Change(doc_id, layer, "added", s.id, new=_span_view(s)) for s in added]
            changes += sorted(layer_changes, key=lambda c: (_pos(c), c.id, KINDS.index(c.kind)))
        changes += _relation_changes(
            doc_id, o_rels, n_rels, mapping, {s.id: s for s in o_spans}, {s.id: s for s in n_spans}
        )
    return Diff(old.source, new.source, changes, len(doc_ids))


def _pos(c: Change) -> tuple[int, int]:
    d = c.new if c.new and "start" in c.new else c.old
    return (d["start"], d["end"]) if d and "start" in d else (-1, -1)


def _relation_changes(
    doc_id: str,
    o_rels: list[Relation],
    n_rels: list[Relation],
    mapping: dict[str, str],
    o_spans: dict[str, Span],
    n_spans: dict[str, Span],
) -> list[Change]:
    old_keys = {}
    for r in o_rels:
        key = (r.type, mapping.get(r.head, f"old:{r.head}"), mapping.get(r.tail, f"old:{r.tail}"))
        old_keys[key] = r
    new_keys = {(r.type, r.head, r.tail): r for r in n_rels}
    out = []
    # An end changed under the same id and type (a correction's update): one change, not a removal and an addition.
    gone = {(r.id, r.type): k for k, r in old_keys.items() if k not in new_keys}
    for key, n in sorted(new_keys.items()):
        o_key = gone.get((n.id, n.type)) if key not in old_keys else None
        if o_key is not None:
            o = old_keys.pop(o_key)
            out.append(
                Change(
                    doc_id, "relation", "relinked", n.id, None, _relation_view(o, o_spans), _relation_view(n, n_spans)
                )
            )
            del new_keys[key]
    for key in sorted(set(old_keys) | set(new_keys)):
        o, n = old_keys.get(key), new_keys.get(key)
        if o is None:
            out.append(Change(doc_id, "relation", "added", n.id, new=_relation_view(n, n_spans)))
        elif n is None:
            out.append(Change(doc_id, "relation", "removed", o.id, old=_relation_view(o, o_spans)))
        elif o.provenance != n.provenance:
            po, pn = o.provenance.to_dict(), n.provenance.to_dict()
            keys = sorted(k for k in set(po) | set(pn) if po.get(k) != pn.get(k))
            out.append(
                Change(
                    doc_id,
                    "relation",
                    "provenance",
                    n.id,
                    o.id if o.id != n.id else None,
                    {k: po.get(k) for k in keys},
                    {k: pn.get(k) for k in keys},
                )
            )
    return out


def diff(old: str, new: str, repo: Path | None = None) -> Diff:
    """Compare two sides, each a folder or a git ref.

    Only the files whose bytes differ are read and compared: the cost follows the change, not the
    corpus size. A file identical on both sides is a document compared with no change.
    """
    a, b = side_of(old, repo), side_of(new, repo)
    differ = {name for name in a.blobs.keys() | b.blobs.keys() if a.blobs.get(name) != b.blobs.get(name)}
    result = diff_corpora(a.corpus(differ), b.corpus(differ))
    result.documents += len(a.blobs.keys() & b.blobs.keys()) - len(differ & a.blobs.keys() & b.blobs.keys())
    return result
