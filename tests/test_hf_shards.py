"""A corpus larger than one shard: built by worker processes, the same bytes at any parallelism, all or nothing."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import json
import subprocess
from pathlib import Path
from typing import Any

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


def test_datasets_reads_each_row_group_as_one_batch_even_when_a_later_one_is_larger(
    sharded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    root, _ = sharded
    monkeypatch.setattr(builder, "CHUNK_DOCS", 2)  # row groups of 2 documents, then 1 or 2
    out = tmp_path / "out"
    builder.build(root, out, jobs=1)
    later_larger = False
    for config in hf.CONFIGS:
        made = datasets.load_dataset_builder(str(out), config, cache_dir=str(tmp_path / "cache"))
        batch_size = made.config.batch_size
        for path in sorted((out / "data" / config).glob("*.parquet")):
            meta = pq.ParquetFile(path).metadata
            rows = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
            later_larger |= max(rows) > rows[0]
            # datasets' default, the first row group's rows, would cut the larger ones in two
            assert isinstance(batch_size, int) and batch_size >= max(rows), (config, path.name, rows, batch_size)
        loaded = datasets.load_dataset(str(out), config, cache_dir=str(tmp_path / "cache"))[hf.SPLIT]
        assert loaded.num_rows == sum(pq.ParquetFile(p).metadata.num_rows for p in (out / "data" / config).iterdir())
    assert later_larger, "no file has a row group larger than its first: the test shows nothing"


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


_KILLED_BUILD = """
import os, signal, sys
from pathlib import Path
from corpus_pkg import builder

def killed(*args, **kwargs):  # every file is staged; the build dies before moving them in or cleaning up
    os.kill(os.getpid(), signal.SIGKILL)

builder._install = killed
builder.SHARD_DOCS = int(sys.argv[3])
builder.build(Path(sys.argv[1]), Path(sys.argv[2]), jobs=1)
"""


def test_a_staging_folder_left_by_a_killed_build_is_removed_by_the_next_build_and_a_live_ones_is_kept(
    sharded, tmp_path: Path
) -> None:
    import socket
    import subprocess
    import sys

    root, _ = sharded
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-c", _KILLED_BUILD, str(root), str(out), str(PER_SHARD)], check=False)
    assert run.returncode == -9
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".out.build-")]
    assert len(left) == 1 and any(left[0].rglob("*.parquet")), left
    host = socket.gethostname()
    live = tmp_path / f".out.build-{host}-{os.getpid()}-live"  # this process runs: its folder stays
    elsewhere = tmp_path / ".out.build-another-host-1-x"  # another host's: not ours to judge
    live.mkdir()
    elsewhere.mkdir()

    result = builder.build(root, out, jobs=1)

    assert result.stale == left
    assert not left[0].exists()
    assert live.is_dir() and elsewhere.is_dir()
    assert (out / "README.md").is_file()
    assert builder.remove_stale_staging(tmp_path, ".out.build") == []


_STUCK_BUILD = """
import signal, sys, time
from pathlib import Path
from corpus_pkg import builder

def stuck(task):  # a shard that takes ten minutes
    time.sleep(600)

if __name__ == "__main__":
    builder._build_shard = stuck
    builder.SHARD_DOCS = int(sys.argv[3])
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even if started where it is ignored
    builder.build(Path(sys.argv[1]), Path(sys.argv[2]), jobs=2)
"""


def _children(pid: int) -> list[int]:
    """The live (not zombie) processes whose parent is ``pid``, from /proc."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            out.append(int(d.name))
    return out


def _running(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _stuck_build(root: Path, tmp_path: Path) -> tuple[Any, list[int]]:
    """A build of stuck shards in a child process, and its two workers once they are in their shards."""
    import subprocess
    import sys
    import time

    script = tmp_path / "stuck_build.py"  # a file, so that spawned workers can import its `stuck`
    script.write_text(_STUCK_BUILD, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(root), str(tmp_path / "out"), str(PER_SHARD)])
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        workers = [c for c in _children(proc.pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]
        if len(workers) == 2:
            break
        time.sleep(0.2)
    if len(workers) != 2:
        proc.kill()
        proc.wait()
    assert len(workers) == 2, "the build did not start its two workers"
    time.sleep(3)  # the workers are in their shards
    return proc, workers


def test_the_workers_of_a_killed_build_exit_with_it(sharded, tmp_path: Path) -> None:
    import time

    if not Path("/proc/self/stat").is_file():
        pytest.skip("needs /proc (Linux)")
    root, _ = sharded
    proc, workers = _stuck_build(root, tmp_path)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(map(_running, workers)):
        time.sleep(0.2)
    assert not any(map(_running, workers)), "a worker outlived its killed build"


_KILLED_CHECK = """
import os, signal, sys
from pathlib import Path
from corpus_pkg import builder

def killed(*args, **kwargs):  # every file is staged; the check dies before comparing or cleaning up
    os.kill(os.getpid(), signal.SIGKILL)

builder._compare = killed
builder.SHARD_DOCS = int(sys.argv[3])
builder.check(Path(sys.argv[1]), Path(sys.argv[2]), jobs=1)
"""


def test_a_folder_left_by_a_killed_check_in_the_temporary_folder_is_removed_by_the_next_check(
    sharded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys
    import tempfile

    root, _ = sharded
    out = tmp_path / "out"
    builder.build(root, out, jobs=1)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    args = [sys.executable, "-c", _KILLED_CHECK, str(root), str(out), str(PER_SHARD)]
    run = subprocess.run(args, check=False, env=dict(os.environ, TMPDIR=str(tmp)))
    assert run.returncode == -9
    left = list(tmp.glob("corpus-check-*"))
    assert len(left) == 1 and any(left[0].rglob("*.parquet")), left
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    assert builder.check(root, out, jobs=1) == []
    assert list(tmp.iterdir()) == []


def test_an_interrupted_build_ends_within_seconds_with_its_workers_and_leaves_nothing(sharded, tmp_path: Path) -> None:
    # Ctrl-C in the middle of shards that would take ten minutes: no waiting for them.
    import signal

    if not Path("/proc/self/stat").is_file():
        pytest.skip("needs /proc (Linux)")
    root, _ = sharded
    proc, workers = _stuck_build(root, tmp_path)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("the interrupted build waited for its shards")
    assert proc.returncode != 0
    assert not any(map(_running, workers)), "a worker outlived its interrupted build"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.build")], "staging left behind"
    assert not (tmp_path / "out").exists()
