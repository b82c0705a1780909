"""Adding source texts as documents and turning offset-free drafts into annotations."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from corpus_pkg.anchor import resolve_draft
from corpus_pkg.errors import InvalidData, UsageProblem
from corpus_pkg.jsonio import decode_bytes, dumps_lines, write_atomic
from corpus_pkg.labels import LAYERS
from corpus_pkg.model import AnnotatedDocument, Document
from corpus_pkg.storage import document_path, open_input, read_document, write_documents, write_lock
from corpus_pkg.urls import WEB_SCHEMES, web_url
from corpus_pkg.validate import validate_documents
from corpus_pkg.version import __version__


def check_url(url: str | None) -> None:
    """Pages link the source URL: a javascript: or data: URL would run in the reader's browser."""
    if url is not None and not web_url(url):
        raise UsageProblem(f"url {url!r}: a document URL must be an absolute {' or '.join(WEB_SCHEMES)} URL")


def add_document(source: Path, doc_id: str, root: Path | None = None, **meta: str | None) -> Path:
    """Add ``source`` as a new document (its text exactly as the file decodes); under the write lock."""
    check_url(meta.get("url"))
    problems: list = []
    f = open_input(source, problems)
    if f is None:
        raise UsageProblem(problems[0].render())
    with f:
        text, problem = decode_bytes(f.read())
    if problem:
        raise UsageProblem(f"{source}: {problem}")
    assert text is not None
    doc = Document.from_text(doc_id, text, source.name, **meta)
    report = validate_documents([AnnotatedDocument(doc)], str(source))
    if report.errors:
        raise InvalidData("\n".join(f.render() for f in report.errors))
    with write_lock(root):
        path = document_path(doc_id, root)
        if path.exists():
            raise UsageProblem(f"{path} exists: document {doc_id!r} is already in the corpus")
        write_documents([AnnotatedDocument(doc)], root)
    return path


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
        except (ValueError, KeyError, TypeError, OSError, InvalidData) as e:
            echo(f"{path}: cannot read draft: {e}")
            failed = True
            continue
        result, errors = resolve_draft(draft, doc, tool_version=__version__, status=status)
        for err in errors:
            echo(err.render(str(path)))
        report = validate_documents([result], str(path))
        for f in report.findings:
            echo(f.render())
        if errors or report.errors:
            failed = True
        counts = {layer: len(result.spans_in(layer)) for layer in LAYERS}
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
        # Ids name their document, so a document valid on its own keeps the corpus valid.
        with write_lock(annotations):
            for p in write_documents(resolved, annotations):
                echo(f"wrote {p}")
    return 0


def resolve_draft_folder(
    folder: Path, annotations: Path | None = None, documents: Mapping[str, Document] | None = None
) -> list[AnnotatedDocument]:
    """Resolve every ``<doc_id>.json`` draft in ``folder`` against ``documents`` (default: the corpus in
    ``annotations``); any problem is a ValueError naming the file."""
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            draft = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ValueError(f"{path}: cannot read draft: {e}") from e
        doc_id = draft.get("doc_id") if isinstance(draft, dict) else None
        if not isinstance(doc_id, str):
            raise ValueError(f"{path}: a draft must be a JSON object with a string 'doc_id'")
        if documents is not None:
            if doc_id not in documents:
                raise ValueError(f"{path}: document {doc_id!r} is not on the side the draft is compared with")
            doc = documents[doc_id]
        else:
            try:
                doc = read_document(doc_id, annotations).document
            except InvalidData as e:
                raise ValueError(f"{path}: {e}") from e
        result, errors = resolve_draft(draft, doc, tool_version=__version__, status="prediction")
        if errors:
            raise ValueError("\n".join(e.render(str(path)) for e in errors))
        out.append(result)
    return out
