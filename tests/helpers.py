"""Small helpers shared by tests: write corpora to folders, read reports."""

from __future__ import annotations

from pathlib import Path

from corpus_pkg.model import AnnotatedDocument
from corpus_pkg.storage import write_document


def write_corpus(root: Path, docs: list[AnnotatedDocument]) -> Path:
    for d in docs:
        write_document(d, root)
    return root


# Debian's Chromium, started as FIELD_NOTES says: headless, and with nothing that reaches for the network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
