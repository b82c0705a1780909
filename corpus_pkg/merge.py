"""Merging a checked batch into the corpus: all or nothing, idempotent, one writer at a time.

``merge_batch`` holds the project's write lock from reading the corpus to the
last rename, so two merges at once run one after the other and the second one
numbers its ids against the first one's result. The files are replaced through
``storage.write_documents``' journal: a merge killed at any point leaves the
previous corpus or, after the next writer's recovery, the complete new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from corpus_pkg.batches import BatchPlan, validate_batch
from corpus_pkg.jsonio import write_atomic
from corpus_pkg.model import AnnotatedDocument, Relation, Span
from corpus_pkg.storage import read_document, write_documents, write_lock
from corpus_pkg.validate import Report


@dataclass
class MergeResult:
    report: Report
    plan: BatchPlan
    recovered: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def apply_plan(plan: BatchPlan, root: Path | None = None) -> list[AnnotatedDocument]:
    """The documents the plan changes, as they will be after the merge (only those are read)."""
    new = {d.doc_id: d for d in plan.documents}
    out = []
    for doc_id in plan.changed_documents():
        d = AnnotatedDocument(new[doc_id]) if doc_id in new else read_document(doc_id, root)
        updated = {r.id: r for r in plan.updated.get(doc_id, [])}
        deleted = {r.id for r in plan.deleted.get(doc_id, [])}
        spans = [s for s in d.spans if s.id not in deleted]
        rels = [r for r in d.relations if r.id not in deleted]
        spans = [u if isinstance(u := updated.get(s.id, s), Span) else s for s in spans]
        rels = [u if isinstance(u := updated.get(r.id, r), Relation) else r for r in rels]
        spans += plan.spans.get(doc_id, [])
        rels += plan.relations.get(doc_id, [])
        out.append(AnnotatedDocument(d.document, spans, rels).sorted())
    return out


def merge_batch(
    batch: Path,
    root: Path,
    *,
    dry_run: bool = False,
    changelog: Path | None = None,
    echo: Callable[[str], None] | None = None,
) -> MergeResult:
    """Check ``batch`` against the corpus and, when it has no error, write it (and its CHANGELOG entry);
    all under the write lock."""
    with write_lock(root, echo=echo) as recovered:
        report, plan = validate_batch(batch, root)
        result = MergeResult(report, plan, recovered)
        if report.errors or plan.empty or dry_run:
            return result
        result.written = write_documents(apply_plan(plan, root), root)
        if changelog is not None and changelog.exists():
            add_to_changelog(changelog, changelog_entry(batch, plan))
        return result


def changelog_entry(batch: Path, plan: BatchPlan) -> str:
    lines = [f"- Merged batch `{batch.name}` (edit this entry: say what the batch is and who made it):"]
    for doc_id, changes in plan.changes().items():
        lines.append(f"  - `{doc_id}`: {', '.join(changes)}")
    return "\n".join(lines) + "\n"


def add_to_changelog(changelog: Path, entry: str) -> None:
    """Insert ``entry`` under the ``## [Unreleased]`` heading (created above the first release if missing)."""
    text = changelog.read_text(encoding="utf-8") if changelog.exists() else "# Changelog\n"
    marker = "## [Unreleased]"
    if marker in text:
        j = text.index("\n", text.index(marker)) + 1
        new = text[:j] + "\n" + entry + text[j:]
    else:
        k = text.find("\n## ")
        if k == -1:
            new = text.rstrip("\n") + "\n\n" + marker + "\n\n" + entry
        else:
            new = text[: k + 1] + marker + "\n\n" + entry + "\n" + text[k + 1 :]
    write_atomic(changelog, new)
