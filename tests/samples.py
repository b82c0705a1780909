"""Two small documents with every layer, both relations, a prediction and text beyond the BMP."""

from __future__ import annotations

import dataclasses

from strategies import PROV

from corpus_pkg.model import AnnotatedDocument, Document, Provenance, Relation, make_span

TEXT_1 = (
    "🚀 Summit\nNorth Korean leader Kim Jong Un met Russian President Vladimir\u00a0Putin at the Vostochny "
    "Cosmodrome on September 13, 2023. Putin said the talks were “very good.” Analysts said Russia wants "
    "ammunition.\n"
)
TEXT_2 = "Ким Чен Ын (김정은) visited 𝐑𝐮𝐬𝐬𝐢𝐚 and Russia.\r\nHe left on Tuesday."
PREDICTED = Provenance("model", "spacy", "3.8", "prediction", 0.87)


def find(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def sample_docs() -> list[AnnotatedDocument]:
    """Two documents with every layer, both relations, a prediction and text beyond the BMP."""
    d1 = Document.from_text("s-001", TEXT_1, "s1.txt", title="Summit", dct="2023-09-13")
    d2 = Document.from_text("s-002", TEXT_2, "s2.txt")
    out = []
    for doc, items, rels in (
        (
            d1,
            [
                ("e001", "entity", "North Korean", 1, "NORP", {"kind": "NAM", "cluster": "north-korea"}, PROV),
                (
                    "e002",
                    "entity",
                    "Kim Jong Un",
                    1,
                    "PERSON",
                    {"kind": "NAM", "cluster": "kim-jong-un", "qid": "Q56226"},
                    PROV,
                ),
                ("e003", "entity", "Russian", 1, "NORP", {"kind": "NAM", "cluster": "russia"}, PREDICTED),
                (
                    "e004",
                    "entity",
                    "Vladimir\u00a0Putin",
                    1,
                    "PERSON",
                    {"kind": "NAM", "cluster": "vladimir-putin", "qid": "Q7747"},
                    PROV,
                ),
                ("e005", "entity", "Vostochny Cosmodrome", 1, "FAC", {"kind": "NAM", "cluster": "vostochny"}, PROV),
                ("e006", "entity", "Putin", 2, "PERSON", {"kind": "NAM", "cluster": "vladimir-putin"}, PROV),
                ("e007", "entity", "Analysts", 1, "PERSON", {"kind": "NOM", "cluster": "analysts"}, PROV),
                ("e008", "entity", "Russia", 2, "GPE", {"kind": "NAM", "cluster": "russia"}, PROV),
                ("d001", "date", "September 13, 2023", 1, "TIMEX3", {"type": "DATE", "value": "2023-09-13"}, PROV),
                (
                    "q001",
                    "quote",
                    "the talks were “very good.”",
                    1,
                    "QUOTE",
                    {"kind": "mixed", "speaker_stated": True},
                    PROV,
                ),
                (
                    "c001",
                    "claim",
                    "Kim Jong Un met Russian President Vladimir\u00a0Putin",
                    1,
                    "CLAIM",
                    {"checkworthy": True, "factuality": "CT+", "source": "outlet"},
                    PROV,
                ),
                (
                    "c002",
                    "claim",
                    "Russia wants ammunition",
                    1,
                    "CLAIM",
                    {"checkworthy": True, "factuality": "PR+", "source": "attributed"},
                    PROV,
                ),
            ],
            [("speaker", "q001", "e006"), ("claimant", "c002", "e007")],
        ),
        (
            d2,
            [
                ("e001", "entity", "Ким Чен Ын", 1, "PERSON", {"kind": "NAM", "cluster": "kim-jong-un"}, PROV),
                ("e002", "entity", "김정은", 1, "PERSON", {"kind": "NAM", "cluster": "kim-jong-un"}, PROV),
                ("e003", "entity", "𝐑𝐮𝐬𝐬𝐢𝐚", 1, "GPE", {"kind": "NAM", "cluster": "russia"}, PROV),
                ("e004", "entity", "Russia", 1, "GPE", {"kind": "NAM", "cluster": "russia"}, PROV),
                ("e005", "entity", "He", 1, "PERSON", {"kind": "PRO", "cluster": "kim-jong-un"}, PROV),
                ("d001", "date", "Tuesday", 1, "TIMEX3", {"type": "DATE", "value": "2023-09-12"}, PROV),
            ],
            [],
        ),
    ):
        ad = AnnotatedDocument(doc)
        for sid, layer, needle, occ, label, attrs, prov in items:
            start, end = find(doc.text, needle, occ)
            ad.spans.append(
                make_span(
                    doc,
                    id=f"{doc.doc_id}-{sid}",
                    layer=layer,
                    start=start,
                    end=end,
                    label=label,
                    attributes=attrs,
                    provenance=prov,
                )
            )
        for n, (rtype, head, tail) in enumerate(rels, start=1):
            ad.relations.append(
                Relation(
                    f"{doc.doc_id}-r{n:03d}", doc.doc_id, rtype, f"{doc.doc_id}-{head}", f"{doc.doc_id}-{tail}", PROV
                )
            )
        out.append(ad.sorted())
    return out


def with_undeclared_attribute(docs: list[AnnotatedDocument]) -> tuple[list[AnnotatedDocument], str]:
    """``docs`` with an attribute no layer declares (``salience``) on the second document's first span,
    and that span's id."""
    s = docs[1].spans[0]
    docs[1].spans[0] = dataclasses.replace(s, attributes={**s.attributes, "salience": "high"})
    return docs, s.id


def relabelled(docs: list[AnnotatedDocument], doc: int, text: str, label: str) -> list[AnnotatedDocument]:
    """``docs`` with the span of ``docs[doc]`` whose text is ``text`` given ``label`` instead (in place)."""
    d = docs[doc]
    d.spans = [dataclasses.replace(s, label=label) if s.text == text else s for s in d.spans]
    return docs
