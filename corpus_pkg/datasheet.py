"""The generated parts of DATASHEET.md: every number in it comes from the data.

Blocks between ``<!-- BEGIN generated: NAME -->`` and ``<!-- END generated: NAME -->``
are rewritten by ``corpus datasheet --write``; ``corpus datasheet`` (and a test)
fails when the text has drifted from the data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from corpus_pkg.project import annotations_dir

BLOCK = re.compile(
    r"(<!-- BEGIN generated: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- END generated: (?P=name) -->)", re.DOTALL
)


def _stats(root: Path) -> str:
    from corpus_pkg.stats import compute, render_markdown
    from corpus_pkg.validate import load_valid_corpus

    return render_markdown(compute(load_valid_corpus(root)))


def _agreement(root: Path) -> str:
    from corpus_pkg.agreement import compare, render_markdown
    from corpus_pkg.documents import resolve_draft_folder

    passes = root / "passes"
    return render_markdown(compare(resolve_draft_folder(passes / "a", root), resolve_draft_folder(passes / "b", root)))


def _documents(root: Path) -> str:
    from corpus_pkg.storage import load_corpus

    docs = load_corpus(root)
    lines = [
        "| doc_id | source file | title | publisher | author | published | DCT | characters | sha256 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for d in docs:
        m = d.document
        lines.append(
            f"| {m.doc_id} | {m.source_file} | {m.title or '—'} | {m.publisher or '—'} | "
            f"{m.author or '—'} | {m.published or '—'} | {m.dct} | {len(m.text)} | `{m.sha256[:16]}…` |"
        )
    lines.append("")
    for d in docs:
        if d.document.dct_note:
            lines.append(f"- **{d.doc_id}** (DCT {d.document.dct}): {d.document.dct_note}")
    return "\n".join(lines) + "\n"


GENERATORS: dict[str, Callable[[Path], str]] = {"stats": _stats, "agreement": _agreement, "documents": _documents}


def render(text: str, root: Path | None = None) -> str:
    """``text`` with every generated block rewritten from the annotations in ``root``."""
    root = Path(root) if root else annotations_dir()

    def sub(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in GENERATORS:
            raise ValueError(f"unknown generated block {name!r}")
        return m.group(1) + GENERATORS[name](root) + m.group(4)

    return BLOCK.sub(sub, text)
