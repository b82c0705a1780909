"""The Hugging Face dataset: its configs, their features, the reference rows, and loading.

``corpus_pkg.tables`` makes the Arrow tables and Parquet files of these
configs, ``corpus_pkg.builder`` writes them into ``dataset/`` and
``corpus_pkg.card`` describes them in its README.md. The rows here (labels as
strings, one dict per row) are the reference the tables are tested against.
Two properties are kept on purpose:

* Deterministic: the same annotations give the same bytes (fixed Parquet
  writer settings, a row group per ``tables.CHUNK_DOCS`` documents, so one for
  a small corpus, no timestamps anywhere), and the build only rewrites files
  whose bytes change.
* No stale cache: for a local folder ``datasets`` derives its cache key from
  the README's YAML only, not from the data files. Each config's
  ``description`` therefore ends with a fingerprint of its rows; any change of
  data changes the YAML and so the cache key, while ``version`` stays the
  package version. (Checked on datasets 5.2: a changed ``description`` gives a
  new cache folder under the same ``<config>/<version>/``.)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_pkg.labels import Attribute, Declaration, label_sets
from corpus_pkg.model import AnnotatedDocument, Span
from corpus_pkg.project import installed
from corpus_pkg.version import __version__

if TYPE_CHECKING:
    import datasets


CONFIGS = ("documents", "entities", "dates", "quotes", "claims", "ner")
DEFAULT_CONFIG = "documents"
SPAN_CONFIGS = {"entities": "entity", "dates": "date", "quotes": "quote", "claims": "claim"}
# A five-article corpus is an evaluation set, not training data: one `test` split.
SPLIT = "test"
README = "README.md"
DATASHEET = "DATASHEET.md"
MANIFEST = "MANIFEST"

DESCRIPTIONS = {
    "documents": "One row per article: metadata, text and nested lists of its entities, dates, quotes, claims "
    "and relations.",
    "entities": "One row per entity mention (OntoNotes 5.0 type, NAM/NOM/PRO, coreference cluster, Wikidata QID).",
    "dates": "One row per TIMEX3 temporal expression with its type and normalized value.",
    "quotes": "One row per quote with its kind and its speakers (the speaker relation, resolved).",
    "claims": "One row per claim with check-worthiness, FactBank factuality, source and its claimants "
    "(the claimant relation, resolved).",
    "ner": "Token view of the gold entities like conll2003: one row per sentence, spaCy blank-English tokens, "
    "character offsets into the document text, IOB2 tags.",
}


def shard_path(config: str, index: int, count: int) -> str:
    return f"data/{config}/{SPLIT}-{index:05d}-of-{count:05d}.parquet"


def data_path(config: str) -> str:
    """The file of ``config`` when the corpus fits in one shard."""
    return shard_path(config, 0, 1)


def data_files_pattern(config: str, shards: int) -> str:
    """What the card's ``data_files`` names: the one file, or a glob over the shards."""
    return data_path(config) if shards == 1 else f"data/{config}/{SPLIT}-*.parquet"


# ---------------------------------------------------------------- features


def _features_module() -> Any:
    # `import datasets` takes about a second: only when features are needed.
    import datasets

    return datasets


def provenance_feature(decl: Declaration | None = None) -> dict[str, Any]:
    d = _features_module()
    return {
        "annotator": d.Value("string"),
        "tool": d.Value("string"),
        "tool_version": d.Value("string"),
        "status": d.ClassLabel(names=list((decl or label_sets()).statuses)),
        "score": d.Value("float64"),
    }


def relation_end_feature() -> dict[str, Any]:
    """A quote's speaker or a claim's claimant, resolved so no join is needed."""
    d = _features_module()
    return {
        "id": d.Value("string"),
        "text": d.Value("string"),
        "cluster": d.Value("string"),
        "start": d.Value("int32"),
        "end": d.Value("int32"),
    }


def attribute_feature(attribute: Attribute) -> Any:
    """The dataset feature of one declared attribute: enums are ClassLabels."""
    d = _features_module()
    if attribute.kind == "enum":
        return d.ClassLabel(names=list(attribute.values))
    return d.Value({"string": "string", "boolean": "bool"}[attribute.kind])


# Relations resolved into span rows: layer -> (relation type, list field after the attributes).
RELATION_FIELD = {"quote": ("speaker", "speakers"), "claim": ("claimant", "claimants")}


