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
from corpus_pkg.labelstudio.convert import TOOL, to_result
from corpus_pkg.labelstudio.sync import SyncError, agreement, content_key, project_tasks, pull, push
from corpus_pkg.model import AnnotatedDocument, Document, Provenance, Relation, content_hash, make_span
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
            Provenance(labelstudio_conn.email, TOOL, labelstudio_conn.version, "submitted")
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


def _ls_result(conn, project_id: int, doc_id: str) -> tuple[int, list[dict]]:
    """The id and result of the annotation a pull takes for ``doc_id``."""
    from corpus_pkg.labelstudio.convert import selected

    _kind, ann = selected(project_tasks(conn, project_id)[doc_id])
    return ann["id"], ann["result"]


def _ls_relabel(conn, project_id: int, sid: str, label: str) -> None:
    """What an annotator does in the editor: give region ``sid`` another label, and submit."""
    ann_id, result = _ls_result(conn, project_id, sid.rsplit("-", 1)[0])
    for item in result:
        if item.get("id") == sid and item.get("from_name") == "label":
            item["value"]["labels"] = [label]
    conn.client.annotations.update(ann_id, result=result)


def _corpus_relabel(root: Path, sid: str, label: str) -> None:
    doc = next(d for d in load_corpus(root) if sid.startswith(d.doc_id + "-"))
    doc.spans = [
        sp
        if sp.id != sid
        else make_span(
            doc.document,
            id=sp.id,
            layer=sp.layer,
            start=sp.start,
            end=sp.end,
            label=label,
            attributes=sp.attributes,
            provenance=PROV,
        )
        for sp in doc.spans
    ]
    write_document(doc, root)


def _editor_region(text: str, needle: str, label: str, cluster: str, rid: str = "r4nd0mId7") -> list[dict]:
    """A new entity region as the editor saves it: a random region id, its label and its cluster."""
    start = text.index(needle)
    where = {"start": start, "end": start + len(needle)}
    return [
        {
            "id": rid,
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
            "value": {**where, "text": needle, "labels": [label]},
        },
        {
            "id": rid,
            "from_name": "entity_cluster",
            "to_name": "text",
            "type": "textarea",
            "value": {**where, "text": [cluster]},
        },
    ]


def _state(root: Path) -> bytes:
    return next((root / ".sync").glob("*.json")).read_bytes()


def test_a_corpus_edit_is_pushed_in_place_and_a_label_studio_edit_is_pulled(
    tricky_corpus, ls_project, labelstudio_conn
):
    s = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    _corpus_relabel(tricky_corpus, "t-one-e004", "ORG")
    again = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert (again.imported, again.updated, again.unchanged) == (0, 1, 1)
    task = project_tasks(labelstudio_conn, s.project_id)["t-one"]
    assert len(task["annotations"]) == 1
    labels = {i["id"]: i["value"]["labels"] for i in task["annotations"][0]["result"] if i.get("from_name") == "label"}
    assert labels["t-one-e004"] == ["ORG"]
    ann_id, result = _ls_result(labelstudio_conn, s.project_id, "t-one")
    text = load_corpus(tricky_corpus)[0].document.text
    labelstudio_conn.client.annotations.update(
        ann_id, result=result + _editor_region(text, "Vostochny", "FAC", "vostochny")
    )
    before = snapshot(tricky_corpus)
    summary = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert summary.written == ["t-one"]
    after = snapshot(tricky_corpus)
    assert [k for k in after if after[k] != before[k]] == ["t-one.jsonl"]
    new = {sp.id: sp for sp in load_corpus(tricky_corpus)[0].spans}["t-one-e005"]
    start = text.index("Vostochny")
    assert (new.start, new.end, new.text, new.label, new.attributes) == (
        start,
        start + 9,
        "Vostochny",
        "FAC",
        {"kind": "NAM", "cluster": "vostochny"},
    )
    assert new.provenance == Provenance(labelstudio_conn.email, TOOL, labelstudio_conn.version, "submitted")


