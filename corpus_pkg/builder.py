"""Building ``dataset/`` from the annotations, deterministically, and checking that it is up to date.

The folder holds the Parquet files of each config under ``data/<config>/``, the
README.md dataset card (``corpus_pkg.card``), a copy of the datasheet for the
package's own corpus, ``croissant.json`` and a MANIFEST (``sha256sum``
format) of every other file.

A corpus of up to ``SHARD_DOCS`` documents gives one file per config
(``test-00000-of-00001.parquet``). A larger one is cut into shards of
consecutive documents (by doc_id), ``test-0000K-of-0000N.parquet``, the same
cut in every config; each shard is validated, converted and written by a worker
process (this process when there is one shard) reading only its documents'
files, a run of ``tables.CHUNK_DOCS`` at a time, so memory depends on the
shard size and not on the corpus size. The cut depends only on the number of
documents, never on the machine, so the bytes do not depend on the number of
processes. Nothing is installed unless every shard succeeded, and only files
whose bytes change are rewritten.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import math
import os
import shutil
import socket
import tempfile
from collections import ChainMap, Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_pkg.card import ConfigStats, Source, card_body, card_yaml, source_of
from corpus_pkg.hf import CONFIGS, DATASHEET, MANIFEST, README, shard_path
from corpus_pkg.jsonio import write_bytes_atomic
from corpus_pkg.model import AnnotatedDocument
from corpus_pkg.project import Project, current, dataset_dir, use
from corpus_pkg.storage import DocRecords, records_of
from corpus_pkg.tables import CHUNK_DOCS, ParquetShard, TableBuilder, arrow_schemas, combined_fingerprint, no_gc

if TYPE_CHECKING:
    from corpus_pkg.croissant import FolderFiles


# Documents per Parquet shard: a worker peaks near 1.4 GB on 5,000 documents of ~4 kB
# text and ~50 spans, and every file (the ner shard is the largest, ~14 MB) stays far
# below the sizes the Hub and `datasets` stream or download comfortably.
SHARD_DOCS = 5_000


def shard_count(n_docs: int) -> int:
    return max(1, math.ceil(n_docs / SHARD_DOCS))


def shard_bounds(n_docs: int, shards: int) -> list[tuple[int, int]]:
    """Start and end index of each shard: consecutive and as even as possible."""
    return [(i * n_docs // shards, (i + 1) * n_docs // shards) for i in range(shards)]


@dataclass
class ShardResult:
    """What one shard gives the card, or why it could not be built (``error_count`` > 0)."""

    index: int
    rows: dict[str, int] = field(default_factory=dict)
    nbytes: dict[str, int] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    relations: int = 0
    left_out: Counter[tuple[str, str]] = field(default_factory=Counter)  # (status, record kind) -> count
    first_error: str | None = None
    error_count: int = 0


def _write_shard(
    chunks: Iterable[list[DocRecords]],
    index: int,
    sinks: dict[str, Any],
    include: Collection[str] = (),
    schemas: dict[str, Any] | None = None,
) -> ShardResult:
    """Write one shard's Parquet file of every config into ``sinks`` (config -> path or stream) from runs of
    documents' records sorted by doc_id: gold and the statuses in ``include``. Only one run is held at a time."""
    from corpus_pkg.review import publishable

    made = TableBuilder(schemas=schemas)
    out = ParquetShard(sinks, made.schemas)
    result = ShardResult(index)
    try:
        for docs in chunks:
            published = []
            for d in docs:
                kept, dropped = publishable(d, include)
                published.append(kept)
                result.left_out.update(dropped)
            out.write(made.tables(published))
            result.sources += [source_of(d.document) for d in published]
            result.relations += sum(len(d.relations) for d in published)
    finally:
        out.close()
    result.rows, result.nbytes, result.digests = dict(made.rows), dict(made.nbytes), made.digests()
    return result


def _shard_files(
    docs: list[DocRecords], index: int, count: int, include: Collection[str] = ()
) -> tuple[ShardResult, dict[str, bytes]]:
    """The Parquet files of one shard of documents sorted by doc_id, made in memory."""
    import pyarrow as pa

    sinks = {c: pa.BufferOutputStream() for c in CONFIGS}
    chunks = (docs[i : i + CHUNK_DOCS] for i in range(0, max(len(docs), 1), CHUNK_DOCS))
    with no_gc():
        result = _write_shard(chunks, index, sinks, include)
    return result, {shard_path(c, index, count): sink.getvalue().to_pybytes() for c, sink in sinks.items()}


