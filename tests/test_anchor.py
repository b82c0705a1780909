"""Offset-free drafts resolve to exactly the spans their surface text names, or are refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import texts

from corpus_pkg.anchor import locate, resolve_draft
from corpus_pkg.model import Document

TEXT = "Kim met Putin. Kim Jong Un said “Russia will win.” Putin smiled."
DOC = Document.from_text("t", TEXT, "t.txt")


def test_a_unique_text_is_located_without_context():
    assert TEXT[locate(TEXT, "Kim Jong Un") :].startswith("Kim Jong Un")


def test_an_ambiguous_text_without_context_is_refused():
    with pytest.raises(ValueError, match="occurs 2 times"):
        locate(TEXT, "Putin")


def test_a_context_picks_the_occurrence_it_contains():
    start = locate(TEXT, "Putin", context="Putin smiled")
    assert start == TEXT.rindex("Putin")


def test_a_context_that_is_not_unique_is_refused():
    with pytest.raises(ValueError, match="context 'Kim' occurs 2 times"):
        locate(TEXT, "Kim", context="Kim")


def test_an_occurrence_number_counts_from_one_in_document_order():
    assert locate(TEXT, "Kim", occurrence=2) == TEXT.index("Kim Jong Un")
    with pytest.raises(ValueError, match="occurrence 3 does not exist"):
        locate(TEXT, "Kim", occurrence=3)


@given(texts(), st.data())
def test_located_offsets_always_slice_back_to_the_text(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    needle = text[start:end]
    hits = [i for i in range(len(text)) if text.startswith(needle, i)]
    n = hits.index(start) + 1
    assert locate(text, needle, occurrence=n) == start


def test_a_draft_resolves_to_spans_with_relations_and_stable_ids():
    draft = {
        "doc_id": "t",
        "annotator": "x",
        "entities": [
            {"key": "k", "text": "Kim Jong Un", "type": "PERSON", "kind": "NAM", "cluster": "kim-jong-un"},
            {
                "key": "p",
                "text": "Putin",
                "occurrence": 1,
                "type": "PERSON",
                "kind": "NAM",
                "cluster": "vladimir-putin",
            },
        ],
        "quotes": [{"key": "q", "text": "Russia will win.", "kind": "direct", "speakers": ["k"]}],
    }
    doc, errors = resolve_draft(draft, DOC, tool_version="test")
    assert errors == []
    assert [(s.id, s.text) for s in doc.spans] == [
        ("t-e001", "Putin"),
        ("t-e002", "Kim Jong Un"),
        ("t-q001", "Russia will win."),
    ]
    assert [(r.type, r.head, r.tail) for r in doc.relations] == [("speaker", "t-q001", "t-e002")]
    assert all(TEXT[s.start : s.end] == s.text for s in doc.spans)


def test_a_draft_error_names_the_entry_and_its_key():
    draft = {"doc_id": "t", "entities": [{"key": "bad", "text": "Yoon", "type": "PERSON", "cluster": "yoon"}]}
    _, errors = resolve_draft(draft, DOC, tool_version="test")
    assert len(errors) == 1
    assert "entities[0] (key bad)" in errors[0].where and "'Yoon' occurs 0 times" in errors[0].message


def test_a_speaker_that_is_not_an_entity_key_is_an_error():
    draft = {
        "doc_id": "t",
        "quotes": [{"key": "q", "text": "Russia will win.", "kind": "direct", "speakers": ["nobody"]}],
    }
    _, errors = resolve_draft(draft, DOC, tool_version="test")
    assert "'nobody' is not the key of an entity" in errors[0].message


def test_a_draft_date_keeps_its_timex_mod():
    years = TEXT.split()[0]
    draft = {
        "doc_id": "t",
        "dates": [{"key": "d", "text": years, "occurrence": 1, "type": "DURATION", "value": "P4Y", "mod": "MORE_THAN"}],
    }
    doc, errors = resolve_draft(draft, DOC, tool_version="test")
    assert errors == []
    assert doc.spans[0].attributes == {"type": "DURATION", "value": "P4Y", "mod": "MORE_THAN"}
