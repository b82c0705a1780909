"""Properties of the model, storage and validator over generated documents."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from strategies import annotated_documents, corpora, texts

from corpus_pkg.jsonio import dumps
from corpus_pkg.model import Document, Relation, Span
from corpus_pkg.offsets import OffsetConverter
from corpus_pkg.storage import assemble, items_of_text, serialize
from corpus_pkg.validate import validate_documents


@given(annotated_documents())
def test_parse_of_serialize_is_identity_for_documents(doc):
    assert assemble(items_of_text(serialize(doc), "mem.jsonl", [])) == [doc]
    assert Document.from_dict(doc.document.to_dict()) == doc.document
    for s in doc.spans:
        assert Span.from_dict(json.loads(dumps(s.to_dict()))) == s
    for r in doc.relations:
        assert Relation.from_dict(json.loads(dumps(r.to_dict()))) == r


@given(annotated_documents())
def test_serializing_unchanged_data_twice_is_byte_identical(doc):
    once = serialize(doc)
    again = serialize(assemble(items_of_text(once, "mem.jsonl", []))[0])
    assert once.encode("utf-8") == again.encode("utf-8")


@given(corpora())
def test_every_generated_valid_corpus_validates(docs):
    report = validate_documents(docs)
    assert report.errors == [], [f.render() for f in report.errors]


def _rules(docs):
    return {f.rule for f in validate_documents(docs).errors}


def _with_span(doc, i, span):
    spans = list(doc.spans)
    spans[i] = span
    return replace(doc, spans=spans)


@given(annotated_documents().filter(lambda d: d.spans), st.data())
def test_a_shifted_start_is_caught(doc, data):
    i = data.draw(st.integers(0, len(doc.spans) - 1))
    s = doc.spans[i]
    delta = data.draw(st.sampled_from([-1, 1]))
    shifted = replace(s, start=s.start + delta)
    rules = _rules([_with_span(doc, i, shifted)])
    # A shift changes the slice, so the stored text no longer matches (or the range breaks).
    assert rules & {"text-mismatch", "offset-range"}


@given(annotated_documents().filter(lambda d: d.spans), st.data())
def test_a_changed_span_text_is_caught(doc, data):
    i = data.draw(st.integers(0, len(doc.spans) - 1))
    s = doc.spans[i]
    changed = replace(s, text=s.text + "x")
    assert "text-mismatch" in _rules([_with_span(doc, i, changed)])


@given(annotated_documents().filter(lambda d: d.spans), st.data())
def test_swapped_start_and_end_are_caught(doc, data):
    i = data.draw(st.integers(0, len(doc.spans) - 1))
    s = doc.spans[i]
    assert "offset-range" in _rules([_with_span(doc, i, replace(s, start=s.end, end=s.start))])


@given(annotated_documents().filter(lambda d: d.relations), st.data())
def test_a_relation_to_a_missing_id_is_caught(doc, data):
    i = data.draw(st.integers(0, len(doc.relations) - 1))
    rels = list(doc.relations)
    rels[i] = replace(rels[i], tail="no-such-span")
    assert "dangling-relation" in _rules([replace(doc, relations=rels)])


@given(annotated_documents().filter(lambda d: d.spans), st.data(), st.text(min_size=1, max_size=8))
def test_an_unknown_label_is_caught(doc, data, junk):
    i = data.draw(st.integers(0, len(doc.spans) - 1))
    s = doc.spans[i]
    bad = "UNKNOWN_" + junk
    assert "unknown-label" in _rules([_with_span(doc, i, replace(s, label=bad))])


@given(annotated_documents())
def test_offsets_convert_to_utf16_and_utf8_and_back_unchanged(doc):
    conv = OffsetConverter(doc.document.text)
    text = doc.document.text
    for s in doc.spans:
        for cp in (s.start, s.end):
            assert conv.from_utf16(conv.to_utf16(cp)) == cp
            assert conv.from_utf8(conv.to_utf8(cp)) == cp
        u16 = text.encode("utf-16-le")
        assert u16[2 * conv.to_utf16(s.start) : 2 * conv.to_utf16(s.end)].decode("utf-16-le") == s.text
        u8 = text.encode("utf-8")
        assert u8[conv.to_utf8(s.start) : conv.to_utf8(s.end)].decode("utf-8") == s.text


def test_a_line_separator_inside_a_text_does_not_split_a_jsonl_record():
    # Found by hypothesis: U+2028, U+2029 and U+0085 are line breaks for str.splitlines().
    doc = Document.from_text("ls", "Kim\u2028Putin\x85Yoon\u2029.", "generated.txt")
    from corpus_pkg.model import AnnotatedDocument

    out = serialize(AnnotatedDocument(doc))
    assert len(out.splitlines()) == 1
    assert assemble(items_of_text(out, "mem.jsonl", []))[0].document == doc


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30) | texts())
def test_the_quick_grapheme_check_never_calls_a_split_a_boundary(text):
    from corpus_pkg.offsets import grapheme_boundaries, surely_boundary

    bounds = grapheme_boundaries(text)
    for i in range(len(text) + 1):
        if surely_boundary(text, i):
            assert i in bounds, (text, i)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30) | texts())
def test_the_local_grapheme_check_agrees_with_segmenting_the_whole_text(text):
    from corpus_pkg.offsets import grapheme_boundaries, is_boundary

    bounds = grapheme_boundaries(text)
    assert [i for i in range(len(text) + 1) if is_boundary(text, i)] == sorted(bounds)


@given(st.text(alphabet=st.sampled_from("ab \r\n\u0301\u200d京🚀🇰🇷각\u1161é"), max_size=30) | texts())
def test_the_unsure_offsets_of_a_text_are_exactly_those_the_quick_check_cannot_call_a_boundary(text):
    from corpus_pkg.offsets import surely_boundary, unsure_boundaries

    assert unsure_boundaries(text) == {i for i in range(len(text) + 1) if not surely_boundary(text, i)}
