"""``corpus ls ...``: Label Studio commands."""

from __future__ import annotations

import click


@click.group()
def ls() -> None:
    """Run Label Studio and sync the corpus with it (push, pull, agreement)."""
