"""The ``corpus`` command. Exit codes: 0 valid/ok, 1 invalid data, 2 usage or I/O error."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from corpus_pkg import __version__

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(click.ClickException):
    exit_code = EXIT_USAGE


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corpus")
def main() -> None:
    """Validate, summarize, build and sync the annotated summit corpus."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines.",
)
@click.option(
    "--annotations",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Annotations folder (default: the package's annotations/).",
)
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
    """
    from corpus_pkg.findings import RULES
    from corpus_pkg.validate import validate_corpus, validate_paths

    if rules:
        for name, meaning in RULES.items():
            click.echo(f"{name:20} {meaning}")
        return
    report = validate_paths(list(paths), annotations, jobs=jobs) if paths else validate_corpus(annotations)
    io_only = report.errors and all(f.rule == "io" for f in report.errors)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "valid": not report.errors,
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
        n_files = len(report.files)
        kinds = ", ".join(sorted(set(report.files.values()))) or "none"
        counts = ", ".join(f"{v} {k}s" for k, v in sorted(report.counts.items()))
        click.echo(
            f"{n_files} file(s) ({kinds}): {counts or 'no records'}; "
            f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)",
            err=bool(report.errors),
        )
    if io_only:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_INVALID if report.errors else EXIT_OK)


@main.command("add-document")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--doc-id", required=True, help="Stable readable id, e.g. 000-military-cooperation.")
@click.option("--title", default=None)
@click.option("--publisher", default=None)
@click.option("--author", default=None)
@click.option("--url", default=None, help="The source's http or https address (other schemes are refused).")
@click.option("--published", default=None, help="ISO date the text states.")
@click.option("--dct", default=None, help="Document creation time used to normalize dates.")
@click.option("--dct-note", default=None, help="Why this DCT, where it is a judgement.")
@click.option("--language", default="en", show_default=True)
@click.option("--annotations", type=click.Path(path_type=Path, file_okay=False), default=None)
def add_document(source: Path, doc_id: str, annotations: Path | None, **meta: str | None) -> None:
    """Add a source text as a new document (its text is kept exactly as the file decodes)."""
    from corpus_pkg.documents import add_document as add

    try:
        path = add(source, doc_id, annotations, **meta)
    except ValueError as e:
        raise UsageError(str(e)) from e
    click.echo(f"wrote {path}")


@main.command()
@click.argument("drafts", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace", is_flag=True, help="Replace the document's spans and relations in annotations/ with the draft's."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the resolved records as a JSONL batch here.",
)
@click.option("--status", type=click.Choice(["gold", "prediction"]), default="gold", show_default=True)
@click.option("--annotations", type=click.Path(path_type=Path, file_okay=False), default=None)
def anchor(drafts: tuple[Path, ...], replace: bool, out: Path | None, status: str, annotations: Path | None) -> None:
    """Resolve offset-free drafts (surface text + context) to spans and check them.

    Without --replace or --out it only reports problems.
    """
    from corpus_pkg.documents import anchor_drafts

    sys.exit(
        anchor_drafts(list(drafts), annotations=annotations, replace=replace, out=out, status=status, echo=click.echo)
    )


@main.command()
@click.option("--write", is_flag=True, help="Write the generated JSON Schemas into schema/.")
def schema(write: bool) -> None:
    """Check (or --write) the JSON Schemas generated from schema/labels.json."""
    from corpus_pkg.jsonio import dumps_pretty, write_atomic
    from corpus_pkg.paths import schema_dir
    from corpus_pkg.schemas import all_schemas

    stale = []
    for name, content in all_schemas().items():
        path = schema_dir() / name
        text = dumps_pretty(content)
        if write:
            if write_atomic(path, text):
                click.echo(f"wrote {path}")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    if stale:
        click.echo(f"out of date with schema/labels.json: {', '.join(stale)} (run: corpus schema --write)", err=True)
        sys.exit(EXIT_INVALID)


# Command groups that live in their own modules.
from corpus_pkg.labelstudio.cli import ls  # noqa: E402

main.add_command(ls)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("--annotations", type=click.Path(path_type=Path, file_okay=False), default=None)
def stats(fmt: str, annotations: Path | None) -> None:
    """Counts per document, layer and label (the figures in DATASHEET.md come from here)."""
    from corpus_pkg.stats import compute, render_markdown
    from corpus_pkg.storage import load_corpus

    try:
        st = compute(load_corpus(annotations))
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    if fmt == "json":
        click.echo(json.dumps(st.to_dict(), indent=2))
    else:
        click.echo(render_markdown(st), nl=False)


@main.command()
def summarize() -> None:
    """The main job: load every dataset config, validate the corpus, print the summary.

    Runs on the embedded defaults: the dataset and annotations shipped with the package.
    """
    from corpus_pkg.summary import summarize as run

    sys.exit(run(click.echo))


from corpus_pkg.dataset_cli import build, diff, publish  # noqa: E402

for _c in (build, diff, publish):
    main.add_command(_c)


@main.command()
@click.argument("pass_a", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("pass_b", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("--annotations", type=click.Path(path_type=Path, file_okay=False), default=None)
@click.option("--disagreements", is_flag=True, help="Also list every span and attribute the passes differ on.")
def agreement(pass_a: Path, pass_b: Path, fmt: str, annotations: Path | None, disagreements: bool) -> None:
    """Span-level agreement per layer between two folders of offset-free drafts (two annotation passes)."""
    from corpus_pkg.agreement import compare, render_markdown
    from corpus_pkg.agreement import disagreements as list_disagreements
    from corpus_pkg.documents import resolve_draft_folder

    try:
        a, b = resolve_draft_folder(pass_a, annotations), resolve_draft_folder(pass_b, annotations)
    except (ValueError, KeyError, OSError) as e:
        raise click.ClickException(str(e)) from e
    result = compare(a, b)
    if disagreements:
        for line in list_disagreements(a, b):
            click.echo(line)
    if fmt == "json":
        click.echo(json.dumps({k: v.to_dict() for k, v in result.items()}, indent=2))
    else:
        click.echo(render_markdown(result), nl=False)


@main.command()
@click.argument("batch", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@click.option(
    "--changelog",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CHANGELOG.md to add an entry to (default: the one beside annotations/, if any).",
)
@click.option("--annotations", type=click.Path(path_type=Path, file_okay=False), default=None)
def merge(batch: Path, dry_run: bool, changelog: Path | None, annotations: Path | None) -> None:
    """Merge a checked batch (JSONL or Label Studio export) into annotations/: all or nothing.

    A batch with any error changes nothing (exit 1). Spans already in the corpus
    are skipped, so merging the same batch twice adds nothing.
    """
    from corpus_pkg.batches import validate_batch
    from corpus_pkg.merge import add_to_changelog, apply_plan, changelog_entry, recover, write_transaction
    from corpus_pkg.paths import annotations_dir

    root = annotations or annotations_dir()
    for line in recover(root):
        click.echo(f"recovered an interrupted merge: {line}")
    report, plan = validate_batch(batch, root)
    for f in report.findings:
        click.echo(f.render())
    if any(f.rule == "io" for f in report.errors):
        sys.exit(EXIT_USAGE)
    if report.errors:
        click.echo(f"rejected: {len(report.errors)} error(s); nothing was changed", err=True)
        sys.exit(EXIT_INVALID)
    summary = plan.summary()
    for doc_id, counts in summary.items():
        click.echo(f"{doc_id}: " + ", ".join(f"+{n} {k}" for k, n in sorted(counts.items())))
    click.echo(f"{plan.skipped_duplicates} duplicate(s) skipped, {plan.moved} span(s) re-anchored")
    if plan.empty:
        click.echo("nothing to merge")
        return
    if dry_run:
        click.echo("dry run: nothing written")
        return
    written = write_transaction(apply_plan(plan, root), root)
    for p in written:
        click.echo(f"wrote {p}")
    log = changelog or (root.parent / "CHANGELOG.md")
    if log.exists():
        add_to_changelog(log, changelog_entry(batch, plan))
        click.echo(f"added an entry to {log}: edit it before committing")


@main.command()
@click.option("--write", is_flag=True, help="Rewrite the generated blocks of DATASHEET.md.")
@click.option("--path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Default: DATASHEET.md.")
def datasheet(write: bool, path: Path | None) -> None:
    """Check (or --write) the figures in DATASHEET.md against the data (counts, agreement, documents)."""
    from corpus_pkg.datasheet import render
    from corpus_pkg.jsonio import write_atomic
    from corpus_pkg.paths import datasheet_file

    target = path or datasheet_file()
    if not target.exists():
        raise UsageError(f"{target} does not exist")
    current = target.read_text(encoding="utf-8")
    fresh = render(current)
    if write:
        click.echo(f"wrote {target}" if write_atomic(target, fresh) else f"{target} is up to date")
    elif fresh != current:
        click.echo(f"{target} has drifted from the data: run `corpus datasheet --write`", err=True)
        sys.exit(EXIT_INVALID)


from corpus_pkg.render_cli import render  # noqa: E402

main.add_command(render)
