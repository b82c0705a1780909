"""The ner token view: strict alignment, IOB2, and tags back to the exact character spans."""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from strategies import PROV, annotated_documents, documents

from corpus_pkg.labels import label_sets
from corpus_pkg.model import AnnotatedDocument, Document, make_span
from corpus_pkg.tokens import (
    AlignmentError,
    IOB2Error,
    check_iob2,
    sentence_columns,
    sentences,
    tag_names,
    tags_to_spans,
    token_arrays,
    tokenize,
)


def entity(doc: Document, n: int, start: int, end: int, label: str = "PERSON"):
    return make_span(
        doc,
        id=f"{doc.doc_id}-e{n:03d}",
        layer="entity",
        start=start,
        end=end,
        label=label,
        attributes={"kind": "NAM", "cluster": "x"},
        provenance=PROV,
    )


def at(doc: Document, needle: str, n: int = 1, label: str = "PERSON", occurrence: int = 0):
    start = doc.text.index(needle)
    for _ in range(occurrence):
        start = doc.text.index(needle, start + 1)
    return entity(doc, n, start, start + len(needle), label)


def aligned(span, doc) -> bool:
    cs = doc.char_span(span.start, span.end, alignment_mode="strict")
    return cs is not None and not cs[0].is_space and not cs[-1].is_space


def spans_back(rows) -> list[tuple[int, int, str]]:
    return [s for r in rows for s in tags_to_spans(r.token_starts, r.token_ends, r.tags)]


def test_an_entity_on_token_boundaries_comes_back_from_its_tags() -> None:
    doc = Document.from_text("d", "🚀 Kim Jong Un met Vladimir\u00a0Putin’s aides.\n\nThen Russia said “no.”", "t.txt")
    ents = [at(doc, "Kim Jong Un", 1), at(doc, "Vladimir\u00a0Putin", 2), at(doc, "Russia", 3, "GPE")]
    rows = sentences("d", doc.text, ents)
    assert spans_back(rows) == [(e.start, e.end, e.label) for e in ents]
    tags = [t for r in rows for t in r.tags]
    assert tags.count("B-PERSON") == 2 and tags.count("B-GPE") == 1


def test_rows_hold_no_whitespace_tokens_and_offsets_into_the_document_text() -> None:
    text = "\n\nTitle line\nKim  met Putin.\u00a0It rained.\r\nEnd"
    rows = sentences("d", text, [])
    for r in rows:
        assert all(t.strip() for t in r.tokens)
        assert [text[s:e] for s, e in zip(r.token_starts, r.token_ends, strict=True)] == r.tokens
        assert text[r.start : r.end].startswith(r.tokens[0]) and text[r.start : r.end].endswith(r.tokens[-1])
    # A line break ends a row even without punctuation (titles, captions).
    assert rows[0].tokens == ["Title", "line"]


def test_a_sentence_boundary_never_cuts_an_entity() -> None:
    doc = Document.from_text("d", "They met Kim.\nJong Un later.", "t.txt")
    ent = at(doc, "Kim.\nJong Un")
    rows = sentences("d", doc.text, [ent])
    assert len(rows) == 1
    assert spans_back(rows) == [(ent.start, ent.end, "PERSON")]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("HomeWorldPutin and Kim Explore Military Cooperation", "Putin"),  # a breadcrumb glued to a title
        ("Photo: Artyom Geodakyan/ Sputnik", "Geodakyan"),  # a photo credit
        ("the visit to Pyongyang.⁷ The", "Pyongyang"),  # a footnote marker
        ("¹Pyongyang said so.", "Pyongyang"),
    ],
)
def test_names_glued_to_scraping_debris_are_tokens_of_their_own(text: str, name: str) -> None:
    doc = Document.from_text("d", text, "t.txt")
    ent = at(doc, name)
    assert spans_back(sentences("d", text, [ent])) == [(ent.start, ent.end, "PERSON")]


def test_mixed_case_names_are_not_split() -> None:
    assert [t.text for t in tokenize("McDonald met DeSantis with an iPhone")] == [
        "McDonald",
        "met",
        "DeSantis",
        "with",
        "an",
        "iPhone",
    ]


def test_a_span_inside_a_token_raises_naming_document_span_and_text() -> None:
    doc = Document.from_text("doc-7", "Kim met Putin’s envoy.", "t.txt")
    bad = at(doc, "Puti", 4)
    with pytest.raises(AlignmentError) as err:
        sentences("doc-7", doc.text, [bad])
    msg = str(err.value)
    assert "doc-7" in msg and "doc-7-e004" in msg and "'Puti'" in msg and "Putin" in msg


