"""The generated parts of DATASHEET.md: every number in it comes from the data.

Blocks between ``<!-- BEGIN generated: NAME -->`` and ``<!-- END generated: NAME -->``
are rewritten by ``corpus datasheet --write``; ``corpus datasheet`` (and a test)
fails when the text has drifted from the data.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_pkg.errors import InvalidData
from corpus_pkg.project import annotations_dir

if TYPE_CHECKING:
    from corpus_pkg.agreement import Disagreement, LayerAgreement
    from corpus_pkg.model import AnnotatedDocument

BLOCK = re.compile(
    r"(<!-- BEGIN generated: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- END generated: (?P=name) -->)", re.DOTALL
)


def _stats(root: Path) -> str:
    from corpus_pkg.stats import compute, render_markdown
    from corpus_pkg.validate import load_valid_corpus

    return render_markdown(compute(load_valid_corpus(root)))


# The gold as released before pass c was adjudicated into it: the independent figure is measured against it.
RELEASED = "v0.1.0"
# Its commit: any full clone has it even without tags (a clone may be made with --no-tags); the tag, where
# present, must name this very commit.
RELEASED_COMMIT = "96a902c3be5d4baf578748cae86f579f9bde6c1d"
PASSES = {"a": "pass a", "b": "pass b", "c": "pass c"}


class Figures:
    """The agreement figures one render needs, each computed once.

    The released gold is read from its git tag in the checkout that holds ``root`` (with
    :mod:`corpus_pkg.diff`, not from the working tree), so the comparison with it does not change when the
    corpus does; pass c's drafts are resolved against that release's texts.
    """

    def __init__(self, root: Path, repo: Path | None = None) -> None:
        self.root = root
        self.repo = repo if repo is not None else root

    @cached_property
    def release(self) -> tuple[str, list[AnnotatedDocument]]:
        """The released gold's commit and documents (gold spans only)."""
        from corpus_pkg.agreement import only_status, open_side
        from corpus_pkg.diff import DiffError, commit_of

        try:
            tagged = commit_of(RELEASED, self.repo)
        except DiffError:
            tagged = None
        if tagged is not None and tagged != RELEASED_COMMIT:
            raise ValueError(
                f"git tag {RELEASED} in the repository at {self.repo} names commit {tagged}, but {RELEASED} was "
                f"released as {RELEASED_COMMIT}: the tag was moved"
            )
        try:
            commit = commit_of(RELEASED_COMMIT, self.repo)
        except DiffError as e:
            raise ValueError(
                f"the datasheet compares pass c with the gold released as git tag {RELEASED} (commit "
                f"{RELEASED_COMMIT}), which is not in the repository at {self.repo} (a shallow clone? "
                f"`git fetch --unshallow --tags`): {e}"
            ) from e
        side = open_side(commit, self.repo)
        assert side.docs is not None
        return commit, only_status(side.docs)

    @cached_property
    def pass_c(self) -> list[AnnotatedDocument]:
        from corpus_pkg.documents import resolve_draft_folder

        texts = {d.doc_id: d.document for d in self.release[1]}
        return resolve_draft_folder(self.root / "passes" / "c", self.root, texts)

    @cached_property
    def independent(self) -> dict[str, LayerAgreement]:
        from corpus_pkg.agreement import compare

        return compare(self.release[1], self.pass_c)

    @cached_property
    def independent_disagreements(self) -> list[Disagreement]:
        from corpus_pkg.agreement import disagreements

        return disagreements(self.release[1], self.pass_c)

    @cached_property
    def adjudicated(self) -> dict[str, LayerAgreement]:
        """Pass c against the current gold, its drafts resolved against the current texts."""
        from corpus_pkg.agreement import compare, only_status
        from corpus_pkg.documents import resolve_draft_folder
        from corpus_pkg.storage import load_corpus

        gold = only_status(load_corpus(self.root))
        texts = {d.doc_id: d.document for d in gold}
        return compare(gold, resolve_draft_folder(self.root / "passes" / "c", self.root, texts))

    @cached_property
    def passes_a_b(self) -> dict[str, LayerAgreement]:
        from corpus_pkg.agreement import compare
        from corpus_pkg.documents import resolve_draft_folder

        passes = self.root / "passes"
        return compare(resolve_draft_folder(passes / "a", self.root), resolve_draft_folder(passes / "b", self.root))


def _agreement(f: Figures) -> str:
    from corpus_pkg.agreement import render_markdown

    return render_markdown(f.passes_a_b, (PASSES["a"], PASSES["b"]))


