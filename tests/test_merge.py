"""Merging batches: all or nothing, idempotent, crash-safe, re-anchoring through context."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import invoke, span_at
from strategies import PROV

from corpus_pkg.cli import main
from corpus_pkg.jsonio import dumps_lines
from corpus_pkg.model import AnnotatedDocument, Document, Relation, content_hash
from corpus_pkg.storage import JOURNAL, KILL_AT_ENV, corpus_files, load_corpus, write_document

TEXTS = {
    "alpha": "Kim Jong Un met Vladimir Putin at Vostochny on 13 September 2023. Putin said “we will help”.",
    "beta": "Yoon Suk Yeol warned Russia. 🇰🇷 Seoul and Tokyo 東京 agreed.\nKim left on Sunday.",
}


def span(doc: Document, sid: str, text: str, layer="entity", label=None, occurrence=1, **attrs):
    return span_at(doc, sid, text, layer, label, occurrence=occurrence, **attrs)


@pytest.fixture
def root(tmp_path) -> Path:
    base = tmp_path / "annotations"
    a = Document.from_text("alpha", TEXTS["alpha"], "alpha.txt")
    b = Document.from_text("beta", TEXTS["beta"], "beta.txt")
    write_document(AnnotatedDocument(a, [span(a, "alpha-e001", "Kim Jong Un")]), base)
    write_document(AnnotatedDocument(b, [span(b, "beta-e001", "Yoon Suk Yeol")]), base)
    return base


def snapshot(base: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((base / "corpus").iterdir())}


def write_batch(path: Path, records: list[dict]) -> Path:
    path.write_text(dumps_lines(records), encoding="utf-8")
    return path


def good_batch(root: Path, tmp_path: Path) -> Path:
    docs = {d.doc_id: d.document for d in load_corpus(root)}
    a, b = docs["alpha"], docs["beta"]
    q = span(a, "new-q", "we will help", "quote", "QUOTE", kind="direct", speaker_stated=True)
    p = span(a, "new-p", "Putin", occurrence=2, cluster="vladimir-putin", kind="NAM")
    records = [
        q.to_dict(),
        p.to_dict(),
        Relation("new-r", "alpha", "speaker", "new-q", "new-p", PROV).to_dict(),
        span(b, "new-d", "Sunday", "date", "TIMEX3", type="DATE", value="2023-09-17").to_dict(),
        span(b, "new-g", "Tokyo", label="GPE", kind="NAM", cluster="tokyo").to_dict(),
    ]
    return write_batch(tmp_path / "batch.jsonl", records)


def corpus(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``corpus ARGS`` in this process; in a real one only where a crash point must kill it."""
    if env and KILL_AT_ENV in env:
        return subprocess.run(
            [sys.executable, "-m", "corpus_pkg", *args], capture_output=True, text=True, env={**os.environ, **env}
        )
    return invoke(*args, env=env)


def test_a_valid_batch_merges_with_a_summary_per_document_and_layer(root, tmp_path):
    batch = good_batch(root, tmp_path)
    result = corpus("merge", str(batch), "--annotations", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "alpha: +1 entity, +1 quote, +1 relation:speaker" in result.stdout
    assert "beta: +1 date, +1 entity" in result.stdout
    docs = {d.doc_id: d for d in load_corpus(root)}
    assert [s.id for s in docs["alpha"].spans_in("quote")] == ["alpha-q001"]
    assert docs["alpha"].relations[0].head == "alpha-q001"
    assert corpus("validate", "--annotations", str(root)).returncode == 0


def test_merging_the_same_batch_twice_adds_nothing(root, tmp_path):
    batch = good_batch(root, tmp_path)
    assert corpus("merge", str(batch), "--annotations", str(root)).returncode == 0
    after_first = snapshot(root)
    second = corpus("merge", str(batch), "--annotations", str(root))
    assert second.returncode == 0
    assert "nothing to merge" in second.stdout
    assert snapshot(root) == after_first


def test_a_batch_with_one_error_changes_nothing(root, tmp_path):
    batch = good_batch(root, tmp_path)
    lines = batch.read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[-1])
    bad["start"] += 1
    lines[-1] = json.dumps(bad, ensure_ascii=False)
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = snapshot(root)
    result = corpus("merge", str(batch), "--annotations", str(root))
    assert result.returncode == 1
    assert f"{batch}:{len(lines)}" in result.stdout and "nothing was changed" in result.stderr
    assert snapshot(root) == before


