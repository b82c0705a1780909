"""The id scheme: ids name their document and layer, and new ones follow the highest in use."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from corpus_pkg import ids

doc_ids = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)


@given(doc_ids, st.sampled_from(["e", "d", "q", "c", "r"]), st.integers(1, 10**6))
def test_a_made_id_parses_back_to_its_parts(doc_id, letter, number):
    made = ids.make(doc_id, letter, number)
    assert ids.parse(made) == ids.CorpusId(doc_id, letter, number)
    assert ids.is_canonical(made, doc_id, letter)


def test_an_id_of_another_document_or_layer_is_not_canonical_here():
    assert not ids.is_canonical("beta-e001", "alpha", "e")
    assert not ids.is_canonical("alpha-d001", "alpha", "e")
    assert not ids.is_canonical("t1.alpha-e001", "alpha", "e")
    assert ids.parse("alpha-e1") is None


def test_numbering_continues_after_the_highest_id_per_letter_and_ignores_other_documents():
    n = ids.Numbering("alpha", ["alpha-e007", "alpha-e002", "alpha-d010", "beta-e999", "local-id"])
    assert n.next("e") == "alpha-e008"
    assert n.next("e") == "alpha-e009"
    assert n.next("d") == "alpha-d011"
    assert n.next("q") == "alpha-q001"
    assert n.next(ids.RELATION_LETTER) == "alpha-r001"


def test_the_letter_of_each_layer_and_of_relations():
    assert [ids.letter_of(x) for x in ("entity", "date", "quote", "claim", "relation")] == ["e", "d", "q", "c", "r"]
