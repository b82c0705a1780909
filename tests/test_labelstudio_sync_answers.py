"""What sync does when the server's answers are not Label Studio's: one clear message, exit 2, never a traceback.

No real server here: a tiny HTTP server on 127.0.0.1, or a stand-in for the SDK client.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from helpers import answering, write_corpus

from corpus_pkg.cli import main
from corpus_pkg.labelstudio import sync
from corpus_pkg.labelstudio.convert import task_data
from corpus_pkg.labelstudio.sync import Connection, SyncError, _api, connect, export_snapshot
from corpus_pkg.model import AnnotatedDocument, Document

VERSION = json.dumps({"release": "1.23.2"}).encode()


def test_a_sync_command_against_a_server_answering_a_list_exits_2_saying_it_is_not_label_studio(tmp_path):
    root = write_corpus(tmp_path / "annotations", [AnnotatedDocument(Document.from_text("t-doc", "Text.", "t.txt"))])
    with answering(b'["not", "label", "studio"]') as url:
        result = CliRunner().invoke(
            main, ["ls", "pull", "--project", "p", "--url", url, "--api-key", "k", "--annotations", str(root)]
        )
    assert result.exit_code == 2, result.output
    assert "does not answer as Label Studio" in result.output and "['not', 'label', 'studio']" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("user", "says"),
    [
        (b"[1, 2]", "not what its API returns"),
        (b'{"email": "a@example.org"}', "no numeric id"),
        (b"null", "no numeric id"),
    ],
)
def test_a_current_user_answer_of_the_wrong_shape_is_not_label_studio(user, says):
    with answering(VERSION, routes={"/api/current-user/whoami": user}) as url, pytest.raises(SyncError) as info:
        connect(url, "a-legacy-api-key-0123456789")
    assert info.value.exit_code == 2
    assert f"{url} does not answer as Label Studio" in str(info.value) and says in str(info.value)


def test_an_sdk_object_of_the_wrong_shape_inside_an_api_call_is_a_message():
    def call():
        # What the SDK does with a list where an object belongs.
        raise TypeError("model_construct() argument after ** must be a mapping, not list")

    with pytest.raises(SyncError) as info:
        _api("list tasks", call)
    assert "asked to list tasks is not what its API returns (TypeError: model_construct()" in str(info.value)


def _conn_downloading(data: bytes) -> Connection:
    done = SimpleNamespace(status="completed", id=1)
    exports = SimpleNamespace(
        create=lambda *a, **k: done,
        get=lambda *a, **k: done,
        download=lambda *a, **k: iter([data]),
        delete=lambda *a, **k: None,
    )
    return Connection(SimpleNamespace(projects=SimpleNamespace(exports=exports)), "http://x", "1.23.2", 1, "me")


@pytest.mark.parametrize(
    ("data", "says"),
    [(b"<html>", "is not JSON"), (b"[" * 100_000, "is not JSON"), (b'{"tasks": []}', "is not a list of tasks")],
)
def test_an_export_that_is_not_a_json_list_of_tasks_is_a_message(data, says):
    with pytest.raises(SyncError) as info:
        export_snapshot(_conn_downloading(data), 3)
    assert f"the export of project 3 {says}" in str(info.value)


def test_an_export_that_is_a_list_is_returned_as_it_is():
    assert export_snapshot(_conn_downloading(b'[{"id": 1}, null]'), 3) == [{"id": 1}, None]


def test_a_pull_whose_export_holds_null_in_an_annotation_list_names_task_field_and_value(tmp_path, monkeypatch):
    doc = AnnotatedDocument(Document.from_text("t-doc", "Kim met Putin.", "t.txt"))
    root = write_corpus(tmp_path / "annotations", [doc])
    export = [{"id": 4, "data": task_data(doc.document), "annotations": [None, 5]}]
    monkeypatch.setattr(sync, "find_project", lambda conn, title: SimpleNamespace(id=1))
    monkeypatch.setattr(sync, "export_snapshot", lambda conn, project_id: export)
    conn = Connection(SimpleNamespace(), "http://127.0.0.1:9", "1.23.2", 1, "me")
    with pytest.raises(SyncError) as info:
        sync.pull("p", root=root, conn=conn)
    assert info.value.exit_code == 1
    message = str(info.value)
    assert "task #1 (id 4, doc_id 't-doc'): annotations.0 should be an object, is None" in message
    assert "task #1 (id 4, doc_id 't-doc'): annotations.1 should be an object, is 5" in message
    assert not (root / ".sync").exists(), "nothing was written"
