"""Commands on the annotations: validate, stats, merge, add-document, anchor, agreement, schema, datasheet."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from corpus_pkg.cli.app import (
    EXIT_INVALID,
    EXIT_USAGE,
    InvalidError,
    UsageError,
    acting_on,
    annotations_option,
    format_option,
    main,
    project_of,
)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option("text", "json")
@annotations_option
@click.option("--rules", is_flag=True, help="List the rules and exit.")
@click.option(
    "--jobs",
    type=click.IntRange(1),
    default=min(2, os.cpu_count() or 1),
    show_default=True,
    help="Processes for large batch files (split at document boundaries).",
)
def validate(paths: tuple[Path, ...], fmt: str, annotations: Path | None, rules: bool, jobs: int) -> None:
    """Validate the whole corpus (no PATHS) or the given corpus files or batches.

    Every problem is reported with its file, line, field, rule and the text
    around the span. Exit 0 when valid, 1 when invalid, 2 for usage or I/O errors.
    Validation only reads.
    """
    from corpus_pkg.findings import RULES

    if rules:
        for name, meaning in RULES.items():
            click.echo(f"{name:20} {meaning}")
        return
    project = acting_on(annotations)
    if paths:
        from corpus_pkg.batches import validate_paths

        report = validate_paths(list(paths), project.annotations, jobs=jobs)
    else:
        from corpus_pkg.validate import validate_corpus

        report = validate_corpus(project.annotations)
    io_only = report.errors and all(f.rule == "io" for f in report.errors)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "valid": not report.errors,
                    "corpus": str(project.annotations),
                    "files": report.files,
                    "counts": dict(report.counts),
                    "findings": [f.to_dict() for f in report.findings],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for f in report.findings:
            click.echo(f.render())
        kinds = ", ".join(sorted(set(report.files.values()))) or "none"
        counts = ", ".join(f"{v} {k}s" for k, v in sorted(report.counts.items()))
        click.echo(
            f"{len(report.files)} file(s) ({kinds}) against the corpus in {project.annotations}: "
            f"{counts or 'no records'}; {len(report.errors)} error(s), {len(report.warnings)} warning(s)",
            err=bool(report.errors),
        )
    if io_only:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_INVALID if report.errors else 0)


@main.command("add-document")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--doc-id", required=True, help="Stable readable id, e.g. 000-military-cooperation.")
@click.option("--title", default=None)
@click.option("--publisher", default=None)
@click.option("--author", default=None)
@click.option("--url", default=None, help="The source's http or https address (other schemes are refused).")
@click.option("--published", default=None, help="ISO date the text states.")
@click.option("--dct", default=None, help="Document creation time used to normalize dates.")
@click.option("--dct-note", default=None, help="Why this DCT, where it is a judgement.")
@click.option("--language", default="en", show_default=True)
@annotations_option
def add_document(source: Path, doc_id: str, annotations: Path | None, **meta: str | None) -> None:
    """Add a source text as a new document (its text is kept exactly as the file decodes)."""
    from corpus_pkg.documents import add_document as add

    project = acting_on(annotations, writes="add-document")
    path = add(source, doc_id, project.annotations, **meta)
    click.echo(f"wrote {path}")


@main.command()
@click.argument("drafts", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace", is_flag=True, help="Replace the document's spans and relations in the corpus with the draft's."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the resolved records as a JSONL batch here.",
)
@click.option("--status", type=click.Choice(["gold", "prediction"]), default="gold", show_default=True)
@annotations_option
def anchor(drafts: tuple[Path, ...], replace: bool, out: Path | None, status: str, annotations: Path | None) -> None:
    """Resolve offset-free drafts (surface text + context) to spans and check them.

    Without --replace or --out it only reports problems.
    """
    from corpus_pkg.documents import anchor_drafts

    project = acting_on(annotations, writes="anchor --replace" if replace else None)
    sys.exit(
        anchor_drafts(
            list(drafts), annotations=project.annotations, replace=replace, out=out, status=status, echo=click.echo
        )
    )


@main.command()
@click.option("--write", is_flag=True, help="Write the generated JSON Schemas into schema/.")
def schema(write: bool) -> None:
    """Check (or --write) the JSON Schemas generated from schema/labels.json."""
    from corpus_pkg.jsonio import dumps_pretty, write_atomic
    from corpus_pkg.schemas import all_schemas

    project = project_of(reading=not write)
    if write:
        project.require_writable("schema --write")
    stale = []
    for name, content in all_schemas().items():
        path = project.schema / name
        text = dumps_pretty(content)
        if write:
            if write_atomic(path, text):
                click.echo(f"wrote {path}")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    if stale:
        raise InvalidError(
            f"{project.schema}: out of date with labels.json: {', '.join(stale)} (run: corpus schema --write)"
        )


@main.command()
@format_option("markdown", "json")
@annotations_option
def stats(fmt: str, annotations: Path | None) -> None:
    """Counts per document, layer and label (the figures in DATASHEET.md come from here)."""
    from corpus_pkg.stats import compute, render_markdown
    from corpus_pkg.validate import load_valid_corpus

    project = acting_on(annotations)
    st = compute(load_valid_corpus(project.annotations))
    if fmt == "json":
        click.echo(json.dumps(st.to_dict() | {"corpus": str(project.annotations)}, indent=2))
    else:
        click.echo(render_markdown(st), nl=False)
        click.echo(f"(corpus: {project.annotations})")


@main.command()
def summarize() -> None:
    """The main job: load every dataset config, validate the corpus, print the summary.

    Acts on the project's dataset and annotations: the checkout's, or outside any
    checkout the copy shipped with the package (its embedded defaults).
    """
    from corpus_pkg.summary import summarize as run

    sys.exit(run(project_of(), click.echo))


@main.command()
@click.argument("side_a")
@click.argument("side_b")
@format_option("markdown", "json")
@annotations_option
@click.option("--disagreements", is_flag=True, help="Also list every span, boundary and attribute the sides differ on.")
def agreement(side_a: str, side_b: str, fmt: str, annotations: Path | None, disagreements: bool) -> None:
    """Span-level agreement per layer between two annotations of the same texts.

    Each side is a folder of offset-free drafts (an annotation pass, e.g. annotations/passes/c), a corpus
    folder (an annotations root or its corpus/), or a git ref of the corpus (e.g. v0.1.0). Strict and
    overlap span F1 (nervaluate), and Cohen's kappa for the categorical attributes on spans both sides
    have with the same extent (n/a where only one category was used). SIDE_A is the reference: give the
    gold first. Drafts are resolved against the other side's texts when it is a corpus, else against the
    project's corpus.
    """
    from corpus_pkg.agreement import compare, load_sides, render_disagreement_table, render_markdown
    from corpus_pkg.agreement import disagreements as list_disagreements

    project = acting_on(annotations)
    try:
        a, b, where = load_sides(side_a, side_b, project.annotations, project.root)
        result = compare(a, b)
        found = list_disagreements(a, b) if disagreements else []
    except ValueError as e:
        raise InvalidError(str(e)) from e
    names = (side_a, side_b)
    if fmt == "json":
        out: dict = {"a": side_a, "b": side_b, "layers": {k: v.to_dict() for k, v in result.items()}}
        if disagreements:
            out["disagreements"] = [d.to_dict() for d in found]
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    for d in found:
        click.echo(d.render(names))
    click.echo(render_markdown(result, names), nl=False)
    if disagreements:
        click.echo()
        click.echo(render_disagreement_table(found, names), nl=False)
    if where:
        click.echo(f"(drafts resolved against {where})")


@main.command()
@click.argument("batch", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@click.option(
    "--changelog",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CHANGELOG.md to add an entry to (default: the project's, if any).",
)
@annotations_option
def merge(batch: Path, dry_run: bool, changelog: Path | None, annotations: Path | None) -> None:
    """Merge a checked batch (JSONL or Label Studio export) into the corpus: all or nothing.

    A batch with any error changes nothing (exit 1). Spans already in the corpus
    are skipped, so merging the same batch twice adds nothing. Merges run one at a
    time: a second one waits for the first, then checks against its result.
    """
    from corpus_pkg.merge import merge_batch

    project = acting_on(annotations, writes="merge")
    log = changelog or project.changelog
    result = merge_batch(
        batch, project.annotations, dry_run=dry_run, changelog=log, echo=lambda s: click.echo(s, err=True)
    )
    for line in result.recovered:
        click.echo(f"recovered an interrupted write: {line}")
    report, plan = result.report, result.plan
    for f in report.findings:
        click.echo(f.render())
    if any(f.rule == "io" for f in report.errors):
        raise UsageError(f"cannot read {batch}; nothing was changed in {project.annotations}")
    if report.errors:
        raise InvalidError(f"rejected: {len(report.errors)} error(s); nothing was changed in {project.annotations}")
    for doc_id, changes in plan.changes().items():
        click.echo(f"{doc_id}: " + ", ".join(changes))
    if not report.counts:
        click.echo(f"{batch} is empty (no records): nothing to merge into {project.annotations}")
        return
    already = f", {plan.unchanged_edits} edit(s) already applied" if plan.unchanged_edits else ""
    click.echo(f"{plan.skipped_duplicates} duplicate(s) skipped, {plan.moved} span(s) re-anchored{already}")
    if plan.empty:
        click.echo(f"nothing to merge: every record and edit is already in {project.annotations}")
        return
    if dry_run:
        click.echo(f"dry run: nothing written to {project.annotations}")
        return
    for p in result.written:
        click.echo(f"wrote {p}")
    if log is not None and log.exists():
        click.echo(f"added an entry to {log}: edit it before committing")
    click.echo(f"merged {batch} into {project.annotations}")


@main.command()
@click.option("--write", is_flag=True, help="Rewrite the generated blocks of DATASHEET.md.")
@click.option("--path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Default: DATASHEET.md.")
def datasheet(write: bool, path: Path | None) -> None:
    """Check (or --write) the figures in DATASHEET.md against the data (counts, agreement, documents)."""
    from corpus_pkg.datasheet import render
    from corpus_pkg.jsonio import write_atomic

    writes_shipped = write and path is None
    project = project_of(reading=not writes_shipped)
    if writes_shipped:
        project.require_writable("datasheet --write")
    target = path or project.datasheet
    if not target.exists():
        raise UsageError(f"{target} does not exist")
    current = target.read_text(encoding="utf-8")
    try:
        fresh = render(current, project.annotations)
    except ValueError as e:
        raise InvalidError(f"{target}: {e}") from e
    if write:
        click.echo(f"wrote {target}" if write_atomic(target, fresh) else f"{target} is up to date")
    elif fresh != current:
        raise InvalidError(f"{target} has drifted from the data: run `corpus datasheet --write`")