def test_a_span_added_in_label_studio_keeps_its_corpus_id_over_further_pulls_and_pushes(
    tricky_corpus, ls_project, labelstudio_conn
):
    s = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    ann_id, result = _ls_result(labelstudio_conn, s.project_id, "t-one")
    text = load_corpus(tricky_corpus)[0].document.text
    labelstudio_conn.client.annotations.update(
        ann_id, result=result + _editor_region(text, "Vostochny", "FAC", "vostochny")
    )
    first = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert first.written == ["t-one"] and first.written_back == ["t-one"]
    # Label Studio's region now carries the corpus id, in the same annotation (created_at kept).
    after_id, result = _ls_result(labelstudio_conn, s.project_id, "t-one")
    assert after_id == ann_id
    regions = {i["id"] for i in result if i.get("from_name") == "label"}
    assert "t-one-e005" in regions and "r4nd0mId7" not in regions
    # A second pull and a push change nothing: no file, no state, no task or annotation.
    files, state = snapshot(tricky_corpus), _state(tricky_corpus)
    second = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert (second.written, second.written_back) == ([], [])
    assert snapshot(tricky_corpus) == files and _state(tricky_corpus) == state
    pushed = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert (pushed.imported, pushed.updated, pushed.unchanged) == (0, 0, 2)
    # Edited again in Label Studio, the span comes back under the same id, not the next number.
    _ls_relabel(labelstudio_conn, s.project_id, "t-one-e005", "LOC")
    third = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert third.written == ["t-one"]
    spans = {sp.id: sp for sp in load_corpus(tricky_corpus)[0].spans}
    assert spans["t-one-e005"].label == "LOC" and "t-one-e006" not in spans
    # Every annotator's work is kept under .sync, also when there is only one annotator.
    kept = tricky_corpus / ".sync" / re.sub("[^a-z0-9]+", "-", ls_project.lower()).strip("-")
    assert [p.name for p in kept.iterdir()] == [re.sub("[^a-z0-9]+", "-", labelstudio_conn.email.lower()) + ".jsonl"]
    assert summary_ids(kept) >= {"t-one-e005", "t-two-e001"}


def summary_ids(folder: Path) -> set[str]:
    return {json.loads(line)["id"] for p in folder.iterdir() for line in p.read_text().splitlines()}


def test_edits_to_different_spans_on_both_sides_merge_in_one_pull(tricky_corpus, ls_project, labelstudio_conn):
    s = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    _ls_relabel(labelstudio_conn, s.project_id, "t-one-e004", "ORG")
    doc = load_corpus(tricky_corpus)[0]
    doc.spans = [sp for sp in doc.spans if sp.id != "t-one-d001"]
    write_document(doc, tricky_corpus)
    summary = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert summary.written == ["t-one"] and summary.merged == ["t-one"] and summary.written_back == ["t-one"]
    spans = {sp.id: sp for sp in load_corpus(tricky_corpus)[0].spans}
    assert spans["t-one-e004"].label == "ORG" and "t-one-d001" not in spans
    assert spans["t-one-e004"].provenance.status == "submitted" and spans["t-one-e001"].provenance == PROV
    # Both sides now hold the merged document: nothing left to pull or push.
    assert pull(ls_project, root=tricky_corpus, conn=labelstudio_conn).written == []
    assert push(ls_project, root=tricky_corpus, conn=labelstudio_conn).updated == 0


def _conflict(root: Path, title: str, conn) -> tuple[int, dict[str, bytes], bytes]:
    """e004 relabelled differently on both sides, plus a region added in the editor."""
    s = push(title, root=root, conn=conn)
    _ls_relabel(conn, s.project_id, "t-one-e004", "NORP")
    ann_id, result = _ls_result(conn, s.project_id, "t-one")
    text = load_corpus(root)[0].document.text
    conn.client.annotations.update(ann_id, result=result + _editor_region(text, "Vostochny", "FAC", "vostochny"))
    _corpus_relabel(root, "t-one-e004", "ORG")
    return s.project_id, snapshot(root), _state(root)


def test_the_same_span_changed_on_both_sides_is_a_conflict_resolved_with_take(
    tricky_corpus, ls_project, labelstudio_server, labelstudio_conn
):
    _project_id, before, state = _conflict(tricky_corpus, ls_project, labelstudio_conn)
    cli = ["ls", "pull", "--project", ls_project, "--annotations", str(tricky_corpus)]
    cli += ["--url", labelstudio_server.url, "--api-key", labelstudio_server.token]
    r = CliRunner().invoke(main, cli)
    assert r.exit_code == 1, r.output
    assert "t-one-e004 'officials': corpus: ORG [" in r.output
    assert "Label Studio: NORP [" in r.output and "base: PERSON [" in r.output
    assert "--take" in r.output and "Traceback" not in r.output
    assert snapshot(tricky_corpus) == before and _state(tricky_corpus) == state
    with pytest.raises(SyncError, match=r"pull first.*push --force") as e:
        push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert e.value.exit_code == 1
    # The tools resolve it: Label Studio's side for this document; the new region gets its id once.
    r = CliRunner().invoke(main, [*cli, "--take", "labelstudio", "--doc", "t-one"])
    assert r.exit_code == 0, r.output
    spans = {sp.id: sp for sp in load_corpus(tricky_corpus)[0].spans}
    assert spans["t-one-e004"].label == "NORP" and spans["t-one-e005"].text == "Vostochny"
    files = snapshot(tricky_corpus)
    clean = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert (clean.written, clean.written_back) == ([], []) and snapshot(tricky_corpus) == files
    assert push(ls_project, root=tricky_corpus, conn=labelstudio_conn).updated == 0