def _agreement_independent(f: Figures) -> str:
    from corpus_pkg.agreement import render_markdown

    commit = f.release[0]
    return (
        f"Gold: git tag `{RELEASED}` (commit `{commit[:12]}`), gold spans only; pass c's drafts resolved against "
        f"its texts.\n\n" + render_markdown(f.independent, (f"gold {RELEASED}", PASSES["c"]), full=False)
    )


def _disagreements_independent(f: Figures) -> str:
    from corpus_pkg.agreement import render_disagreement_table

    return render_disagreement_table(f.independent_disagreements, (f"gold {RELEASED}", PASSES["c"]))


def _agreement_adjudicated(f: Figures) -> str:
    from corpus_pkg.agreement import render_markdown

    return render_markdown(f.adjudicated, ("gold (current)", PASSES["c"]), full=False)


LAYER_NAMES = {"entity": "entities", "date": "dates", "quote": "quotes", "claim": "claims"}
ATTRIBUTE_NAMES = {
    ("entity", "label"): "entity type",
    ("entity", "kind"): "entity kind",
    ("date", "type"): "TIMEX3 type",
    ("date", "mod"): "TIMEX3 mod",
    ("quote", "kind"): "quote kind",
    ("claim", "checkworthy"): "check-worthiness",
    ("claim", "factuality"): "factuality",
    ("claim", "source"): "claim source",
}


def headline(f: Figures) -> str:
    """The agreement paragraph of the dataset card (and of the datasheet): the headline figures."""
    from corpus_pkg.agreement import kappa_text

    ind, ab = f.independent, f.passes_a_b

    def listing(values: list[str]) -> str:
        return ", ".join(values[:-1]) + " and " + values[-1] if len(values) > 1 else "".join(values)

    strict = listing([f"{la.strict_f1:.3f} on {LAYER_NAMES[k]}" for k, la in ind.items()])
    overlap = ", ".join(f"{la.overlap_f1:.3f}" for la in ind.values())
    kappas = "; ".join(
        f"{ATTRIBUTE_NAMES[(layer, name)]} {kappa_text(v)}" + (" (one category only: undefined)" if v is None else "")
        for layer, la in ind.items()
        for name, v in la.kappa.items()
    )
    ab_perfect = [LAYER_NAMES[k] for k, la in ab.items() if la.strict_f1 == 1.0]
    ab_text = (
        f"The two earlier passes (a and b) agree at strict F1 1.000 on {listing(ab_perfect)}, but they are not "
        "independent (guidelines revision 1 quoted these texts as examples) and overstate agreement."
        if ab_perfect
        else "The two earlier passes (a and b) are not independent (guidelines revision 1 quoted these texts as "
        "examples) and overstate agreement."
    )
    paragraph = (
        "**Agreement.** An independent pass (pass c, made by a language model, Claude (Anthropic), from the "
        "texts and guidelines revision 2 alone) agrees with the gold before adjudication (release "
        f"{RELEASED}) at strict span F1 {strict} (overlap F1 {overlap}). Cohen's kappa on the spans both "
        f"have with the same extent: {kappas}. {ab_text}"
    )
    return textwrap.fill(paragraph, width=108, break_long_words=False, break_on_hyphens=False) + "\n"


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


GENERATORS: dict[str, Callable[[Figures], str]] = {
    "stats": lambda f: _stats(f.root),
    "agreement": _agreement,
    "agreement-independent": _agreement_independent,
    "disagreements-independent": _disagreements_independent,
    "agreement-adjudicated": _agreement_adjudicated,
    "agreement-headline": headline,
    "documents": lambda f: _documents(f.root),
}


def render(text: str, root: Path | None = None, repo: Path | None = None) -> str:
    """``text`` with every generated block rewritten from the annotations in ``root`` (and the released
    gold in the git repository holding ``repo``, default ``root``).

    ValueError names the block whose data cannot be read.
    """
    figures = Figures(Path(root) if root else annotations_dir(), repo)

    def sub(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in GENERATORS:
            raise ValueError(f"unknown generated block {name!r}")
        try:
            body = GENERATORS[name](figures)
        except (ValueError, InvalidData) as e:
            raise ValueError(f"generated block {name!r}: {e}") from e
        return m.group(1) + body + m.group(4)

    return BLOCK.sub(sub, text)


def block(text: str, name: str) -> str | None:
    """The body of the generated block ``name`` in ``text``, or None if it has none."""
    for m in BLOCK.finditer(text):
        if m.group("name") == name:
            return m.group("body")
    return None
