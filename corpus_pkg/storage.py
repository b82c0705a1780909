"""The annotations on disk: one JSONL file per document under ``annotations/corpus/``.

A file holds the document record on its first line, then its spans sorted by
(start, end, layer, id), then its relations sorted by (type, head, tail, id);
keys are sorted. Unchanged data is rewritten byte-identically, so a git diff
of an annotation change shows only the lines that changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus_pkg.jsonio import Line, decode_bytes, dumps_lines, iter_jsonl_text, write_atomic
from corpus_pkg.model import AnnotatedDocument, Document, Relation, Span
from corpus_pkg.paths import annotations_dir

CORPUS_SUBDIR = "corpus"


def corpus_dir(root: Path | None = None) -> Path:
    return (root or annotations_dir()) / CORPUS_SUBDIR


def corpus_files(root: Path | None = None) -> list[Path]:
    return sorted(corpus_dir(root).glob("*.jsonl"))


def document_path(doc_id: str, root: Path | None = None) -> Path:
    return corpus_dir(root) / f"{doc_id}.jsonl"


@dataclass(frozen=True)
class Located:
    """A parsed JSON value with the file and line it came from."""

    file: str
    line: int
    value: Any


class ReadError(Exception):
    """A file that cannot be read at all (missing, not UTF-8, BOM)."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.message = message


def read_lines(path: Path) -> Iterator[Line]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ReadError(path, e.strerror or str(e)) from e
    text, problem = decode_bytes(data)
    if problem:
        raise ReadError(path, problem)
    assert text is not None
    yield from iter_jsonl_text(text)


def serialize(doc: AnnotatedDocument) -> str:
    d = doc.sorted()
    records: list[dict[str, Any]] = [d.document.to_dict()]
    records += [s.to_dict() for s in d.spans]
    records += [r.to_dict() for r in d.relations]
    return dumps_lines(records)


def parse(values: Iterable[dict[str, Any]]) -> list[AnnotatedDocument]:
    """Build documents from already validated records (any order)."""
    docs: dict[str, AnnotatedDocument] = {}
    spans: list[Span] = []
    rels: list[Relation] = []
    for v in values:
        kind = v.get("record")
        if kind == "document":
            doc = Document.from_dict(v)
            docs[doc.doc_id] = AnnotatedDocument(doc)
        elif kind == "span":
            spans.append(Span.from_dict(v))
        elif kind == "relation":
            rels.append(Relation.from_dict(v))
    for s in spans:
        docs[s.doc_id].spans.append(s)
    for r in rels:
        docs[r.doc_id].relations.append(r)
    return [docs[k].sorted() for k in sorted(docs)]


def write_document(doc: AnnotatedDocument, root: Path | None = None) -> bool:
    """Write one document file atomically; False when the bytes were already there."""
    return write_atomic(document_path(doc.doc_id, root), serialize(doc))


def load_corpus(root: Path | None = None, *, check: bool = True) -> list[AnnotatedDocument]:
    """Read every document; with ``check`` (the default) refuse a corpus that does not validate."""
    if check:
        from corpus_pkg.validate import validate_corpus

        report = validate_corpus(root)
        if report.errors:
            first = report.errors[0]
            raise ValueError(f"the corpus does not validate ({len(report.errors)} errors); first: {first.render()}")
    values: list[dict[str, Any]] = []
    for path in corpus_files(root):
        for line in read_lines(path):
            if line.error is None:
                values.append(line.value)
    return parse(values)
