"""The pure conversion to and from Label Studio results, over generated documents."""

from __future__ import annotations

import json
import random
import string
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import annotated_documents

from corpus_pkg.labelstudio.convert import (
    RESTRICTIONS,
    TOOL,
    ConvertError,
    content_key,
    edit_records,
    from_result,
    origin,
    three_way,
    to_result,
    with_provenance,
)
from corpus_pkg.model import AnnotatedDocument, Document, Provenance, Relation, content_hash, make_span
from corpus_pkg.storage import serialize

ORIGIN = Provenance("annotator@example.org", TOOL, "1.23.2", "gold")
PROV = Provenance("someone", "corpus_pkg.anchor", "0.1.0", "gold")


def _through_json(result):
    """What the server stores and returns: plain JSON."""
    return json.loads(json.dumps(result, ensure_ascii=False))


def _without_base(doc: AnnotatedDocument) -> AnnotatedDocument:
    """What a round trip without a base must give, by RESTRICTIONS: new provenance, relations renumbered."""
    d = with_provenance(doc, ORIGIN).sorted()
    spans = [replace(s, attributes={k: v for k, v in s.attributes.items() if v is not None}) for s in d.spans]
    keys = sorted({(r.type, r.head, r.tail) for r in d.relations})
    rels = [Relation(f"{doc.doc_id}-r{n:03d}", doc.doc_id, t, h, tl, ORIGIN) for n, (t, h, tl) in enumerate(keys, 1)]
    return AnnotatedDocument(d.document, spans, rels).sorted()


def test_restrictions_are_declared_in_one_place():
    assert set(RESTRICTIONS) == {"provenance", "relation-id", "region-id", "qid-null"}


@given(annotated_documents())
def test_round_trip_against_the_synced_document_is_identity(doc):
    back = from_result(doc.document, _through_json(to_result(doc)), ORIGIN, base=doc)
    assert serialize(back) == serialize(doc)


@given(annotated_documents())
def test_round_trip_without_a_base_loses_only_what_restrictions_declare(doc):
    back = from_result(doc.document, _through_json(to_result(doc)), ORIGIN)
    assert serialize(back) == serialize(_without_base(doc))


@given(annotated_documents(), st.randoms(use_true_random=False))
def test_random_editor_region_ids_become_stable_span_ids_and_relations_follow(doc, rnd):
    result = to_result(doc)
    new_ids = {s.id: "".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(10)) for s in doc.spans}
    for item in result:
        if "id" in item:
            item["id"] = new_ids[item["id"]]
        else:
            item["from_id"], item["to_id"] = new_ids[item["from_id"]], new_ids[item["to_id"]]
    back = from_result(doc.document, result, ORIGIN)
    content = sorted((s.layer, s.start, s.end, s.text, s.label, sorted(s.attributes.items())) for s in back.spans)
    assert content == sorted(
        (s.layer, s.start, s.end, s.text, s.label, sorted((k, v) for k, v in s.attributes.items() if v is not None))
        for s in doc.spans
    )
    for s in back.spans:
        prefix = {"entity": "e", "date": "d", "quote": "q", "claim": "c"}[s.layer]
        assert s.id.startswith(f"{doc.doc_id}-{prefix}") and s.id[len(doc.doc_id) + 2 :].isdigit()
    by_pos = {(s.start, s.end, s.layer): s.id for s in back.spans}
    old_pos = {s.id: (s.start, s.end, s.layer) for s in doc.spans}
    assert sorted((r.type, r.head, r.tail) for r in back.relations) == sorted(
        {(r.type, by_pos[old_pos[r.head]], by_pos[old_pos[r.tail]]) for r in doc.relations}
    )
    # The same editor result always maps to the same ids.
    assert serialize(from_result(doc.document, result, ORIGIN)) == serialize(back)


