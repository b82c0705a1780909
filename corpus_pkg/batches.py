"""Reading annotation batches: our JSONL records, or a Label Studio JSON export."""

from __future__ import annotations

from pathlib import Path

from corpus_pkg.findings import Finding
from corpus_pkg.storage import Located


def detect_and_read(path: Path, report, root: Path | None = None) -> tuple[str, list[Located]]:  # noqa: ANN001
    """Say what kind of file ``path`` is and return its records, located by line."""
    from corpus_pkg.validate import read_located

    if not path.exists():
        report.add(Finding("io", "no such file", str(path)))
        return "missing", []
    if path.is_dir():
        report.add(Finding("io", "is a folder; give files", str(path)))
        return "folder", []
    return "jsonl", read_located(path, report)