def test_the_dry_run_writes_nothing(root, tmp_path):
    batch = good_batch(root, tmp_path)
    before = snapshot(root)
    result = corpus("merge", str(batch), "--dry-run", "--annotations", str(root))
    assert result.returncode == 0 and "dry run" in result.stdout
    assert snapshot(root) == before


@pytest.mark.parametrize("point", ["writing", "staged"])
def test_a_merge_killed_while_writing_leaves_the_previous_files_intact(root, tmp_path, point):
    batch = good_batch(root, tmp_path)
    before = snapshot(root)
    result = corpus("merge", str(batch), "--annotations", str(root), env={KILL_AT_ENV: point})
    assert result.returncode == -signal.SIGKILL
    assert {k: v for k, v in snapshot(root).items() if not k.startswith(".")} == before
    # Reading leaves the unfinished temporary files alone; the next command that writes removes them.
    assert corpus("validate", "--annotations", str(root)).returncode == 0
    assert any(k.startswith(".") for k in snapshot(root))
    again = corpus("merge", str(batch), "--annotations", str(root))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "removed unfinished" in again.stdout
    assert not any(k.startswith(".") for k in snapshot(root))


@pytest.mark.parametrize("point", ["committed", "renaming"])
def test_a_merge_killed_after_its_commit_point_is_completed_by_the_next_command(root, tmp_path, point):
    batch = good_batch(root, tmp_path)
    reference = tmp_path / "reference"
    shutil.copytree(root, reference)
    assert corpus("merge", str(batch), "--annotations", str(reference)).returncode == 0
    result = corpus("merge", str(batch), "--annotations", str(root), env={KILL_AT_ENV: point})
    assert result.returncode == -signal.SIGKILL
    # Reading reports the pending write and changes nothing; the next writer completes it first.
    pending = corpus("validate", "--annotations", str(root))
    assert pending.returncode == 0 and "interrupted write is pending" in pending.stdout
    assert (root / JOURNAL).exists()
    again = corpus("merge", str(batch), "--annotations", str(root))
    assert again.returncode == 0 and "completed" in again.stdout and "nothing to merge" in again.stdout
    assert not (root / JOURNAL).exists()
    assert snapshot(root) == snapshot(reference)


def test_a_span_made_against_an_older_text_is_re_anchored_and_reported_as_moved(root, tmp_path):
    old = Document.from_text("alpha", "Breaking: " + TEXTS["alpha"], "alpha.txt")
    moved = span(old, "x-q", "we will help", "quote", "QUOTE")
    header = {"record": "batch", "batch_id": "old-text", "against": {"alpha": old.sha256}}
    batch = write_batch(tmp_path / "b.jsonl", [header, moved.to_dict()])
    result = corpus("validate", str(batch), "--annotations", str(root), "--format", "json")
    out = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout
    assert [f["rule"] for f in out["findings"]] == ["stale-text", "moved"]
    assert corpus("merge", str(batch), "--annotations", str(root)).returncode == 0
    q = load_corpus(root)[0].spans_in("quote")[0]
    assert TEXTS["alpha"][q.start : q.end] == q.text == "we will help"


def test_an_ambiguous_re_anchoring_is_rejected_with_the_candidates(root, tmp_path):
    old = Document.from_text("alpha", "Putin " + TEXTS["alpha"], "alpha.txt")
    s = span(old, "x-p", "Putin", occurrence=1)
    s = s.__class__(**{**s.__dict__, "prefix": "", "suffix": "zzz"})
    batch = write_batch(
        tmp_path / "b.jsonl", [{"record": "batch", "batch_id": "amb", "against": {"alpha": old.sha256}}, s.to_dict()]
    )
    result = corpus("validate", str(batch), "--annotations", str(root))
    assert result.returncode == 1
    assert "[stale-text]" in result.stdout and "candidates" in result.stdout


def test_an_exact_duplicate_of_an_existing_span_is_reported_and_skipped(root, tmp_path):
    a = load_corpus(root)[0]
    dup = a.spans[0].__class__(**{**a.spans[0].__dict__, "id": "other-id"})
    batch = write_batch(tmp_path / "b.jsonl", [dup.to_dict()])
    result = corpus("validate", str(batch), "--annotations", str(root), "--format", "json")
    out = json.loads(result.stdout)
    assert [f["rule"] for f in out["findings"]] == ["duplicate-span"]
    assert "alpha-e001" in out["findings"][0]["message"]


