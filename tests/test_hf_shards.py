"""A corpus larger than one shard: built by worker processes, the same bytes at any parallelism, all or nothing."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import json
from pathlib import Path

import datasets
import pytest
from helpers import write_corpus
from strategies import PROV

from corpus_pkg import builder, hf
from corpus_pkg.model import AnnotatedDocument, Document, make_span
from corpus_pkg.storage import corpus_files, write_document
from corpus_pkg.synthetic import generate
from corpus_pkg.validate import clean_corpus_file, validate_documents

N_DOCS, PER_SHARD = 11, 4  # three shards of 3, 4 and 4 documents


@pytest.fixture
def sharded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list]:
    monkeypatch.setattr(builder, "SHARD_DOCS", PER_SHARD)
    docs = list(generate(N_DOCS, seed=7))
    return write_corpus(tmp_path / "annotations", docs), docs


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_large_corpus_is_cut_into_the_same_shards_in_every_config(sharded, tmp_path: Path) -> None:
    root, _ = sharded
    builder.build(root, tmp_path / "out", jobs=1)
    names = files_of(tmp_path / "out")
    for config in hf.CONFIGS:
        assert [n for n in names if n.startswith(f"data/{config}/")] == [hf.shard_path(config, i, 3) for i in range(3)]
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "data/ner/test-*.parquet" in card


def test_two_workers_one_process_and_documents_in_memory_write_the_same_bytes(sharded, tmp_path: Path) -> None:
    root, docs = sharded
    builder.build(root, tmp_path / "one", jobs=1)
    builder.build(root, tmp_path / "two", jobs=2)
    builder.build(None, tmp_path / "mem", docs=docs)
    one = files_of(tmp_path / "one")
    assert one == files_of(tmp_path / "two")
    assert one == files_of(tmp_path / "mem")
    assert builder.check(root, tmp_path / "two", jobs=2) == []


def test_every_shard_loads_and_every_span_is_the_slice_of_its_text(sharded, tmp_path: Path) -> None:
    root, docs = sharded
    out = tmp_path / "out"
    builder.build(root, out, jobs=2)
    texts = {d.doc_id: d.document.text for d in docs}
    cache = str(tmp_path / "cache")
    assert sorted(datasets.load_dataset(str(out), "documents", cache_dir=cache)[hf.SPLIT]["doc_id"]) == sorted(texts)
    for config, layer in hf.SPAN_CONFIGS.items():
        ds = datasets.load_dataset(str(out), config, cache_dir=cache)[hf.SPLIT]
        want = sorted((d.doc_id, s.id) for d in docs for s in d.spans_in(layer))
        assert sorted(zip(ds["doc_id"], ds["id"], strict=True)) == want
        assert all(texts[r["doc_id"]][r["start"] : r["end"]] == r["text"] for r in ds)


def test_a_broken_document_in_the_last_shard_stops_the_build_and_changes_nothing(sharded, tmp_path: Path) -> None:
    root, _ = sharded
    out = tmp_path / "out"
    builder.build(root, out, jobs=2)
    before = files_of(out)
    last = sorted(corpus_files(root), key=lambda p: p.stem)[-1]
    lines = last.read_text(encoding="utf-8").splitlines()
    i = next(i for i, line in enumerate(lines) if '"record": "span"' in line)
    span = json.loads(lines[i])
    span["text"] = span["text"] + "x"
    lines[i] = json.dumps(span, ensure_ascii=False, sort_keys=True)
    last.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"does not validate.*{last.name}"):
        builder.build(root, out, jobs=2)
    assert files_of(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.build-")], "the staging folder was left"
    with pytest.raises(ValueError, match="text-mismatch"):
        builder.check(root, out, jobs=1)


def test_a_document_with_a_warning_and_a_file_out_of_order_build_the_same_bytes_as_in_memory(
    sharded, tmp_path: Path
) -> None:
    """The first is read the reference way (the valid path proves only clean files), the second on the
    valid path, which sorts what a hand edit left out of order."""
    root, docs = sharded
    text = "The e\u0301lite guests arrived on time."
    doc = Document.from_text("warned", text, "w.txt")
    start = text.index("\u0301")  # a boundary inside "é": a grapheme-split warning, not an error
    claim = make_span(
        doc,
        id="warned-c001",
        layer="claim",
        start=start,
        end=text.index(" on time"),
        label="CLAIM",
        attributes={"checkworthy": False, "factuality": "CT+", "source": "outlet"},
        provenance=PROV,
    )
    warned = AnnotatedDocument(doc, [claim])
    report = validate_documents([warned])
    assert [f.rule for f in report.findings] == ["grapheme-split"] and not report.errors
    write_document(warned, root)
    shuffled = sorted(corpus_files(root), key=lambda p: p.stem)[1]
    head, *rest = shuffled.read_text(encoding="utf-8").splitlines()
    shuffled.write_text("\n".join([head, *reversed(rest)]) + "\n", encoding="utf-8")
    assert clean_corpus_file(shuffled) is not None
    assert clean_corpus_file(root / "corpus" / "warned.jsonl") is None

    builder.build(root, tmp_path / "files", jobs=1)
    builder.build(None, tmp_path / "mem", docs=[*docs, warned])
    assert files_of(tmp_path / "files") == files_of(tmp_path / "mem")
    claims = datasets.load_dataset(str(tmp_path / "files"), "claims", cache_dir=str(tmp_path / "cache"))[hf.SPLIT]
    assert "\u0301lite guests arrived" in claims["text"]
