"""``corpus review``: list, accept and reject annotators' submitted work before it becomes gold."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import click

from corpus_pkg.cli.app import UsageError, acting_on, annotations_option, format_option, main

if TYPE_CHECKING:
    from corpus_pkg.review import ReviewResult


@main.group()
def review() -> None:
    """Review submitted work: spans and relations pulled from annotators that a maintainer has not accepted yet.

    Builds publish gold only, so submitted work reaches the dataset only once it is accepted.
    """


@review.command("list")
@click.argument("doc_ids", nargs=-1)
@click.option("--annotator", default=None, metavar="EMAIL", help="Only this annotator's work.")
@format_option("text", "json")
@annotations_option
def list_(doc_ids: tuple[str, ...], annotator: str | None, fmt: str, annotations: Path | None) -> None:
    """List the submitted spans and relations of the named documents (default: every document)."""
    from corpus_pkg.review import folder, pending

    project = acting_on(annotations)
    found = pending(project.annotations, doc_ids, annotator)
    if fmt == "json":
        click.echo(
            json.dumps(
                {doc_id: [p.to_dict() for p in rows] for doc_id, rows in found.items()}, ensure_ascii=False, indent=2
            )
        )
        return
    for doc_id, rows in found.items():
        click.echo(doc_id)
        for p in rows:
            click.echo(f'  {p.id}  {p.layer} {p.label}  "{p.text}"  {p.annotator}  {p.created or "-"}')
    n = sum(len(rows) for rows in found.values())
    who = f" by {annotator}" if annotator else ""
    click.echo(
        f"{n} submitted span(s) and relation(s){who} in {len(found)} document(s) of {folder(project.annotations)}"
    )


def _reviewer(root: Path | None) -> str:
    """Who reviews: git's user.email in the checkout, as a commit would record it."""
    try:
        proc = subprocess.run(
            ["git", "config", "user.email"], cwd=root or None, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        proc = None
    email = proc.stdout.strip() if proc is not None and proc.returncode == 0 else ""
    if not email:
        raise UsageError("no reviewer: pass --reviewer EMAIL (or set CORPUS_REVIEWER or git's user.email)")
    return email


@review.command()
@click.argument("ids", nargs=-1)
@click.option("--doc", "doc_ids", multiple=True, metavar="DOC_ID", help="Every submitted record of this document.")
@click.option("--annotator", default=None, metavar="EMAIL", help="Only this annotator's work (of --doc or --all).")
@click.option("--all", "every", is_flag=True, help="Every submitted record of the corpus.")
@click.option(
    "--reviewer",
    envvar="CORPUS_REVIEWER",
    default=None,
    metavar="EMAIL",
    help="Recorded as the reviewer [env CORPUS_REVIEWER; default: git's user.email].",
)
@annotations_option
def accept(
    ids: tuple[str, ...],
    doc_ids: tuple[str, ...],
    annotator: str | None,
    every: bool,
    reviewer: str | None,
    annotations: Path | None,
) -> None:
    """Make submitted spans and relations gold, recording the reviewer; a span's submitted relations come along."""
    from corpus_pkg.review import accept as run

    if not (ids or doc_ids or every or annotator):
        raise UsageError("name what to accept: IDS, --doc DOC_ID, --annotator EMAIL or --all")
    project = acting_on(annotations, writes="review accept")
    reviewer = reviewer or _reviewer(project.root)
    result = run(
        project.annotations,
        ids,
        doc_ids=doc_ids,
        annotator=annotator,
        every=every,
        reviewer=reviewer,
        echo=lambda s: click.echo(s, err=True),
    )
    _report(result, "accepted as gold", f" (reviewer {reviewer})", project.annotations)


@review.command()
@click.argument("ids", nargs=-1, required=True)
@annotations_option
def reject(ids: tuple[str, ...], annotations: Path | None) -> None:
    """Remove submitted spans and relations, with the submitted relations pointing at removed spans."""
    from corpus_pkg.review import reject as run

    project = acting_on(annotations, writes="review reject")
    result = run(project.annotations, ids, echo=lambda s: click.echo(s, err=True))
    _report(result, "rejected (removed)", "", project.annotations)


def _report(result: ReviewResult, verb: str, by: str, annotations: Path) -> None:
    from corpus_pkg.review import folder

    for line in result.recovered:
        click.echo(line, err=True)
    for doc_id, records in result.changed.items():
        click.echo(f"{doc_id}: {verb}: {' '.join(r.id for r in records)}")
    for path in result.written:
        click.echo(f"wrote {path}")
    click.echo(f"{result.count} span(s) and relation(s) {verb}{by} in {folder(annotations)}")
