"""Small helpers shared by tests: write corpora to folders, read reports."""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from corpus_pkg.model import AnnotatedDocument, Document, Provenance, Span, make_span
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


@contextmanager
def answering(body: bytes, status: int = 200, routes: dict[str, bytes] | None = None) -> Iterator[str]:
    """A server on 127.0.0.1 that answers every request with ``body`` (or ``routes[path]``); yields its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            payload = (routes or {}).get(self.path.split("?")[0], body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def invoke(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``corpus ARGS`` in this process (click's CliRunner) and answer like ``subprocess.run`` would."""
    from click.testing import CliRunner

    from corpus_pkg.cli import main

    before = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args), env=env)
    finally:
        os.chdir(before)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["corpus", *args], result.exit_code, result.stdout, result.stderr)


# Attributes a test span gets when it names none: valid for its layer.
DEFAULT_ATTRIBUTES = {
    "entity": {"kind": "NAM", "cluster": "x"},
    "date": {"type": "DATE", "value": "2023-09-13"},
    "quote": {"kind": "direct", "speaker_stated": False},
    "claim": {"checkworthy": True, "factuality": "CT+", "source": "outlet"},
}
DEFAULT_LABEL = {"date": "TIMEX3", "quote": "QUOTE", "claim": "CLAIM"}


def span_at(
    doc: Document,
    sid: str,
    text: str,
    layer: str = "entity",
    label: str | None = None,
    *,
    occurrence: int = 1,
    provenance: Provenance | None = None,
    **attrs,
) -> Span:
    """A span over the ``occurrence``-th ``text`` in ``doc``: its offsets found, never typed."""
    from strategies import PROV

    start = -1
    for _ in range(occurrence):
        start = doc.text.index(text, start + 1)
    return make_span(
        doc,
        id=sid,
        layer=layer,
        start=start,
        end=start + len(text),
        label=label or DEFAULT_LABEL.get(layer, "PERSON"),
        attributes=attrs or DEFAULT_ATTRIBUTES[layer],
        provenance=provenance or PROV,
    )