@given(annotated_documents())
def test_content_key_ignores_order_and_editor_additions_but_not_content(doc):
    result = to_result(doc)
    shuffled = list(reversed(result))
    for item in shuffled:
        item["origin"] = "manual"
    assert content_key(shuffled) == content_key(result)
    if doc.spans:
        changed = _through_json(result)
        labels = next(i for i in changed if i.get("from_name") == "label")
        labels["value"]["end"] = labels["value"]["end"] + 1
        assert content_key(changed) != content_key(result)


def _doc() -> AnnotatedDocument:
    text = "Ki\u0301m 𝐊𝐢𝐦 met Putin 🇰🇵 on 13 September 2023: “We will help,” Putin said."
    doc = Document.from_text("t-doc", text, "t.txt")
    out = AnnotatedDocument(doc)

    def add(sid, layer, needle, label, attrs, occurrence=0):
        start = [i for i in range(len(text)) if text.startswith(needle, i)][occurrence]
        out.spans.append(
            make_span(
                doc,
                id=sid,
                layer=layer,
                start=start,
                end=start + len(needle),
                label=label,
                attributes=attrs,
                provenance=PROV,
            )
        )

    add("t-doc-e001", "entity", "𝐊𝐢𝐦", "PERSON", {"kind": "NAM", "cluster": "kim-jong-un", "qid": "Q56226"})
    add("t-doc-e002", "entity", "Putin", "PERSON", {"kind": "NAM", "cluster": "vladimir-putin"}, 1)
    add("t-doc-d001", "date", "13 September 2023", "TIMEX3", {"type": "DATE", "value": "2023-09-13"})
    add("t-doc-q001", "quote", "We will help,", "QUOTE", {"kind": "direct", "speaker_stated": True})
    out.relations.append(Relation("t-doc-r001", "t-doc", "speaker", "t-doc-q001", "t-doc-e002", PROV))
    return out.sorted()


def test_offsets_are_code_points_outside_the_bmp_and_with_combining_marks():
    doc = _doc()
    result = to_result(doc)
    kim = next(i for i in result if i.get("id") == "t-doc-e001" and i["from_name"] == "label")
    assert doc.document.text[kim["value"]["start"] : kim["value"]["end"]] == "𝐊𝐢𝐦" == kim["value"]["text"]
    assert kim["value"]["start"] == len("Ki\u0301m ")  # code points: 5, though UTF-16 would agree here too
    putin = next(i for i in result if i.get("id") == "t-doc-e002" and i["from_name"] == "label")
    assert putin["value"]["start"] == doc.document.text.index("Putin", doc.document.text.index("help"))
    assert len("𝐊𝐢𝐦".encode("utf-16-le")) // 2 == 6  # UTF-16 would shift every later offset by 3


def test_a_region_whose_text_disagrees_with_its_offsets_is_refused_naming_document_region_and_text():
    doc = _doc()
    result = to_result(doc)
    item = next(i for i in result if i.get("id") == "t-doc-e002" and i["from_name"] == "label")
    item["value"]["start"] += 1
    with pytest.raises(ConvertError) as e:
        from_result(doc.document, result, ORIGIN, base=doc)
    msg = str(e.value)
    assert "t-doc" in msg and "t-doc-e002" in msg and "'Putin'" in msg and "'utin'" in msg
    assert len(e.value.problems) == 1  # its attributes and relation are not reported again


def test_a_span_whose_text_disagrees_with_the_document_is_not_sent():
    doc = _doc()
    bad = replace(doc.spans[0], text="nope")
    with pytest.raises(ConvertError, match="nope"):
        to_result(AnnotatedDocument(doc.document, [bad, *doc.spans[1:]], doc.relations))


def test_a_relation_drawn_from_the_entity_to_the_quote_is_read_as_quote_to_entity():
    doc = _doc()
    result = to_result(doc)
    rel = next(i for i in result if i["type"] == "relation")
    rel["from_id"], rel["to_id"] = rel["to_id"], rel["from_id"]
    back = from_result(doc.document, result, ORIGIN, base=doc)
    assert [(r.id, r.head, r.tail, r.provenance) for r in back.relations] == [
        ("t-doc-r001", "t-doc-q001", "t-doc-e002", PROV)
    ]


