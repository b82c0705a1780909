"""Counts per document, layer and label, computed from the annotations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from corpus_pkg.labels import LAYERS
from corpus_pkg.model import AnnotatedDocument, Span


def label_key(span: Span) -> str:
    """The value counted for a span: the entity type, the TIMEX3 type, the quote kind, the claim factuality."""
    a = span.attributes
    return {"entity": span.label, "date": a.get("type"), "quote": a.get("kind"), "claim": a.get("factuality")}[
        span.layer
    ]


@dataclass
class Stats:
    documents: int = 0
    characters: int = 0
    per_document: dict[str, Counter] = field(default_factory=dict)  # doc_id -> layer/relation counts
    per_label: dict[str, Counter] = field(default_factory=dict)  # layer -> label -> count
    relations: Counter = field(default_factory=Counter)
    clusters: int = 0
    unstated_quotes: int = 0
    outlet_claims: int = 0
    checkworthy_claims: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "characters": self.characters,
            "per_document": {k: dict(sorted(v.items())) for k, v in sorted(self.per_document.items())},
            "per_label": {k: dict(sorted(v.items())) for k, v in self.per_label.items()},
            "relations": dict(sorted(self.relations.items())),
            "entity_clusters": self.clusters,
            "quotes_without_stated_speaker": self.unstated_quotes,
            "claims_asserted_by_outlet": self.outlet_claims,
            "checkworthy_claims": self.checkworthy_claims,
        }


def compute(docs: list[AnnotatedDocument]) -> Stats:
    st = Stats(per_label={layer: Counter() for layer in LAYERS})
    clusters: set[str] = set()
    for d in docs:
        st.documents += 1
        st.characters += len(d.document.text)
        c: Counter = Counter({layer: 0 for layer in LAYERS})
        for s in d.spans:
            c[s.layer] += 1
            st.per_label[s.layer][label_key(s)] += 1
            if s.layer == "entity":
                clusters.add(s.attributes["cluster"])
            elif s.layer == "quote" and not s.attributes["speaker_stated"]:
                st.unstated_quotes += 1
            elif s.layer == "claim":
                st.outlet_claims += s.attributes["source"] == "outlet"
                st.checkworthy_claims += bool(s.attributes["checkworthy"])
        for r in d.relations:
            c[f"rel:{r.type}"] += 1
            st.relations[r.type] += 1
        st.per_document[d.doc_id] = c
    st.clusters = len(clusters)
    return st


def render_markdown(st: Stats) -> str:
    """Markdown tables of the counts, as embedded in DATASHEET.md and the dataset card."""
    rel_types = sorted(st.relations) or ["speaker", "claimant"]
    head = ["document", *LAYERS, *rel_types]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    totals: Counter = Counter()
    for doc_id, c in sorted(st.per_document.items()):
        row = [c[layer] for layer in LAYERS] + [c[f"rel:{t}"] for t in rel_types]
        totals.update(dict(zip(head[1:], row, strict=True)))
        lines.append(f"| {doc_id} | " + " | ".join(map(str, row)) + " |")
    lines.append("| **total** | " + " | ".join(str(totals[h]) for h in head[1:]) + " |")
    lines.append("")
    names = {"entity": "entity type", "date": "TIMEX3 type", "quote": "quote kind", "claim": "claim factuality"}
    for layer in LAYERS:
        lines.append(f"| {names[layer]} | count |")
        lines.append("|---|---|")
        for label, n in sorted(st.per_label[layer].items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"| {label} | {n} |")
        lines.append("")
    lines.append(
        f"{st.documents} documents, {st.characters} characters; {st.clusters} entity clusters; "
        f"{st.unstated_quotes} quotes without a stated speaker; {st.checkworthy_claims} check-worthy claims, "
        f"{st.outlet_claims} asserted by the outlet itself."
    )
    return "\n".join(lines) + "\n"