def span_feature(layer: str, decl: Declaration | None = None) -> dict[str, Any]:
    """The fields of one span of ``layer`` (without ``doc_id``): its declared attributes flattened in."""
    d = _features_module()
    decl = decl or label_sets()
    if layer not in decl.layers:
        raise ValueError(f"unknown layer {layer!r}")
    out = {
        "id": d.Value("string"),
        "start": d.Value("int32"),
        "end": d.Value("int32"),
        "text": d.Value("string"),
        "label": d.ClassLabel(names=list(decl.labels_for(layer))),
    }
    out.update({name: attribute_feature(a) for name, a in decl.layers[layer].attributes.items()})
    if layer in RELATION_FIELD:
        out[RELATION_FIELD[layer][1]] = d.List(relation_end_feature())
    out["provenance"] = provenance_feature(decl)
    return out


def features(config: str, decl: Declaration | None = None) -> datasets.Features:
    d = _features_module()
    ls = decl or label_sets()
    if config in SPAN_CONFIGS:
        return d.Features({"doc_id": d.Value("string"), **span_feature(SPAN_CONFIGS[config], ls)})
    if config == "documents":
        meta = {k: d.Value("string") for k in DOCUMENT_FIELDS}
        relation = {
            "id": d.Value("string"),
            "type": d.ClassLabel(names=list(ls.relation_types)),
            "head": d.Value("string"),
            "tail": d.Value("string"),
            "provenance": provenance_feature(ls),
        }
        return d.Features(
            {
                **meta,
                **{c: d.List(span_feature(layer, ls)) for c, layer in SPAN_CONFIGS.items()},
                "relations": d.List(relation),
            }
        )
    if config == "ner":
        from corpus_pkg.tokens import tag_names

        return d.Features(
            {
                "id": d.Value("string"),
                "doc_id": d.Value("string"),
                "start": d.Value("int32"),
                "end": d.Value("int32"),
                "tokens": d.List(d.Value("string")),
                "token_starts": d.List(d.Value("int32")),
                "token_ends": d.List(d.Value("int32")),
                "ner_tags": d.List(d.ClassLabel(names=tag_names(ls.entity_types))),
            }
        )
    raise ValueError(f"unknown config {config!r}; one of {', '.join(CONFIGS)}")


# ---------------------------------------------------------------- rows


def _span_row(
    span: Span,
    doc: AnnotatedDocument,
    by_id: dict[str, Span],
    tails_of: dict[tuple[str, str], list[str]],
) -> dict[str, Any]:
    declared = label_sets().layers[span.layer].attributes
    extra = sorted(set(span.attributes) - set(declared))
    if extra:
        raise ValueError(
            f"{span.doc_id}: span {span.id} has attributes {extra} that the dataset features do not "
            f"hold; declare them in schema/labels.json"
        )
    row: dict[str, Any] = {"id": span.id, "start": span.start, "end": span.end, "text": span.text, "label": span.label}
    for key in declared:
        row[key] = span.attributes.get(key)
    row.update(_tail_rows(span, by_id, tails_of))
    row["provenance"] = {"score": None, **span.provenance.to_dict()}
    return row


def _tail_rows(
    span: Span, by_id: dict[str, Span], tails_of: dict[tuple[str, str], list[str]]
) -> dict[str, list[dict[str, Any]]]:
    """A quote's speakers or a claim's claimants, in text order, as the config's list field."""
    if span.layer not in RELATION_FIELD:
        return {}
    rel_type, list_field = RELATION_FIELD[span.layer]
    tails = sorted((by_id[t] for t in tails_of.get((rel_type, span.id), ())), key=lambda s: s.sort_key)
    return {
        list_field: [
            {"id": t.id, "text": t.text, "cluster": t.attributes.get("cluster"), "start": t.start, "end": t.end}
            for t in tails
        ]
    }


def _tails_of(doc: AnnotatedDocument) -> dict[tuple[str, str], list[str]]:
    """Relation tails by (type, head), so resolving a span's speakers does not scan every relation."""
    out: dict[tuple[str, str], list[str]] = {}
    for r in doc.relations:
        out.setdefault((r.type, r.head), []).append(r.tail)
    return out


DOCUMENT_FIELDS = (
    "doc_id",
    "title",
    "publisher",
    "author",
    "url",
    "published",
    "language",
    "dct",
    "dct_note",
    "source_file",
    "sha256",
    "text",
)


