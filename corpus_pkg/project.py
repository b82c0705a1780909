"""Which corpus a command acts on: the checkout it is run in, found like git finds its repository.

From the working directory upward, the nearest folder that is a corpus checkout
(a ``pyproject.toml`` with a ``[tool.corpus]`` table, or an ``annotations/corpus/``
folder; without a ``schema/`` of its own, the package's schema applies) is the
project; ``corpus -C DIR`` names one instead. Outside any checkout, commands
that only read fall back to the copy shipped in the installed package (read
through ``importlib.resources``), and say so; commands that write refuse.
``CORPUS_ANNOTATIONS`` names an annotations folder directly (writable unless it
is the packaged copy).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

ANNOTATIONS_ENV = "CORPUS_ANNOTATIONS"
TOOL_TABLE = "[tool.corpus]"


class ProjectError(Exception):
    """No corpus to act on, or a write where writing is not allowed."""


@dataclass(frozen=True)
class Project:
    """The folders of one corpus and where they came from."""

    annotations: Path
    schema: Path
    dataset: Path
    root: Path | None  # the checkout; None for the packaged copy or a bare annotations folder
    origin: str  # "checkout", "environment" (CORPUS_ANNOTATIONS), "folder" (--annotations) or "installed package"

    @property
    def corpus(self) -> Path:
        return self.annotations / "corpus"

    @property
    def writable(self) -> bool:
        return self.origin != "installed package"

    @property
    def datasheet(self) -> Path:
        """DATASHEET.md: the checkout's; elsewhere the copy that travels with the dataset."""
        if self.root is not None and (self.root / "DATASHEET.md").is_file():
            return self.root / "DATASHEET.md"
        return self.dataset / "DATASHEET.md"

    @property
    def changelog(self) -> Path | None:
        """The CHANGELOG.md a merge adds its entry to: the checkout's, or the one beside a named folder."""
        if self.origin == "checkout" and self.root is not None:
            return self.root / "CHANGELOG.md"
        beside = self.annotations.parent / "CHANGELOG.md"
        return beside if self.origin != "installed package" and beside.is_file() else None

    def describe(self) -> str:
        if self.origin == "installed package":
            return f"no corpus checkout here; reading the copy shipped in the installed package ({self.annotations})"
        return f"{self.origin} {self.annotations}"

    def require_writable(self, command: str) -> None:
        if not self.writable:
            raise ProjectError(
                f"`corpus {command}` writes the corpus and needs a checkout: none was found from "
                f"{Path.cwd()} upward (a folder with annotations/corpus/ or a pyproject.toml with "
                f"{TOOL_TABLE}). Run it inside a clone, or name one with `corpus -C DIR {command} ...`. "
                "The copy shipped in the installed package is read-only; nothing was written."
            )


def _is_checkout(folder: Path) -> bool:
    if (folder / "annotations" / "corpus").is_dir():
        return True
    pyproject = folder / "pyproject.toml"
    try:
        return pyproject.is_file() and TOOL_TABLE in pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def find_checkout(start: Path) -> Path | None:
    """The nearest checkout at or above ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if _is_checkout(folder):
            return folder
    return None


def checkout(root: Path, origin: str = "checkout") -> Project:
    """The project of a checkout. A folder of annotations alone (``annotations/corpus/``, no ``schema/``)
    is checked against the schema the package ships, as an ``--annotations`` folder is."""
    schema = root / "schema"
    return Project(
        root / "annotations", schema if schema.is_dir() else installed_schema(), root / "dataset", root, origin
    )


def packaged_dir(name: str) -> Path | None:
    """A folder shipped inside the installed package (wheel), or None (source tree, editable install)."""
    path = Path(str(files("corpus_pkg") / name))
    return path if path.is_dir() else None


def source_tree() -> Path | None:
    """The checkout the package itself was loaded from (an editable install), if it is one."""
    root = Path(__file__).resolve().parent.parent
    return root if _is_checkout(root) else None


def installed() -> Project:
    """The corpus that travels with the package: the wheel's copy, or the source tree it runs from."""
    annotations = packaged_dir("annotations")
    if annotations is not None:
        return Project(
            annotations,
            packaged_dir("schema") or annotations,
            packaged_dir("dataset") or annotations,
            None,
            "installed package",
        )
    tree = source_tree()
    if tree is None:
        raise ProjectError("the installed package carries no corpus and no checkout was found")
    return Project(tree / "annotations", tree / "schema", tree / "dataset", None, "installed package")


def discover(project_dir: Path | None = None, annotations: Path | None = None, cwd: Path | None = None) -> Project:
    """The project a command acts on (see the module doc)."""
    if project_dir is not None:
        root = find_checkout(project_dir)
        if root is None:
            raise ProjectError(
                f"{project_dir}: not a corpus checkout (no annotations/corpus/ or {TOOL_TABLE} there or above)"
            )
        base = checkout(root)
    else:
        root = find_checkout(cwd or Path.cwd())
        base = checkout(root) if root is not None else None
    if annotations is not None or os.environ.get(ANNOTATIONS_ENV):
        folder = Path(annotations or os.environ[ANNOTATIONS_ENV]).resolve()
        origin = "folder" if annotations is not None else "environment"
        packaged = packaged_dir("annotations")
        if packaged is not None and folder == packaged.resolve():
            origin = "installed package"
        schema = base.schema if base is not None else installed_schema()
        dataset = base.dataset if base is not None else folder.parent / "dataset"
        return Project(folder, schema, dataset, base.root if base is not None else None, origin)
    return base if base is not None else installed()


def installed_schema() -> Path:
    packaged = packaged_dir("schema")
    if packaged is not None:
        return packaged
    tree = source_tree()
    return (tree or Path(__file__).resolve().parent.parent) / "schema"


_current: ContextVar[Project | None] = ContextVar("corpus_project", default=None)


def current() -> Project:
    """The project of this command (set by the CLI), else the one found from the working directory."""
    project = _current.get()
    return project if project is not None else discover()


def use(project: Project) -> None:
    """Make ``project`` the one every default in this process refers to (e.g. in a worker process)."""
    _current.set(project)


@contextmanager
def using(project: Project) -> Iterator[Project]:
    """Make ``project`` the one every default refers to while the block runs (one command)."""
    token = _current.set(project)
    try:
        yield project
    finally:
        _current.reset(token)


def annotations_dir() -> Path:
    return current().annotations


def schema_dir() -> Path:
    return current().schema


def dataset_dir() -> Path:
    return current().dataset


def is_inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False