def test_unknown_labels_and_untyped_relations_are_refused():
    doc = _doc()
    result = to_result(doc)
    next(i for i in result if i.get("from_name") == "label")["value"]["labels"] = ["MONSTER"]
    next(i for i in result if i["type"] == "relation")["labels"] = []
    with pytest.raises(ConvertError) as e:
        from_result(doc.document, result, ORIGIN)
    assert len(e.value.problems) == 2
    assert "MONSTER" in e.value.problems[0]


def test_an_edited_span_gets_the_annotators_provenance_and_the_others_keep_theirs():
    doc = _doc()
    result = to_result(doc)
    cluster = next(i for i in result if i.get("id") == "t-doc-e002" and i["from_name"] == "entity_cluster")
    cluster["value"]["text"] = ["putin"]
    back = {s.id: s for s in from_result(doc.document, result, ORIGIN, base=doc).spans}
    assert back["t-doc-e002"].attributes["cluster"] == "putin"
    assert back["t-doc-e002"].provenance == ORIGIN
    assert {sid: s.provenance for sid, s in back.items() if sid != "t-doc-e002"} == {
        s.id: PROV for s in doc.spans if s.id != "t-doc-e002"
    }


def test_a_new_region_from_the_editor_takes_the_next_free_number_of_its_layer():
    doc = _doc()
    result = to_result(doc)
    text = doc.document.text
    start = text.index("met")
    result.append(
        {
            "id": "Zx9_kQ2",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
            "value": {"start": start, "end": start + 3, "text": "met", "labels": ["EVENT"]},
        }
    )
    result.append(
        {
            "id": "Zx9_kQ2",
            "from_name": "entity_cluster",
            "to_name": "text",
            "type": "textarea",
            "value": {"start": start, "end": start + 3, "text": ["meeting "]},
        }
    )
    back = {s.id: s for s in from_result(doc.document, result, ORIGIN, base=doc).spans}
    new = back["t-doc-e003"]
    assert (new.start, new.end, new.text, new.label) == (start, start + 3, "met", "EVENT")
    assert new.attributes == {"kind": "NAM", "cluster": "meeting"}  # kind defaults to a name, text is trimmed
    assert new.provenance == ORIGIN


def test_attribute_results_left_over_from_a_changed_label_are_ignored():
    doc = _doc()
    result = to_result(doc)
    region = next(i for i in result if i.get("id") == "t-doc-d001" and i["from_name"] == "label")
    region["value"]["labels"] = ["EVENT"]
    result.append(
        {
            "id": "t-doc-d001",
            "from_name": "entity_cluster",
            "to_name": "text",
            "type": "textarea",
            "value": {"start": region["value"]["start"], "end": region["value"]["end"], "text": ["summit"]},
        }
    )
    back = from_result(doc.document, result, ORIGIN, base=doc)
    event = next(s for s in back.spans if s.label == "EVENT")
    assert event.attributes == {"kind": "NAM", "cluster": "summit"}
    assert event.id == "t-doc-e003"  # a date id is not kept for an entity


def test_results_with_random_order_convert_to_the_same_document():
    doc = _doc()
    result = to_result(doc)
    random.Random(4).shuffle(result)
    assert serialize(from_result(doc.document, result, ORIGIN, base=doc)) == serialize(doc)


def _relabel(doc: AnnotatedDocument, sid: str, **changes) -> AnnotatedDocument:
    """``doc`` with span ``sid`` remade with ``changes`` (label, attributes) and the annotator's provenance."""
    spans = []
    for sp in doc.spans:
        if sp.id == sid:
            fields = {"label": sp.label, "attributes": sp.attributes} | changes
            sp = make_span(
                doc.document, id=sp.id, layer=sp.layer, start=sp.start, end=sp.end, provenance=ORIGIN, **fields
            )
        spans.append(sp)
    return AnnotatedDocument(doc.document, spans, list(doc.relations)).sorted()


def _without(doc: AnnotatedDocument, rid: str) -> AnnotatedDocument:
    return AnnotatedDocument(
        doc.document, [s for s in doc.spans if s.id != rid], [r for r in doc.relations if r.id != rid]
    )


