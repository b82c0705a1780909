"""Span-level agreement between two annotation passes, per layer.

Span F1 uses ``nervaluate`` (strict: same extent and label; partial: overlapping
extents count half, labels ignored) with one pass as reference; F1 is symmetric.
On the spans both passes agree on exactly, attribute agreement is the share
of equal values: TIMEX3 values (TempEval-3's value score), quote kinds, claim
factuality and check-worthiness, and the speaker/claimant (compared by entity
cluster, or "outlet" for claims the outlet asserts).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from nervaluate import Evaluator

from corpus_pkg.labels import LAYERS
from corpus_pkg.model import AnnotatedDocument, Span

# The label a layer is scored on in the span scores.
SPAN_LABEL = {
    "entity": lambda s: s.label,
    "date": lambda s: s.attributes["type"],
    "quote": lambda s: s.attributes["kind"],
    "claim": lambda s: "CLAIM",
}


@dataclass
class LayerAgreement:
    layer: str
    n_a: int = 0
    n_b: int = 0
    strict_f1: float = 0.0
    partial_f1: float = 0.0
    exact_f1: float = 0.0  # same extent, any label
    attributes: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (equal, compared)

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "spans_a": self.n_a,
            "spans_b": self.n_b,
            "strict_f1": round(self.strict_f1, 3),
            "exact_f1": round(self.exact_f1, 3),
            "partial_f1": round(self.partial_f1, 3),
            "attributes": {
                k: {"equal": e, "compared": n, "share": round(e / n, 3) if n else None}
                for k, (e, n) in sorted(self.attributes.items())
            },
        }


def _attribution(doc: AnnotatedDocument, rel_type: str) -> dict[str, frozenset[str]]:
    clusters = {s.id: s.attributes.get("cluster", s.text) for s in doc.spans if s.layer == "entity"}
    out: dict[str, set[str]] = defaultdict(set)
    for r in doc.relations:
        if r.type == rel_type:
            out[r.head].add(clusters.get(r.tail, r.tail))
    return {k: frozenset(v) for k, v in out.items()}


def _who(span: Span, attribution: dict[str, frozenset[str]]) -> frozenset[str]:
    if span.layer == "claim" and span.attributes.get("source") == "outlet":
        return frozenset({"<outlet>"})
    return attribution.get(span.id, frozenset())


def compare(a: list[AnnotatedDocument], b: list[AnnotatedDocument]) -> dict[str, LayerAgreement]:
    """Agreement of pass ``b`` with pass ``a`` over the documents both hold."""
    by_id_b = {d.doc_id: d for d in b}
    pairs = [(d, by_id_b[d.doc_id]) for d in a if d.doc_id in by_id_b]
    result: dict[str, LayerAgreement] = {}
    for layer in LAYERS:
        la = LayerAgreement(layer)
        true, pred = [], []
        attrs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for da, db in pairs:
            sa, sb = da.spans_in(layer), db.spans_in(layer)
            la.n_a += len(sa)
            la.n_b += len(sb)
            # nervaluate counts inclusive ends.
            true.append([{"label": SPAN_LABEL[layer](s), "start": s.start, "end": s.end - 1} for s in sa])
            pred.append([{"label": SPAN_LABEL[layer](s), "start": s.start, "end": s.end - 1} for s in sb])
            who_a = _attribution(da, "speaker" if layer == "quote" else "claimant")
            who_b = _attribution(db, "speaker" if layer == "quote" else "claimant")
            index_b = {(s.start, s.end): s for s in sb}
            for s in sa:
                t = index_b.get((s.start, s.end))
                if t is None:
                    continue
                names = {
                    "entity": ["label", "cluster"],
                    "date": ["type", "value"],
                    "quote": ["kind", "speaker"],
                    "claim": ["factuality", "checkworthy", "claimant"],
                }[layer]
                for name in names:
                    if name == "label":
                        va, vb = s.label, t.label
                    elif name in ("speaker", "claimant"):
                        va, vb = _who(s, who_a), _who(t, who_b)
                    else:
                        va, vb = s.attributes.get(name), t.attributes.get(name)
                    attrs[name][0] += va == vb
                    attrs[name][1] += 1
        labels = sorted({x["label"] for doc in true + pred for x in doc}) or ["NONE"]
        scores = Evaluator(true, pred, tags=labels, loader="dict").evaluate()["overall"]
        la.strict_f1 = scores["strict"].f1
        la.exact_f1 = scores["exact"].f1
        la.partial_f1 = scores["partial"].f1
        if la.n_a == 0 and la.n_b == 0:
            la.strict_f1 = la.exact_f1 = la.partial_f1 = 1.0
        la.attributes = {k: (v[0], v[1]) for k, v in attrs.items()}
        result[layer] = la
    return result


def render_markdown(result: dict[str, LayerAgreement]) -> str:
    lines = [
        "| layer | spans A | spans B | strict F1 | exact F1 | partial F1 | attribute agreement on exact matches |",
        "|---|---|---|---|---|---|---|",
    ]
    for la in result.values():
        attrs = "; ".join(f"{k} {e}/{n}" for k, (e, n) in sorted(la.attributes.items())) or "-"
        lines.append(
            f"| {la.layer} | {la.n_a} | {la.n_b} | {la.strict_f1:.3f} | {la.exact_f1:.3f} | "
            f"{la.partial_f1:.3f} | {attrs} |"
        )
    return "\n".join(lines) + "\n"


def disagreements(a: list[AnnotatedDocument], b: list[AnnotatedDocument]) -> list[str]:
    """Every span only one pass has, and every attribute the passes differ on, with the text around it."""
    from corpus_pkg.findings import mark

    out = []
    by_id_b = {d.doc_id: d for d in b}
    for da in a:
        db = by_id_b.get(da.doc_id)
        if db is None:
            continue
        text = da.document.text
        for layer in LAYERS:
            who_a = _attribution(da, "speaker" if layer == "quote" else "claimant")
            who_b = _attribution(db, "speaker" if layer == "quote" else "claimant")
            ia = {(s.start, s.end): s for s in da.spans_in(layer)}
            ib = {(s.start, s.end): s for s in db.spans_in(layer)}
            for key in sorted(set(ia) | set(ib)):
                sa, sb = ia.get(key), ib.get(key)
                where = f"{da.doc_id} {layer} [{key[0]}, {key[1]})"
                if sa is None or sb is None:
                    only = "A" if sb is None else "B"
                    out.append(f"{where} only in {only}: {mark(text, *key)}")
                    continue
                diffs = [f"label {sa.label} / {sb.label}"] if sa.label != sb.label else []
                for k in sorted(set(sa.attributes) | set(sb.attributes)):
                    if sa.attributes.get(k) != sb.attributes.get(k):
                        diffs.append(f"{k} {sa.attributes.get(k)} / {sb.attributes.get(k)}")
                if layer in ("quote", "claim") and _who(sa, who_a) != _who(sb, who_b):
                    diffs.append(f"source {sorted(_who(sa, who_a))} / {sorted(_who(sb, who_b))}")
                if diffs:
                    out.append(f"{where} {'; '.join(diffs)}: {mark(text, *key)}")
    return out