def _metadata_files(
    data: Mapping[str, bytes], shards: list[ShardResult], datasheet: bytes | None = None
) -> dict[str, bytes]:
    """README.md, croissant.json, MANIFEST (and the datasheet, if given) for the Parquet files ``data``."""
    import yaml

    from corpus_pkg.croissant import FILENAME, build_croissant_from, dumps
    from corpus_pkg.datasheet import block

    stats = {
        c: ConfigStats(
            rows=sum(r.rows[c] for r in shards),
            nbytes=sum(r.nbytes[c] for r in shards),
            fingerprint=combined_fingerprint([r.digests[c] for r in shards]),
            shards=len(shards),
        )
        for c in CONFIGS
    }
    sources = [s for r in shards for s in r.sources]
    front = yaml.safe_dump(card_yaml(stats), sort_keys=False, allow_unicode=True, width=10_000)
    agreement = block(datasheet.decode("utf-8"), "agreement-headline") if datasheet is not None else None
    body = card_body(
        stats, sources, sum(r.relations for r in shards), datasheet=datasheet is not None, agreement=agreement
    )
    out = {README: f"---\n{front}---\n\n{body}".encode()}
    if datasheet is not None:
        out[DATASHEET] = datasheet
    out[FILENAME] = dumps(build_croissant_from(data)).encode()
    out[MANIFEST] = manifest(ChainMap(out, data)).encode()
    return out


def render(
    docs: list[AnnotatedDocument],
    datasheet: bytes | None = None,
    include: Collection[str] = (),
    left_out: Counter[tuple[str, str]] | None = None,
) -> dict[str, bytes]:
    """Every file of the dataset folder, by relative path, made in this process (``left_out`` counts
    what was not published)."""
    records = sorted((records_of(d) for d in docs), key=lambda d: d.doc_id)
    count = shard_count(len(records))
    files: dict[str, bytes] = {}
    shards = []
    for i, (a, b) in enumerate(shard_bounds(len(records), count)):
        result, data = _shard_files(records[a:b], i, count, include)
        shards.append(result)
        files.update(data)
        if left_out is not None:
            left_out.update(result.left_out)
    files.update(_metadata_files(files, shards, datasheet))
    return dict(sorted(files.items()))


def manifest(files: Mapping[str, bytes]) -> str:
    """``sha256sum`` lines for every file but the manifest itself (read one at a time)."""
    return "".join(f"{hashlib.sha256(files[p]).hexdigest()}  {p}\n" for p in sorted(files) if p != MANIFEST)


# ---------------------------------------------------------------- build and check


@dataclass
class BuildResult:
    out_dir: Path
    written: list[str]
    unchanged: list[str]
    removed: list[str]
    left_out: Counter[tuple[str, str]] = field(default_factory=Counter)  # what was not published, by status
    stale: list[Path] = field(default_factory=list)  # staging folders of interrupted builds, removed


def _staging_prefix(stem: str) -> str:
    """The name a staging folder starts with: ``stem`` (``.<out>.build`` beside the output, or
    ``corpus-check`` in the temporary folder), this host and this process, so a later run can tell a
    folder left by a killed one from one still being written."""
    return f"{stem}-{socket.gethostname()}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process, alive
        pass
    return True


def remove_stale_staging(folder: Path, stem: str) -> list[Path]:
    """Remove the staging folders named after ``stem`` in ``folder`` that runs on this host left when they
    were killed before their cleanup ran (a run removes its own otherwise), and return them. A folder
    whose process still runs, or made on another host sharing the folder, is left alone."""
    mine = f"{stem}-{socket.gethostname()}-"
    gone = []
    for path in folder.glob(f"{glob.escape(mine)}*"):
        pid = path.name[len(mine) :].split("-", 1)[0]
        if path.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            gone.append(path)
    return sorted(gone)


def existing_files(out_dir: Path) -> set[str]:
    """The files of a dataset folder by relative path (hidden ones, such as staging, left out)."""
    if not out_dir.is_dir():
        return set()
    return {
        p.relative_to(out_dir).as_posix()
        for p in out_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out_dir).parts)
    }


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _corpus_paths(annotations_root: Path | None) -> list[Path]:
    """The corpus files sorted by doc_id; ValueError if there is none."""
    from corpus_pkg.storage import corpus_dir, corpus_files

    files = corpus_files(annotations_root)
    if not files:
        raise ValueError(f"no corpus files (*.jsonl) found in {corpus_dir(annotations_root)}")
    return sorted(files, key=lambda p: p.name[:-6])  # the stem: every name ends with .jsonl


@dataclass(frozen=True)
class _ShardTask:
    index: int
    count: int
    paths: list[Path]
    root: Path | None
    dest: Path
    project: Project
    include: frozenset[str] = frozenset()
    schemas: dict[str, Any] | None = None  # the configs' Arrow schemas, made once by the parent


