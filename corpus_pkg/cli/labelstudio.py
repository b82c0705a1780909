"""``corpus labelstudio ...`` (alias ``corpus ls``): Label Studio commands.

Exit codes: 0 ok; 1 invalid data or a conflict; 2 usage, I/O, server down or a
refused API key. Errors are one clear message, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from corpus_pkg.cli.app import EXIT_USAGE, acting_on, annotations_option, main
from corpus_pkg.labelstudio.credentials import redact

_url = click.option(
    "--url",
    default=None,
    metavar="URL",
    help="Label Studio URL [env LABEL_STUDIO_URL; default http://127.0.0.1:$LABEL_STUDIO_PORT or 8080].",
)
_key = click.option(
    "--api-key",
    default=None,
    metavar="TOKEN",
    help="Personal Access Token [env LABEL_STUDIO_API_KEY; else the token file of `ls server start`].",
)
_project = click.option("--project", "title", required=True, metavar="TITLE", help="Project title.")
_annotations = annotations_option


@main.group("labelstudio")
def ls() -> None:
    """Run Label Studio and sync the corpus with it (push, pull, agreement); alias: ls."""


@ls.group()
def server() -> None:
    """Install, start, stop or check the local Label Studio server (127.0.0.1 only).

    Its own venv: .venv-labelstudio (env LABEL_STUDIO_VENV). Data: .labelstudio/
    (env LABEL_STUDIO_DATA_DIR), SQLite unless DJANGO_DB=default and POSTGRE_NAME,
    POSTGRE_USER, POSTGRE_PASSWORD, POSTGRE_HOST, POSTGRE_PORT are set.
    """


_port = click.option("--port", type=int, default=None, help="Port [env LABEL_STUDIO_PORT; default 8080].")
_data = click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Data folder [env LABEL_STUDIO_DATA_DIR; default .labelstudio/].",
)


@server.command()
def install() -> None:
    """Install label-studio into its own venv (does nothing when the right version is there)."""
    from corpus_pkg.labelstudio import server as srv

    did = srv.install(echo=lambda s: click.echo(s, err=True))
    click.echo(f"label-studio {srv.LS_VERSION} {'installed' if did else 'already installed'} in {srv.venv_dir()}")


@server.command()
@_port
@_data
@click.option("--email", default=None, help="Admin user's email [default admin@corpus.local].")
@click.option("--timeout", type=float, default=None, help="Seconds to wait for the server to answer [240].")
def start(port: int | None, data_dir: Path | None, email: str | None, timeout: float | None) -> None:
    """Start the server, wait until it answers, create the admin and its API token.

    The token is written (mode 0600) to $XDG_STATE_HOME/corpus-pkg/labelstudio/PORT.token,
    never printed. A busy port is an error, not a reason to move to another.
    """
    from corpus_pkg.labelstudio import server as srv

    info = srv.start(port, data=data_dir, email=email or srv.DEFAULT_EMAIL, timeout=timeout or srv.READY_TIMEOUT)
    click.echo(f"Label Studio runs at {info.url} (pid {info.pid}); data {info.data_dir}; log {info.log_file}")
    click.echo(f"API token file: {info.token_file}; admin password file: {srv.password_file(info.port)}")
    click.echo(f"log in at {info.url}/user/login/ as {email or srv.DEFAULT_EMAIL} with the password in that file")


@server.command()
@_data
def stop(data_dir: Path | None) -> None:
    """Stop the server started from the data folder (its whole process group)."""
    from corpus_pkg.labelstudio import server as srv

    stopped = srv.stop(data_dir)
    click.echo("stopped" if stopped else "not running")


@server.command()
@_data
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(data_dir: Path | None, as_json: bool) -> None:
    """Say whether the server runs and answers; exit 0 if it answers, 2 if not."""
    from corpus_pkg.labelstudio import server as srv

    st = srv.status(data_dir)
    st["installed"] = srv.installed_version()
    if as_json:
        click.echo(json.dumps(st, indent=2))
    else:
        state = "answers" if st["answers"] else ("runs but does not answer" if st["running"] else "is not running")
        click.echo(
            f"Label Studio {state} at {st['url']} (version {st['version'] or '-'}, pid {st['pid'] or '-'}, "
            f"installed {st['installed'] or 'no'}); data {st['data_dir']}"
        )
        if st["problem"]:
            click.echo(f"error: {st['problem']}", err=True)
    sys.exit(0 if st["answers"] else EXIT_USAGE)


@ls.command()
@_project
@click.option("--as-predictions", is_flag=True, help="Send the annotations as predictions (pre-annotations).")
@click.option(
    "--predictions",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="BATCH",
    help="Send this batch of predictions (corpus predict) as suggestions on its documents' tasks.",
)
@click.option("--force", is_flag=True, help="Overwrite edits made in Label Studio since the last sync.")
@_annotations
@_url
@_key
def push(
    title: str,
    as_predictions: bool,
    predictions: Path | None,
    force: bool,
    annotations: Path | None,
    url: str | None,
    api_key: str | None,
) -> None:
    """Create or update project TITLE with one task per document and its annotations.

    Safe to repeat: existing documents are updated in place or left alone, never imported twice.
    A task edited in Label Studio since the last sync is refused (pull first) unless --force.
    """
    from corpus_pkg.labelstudio.sync import push as do_push
    from corpus_pkg.labelstudio.sync import push_predictions

    project = acting_on(annotations, writes="labelstudio push")
    if predictions is not None:
        p = push_predictions(title, predictions, root=project.annotations, url=url, api_key=api_key)
        click.echo(
            f"project {title!r} (id {p.project_id}): predictions of {p.model_version!r} for "
            f"{len(p.documents)} document(s) of {project.annotations}: {p.created} created, {p.updated} updated, "
            f"{p.unchanged} unchanged"
        )
        return
    s = do_push(title, as_predictions=as_predictions, force=force, root=project.annotations, url=url, api_key=api_key)
    click.echo(
        f"project {title!r} (id {s.project_id}): {s.imported} imported, {s.updated} updated, {s.unchanged} unchanged"
    )
    from corpus_pkg.labelstudio.sync import resolve

    click.echo(redact(f"annotate at {resolve(url, api_key)[0].rstrip('/')}/projects/{s.project_id}/data"))


@ls.command()
@_project
@click.option(
    "--incoming-as-batch",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="On a conflict, write Label Studio's side here as correction batches (one JSONL per document).",
)
@click.option(
    "--take",
    type=click.Choice(["corpus", "labelstudio"]),
    default=None,
    help="Resolve conflicting spans and relations by taking this side.",
)
@click.option(
    "--doc",
    "docs",
    multiple=True,
    metavar="DOC_ID",
    help="Apply --take to this document only (repeatable); default every document.",
)
@_annotations
@_url
@_key
def pull(
    title: str,
    incoming_as_batch: Path | None,
    take: str | None,
    docs: tuple[str, ...],
    annotations: Path | None,
    url: str | None,
    api_key: str | None,
) -> None:
    """Bring project TITLE's annotations into the corpus, validated, merged span by span.

    Edits made to different spans on the two sides since the last sync merge. A span
    changed differently on both sides is a conflict: nothing is written (exit 1) unless
    --take picks a side or --incoming-as-batch writes Label Studio's side for review.
    """
    from corpus_pkg.labelstudio.sync import pull as do_pull

    project = acting_on(annotations, writes="labelstudio pull")
    s = do_pull(
        title,
        root=project.annotations,
        incoming_as_batch=incoming_as_batch,
        take=take,
        take_docs=docs,
        url=url,
        api_key=api_key,
    )
    for note in s.notes:
        click.echo(f"note: {redact(note)}", err=True)
    if s.corpus_newer:
        click.echo(f"corpus is newer than Label Studio for {', '.join(s.corpus_newer)} (push to update it)", err=True)
    if s.batches:
        click.echo(f"conflicts: Label Studio's side written for review to {', '.join(s.batches)}", err=True)
    click.echo(
        f"project {title!r}: {len(s.written)} document(s) written ({len(s.merged)} merged with corpus edits), "
        f"{len(s.unchanged)} unchanged, {len(s.written_back)} written back to Label Studio, "
        f"{len(s.batches)} conflict batch(es); {s.skipped_annotations} skipped annotation(s) and "
        f"{s.drafts} draft(s) not pulled"
    )


@ls.command()
@_project
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@_annotations
@_url
@_key
def agreement(title: str, as_json: bool, annotations: Path | None, url: str | None, api_key: str | None) -> None:
    """Span agreement per layer (strict and partial F1) between annotators of the same tasks."""
    from corpus_pkg.labelstudio.sync import agreement as do_agreement

    project = acting_on(annotations)
    table, numbers = do_agreement(title, root=project.annotations, url=url, api_key=api_key)
    click.echo(json.dumps(numbers, indent=2, ensure_ascii=False) if as_json else table)
