"""Any JSON anywhere in a Label Studio export gives findings or records, never an exception.

Exports reach us as batch files (``corpus validate`` / ``corpus merge``, read by
batches.export_items) and from the server (``corpus ls pull`` / ``agreement``,
read by sync). Each generated export starts valid, built from a real corpus document
with the module's own ``task_data`` and ``to_result``, and then one position (the
export, a task, data, an annotation, a result item, a value, labels, completed_by...)
is replaced by arbitrary JSON, or arbitrary JSON is inserted into a list, or a key is
dropped.
"""

from __future__ import annotations

import copy
import functools
import json
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

from helpers import write_corpus
from hypothesis import given
from hypothesis import strategies as st

from corpus_pkg.batches import export_items
from corpus_pkg.labelstudio import sync
from corpus_pkg.labelstudio.convert import task_data, to_result
from corpus_pkg.model import AnnotatedDocument
from corpus_pkg.storage import BatchHeader, load_corpus
from corpus_pkg.validate import Report

FILE = "export.json"


@functools.cache
def corpus_document() -> AnnotatedDocument:
    """The corpus document with the fewest spans: every position of its export is still worth mutating."""
    return min(load_corpus(), key=lambda d: (len(d.spans), d.doc_id))


@functools.cache
def valid_export() -> str:
    doc = corpus_document()
    result = to_result(doc)
    export = [
        {
            "id": 1,
            "data": task_data(doc.document),
            "annotations": [
                {
                    "id": 7,
                    "result": result,
                    "completed_by": {"id": 1, "email": "annotator@example.org"},
                    "was_cancelled": False,
                    "updated_at": "2026-11-23T10:00:00Z",
                }
            ],
            "predictions": [{"id": 3, "result": result, "model_version": "m1", "score": 0.5}],
            "drafts": [],
        }
    ]
    return json.dumps(export, ensure_ascii=False)


def _positions(value: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _positions(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _positions(v, (*path, i))
    return out


@functools.cache
def positions() -> tuple[list[tuple], list[tuple]]:
    """Every position of the valid export, and those outside result items (fewer, so drawn as often)."""
    every = _positions(json.loads(valid_export()))
    return every, [p for p in every if "result" not in p or p[-1] == "result"]


# Keys the readers look at, so generated objects often look almost right.
KEYS = [
    "id",
    "data",
    "doc_id",
    "text",
    "annotations",
    "predictions",
    "drafts",
    "result",
    "value",
    "labels",
    "choices",
    "start",
    "end",
    "type",
    "from_name",
    "to_name",
    "from_id",
    "to_id",
    "direction",
    "completed_by",
    "email",
    "was_cancelled",
    "updated_at",
    "model_version",
    "score",
    "relation",
    "label",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 5000)
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from([*KEYS, "PERSON", "speaker", "true", "right", "left"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=12,
)


def _apply(export: Any, path: tuple, op: str, new: Any) -> Any:
    if not path:
        return [new] if op == "insert" else new
    parent = export
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    target = parent[last]
    if op == "insert" and isinstance(target, list):
        target.insert(len(target) // 2, new)
    elif op == "delete" and isinstance(parent, dict):
        del parent[last]
    else:
        parent[last] = new
    return export


@st.composite
def mutated_exports(draw) -> Any:
    every, envelope = positions()
    path = draw(st.one_of(st.sampled_from(envelope), st.sampled_from(every)))
    op = draw(st.sampled_from(["replace", "insert", "delete"]))
    return _apply(json.loads(valid_export()), path, op, draw(json_values))


def _read_as_batch(export: Any) -> tuple[list, Report]:
    report = Report()
    read = []
    for item in export_items(export, FILE, report):
        value = {"record": "batch"} if isinstance(item, BatchHeader) else item.to_dict()
        read.append(SimpleNamespace(value=value, line=item.where.line))
    return read, report


def test_the_valid_export_of_a_corpus_document_reads_back_as_its_records():
    located, report = _read_as_batch(json.loads(valid_export()))
    assert not [f for f in report.findings if f.rule == "label-studio"], [f.render() for f in report.findings]
    spans = [loc.value for loc in located if loc.value.get("record") == "span"]
    assert len(spans) == len(corpus_document().spans)


def test_a_null_or_a_number_in_the_annotation_list_is_a_finding_naming_task_field_and_value():
    for bad in (None, 5):
        export = json.loads(valid_export())
        export[0]["annotations"].insert(0, bad)
        located, report = _read_as_batch(export)
        (finding,) = [f for f in report.findings if f.rule == "label-studio"]
        assert (finding.file, finding.line, finding.field) == (FILE, 1, "/annotations/0")
        assert finding.record_id == corpus_document().doc_id
        assert f"annotations.0 should be an object, is {bad!r}" in finding.message
        assert len(located) == 1, "only the batch header: the task is not read"


@given(mutated_exports())
def test_any_json_anywhere_in_an_export_file_gives_findings_or_records_never_an_exception(export):
    located, report = _read_as_batch(export)
    assert located[0].value["record"] == "batch"
    tasks = export if isinstance(export, list) else []
    for f in report.findings:
        # A task that cannot be read is a label-studio finding; a record read from it that breaks its
        # schema (a mutated label, say) is reported by the schema check, like any batch record.
        assert f.rule in ("label-studio", "schema", "unknown-label", "offset-range") and f.file == FILE
        assert f.line is None or 1 <= f.line <= len(tasks)
    read = {loc.line for loc in located[1:]}
    reported = {f.line for f in report.findings if f.rule == "label-studio"}
    assert not read & reported, "a task is either read or reported, not both"


@given(mutated_exports())
def test_any_json_anywhere_in_a_servers_export_makes_pull_and_agreement_refuse_or_succeed_never_raise(export):
    doc = corpus_document()
    # The client takes the write-back of a pulled document (its regions get the corpus ids), nothing else.
    accepts_updates = SimpleNamespace(update=lambda *args, **kwargs: None)
    client = SimpleNamespace(annotations=accepts_updates, predictions=accepts_updates)
    conn = sync.Connection(client, "http://127.0.0.1:9", "1.23.2", 1, "me@example.org")
    with (
        tempfile.TemporaryDirectory() as tmp,
        mock.patch.object(sync, "find_project", lambda conn, title: SimpleNamespace(id=1)),
        mock.patch.object(sync, "export_snapshot", lambda conn, project_id: copy.deepcopy(export)),
    ):
        root = write_corpus(Path(tmp) / "annotations", [doc])
        for run in (sync.pull, sync.agreement):
            try:
                run("p", root=root, conn=conn)
            except sync.SyncError as e:
                assert str(e) and e.exit_code in (1, 2)
