"""Span-level agreement between two annotation passes (or a pass and the gold), per layer.

Span F1 uses ``nervaluate`` with side A as the reference: strict (same extent and
label), overlap (nervaluate's ``ent_type``: overlapping extents with the same label), exact (same
extent, any label) and partial (overlapping extents count half, labels ignored). A layer is scored on
its label: the entity type, the TIMEX3 type, the quote kind, and one label for all claims. F1 is
symmetric except where spans nest or one span overlaps several of the other side's (quotes), where
nervaluate's counts depend on which side is the reference: give the gold first.

On the spans both sides have with the same extent:

- Cohen's kappa for the categorical attributes and claim labels (:data:`KAPPA`), with
  :func:`cohen_kappa`; undefined (``None``, shown as n/a) when chance agreement is 1, i.e. both sides
  used one and the same category throughout;
- the share of equal values for those and for the open-valued ones: entity cluster, TIMEX3 value
  (TempEval-3's value score), and the speaker/claimant (compared by entity cluster, or "outlet" for
  claims the outlet asserts).

Cluster ids are each pass's own names ("us-state-department" in one pass is
"united-states-department-of-state" in another), so side B's ids that side A does not use are first
renamed to A's (:func:`cluster_map`): each to the A cluster it shares the most same-extent mentions with,
one to one, so that a cluster one side splits or merges still counts as a disagreement.

:func:`disagreements` lists every difference as only in A, only in B, a boundary difference
(overlapping spans, different extents) or a label/attribute difference (same extent).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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

# Categorical attributes (and the entity label) compared by Cohen's kappa on same-extent spans.
KAPPA: dict[str, tuple[str, ...]] = {
    "entity": ("label", "kind"),
    "date": ("type", "mod"),
    "quote": ("kind",),
    "claim": ("checkworthy", "factuality", "source"),
}
# Everything compared as a share of equal values on same-extent spans (the kappa attributes too).
SHARED: dict[str, tuple[str, ...]] = {
    "entity": ("label", "kind", "cluster"),
    "date": ("type", "value", "mod"),
    "quote": ("kind", "speaker"),
    "claim": ("checkworthy", "factuality", "source", "claimant"),
}
# How a missing optional attribute is counted: as its own category.
ABSENT = "none"

KINDS = ("only-a", "only-b", "boundary", "attribute")


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two coders' categories on the same items; None where it is undefined.

    kappa = (p_o - p_e) / (1 - p_e), with p_o the share of items on which both coders chose the same
    category and p_e = sum over categories k of p_A(k) * p_B(k), each coder's own share of k (Cohen
    1960, "A coefficient of agreement for nominal scales", Educational and Psychological Measurement
    20(1)). Computed in integers, so p_e == 1 is found exactly: it happens when both coders used one and
    the same category on every item (or there are no items), and kappa is then 0/0, not 1.
    """
    pairs = list(pairs)
    n = len(pairs)
    a, b = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
    observed = sum(x == y for x, y in pairs)  # n * p_o
    chance = sum(a[k] * b[k] for k in a)  # n^2 * p_e
    if chance == n * n:
        return None
    return (n * observed - chance) / (n * n - chance)


@dataclass
class LayerAgreement:
    layer: str
    n_a: int = 0
    n_b: int = 0
    strict_f1: float = 0.0
    overlap_f1: float = 0.0  # overlapping extents, same label (nervaluate's ent_type)
    exact_f1: float = 0.0  # same extent, any label
    partial_f1: float = 0.0
    same_extent: int = 0
    attributes: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (equal, compared)
    kappa: dict[str, float | None] = field(default_factory=dict)  # name -> Cohen's kappa, None if undefined

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "spans_a": self.n_a,
            "spans_b": self.n_b,
            "strict_f1": round(self.strict_f1, 3),
            "overlap_f1": round(self.overlap_f1, 3),
            "exact_f1": round(self.exact_f1, 3),
            "partial_f1": round(self.partial_f1, 3),
            "same_extent": self.same_extent,
            "kappa": {k: None if v is None else round(v, 3) for k, v in self.kappa.items()},
            "attributes": {
                k: {"equal": e, "compared": n, "share": round(e / n, 3) if n else None}
                for k, (e, n) in sorted(self.attributes.items())
            },
        }


