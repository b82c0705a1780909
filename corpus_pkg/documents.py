"""Adding source texts as documents and turning drafts into annotations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from corpus_pkg import __version__
from corpus_pkg.anchor import resolve_draft
from corpus_pkg.jsonio import decode_bytes, dumps_lines, write_atomic
from corpus_pkg.model import AnnotatedDocument, Document
from corpus_pkg.storage import Located, document_path, load_corpus, parse, read_lines, serialize, write_document
from corpus_pkg.urls import WEB_SCHEMES, web_url
from corpus_pkg.validate import validate_records


def add_document(source: Path, doc_id: str, root: Path | None = None, **meta: str | None) -> Path:
    url = meta.get("url")
    if url is not None and not web_url(url):
        # Pages link the source URL: a javascript: or data: URL would run in the reader's browser.
        raise ValueError(f"url {url!r}: a document URL must be an absolute {' or '.join(WEB_SCHEMES)} URL")
    text, problem = decode_bytes(source.read_bytes())
    if problem:
        raise ValueError(f"{source}: {problem}")
    assert text is not None
    path = document_path(doc_id, root)
    if path.exists():
        raise ValueError(f"{path} exists: document {doc_id!r} is already in the corpus")
    doc = Document.from_text(doc_id, text, source.name, **meta)
    report = validate_records([Located(str(source), 1, doc.to_dict())])
    if report.errors:
        raise ValueError("\n".join(f.render() for f in report.errors))
    write_document(AnnotatedDocument(doc), root)
    return path


def read_document(doc_id: str, root: Path | None = None) -> AnnotatedDocument:
    path = document_path(doc_id, root)
    if not path.exists():
        raise ValueError(f"document {doc_id!r} is not in the corpus ({path} does not exist)")
    values = [line.value for line in read_lines(path) if line.error is None]
    return parse(values)[0]


def anchor_drafts(
    drafts: list[Path],
    *,
    annotations: Path | None,
    replace: bool,
    out: Path | None,
    status: str,
    echo: Callable[[str], None],
) -> int:
    """Resolve drafts; report problems; optionally replace corpus files or write a batch. Returns an exit code."""
    resolved: list[AnnotatedDocument] = []
    failed = False
    for path in drafts:
        try:
            draft = json.loads(path.read_text(encoding="utf-8"))
            doc = read_document(draft["doc_id"], annotations).document
        except (ValueError, KeyError, TypeError, OSError) as e:
            echo(f"{path}: cannot read draft: {e}")
            failed = True
            continue
        result, errors = resolve_draft(draft, doc, tool_version=__version__, status=status)
        for err in errors:
            echo(err.render(str(path)))
        records = [
            Located(str(path), 0, r) for r in json.loads("[" + ",".join(serialize(result).split("\n")[:-1]) + "]")
        ]
        report = validate_records(records)
        for f in report.findings:
            echo(f.render())
        if errors or report.errors:
            failed = True
        counts = {layer: len(result.spans_in(layer)) for layer in ("entity", "date", "quote", "claim")}
        echo(
            f"{path}: {result.doc_id}: {counts} spans, {len(result.relations)} relations; "
            f"{len(errors) + len(report.errors)} problem(s)"
        )
        resolved.append(result)
    if failed:
        echo("nothing written: fix the problems above first")
        return 1
    if out is not None:
        lines = []
        for d in resolved:
            lines += [s.to_dict() for s in d.spans] + [r.to_dict() for r in d.relations]
        write_atomic(out, dumps_lines(lines))
        echo(f"wrote {out}")
    if replace:
        for d in resolved:
            if write_document(d, annotations):
                echo(f"wrote {document_path(d.doc_id, annotations)}")
        # The whole corpus must still validate (ids are unique corpus-wide).
        load_corpus(annotations)
    return 0


def resolve_draft_folder(folder: Path, annotations: Path | None = None) -> list[AnnotatedDocument]:
    """Resolve every ``<doc_id>.json`` draft in ``folder``; any problem is a ValueError naming the file."""
    out = []
    for path in sorted(folder.glob("*.json")):
        draft = json.loads(path.read_text(encoding="utf-8"))
        doc = read_document(draft["doc_id"], annotations).document
        result, errors = resolve_draft(draft, doc, tool_version=__version__, status="prediction")
        if errors:
            raise ValueError("\n".join(e.render(str(path)) for e in errors))
        out.append(result)
    return out