def _document_row(doc: AnnotatedDocument, span_rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The documents row of a sorted document whose span rows (per span config) are already made."""
    meta = doc.document.to_dict()
    extra = sorted(set(meta) - {"record", *DOCUMENT_FIELDS})
    if extra:
        raise ValueError(
            f"{doc.doc_id}: document fields {extra} are not in the dataset features; add them to corpus_pkg/hf.py"
        )
    row: dict[str, Any] = {k: meta[k] for k in DOCUMENT_FIELDS}
    for config in SPAN_CONFIGS:
        row[config] = span_rows[config]
    row["relations"] = [
        {
            "id": r.id,
            "type": r.type,
            "head": r.head,
            "tail": r.tail,
            "provenance": {"score": None, **r.provenance.to_dict()},
        }
        for r in doc.relations
    ]
    return row


def ner_rows(doc: AnnotatedDocument) -> list[dict[str, Any]]:
    """Sentences with IOB2 tags of the document's gold entities (predictions are not training labels)."""
    from corpus_pkg.tokens import sentences

    gold = [s for s in doc.spans_in("entity") if s.provenance.status == "gold"]
    return [
        {
            "id": f"{doc.doc_id}-s{n:03d}",
            "doc_id": doc.doc_id,
            "start": s.start,
            "end": s.end,
            "tokens": s.tokens,
            "token_starts": s.token_starts,
            "token_ends": s.token_ends,
            "ner_tags": s.tags,
        }
        for n, s in enumerate(sentences(doc.doc_id, doc.document.text, gold), start=1)
    ]


def doc_rows(doc: AnnotatedDocument, configs: Iterable[str] = CONFIGS) -> dict[str, list[dict[str, Any]]]:
    """The rows of one document in each of ``configs``, labels as strings; the span rows are made once."""
    wanted = set(configs)
    unknown = wanted - set(CONFIGS)
    if unknown:
        raise ValueError(f"unknown config {sorted(unknown)[0]!r}")
    doc = doc.sorted()
    out: dict[str, list[dict[str, Any]]] = {}
    if wanted & {"documents", *SPAN_CONFIGS}:
        by_id = {s.id: s for s in doc.spans}
        tails_of = _tails_of(doc)
        spans = {
            c: [_span_row(s, doc, by_id, tails_of) for s in doc.spans_in(layer)] for c, layer in SPAN_CONFIGS.items()
        }
        if "documents" in wanted:
            out["documents"] = [_document_row(doc, spans)]
        for c in SPAN_CONFIGS:
            if c in wanted:
                out[c] = [{"doc_id": doc.doc_id, **r} for r in spans[c]]
    if "ner" in wanted:
        out["ner"] = ner_rows(doc)
    return out


def rows(config: str, docs: Iterable[AnnotatedDocument]) -> list[dict[str, Any]]:
    """The rows of ``config`` with labels as strings (before ClassLabel encoding)."""
    if config not in CONFIGS:
        raise ValueError(f"unknown config {config!r}")
    return [r for d in sorted(docs, key=lambda d: d.doc_id) for r in doc_rows(d, (config,))[config]]


def load(
    config: str = DEFAULT_CONFIG, *, dataset: Path | str | None = None, **kwargs: Any
) -> datasets.DatasetDict | datasets.Dataset:
    """``datasets.load_dataset`` on a built dataset folder: ``dataset``, default the one shipped with the package.

    datasets 5.2 cannot load a split with no rows ("corresponds to no data",
    huggingface/datasets#8401); a config that has no rows yet is returned
    empty, with its declared features, instead.
    """
    import datasets

    root = Path(dataset) if dataset is not None else installed().dataset
    if config in CONFIGS:
        import pyarrow.parquet as pq

        shards = sorted((root / "data" / config).glob(f"{SPLIT}-*.parquet"))
        if shards and all(pq.read_metadata(p).num_rows == 0 for p in shards):
            feats = datasets.Features.from_arrow_schema(pq.read_schema(shards[0]))
            info = datasets.DatasetInfo(features=feats, config_name=config, version=__version__)
            empty = datasets.Dataset.from_dict(
                {k: [] for k in feats}, features=feats, info=info, split=datasets.NamedSplit(SPLIT)
            )
            split = kwargs.get("split")
            if split is not None:
                if str(split) != SPLIT:
                    raise ValueError(f"config {config!r} has one split, {SPLIT!r}, not {split!r}")
                return empty
            return datasets.DatasetDict({SPLIT: empty})
    return datasets.load_dataset(str(root), config, **kwargs)