def test_take_corpus_keeps_the_corpus_side_and_sends_it_to_label_studio(tricky_corpus, ls_project, labelstudio_conn):
    project_id, _before, _state_before = _conflict(tricky_corpus, ls_project, labelstudio_conn)
    summary = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn, take="corpus")
    assert summary.written_back == ["t-one"]
    spans = {sp.id: sp for sp in load_corpus(tricky_corpus)[0].spans}
    # The clash goes to the corpus; the region only Label Studio changed is merged in.
    assert spans["t-one-e004"].label == "ORG" and spans["t-one-e005"].text == "Vostochny"
    _ann, result = _ls_result(labelstudio_conn, project_id, "t-one")
    assert {i["id"]: i["value"]["labels"] for i in result if i.get("from_name") == "label"}["t-one-e004"] == ["ORG"]
    assert pull(ls_project, root=tricky_corpus, conn=labelstudio_conn).written == []
    assert push(ls_project, root=tricky_corpus, conn=labelstudio_conn).updated == 0


def test_push_force_overwrites_an_edit_made_in_label_studio(tricky_corpus, ls_project, labelstudio_conn):
    project_id, _before, _state_before = _conflict(tricky_corpus, ls_project, labelstudio_conn)
    assert push(ls_project, root=tricky_corpus, conn=labelstudio_conn, force=True).updated == 1
    _ann, result = _ls_result(labelstudio_conn, project_id, "t-one")
    assert content_key(result) == content_key(to_result(load_corpus(tricky_corpus)[0]))


def test_incoming_as_batch_writes_label_studios_side_as_corrections_and_leaves_the_corpus(
    tricky_corpus, ls_project, labelstudio_conn, tmp_path
):
    _project_id, before, state = _conflict(tricky_corpus, ls_project, labelstudio_conn)
    out = tmp_path / "incoming"
    summary = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn, incoming_as_batch=out)
    assert summary.batches == [str(out / "t-one.jsonl")]
    assert snapshot(tricky_corpus) == before and _state(tricky_corpus) == state
    header, *records = [json.loads(line) for line in (out / "t-one.jsonl").read_text().splitlines()]
    assert header["record"] == "batch"
    corpus_e004 = {sp.id: sp for sp in load_corpus(tricky_corpus)[0].spans}["t-one-e004"]
    (update,) = [r for r in records if r.get("record") == "edit"]
    assert {k: v for k, v in update.items() if k != "value"} == {
        "record": "edit",
        "op": "update",
        "doc_id": "t-one",
        "id": "t-one-e004",
        "expect": content_hash(corpus_e004),
    }
    assert update["value"]["label"] == "NORP" and update["value"]["id"] == "t-one-e004"
    (new,) = [r for r in records if r.get("record") == "span"]
    assert (new["id"], new["text"]) == ("t-one-e005", "Vostochny")


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


# A second annotator account in the admin's organization, made as the server's own admin command would:
# through its Django ORM, in its venv (the API's user creation leaves the user without an organization).
_ANNOTATOR_SCRIPT = r"""
import os, sys
sys.path.insert(0, os.path.dirname(__import__('label_studio').__file__))
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'label_studio.core.settings.label_studio')
import django
django.setup()
from organizations.models import Organization
from users.models import User
org = Organization.objects.order_by('id').first()
user = User.objects.create_user(email=sys.argv[1], password=None, username=sys.argv[1].split('@')[0])
org.add_user(user)
user.active_organization = org
user.save()
"""


def annotator_account(running, email: str) -> str:
    """Create the annotator ``email`` on the running server; its Personal Access Token."""
    import subprocess

    env = server.server_env(running.data_dir)
    python = server.venv_dir() / "bin" / "python"
    made = subprocess.run([str(python), "-c", _ANNOTATOR_SCRIPT, email], capture_output=True, text=True, env=env)
    assert made.returncode == 0, made.stderr[-2000:]
    return server.create_token(email, running.data_dir)


