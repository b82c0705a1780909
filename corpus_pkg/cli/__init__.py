"""The ``corpus`` command: one group, its commands in modules by what they act on."""

from corpus_pkg.cli import corpus, dataset, labelstudio, predict, render, review  # noqa: F401  (they register commands)
from corpus_pkg.cli.app import main

__all__ = ["main"]
