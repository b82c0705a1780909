"""Push and pull against a real Label Studio server (started once per session by the fixtures)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures_labelstudio import unique_title
from helpers import write_corpus
from hypothesis import HealthCheck, given, settings
from strategies import corpora

from corpus_pkg.cli import main
from corpus_pkg.labelstudio import server
from corpus_pkg.labelstudio.convert import TOOL
from corpus_pkg.labelstudio.sync import SyncError, agreement, content_key, project_tasks, pull, push
from corpus_pkg.model import AnnotatedDocument, Document, Provenance, Relation, make_span
from corpus_pkg.storage import corpus_files, load_corpus, write_document

pytestmark = pytest.mark.labelstudio

PROV = Provenance("tester", "corpus_pkg.anchor", "0.1.0", "gold")


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in corpus_files(root)}


def tricky_document(doc_id: str) -> AnnotatedDocument:
    """Text with characters outside the BMP, combining marks and a flag; spans placed by search, not by hand."""
    text = (
        "Ki\u0301m 𝐊𝐢𝐦 Jong Un 🇰🇵 met Vladimir Putin 👩‍🚀 at Vostochny on 13 September 2023.\n"
        "“We will help,” Putin said. North Korea\u00a0wants satellites, officials claim."
    )
    doc = Document.from_text(doc_id, text, f"{doc_id}.txt")
    out = AnnotatedDocument(doc)

    def add(sid: str, layer: str, needle: str, label: str, attrs: dict, nth: int = 0) -> None:
        start = [m.start() for m in re.finditer(re.escape(needle), text)][nth]
        out.spans.append(
            make_span(
                doc,
                id=f"{doc_id}-{sid}",
                layer=layer,
                start=start,
                end=start + len(needle),
                label=label,
                attributes=attrs,
                provenance=PROV,
            )
        )

    add("e001", "entity", "𝐊𝐢𝐦 Jong Un", "PERSON", {"kind": "NAM", "cluster": "kim-jong-un", "qid": "Q56226"})
    add("e002", "entity", "Vladimir Putin", "PERSON", {"kind": "NAM", "cluster": "vladimir-putin"})
    add("e003", "entity", "Putin", "PERSON", {"kind": "NAM", "cluster": "vladimir-putin"}, 1)
    add("e004", "entity", "officials", "PERSON", {"kind": "NOM", "cluster": "officials"})
    add("d001", "date", "13 September 2023", "TIMEX3", {"type": "DATE", "value": "2023-09-13"})
    add("q001", "quote", "We will help,", "QUOTE", {"kind": "direct", "speaker_stated": True})
    add(
        "c001",
        "claim",
        "North Korea\u00a0wants satellites",
        "CLAIM",
        {"checkworthy": True, "factuality": "CT+", "source": "attributed"},
    )
    out.relations += [
        Relation(f"{doc_id}-r001", doc_id, "speaker", f"{doc_id}-q001", f"{doc_id}-e003", PROV),
        Relation(f"{doc_id}-r002", doc_id, "claimant", f"{doc_id}-c001", f"{doc_id}-e004", PROV),
    ]
    return out.sorted()


@pytest.fixture
def tricky_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "tricky"
    write_corpus(root, [tricky_document("t-one"), tricky_document("t-two")])
    return root


def test_push_then_pull_of_the_gold_corpus_leaves_annotations_byte_identical(
    corpus_copy, ls_project, labelstudio_server
):
    before = snapshot(corpus_copy)
    assert before, "the corpus has documents"
    s = push(ls_project, root=corpus_copy, url=labelstudio_server.url, api_key=labelstudio_server.token)
    assert s.imported == len(before)
    summary = pull(ls_project, root=corpus_copy, url=labelstudio_server.url, api_key=labelstudio_server.token)
    assert snapshot(corpus_copy) == before
    assert summary.written == [] and len(summary.unchanged) == len(before)
    state = json.loads((corpus_copy / ".sync" / f"{re.sub('[^a-z0-9]+', '-', ls_project.lower())}.json").read_text())
    assert set(state["documents"]) == {p.removesuffix(".jsonl") for p in before}


def test_non_bmp_text_and_combining_marks_survive_the_server_byte_identically(
    tricky_corpus, ls_project, labelstudio_conn, tmp_path
):
    before = snapshot(tricky_corpus)
    push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert snapshot(tricky_corpus) == before
    # Into a corpus that holds the same documents without annotations: the server's copy alone carries them.
    empty = tmp_path / "empty"
    write_corpus(empty, [AnnotatedDocument(d.document) for d in load_corpus(tricky_corpus)])
    pull(ls_project, root=empty, conn=labelstudio_conn)
    for got, want in zip(load_corpus(empty), load_corpus(tricky_corpus), strict=True):
        assert [(s.id, s.start, s.end, s.text, s.label, s.attributes) for s in got.spans] == [
            (s.id, s.start, s.end, s.text, s.label, s.attributes) for s in want.spans
        ]
        assert [(r.type, r.head, r.tail) for r in got.relations] == [(r.type, r.head, r.tail) for r in want.relations]
        assert {s.provenance for s in got.spans} == {
            Provenance(labelstudio_conn.email, TOOL, labelstudio_conn.version, "gold")
        }


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(docs=corpora(max_docs=2))
def test_generated_corpora_round_trip_byte_identically(docs, labelstudio_conn, tmp_path_factory):
    root = write_corpus(tmp_path_factory.mktemp("generated"), docs)
    before = snapshot(root)
    title = unique_title("generated")
    push(title, root=root, conn=labelstudio_conn)
    pull(title, root=root, conn=labelstudio_conn)
    assert snapshot(root) == before


def test_push_twice_creates_no_duplicate_tasks_annotations_or_regions(tricky_corpus, ls_project, labelstudio_conn):
    first = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    tasks_before = project_tasks(labelstudio_conn, first.project_id)
    second = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert (first.imported, second.imported, second.updated, second.unchanged) == (2, 0, 0, 2)
    assert second.project_id == first.project_id
    tasks = project_tasks(labelstudio_conn, first.project_id)
    assert sorted(tasks) == ["t-one", "t-two"]
    for doc_id, task in tasks.items():
        assert len(task["annotations"]) == 1
        assert task["annotations"][0]["id"] == tasks_before[doc_id]["annotations"][0]["id"]
        regions = [i["id"] for i in task["annotations"][0]["result"] if i.get("from_name") == "label"]
        assert len(regions) == len(set(regions)) == 7


def test_a_corpus_edit_is_pushed_in_place_and_a_label_studio_edit_is_pulled(
    tricky_corpus, ls_project, labelstudio_conn
):
    c = labelstudio_conn.client
    s = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    # Corpus side: a changed attribute goes to the same annotation.
    doc = load_corpus(tricky_corpus)[0]
    doc.spans = [
        s2
        if s2.id != f"{doc.doc_id}-e004"
        else make_span(
            doc.document,
            id=s2.id,
            layer="entity",
            start=s2.start,
            end=s2.end,
            label="ORG",
            attributes={"kind": "NOM", "cluster": "officials"},
            provenance=PROV,
        )
        for s2 in doc.spans
    ]
    write_document(doc, tricky_corpus)
    again = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert (again.imported, again.updated, again.unchanged) == (0, 1, 1)
    task = project_tasks(labelstudio_conn, s.project_id)[doc.doc_id]
    assert len(task["annotations"]) == 1
    labels = {i["id"]: i["value"]["labels"] for i in task["annotations"][0]["result"] if i.get("from_name") == "label"}
    assert labels[f"{doc.doc_id}-e004"] == ["ORG"]
    # Label Studio side: a region drawn in the editor (random id) comes back as the next entity id.
    text = doc.document.text
    start = text.index("Vostochny")
    result = task["annotations"][0]["result"] + [
        {
            "id": "r4nd0mId7",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
            "value": {"start": start, "end": start + 9, "text": "Vostochny", "labels": ["FAC"]},
        },
        {
            "id": "r4nd0mId7",
            "from_name": "entity_cluster",
            "to_name": "text",
            "type": "textarea",
            "value": {"start": start, "end": start + 9, "text": ["vostochny"]},
        },
    ]
    c.annotations.update(task["annotations"][0]["id"], result=result)
    before = snapshot(tricky_corpus)
    summary = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert summary.written == [doc.doc_id]
    after = snapshot(tricky_corpus)
    assert [k for k in after if after[k] != before[k]] == [f"{doc.doc_id}.jsonl"]
    new = {sp.id: sp for sp in load_corpus(tricky_corpus)[0].spans}[f"{doc.doc_id}-e005"]
    assert (new.start, new.end, new.text, new.label, new.attributes) == (
        start,
        start + 9,
        "Vostochny",
        "FAC",
        {"kind": "NAM", "cluster": "vostochny"},
    )
    assert new.provenance == Provenance(labelstudio_conn.email, TOOL, labelstudio_conn.version, "gold")
    assert pull(ls_project, root=tricky_corpus, conn=labelstudio_conn).written == []
    # Pushing the pulled corpus gives Label Studio the stable id; after that nothing is left to do.
    assert push(ls_project, root=tricky_corpus, conn=labelstudio_conn).updated == 1
    assert push(ls_project, root=tricky_corpus, conn=labelstudio_conn).updated == 0


def _edit_both_sides(root: Path, title: str, conn) -> tuple[str, dict[str, bytes]]:
    s = push(title, root=root, conn=conn)
    doc = load_corpus(root)[0]
    task = project_tasks(conn, s.project_id)[doc.doc_id]
    ann = task["annotations"][0]
    result = [i for i in ann["result"] if i.get("id") != f"{doc.doc_id}-d001"]
    conn.client.annotations.update(ann["id"], result=result)
    doc.spans = [sp for sp in doc.spans if sp.id != f"{doc.doc_id}-e001"]
    write_document(doc, root)
    return doc.doc_id, snapshot(root)


def test_a_document_edited_on_both_sides_is_a_conflict_naming_the_spans_and_nothing_is_written(
    tricky_corpus, ls_project, labelstudio_conn
):
    doc_id, before = _edit_both_sides(tricky_corpus, ls_project, labelstudio_conn)
    state_file = next((tricky_corpus / ".sync").glob("*.json"))
    state_before = state_file.read_bytes()
    with pytest.raises(SyncError) as e:
        pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert e.value.exit_code == 1
    msg = str(e.value)
    assert f"only in Label Studio: {doc_id}-e001" in msg and f"only in the corpus: {doc_id}-d001" in msg
    assert snapshot(tricky_corpus) == before
    assert state_file.read_bytes() == state_before
    # A push would overwrite the Label Studio edit: refused as well.
    with pytest.raises(SyncError, match="pull first"):
        push(ls_project, root=tricky_corpus, conn=labelstudio_conn)


def test_incoming_as_batch_writes_the_label_studio_side_for_review_and_leaves_the_corpus(
    tricky_corpus, ls_project, labelstudio_conn, tmp_path
):
    from corpus_pkg.batches import validate_paths

    doc_id, before = _edit_both_sides(tricky_corpus, ls_project, labelstudio_conn)
    out = tmp_path / "incoming"
    summary = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn, incoming_as_batch=out)
    assert summary.batches == [str(out / f"{doc_id}.jsonl")]
    assert snapshot(tricky_corpus) == before
    ids = [json.loads(line).get("id") for line in (out / f"{doc_id}.jsonl").read_text().splitlines()]
    assert f"{doc_id}-e001" in ids and f"{doc_id}-d001" not in ids
    assert validate_paths([out / f"{doc_id}.jsonl"]).counts["span"] == 6


def test_a_pull_that_does_not_validate_writes_nothing_and_names_the_problem(
    tricky_corpus, ls_project, labelstudio_conn
):
    s = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    task = project_tasks(labelstudio_conn, s.project_id)["t-one"]
    ann = task["annotations"][0]
    result = [i for i in ann["result"] if not (i.get("id") == "t-one-e002" and i["from_name"] == "entity_cluster")]
    labelstudio_conn.client.annotations.update(ann["id"], result=result)
    before = snapshot(tricky_corpus)
    with pytest.raises(SyncError) as e:
        pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert e.value.exit_code == 1 and "t-one-e002" in str(e.value) and "cluster" in str(e.value)
    assert snapshot(tricky_corpus) == before


def test_several_annotators_latest_goes_to_the_corpus_and_each_is_kept_attributed(
    tricky_corpus, ls_project, labelstudio_conn
):
    c = labelstudio_conn.client
    s = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    task = project_tasks(labelstudio_conn, s.project_id)["t-one"]
    other = c.users.create(email=f"{unique_title('x').split()[-1]}@example.org", username="second")
    mine = task["annotations"][0]["result"]
    theirs = [i for i in mine if i.get("id") != "t-one-d001"]
    c.annotations.create(task["id"], result=theirs, completed_by=other.id)
    c.annotations.create(task["id"], result=[], was_cancelled=True)
    summary = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert summary.written == ["t-one"] and summary.skipped_annotations == 1
    assert "t-one-d001" not in {sp.id for sp in load_corpus(tricky_corpus)[0].spans}
    files = sorted(Path(f).name for f in summary.annotator_files)
    assert len(files) == 2
    table, numbers = agreement(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    (pair,) = numbers.values()
    assert pair["layers"]["entity"]["strict_f1"] == 1.0 and pair["layers"]["date"]["strict_f1"] == 0.0
    assert "strict F1" in table


def test_a_draft_is_counted_and_never_pulled(tricky_corpus, ls_project, labelstudio_conn):
    before = snapshot(tricky_corpus)
    s = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    task = project_tasks(labelstudio_conn, s.project_id)["t-one"]
    unsaved = [i for i in task["annotations"][0]["result"] if i.get("id") != "t-one-d001"]
    # The SDK has no call for drafts; this is the request the editor sends when it autosaves.
    http = labelstudio_conn.client._client_wrapper.httpx_client
    made = http.request(f"api/tasks/{task['id']}/drafts", method="POST", json={"result": unsaved, "lead_time": 1.0})
    assert made.status_code == 201, made.text
    summary = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert summary.drafts == 1
    assert summary.written == [] and snapshot(tricky_corpus) == before


def test_cli_reports_a_server_that_is_down_in_one_line_and_writes_nothing(corpus_copy, no_labelstudio_env):
    before = snapshot(corpus_copy)
    url = server.url_for(server.free_port())
    for cmd in ("push", "pull"):
        r = CliRunner().invoke(main, ["ls", cmd, "--project", "p", "--url", url, "--api-key", "x"])
        assert r.exit_code == 2, r.output
        assert (
            r.output.strip() == f"error: cannot reach Label Studio at {url}: is it running? (corpus ls server status)"
        )
        assert "Traceback" not in r.output
    assert snapshot(corpus_copy) == before
    assert not (corpus_copy / ".sync").exists()


def test_cli_reports_a_refused_api_key_in_one_line_and_writes_nothing(
    corpus_copy, labelstudio_server, no_labelstudio_env
):
    before = snapshot(corpus_copy)
    r = CliRunner().invoke(
        main, ["ls", "pull", "--project", "p", "--url", labelstudio_server.url, "--api-key", "not-a-token"]
    )
    assert r.exit_code == 2
    assert r.output.startswith("error: Label Studio refused the API key (401)")
    assert len(r.output.strip().splitlines()) == 1 and "not-a-token" not in r.output
    assert snapshot(corpus_copy) == before


def test_cli_push_and_pull_read_url_and_key_from_the_environment(
    corpus_copy, ls_project, labelstudio_server, monkeypatch
):
    monkeypatch.setenv("LABEL_STUDIO_URL", labelstudio_server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", labelstudio_server.token)
    r = CliRunner().invoke(main, ["ls", "push", "--project", ls_project])
    assert r.exit_code == 0, r.output
    assert "imported" in r.output and labelstudio_server.token not in r.output
    r = CliRunner().invoke(main, ["ls", "pull", "--project", ls_project])
    assert r.exit_code == 0, r.output
    assert "0 document(s) written" in r.output


def test_content_key_of_what_the_server_returns_equals_what_was_sent(tricky_corpus, ls_project, labelstudio_conn):
    from corpus_pkg.labelstudio.convert import to_result

    s = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    task = project_tasks(labelstudio_conn, s.project_id)["t-one"]
    assert content_key(task["annotations"][0]["result"]) == content_key(to_result(load_corpus(tricky_corpus)[0]))