def _read_ahead(paths: list[Path]) -> None:
    """Ask the kernel to read these files into the page cache (``posix_fadvise`` WILLNEED), from a thread:
    on a cold cache the call waits for the disk there, not in the thread that computes, and on a warm
    one it costs almost nothing. Opened non-blocking, as ``storage.open_input`` opens them, so a FIFO
    cannot hold the thread (the advice then fails, and is ignored); every problem is left for the real
    read to report."""
    from corpus_pkg.storage import READ_FLAGS

    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    for path in paths:
        try:
            fd = os.open(path, READ_FLAGS)
        except OSError:
            continue
        try:
            advise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


def _read_chunk(paths: list[Path], errors: list[Any]) -> list[DocRecords]:
    """The records of these corpus files (sorted by doc_id), every rule checked as ``validate_corpus_files``
    checks them; their errors go to ``errors``.

    A file proven clean on the valid path (``validate.clean_corpus_file``) gives its records without model
    objects. The others are read the reference way, as model objects through the ``Checker``, which words
    every finding; if they hold warnings only, their objects give the records.
    """
    from corpus_pkg.storage import assemble, corpus_items
    from corpus_pkg.validate import Checker, Report, check_files_hold_their_document, clean_corpus_file

    clean = {p: clean_corpus_file(p) for p in paths}
    others = [p for p, got in clean.items() if got is None]
    read: dict[str, DocRecords] = {}
    if others:
        report = Report()
        check_files_hold_their_document(others, report)
        checker = Checker(report, canonical_ids=True)
        items = []
        for path in others:
            for item in corpus_items(path, report.findings):
                checker.feed(item)
                items.append(item)
        checker.finish()
        errors.extend(report.errors)
        if report.errors:
            return []
        read = {d.doc_id: records_of(d) for d in assemble(items)}
    return [got if got is not None else read[p.stem] for p, got in clean.items()]


def _build_shard(task: _ShardTask) -> ShardResult:
    """Validate, convert and write one shard's Parquet files under ``task.dest`` (runs in a worker).

    The shard's files are read once, ``CHUNK_DOCS`` at a time (``_read_chunk``): each run is validated
    (every rule, as ``validate_corpus_files``) and its records become the run's tables, so a worker holds
    one run of documents and never the shard. Validation is per document, so each shard validates only
    its own files; the one check that spans shards (a doc_id held twice) is made by the caller. After the
    first error the rest is still validated, to count the errors, but nothing more is written; the caller
    discards the staging folder.
    """
    from concurrent.futures import ThreadPoolExecutor

    use(task.project)  # a spawned worker acts on its parent's project
    errors: list[Any] = []
    runs = [task.paths[i : i + CHUNK_DOCS] for i in range(0, len(task.paths), CHUNK_DOCS)]

    def chunks() -> Iterator[list[DocRecords]]:
        # While a run is checked and converted, a thread reads the next run's files into the page cache,
        # so a cold disk (a first build, or pages the system has dropped) reads while this process computes.
        with ThreadPoolExecutor(1, thread_name_prefix="read-ahead") as ahead:
            for k, paths in enumerate(runs):
                if k + 1 < len(runs):
                    ahead.submit(_read_ahead, runs[k + 1])
                docs = _read_chunk(paths, errors)
                if not errors:
                    yield docs

    sinks = {c: task.dest / shard_path(c, task.index, task.count) for c in CONFIGS}
    for path in sinks.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    with no_gc():
        result = _write_shard(chunks(), task.index, {c: str(p) for c, p in sinks.items()}, task.include, task.schemas)
    if errors:
        return ShardResult(task.index, first_error=errors[0].render(), error_count=len(errors))
    return result


def _start_worker(parent: int, stop: Any) -> None:
    """A worker's initializer. A thread ends the worker when its parent is gone or sets ``stop``: killed
    outright (SIGKILL, the OOM killer), the parent runs no cleanup, and its workers would go on with their
    shards and then wait forever to hand in a result nobody reads, holding their memory; interrupted
    (Ctrl-C), it would wait for the shards they are in. Then the imports every shard needs (pyarrow,
    spaCy's tokenizer), made while the parent is still preparing the tasks; a failure here is left for
    the shard to meet and report."""
    import threading

    def watch() -> None:
        while not stop.wait(0.5) and os.getppid() == parent:
            pass
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
    with contextlib.suppress(Exception):
        import pyarrow.parquet  # noqa: F401

        from corpus_pkg.tokens import _nlp

        _nlp()