def paired(a: list[AnnotatedDocument], b: list[AnnotatedDocument]) -> list[tuple[AnnotatedDocument, AnnotatedDocument]]:
    """The documents both sides hold, in A's order; ValueError if a document's text differs between them."""
    by_id_b = {d.doc_id: d for d in b}
    pairs = [(d, by_id_b[d.doc_id]) for d in a if d.doc_id in by_id_b]
    for da, db in pairs:
        if da.document.sha256 != db.document.sha256:
            raise ValueError(
                f"document {da.doc_id!r}: its text differs between the two sides (sha256 "
                f"{da.document.sha256[:12]} / {db.document.sha256[:12]}); offsets cannot be compared"
            )
    return pairs


def cluster_map(pairs: Sequence[tuple[AnnotatedDocument, AnnotatedDocument]]) -> dict[str, str]:
    """Side B's entity cluster ids as side A's, one to one.

    An id both sides use is the same cluster (ids are meant to be shared, and a predictor takes them from
    the gold). Each other B id becomes the A id it shares the most same-extent mentions with, among the
    A ids no B cluster has yet; a B cluster left over keeps its id, which A does not use.
    """
    names_a = {s.attributes.get("cluster") for da, _ in pairs for s in da.spans_in("entity")}
    names_b = {s.attributes.get("cluster") for _, db in pairs for s in db.spans_in("entity")}
    out: dict[str, str] = {c: c for c in names_b & names_a}
    taken = set(out.values())
    shared: Counter[tuple[str, str]] = Counter()
    for da, db in pairs:
        index = {(s.start, s.end): s.attributes.get("cluster") for s in da.spans_in("entity")}
        for s in db.spans_in("entity"):
            ca = index.get((s.start, s.end))
            if ca is not None:
                shared[(s.attributes.get("cluster"), ca)] += 1
    for (cb, ca), _n in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])):
        if cb not in out and ca not in taken:
            out[cb] = ca
            taken.add(ca)
    return out


def _cluster(span: Span, rename: dict[str, str] | None) -> str:
    c = span.attributes.get("cluster", span.text)
    return c if rename is None else rename.get(c, c)


def _attribution(doc: AnnotatedDocument, rel_type: str, rename: dict[str, str] | None) -> dict[str, frozenset[str]]:
    clusters = {s.id: _cluster(s, rename) for s in doc.spans if s.layer == "entity"}
    out: dict[str, set[str]] = defaultdict(set)
    for r in doc.relations:
        if r.type == rel_type:
            out[r.head].add(clusters.get(r.tail, r.tail))
    return {k: frozenset(v) for k, v in out.items()}


def _who(span: Span, attribution: dict[str, frozenset[str]]) -> frozenset[str]:
    if span.layer == "claim" and span.attributes.get("source") == "outlet":
        return frozenset({"<outlet>"})
    return attribution.get(span.id, frozenset())


class _Side:
    """One document of one side, with what the comparison asks of its spans."""

    def __init__(self, doc: AnnotatedDocument, rename: dict[str, str] | None) -> None:
        self.doc = doc
        self.rename = rename
        self.who = {t: _attribution(doc, t, rename) for t in ("speaker", "claimant")}

    def value(self, span: Span, name: str) -> Any:
        if name == "label":
            return span.label
        if name == "cluster":
            return _cluster(span, self.rename)
        if name in ("speaker", "claimant"):
            return _who(span, self.who[name])
        return span.attributes.get(name, ABSENT)

    def differences(self, sa: Span, other: _Side, sb: Span) -> list[str]:
        """Every label, attribute and speaker/claimant on which ``sa`` (this side) and ``sb`` differ."""
        out = [f"label {sa.label} / {sb.label}"] if sa.label != sb.label else []
        for k in sorted(set(sa.attributes) | set(sb.attributes)):
            va, vb = self.value(sa, k), other.value(sb, k)
            if va != vb:
                out.append(f"{k} {va} / {vb}")
        if sa.layer in ("quote", "claim"):
            name = "speaker" if sa.layer == "quote" else "claimant"
            wa, wb = self.value(sa, name), other.value(sb, name)
            if wa != wb:
                out.append(f"{name} {', '.join(sorted(wa)) or '-'} / {', '.join(sorted(wb)) or '-'}")
        return out


