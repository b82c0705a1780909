"""``corpus render``: HTML pages of annotated documents."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_pkg.cli.app import UsageError, acting_on, annotations_option, main


@main.command()
@click.argument("doc_ids", nargs=-1)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the pages (created if missing).",
)
@annotations_option
def render(doc_ids: tuple[str, ...], out: Path, annotations: Path | None) -> None:
    """Write self-contained HTML pages (one per document, plus index.html) with every layer highlighted.

    Without DOC_IDs every document is rendered.
    """
    from corpus_pkg.render import render_corpus
    from corpus_pkg.validate import load_valid_corpus

    project = acting_on(annotations)
    docs = load_valid_corpus(project.annotations)
    if doc_ids:
        known = {d.doc_id for d in docs}
        unknown = [d for d in doc_ids if d not in known]
        if unknown:
            raise UsageError(f"not in the corpus: {', '.join(unknown)}")
        docs = [d for d in docs if d.doc_id in set(doc_ids)]
    for path in render_corpus(docs, out):
        click.echo(f"wrote {path}")
    click.echo(f"rendered {len(docs)} document(s) of {project.annotations} into {out}")
