"""The ``corpus`` command group: the project it acts on, shared options, and one mapping from errors to exit codes.

Exit codes: 0 ok; 1 invalid data, a conflict or a stale output; 2 usage, I/O, a
missing project or an unreachable server. Known failures are one message on
stderr, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import click

from corpus_pkg.project import Project, ProjectError, discover, using
from corpus_pkg.version import __version__

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(click.ClickException):
    """Bad arguments, unreadable input or nowhere to act: exit 2."""

    exit_code = EXIT_USAGE

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class InvalidError(click.ClickException):
    """Data that does not validate, a conflict or a stale output: exit 1."""

    exit_code = EXIT_INVALID

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class CorpusGroup(click.Group):
    """A group whose commands' known failures become a message and an exit code."""

    ALIASES: ClassVar[dict[str, str]] = {"ls": "labelstudio"}

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, self.ALIASES.get(cmd_name, cmd_name))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, cmd, rest = super().resolve_command(ctx, args)
        return (cmd.name if cmd is not None else name), cmd, rest

    def invoke(self, ctx: click.Context) -> Any:
        from corpus_pkg.errors import CorpusError

        try:
            return super().invoke(ctx)
        except ProjectError as e:
            raise UsageError(str(e)) from None
        except CorpusError as e:
            from corpus_pkg.labelstudio.credentials import redact

            # Messages can carry a server's answer: no credential reaches the terminal.
            raise (InvalidError if e.exit_code == EXIT_INVALID else UsageError)(redact(str(e))) from None
        except OSError as e:
            where = f"{e.filename}: " if e.filename else ""
            raise UsageError(f"{where}{e.strerror or e}") from None


def project_of(ctx: click.Context | None = None, *, reading: bool = True) -> Project:
    """The project the command acts on (found once by the group).

    A command that reads the installed package's copy says so once, on stderr, before
    its output; a writing command asks with ``reading=False`` and refuses instead, so
    its only message is why nothing was written.
    """
    ctx = ctx or click.get_current_context()
    root = ctx.find_root()
    project = root.obj
    if reading and project.origin == "installed package" and not root.meta.get("corpus.noted"):
        root.meta["corpus.noted"] = True
        if root.invoked_subcommand != "schema":  # the schemas are the package's in any case
            click.echo(f"note: {project.describe()}", err=True)
    return project


def annotations_option(f: Any) -> Any:
    return click.option(
        "--annotations",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Annotations folder to act on instead of the project's [env CORPUS_ANNOTATIONS].",
    )(f)


def format_option(*choices: str, default: str | None = None) -> Any:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default or choices[0],
        show_default=True,
        help=f"{choices[0]} for people, {choices[-1]} for machines.",
    )


def acting_on(annotations: Path | None, *, writes: str | None = None) -> Project:
    """The project for this command, with ``--annotations`` applied; ``writes`` names a command that writes.

    A command given ``--annotations`` reads that folder, so it says nothing about the installed copy."""
    ctx = click.get_current_context()
    project = project_of(ctx, reading=writes is None and annotations is None)
    if annotations is not None:
        project = ctx.with_resource(using(discover(project.root, annotations)))
    if writes is not None:
        project.require_writable(writes)
    return project


@click.group(cls=CorpusGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corpus")
@click.option(
    "-C",
    "--project-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Act on the corpus checkout at DIR (default: the nearest one from the working directory upward).",
)
@click.pass_context
def main(ctx: click.Context, project_dir: Path | None) -> None:
    """Validate, summarize, build and sync the annotated summit corpus.

    Commands act on the corpus checkout they are run in, found from the working
    directory upward like git (a folder with annotations/corpus/ or a pyproject.toml
    with [tool.corpus]); -C DIR names one. Outside any checkout, commands that only
    read use the copy shipped with the installed package; commands that write refuse.
    """
    try:
        project = discover(project_dir)
    except ProjectError as e:
        raise UsageError(str(e)) from None
    ctx.obj = ctx.with_resource(using(project))
