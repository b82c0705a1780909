"""Adversarial and generated batches: always findings and an exit code, never a changed file on rejection."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner
from helpers import write_corpus
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import PROV, annotated_documents, corpora

from corpus_pkg.batches import validate_batch
from corpus_pkg.cli import main
from corpus_pkg.diff import diff_corpora, read_folder
from corpus_pkg.jsonio import dumps, dumps_lines
from corpus_pkg.labels import label_sets
from corpus_pkg.model import AnnotatedDocument, Document, Relation, Span, content_hash, make_span
from corpus_pkg.storage import LOCK_FILE, load_corpus
from corpus_pkg.validate import SOURCED_QUOTE_KINDS

TEXT = "Kim Jong Un met 👩‍🚀 Vladimir Putin at Vostochny.\r\nThey talked on Sunday. e\u0301 ok"
DOC = Document.from_text("base", TEXT, "base.txt")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=20,
)
record_keys = [
    "id",
    "doc_id",
    "layer",
    "start",
    "end",
    "text",
    "label",
    "attributes",
    "prefix",
    "suffix",
    "provenance",
    "type",
    "head",
    "tail",
    "against",
    "batch_id",
]
records = st.fixed_dictionaries(
    {"record": st.sampled_from(["span", "relation", "document", "batch", "other"])},
    optional={
        k: json_values | st.sampled_from(["base", "entity", "PERSON", "Kim", -1, 10**20, 0, 3]) for k in record_keys
    },
)
nasty_lines = st.one_of(
    records.map(dumps),
    st.binary(max_size=60),
    st.sampled_from(
        [
            b'{"record": "span", "text": "\\ud800"}',
            b"\xef\xbb\xbf{}",
            b'{"record": "span"}\r',
            b"{" * 2000,
            b'{"record": "span", "start": NaN}',
            b"[" + b"1," * 5000 + b"1]",
            b'{"a": "' + b"x" * 200_000 + b'"}',
            b'{"record": "span", "id": "x", "doc_id": "base", "layer": "entity", "start": -5, '
            b'"end": 99999999999999999999}',
        ]
    ),
)


def _corpus(tmp: Path) -> Path:
    base = tmp / "annotations"
    span = make_span(
        DOC,
        id="base-e001",
        layer="entity",
        start=0,
        end=11,
        label="PERSON",
        attributes={"kind": "NAM", "cluster": "kim-jong-un"},
        provenance=PROV,
    )
    write_corpus(base, [AnnotatedDocument(DOC, [span])])
    return base


def _snapshot(base: Path) -> dict[str, bytes]:
    """Every file under the annotations but the write lock (its presence says nothing about the data)."""
    return {
        str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file() and p.name != LOCK_FILE
    }


@settings(max_examples=40)
@given(st.lists(nasty_lines, min_size=1, max_size=6), st.sampled_from([b"\n", b"\r\n"]))
def test_any_bytes_get_findings_and_an_exit_code_and_change_nothing(tmp_path_factory, lines, newline):
    tmp = tmp_path_factory.mktemp("b")
    base = _corpus(tmp)
    batch = tmp / "batch.jsonl"
    batch.write_bytes(newline.join(x if isinstance(x, bytes) else x.encode("utf-8", "surrogatepass") for x in lines))
    before = _snapshot(base)
    report, _ = validate_batch(batch, base)  # never raises
    result = CliRunner().invoke(main, ["merge", str(batch), "--annotations", str(base)])
    assert result.exit_code in (0, 1, 2), result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    if report.errors:
        assert result.exit_code in (1, 2)
        assert _snapshot(base) == before
        for f in report.errors:
            assert f.file and f.rule and f.message


@settings(max_examples=25)
@given(annotated_documents(doc_id="base"))
def test_a_valid_generated_batch_merges_and_the_diff_shows_exactly_the_batch(tmp_path_factory, generated):
    tmp = tmp_path_factory.mktemp("m")
    base = tmp / "annotations"
    # The corpus holds the document without annotations; the batch brings all of them.
    write_corpus(base, [AnnotatedDocument(generated.document)])
    before = tmp / "before"
    shutil.copytree(base, before)
    batch = tmp / "batch.jsonl"
    batch.write_text(
        dumps_lines([s.to_dict() for s in generated.spans] + [r.to_dict() for r in generated.relations]),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["merge", str(batch), "--annotations", str(base)])
    assert result.exit_code == 0, result.output
    changes = diff_corpora(read_folder(before), read_folder(base)).changes
    assert {c.kind for c in changes} <= {"added"}
    added = sorted((c.layer, c.new["start"], c.new["end"], c.new["text"]) for c in changes if c.layer != "relation")
    assert added == sorted((s.layer, s.start, s.end, s.text) for s in generated.spans)
    assert sum(c.layer == "relation" for c in changes) == len(generated.relations)
    again = CliRunner().invoke(main, ["merge", str(batch), "--annotations", str(base)])
    assert again.exit_code == 0 and "nothing to merge" in again.output


def test_a_batch_header_that_is_not_first_is_reported(tmp_path):
    base = _corpus(tmp_path)
    batch = tmp_path / "b.jsonl"
    span = make_span(
        DOC,
        id="n1",
        layer="date",
        start=TEXT.index("Sunday"),
        end=TEXT.index("Sunday") + 6,
        label="TIMEX3",
        attributes={"type": "DATE", "value": "2023-09-17"},
        provenance=PROV,
    )
    batch.write_text(dumps_lines([span.to_dict(), {"record": "batch", "batch_id": "late"}]), encoding="utf-8")
    report, _ = validate_batch(batch, base)
    assert [f.rule for f in report.errors] == ["schema"] and "first record" in report.errors[0].message
    assert json.loads(json.dumps(report.errors[0].to_dict()))["line"] == 2


TIMEX_VALUES = {"DATE": "2023-09-14", "TIME": "2023-09-13TEV", "DURATION": "P2D", "SET": "P1W"}


@st.composite
def corrections(draw, docs: list[AnnotatedDocument]) -> tuple[list[dict], dict[str, dict[str, dict]]]:
    """Random updates (one field) and deletes with correct hashes, kept valid: a deleted span takes its relations
    along, and a quote or claim left without one is updated to say so. Returns (edit records, expected corpus)."""
    ls = label_sets()
    edits: list[dict] = []
    expected: dict[str, dict[str, dict]] = {}
    for doc in docs:
        spans = {s.id: s for s in doc.spans}
        rels = {r.id: r for r in doc.relations}
        gone = {sid for sid in spans if draw(st.integers(0, 4)) == 0}
        gone |= {rid for rid in rels if draw(st.integers(0, 4)) == 0}
        gone |= {r.id for r in rels.values() if r.head in gone or r.tail in gone}
        new: dict[str, Span | Relation] = {}
        for s in spans.values():
            if s.id in gone:
                continue
            a = dict(s.attributes)
            had = [r for r in rels.values() if r.head == s.id]
            if had and all(r.id in gone for r in had):
                a["speaker_stated" if s.layer == "quote" else "source"] = False if s.layer == "quote" else "outlet"
            label = s.label
            if draw(st.integers(0, 2)) == 0:
                if s.layer == "entity":
                    label = draw(st.sampled_from(ls.entity_types))
                elif s.layer == "date":
                    a["type"] = draw(st.sampled_from(ls.timex_types))
                    a["value"] = TIMEX_VALUES[a["type"]]
                elif s.layer == "quote":
                    a["kind"] = draw(st.sampled_from(ls.quote_kinds))
                else:
                    a["factuality"] = draw(st.sampled_from(ls.factuality))
            if s.layer == "quote" and not a["speaker_stated"] and a["kind"] in SOURCED_QUOTE_KINDS:
                a["kind"] = "indirect"  # a belief or nominal quote needs a speaker (validator rule attribution)
            if (label, a) != (s.label, s.attributes):
                new[s.id] = replace(s, label=label, attributes=a)
        entities = [s.id for s in doc.spans if s.layer == "entity" and s.id not in gone]
        for r in rels.values():
            if r.id not in gone and entities and draw(st.integers(0, 2)) == 0:
                tail = draw(st.sampled_from(entities))
                if tail != r.tail and not any(
                    (o.type, o.head, o.tail) == (r.type, r.head, tail) for o in rels.values()
                ):
                    new[r.id] = replace(r, tail=tail)
        current = {r.id: r for r in [*doc.spans, *doc.relations]}
        for rid in sorted(gone):
            edits.append(
                {
                    "record": "edit",
                    "op": "delete",
                    "doc_id": doc.doc_id,
                    "id": rid,
                    "expect": content_hash(current[rid]),
                }
            )
        for rid, value in sorted(new.items()):
            edits.append(
                {
                    "record": "edit",
                    "op": "update",
                    "doc_id": doc.doc_id,
                    "id": rid,
                    "expect": content_hash(current[rid]),
                    "value": value.to_dict(),
                }
            )
        expected[doc.doc_id] = {rid: new.get(rid, r).to_dict() for rid, r in current.items() if rid not in gone}
    return edits, expected


def _records_by_id(base: Path) -> dict[str, dict[str, dict]]:
    return {d.doc_id: {r.id: r.to_dict() for r in [*d.spans, *d.relations]} for d in load_corpus(base)}


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_random_corrections_with_correct_hashes_merge_to_exactly_the_edited_corpus(tmp_path_factory, data):
    docs = data.draw(corpora(max_docs=2))
    edits, expected = data.draw(corrections(docs))
    assume(edits)
    tmp = tmp_path_factory.mktemp("c")
    base = write_corpus(tmp / "annotations", docs)
    before = _snapshot(base)
    # One hash wrong: the whole batch is refused and nothing changes.
    wrong = data.draw(st.integers(0, len(edits) - 1))
    spoiled = [e | {"expect": "0" * 64} if i == wrong else e for i, e in enumerate(edits)]
    batch = tmp / "fix.jsonl"
    batch.write_text(dumps_lines(spoiled), encoding="utf-8")
    refused = CliRunner().invoke(main, ["merge", str(batch), "--annotations", str(base)])
    assert refused.exit_code == 1, refused.output
    assert "[stale-edit]" in refused.output
    assert _snapshot(base) == before
    # With every hash right it merges, the corpus validates, and exactly the edited records changed.
    batch.write_text(dumps_lines(edits), encoding="utf-8")
    merged = CliRunner().invoke(main, ["merge", str(batch), "--annotations", str(base)])
    assert merged.exit_code == 0, merged.output
    assert CliRunner().invoke(main, ["validate", "--annotations", str(base)]).exit_code == 0
    assert _records_by_id(base) == expected
    after = _snapshot(base)
    again = CliRunner().invoke(main, ["merge", str(batch), "--annotations", str(base)])
    assert again.exit_code == 0 and "nothing to merge" in again.output, again.output
    assert _snapshot(base) == after
