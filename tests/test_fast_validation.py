"""The valid path of batch validation (parsed records proven clean, no model objects) agrees with the reference path."""

from __future__ import annotations

import copy
import json

from helpers import write_corpus
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import annotated_documents, corpora
from test_schema_check import mutated

from corpus_pkg import ids
from corpus_pkg.batches import validate_batch
from corpus_pkg.jsonio import dumps
from corpus_pkg.model import AnnotatedDocument, Relation, Span
from corpus_pkg.schema_check import is_valid, reference_path
from corpus_pkg.storage import assemble, corpus_items, records_of, serialize
from corpus_pkg.validate import (
    _canonical_ids,
    check_document,
    clean_corpus_file,
    document_is_clean,
    validate_corpus_files,
)

BREAKS = [
    "none",
    "start",
    "end",
    "text",
    "prefix",
    "suffix",
    "same-id",
    "foreign-id",
    "overlap",
    "timex",
    "head",
    "attribution",
    "unsourced-belief",
    "sha256",
]


def _records(d: AnnotatedDocument) -> tuple[dict, list[dict], list[dict]]:
    return d.document.to_dict(), [s.to_dict() for s in d.spans], [r.to_dict() for r in d.relations]


def _broken(data, d: AnnotatedDocument) -> tuple[dict, list[dict], list[dict]]:
    """The document's records with one rule broken (or none), every record still schema-valid."""
    doc, spans, rels = _records(d)
    how = data.draw(st.sampled_from(BREAKS))
    s = data.draw(st.sampled_from(spans)) if spans else None
    if s is None or how == "none":
        pass
    elif how in ("start", "end"):
        s[how] = max(0, s[how] + data.draw(st.sampled_from([-1, 1])))
    elif how == "text":
        s["text"] = data.draw(st.sampled_from([s["text"] + " ", " " + s["text"], s["text"][:-1] or "x"]))
    elif how in ("prefix", "suffix"):
        s[how] = s[how][1:] + "\u0301"
    elif how == "same-id" and len(spans) > 1:
        s["id"] = spans[0]["id"] if s is not spans[0] else spans[1]["id"]
    elif how == "foreign-id":
        s["id"] = "other-" + s["id"]
    elif how == "overlap":
        twin = copy.deepcopy(s)
        twin["id"] = f"{doc['doc_id']}-{s['id'].rsplit('-', 1)[1][0]}999"
        twin["start"] = max(0, s["start"] - 1) if twin["start"] else twin["start"]
        twin["text"] = doc["text"][twin["start"] : twin["end"]]
        twin["prefix"] = doc["text"][max(0, twin["start"] - 32) : twin["start"]]
        spans.append(twin)
    elif how == "timex" and s["layer"] == "date":
        s["attributes"]["value"] = data.draw(st.sampled_from(["2023-13-01", "P", "2023-02-30"]))
    elif how == "head" and rels:
        r = data.draw(st.sampled_from(rels))
        r[data.draw(st.sampled_from(["head", "tail"]))] = data.draw(st.sampled_from([s["id"], f"{doc['doc_id']}-e999"]))
    elif how == "attribution":
        a = s["attributes"]
        if "speaker_stated" in a:
            a["speaker_stated"] = not a["speaker_stated"]
        elif "source" in a:
            a["source"] = "outlet" if a["source"] == "attributed" else "attributed"
    elif how == "unsourced-belief" and s["layer"] == "quote":
        # a belief or nominal quote needs a stated source: consistent attributes, still refused
        s["attributes"].update(kind=data.draw(st.sampled_from(["belief", "nominal"])), speaker_stated=False)
        rels = [r for r in rels if not (r["type"] == "speaker" and r["head"] == s["id"])]
    elif how == "sha256":
        doc["sha256"] = "0" * 64
    return doc, spans, rels