def test_unknown_documents_dangling_relations_and_overlaps_are_all_reported(root, tmp_path):
    a = load_corpus(root)[0].document
    ghost = Document.from_text("ghost", "Kim", "g.txt")
    overlapping = span(a, "x-o", "Jong Un met", label="PERSON")
    records = [
        span(ghost, "x-g", "Kim").to_dict(),
        overlapping.to_dict(),
        Relation("x-r", "alpha", "speaker", "nope", "alpha-e001", PROV).to_dict(),
    ]
    batch = write_batch(tmp_path / "b.jsonl", records)
    out = json.loads(corpus("validate", str(batch), "--annotations", str(root), "--format", "json").stdout)
    assert {f["rule"] for f in out["findings"]} >= {"unknown-document", "overlap", "dangling-relation"}


def test_a_batch_cannot_write_outside_the_annotations_folder(root, tmp_path):
    evil = Document.from_text("../../evil", "x", "x.txt").to_dict()
    batch = write_batch(tmp_path / "b.jsonl", [evil])
    result = corpus("merge", str(batch), "--annotations", str(root))
    assert result.returncode == 1
    assert not (tmp_path / "evil.jsonl").exists() and not any(tmp_path.rglob("evil*"))
    assert len(corpus_files(root)) == 2


def _export(doc: AnnotatedDocument, text: str | None = None) -> list[dict]:
    from corpus_pkg.labelstudio.convert import task_data, to_result

    data = task_data(doc.document) | ({"text": text} if text else {})
    return [
        {
            "id": 1,
            "data": data,
            "annotations": [
                {
                    "id": 7,
                    "result": to_result(doc),
                    "completed_by": {"email": "annotator@example.org"},
                    "was_cancelled": False,
                    "updated_at": "2026-11-23T10:00:00Z",
                }
            ],
        }
    ]


def test_a_label_studio_export_is_recognized_and_its_known_spans_are_duplicates(root, tmp_path):
    doc = load_corpus(root)[0]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(_export(doc)), encoding="utf-8")
    out = json.loads(corpus("validate", str(path), "--annotations", str(root), "--format", "json").stdout)
    assert out["valid"] and out["files"][str(path)] == "label studio export"
    assert [f["rule"] for f in out["findings"]] == ["duplicate-span"]
    result = corpus("merge", str(path), "--annotations", str(root))
    assert result.returncode == 0 and "nothing to merge" in result.stdout


def test_a_span_added_in_label_studio_merges_with_its_annotator(root, tmp_path):
    doc = load_corpus(root)[0]
    putin = span(doc.document, "ls-random-id", "Vladimir Putin", cluster="vladimir-putin", kind="NAM")
    path = tmp_path / "export.json"
    path.write_text(json.dumps(_export(AnnotatedDocument(doc.document, [*doc.spans, putin]))), encoding="utf-8")
    result = corpus("merge", str(path), "--annotations", str(root))
    assert result.returncode == 0, result.stdout
    merged = {s.text: s for s in load_corpus(root)[0].spans}
    assert merged["Vladimir Putin"].provenance.annotator == "annotator@example.org"
    assert merged["Vladimir Putin"].id == "alpha-e002"


def test_a_label_studio_export_made_on_an_older_text_is_re_anchored(root, tmp_path):
    doc = load_corpus(root)[0]
    older = Document.from_text("alpha", "UPDATE: " + doc.document.text, "alpha.txt")
    putin = span(older, "x", "Vladimir Putin", cluster="vladimir-putin", kind="NAM")
    path = tmp_path / "export.json"
    path.write_text(json.dumps(_export(AnnotatedDocument(older, [putin]))), encoding="utf-8")
    out = json.loads(corpus("validate", str(path), "--annotations", str(root), "--format", "json").stdout)
    assert out["valid"], out["findings"]
    assert {"stale-text", "moved"} <= {f["rule"] for f in out["findings"]}


