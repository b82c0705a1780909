"""Model-assisted review of the gold: where predictions and gold part ways, per document, for a person to look at.

Three classes of candidate, compared within a layer:

- ``possible-miss``: a predicted span that overlaps no gold span (the gold may have missed it);
- ``disagreement``: a predicted span with exactly a gold span's extent but another label or attribute
  (entity type, cluster, Wikidata id; TIMEX3 type, value, mod), and ``boundary``: one that overlaps a
  gold span with another extent;
- ``unsupported``: a gold span no prediction overlaps. Only gold spans a predictor could have found
  are listed: names (entity kind NAM) and dates.

Nothing here changes the gold: the audit only reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus_pkg.model import AnnotatedDocument, Span

CLASSES = ("possible-miss", "disagreement", "boundary", "unsupported")
# The attributes a prediction is compared on, per layer (the label too for entities).
COMPARED = {"entity": ("cluster", "qid"), "date": ("type", "value", "mod")}


@dataclass(frozen=True)
class Candidate:
    kind: str  # one of CLASSES
    doc_id: str
    layer: str
    start: int
    end: int
    text: str
    gold: Span | None
    predicted: Span | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        def brief(s: Span | None) -> dict[str, Any] | None:
            if s is None:
                return None
            return {
                "id": s.id,
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "label": s.label,
                "attributes": s.attributes,
                "by": s.provenance.annotator,
                "score": s.provenance.score,
            }

        return {
            "class": self.kind,
            "doc_id": self.doc_id,
            "layer": self.layer,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "detail": self.detail,
            "gold": brief(self.gold),
            "predicted": brief(self.predicted),
        }

    def render(self) -> str:
        return f"  {self.kind:13} {self.layer:6} [{self.start}, {self.end}) {self.text!r}: {self.detail}"


def _reading(s: Span) -> str:
    attrs = ", ".join(f"{k}={s.attributes[k]}" for k in COMPARED.get(s.layer, ()) if s.attributes.get(k) is not None)
    return f"{s.label} ({attrs})" if s.layer == "entity" else attrs


def _by(s: Span) -> str:
    score = f", score {s.provenance.score}" if s.provenance.score is not None else ""
    return f"{s.provenance.annotator}{score}"


def _differences(g: Span, p: Span) -> list[str]:
    out = [f"label {g.label} / {p.label}"] if g.layer == "entity" and g.label != p.label else []
    for k in COMPARED.get(g.layer, ()):
        if g.attributes.get(k) != p.attributes.get(k):
            out.append(f"{k} {g.attributes.get(k)} / {p.attributes.get(k)}")
    return out


def supportable(s: Span) -> bool:
    """A gold span some predictor could find: a name or a date."""
    return s.layer == "date" or (s.layer == "entity" and s.attributes.get("kind") == "NAM")


def audit_document(gold: AnnotatedDocument, predicted: Sequence[Span], layers: Sequence[str]) -> list[Candidate]:
    """The candidates of one document, in text order."""
    out: list[Candidate] = []
    doc_id = gold.doc_id
    for layer in layers:
        golds = gold.spans_in(layer)
        preds = [s for s in predicted if s.layer == layer]
        for p in preds:
            over = [g for g in golds if p.start < g.end and g.start < p.end]
            if not over:
                out.append(
                    Candidate(
                        "possible-miss",
                        doc_id,
                        layer,
                        p.start,
                        p.end,
                        p.text,
                        None,
                        p,
                        f"predicted {_reading(p)} by {_by(p)}; no gold span there",
                    )
                )
                continue
            for g in over:
                if (g.start, g.end) == (p.start, p.end):
                    diffs = _differences(g, p)
                    if diffs:
                        out.append(
                            Candidate(
                                "disagreement",
                                doc_id,
                                layer,
                                g.start,
                                g.end,
                                g.text,
                                g,
                                p,
                                f"gold / predicted: {'; '.join(diffs)} ({_by(p)})",
                            )
                        )
                else:
                    out.append(
                        Candidate(
                            "boundary",
                            doc_id,
                            layer,
                            p.start,
                            p.end,
                            p.text,
                            g,
                            p,
                            f"predicted {_reading(p)} by {_by(p)}; gold {g.id} is [{g.start}, {g.end}) {g.text!r}",
                        )
                    )
        for g in golds:
            if supportable(g) and not any(p.start < g.end and g.start < p.end for p in preds):
                out.append(
                    Candidate(
                        "unsupported",
                        doc_id,
                        layer,
                        g.start,
                        g.end,
                        g.text,
                        g,
                        None,
                        f"gold {g.id} {_reading(g)}; no prediction there",
                    )
                )
    out.sort(key=lambda c: (c.start, c.end, c.layer, CLASSES.index(c.kind)))
    return out


def audit(
    gold: Sequence[AnnotatedDocument], predicted: dict[str, list[Span]], layers: Sequence[str]
) -> dict[str, list[Candidate]]:
    """Candidates per document of the gold (documents without predictions are compared with none)."""
    return {d.doc_id: audit_document(d, predicted.get(d.doc_id, []), layers) for d in gold}


def render_text(result: dict[str, list[Candidate]]) -> str:
    lines = []
    for doc_id, cands in result.items():
        counts = ", ".join(f"{sum(c.kind == k for c in cands)} {k}" for k in CLASSES)
        lines.append(f"{doc_id}: {counts}")
        lines += [c.render() for c in cands]
    return "\n".join(lines) + "\n"


def read_predictions(path: Path, gold: Sequence[AnnotatedDocument]) -> dict[str, list[Span]]:
    """The spans of a batch by document; a batch that does not read, or whose spans are not in the text, is refused."""
    from corpus_pkg.errors import InvalidData
    from corpus_pkg.storage import read_items

    findings: list = []
    texts = {d.doc_id: d.document.text for d in gold}
    out: dict[str, list[Span]] = {}
    for item in read_items(path, findings):
        if not isinstance(item, Span):
            continue
        text = texts.get(item.doc_id)
        if text is None:
            raise InvalidData(f"{item.where}: document {item.doc_id!r} is not in the corpus")
        if text[item.start : item.end] != item.text:
            raise InvalidData(
                f"{item.where}: span {item.id} says {item.text!r} but the text there is {text[item.start : item.end]!r}"
            )
        out.setdefault(item.doc_id, []).append(item)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise InvalidData(f"{path}: {len(errors)} problem(s), the first: {errors[0].render()}")
    return out
