"""Where the package finds its declaration, annotations and built dataset.

In a source checkout (editable install) these are the top-level folders of the
repository; in a wheel they are shipped inside the package (see
``[tool.hatch.build.targets.wheel.force-include]`` in pyproject.toml).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def _find(name: str) -> Path:
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return REPO_DIR / name


def schema_dir() -> Path:
    return _find("schema")


def annotations_dir() -> Path:
    """The annotations folder; ``CORPUS_ANNOTATIONS`` overrides it (tests, batches)."""
    env = os.environ.get("CORPUS_ANNOTATIONS")
    return Path(env) if env else _find("annotations")


def package_annotations_dir() -> Path:
    """The package's own annotations folder, whatever ``CORPUS_ANNOTATIONS`` says."""
    return _find("annotations")


def datasheet_file() -> Path:
    """DATASHEET.md: the repository's in a checkout; in a wheel, the copy shipped in the dataset folder."""
    top = REPO_DIR / "DATASHEET.md"
    return top if top.is_file() else dataset_dir() / "DATASHEET.md"


def dataset_dir() -> Path:
    """The built Hugging Face dataset folder shipped with the package."""
    return _find("dataset")