def test_garbage_in_a_label_studio_export_gives_findings_not_a_traceback(root, tmp_path):
    path = tmp_path / "export.json"
    path.write_text(
        json.dumps(
            [
                {
                    "data": {"doc_id": "alpha", "text": TEXTS["alpha"]},
                    "annotations": [
                        {
                            "result": [
                                {
                                    "id": "x",
                                    "type": "labels",
                                    "from_name": "label",
                                    "to_name": "text",
                                    "value": {"start": 0, "end": 3, "text": "nope", "labels": ["PERSON"]},
                                }
                            ]
                        }
                    ],
                },
                {"data": {}, "annotations": []},
            ]
        ),
        encoding="utf-8",
    )
    result = corpus("validate", str(path), "--annotations", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "[label-studio]" in result.stdout


def test_many_merges_at_once_land_every_span_exactly_once_with_unique_ids(root, tmp_path):
    """Eight merges started together, each with its own words of one text: the lock serialises them."""
    longer = Document.from_text(
        "gamma", " ".join(f"Word{i} Name{i} met Other{i} at Place{i}." for i in range(8)), "gamma.txt"
    )
    write_document(AnnotatedDocument(longer), root)
    batches = []
    for i in range(8):
        records = [
            span(longer, f"b{i}-a", f"Name{i}", cluster=f"name-{i}", kind="NAM").to_dict(),
            span(longer, f"b{i}-b", f"Place{i}", label="GPE", cluster=f"place-{i}", kind="NAM").to_dict(),
        ]
        batches.append(write_batch(tmp_path / f"batch{i}.jsonl", records))
    cmd = [sys.executable, "-m", "corpus_pkg", "merge"]
    procs = [
        subprocess.Popen([*cmd, str(b), "--annotations", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for b in batches
    ]
    outcomes = [(p.wait(timeout=300), p.stdout.read().decode(), p.stderr.read().decode()) for p in procs]
    assert all(code == 0 for code, _, _ in outcomes), outcomes
    (gamma,) = [d for d in load_corpus(root) if d.doc_id == "gamma"]
    assert sorted(s.text for s in gamma.spans) == sorted(
        [f"Name{i}" for i in range(8)] + [f"Place{i}" for i in range(8)]
    )
    assert len({s.id for s in gamma.spans}) == 16
    assert corpus("validate", "--annotations", str(root)).returncode == 0
    assert not [p for p in root.rglob("*") if p.name.endswith((".tmp", ".merge-tmp")) or p.name == JOURNAL]


def test_a_merge_that_cannot_get_the_lock_in_time_refuses_and_a_retry_succeeds(root, tmp_path):
    from filelock import FileLock

    from corpus_pkg.storage import LOCK_FILE

    batch = good_batch(root, tmp_path)
    before = snapshot(root)
    with FileLock(str(root / LOCK_FILE)):
        refused = corpus("merge", str(batch), "--annotations", str(root), env={"CORPUS_LOCK_TIMEOUT": "1"})
    assert refused.returncode == 2
    assert "waiting up to 1 s" in refused.stderr and "nothing was written" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert snapshot(root) == before
    assert corpus("merge", str(batch), "--annotations", str(root)).returncode == 0


# -- correction batches: update and delete ----------------------------------------------------------------------------


@pytest.fixture
def corrected(tmp_path) -> Path:
    """A corpus with an entity to relabel, a date to move and an entity to delete; CHANGELOG.md beside it."""
    base = tmp_path / "annotations"
    a = Document.from_text("alpha", TEXTS["alpha"], "alpha.txt")
    spans = [
        span(a, "alpha-e001", "Kim Jong Un"),
        span(a, "alpha-e002", "Vladimir Putin", label="GPE"),
        span(a, "alpha-e003", "Vostochny", label="ORG"),
        span(a, "alpha-d001", "13 September", "date", "TIMEX3", type="DATE", value="XXXX-09-13"),
    ]
    write_document(AnnotatedDocument(a, spans), base)
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n", encoding="utf-8")
    return base


def correction(root: Path, path: Path) -> Path:
    """Relabel alpha-e002 to PERSON, move alpha-d001 onto "13 September 2023", delete alpha-e003."""
    (doc,) = load_corpus(root)
    by_id = {s.id: s for s in doc.spans}
    putin, date, gone = by_id["alpha-e002"], by_id["alpha-d001"], by_id["alpha-e003"]
    moved = span(doc.document, "alpha-d001", "13 September 2023", "date", "TIMEX3", type="DATE", value="2023-09-13")
    edits = [
        {"op": "update", "id": putin.id, "expect": content_hash(putin), "value": replace(putin, label="PERSON")},
        {"op": "update", "id": date.id, "expect": content_hash(date), "value": moved},
        {"op": "delete", "id": gone.id, "expect": content_hash(gone)},
    ]
    records = [
        {"record": "edit", "doc_id": "alpha", **e, **({"value": e["value"].to_dict()} if "value" in e else {})}
        for e in edits
    ]
    return write_batch(path, records)


def test_a_correction_batch_updates_and_deletes_and_the_corpus_still_validates(corrected, tmp_path):
    batch = correction(corrected, tmp_path / "fix.jsonl")
    before = tmp_path / "before"
    shutil.copytree(corrected, before)
    result = CliRunner().invoke(main, ["merge", str(batch), "--annotations", str(corrected)])
    assert result.exit_code == 0, result.output
    assert "alpha: ~1 date updated, ~1 entity updated, -1 entity deleted" in result.output
    (doc,) = load_corpus(corrected)
    by_id = {s.id: s for s in doc.spans}
    assert sorted(by_id) == ["alpha-d001", "alpha-e001", "alpha-e002"]
    assert by_id["alpha-e002"].label == "PERSON"
    assert (by_id["alpha-d001"].text, by_id["alpha-d001"].attributes["value"]) == ("13 September 2023", "2023-09-13")
    entry = (tmp_path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "`alpha`: ~1 date updated, ~1 entity updated, -1 entity deleted" in entry
    assert CliRunner().invoke(main, ["validate", "--annotations", str(corrected)]).exit_code == 0
    shown = CliRunner().invoke(main, ["diff", str(before), str(corrected), "--format", "json"])
    changes = {(c["kind"], c["id"]): c for c in json.loads(shown.output)["changes"]}
    assert sorted(changes) == [
        ("attributes", "alpha-d001"),
        ("rebounded", "alpha-d001"),
        ("relabeled", "alpha-e002"),
        ("removed", "alpha-e003"),
    ]
    assert (
        changes[("relabeled", "alpha-e002")]["old"]["label"],
        changes[("relabeled", "alpha-e002")]["new"]["label"],
    ) == (
        "GPE",
        "PERSON",
    )
    assert changes[("rebounded", "alpha-d001")]["new"]["text"] == "13 September 2023"
    assert changes[("removed", "alpha-e003")]["old"]["text"] == "Vostochny"


def test_merging_a_correction_twice_changes_nothing_the_second_time(corrected, tmp_path):
    batch = correction(corrected, tmp_path / "fix.jsonl")
    assert CliRunner().invoke(main, ["merge", str(batch), "--annotations", str(corrected)]).exit_code == 0
    after = snapshot(corrected)
    again = CliRunner().invoke(main, ["merge", str(batch), "--annotations", str(corrected)])
    assert again.exit_code == 0, again.output
    assert again.output.count("[edit-applied]") == 3 and "3 edit(s) already applied" in again.output
    assert "nothing to merge" in again.output
    assert snapshot(corrected) == after


def test_a_stale_correction_is_refused_with_the_expected_and_current_content(corrected, tmp_path):
    batch = correction(corrected, tmp_path / "fix.jsonl")
    # Meanwhile someone else narrows "Vostochny"'s label: the delete was made against other content.
    (doc,) = load_corpus(corrected)
    changed = [replace(s, label="FAC") if s.id == "alpha-e003" else s for s in doc.spans]
    write_document(AnnotatedDocument(doc.document, changed), corrected)
    before = snapshot(corrected)
    log_before = (tmp_path / "CHANGELOG.md").read_bytes()
    result = CliRunner().invoke(main, ["merge", str(batch), "--annotations", str(corrected)])
    assert result.exit_code == 1, result.output
    assert f"{batch}:3 /expect: error [stale-edit] alpha-e003" in result.output
    (stale,) = [line for line in result.output.splitlines() if "[stale-edit]" in line]
    expected = json.loads(batch.read_text(encoding="utf-8").splitlines()[2])["expect"]
    assert f"expected content {expected[:12]}" in stale and "'Vostochny' FAC" in stale
    assert "nothing was changed" in result.output
    assert snapshot(corrected) == before
    assert (tmp_path / "CHANGELOG.md").read_bytes() == log_before
    checked = CliRunner().invoke(main, ["validate", str(batch), "--annotations", str(corrected), "--format", "json"])
    assert checked.exit_code == 1
    payload = json.loads(checked.output)
    assert payload["counts"] == {"edit": 3}
    assert [(f["rule"], f["record_id"]) for f in payload["findings"]] == [("stale-edit", "alpha-e003")]
