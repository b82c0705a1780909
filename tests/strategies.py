"""Hypothesis strategies: documents whose text breaks naive code, and valid annotations over them."""

from __future__ import annotations

from hypothesis import strategies as st

from corpus_pkg.labels import label_sets
from corpus_pkg.model import AnnotatedDocument, Document, Provenance, Relation, make_span
from corpus_pkg.offsets import grapheme_boundaries
from corpus_pkg.validate import SOURCED_QUOTE_KINDS

# Pieces of text that trip code counting bytes, UTF-16 units or "characters".
TRICKY = [
    "Kim",
    "Putin",
    "Vostochny",
    "Ким Чен Ын",
    "Путин",
    "김정은",
    "北朝鮮",
    "𝐊𝐢𝐦",
    "🚀",
    "👩‍🚀",
    "🇰🇵",
    "e\u0301",
    "n\u0303o",
    "\u00a0",
    "\r\n",
    "\n\n",
    "\t",
    "שלום",
    "مرحبا",
    "\u200f",
    "“",
    "”",
    "’s",
    "¹",
    "—",
    "Ä",
    "ﬁ",
    "🧑🏽‍💻",
]
WORDS = ["the", "summit", "said", "September", "13", "2023", "Russia", "North", "Korea", "arms", "deal"]

piece = st.one_of(
    st.sampled_from(TRICKY),
    st.sampled_from(WORDS),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=3),
)


@st.composite
def texts(draw, min_pieces: int = 3, max_pieces: int = 40) -> str:
    parts = draw(st.lists(piece, min_size=min_pieces, max_size=max_pieces))
    seps = draw(
        st.lists(st.sampled_from([" ", " ", "\n", "\u00a0", ", ", ""]), min_size=len(parts), max_size=len(parts))
    )
    text = "".join(p + s for p, s in zip(parts, seps, strict=True))
    if not text.strip():
        text = "Kim " + text
    return text


doc_ids = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)


@st.composite
def documents(draw, doc_id: str | None = None) -> Document:
    return Document.from_text(doc_id or draw(doc_ids), draw(texts()), "generated.txt")


def _candidate_ranges(text: str) -> list[tuple[int, int]]:
    """Token-like ranges on grapheme boundaries that neither start nor end with whitespace."""
    bounds = sorted(grapheme_boundaries(text))
    out = []
    for i, s in enumerate(bounds[:-1]):
        if text[s].isspace():
            continue
        for e in bounds[i + 1 : i + 6]:
            if not text[e - 1].isspace():
                out.append((s, e))
    return out


PROV = Provenance("generator", "hypothesis", "test", "gold")


@st.composite
def annotated_documents(draw, doc_id: str | None = None, max_spans: int = 12) -> AnnotatedDocument:
    """A document with a valid span and relation set (entities and dates do not overlap within a layer)."""
    ls = label_sets()
    doc = draw(documents(doc_id))
    ranges = _candidate_ranges(doc.text)
    out = AnnotatedDocument(doc)
    if not ranges:
        return out
    chosen = draw(st.lists(st.sampled_from(ranges), max_size=max_spans, unique=True))
    # Entities, dates and claims never overlap within their layer; quotes are kept apart too (nesting is valid
    # but not generated here).
    taken: dict[str, list[tuple[int, int]]] = {"entity": [], "date": [], "claim": [], "quote": []}
    counters = {"entity": 0, "date": 0, "quote": 0, "claim": 0}
    for start, end in chosen:
        layer = draw(st.sampled_from(["entity", "entity", "date", "quote", "claim"]))
        if layer in taken:
            if any(start < e and s < end for s, e in taken[layer]):
                continue
            taken[layer].append((start, end))
        counters[layer] += 1
        sid = f"{doc.doc_id}-{layer[0]}{counters[layer]:03d}"
        if layer == "entity":
            label = draw(st.sampled_from(ls.entity_types))
            attrs = {
                "kind": draw(st.sampled_from(ls.entity_kinds)),
                "cluster": draw(st.sampled_from(["kim-jong-un", "vladimir-putin", "russia"])),
            }
        elif layer == "date":
            label = ls.date_label
            t = draw(st.sampled_from(ls.timex_types))
            attrs = {
                "type": t,
                "value": {"DATE": "2023-09-13", "TIME": "2023-09-13TMO", "DURATION": "P4Y", "SET": "P1D"}[t],
            }
        elif layer == "quote":
            label = ls.quote_label
            attrs = {"kind": draw(st.sampled_from(ls.quote_kinds)), "speaker_stated": False}
        else:
            label = ls.claim_label
            attrs = {
                "checkworthy": draw(st.booleans()),
                "factuality": draw(st.sampled_from(ls.factuality)),
                "source": "outlet",
            }
        out.spans.append(
            make_span(doc, id=sid, layer=layer, start=start, end=end, label=label, attributes=attrs, provenance=PROV)
        )
    entities = [s for s in out.spans if s.layer == "entity"]
    if entities:
        n = 0
        for i, s in enumerate(out.spans):
            if s.layer in ("quote", "claim") and draw(st.booleans()):
                tail = draw(st.sampled_from(entities))
                n += 1
                rel_type = "speaker" if s.layer == "quote" else "claimant"
                out.relations.append(Relation(f"{doc.doc_id}-r{n:03d}", doc.doc_id, rel_type, s.id, tail.id, PROV))
                attrs = dict(s.attributes)
                if s.layer == "quote":
                    attrs["speaker_stated"] = True
                else:
                    attrs["source"] = "attributed"
                out.spans[i] = make_span(
                    doc,
                    id=s.id,
                    layer=s.layer,
                    start=s.start,
                    end=s.end,
                    label=s.label,
                    attributes=attrs,
                    provenance=PROV,
                )
    heads = {r.head for r in out.relations}
    out.spans = [s if s.id in heads else without_source(doc, s) for s in out.spans]
    return out.sorted()


def without_source(doc, span):
    """A quote with no speaker cannot be a belief or nominal quote (validator rule attribution): make it indirect."""
    if span.layer != "quote" or span.attributes["kind"] not in SOURCED_QUOTE_KINDS:
        return span
    return make_span(
        doc,
        id=span.id,
        layer=span.layer,
        start=span.start,
        end=span.end,
        label=span.label,
        attributes={**span.attributes, "kind": "indirect"},
        provenance=span.provenance,
    )


@st.composite
def corpora(draw, max_docs: int = 3) -> list[AnnotatedDocument]:
    ids = draw(st.lists(doc_ids, min_size=1, max_size=max_docs, unique=True))
    return [draw(annotated_documents(doc_id=i)) for i in ids]
