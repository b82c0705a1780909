"""`corpus diff`: span and relation changes between two folders or two git refs."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from strategies import PROV

from corpus_pkg.cli import main
from corpus_pkg.diff import DiffError, diff
from corpus_pkg.model import AnnotatedDocument, Document, Provenance, Relation, Span, make_span
from corpus_pkg.storage import write_document

TEXT = "Kim Jong Un met Vladimir Putin in Russia on Wednesday. Putin said “we will help.” Analysts doubt it.\n"
OTHER = "A second article about North Korea.\n"


def span(
    doc: Document,
    sid: str,
    layer: str,
    needle: str,
    label: str,
    attrs: dict,
    prov: Provenance = PROV,
    occurrence: int = 1,
) -> Span:
    start = -1
    for _ in range(occurrence):
        start = doc.text.index(needle, start + 1)
    return make_span(
        doc, id=sid, layer=layer, start=start, end=start + len(needle), label=label, attributes=attrs, provenance=prov
    )


def base() -> tuple[Document, list[Span], list[Relation]]:
    doc = Document.from_text("a-001", TEXT, "a.txt")
    spans = [
        span(doc, "a-001-e001", "entity", "Kim Jong Un", "PERSON", {"kind": "NAM", "cluster": "kim"}),
        span(doc, "a-001-e002", "entity", "Vladimir Putin", "PERSON", {"kind": "NAM", "cluster": "putin"}),
        span(doc, "a-001-e003", "entity", "Russia", "GPE", {"kind": "NAM", "cluster": "russia"}),
        span(doc, "a-001-e004", "entity", "Putin", "PERSON", {"kind": "NAM", "cluster": "putin"}, occurrence=2),
        span(doc, "a-001-d001", "date", "Wednesday", "TIMEX3", {"type": "DATE", "value": "2023-09-13"}),
        span(doc, "a-001-q001", "quote", "“we will help.”", "QUOTE", {"kind": "direct", "speaker_stated": True}),
    ]
    rels = [Relation("a-001-r001", "a-001", "speaker", "a-001-q001", "a-001-e004", PROV)]
    return doc, spans, rels


def write(root: Path, docs: list[AnnotatedDocument]) -> Path:
    for d in docs:
        write_document(d, root)
    return root


def edited() -> list[AnnotatedDocument]:
    """The base with one change of every kind."""
    doc, spans, rels = base()
    by_id = {s.id: s for s in spans}
    new = [
        by_id["a-001-e001"],
        # re-bounded: "Vladimir Putin" -> "Putin" inside it
        span(doc, "a-001-e002", "entity", "Putin", "PERSON", {"kind": "NAM", "cluster": "putin"}),
        # relabeled
        span(doc, "a-001-e003", "entity", "Russia", "LOC", {"kind": "NAM", "cluster": "russia"}),
        by_id["a-001-e004"],
        # added
        span(doc, "a-001-e005", "entity", "Analysts", "PERSON", {"kind": "NOM", "cluster": "analysts"}),
        # attributes changed
        span(doc, "a-001-q001", "quote", "“we will help.”", "QUOTE", {"kind": "mixed", "speaker_stated": True}),
        # the date is removed; provenance changed on nothing else
    ]
    rels = [*rels, Relation("a-001-r002", "a-001", "speaker", "a-001-q001", "a-001-e002", PROV)]
    second = AnnotatedDocument(Document.from_text("b-002", OTHER, "b.txt"))
    return [AnnotatedDocument(doc, new, rels).sorted(), second]


@pytest.fixture
def sides(tmp_path: Path) -> tuple[Path, Path]:
    doc, spans, rels = base()
    old = write(tmp_path / "old", [AnnotatedDocument(doc, spans, rels).sorted()])
    new = write(tmp_path / "new", edited())
    return old, new


def kinds(result) -> set[tuple[str, str, str]]:
    return {(c.layer, c.kind, c.id) for c in result.changes}


def test_each_kind_of_span_change_is_reported_per_layer_and_document(sides: tuple[Path, Path]) -> None:
    result = diff(str(sides[0]), str(sides[1]))
    assert kinds(result) == {
        ("entity", "rebounded", "a-001-e002"),
        ("entity", "relabeled", "a-001-e003"),
        ("entity", "added", "a-001-e005"),
        ("date", "removed", "a-001-d001"),
        ("quote", "attributes", "a-001-q001"),
        ("relation", "added", "a-001-r002"),
        ("document", "added", "b-002"),
    }
    by = {(c.layer, c.kind): c for c in result.changes}
    assert by[("entity", "rebounded")].old["text"] == "Vladimir Putin"
    assert by[("entity", "rebounded")].new["text"] == "Putin"
    assert (by[("entity", "relabeled")].old["label"], by[("entity", "relabeled")].new["label"]) == ("GPE", "LOC")
    assert by[("quote", "attributes")].old == {"kind": "direct"}
    assert by[("quote", "attributes")].new == {"kind": "mixed"}
    assert result.counts() == {"added": 3, "removed": 1, "relabeled": 1, "rebounded": 1, "attributes": 1}


def test_identical_sides_have_no_changes(sides: tuple[Path, Path], tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sides[0], copy)
    result = diff(str(sides[0]), str(copy))
    assert result.changes == []
    assert "no changes" in result.render()


def test_renumbered_ids_after_an_insertion_are_not_reported_as_changes(tmp_path: Path) -> None:
    doc, spans, rels = base()
    old = write(tmp_path / "old", [AnnotatedDocument(doc, spans, rels)])
    # A new first entity shifts every positional id by one; the relation follows its spans.
    ents = [s for s in spans if s.layer == "entity"]
    shifted = [
        make_span(
            doc,
            id=f"a-001-e{n + 2:03d}",
            layer="entity",
            start=s.start,
            end=s.end,
            label=s.label,
            attributes=s.attributes,
            provenance=s.provenance,
        )
        for n, s in enumerate(ents)
    ]
    first = span(doc, "a-001-e001", "entity", "Kim", "PERSON", {"kind": "NAM", "cluster": "kim"})
    others = [s for s in spans if s.layer != "entity"]
    # "Kim" overlaps "Kim Jong Un": entities must not overlap, so the old e001 becomes "Jong Un".
    shifted[0] = span(doc, "a-001-e002", "entity", "Jong Un", "PERSON", {"kind": "NAM", "cluster": "kim"})
    new_rels = [Relation("a-001-r001", "a-001", "speaker", "a-001-q001", "a-001-e005", PROV)]
    new = write(tmp_path / "new", [AnnotatedDocument(doc, [first, *shifted, *others], new_rels)])
    result = diff(str(old), str(new))
    # Only the split of "Kim Jong Un" into "Kim" + "Jong Un" shows; the shifted spans and the relation do not.
    assert kinds(result) == {("entity", "rebounded", "a-001-e001"), ("entity", "added", "a-001-e002")}


def test_relation_changes_are_matched_by_their_ends_not_their_ids(tmp_path: Path) -> None:
    doc, spans, rels = base()
    old = write(tmp_path / "old", [AnnotatedDocument(doc, spans, rels)])
    moved = [Relation("a-001-r009", "a-001", "speaker", "a-001-q001", "a-001-e002", PROV)]
    new = write(tmp_path / "new", [AnnotatedDocument(doc, spans, moved)])
    result = diff(str(old), str(new))
    assert kinds(result) == {("relation", "removed", "a-001-r001"), ("relation", "added", "a-001-r009")}
    added = next(c for c in result.changes if c.kind == "added")
    assert (added.new["head_text"], added.new["tail_text"]) == ("“we will help.”", "Vladimir Putin")


def test_provenance_changes_are_reported(tmp_path: Path) -> None:
    doc, spans, rels = base()
    pred = Provenance("model", "spacy", "3.8", "prediction", 0.5)
    old_spans = [
        span(doc, "a-001-e003", "entity", "Russia", "GPE", {"kind": "NAM", "cluster": "russia"}, pred)
        if s.id == "a-001-e003"
        else s
        for s in spans
    ]
    old = write(tmp_path / "old", [AnnotatedDocument(doc, old_spans, rels)])
    new = write(tmp_path / "new", [AnnotatedDocument(doc, spans, rels)])
    (change,) = diff(str(old), str(new)).changes
    assert (change.kind, change.id) == ("provenance", "a-001-e003")
    assert change.old["status"] == "prediction" and change.new["status"] == "gold"


def test_a_changed_text_is_reported_with_the_span_changes(tmp_path: Path) -> None:
    doc, spans, rels = base()
    old = write(tmp_path / "old", [AnnotatedDocument(doc, spans, rels)])
    fixed = Document.from_text("a-001", "Breaking: " + TEXT, "a.txt")
    moved = [
        make_span(
            fixed,
            id=s.id,
            layer=s.layer,
            start=s.start + 10,
            end=s.end + 10,
            label=s.label,
            attributes=s.attributes,
            provenance=s.provenance,
        )
        for s in spans
    ]
    new = write(tmp_path / "new", [AnnotatedDocument(fixed, moved, rels)])
    result = diff(str(old), str(new))
    assert ("document", "text-changed", "a-001") in kinds(result)
    assert sum(c.kind == "rebounded" for c in result.changes) == len(spans)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_two_git_refs_are_read_without_touching_the_working_tree(sides: tuple[Path, Path], tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copytree(sides[0], repo / "annotations")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "old")
    shutil.rmtree(repo / "annotations")
    shutil.copytree(sides[1], repo / "annotations")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "new")
    git(repo, "tag", "v-new")
    (repo / "annotations" / "corpus" / "b-002.jsonl").unlink()  # a working-tree change the refs must not see

    from_refs = diff("HEAD~1", "v-new", repo)
    from_folders = diff(str(sides[0]), str(sides[1]))
    assert from_refs.changes == from_folders.changes
    # A ref against the working tree's folder.
    against_tree = diff("HEAD", str(repo / "annotations"), repo)
    assert kinds(against_tree) == {("document", "removed", "b-002")}
    assert git(repo, "status", "--porcelain") == "D annotations/corpus/b-002.jsonl"


def test_a_ref_before_the_annotations_existed_is_an_empty_corpus(tmp_path: Path, sides: tuple[Path, Path]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "x.txt").write_text("x")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "empty")
    result = diff("HEAD", str(sides[0]), repo)
    assert kinds(result) == {("document", "added", "a-001")}
    assert result.changes[0].new == {"spans": 6, "relations": 1}


def test_an_unknown_side_is_a_clear_error(tmp_path: Path, sides: tuple[Path, Path]) -> None:
    with pytest.raises(DiffError, match="neither a folder nor a git ref"):
        diff("no-such-ref-or-folder", str(sides[0]), tmp_path)
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "a.json").write_text("{}")
    with pytest.raises(DiffError, match="neither corpus/ nor"):
        diff(str(tmp_path / "drafts"), str(sides[0]))


def test_the_command_prints_text_or_json_and_can_signal_differences(sides: tuple[Path, Path]) -> None:
    runner = CliRunner()
    text = runner.invoke(main, ["diff", str(sides[0]), str(sides[1])])
    assert text.exit_code == 0, text.output
    assert "a-001\n" in text.output
    assert "relabeled" in text.output and "'Russia'" in text.output and "GPE -> LOC" in text.output
    assert "3 added, 1 removed, 1 relabeled, 1 rebounded, 1 attributes" in text.output
    js = runner.invoke(main, ["diff", str(sides[0]), str(sides[1]), "--format", "json"])
    payload = json.loads(js.output)
    assert payload["counts"]["added"] == 3
    assert {c["kind"] for c in payload["changes"]} == {"added", "removed", "relabeled", "rebounded", "attributes"}
    assert runner.invoke(main, ["diff", str(sides[0]), str(sides[1]), "--exit-code"]).exit_code == 1
    assert runner.invoke(main, ["diff", str(sides[0]), str(sides[0]), "--exit-code"]).exit_code == 0
    bad = runner.invoke(main, ["diff", str(sides[0]), "no-such-ref"])
    assert bad.exit_code == 2 and "error:" in bad.output


def test_a_corrected_span_moved_elsewhere_and_a_relinked_relation_keep_their_ids(tmp_path: Path) -> None:
    doc, spans, rels = base()
    old = write(tmp_path / "old", [AnnotatedDocument(doc, spans, rels)])
    # A correction moves the date onto other words (no overlap) and points the speaker at the other Putin.
    elsewhere = span(doc, "a-001-d001", "date", "Analysts", "TIMEX3", {"type": "DATE", "value": "2023-09-13"})
    moved = [elsewhere if s.id == "a-001-d001" else s for s in spans]
    relinked = [replace(rels[0], tail="a-001-e002")]
    new = write(tmp_path / "new", [AnnotatedDocument(doc, moved, relinked)])
    result = diff(str(old), str(new))
    assert kinds(result) == {("date", "rebounded", "a-001-d001"), ("relation", "relinked", "a-001-r001")}
    by = {c.kind: c for c in result.changes}
    assert (by["rebounded"].old["text"], by["rebounded"].new["text"]) == ("Wednesday", "Analysts")
    assert (by["relinked"].old["tail_text"], by["relinked"].new["tail_text"]) == ("Putin", "Vladimir Putin")
    assert "relinked" in result.render() and "'Vladimir Putin'" in result.render()


def test_only_the_documents_whose_files_differ_are_read(tmp_path, monkeypatch):
    """The cost of a diff follows the change: identical files are compared by their git blob id, never parsed."""
    import shutil

    from corpus_pkg import diff as diff_module
    from corpus_pkg.project import current

    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(current().annotations / "corpus", old / "corpus")
    shutil.copytree(old, new)
    changed = sorted((new / "corpus").glob("*.jsonl"))[0]
    lines = changed.read_text(encoding="utf-8").split("\n")
    changed.write_text("\n".join([lines[0], *lines[2:]]), encoding="utf-8")  # drop the first span
    read: list[str] = []
    real = diff_module._add_file
    monkeypatch.setattr(
        diff_module, "_add_file", lambda corpus, name, data: (read.append(name), real(corpus, name, data))
    )
    result = diff_module.diff(str(old), str(new))
    assert read == [changed.name, changed.name]
    assert result.documents == 5
    assert [c.kind for c in result.changes] == ["removed"]
    # Two refs holding the same blobs compare equal without reading a blob.
    read.clear()
    same = diff_module.diff("HEAD", "HEAD", repo=current().root)
    assert read == [] and same.changes == [] and same.documents == 5