@contextmanager
def _workers(jobs: int) -> Iterator[Any]:
    """A pool of ``jobs`` spawned worker processes, started at once (None for one job: this process).

    Spawned, not forked: a parent that already runs pyarrow's threads must not be forked. They are
    started before the parent computes the tasks' Arrow schemas (which imports ``datasets``, about a
    second), so their own imports run meanwhile."""
    if jobs == 1:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    with ProcessPoolExecutor(jobs, mp_context=spawn, initializer=_start_worker, initargs=(os.getpid(), stop)) as pool:
        for _ in range(jobs):  # a pool spawns a worker per submitted task, up to ``jobs``
            pool.submit(os.getpid)
        try:
            yield pool
        except BaseException:
            # Interrupted or failed: the workers end now, not when their shards are done, and none writes
            # into the staging folder once the caller removes it.
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _run_shards(tasks: list[_ShardTask], pool: Any) -> list[ShardResult]:
    """Every shard, in ``pool`` (this process when None); stops scheduling at the first shard that fails."""
    if pool is None:
        results = []
        for task in tasks:
            results.append(_build_shard(task))
            if results[-1].error_count:
                break
        return results
    from concurrent.futures import FIRST_COMPLETED, wait

    pending = {pool.submit(_build_shard, t) for t in tasks}
    results = []
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                results.append(f.result())
            if any(r.error_count for r in results):
                break
    finally:
        for f in pending:
            f.cancel()
    return sorted(results, key=lambda r: r.index)


def _datasheet(annotations_root: Path | None, docs: list[AnnotatedDocument] | None) -> bytes | None:
    """The datasheet ships in the dataset folder, beside the card that links it, but only for the
    package's own corpus: it describes those five articles, not any other annotations built with this code.
    """
    if docs is not None:
        return None
    project = current()
    root = Path(annotations_root) if annotations_root is not None else project.annotations
    own = project.root / "annotations" if project.root is not None else project.annotations
    if root.resolve() != own.resolve() or project.origin not in ("checkout", "installed package"):
        return None
    sheet = project.datasheet
    return sheet.read_bytes() if sheet.is_file() else None


def _render_folder(
    paths: list[Path],
    annotations_root: Path | None,
    dest: Path,
    jobs: int | None,
    datasheet: bytes | None = None,
    include: Collection[str] = (),
    left_out: Counter[tuple[str, str]] | None = None,
) -> FolderFiles:
    """Build every file of the dataset folder under ``dest``, one shard per worker process."""
    from corpus_pkg.croissant import FolderFiles

    count = shard_count(len(paths))
    with _workers(max(1, min(jobs or _cpu_count(), count))) as pool:
        schemas = arrow_schemas()
        tasks = [
            _ShardTask(i, count, paths[a:b], annotations_root, dest, current(), frozenset(include), schemas)
            for i, (a, b) in enumerate(shard_bounds(len(paths), count))
        ]
        results = _run_shards(tasks, pool)
    failed = [r for r in results if r.error_count]
    if failed:
        n = sum(r.error_count for r in failed)
        done = "" if len(results) == len(tasks) else f" in the {len(results)} of {count} shards checked"
        raise ValueError(
            f"the corpus does not validate ({n} error{'s' * (n != 1)}{done}; run `corpus validate`); "
            f"first: {failed[0].first_error}"
        )
    seen: set[str] = set()
    for doc_id in (s[0] for r in results for s in r.sources):
        if doc_id in seen:
            raise ValueError(f"the corpus does not validate: document {doc_id!r} is held by more than one file")
        seen.add(doc_id)
    if left_out is not None:
        for r in results:
            left_out.update(r.left_out)
    data = FolderFiles(dest, [shard_path(c, i, count) for c in CONFIGS for i in range(count)])
    meta = _metadata_files(data, results, datasheet)
    for rel, content in meta.items():
        write_bytes_atomic(dest / rel, content, durable=False)  # staging; moved in later
    return FolderFiles(dest, [*data, *meta])


def _move_if_changed(src: Path, dst: Path) -> bool:
    import filecmp

    if dst.is_file() and filecmp.cmp(src, dst, shallow=False):
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)
    return True


def _install(files: Mapping[str, bytes], out_dir: Path) -> BuildResult:
    from corpus_pkg.croissant import FolderFiles

    result = BuildResult(out_dir, [], [], [])
    for rel in sorted(files):
        if isinstance(files, FolderFiles):
            changed = _move_if_changed(files.path(rel), out_dir / rel)
        else:
            changed = write_bytes_atomic(out_dir / rel, files[rel])
        (result.written if changed else result.unchanged).append(rel)
    for rel in sorted(existing_files(out_dir) - set(files)):
        (out_dir / rel).unlink()
        result.removed.append(rel)
    for d in sorted((p for p in out_dir.rglob("*") if p.is_dir()), reverse=True):
        if not any(d.iterdir()):
            d.rmdir()
    return result