def test_overlapping_entities_raise_because_iob2_cannot_encode_them() -> None:
    doc = Document.from_text("d", "Kim Jong Un met Putin.", "t.txt")
    with pytest.raises(AlignmentError, match="overlaps"):
        sentences("d", doc.text, [at(doc, "Kim Jong Un", 1), at(doc, "Jong Un", 2)])


@pytest.mark.parametrize("tags", [["I-PERSON"], ["B-PERSON", "I-GPE"], ["O", "I-GPE"], ["X"], ["B-"], ["B_GPE"]])
def test_ill_formed_iob2_is_refused_not_repaired(tags: list[str]) -> None:
    with pytest.raises(IOB2Error):
        check_iob2(tags)
    with pytest.raises(IOB2Error):
        tags_to_spans(list(range(len(tags))), [i + 1 for i in range(len(tags))], tags)


def test_tags_to_spans_joins_b_and_i_tokens_and_splits_adjacent_b_tokens() -> None:
    starts, ends = [0, 4, 9, 15], [3, 8, 14, 20]
    assert tags_to_spans(starts, ends, ["B-PERSON", "I-PERSON", "B-PERSON", "O"]) == [
        (0, 8, "PERSON"),
        (9, 14, "PERSON"),
    ]
    with pytest.raises(ValueError, match="lengths differ"):
        tags_to_spans(starts, ends, ["O"])


def test_the_tag_set_is_o_then_b_and_i_per_type_in_declaration_order() -> None:
    assert tag_names(["PERSON", "GPE"]) == ["O", "B-PERSON", "I-PERSON", "B-GPE", "I-GPE"]


@st.composite
def token_entities(draw, ad: AnnotatedDocument) -> list:
    """The generated document's entities that fall on token boundaries, plus runs of whole tokens."""
    text = ad.document.text
    doc = tokenize(text)
    ents = [s for s in ad.spans_in("entity") if aligned(s, doc)]
    words = [t for t in doc if not t.is_space]
    taken = [(e.start, e.end) for e in ents]
    for _ in range(draw(st.integers(0, 4))):
        if not words:
            break
        i = draw(st.integers(0, len(words) - 1))
        j = draw(st.integers(i, min(i + 3, len(words) - 1)))
        start, end = words[i].idx, words[j].idx + len(words[j])
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        label = draw(st.sampled_from(["PERSON", "GPE", "ORG", "WORK_OF_ART"]))
        ents.append(entity(ad.document, 100 + len(taken), start, end, label))
    return ents


@given(st.data())
def test_tags_convert_back_to_exactly_the_aligned_entities(data: st.DataObject) -> None:
    ad = data.draw(annotated_documents())
    ents = data.draw(token_entities(ad))
    text = ad.document.text
    rows = sentences(ad.doc_id, text, ents)
    for r in rows:
        check_iob2(r.tags)
        assert [text[s:e] for s, e in zip(r.token_starts, r.token_ends, strict=True)] == r.tokens
    assert spans_back(rows) == sorted((e.start, e.end, e.label) for e in ents)


@given(documents(), st.data())
def test_any_entity_off_token_boundaries_raises(d: Document, data: st.DataObject) -> None:
    doc = tokenize(d.text)
    cuts = sorted({t.idx for t in doc} | {t.idx + len(t) for t in doc})
    inner = [i for i in range(1, len(d.text)) if i not in cuts]
    assume(inner)
    cut = data.draw(st.sampled_from(inner))
    start, end = data.draw(st.sampled_from([(0, cut), (cut, len(d.text))]))
    with pytest.raises(AlignmentError, match=f"{d.doc_id}-e001"):
        sentences(d.doc_id, d.text, [entity(d, 1, start, end)])


TAG_IDS = {t: i for i, t in enumerate(tag_names(label_sets().entity_types))}


def columns_as_rows(cols) -> list[tuple[list[str], list[int], list[int], list[str]]]:
    names = list(TAG_IDS)
    b = cols.bounds.tolist()
    return [
        (
            cols.tokens[b[r] : b[r + 1]].to_pylist(),
            cols.starts[b[r] : b[r + 1]].tolist(),
            cols.ends[b[r] : b[r + 1]].tolist(),
            [names[t] for t in cols.tags[b[r] : b[r + 1]].tolist()],
        )
        for r in range(len(b) - 1)
    ]