def test_edits_to_different_spans_on_the_two_sides_merge_and_deletions_are_kept():
    base = _doc()
    corpus = _without(_relabel(base, "t-doc-e001", label="NORP"), "t-doc-d001")
    theirs = _relabel(base, "t-doc-e002", attributes={"kind": "NAM", "cluster": "putin"})
    merged, clashes = three_way(base, corpus, theirs)
    assert clashes == []
    got = {s.id: s for s in merged.spans}
    assert got["t-doc-e001"].label == "NORP" and got["t-doc-e002"].attributes["cluster"] == "putin"
    assert "t-doc-d001" not in got and got["t-doc-q001"] == {s.id: s for s in base.spans}["t-doc-q001"]
    assert [r.id for r in merged.relations] == ["t-doc-r001"]


def test_the_same_span_changed_differently_on_both_sides_is_a_clash_showing_both_values_and_the_base():
    base = _doc()
    corpus = _relabel(base, "t-doc-e001", label="NORP")
    theirs = _relabel(base, "t-doc-e001", label="ORG")
    _merged, clashes = three_way(base, corpus, theirs)
    (clash,) = clashes
    assert clash.id == "t-doc-e001"
    line = clash.render()
    assert line.startswith("t-doc-e001 '𝐊𝐢𝐦': corpus: NORP [")
    assert "Label Studio: ORG [" in line and "base: PERSON [" in line
    assert three_way(base, corpus, theirs, take="corpus")[0] == _relabel(base, "t-doc-e001", label="NORP")
    assert three_way(base, corpus, theirs, take="labelstudio")[0] == theirs
    # The same change on both sides is no clash, and deleted on one side while edited on the other is one.
    assert three_way(base, corpus, corpus)[1] == []
    (gone,) = three_way(base, _without(base, "t-doc-e001"), theirs)[1]
    assert "corpus: deleted" in gone.render()


def test_without_a_base_every_record_the_sides_differ_in_is_a_clash():
    doc = _doc()
    _merged, clashes = three_way(None, doc, _without(doc, "t-doc-d001"))
    assert [c.id for c in clashes] == ["t-doc-d001"]
    assert "base: absent" in clashes[0].render()


def test_edit_records_name_the_corpus_record_by_id_and_content_hash():
    corpus = _doc()
    theirs = _without(_relabel(corpus, "t-doc-e001", label="ORG"), "t-doc-d001")
    text = corpus.document.text
    start = text.index("met")
    new = make_span(
        corpus.document,
        id="t-doc-e003",
        layer="entity",
        start=start,
        end=start + 3,
        label="EVENT",
        attributes={"kind": "NAM", "cluster": "meeting"},
        provenance=ORIGIN,
    )
    theirs = AnnotatedDocument(theirs.document, [*theirs.spans, new], theirs.relations).sorted()
    by_id = {s.id: s for s in corpus.spans}
    records = edit_records(corpus, theirs)
    assert records == [
        {
            "record": "edit",
            "op": "delete",
            "doc_id": "t-doc",
            "id": "t-doc-d001",
            "expect": content_hash(by_id["t-doc-d001"]),
        },
        {
            "record": "edit",
            "op": "update",
            "doc_id": "t-doc",
            "id": "t-doc-e001",
            "expect": content_hash(by_id["t-doc-e001"]),
            "value": {s.id: s for s in theirs.spans}["t-doc-e001"].to_dict(),
        },
        new.to_dict(),
    ]
    assert edit_records(corpus, theirs, only={"t-doc-e003"}) == [new.to_dict()]


def test_an_annotators_work_is_marked_submitted_and_a_prediction_stays_a_prediction():
    ann = {"id": 1, "completed_by": {"id": 2, "email": "a@example.org"}, "result": []}
    assert origin("annotation", ann, "1.23.2") == Provenance("a@example.org", TOOL, "1.23.2", "submitted")
    assert origin("prediction", {"model_version": "m", "score": 0.5}, "1.23.2").status == "prediction"
