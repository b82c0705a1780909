"""``corpus build``, ``corpus diff`` and ``corpus publish``: the Hugging Face dataset commands."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from corpus_pkg.cli.app import EXIT_INVALID, EXIT_USAGE, acting_on, annotations_option, format_option, main

EXIT_STALE = EXIT_INVALID


def _statuses(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """``--include`` values: provenance statuses of the declaration other than gold (always published)."""
    from corpus_pkg.labels import label_sets

    known = [s for s in label_sets().statuses if s != "gold"]
    for v in value:
        if v not in known:
            raise click.BadParameter(f"{v!r} is not one of {', '.join(known)}", ctx, param)
    return tuple(dict.fromkeys(value))


@main.command()
@annotations_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Dataset folder (default: the project's dataset/).",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the dataset folder is out of date.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for a corpus of more than one shard (default: every available core).",
)
@click.option(
    "--include",
    "include",
    multiple=True,
    metavar="STATUS",
    callback=_statuses,
    help="Also publish spans and relations of this provenance status (submitted, prediction); repeatable. "
    "By default only gold is published.",
)
def build(annotations: Path | None, out: Path | None, check: bool, jobs: int | None, include: tuple[str, ...]) -> None:
    """Build the Hugging Face dataset folder (Parquet per config, dataset card, MANIFEST) from the annotations.

    Only gold spans and relations are published unless --include names another status.
    """
    from corpus_pkg import builder
    from corpus_pkg.review import describe_left_out

    project = acting_on(annotations, writes=None if check or out is not None else "build")
    annotations, out = project.annotations, out or project.dataset
    t0 = time.perf_counter()
    try:
        if check:
            problems = builder.check(annotations, out, jobs=jobs, include=include)
            for p in problems:
                click.echo(p, err=True)
            if problems:
                click.echo("the dataset is out of date with the annotations (run: corpus build)", err=True)
                sys.exit(EXIT_STALE)
            click.echo(f"{out} is up to date with {annotations} ({time.perf_counter() - t0:.1f} s)")
            return
        result = builder.build(annotations, out, jobs=jobs, include=include)
    except ValueError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(EXIT_STALE)
    for path in result.stale:
        click.echo(f"removed {path}, a staging folder left by an interrupted build")
    for rel in result.written:
        click.echo(f"wrote {result.out_dir / rel}")
    for rel in result.removed:
        click.echo(f"removed {result.out_dir / rel}")
    for line in describe_left_out(result.left_out):
        click.echo(line)
    click.echo(
        f"{len(result.written)} written, {len(result.unchanged)} unchanged, {len(result.removed)} removed "
        f"in {result.out_dir} from {annotations} ({time.perf_counter() - t0:.1f} s)"
    )


@main.command()
@click.argument("old")
@click.argument("new")
@format_option("text", "json")
@click.option(
    "--repo",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Git repository for refs (default: the project's checkout).",
)
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are differences.")
def diff(old: str, new: str, fmt: str, repo: Path | None, exit_code: bool) -> None:
    """Span-level changes between OLD and NEW annotations, each a git ref or a folder.

    Reports per document and layer: spans added, removed, relabeled, re-bounded,
    attributes or provenance changed, relations added or removed.
    """
    from corpus_pkg.diff import DiffError
    from corpus_pkg.diff import diff as run

    try:
        result = run(old, new, repo)
    except DiffError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(EXIT_USAGE)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(result.render())
    if exit_code and result.changes:
        sys.exit(1)


@main.command()
@click.option("--repo-id", required=True, help="ORG/NAME of the dataset repository on the Hub.")
@click.option("--dry-run", is_flag=True, help="List the files and sizes that would be uploaded; change nothing.")
@click.option("--token", envvar="HF_TOKEN", default=None, help="Hub token (default: $HF_TOKEN or the saved login).")
@click.option("--private", is_flag=True, help="Create the repository private if it does not exist.")
@click.option(
    "--dataset",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Dataset folder (default: the project's dataset/).",
)
@annotations_option
def publish(
    repo_id: str, dry_run: bool, token: str | None, private: bool, dataset: Path | None, annotations: Path | None
) -> None:
    """Upload the dataset folder to the Hub and tag it v<version>."""
    from corpus_pkg.publish import PublishError
    from corpus_pkg.publish import publish as run

    project = acting_on(annotations)
    try:
        run(
            repo_id,
            token=token,
            dry_run=dry_run,
            private=private,
            dataset=dataset or project.dataset,
            annotations=project.annotations,
            echo=click.echo,
        )
    except PublishError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(EXIT_STALE)