def compare(a: list[AnnotatedDocument], b: list[AnnotatedDocument]) -> dict[str, LayerAgreement]:
    """Agreement of side ``b`` with side ``a`` over the documents both hold."""
    pairs = paired(a, b)
    rename = cluster_map(pairs)
    sides = [(_Side(da, None), _Side(db, rename)) for da, db in pairs]
    result: dict[str, LayerAgreement] = {}
    for layer in LAYERS:
        la = LayerAgreement(layer)
        true, pred = [], []
        values: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
        for side_a, side_b in sides:
            sa, sb = side_a.doc.spans_in(layer), side_b.doc.spans_in(layer)
            la.n_a += len(sa)
            la.n_b += len(sb)
            # nervaluate counts inclusive ends.
            true.append([{"label": SPAN_LABEL[layer](s), "start": s.start, "end": s.end - 1} for s in sa])
            pred.append([{"label": SPAN_LABEL[layer](s), "start": s.start, "end": s.end - 1} for s in sb])
            index_b = {(s.start, s.end): s for s in sb}
            for s in sa:
                t = index_b.get((s.start, s.end))
                if t is None:
                    continue
                la.same_extent += 1
                for name in SHARED[layer]:
                    values[name].append((side_a.value(s, name), side_b.value(t, name)))
        labels = sorted({x["label"] for doc in true + pred for x in doc}) or ["NONE"]
        scores = Evaluator(true, pred, tags=labels, loader="dict").evaluate()["overall"]
        la.strict_f1 = scores["strict"].f1
        la.overlap_f1 = scores["ent_type"].f1
        la.exact_f1 = scores["exact"].f1
        la.partial_f1 = scores["partial"].f1
        if la.n_a == 0 and la.n_b == 0:
            la.strict_f1 = la.overlap_f1 = la.exact_f1 = la.partial_f1 = 1.0
        la.attributes = {k: (sum(x == y for x, y in v), len(v)) for k, v in values.items()}
        la.kappa = {k: cohen_kappa(values.get(k, [])) for k in KAPPA[layer]}
        result[layer] = la
    return result


def kappa_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def render_markdown(result: dict[str, LayerAgreement], names: tuple[str, str] = ("A", "B"), full: bool = True) -> str:
    """The figures as a Markdown table; ``full=False`` leaves out exact and partial F1 and the shares of
    the attributes that have a kappa."""
    a, b = names
    head = f"| layer | spans {a} | spans {b} | strict F1 | overlap F1 |"
    if full:
        head += " exact F1 | partial F1 |"
    head += " same extent | Cohen's kappa on same-extent spans | equal on same-extent spans |"
    lines = [head, "|" + "---|" * head.count(" |")]
    for la in result.values():
        kappas = "; ".join(f"{k} {kappa_text(v)}" for k, v in la.kappa.items()) or "-"
        shares = {k: v for k, v in sorted(la.attributes.items()) if full or k not in la.kappa}
        attrs = "; ".join(f"{k} {e}/{n}" for k, (e, n) in shares.items()) or "-"
        row = f"| {la.layer} | {la.n_a} | {la.n_b} | {la.strict_f1:.3f} | {la.overlap_f1:.3f} |"
        if full:
            row += f" {la.exact_f1:.3f} | {la.partial_f1:.3f} |"
        lines.append(f"{row} {la.same_extent} | {kappas} | {attrs} |")
    return "\n".join(lines) + "\n"


def only_status(docs: list[AnnotatedDocument], status: str = "gold") -> list[AnnotatedDocument]:
    """The documents with only their spans and relations of ``status`` (relations whose ends are kept)."""
    out = []
    for d in docs:
        spans = [s for s in d.spans if s.provenance.status == status]
        kept = {s.id for s in spans}
        relations = [r for r in d.relations if r.provenance.status == status and r.head in kept and r.tail in kept]
        out.append(AnnotatedDocument(d.document, spans, relations))
    return out


