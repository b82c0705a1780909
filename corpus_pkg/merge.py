"""Merging a checked batch into annotations/: all or nothing, idempotent.

Files are replaced through a journal so a merge killed at any point leaves
either the previous corpus or, after recovery, the complete new one:

1. every new file is written next to its target as ``.<name>.merge-tmp``
   and fsynced (killed here: the previous files are intact, the temps are
   removed by the next recovery);
2. the journal ``annotations/.merge-journal.json`` naming the temps is
   written atomically: this is the commit point;
3. each temp is renamed over its target, then the journal is removed.

``recover()`` runs before every read or merge and rolls a committed journal
forward.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from corpus_pkg.batches import BatchPlan
from corpus_pkg.jsonio import write_atomic
from corpus_pkg.model import AnnotatedDocument, Document, Relation, Span
from corpus_pkg.paths import annotations_dir
from corpus_pkg.storage import corpus_dir, document_path, load_corpus, serialize

JOURNAL = ".merge-journal.json"
TMP_SUFFIX = ".merge-tmp"
# Fault injection for the crash tests: the merge SIGKILLs itself at this point.
KILL_AT_ENV = "CORPUS_MERGE_KILL_AT"


def _crash_point(name: str) -> None:
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _root(root: Path | None) -> Path:
    return Path(root) if root else annotations_dir()


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def recover(root: Path | None = None) -> list[str]:
    """Finish or clean up an interrupted merge; return what was done."""
    base = _root(root)
    journal = base / JOURNAL
    done = []
    if journal.exists():
        entries = json.loads(journal.read_text(encoding="utf-8"))
        for tmp, target in entries:
            t, dst = base / tmp, base / target
            if t.exists():
                os.replace(t, dst)
                done.append(f"completed {target}")
        journal.unlink()
    cdir = corpus_dir(base)
    if cdir.exists():
        for stray in cdir.glob(f".*{TMP_SUFFIX}"):
            stray.unlink()
            done.append(f"removed unfinished {stray.name}")
    return done


def apply_plan(plan: BatchPlan, root: Path | None = None) -> list[AnnotatedDocument]:
    """The documents the plan changes, as they will be after the merge."""
    docs = {d.doc_id: d for d in load_corpus(root)}
    for v in plan.documents:
        docs[v["doc_id"]] = AnnotatedDocument(Document.from_dict(v))
    changed = {v["doc_id"] for v in plan.documents} | set(plan.spans) | set(plan.relations)
    out = []
    for doc_id in sorted(changed):
        d = docs[doc_id]
        spans = d.spans + [Span.from_dict(s) for s in plan.spans.get(doc_id, [])]
        rels = d.relations + [Relation.from_dict(r) for r in plan.relations.get(doc_id, [])]
        out.append(AnnotatedDocument(d.document, spans, rels).sorted())
    return out


def write_transaction(docs: list[AnnotatedDocument], root: Path | None = None) -> list[Path]:
    """Replace the files of ``docs`` all together (see the module doc). Returns the files that changed."""
    base = _root(root)
    recover(base)
    cdir = corpus_dir(base)
    cdir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    for d in docs:
        target = document_path(d.doc_id, base)
        if not _inside(target, cdir):  # doc ids are validated; this guards the write itself
            raise ValueError(f"refusing to write outside {cdir}: {target}")
        content = serialize(d)
        if target.exists() and target.read_text(encoding="utf-8") == content:
            continue
        tmp = target.with_name(f".{target.name}{TMP_SUFFIX}")
        with open(tmp, "wb") as f:
            data = content.encode("utf-8")
            f.write(data[: len(data) // 2])
            _crash_point("writing")
            f.write(data[len(data) // 2 :])
            f.flush()
            os.fsync(f.fileno())
        staged.append((tmp, target))
    if not staged:
        return []
    entries = [[str(t.relative_to(base)), str(p.relative_to(base))] for t, p in staged]
    _crash_point("staged")
    write_atomic(base / JOURNAL, json.dumps(entries))
    _crash_point("committed")
    for tmp, target in staged:
        os.replace(tmp, target)
        _crash_point("renaming")
    dir_fd = os.open(cdir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    (base / JOURNAL).unlink()
    return [p for _, p in staged]


def changelog_entry(batch: Path, plan: BatchPlan) -> str:
    lines = [f"- Merged batch `{batch.name}` (edit this entry: say what the batch is and who made it):"]
    for doc_id, counts in plan.summary().items():
        parts = ", ".join(f"+{n} {k}" for k, n in sorted(counts.items()))
        lines.append(f"  - `{doc_id}`: {parts}")
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