def test_two_real_annotators_work_is_kept_per_annotator_and_pulled_as_submitted(
    tricky_corpus, ls_project, labelstudio_server, labelstudio_conn
):
    from corpus_pkg.labelstudio.sync import connect

    s = push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    email = f"annotator-{unique_title('x').split()[-1]}@example.org"
    second = connect(labelstudio_server.url, annotator_account(labelstudio_server, email))
    assert second.email == email and second.user_id != labelstudio_conn.user_id
    ann_id, result = _ls_result(labelstudio_conn, s.project_id, "t-two")
    text = load_corpus(tricky_corpus)[1].document.text
    theirs = [i for i in result if i.get("id") != "t-two-d001"] + _editor_region(text, "Vostochny", "FAC", "vostochny")
    task_id = project_tasks(labelstudio_conn, s.project_id)["t-two"]["id"]
    made = second.client.annotations.create(task_id, result=theirs)
    assert made.id != ann_id
    summary = pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    assert summary.written == ["t-two"]
    spans = {sp.id: sp for sp in load_corpus(tricky_corpus)[1].spans}
    assert "t-two-d001" not in spans
    assert spans["t-two-e005"].provenance == Provenance(email, TOOL, labelstudio_conn.version, "submitted")
    assert spans["t-two-e001"].provenance == PROV  # unchanged from the base: its provenance is kept
    kept = {Path(f).name: Path(f) for f in summary.annotator_files}
    slug = re.compile("[^a-z0-9]+")
    mine, theirs_file = (slug.sub("-", e.lower()) + ".jsonl" for e in (labelstudio_conn.email, email))
    assert sorted(kept) == sorted([mine, theirs_file])
    their_records = [json.loads(line) for line in kept[theirs_file].read_text().splitlines()]
    assert {r["id"] for r in their_records if r["doc_id"] == "t-two"} >= {"t-two-e005", "t-two-e001"}
    assert "t-two-d001" not in {r["id"] for r in their_records}
    assert "t-two-d001" in {json.loads(line)["id"] for line in kept[mine].read_text().splitlines()}


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


def test_predictions_pushed_for_a_new_document_are_suggestions_and_come_back_submitted(
    tricky_corpus, ls_project, labelstudio_conn, tmp_path
):
    from corpus_pkg.jsonio import dumps_lines
    from corpus_pkg.labelstudio.sync import push_predictions

    push(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    text = "Kim Jong Un visited Vostochny on 13 September 2023."
    new = Document.from_text("t-new", text, "t-new.txt")
    write_document(AnnotatedDocument(new), tricky_corpus)
    predictor = Provenance("gazetteer", "corpus_pkg.predict", "0.1.0", "prediction", 0.75)
    predicted = [
        make_span(
            new,
            id=f"p{i}",
            layer="entity",
            start=text.index(w),
            end=text.index(w) + len(w),
            label=label,
            attributes={"kind": "NAM", "cluster": cluster},
            provenance=predictor,
        )
        for i, (w, label, cluster) in enumerate(
            [("Kim Jong Un", "PERSON", "kim-jong-un"), ("Vostochny", "FAC", "vostochny")]
        )
    ]
    batch = tmp_path / "predictions.jsonl"
    batch.write_text(dumps_lines([s.to_dict() for s in predicted]), encoding="utf-8")
    sent = push_predictions(ls_project, batch, root=tricky_corpus, conn=labelstudio_conn)
    assert (sent.created, sent.documents, sent.model_version) == (1, ["t-new"], "corpus_pkg.predict 0.1.0")
    task = project_tasks(labelstudio_conn, sent.project_id)["t-new"]
    (prediction,) = [p for p in task["predictions"] if p.get("model_version") == sent.model_version]
    regions = {i["value"]["text"] for i in prediction["result"] if i.get("from_name") == "label"}
    assert regions == {"Kim Jong Un", "Vostochny"}
    assert push_predictions(ls_project, batch, root=tricky_corpus, conn=labelstudio_conn).unchanged == 1
    # An annotator accepts the suggestions as they are and submits them.
    labelstudio_conn.client.annotations.create(task["id"], result=prediction["result"])
    pull(ls_project, root=tricky_corpus, conn=labelstudio_conn)
    pulled = {d.doc_id: d for d in load_corpus(tricky_corpus)}["t-new"]
    assert sorted(s.text for s in pulled.spans) == ["Kim Jong Un", "Vostochny"]
    assert {s.provenance.status for s in pulled.spans} == {"submitted"}
    assert all(s.id.startswith("t-new-e") for s in pulled.spans)