@dataclass(frozen=True)
class Disagreement:
    doc_id: str
    layer: str
    kind: str  # one of KINDS
    a: tuple[int, int] | None  # A's extent (None: only in B)
    b: tuple[int, int] | None  # B's extent (None: only in A)
    differences: tuple[str, ...] = ()  # label, attribute and speaker/claimant differences
    text_a: str = ""  # A's span with the text around it (findings.mark)
    text_b: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "layer": self.layer,
            "kind": self.kind,
            "a": list(self.a) if self.a else None,
            "b": list(self.b) if self.b else None,
            "differences": list(self.differences),
            "context_a": self.text_a or None,
            "context_b": self.text_b or None,
        }

    def render(self, names: tuple[str, str] = ("A", "B")) -> str:
        head = f"{self.doc_id} {self.layer}"
        diffs = f" ({'; '.join(self.differences)})" if self.differences else ""
        if self.kind == "only-a":
            return f"{head} [{self.a[0]}, {self.a[1]}) only in {names[0]}: {self.text_a}"
        if self.kind == "only-b":
            return f"{head} [{self.b[0]}, {self.b[1]}) only in {names[1]}: {self.text_b}"
        if self.kind == "boundary":
            return (
                f"{head} boundary {names[0]} [{self.a[0]}, {self.a[1]}) / {names[1]} [{self.b[0]}, {self.b[1]})"
                f"{diffs}: {self.text_a} / {self.text_b}"
            )
        return f"{head} [{self.a[0]}, {self.a[1]}) {'; '.join(self.differences)}: {self.text_a}"


def _boundary_pairs(left_a: list[Span], left_b: list[Span]) -> list[tuple[Span, Span]]:
    """Overlapping spans left after the same-extent matches, paired one to one, largest overlap first."""
    candidates = []
    for sa in left_a:
        for sb in left_b:
            common = min(sa.end, sb.end) - max(sa.start, sb.start)
            if common > 0:
                candidates.append((-common, sa.start, sb.start, sa.end, sb.end, sa, sb))
    out, used_a, used_b = [], set(), set()
    for *_, sa, sb in sorted(candidates, key=lambda c: c[:5]):
        if id(sa) not in used_a and id(sb) not in used_b:
            out.append((sa, sb))
            used_a.add(id(sa))
            used_b.add(id(sb))
    return out


def disagreements(a: list[AnnotatedDocument], b: list[AnnotatedDocument]) -> list[Disagreement]:
    """Every span only one side has, every boundary difference, and every label or attribute the sides
    differ on where they have the same extent; in document, layer and offset order."""
    from corpus_pkg.findings import mark

    pairs = paired(a, b)
    rename = cluster_map(pairs)
    out: list[Disagreement] = []
    for da, db in pairs:
        side_a, side_b = _Side(da, None), _Side(db, rename)
        text = da.document.text
        for layer in LAYERS:
            found: list[Disagreement] = []
            ia = {(s.start, s.end): s for s in da.spans_in(layer)}
            ib = {(s.start, s.end): s for s in db.spans_in(layer)}
            for key in sorted(set(ia) & set(ib)):
                diffs = side_a.differences(ia[key], side_b, ib[key])
                if diffs:
                    found.append(Disagreement(da.doc_id, layer, "attribute", key, key, tuple(diffs), mark(text, *key)))
            left_a = [ia[k] for k in sorted(set(ia) - set(ib))]
            left_b = [ib[k] for k in sorted(set(ib) - set(ia))]
            matched: set[int] = set()
            for sa, sb in _boundary_pairs(left_a, left_b):
                matched |= {id(sa), id(sb)}
                ka, kb = (sa.start, sa.end), (sb.start, sb.end)
                found.append(
                    Disagreement(
                        da.doc_id,
                        layer,
                        "boundary",
                        ka,
                        kb,
                        tuple(side_a.differences(sa, side_b, sb)),
                        mark(text, *ka),
                        mark(text, *kb),
                    )
                )
            for s in left_a:
                if id(s) not in matched:
                    k = (s.start, s.end)
                    found.append(Disagreement(da.doc_id, layer, "only-a", k, None, text_a=mark(text, *k)))
            for s in left_b:
                if id(s) not in matched:
                    k = (s.start, s.end)
                    found.append(Disagreement(da.doc_id, layer, "only-b", None, k, text_b=mark(text, *k)))
            out += sorted(found, key=lambda d: (d.a or d.b, d.b or d.a))
    return out


