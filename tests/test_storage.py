"""The one reader and writer: every input a model object or a finding, never a hang, a traceback or an echo."""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import PROV

from corpus_pkg.cli import main
from corpus_pkg.jsonio import dumps_lines
from corpus_pkg.model import AnnotatedDocument, Document, make_span
from corpus_pkg.storage import (
    JOURNAL,
    LOCK_FILE,
    assemble,
    corpus_files,
    document_run,
    items_of_text,
    read_items,
    serialize,
    write_document,
    write_lock,
)

TEXT = "Kim Jong Un met Vladimir Putin on 13 September 2023."


def small_corpus(tmp: Path) -> Path:
    doc = Document.from_text("alpha", TEXT, "alpha.txt")
    kim = make_span(
        doc,
        id="alpha-e001",
        layer="entity",
        start=0,
        end=len("Kim Jong Un"),
        label="PERSON",
        attributes={"kind": "NAM", "cluster": "kim-jong-un"},
        provenance=PROV,
    )
    root = tmp / "annotations"
    write_document(AnnotatedDocument(doc, [kim]), root)
    return root


def files_of(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != LOCK_FILE
    }


def merge(batch: Path, root: Path):
    return CliRunner().invoke(main, ["merge", str(batch), "--annotations", str(root)])


def test_a_fifo_as_the_batch_path_is_refused_before_it_is_opened(tmp_path):
    root = small_corpus(tmp_path)
    fifo = tmp_path / "batch.jsonl"
    os.mkfifo(fifo)
    before = files_of(root)
    done: list = []
    worker = threading.Thread(target=lambda: done.append(merge(fifo, root)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert done, "merge of a FIFO did not return: it blocked on open"
    result = done[0]
    assert result.exit_code == 2
    assert "FIFO" in result.output and "not a regular file" in result.output
    assert "Traceback" not in result.output
    assert files_of(root) == before


def _kinds(tmp: Path) -> dict[str, Path]:
    """A path of every kind of file-system object that is not a regular file."""
    folder = tmp / "folder"
    folder.mkdir()
    fifo = tmp / "fifo"
    os.mkfifo(fifo)
    sock_path = tmp / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    (tmp / "to-folder").symlink_to(folder)
    (tmp / "dangling").symlink_to(tmp / "nothing-here")
    return {
        "folder": folder,
        "fifo": fifo,
        "socket": sock_path,
        "character device": Path("/dev/null"),
        "symlink to a folder": tmp / "to-folder",
        "dangling symlink": tmp / "dangling",
        "missing": tmp / "missing.jsonl",
    }


@pytest.mark.parametrize("command", ["validate", "merge"])
def test_every_kind_of_path_that_is_not_a_regular_file_is_refused_with_exit_2(tmp_path, command):
    root = small_corpus(tmp_path)
    before = files_of(root)
    (tmp_path / "kinds").mkdir()
    for kind, path in _kinds(tmp_path / "kinds").items():
        result = CliRunner().invoke(main, [command, str(path), "--annotations", str(root)])
        assert result.exit_code == 2, (kind, result.output)
        assert "Traceback" not in result.output
        assert str(path) in result.output
    assert files_of(root) == before


def test_the_valid_path_and_the_builds_read_ahead_pass_over_anything_but_a_regular_file_without_blocking(tmp_path):
    # The reference reading words what these are; the fast reader must only give up, never wait on a FIFO.
    from corpus_pkg.builder import _read_ahead

    kinds = _kinds(tmp_path)
    done: list = []

    def read_all() -> None:
        _read_ahead(list(kinds.values()))
        done.append({kind: document_run(path) for kind, path in kinds.items()})

    worker = threading.Thread(target=read_all, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert done, "reading a FIFO blocked"
    assert done[0] == dict.fromkeys(kinds)


def test_the_valid_path_refuses_a_file_over_the_batch_limit(tmp_path, monkeypatch):
    doc = small_corpus(tmp_path) / "corpus"
    path = next(doc.glob("*.jsonl"))
    assert document_run(path) is not None
    monkeypatch.setenv("CORPUS_MAX_BATCH_BYTES", str(path.stat().st_size - 1))
    assert document_run(path) is None


def test_a_batch_larger_than_the_limit_is_refused_with_the_limit_named(tmp_path, monkeypatch):
    root = small_corpus(tmp_path)
    batch = tmp_path / "big.jsonl"
    batch.write_text(" " * 2000 + "\n", encoding="utf-8")
    monkeypatch.setenv("CORPUS_MAX_BATCH_BYTES", "1000")
    result = merge(batch, root)
    assert result.exit_code == 2
    assert "2,001 bytes, more than the 1,000" in result.output


def test_a_symlink_to_a_file_that_is_not_json_is_reported_once_and_never_quoted(tmp_path):
    root = small_corpus(tmp_path)
    secret = tmp_path / "private.txt"
    secret.write_text("root:x:0:0:the-secret-line\n" * 50, encoding="utf-8")
    link = tmp_path / "batch.jsonl"
    link.symlink_to(secret)
    result = CliRunner().invoke(main, ["validate", str(link), "--annotations", str(root)])
    assert result.exit_code != 0
    assert "the-secret-line" not in result.output and "root:x" not in result.output
    assert result.output.count("not a JSONL file") == 1


def test_a_bad_json_line_is_quoted_only_near_the_error(tmp_path):
    root = small_corpus(tmp_path)
    batch = tmp_path / "b.jsonl"
    filler = "x" * 300
    batch.write_text('{"record": "span", "note": "' + filler + '", oops}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(batch), "--annotations", str(root)])
    assert result.exit_code == 1
    assert "invalid JSON" in result.output
    assert filler not in result.output


@pytest.mark.parametrize("status", [[], ["gold"], {"gold": True}, 1, None])
def test_a_provenance_status_of_the_wrong_type_is_a_finding_not_a_traceback(tmp_path, status):
    root = small_corpus(tmp_path)
    doc = Document.from_text("alpha", TEXT, "alpha.txt")
    span = make_span(
        doc,
        id="new",
        layer="entity",
        start=TEXT.index("Vladimir Putin"),
        end=TEXT.index("Vladimir Putin") + len("Vladimir Putin"),
        label="PERSON",
        attributes={"kind": "NAM", "cluster": "vladimir-putin"},
        provenance=PROV,
    ).to_dict()
    span["provenance"]["status"] = status
    batch = tmp_path / "b.jsonl"
    batch.write_text(dumps_lines([span]), encoding="utf-8")
    before = files_of(root)
    result = merge(batch, root)
    assert result.exit_code == 1, result.output
    assert "/provenance/status" in result.output
    assert "Traceback" not in result.output
    assert files_of(root) == before


@pytest.mark.parametrize("content", ["", "\n", "   \n\n  \n"])
def test_a_blank_batch_merges_nothing_and_says_it_is_empty(tmp_path, content):
    root = small_corpus(tmp_path)
    batch = tmp_path / "b.jsonl"
    batch.write_text(content, encoding="utf-8")
    before = files_of(root)
    result = merge(batch, root)
    assert result.exit_code == 0, result.output
    assert "is empty" in result.output and "nothing to merge" in result.output
    assert files_of(root) == before


def test_the_next_writer_removes_what_an_interrupted_journal_write_left(tmp_path):
    root = small_corpus(tmp_path)
    leftover = root / f".{JOURNAL}.k2j3h4.tmp"
    leftover.write_text("[", encoding="utf-8")
    staged = root / "corpus" / ".alpha.jsonl.merge-tmp"
    staged.write_text("half", encoding="utf-8")
    with write_lock(root) as done:
        pass
    assert not leftover.exists() and not staged.exists()
    assert any(leftover.name in d for d in done) and any(staged.name in d for d in done)


def test_reading_never_writes_even_with_an_interrupted_write_pending(tmp_path):
    root = small_corpus(tmp_path)
    (root / "corpus" / ".alpha.jsonl.merge-tmp").write_text("half", encoding="utf-8")
    before = files_of(root)
    for args in (["validate"], ["stats"], ["render", "--out", str(tmp_path / "pages")]):
        CliRunner().invoke(main, [*args, "--annotations", str(root)])
    assert files_of(root) == before


# -- properties ------------------------------------------------------------------------------------------------

FIELDS = {
    "start": st.integers(-2, 60),
    "end": st.integers(-2, 60),
    "text": st.text(max_size=12),
    "label": st.sampled_from(["PERSON", "GPE", "ORG", "NOPE", ""]),
    "prefix": st.text(max_size=5),
    "suffix": st.text(max_size=5),
    "layer": st.sampled_from(["entity", "date", "quote", "claim", "other"]),
    "attributes": st.dictionaries(st.sampled_from(["kind", "cluster", "qid", "x"]), st.text(max_size=4), max_size=3),
}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(FIELDS)), st.data())
def test_a_span_that_keeps_its_id_while_one_field_changes_is_never_skipped_as_a_duplicate(tmp_path, name, data):
    root = small_corpus(tmp_path / data.draw(st.uuids()).hex)
    original = json.loads(serialize(assemble(read_items(root / "corpus" / "alpha.jsonl", []))[0]).split("\n")[1])
    value = data.draw(FIELDS[name].filter(lambda v: v != original[name]))
    changed = original | {name: value}
    batch = root.parent / "b.jsonl"
    batch.write_text(dumps_lines([changed]), encoding="utf-8")
    before = files_of(root)
    result = merge(batch, root)
    assert "Traceback" not in result.output
    assert "already in the corpus with the same id; skipped" not in result.output
    if result.exit_code == 0:
        # The only way in is as a different, valid annotation: it must then validate with the corpus.
        assert CliRunner().invoke(main, ["validate", "--annotations", str(root)]).exit_code == 0
    else:
        assert result.exit_code == 1, result.output
        assert files_of(root) == before


@settings(max_examples=60)
@given(st.text(max_size=200))
def test_any_text_as_a_corpus_file_reads_as_records_or_findings(text):
    findings: list = []
    items = list(items_of_text(text, "x.jsonl", findings))
    assert all(hasattr(i, "where") for i in items)
    assert all(f.file == "x.jsonl" for f in findings)


def test_the_corpus_files_are_the_jsonl_entries_of_the_folder_sorted_by_name(tmp_path):
    folder = tmp_path / "annotations" / "corpus"
    folder.mkdir(parents=True)
    for name in ("b.jsonl", "a-b.jsonl", "a.jsonl", ".hidden.jsonl", "c.json", "d.JSONL"):
        (folder / name).write_text("", encoding="utf-8")
    assert corpus_files(tmp_path / "annotations") == sorted(folder.glob("*.jsonl"))
    assert [p.name for p in corpus_files(tmp_path / "annotations")] == [
        ".hidden.jsonl",
        "a-b.jsonl",
        "a.jsonl",
        "b.jsonl",
    ]
    assert corpus_files(tmp_path / "nothing") == []
