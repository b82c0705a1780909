"""The one reader and writer of annotation files.

On disk, ``annotations/corpus/<doc_id>.jsonl`` holds one document: its document
record on the first line, then its spans sorted by (start, end, layer, id), then
its relations sorted by (type, head, tail, id); keys sorted. Unchanged data is
rewritten byte-identically, so a git diff of an annotation change shows only the
lines that changed.

Reading turns each line into a model object that knows its file and line, or into
a finding (bad bytes, bad JSON, schema); it never raises on bad input and never
writes. Writing goes through ``write_documents``: all files of one change are
replaced together through a journal, under the project's write lock.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from corpus_pkg.errors import InvalidData, UsageProblem
from corpus_pkg.findings import Finding, short
from corpus_pkg.jsonio import dumps_lines, loads_strict, write_atomic
from corpus_pkg.model import AnnotatedDocument, Document, Record, Relation, Span, Where
from corpus_pkg.project import annotations_dir, is_inside
from corpus_pkg.schema_check import check as schema_check
from corpus_pkg.schema_check import is_valid, runs_valid

CORPUS_SUBDIR = "corpus"
LOCK_FILE = ".corpus.lock"
JOURNAL = ".merge-journal.json"
TMP_SUFFIX = ".merge-tmp"
# A batch larger than this is refused before it is read (bytes); CORPUS_MAX_BATCH_BYTES overrides it.
MAX_BATCH_BYTES = 2 * 1024**3
# Seconds a writer waits for another writer's lock; CORPUS_LOCK_TIMEOUT overrides it.
LOCK_TIMEOUT = 120.0
# Fault injection for the crash tests: the write SIGKILLs itself at this point.
KILL_AT_ENV = "CORPUS_MERGE_KILL_AT"
# Characters of a bad line quoted in a finding: enough to find the spot, not to copy the file.
QUOTE_CHARS = 24


def corpus_dir(root: Path | None = None) -> Path:
    return (root or annotations_dir()) / CORPUS_SUBDIR


def corpus_files(root: Path | None = None) -> list[Path]:
    """The ``*.jsonl`` entries of the corpus folder, sorted by name (none if there is no folder). Listed
    with ``os.scandir``: ``Path.glob`` takes over a second for 100,000 files, the whole set-up of a build."""
    folder = corpus_dir(root)
    try:
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if e.name.endswith(".jsonl"))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [folder / name for name in names]


def document_path(doc_id: str, root: Path | None = None) -> Path:
    return corpus_dir(root) / f"{doc_id}.jsonl"


def is_corpus_file(path: Path, root: Path | None = None) -> bool:
    try:
        return path.is_file() and path.resolve().parent == corpus_dir(root).resolve()
    except OSError:
        return False


@dataclass(frozen=True)
class BatchHeader:
    """The optional first record of a batch: its id and the texts it was made against."""

    batch_id: str
    against: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    where: Where | None = None


@dataclass(frozen=True)
class Edit:
    """A batch's correction of an existing span or relation: ``update`` it to ``value``, or ``delete`` it.

    ``expect`` is ``model.content_hash`` of the record as the edit expects to find it in the corpus, so a
    correction made against content that has changed since is refused. Edits exist only in batches.
    """

    op: str  # "update" or "delete"
    doc_id: str
    id: str
    expect: str
    value: Span | Relation | None = None  # update only
    where: Where | None = None


Item = Record | BatchHeader | Edit


# -- opening ----------------------------------------------------------------------------------------------------

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


# Non-blocking, so that opening a FIFO for reading cannot wait for a writer; on a regular file it changes nothing.
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _max_bytes() -> int:
    try:
        return int(os.environ.get("CORPUS_MAX_BATCH_BYTES", MAX_BATCH_BYTES))
    except ValueError:
        return MAX_BATCH_BYTES


def open_input(path: Path, findings: list[Finding], *, limit: int | None = None):
    """Open a regular file for reading, or add an ``io`` finding and return None.

    Anything that is not a regular file is refused before it could block (a FIFO
    opened for reading waits for a writer): the file is opened non-blocking and
    checked with fstat before a byte is read.
    """
    name = str(path)
    try:
        fd = os.open(path, READ_FLAGS)
    except FileNotFoundError:
        findings.append(Finding("io", "no such file", name))
        return None
    except IsADirectoryError:
        findings.append(Finding("io", "is a folder, not a file; give files", name))
        return None
    except OSError as e:
        findings.append(Finding("io", e.strerror or str(e), name))
        return None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        what = next((w for test, w in _KINDS if test(st.st_mode)), "not a regular file")
        findings.append(Finding("io", f"is {what}, not a regular file; refused without reading it", name))
        return None
    cap = _max_bytes() if limit is None else limit
    if st.st_size > cap:
        os.close(fd)
        findings.append(
            Finding(
                "io",
                f"is {st.st_size:,} bytes, more than the {cap:,} a batch may have (CORPUS_MAX_BATCH_BYTES); "
                "split it at document boundaries",
                name,
            )
        )
        return None
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


# -- lines ------------------------------------------------------------------------------------------------------


class Line(NamedTuple):
    file: str
    number: int
    text: str


def raw_lines(
    path: Path, findings: list[Finding], *, start: int = 0, end: int | None = None, first_line: int = 1
) -> Iterator[tuple[str, int, bytes]]:
    """(file, number, bytes) of the non-blank lines of a file (or of its bytes [start, end), which begin
    at line ``first_line``), without the line break; a BOM and CRLF become findings, never exceptions."""
    f = open_input(path, findings)
    if f is None:
        return
    name = str(path)
    with f:
        f.seek(start)
        pos = start
        number = first_line - 1
        for raw in f:
            number += 1
            if end is not None:
                if pos >= end:
                    break
                pos += len(raw)
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                findings.append(
                    Finding("io", "file starts with a UTF-8 byte order mark (BOM); save it without BOM", name, 1)
                )
                raw = raw[3:]
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            if raw.endswith(b"\r"):
                findings.append(Finding("json", "line ends with CR (CRLF line endings); use LF", name, number))
                continue
            if not raw or raw.isspace():
                continue
            yield name, number, raw


def decode_line(name: str, number: int, raw: bytes, findings: list[Finding]) -> Line | None:
    """A line's text, or None with a finding when its bytes are not UTF-8."""
    try:
        return Line(name, number, raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        findings.append(Finding("json", f"not valid UTF-8 at byte {e.start} of the line", name, number))
        return None


def iter_lines(
    path: Path, findings: list[Finding], *, start: int = 0, end: int | None = None, first_line: int = 1
) -> Iterator[Line]:
    """The decoded, non-blank lines of a file (or of its bytes [start, end), which begin at line
    ``first_line``); bad bytes and CRLF become findings, never exceptions."""
    for name, number, raw in raw_lines(path, findings, start=start, end=end, first_line=first_line):
        line = decode_line(name, number, raw, findings)
        if line is not None:
            yield line


def lines_of_text(text: str, file: str) -> Iterator[Line]:
    """The non-blank lines of JSONL already in memory (e.g. a file at a git revision)."""
    for number, raw in enumerate(text.split("\n"), start=1):
        if raw.strip():
            yield Line(file, number, raw)


def _quote_near(text: str, pos: int | None) -> str:
    """A few characters around ``pos``: enough to find the spot, never the whole line."""
    if pos is None:
        return repr(text[:QUOTE_CHARS]) + ("…" if len(text) > QUOTE_CHARS else "")
    a = max(0, pos - QUOTE_CHARS // 2)
    return ("…" if a else "") + repr(text[a : a + QUOTE_CHARS]) + ("…" if a + QUOTE_CHARS < len(text) else "")


def parse_value(line: Line, findings: list[Finding]) -> tuple[Any, bool] | None:
    """The JSON value of a line, and whether it is already proven schema-valid; None (with a finding) if not JSON.

    orjson parses; a value it reads that the fast schema check accepts is taken as is. Anything
    else is parsed again strictly (refusing NaN, Infinity and lone surrogates, which orjson and
    ``json`` could read differently). A line that does not even start like JSON is not quoted.
    """
    try:
        value = orjson.loads(line.text)
    except orjson.JSONDecodeError:
        value = None
    if value is not None and is_valid(value):
        return value, True
    try:
        return loads_strict(line.text), False
    except (ValueError, RecursionError) as e:
        looks_json = line.text.lstrip()[:1] in ("{", "[", '"')
        pos = getattr(e, "pos", None)
        message = f"invalid JSON: {getattr(e, 'msg', None) or short(str(e), 120)}"
        if pos is not None:
            message += f" at column {pos + 1}"
        context = f"near {_quote_near(line.text, pos)}" if looks_json else None
        findings.append(Finding("json", message, line.file, line.number, None, None, context))
        return None


def _header(value: dict[str, Any], where: Where) -> BatchHeader:
    return BatchHeader(value["batch_id"], dict(value.get("against") or {}), value.get("description"), where)


def _edit(value: dict[str, Any], where: Where) -> Edit:
    inner = value.get("value")
    new = to_item(inner, where) if inner is not None else None
    assert new is None or isinstance(new, Span | Relation)
    return Edit(value["op"], value["doc_id"], value["id"], value["expect"], new, where)


# record type -> the model object of a schema-valid record of that type
_MAKERS: dict[str, Callable[[dict[str, Any], Where], Item]] = {
    "span": Span.from_dict,
    "relation": Relation.from_dict,
    "document": Document.from_dict,
    "batch": _header,
    "edit": _edit,
}


# The same for a record parsed from a line and proven valid, which nobody else holds: spans and
# relations take over its dict (see Span.adopt).
_ADOPTERS: dict[str, Callable[[dict[str, Any], Where], Item]] = {
    **_MAKERS,
    "span": Span.adopt,
    "relation": Relation.adopt,
}


def to_item(value: dict[str, Any], where: Where) -> Item:
    """The model object of a schema-valid record."""
    return _MAKERS[value["record"]](value, where)


def item_of_value(value: Any, where: Where, findings: list[Finding], *, checked: bool = False) -> Item | None:
    """A parsed JSON value as a model object, or None with its schema findings."""
    if not checked:
        problems = schema_check(value, where.file, where.line)
        if problems:
            findings.extend(problems)
            return None
    return to_item(value, where)


RawLine = tuple[str, int, bytes]  # (file, line number, the line's bytes), as raw_lines yields them


def read_items(path: Path, findings: list[Finding], **window: Any) -> Iterator[Item]:
    """Every record of a JSONL file as a model object, in file order; problems go to ``findings``.

    A file whose first line is not JSON at all is reported once and not read further, so a
    wrong path (a binary, a log, someone's private file) is never echoed line by line.
    """
    return items_of_raw(raw_lines(path, findings, **window), findings)


def items_of_raw(raw: Iterable[RawLine], findings: list[Finding], *, seen_json: bool = False) -> Iterator[Item]:
    """``read_items`` over lines already read (``seen_json``: JSON was read before them, so a first line
    that is not JSON is a finding of its own, not a reason to stop)."""
    for name, number, raw_line in raw:
        # The valid path: orjson parses the bytes (refusing bad UTF-8) and the compiled schema proves the
        # record, which becomes its model object without a copy. Anything else is decoded and goes
        # through parse_value, which words every finding.
        try:
            value = orjson.loads(raw_line)
        except orjson.JSONDecodeError:
            value = None
        if value is not None and is_valid(value):
            seen_json = True
            yield _ADOPTERS[value["record"]](value, Where(name, number))
            continue
        line = decode_line(name, number, raw_line, findings)
        if line is None:
            continue
        parsed = parse_value(line, findings)
        if parsed is None:
            if not seen_json and line.text.lstrip()[:1] not in ("{", "[", '"'):
                findings.append(Finding("io", "not a JSONL file (its first line is not JSON); not read", line.file))
                return
            seen_json = True
            continue
        seen_json = True
        value, checked = parsed
        where = Where(line.file, line.number)
        item = _MAKERS[value["record"]](value, where) if checked else item_of_value(value, where, findings)
        if item is not None:
            yield item


@dataclass
class ParsedRun:
    """Consecutive lines holding records of one document, parsed and schema-valid, not yet model objects.

    ``spans`` maps each layer to its spans in file order. The values are the dicts orjson made;
    nothing else holds them.
    """

    doc_id: str
    lines: list[RawLine]
    head: dict[str, Any]  # the record on its first line
    documents: list[dict[str, Any]]
    spans: dict[str, list[dict[str, Any]]]
    relations: list[dict[str, Any]]


_RUN_RECORDS = frozenset(("document", "span", "relation"))


def _read_regular(path: Path) -> bytes | None:
    """The bytes of a regular file of at most the batch limit, or None for anything else (which
    ``open_input`` then reports): ``open_input``'s checks on the file descriptor, without a file object
    (a tenth of the valid path's reading cost), as the valid path reads every corpus file. Opened
    non-blocking, so a FIFO cannot hold it; on a regular file that flag changes nothing."""
    try:
        fd = os.open(path, READ_FLAGS)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _max_bytes():
            return None
        parts = []
        while part := os.read(fd, max(st.st_size + 1, 1 << 16)):  # +1: the file may have grown
            parts.append(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)
    except OSError:
        return None
    finally:
        os.close(fd)


def document_run(path: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], list[dict[str, Any]]] | None:
    """A corpus file's records (its document, its spans by layer, its relations) when it plainly holds one
    document's schema-valid records, the document first; None for anything else, which the reference
    reading then tells apart and words.

    The file is read whole and split at line breaks, with no look at each line beyond orjson: a file
    with a BOM, a CR or a blank line, or that is not a regular file or is too large, gives None
    (``raw_lines`` would report it or skip lines, and those line numbers count).
    """
    data = _read_regular(path)
    if data is None or not data.endswith(b"\n") or b"\r" in data or data.startswith(b"\xef\xbb\xbf"):
        return None
    raw = data[:-1].split(b"\n")
    if not all(raw):  # a blank line (looking for b"\n\n" in the data would cost ten times as much)
        return None
    try:
        values = [orjson.loads(line) for line in raw]
    except orjson.JSONDecodeError:
        return None
    head = values[0]
    if type(head) is not dict or head.get("record") != "document":
        return None
    doc_id = head.get("doc_id")
    spans: dict[str, list[dict[str, Any]]] = {}
    relations: list[dict[str, Any]] = []
    try:
        for v in values[1:]:
            kind = v.get("record")
            if kind == "span" and v.get("doc_id") == doc_id:
                spans.setdefault(v.get("layer"), []).append(v)
            elif kind == "relation" and v.get("doc_id") == doc_id:
                relations.append(v)
            else:
                return None
    except (AttributeError, TypeError):  # a line that is not an object, or an unhashable layer
        return None
    if not runs_valid([head], spans, relations):  # the document record too
        return None
    return head, spans, relations


class DocRecords(NamedTuple):
    """One document's records in file form (parsed JSON, as a corpus file holds them), in storage order.

    ``spans`` maps each layer to its spans sorted by (start, end, id), ``relations`` are sorted by
    (type, head, tail, id): the orders of ``AnnotatedDocument.sorted``. What the build turns into
    tables (``corpus_pkg.tables``): records read on the valid path need no model objects.
    """

    document: dict[str, Any]
    spans: dict[str, list[dict[str, Any]]]
    relations: list[dict[str, Any]]

    @property
    def doc_id(self) -> str:
        return self.document["doc_id"]


_SPAN_ORDER = itemgetter("start", "end", "id")
_RELATION_ORDER = itemgetter("type", "head", "tail", "id")


def sorted_records(
    document: dict[str, Any], spans: dict[str, list[dict[str, Any]]], relations: list[dict[str, Any]]
) -> DocRecords:
    """``DocRecords`` of records in any order (a hand-edited file need not keep the storage order)."""
    return DocRecords(
        document,
        {layer: sorted(items, key=_SPAN_ORDER) for layer, items in spans.items()},
        sorted(relations, key=_RELATION_ORDER),
    )


def records_of(doc: AnnotatedDocument) -> DocRecords:
    """The records of a document made in memory or read as model objects."""
    spans: dict[str, list[dict[str, Any]]] = {}
    for s in doc.spans:
        spans.setdefault(s.layer, []).append(s.to_dict())
    return sorted_records(doc.document.to_dict(), spans, [r.to_dict() for r in doc.relations])


def valid_runs(raw: Iterator[RawLine]) -> Iterator[ParsedRun | BatchHeader | list[RawLine]]:
    """The runs of a JSONL file's lines that ``items_of_raw`` would read as valid records, without it.

    Yields a batch header first if the first line is a valid one, then a ``ParsedRun`` per run of
    consecutive lines that parse as schema-valid documents, spans and relations of one document.
    At the first line that is anything else (not JSON, not valid, another kind of record), it
    yields the lines from the start of the run that line is in, that line included, as a list and
    stops: from there the caller reads ``raw`` the reference way (``items_of_raw``). A run ends at a
    line that is proven valid and names another document, so a run is the same run of records the
    reference reading makes. The schema is checked per run, with one compiled validator call per
    layer (``schema_check.runs_valid``).
    """
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    lines: list[RawLine] = []
    documents: list[dict[str, Any]] = []
    spans: dict[str, list[dict[str, Any]]] = {}
    relations: list[dict[str, Any]] = []
    current: Any = None
    head: dict[str, Any] = {}
    first = True
    for line in raw:
        try:
            value = loads(line[2])
        except decode_error:
            yield [*lines, line]
            return
        if type(value) is not dict:
            yield [*lines, line]
            return
        kind = value.get("record")
        if first:
            first = False
            if kind == "batch" and is_valid(value):
                yield _header(value, Where(line[0], line[1]))
                continue
        if kind not in _RUN_RECORDS:
            yield [*lines, line]
            return
        doc_id = value.get("doc_id")
        if doc_id != current:
            if lines:
                # The run ends here only if this line is a valid record of another document.
                if not (is_valid(value) and runs_valid(documents, spans, relations)):
                    yield [*lines, line]
                    return
                yield ParsedRun(current, lines, head, documents, spans, relations)
                lines, documents, spans, relations = [], [], {}, []
            current, head = doc_id, value
        lines.append(line)
        if kind == "span":
            layer = value.get("layer")
            try:
                spans[layer].append(value)
            except KeyError:
                spans[layer] = [value]
            except TypeError:  # an unhashable layer: not valid
                yield lines
                return
        elif kind == "relation":
            relations.append(value)
        else:
            documents.append(value)
    if lines:
        if runs_valid(documents, spans, relations):
            yield ParsedRun(current, lines, head, documents, spans, relations)
        else:
            yield lines


def items_of_text(text: str, file: str, findings: list[Finding]) -> Iterator[Item]:
    """Every record of JSONL text already in memory (e.g. a file at a git revision) as a model object."""
    for line in lines_of_text(text, file):
        parsed = parse_value(line, findings)
        if parsed is not None:
            item = item_of_value(parsed[0], Where(file, line.number), findings, checked=parsed[1])
            if item is not None:
                yield item


EDIT_IN_CORPUS = "an edit record belongs in a batch; a corpus file holds its document, spans and relations"


def corpus_items(path: Path, findings: list[Finding]) -> Iterator[Item]:
    """``read_items`` of a corpus file: an edit record there is a finding, not a record."""
    for item in read_items(path, findings):
        if isinstance(item, Edit):
            where = item.where or Where(str(path))
            findings.append(Finding("schema", EDIT_IN_CORPUS, where.file, where.line, "/record", item.id))
            continue
        yield item


def first_record(path: Path) -> Any:
    """The JSON value on the first line of a file, or None if it cannot be read (used to name a file's document)."""
    try:
        with open(path, "rb") as f:
            first = f.readline()
        return loads_strict(first.decode("utf-8-sig"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None


def assemble(items: Iterable[Item]) -> list[AnnotatedDocument]:
    """Documents from their records (any order); records of a document not given are dropped."""
    docs: dict[str, AnnotatedDocument] = {}
    spans: list[Span] = []
    rels: list[Relation] = []
    for it in items:
        if isinstance(it, Document):
            docs[it.doc_id] = AnnotatedDocument(it)
        elif isinstance(it, Span):
            spans.append(it)
        elif isinstance(it, Relation):
            rels.append(it)
    for s in spans:
        if s.doc_id in docs:
            docs[s.doc_id].spans.append(s)
    for r in rels:
        if r.doc_id in docs:
            docs[r.doc_id].relations.append(r)
    return [docs[k].sorted() for k in sorted(docs)]


def read_document(doc_id: str, root: Path | None = None) -> AnnotatedDocument:
    """One corpus document; InvalidData if it is missing or does not read cleanly."""
    path = document_path(doc_id, root)
    if not path.is_file():
        raise InvalidData(f"document {doc_id!r} is not in the corpus ({path} does not exist)")
    findings: list[Finding] = []
    docs = assemble(corpus_items(path, findings))
    if findings or len(docs) != 1:
        first = findings[0].render() if findings else f"{path} holds no document record"
        raise InvalidData(f"{path} does not read cleanly (run `corpus validate`); first: {first}")
    return docs[0]


def load_corpus(root: Path | None = None) -> list[AnnotatedDocument]:
    """Every corpus document as read (schema-checked records only; the full rules are ``validate``'s)."""
    findings: list[Finding] = []
    items: list[Item] = []
    for path in corpus_files(root):
        items.extend(corpus_items(path, findings))
    if findings:
        raise InvalidData(f"the corpus does not read cleanly ({len(findings)} problems); first: {findings[0].render()}")
    return assemble(items)


# -- writing ----------------------------------------------------------------------------------------------------


def serialize(doc: AnnotatedDocument) -> str:
    d = doc.sorted()
    records: list[dict[str, Any]] = [d.document.to_dict()]
    records += [s.to_dict() for s in d.spans]
    records += [r.to_dict() for r in d.relations]
    return dumps_lines(records)


def _crash_point(name: str) -> None:
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _lock_timeout() -> float:
    try:
        return float(os.environ.get("CORPUS_LOCK_TIMEOUT", LOCK_TIMEOUT))
    except ValueError:
        return LOCK_TIMEOUT


@contextmanager
def write_lock(root: Path | None = None, *, echo: Callable[[str], None] | None = None) -> Iterator[list[str]]:
    """Hold the project's exclusive write lock; yield what recovery of an interrupted write did.

    Every command that writes the corpus holds it around its whole read-check-number-write, so
    ids are numbered against the corpus as it is when the write happens. Another writer is
    waited for (bounded, with a message); an interrupted write is finished or cleaned up first.
    """
    from filelock import FileLock, Timeout

    base = Path(root) if root else annotations_dir()
    base.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(base / LOCK_FILE))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        wait = _lock_timeout()
        say = echo or (lambda s: print(s, file=sys.stderr))
        say(f"waiting up to {wait:.0f} s for another command writing {base} to finish")
        t0 = time.monotonic()
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise UsageProblem(
                f"another command has been writing {base} for more than {time.monotonic() - t0:.0f} s "
                f"(lock {base / LOCK_FILE}); nothing was written. Try again when it has finished."
            ) from None
    try:
        yield recover(base)
    finally:
        lock.release()


def recover(root: Path | None = None) -> list[str]:
    """Finish or clean up an interrupted write (call it only under the write lock); return what was done."""
    base = Path(root) if root else annotations_dir()
    journal = base / JOURNAL
    done = []
    if journal.exists():
        entries = json.loads(journal.read_text(encoding="utf-8"))
        for tmp, target in entries:
            t, dst = base / tmp, base / target
            if t.exists():
                os.replace(t, dst)
                done.append(f"completed {target}")
        journal.unlink()
    # Temps of an interrupted write: staged corpus files, and the journal's own atomic-write temp.
    strays = list(base.glob(f".{JOURNAL}.*.tmp"))
    cdir = corpus_dir(base)
    if cdir.exists():
        # One pass over the folder: only hidden names can be temps, and a corpus may hold 100,000 files.
        with os.scandir(cdir) as entries:
            strays += [
                Path(e.path)
                for e in entries
                if e.name.startswith(".") and (e.name.endswith(TMP_SUFFIX) or e.name.endswith(".tmp"))
            ]
    for stray in strays:
        stray.unlink()
        done.append(f"removed unfinished {stray.name}")
    return done


def write_documents(docs: list[AnnotatedDocument], root: Path | None = None) -> list[Path]:
    """Replace the files of ``docs`` all together; return the files that changed. Hold ``write_lock``.

    1. every new file is written next to its target as ``.<name>.merge-tmp`` and fsynced (killed
       here: the previous files are intact; recovery removes the temps);
    2. the journal naming the temps is written atomically: the commit point;
    3. each temp is renamed over its target, then the journal is removed (killed here: recovery
       completes the renames).
    """
    base = Path(root) if root else annotations_dir()
    cdir = corpus_dir(base)
    cdir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    for d in docs:
        target = document_path(d.doc_id, base)
        if not is_inside(target, cdir):  # doc ids are validated; this guards the write itself
            raise UsageProblem(f"refusing to write outside {cdir}: {target}")
        data = serialize(d).encode("utf-8")
        if target.exists() and target.read_bytes() == data:
            continue
        tmp = target.with_name(f".{target.name}{TMP_SUFFIX}")
        with open(tmp, "wb") as f:
            f.write(data[: len(data) // 2])
            _crash_point("writing")
            f.write(data[len(data) // 2 :])
            f.flush()
            os.fsync(f.fileno())
        staged.append((tmp, target))
    if not staged:
        return []
    entries = [[str(t.relative_to(base)), str(p.relative_to(base))] for t, p in staged]
    _crash_point("staged")
    write_atomic(base / JOURNAL, json.dumps(entries))
    _crash_point("committed")
    for tmp, target in staged:
        os.replace(tmp, target)
        _crash_point("renaming")
    dir_fd = os.open(cdir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    (base / JOURNAL).unlink()
    return [p for _, p in staged]


def write_document(doc: AnnotatedDocument, root: Path | None = None) -> bool:
    """Write one document file (hold ``write_lock``); False when the bytes were already there."""
    return bool(write_documents([doc], root))