def disagreement_counts(found: list[Disagreement]) -> dict[str, dict[str, int]]:
    """Disagreements per layer and kind (every layer and kind present, zeros included)."""
    counts = {layer: dict.fromkeys(KINDS, 0) for layer in LAYERS}
    for d in found:
        counts[d.layer][d.kind] += 1
    return counts


def render_disagreement_table(found: list[Disagreement], names: tuple[str, str] = ("A", "B")) -> str:
    counts = disagreement_counts(found)
    lines = [
        f"| layer | only in {names[0]} | only in {names[1]} | boundary differences | label/attribute differences "
        "| total |",
        "|---|---|---|---|---|---|",
    ]
    for layer, c in counts.items():
        lines.append(
            f"| {layer} | {c['only-a']} | {c['only-b']} | {c['boundary']} | {c['attribute']} | {sum(c.values())} |"
        )
    total = {k: sum(c[k] for c in counts.values()) for k in KINDS}
    lines.append(
        f"| all | {total['only-a']} | {total['only-b']} | {total['boundary']} | {total['attribute']} "
        f"| {sum(total.values())} |"
    )
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- reading the two sides


@dataclass
class Side:
    """One side of a comparison: a folder of offset-free drafts, a corpus folder, or a git ref's corpus."""

    spec: str
    kind: str  # "drafts", "corpus" or "git ref"
    folder: Path | None = None  # the drafts' folder
    docs: list[AnnotatedDocument] | None = None  # a corpus side's documents, as read


def open_side(spec: str, repo: Path | None = None) -> Side:
    """What ``spec`` names: a folder of drafts (``*.json``), a corpus folder (an annotations root holding
    ``corpus/``, or ``*.jsonl`` files), else a git ref of ``annotations/corpus`` in ``repo`` (read by
    :mod:`corpus_pkg.diff`). ValueError, naming ``spec``, if it is none of them or does not read."""
    from corpus_pkg.diff import DiffError, side_of
    from corpus_pkg.storage import assemble

    path = Path(spec)
    if path.is_dir() and not (path / "corpus").is_dir() and not any(path.glob("*.jsonl")):
        if not any(path.glob("*.json")):
            raise ValueError(f"{spec}: holds neither drafts (*.json) nor a corpus (corpus/ or *.jsonl files)")
        return Side(spec, "drafts", folder=path)
    try:
        side = side_of(spec, repo)
        corpus = side.corpus(set(side.blobs))
    except DiffError as e:
        raise ValueError(str(e)) from e
    if not corpus.documents:
        raise ValueError(f"{spec}: holds no documents")
    items = [*corpus.documents.values()]
    for doc_id in corpus.documents:
        items += corpus.spans.get(doc_id, []) + corpus.relations.get(doc_id, [])
    return Side(spec, "corpus" if path.is_dir() else "git ref", docs=assemble(items))


def load_sides(
    spec_a: str, spec_b: str, annotations: Path | None = None, repo: Path | None = None
) -> tuple[list[AnnotatedDocument], list[AnnotatedDocument], str]:
    """Both sides' documents, and where any drafts took their texts from.

    Drafts are resolved against the texts of the other side when it is a corpus (so a pass compared with
    a released gold does not depend on the current corpus), else against the corpus in ``annotations``.
    ValueError names the side or draft file that cannot be read.
    """
    from corpus_pkg.documents import resolve_draft_folder

    a, b = open_side(spec_a, repo), open_side(spec_b, repo)
    texts = None
    where = f"the corpus in {annotations}" if annotations is not None else "the project's corpus"
    for side in (a, b):
        if side.docs is not None:
            texts = {d.doc_id: d.document for d in side.docs}
            where = f"the texts of {side.spec}"
            break
    docs = []
    for side in (a, b):
        if side.docs is None:
            assert side.folder is not None
            side.docs = resolve_draft_folder(side.folder, annotations, texts)
        docs.append(side.docs)
    return docs[0], docs[1], where