@given(st.data())
def test_the_columns_of_a_document_are_its_sentence_rows_token_for_token(data: st.DataObject) -> None:
    ad = data.draw(annotated_documents())
    ents = data.draw(token_entities(ad))
    rows = sentences(ad.doc_id, ad.document.text, ents)
    want = [(r.tokens, r.token_starts, r.token_ends, r.tags) for r in rows]
    assert columns_as_rows(sentence_columns(ad.doc_id, ad.document.text, ents, TAG_IDS)) == want


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n  ",
        'Kim met Putin. Then?! "Yes." he said... (ok) Next\nline ¹Note “quoted.” End',
        "HomeWorldPutin and Kim: talks — 2023.⁷ Vladivostok/ Sputnik\n\nPhoto: x",
        "Kim 说了。Then 😀 left！ Next ‼ ok؟ Done۔ 𝔘nicode…end",
    ],
)
def test_the_columns_split_sentences_where_the_sentencizer_and_line_breaks_do(text: str) -> None:
    doc = Document.from_text("d", text, "t.txt")
    ents = [at(doc, "Kim", 1)] if "Kim" in text else []
    want = [(r.tokens, r.token_starts, r.token_ends, r.tags) for r in sentences("d", text, ents)]
    assert columns_as_rows(sentence_columns("d", text, ents, TAG_IDS)) == want


def test_the_columns_keep_an_entity_whole_where_a_sentence_would_start_inside_it() -> None:
    # "!Kung": a sentence would start at its second token, the first after its B- token.
    doc = Document.from_text("d", "They met !Kung people. Then Kim.\nJong Un left.", "t.txt")
    ents = [at(doc, "!Kung"), at(doc, "Kim.\nJong Un", 2)]
    rows = sentences("d", doc.text, ents)
    assert [r.tokens[:4] for r in rows] == [["They", "met", "!", "Kung"], ["Then", "Kim", ".", "Jong"]]
    want = [(r.tokens, r.token_starts, r.token_ends, r.tags) for r in rows]
    assert columns_as_rows(sentence_columns("d", doc.text, ents, TAG_IDS)) == want


# Letters, digits, every kind of whitespace and punctuation, symbols, marks and an astral character:
# what decides where a token ends and which flags it has.
TOKEN_TEXT = st.text(
    st.sampled_from(list("aZ7snt \t\n\r\x0b\x1c\x85\xa0\u2003\u2028.,!?;:'\"()-—–…“”‘’«»¿¡·/@#$%&*+=_¹⁷é说😀𝔘\u0301")),
    max_size=60,
)


@given(st.lists(TOKEN_TEXT, max_size=4))
@example(["Putin's talks... ended.", "", '  Kim’s\n\n"aide" -- left'])  # "'s": punctuation first, not all
def test_the_token_arrays_of_texts_are_what_spacy_docs_give_token_for_token(texts: list[str]) -> None:
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH

    got = token_arrays(texts)
    want = [tokenize(t).to_array([IDX, LENGTH, IS_SPACE, IS_PUNCT]).reshape(-1, 4).tolist() for t in texts]
    assert got.counts.tolist() == [len(w) for w in want]
    rows = list(zip(got.local.tolist(), got.length.tolist(), got.space.tolist(), got.punct.tolist(), strict=True))
    assert rows == [(a, b, bool(c), bool(d)) for w in want for a, b, c, d in w]
    assert [got.text[a:b] for a, b in zip(got.idx.tolist(), got.ends.tolist(), strict=True)] == [
        t.text for text in texts for t in tokenize(text)
    ]
    assert [got.data[b : b + 4].decode("utf-8", "ignore")[:1] for b in got.start_bytes.tolist()] == [
        chr(c) for c in got.first.tolist()
    ]


def test_the_columns_refuse_what_the_rows_refuse_with_the_same_words() -> None:
    doc = Document.from_text("doc-7", "Kim Jong Un met Putin’s envoy.", "t.txt")
    for bad in ([at(doc, "Puti", 4)], [at(doc, "Kim Jong Un", 1), at(doc, "Jong Un", 2)]):
        with pytest.raises(AlignmentError) as want:
            sentences("doc-7", doc.text, bad)
        with pytest.raises(AlignmentError) as got:
            sentence_columns("doc-7", doc.text, bad, TAG_IDS)
        assert str(got.value) == str(want.value)