@contextmanager
def _rendered(
    annotations_root: Path | None,
    docs: list[AnnotatedDocument] | None,
    jobs: int | None,
    staging: Path | None,
    prefix: str,
    include: Collection[str] = (),
    left_out: Counter[tuple[str, str]] | None = None,
) -> Iterator[Mapping[str, bytes]]:
    """Every file the folder should hold: for a corpus on disk, shard by shard (in workers when there are
    several) into a temporary folder under ``staging``, removed afterwards; for ``docs``, in memory."""
    sheet = _datasheet(annotations_root, docs)
    if docs is not None:
        yield render(docs, sheet, include, left_out)
        return
    paths = _corpus_paths(annotations_root)
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=staging))
    try:
        yield _render_folder(paths, annotations_root, tmp, jobs, sheet, include, left_out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build(
    annotations_root: Path | None = None,
    out_dir: Path | None = None,
    docs: list[AnnotatedDocument] | None = None,
    *,
    jobs: int | None = None,
    include: Collection[str] = (),
) -> BuildResult:
    """Write the dataset folder from the (validated) annotations; files whose bytes are unchanged are not touched.

    A corpus of more than ``SHARD_DOCS`` documents read from disk is built shard by shard in ``jobs``
    worker processes (default: every available core) into a staging folder beside ``out_dir``, and moved
    in only when every shard succeeded. The workers are spawned, so a script that calls this on such a
    corpus needs the usual ``if __name__ == "__main__":`` guard. Documents given as ``docs`` are built
    in this process (in as many shards, so the bytes are the same). Only gold spans and relations are
    published, and those of the statuses in ``include`` (``review.publishable``).
    """
    out_dir = Path(out_dir) if out_dir is not None else dataset_dir()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stem = f".{out_dir.name}.build"
    stale = remove_stale_staging(out_dir.parent, stem)
    dropped: Counter[tuple[str, str]] = Counter()
    with _rendered(annotations_root, docs, jobs, out_dir.parent, _staging_prefix(stem), include, dropped) as files:
        result = _install(files, out_dir)
    result.left_out = dropped
    result.stale = stale
    return result


def check(
    annotations_root: Path | None = None,
    out_dir: Path | None = None,
    docs: list[AnnotatedDocument] | None = None,
    *,
    jobs: int | None = None,
    include: Collection[str] = (),
) -> list[str]:
    """What in the dataset folder is out of date with the annotations (empty when up to date); writes nothing.

    Parquet files are compared by content (rows, schema and features), not bytes, so a different pyarrow
    version that writes other bytes for the same data does not count as stale; the MANIFEST must match
    the files as they are.
    """
    out_dir = Path(out_dir) if out_dir is not None else dataset_dir()
    remove_stale_staging(Path(tempfile.gettempdir()), "corpus-check")
    with _rendered(annotations_root, docs, jobs, None, _staging_prefix("corpus-check"), include) as files:
        return _compare(files, out_dir)


def _compare(want: Mapping[str, bytes], out_dir: Path) -> list[str]:
    import pyarrow.parquet as pq

    from corpus_pkg.croissant import FolderFiles

    have = existing_files(out_dir)
    problems = [f"missing: {rel}" for rel in sorted(set(want) - have)]
    problems += [f"not generated by the build: {rel}" for rel in sorted(have - set(want))]
    for rel in sorted(want):
        path = out_dir / rel
        if rel not in have or rel == MANIFEST:
            continue
        data = want[rel]
        if rel.endswith(".parquet"):
            if path.read_bytes() == data:
                continue
            import pyarrow as pa

            try:
                same = pq.read_table(path).equals(pq.read_table(pa.BufferReader(data)), check_metadata=True)
            except Exception as e:  # a damaged file counts as stale
                problems.append(f"unreadable: {rel}: {e}")
                continue
            if not same:
                problems.append(f"out of date: {rel}")
        elif path.read_bytes() != data:
            problems.append(f"out of date: {rel}")
    if MANIFEST in have:
        # Files that should not be there are reported above; the manifest is checked over the rest.
        on_disk = FolderFiles(out_dir, sorted(have & set(want) - {MANIFEST}))
        if (out_dir / MANIFEST).read_text(encoding="utf-8") != manifest(on_disk):
            problems.append(f"{MANIFEST} does not match the files")
    return problems
