"""A seeded synthetic corpus for benchmarks: documents of about 4 kB with about 50 spans each.

Each sentence is built from a template whose slots are filled with names,
dates, quotes and claims; the spans are recorded at the offsets where the
slots land, so every generated corpus validates.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from corpus_pkg.model import AnnotatedDocument, Document, Provenance, Relation, make_span

PEOPLE = [
    ("Kim Jong Un", "kim-jong-un"),
    ("Vladimir Putin", "vladimir-putin"),
    ("Sergei Shoigu", "sergei-shoigu"),
    ("Yoon Suk Yeol", "yoon-suk-yeol"),
    ("Antony Blinken", "antony-blinken"),
    ("Choe Sun Hui", "choe-sun-hui"),
    ("Jake Sullivan", "jake-sullivan"),
    ("Li Shangfu", "li-shangfu"),
    ("Ким Чен Ын", "kim-jong-un"),
]
PLACES = [
    ("Russia", "russia", "GPE"),
    ("North Korea", "north-korea", "GPE"),
    ("Pyongyang", "pyongyang", "GPE"),
    ("Vladivostok", "vladivostok", "GPE"),
    ("Vostochny Cosmodrome", "vostochny-cosmodrome", "FAC"),
    ("Korean Peninsula", "korean-peninsula", "LOC"),
    ("Kremlin", "kremlin", "ORG"),
    ("UN Security Council", "un-security-council", "ORG"),
    ("東京", "tokyo", "GPE"),
]
DATES = [
    ("September 13, 2023", "DATE", "2023-09-13"),
    ("this year", "DATE", "2023"),
    ("four years", "DURATION", "P4Y"),
    ("Sunday", "DATE", "2023-09-17"),
    ("last July", "DATE", "2023-07"),
    ("every year", "SET", "P1Y"),
]
QUOTES = [
    "we will stand together",
    "the talks were productive",
    "no deals have been signed 🚀",
    "the sanctions remain in force",
    "an old friend is better than two new ones",
]
CLAIMS = [
    "the two leaders discussed satellite technology",
    "the arms trade would violate UN resolutions",
    "North Korea launched two ballistic missiles",
    "the delegation visited a factory producing shells",
]
FILLER = [
    "Officials described the atmosphere as cordial and the exchanges as frank and wide-ranging.",
    "Analysts were divided on the outcome, and several cautioned against reading too much into it.",
    "The visit drew wide attention across the region and beyond, with broadcasters covering it live.",
    "Details remained scarce after the meeting, as neither side released a written statement.",
    "Observers noted the unusual length of the talks and the size of both delegations present.",
]

PROV = Provenance("synthetic", "corpus_pkg.synthetic", "1", "gold")


def _document(rng: random.Random, doc_id: str, target_chars: int) -> AnnotatedDocument:
    pieces: list[str] = []
    slots: list[tuple[int, int, str, dict[str, Any]]] = []  # start, end, layer, info
    pos = 0

    def put(s: str) -> None:
        nonlocal pos
        pieces.append(s)
        pos += len(s)

    def slot(s: str, layer: str, info: dict[str, Any]) -> int:
        start = pos
        put(s)
        slots.append((start, pos, layer, info))
        return len(slots) - 1

    while pos < target_chars:
        # Plain sentences between annotated ones keep the density near 50 spans per 4 kB.
        put(" ".join(rng.choice(FILLER) for _ in range(2)) + " ")
        kind = rng.random()
        person, pcluster = rng.choice(PEOPLE)
        place, cluster, ptype = rng.choice(PLACES)
        date, dtype, dvalue = rng.choice(DATES)
        if kind < 0.35:
            speaker = slot(person, "entity", {"type": "PERSON", "cluster": pcluster})
            put(" said on ")
            slot(date, "date", {"type": dtype, "value": dvalue})
            put(" in ")
            slot(place, "entity", {"type": ptype, "cluster": cluster})
            put(" that “")
            q = slot(rng.choice(QUOTES), "quote", {"kind": "direct", "speaker": speaker})
            put("”. ")
            del q
        elif kind < 0.7:
            claimant = slot(person, "entity", {"type": "PERSON", "cluster": pcluster})
            put(" stated that ")
            slot(rng.choice(CLAIMS), "claim", {"claimant": claimant})
            put(", according to reports from ")
            slot(place, "entity", {"type": ptype, "cluster": cluster})
            put(".\n")
        else:
            put(rng.choice(FILLER) + " ")
            slot(place, "entity", {"type": ptype, "cluster": cluster})
            put(" and ")
            slot(person, "entity", {"type": "PERSON", "cluster": pcluster})
            put(" met again ")
            slot(date, "date", {"type": dtype, "value": dvalue})
            put(".\u00a0")
    text = "".join(pieces).rstrip()
    doc = Document.from_text(doc_id, text, f"{doc_id}.txt", title=None, dct="2023-09-19")
    out = AnnotatedDocument(doc)
    ids: dict[int, str] = {}
    counters = {"entity": 0, "date": 0, "quote": 0, "claim": 0}
    letters = {"entity": "e", "date": "d", "quote": "q", "claim": "c"}
    for i, (start, end, layer, info) in enumerate(slots):
        if end > len(text):
            continue
        counters[layer] += 1
        sid = f"{doc_id}-{letters[layer]}{counters[layer]:03d}"
        ids[i] = sid
        if layer == "entity":
            label, attrs = info["type"], {"kind": "NAM", "cluster": info["cluster"]}
        elif layer == "date":
            label, attrs = "TIMEX3", {"type": info["type"], "value": info["value"]}
        elif layer == "quote":
            label, attrs = "QUOTE", {"kind": "direct", "speaker_stated": True}
        else:
            label, attrs = "CLAIM", {"checkworthy": True, "factuality": "CT+", "source": "attributed"}
        out.spans.append(
            make_span(doc, id=sid, layer=layer, start=start, end=end, label=label, attributes=attrs, provenance=PROV)
        )
    n = 0
    for i, (_, _, layer, info) in enumerate(slots):
        if i not in ids or layer not in ("quote", "claim"):
            continue
        n += 1
        other = info["speaker"] if layer == "quote" else info["claimant"]
        out.relations.append(
            Relation(
                f"{doc_id}-r{n:03d}", doc_id, "speaker" if layer == "quote" else "claimant", ids[i], ids[other], PROV
            )
        )
    return out.sorted()


def generate(n_docs: int, seed: int = 0, target_chars: int = 4000) -> Iterator[AnnotatedDocument]:
    """``n_docs`` documents, the same for the same seed."""
    rng = random.Random(seed)
    for i in range(n_docs):
        yield _document(rng, f"syn-{i:06d}", target_chars)
