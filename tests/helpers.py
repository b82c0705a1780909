"""Small helpers shared by tests: write corpora to folders, read reports."""

from __future__ import annotations

import json
from pathlib import Path

from corpus_pkg.model import AnnotatedDocument
from corpus_pkg.storage import Located, serialize, write_document


def write_corpus(root: Path, docs: list[AnnotatedDocument]) -> Path:
    for d in docs:
        write_document(d, root)
    return root


def located(docs: list[AnnotatedDocument], file: str = "mem.jsonl") -> list[Located]:
    out = []
    n = 0
    for d in docs:
        for line in serialize(d).splitlines():
            n += 1
            out.append(Located(file, n, json.loads(line)))
    return out


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
