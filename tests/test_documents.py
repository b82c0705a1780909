"""``corpus add-document``: what it accepts as a new document's metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_pkg.cli import main


def _add(tmp_path: Path, url: str) -> tuple[int, str, Path]:
    source = tmp_path / "source.txt"
    source.write_text("Kim Jong Un met Vladimir Putin on 13 September 2023.\n", encoding="utf-8")
    root = tmp_path / "annotations"
    args = ["add-document", str(source), "--doc-id", "900-url-check", "--url", url, "--annotations", str(root)]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output, root


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd", "//example.org/x", "", " "]
)
def test_add_document_refuses_a_url_that_is_not_http_or_https_naming_the_value(tmp_path, url):
    code, output, root = _add(tmp_path, url)
    assert code == 2, output
    assert repr(url) in output and "http or https" in output
    assert "Traceback" not in output
    assert not root.exists() or not any(root.rglob("*.jsonl")), "nothing is written"


def test_add_document_keeps_an_https_url(tmp_path):
    code, output, root = _add(tmp_path, "https://example.org/news/1")
    assert code == 0, output
    (path,) = root.rglob("900-url-check*")
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first["url"] == "https://example.org/news/1"
