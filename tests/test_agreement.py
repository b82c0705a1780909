"""Agreement between two passes: perfect on identical passes, lower where they differ."""

from __future__ import annotations

from dataclasses import replace

from strategies import PROV

from corpus_pkg.agreement import compare
from corpus_pkg.model import AnnotatedDocument, Document, make_span

TEXT = "Kim met Putin in Vladivostok on Sunday."
DOC = Document.from_text("t", TEXT, "t.txt")


def span(sid, text, layer="entity", label="PERSON", **attrs):
    start = TEXT.index(text)
    defaults = {"entity": {"kind": "NAM", "cluster": text.lower()}, "date": {"type": "DATE", "value": "2023-09-17"}}
    return make_span(
        DOC,
        id=sid,
        layer=layer,
        start=start,
        end=start + len(text),
        label=label,
        attributes=attrs or defaults[layer],
        provenance=PROV,
    )


def test_identical_passes_agree_perfectly():
    a = [AnnotatedDocument(DOC, [span("e1", "Kim"), span("e2", "Putin"), span("d1", "Sunday", "date", "TIMEX3")])]
    result = compare(a, a)
    assert result["entity"].strict_f1 == 1.0 and result["date"].attributes["value"] == (1, 1)


def test_a_missing_span_a_relabel_and_a_wrong_bound_lower_the_scores():
    a = [AnnotatedDocument(DOC, [span("e1", "Kim"), span("e2", "Putin"), span("e3", "Vladivostok", label="GPE")])]
    b = [
        AnnotatedDocument(
            DOC, [span("e1", "Kim"), span("e2", "Putin", label="ORG"), span("e3", "Vladivostok on", label="GPE")]
        )
    ]
    result = compare(a, b)["entity"]
    assert result.strict_f1 < result.partial_f1 < 1.0
    assert abs(result.strict_f1 - 1 / 3) < 1e-9
    assert result.attributes["label"] == (1, 2)


def test_date_values_are_compared_on_matching_extents():
    a = [AnnotatedDocument(DOC, [span("d1", "Sunday", "date", "TIMEX3")])]
    other = span("d1", "Sunday", "date", "TIMEX3")
    b = [AnnotatedDocument(DOC, [replace(other, attributes={"type": "DATE", "value": "2023-09-10"})])]
    assert compare(a, b)["date"].attributes["value"] == (0, 1)