def _by_layer(spans: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for s in spans:
        out.setdefault(s["layer"], []).append(s)
    return out


@settings(max_examples=300)
@given(annotated_documents(), st.booleans(), st.data())
def test_a_document_the_valid_path_accepts_gets_no_finding_from_check_document(d, canonical, data):
    doc, spans, rels = _broken(data, d)
    assume(all(is_valid(r) for r in [doc, *spans, *rels]))  # the valid path sees schema-valid records only
    clean = document_is_clean(
        copy.deepcopy(doc), _by_layer(copy.deepcopy(spans)), copy.deepcopy(rels), canonical_ids=canonical
    )
    objects = AnnotatedDocument(
        d.document.from_dict(doc), [Span.from_dict(s) for s in spans], [Relation.from_dict(r) for r in rels]
    )
    found = check_document(
        objects.document, objects.spans, objects.relations, doc_id=doc["doc_id"], canonical_ids=canonical
    )
    if clean:
        assert found == []


@given(annotated_documents(), st.booleans())
def test_every_valid_generated_document_takes_the_valid_path(d, canonical):
    doc, spans, rels = _records(d)
    assert document_is_clean(doc, _by_layer(spans), rels, canonical_ids=canonical)


@st.composite
def _near_ids(draw, letter: str) -> str:
    """An id of doc-1 with ``letter``, or near it: another document or letter, a short or non-ASCII number,
    something after the number."""
    doc = draw(st.sampled_from(["doc-1", "doc-1", "doc-1", "doc", "doc-1-e001"]))
    mark = draw(st.sampled_from([letter, letter, letter, "q"]))
    digits = draw(st.text(st.sampled_from("0123456789" * 3 + "\u0661"), min_size=0, max_size=5))
    return f"{doc}-{mark}{digits}" + draw(st.sampled_from(["", "", "", "x", "\n"]))


@given(
    st.sampled_from(["e", "r"]).flatmap(
        lambda letter: st.tuples(st.just(letter), st.lists(_near_ids(letter), min_size=1, max_size=4))
    )
)
def test_the_valid_paths_id_check_of_a_layer_agrees_with_is_canonical_id_by_id(case):
    letter, made = case
    expected = all(ids.is_canonical(rid, "doc-1", letter) for rid in made)
    assert _canonical_ids([{"id": rid} for rid in made], "doc-1", letter) == expected


def _in_order(report) -> list[tuple]:
    return [(f.rule, f.file, f.line, f.field, f.record_id, f.message, f.context, f.severity) for f in report.findings]


def damage(lines: list[str], data: st.DataObject, hows: list[str], times: int) -> None:
    """Up to ``times`` changes of JSONL ``lines`` in place, each drawn from ``hows``: a record mutated out of
    its schema, a cut line, a span shifted by one, a line moved or copied, a late batch header, an edit
    record, a blank line, a CR line end, a BOM."""
    for _ in range(data.draw(st.integers(0, times))):
        i = data.draw(st.integers(0, len(lines) - 1))
        how = data.draw(st.sampled_from(hows))
        try:  # an earlier cut can leave a line that only looks like an object
            value = json.loads(lines[i]) if lines[i].strip().startswith("{") and lines[i].endswith("}") else None
        except json.JSONDecodeError:
            value = None
        if how == "mutate" and value is not None:
            lines[i] = dumps(data.draw(mutated(value)))
        elif how == "garble":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
        elif how == "shift" and value is not None and "start" in value:
            value["start"] += data.draw(st.sampled_from([-1, 1]))
            lines[i] = dumps(value)
        elif how == "move":
            lines.insert(data.draw(st.integers(0, len(lines))), lines.pop(i))
        elif how == "copy":
            lines.insert(data.draw(st.integers(0, len(lines))), lines[i])
        elif how == "header":
            lines.insert(i, dumps({"record": "batch", "batch_id": "late"}))
        elif how == "edit" and value is not None and value.get("record") == "span":
            edit = {"record": "edit", "op": "delete", "doc_id": value["doc_id"], "id": value["id"], "expect": "0" * 64}
            lines.insert(i, dumps(edit))
        elif how == "blank":
            lines.insert(i, "")
        elif how == "crlf":
            lines[i] += "\r"
        elif how == "bom":
            lines[0] = "\ufeff" + lines[0]


@settings(max_examples=60, deadline=None)
@given(corpora(max_docs=4), st.data())
def test_a_batch_gets_the_same_findings_in_the_same_order_and_counts_on_the_valid_path_as_on_the_reference_path(
    tmp_path_factory, docs, data
):
    tmp = tmp_path_factory.mktemp("fast")
    base = tmp / "annotations"
    (base / "corpus").mkdir(parents=True)
    # Some documents are already in the corpus (the batch is then checked against them).
    in_corpus = data.draw(st.lists(st.sampled_from(docs), max_size=2, unique_by=lambda d: d.doc_id))
    write_corpus(base, [AnnotatedDocument(d.document, d.spans[:1]) for d in in_corpus])
    lines = [line for d in docs for line in serialize(d).split("\n")[:-1]]
    if data.draw(st.booleans()):
        against = {docs[0].doc_id: data.draw(st.sampled_from([docs[0].document.sha256, "0" * 64]))}
        lines.insert(0, dumps({"record": "batch", "batch_id": "b1", "against": against}))
    hows = ["mutate", "garble", "shift", "move", "copy", "header", "edit", "blank"]
    damage(lines, data, hows, times=3)
    batch = tmp / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast, _ = validate_batch(batch, base, plan=False)
    with reference_path():
        reference, _ = validate_batch(batch, base, plan=False)
    assert _in_order(fast) == _in_order(reference)
    assert dict(fast.counts) == dict(reference.counts)


def test_a_belief_quote_without_a_stated_source_is_not_taken_for_clean_by_the_valid_path():
    from corpus_pkg.model import Document
    from corpus_pkg.project import current

    path = current().annotations / "corpus" / "001-arms-deal-talks.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    doc = next(r for r in records if r["record"] == "document")
    spans = [r for r in records if r["record"] == "span"]
    quote = next(s for s in spans if s["layer"] == "quote" and s["attributes"]["kind"] == "belief")
    quote["attributes"]["speaker_stated"] = False
    rels = [r for r in records if r["record"] == "relation" and r["head"] != quote["id"]]
    assert is_valid(quote)  # the schema alone lets it through
    assert document_is_clean(doc, _by_layer(spans), rels, canonical_ids=True) is False
    found = check_document(
        Document.from_dict(doc),
        [Span.from_dict(s) for s in spans],
        [Relation.from_dict(r) for r in rels],
        doc_id=doc["doc_id"],
        canonical_ids=True,
    )
    assert [f.rule for f in found] == ["attribution"]


@settings(max_examples=80, deadline=None)
@given(annotated_documents(), st.data())
def test_a_corpus_file_the_build_takes_as_clean_gets_no_finding_and_reads_as_the_reference_records(
    tmp_path_factory, d, data
):
    """``clean_corpus_file`` (the build's valid path) against ``validate_corpus_files`` and the model objects."""
    root = tmp_path_factory.mktemp("clean") / "annotations"
    path = write_corpus(root, [d]) / "corpus" / f"{d.doc_id}.jsonl"
    lines = path.read_text(encoding="utf-8").split("\n")[:-1]
    damage(lines, data, ["mutate", "garble", "shift", "move", "copy", "blank", "crlf", "bom"], times=2)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = clean_corpus_file(path)
    report = validate_corpus_files([path])
    if got is None:
        return
    assert report.findings == []
    assert _without_nulls(got) == _without_nulls(records_of(assemble(corpus_items(path, [])).pop()))


def _without_nulls(value):
    """A record as the build reads it: an optional field left out and one given as null are the same."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_without_nulls(v) for v in value]
    return value


@given(annotated_documents())
def test_every_generated_corpus_file_takes_the_build_s_valid_path(tmp_path_factory, d):
    root = tmp_path_factory.mktemp("clean") / "annotations"
    path = write_corpus(root, [d]) / "corpus" / f"{d.doc_id}.jsonl"
    assert clean_corpus_file(path) == records_of(d)
