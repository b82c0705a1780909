"""The Hugging Face dataset: features, a deterministic build of ``dataset/``, and loading.

``dataset/`` holds the Parquet files of each config under ``data/<config>/``,
a README.md dataset card whose YAML front matter declares the configs and their
features, and a MANIFEST (``sha256sum`` format) of every other file.

A corpus of up to ``SHARD_DOCS`` documents gives one file per config
(``test-00000-of-00001.parquet``). A larger one is cut into shards of
consecutive documents (by doc_id), ``test-0000K-of-0000N.parquet``, the same
cut in every config; each shard is validated, converted and written by its own
worker process reading only its documents' files, so memory depends on the
shard size and not on the corpus size. The cut depends only on the number of
documents, never on the machine, so the bytes do not depend on the number of
processes.

Two properties are kept on purpose:

* Deterministic: the same annotations give the same bytes (fixed Parquet
  writer settings, one row group per file, no timestamps anywhere), and the
  build only rewrites files whose bytes change.
* No stale cache: for a local folder ``datasets`` derives its cache key from
  the README's YAML only, not from the data files. Each config's
  ``description`` therefore ends with a fingerprint of its rows; any change of
  data changes the YAML and so the cache key, while ``version`` stays the
  package version. (Checked on datasets 5.2: a changed ``description`` gives a
  new cache folder under the same ``<config>/<version>/``.)
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import shutil
import tempfile
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_pkg import __version__
from corpus_pkg.jsonio import write_bytes_atomic
from corpus_pkg.labels import label_sets
from corpus_pkg.model import AnnotatedDocument, Span

if TYPE_CHECKING:
    import datasets
    import pyarrow as pa

    from corpus_pkg.croissant import FolderFiles

CONFIGS = ("documents", "entities", "dates", "quotes", "claims", "ner")
DEFAULT_CONFIG = "documents"
SPAN_CONFIGS = {"entities": "entity", "dates": "date", "quotes": "quote", "claims": "claim"}
# A five-article corpus is an evaluation set, not training data: one `test` split.
SPLIT = "test"
README = "README.md"
DATASHEET = "DATASHEET.md"
MANIFEST = "MANIFEST"

# Fixed Parquet writer settings: part of what makes a rebuild byte-identical.
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "row_group_size": 1 << 20,
    "store_schema": True,
    "write_page_index": False,
}

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


# Documents per Parquet shard: a worker peaks near 1.4 GB on 5,000 documents of ~4 kB
# text and ~50 spans, and every file (the ner shard is the largest, ~14 MB) stays far
# below the sizes the Hub and `datasets` stream or download comfortably.
SHARD_DOCS = 5_000
# Rows are turned into Arrow every this many documents, so a shard never holds all
# its rows as Python objects.
CHUNK_DOCS = 500


def shard_path(config: str, index: int, count: int) -> str:
    return f"data/{config}/{SPLIT}-{index:05d}-of-{count:05d}.parquet"


def data_path(config: str) -> str:
    """The file of ``config`` when the corpus fits in one shard."""
    return shard_path(config, 0, 1)


def data_files_pattern(config: str, shards: int) -> str:
    """What the card's ``data_files`` names: the one file, or a glob over the shards."""
    return data_path(config) if shards == 1 else f"data/{config}/{SPLIT}-*.parquet"


def shard_count(n_docs: int) -> int:
    return max(1, math.ceil(n_docs / SHARD_DOCS))


def shard_bounds(n_docs: int, shards: int) -> list[tuple[int, int]]:
    """Start and end index of each shard: consecutive and as even as possible."""
    return [(i * n_docs // shards, (i + 1) * n_docs // shards) for i in range(shards)]


# ---------------------------------------------------------------- features


def _features_module() -> Any:
    # `import datasets` takes about a second: only when features are needed.
    import datasets

    return datasets


def provenance_feature() -> dict[str, Any]:
    d = _features_module()
    return {
        "annotator": d.Value("string"),
        "tool": d.Value("string"),
        "tool_version": d.Value("string"),
        "status": d.ClassLabel(names=list(label_sets().statuses)),
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


def span_feature(layer: str) -> dict[str, Any]:
    """The fields of one span of ``layer`` (without ``doc_id``)."""
    d = _features_module()
    ls = label_sets()
    head = {
        "id": d.Value("string"),
        "start": d.Value("int32"),
        "end": d.Value("int32"),
        "text": d.Value("string"),
        "label": d.ClassLabel(names=list(ls.labels_for(layer))),
    }
    if layer == "entity":
        attrs = {
            "kind": d.ClassLabel(names=list(ls.entity_kinds)),
            "cluster": d.Value("string"),
            "qid": d.Value("string"),
        }
    elif layer == "date":
        attrs = {"type": d.ClassLabel(names=list(ls.timex_types)), "value": d.Value("string")}
    elif layer == "quote":
        attrs = {
            "kind": d.ClassLabel(names=list(ls.quote_kinds)),
            "speaker_stated": d.Value("bool"),
            "speakers": d.List(relation_end_feature()),
        }
    elif layer == "claim":
        attrs = {
            "checkworthy": d.Value("bool"),
            "factuality": d.ClassLabel(names=list(ls.factuality)),
            "source": d.ClassLabel(names=list(ls.claim_sources)),
            "claimants": d.List(relation_end_feature()),
        }
    else:
        raise ValueError(f"unknown layer {layer!r}")
    return {**head, **attrs, "provenance": provenance_feature()}


# The attribute keys each layer's features hold; anything else is refused, never dropped.
ATTRIBUTES = {
    "entity": ("kind", "cluster", "qid"),
    "date": ("type", "value"),
    "quote": ("kind", "speaker_stated"),
    "claim": ("checkworthy", "factuality", "source"),
}
RELATION_FIELD = {"quote": ("speaker", "speakers"), "claim": ("claimant", "claimants")}


def features(config: str) -> datasets.Features:
    d = _features_module()
    ls = label_sets()
    if config in SPAN_CONFIGS:
        return d.Features({"doc_id": d.Value("string"), **span_feature(SPAN_CONFIGS[config])})
    if config == "documents":
        meta = {k: d.Value("string") for k in DOCUMENT_FIELDS}
        relation = {
            "id": d.Value("string"),
            "type": d.ClassLabel(names=list(ls.relation_types)),
            "head": d.Value("string"),
            "tail": d.Value("string"),
            "provenance": provenance_feature(),
        }
        return d.Features(
            {
                **meta,
                **{c: d.List(span_feature(layer)) for c, layer in SPAN_CONFIGS.items()},
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
    tails_of: dict[tuple[str, str], list[str]] | None = None,
) -> dict[str, Any]:
    extra = sorted(set(span.attributes) - set(ATTRIBUTES[span.layer]))
    if extra:
        raise ValueError(
            f"{span.doc_id}: span {span.id} has attributes {extra} that the dataset features do not "
            f"hold; add them to corpus_pkg/hf.py"
        )
    row: dict[str, Any] = {"id": span.id, "start": span.start, "end": span.end, "text": span.text, "label": span.label}
    for key in ATTRIBUTES[span.layer]:
        row[key] = span.attributes.get(key)
    if span.layer in RELATION_FIELD:
        rel_type, list_field = RELATION_FIELD[span.layer]
        if tails_of is None:
            tails_of = _tails_of(doc)
        tails = sorted((by_id[t] for t in tails_of.get((rel_type, span.id), ())), key=lambda s: s.sort_key)
        row[list_field] = [
            {"id": t.id, "text": t.text, "cluster": t.attributes.get("cluster"), "start": t.start, "end": t.end}
            for t in tails
        ]
    row["provenance"] = {"score": None, **span.provenance.to_dict()}
    return row


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


# ---------------------------------------------------------------- encoding and Arrow


def _has_class_label(feat: Any) -> bool:
    d = _features_module()
    if isinstance(feat, d.ClassLabel):
        return True
    if isinstance(feat, dict):
        return any(_has_class_label(f) for f in feat.values())
    if isinstance(feat, d.List | d.LargeList):
        return _has_class_label(feat.feature)
    return False


def encoder(feat: Any) -> Callable[[Any], Any]:
    """``feat.encode_example`` for plain Python rows, compiled once instead of re-inspected per value.

    It gives what ``datasets.Features.encode_example`` gives (ClassLabel names to integers through a
    dict, Values cast to their Python type, None kept, and a list left as it is unless its items hold a
    ClassLabel, as datasets does) at a fraction of the cost, which dominates a large build. A label that
    is not a known name goes to the ClassLabel itself, so the error is the one datasets raises.
    """
    import pyarrow as pa

    d = _features_module()
    if isinstance(feat, dict):
        parts = [(k, encoder(f)) for k, f in feat.items()]

        def encode_struct(obj: Any) -> Any:
            if obj is None:
                return None
            out = {}
            for k, enc in parts:
                v = obj.get(k)
                out[k] = None if v is None else enc(v)
            return out

        return encode_struct
    if isinstance(feat, d.List | d.LargeList):
        if not _has_class_label(feat.feature):
            return list
        item = encoder(feat.feature)
        return lambda obj: [None if o is None else item(o) for o in obj]
    if isinstance(feat, d.ClassLabel):
        ids = {name: i for i, name in enumerate(feat.names)}

        def encode_label(v: Any) -> Any:
            i = ids.get(v) if type(v) is str else None
            return feat.encode_example(v) if i is None else i

        return encode_label
    if isinstance(feat, d.Value):
        t = feat.pa_type
        if pa.types.is_boolean(t):
            return bool
        if pa.types.is_integer(t):
            return int
        if pa.types.is_floating(t):
            return float
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            return str
        return lambda v: v
    if hasattr(feat, "encode_example"):
        return feat.encode_example
    return lambda v: v


def _float_check(feat: Any) -> Callable[[Any], bool] | None:
    """A test for "this encoded value holds a float that is not None", or None if the feature has no float."""
    import pyarrow as pa

    d = _features_module()
    if isinstance(feat, dict):
        parts = [(k, c) for k, f in feat.items() if (c := _float_check(f)) is not None]
        if not parts:
            return None
        return lambda obj: obj is not None and any(c(obj.get(k)) for k, c in parts)
    if isinstance(feat, d.List | d.LargeList):
        item = _float_check(feat.feature)
        if item is None:
            return None
        return lambda obj: obj is not None and any(item(o) for o in obj)
    if isinstance(feat, d.Value) and pa.types.is_floating(feat.pa_type):
        return lambda v: v is not None
    return None


def row_json(feat: Any) -> Callable[[Any], bytes]:
    """The JSON that :func:`fingerprint` hashes for one encoded row, without its newline.

    orjson writes the same bytes as ``json.dumps(ensure_ascii=False, sort_keys=True, separators=(",", ":"))``
    for strings, integers, booleans and null, several times faster; it writes some floats differently
    (``0.00001`` against ``1e-05``), so a row that holds a float goes through json.
    """
    import orjson

    has_float = _float_check(feat)
    slow = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode

    def dump(row: Any) -> bytes:
        if has_float is not None and has_float(row):
            return slow(row).encode("utf-8")
        return orjson.dumps(row, option=orjson.OPT_SORT_KEYS)

    return dump


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: rows make no cycles, and its full passes over millions of
    live row objects took about 30% of the build time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@dataclass
class ShardTables:
    """The Arrow table of every config for a run of documents, and the sha256 of each one's rows."""

    tables: dict[str, pa.Table]
    digests: dict[str, str]


def shard_tables(docs: Iterable[AnnotatedDocument], configs: Iterable[str] = CONFIGS) -> ShardTables:
    """Tables with ClassLabels as integers and features in the schema metadata (as datasets writes them).

    Each digest is :func:`fingerprint` of its table, computed from the rows as they are encoded;
    rows are turned into Arrow every ``CHUNK_DOCS`` documents.
    """
    import pyarrow as pa

    configs = tuple(configs)
    feats = {c: features(c) for c in configs}
    encode = {c: encoder(feats[c]) for c in configs}
    schemas = {c: feats[c].arrow_schema for c in configs}
    hashers = {c: hashlib.sha256((schemas[c].metadata or {}).get(b"huggingface", b"")) for c in configs}
    dumps = {c: row_json(feats[c]) for c in configs}
    pending: dict[str, list[dict[str, Any]]] = {c: [] for c in configs}
    chunks: dict[str, list[pa.Table]] = {c: [] for c in configs}

    def flush() -> None:
        for c in configs:
            got = pending[c]
            dump = dumps[c]
            hashers[c].update(b"".join(dump(r) + b"\n" for r in got))
            chunks[c].append(pa.Table.from_pylist(got, schema=schemas[c]))
            pending[c] = []

    with _no_gc():
        waiting = 0
        for doc in sorted(docs, key=lambda d: d.doc_id):
            for c, got in doc_rows(doc, configs).items():
                pending[c].extend(map(encode[c], got))
            waiting += 1
            if waiting == CHUNK_DOCS:
                flush()
                waiting = 0
        if waiting or not chunks[configs[0]]:
            flush()
        tables = {
            c: chunks[c][0] if len(chunks[c]) == 1 else pa.concat_tables(chunks[c]).combine_chunks() for c in configs
        }
    return ShardTables(tables, {c: h.hexdigest() for c, h in hashers.items()})


def table(config: str, docs: Iterable[AnnotatedDocument]) -> pa.Table:
    """The Arrow table of ``config``: ClassLabels as integers, features in the schema metadata (as datasets does)."""
    return shard_tables(docs, (config,)).tables[config]


def fingerprint(tbl: pa.Table) -> str:
    """sha256 of the rows and the features, independent of the Parquet writer and its version."""
    h = hashlib.sha256()
    h.update((tbl.schema.metadata or {}).get(b"huggingface", b""))
    for r in tbl.to_pylist():
        h.update(json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def combined_fingerprint(digests: list[str]) -> str:
    """A config's fingerprint from its shards' in order: one shard's is the config's own
    (so a small corpus keeps its card); several are hashed together."""
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("".join(f"{d}\n" for d in digests).encode("ascii")).hexdigest()


def parquet_bytes(tbl: pa.Table) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    options = dict(PARQUET_OPTIONS)
    row_group_size = options.pop("row_group_size")
    with pq.ParquetWriter(sink, tbl.schema, **options) as writer:
        # An empty table gets no row group at all: datasets 5.2 fails on a row group of 0 rows.
        if tbl.num_rows:
            writer.write_table(tbl, row_group_size=row_group_size)
    return sink.getvalue().to_pybytes()


# ---------------------------------------------------------------- the card


def _size_category(n: int) -> str:
    for limit, name in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ):
        if n < limit:
            return name
    return "10M<n<100M"


def _check_version(version: str) -> str:
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"datasets needs a config version x.y.z; corpus_pkg.__version__ is {version!r}")
    return version


@dataclass(frozen=True)
class ConfigStats:
    """What the card says of one config, summed over its shards."""

    rows: int
    nbytes: int
    fingerprint: str
    shards: int


# (doc_id, publisher, author, published, text sha256) of each document, for the card's source table.
Source = tuple[str, str | None, str | None, str | None, str]
# Above this many documents the card names the documents config instead of listing every source.
SOURCES_LISTED = 1_000


def card_yaml(stats: dict[str, ConfigStats]) -> dict[str, Any]:
    version = _check_version(__version__)
    configs = []
    infos = []
    for config in CONFIGS:
        st = stats[config]
        entry: dict[str, Any] = {
            "config_name": config,
            "version": version,
            "description": f"{DESCRIPTIONS[config]} Data fingerprint sha256:{st.fingerprint}",
            "data_files": [{"split": SPLIT, "path": data_files_pattern(config, st.shards)}],
        }
        if config == DEFAULT_CONFIG:
            entry["default"] = True
        configs.append(entry)
        infos.append(
            {
                "config_name": config,
                "features": features(config)._to_yaml_list(),
                "splits": [{"name": SPLIT, "num_bytes": st.nbytes, "num_examples": st.rows}],
                "dataset_size": st.nbytes,
            }
        )
    return {
        "pretty_name": "Kim-Putin Summit News: entities, dates, quotes and claims",
        "language": ["en"],
        "license": "cc-by-4.0",
        "annotations_creators": ["expert-generated"],
        "language_creators": ["found"],
        "multilinguality": ["monolingual"],
        "source_datasets": ["original"],
        "size_categories": [_size_category(max(st.rows for st in stats.values()))],
        "task_categories": ["token-classification", "text-classification"],
        "task_ids": ["named-entity-recognition", "fact-checking"],
        "tags": [
            "news",
            "quotation-attribution",
            "claim-detection",
            "timex3",
            "ontonotes",
            "coreference",
            "entity-linking",
        ],
        "configs": configs,
        "dataset_info": infos,
    }


def _label_table(title: str, names: dict[str, str]) -> str:
    lines = [f"| {title} | meaning |", "|---|---|"]
    lines += [f"| `{k}` | {v.replace('|', '/')} |" for k, v in names.items()]
    return "\n".join(lines)


def _field_list(config: str) -> str:
    lines = []
    for name, feat in features(config).items():
        lines.append(f"- `{name}`: {_describe(feat)}")
    return "\n".join(lines)


def _describe(feat: Any) -> str:
    d = _features_module()
    if isinstance(feat, d.ClassLabel):
        names = feat.names if len(feat.names) <= 8 else [*feat.names[:6], "..."]
        return "ClassLabel(" + ", ".join(names) + ")"
    if isinstance(feat, d.Value):
        return feat.dtype
    if isinstance(feat, d.List):
        return f"list of {_describe(feat.feature)}"
    if isinstance(feat, dict):
        return "{" + ", ".join(f"{k}: {_describe(v)}" for k, v in feat.items()) + "}"
    return type(feat).__name__


def source_of(doc: AnnotatedDocument) -> Source:
    d = doc.document
    return (d.doc_id, d.publisher, d.author, d.published, d.sha256)


def _source_table(sources: list[Source]) -> str:
    if len(sources) > SOURCES_LISTED:
        return (
            f"| *{len(sources)} documents* | | | | |\n\nThe publisher, author, publication date and text sha256 "
            "of every document are in the `documents` config."
        )
    return "\n".join(
        f"| `{doc_id}` | {publisher or 'unknown'} | {author or 'unknown'} "
        f"| {published or 'not stated'} | `{sha[:12]}` |"
        for doc_id, publisher, author, published, sha in sources
    )


def card_body(stats: dict[str, ConfigStats], sources: list[Source], n_rel: int, datasheet: bool = False) -> str:
    """The card's Markdown, in the sections of the Hub's dataset card template (datasetcard_template.md)."""
    ls = label_sets()
    counts = "\n".join(f"| `{c}` | {stats[c].rows} | {DESCRIPTIONS[c]} |" for c in CONFIGS)
    fields = "\n\n".join(f"#### `{c}`\n\n{_field_list(c)}" for c in CONFIGS)
    source_table = _source_table(sources)
    sheet = (
        f"[`{DATASHEET}`]({DATASHEET}) (after Gebru et al., *Datasheets for Datasets*; shipped beside this card)"
        if datasheet
        else "the corpus datasheet (`DATASHEET.md` in the corpus-pkg repository)"
    )
    return f"""# Dataset Card for Kim-Putin Summit News: entities, dates, quotes and claims

{len(sources)} English news articles on the September 2023 meeting of Kim Jong Un and Vladimir Putin at the
Vostochny Cosmodrome, annotated exhaustively with four span layers (named entities, time expressions,
attributed quotes, check-worthy claims) and the relations from quotes to their speakers and from claims
to their claimants. Version {__version__}. The full documentation of the data is {sheet}: this card
summarizes it.

## Dataset Details

### Dataset Description

- **entities**: OntoNotes 5.0 types, names only plus the nominals and pronouns needed as speakers or
  claimants (`kind` NAM/NOM/PRO), a corpus-wide coreference `cluster` and an optional Wikidata `qid`;
- **dates**: TimeML TIMEX3 with `type` and an ISO-8601 `value` normalized against the document creation time;
- **quotes**: direct, indirect or mixed reported speech (PARC 3.0 content spans) and their speakers;
- **claims**: check-worthy factual claims (ClaimBuster), FactBank factuality, and their claimants.

{n_rel} relations link quotes to speakers and claims to claimants.

- **Curated by:** the maintainers of corpus-pkg
- **Funded by:** no external funding
- **Language(s):** English (`en`)
- **License:** annotations CC BY 4.0; the texts remain their publishers' (see *Source Data*)

### Dataset Sources

- **Repository:** the corpus-pkg repository, which holds the annotation sources (`annotations/`), the
  guidelines (`annotations/GUIDELINES.md`), the JSON Schemas and the code that builds this folder
  (`corpus build`) and round-trips it through Label Studio (`corpus ls`).

## Uses

### Direct Use

Evaluating span extraction on news text: NER with OntoNotes types, TIMEX3 detection and normalization,
quote extraction with speaker attribution, claim detection with factuality; testing annotation tooling and
offset handling; teaching annotation guidelines.

```python
from datasets import load_dataset
ds = load_dataset("PATH_OR_REPO", "quotes")   # or: import corpus_pkg; corpus_pkg.load("quotes")
ds["{SPLIT}"].features["kind"].int2str(ds["{SPLIT}"][0]["kind"])
```

### Out-of-Scope Use

Training a production model on it alone; drawing conclusions about the summit, the outlets or the truth of
any claim (claims are annotated as made, not verified; factuality is the source's commitment, not truth);
measuring media bias or stance; any use that treats the people named as data subjects.

## Dataset Structure

| config | rows | content |
|---|---|---|
{counts}

`documents` is the default config. A config with 0 rows (a layer not annotated yet) keeps its declared
features and an empty Parquet file; `datasets` 5.2 cannot load an empty split (huggingface/datasets#8401),
so `load_dataset` fails on it while `corpus_pkg.load` returns it empty.

Offsets everywhere are 0-based, end-exclusive **Unicode code point** indices into the document's `text`
(Python `str` indices; W3C Web Annotation and Label Studio count the same way; UTF-8 bytes and UTF-16
units differ). For every span `text == document_text[start:end]`.

### Split

One split, `{SPLIT}`. Five articles are too few to train on and too few to split further without a
split of one article; the corpus is an evaluation set for models trained elsewhere (OntoNotes, PARC,
ClaimBuster, TempEval). Documents, not spans, are the unit: all rows of an article are in the same split.

### The `ner` view

Rows are sentences (spaCy `sentencizer`, plus a break at every line break, since titles and captions
end without punctuation); a sentence boundary that would cut an entity is dropped. Tokens come from
`spacy.blank("en")` with three extra splits for scraped text (footnote superscripts, a trailing `/`, and a
lower-to-upper case change after two lowercase letters, as in a breadcrumb glued to a title:
`HomeWorld|Putin`); whitespace tokens are left out, and `token_starts`/`token_ends` are offsets into the
whole document text, so a row maps back to `documents` directly. Tags are IOB2 over the **gold**
entities only (spans with `provenance.status == "gold"`); predictions are in the `entities` config with
their status and score. Every gold entity lies on token boundaries: the build refuses a corpus where it
does not, rather than move or drop the span.

### Fields

{fields}

Every span and relation carries `provenance`: annotator, tool, tool_version, `status` (gold =
adjudicated human annotation; prediction = a model or a single unadjudicated pass) and an optional score.

### Labels

{_label_table("entity type", ls.descriptions["entity"])}

{_label_table("entity kind", ls.descriptions["entity_kind"])}

{_label_table("TIMEX3 type", ls.descriptions["timex_type"])}

{_label_table("quote kind", ls.descriptions["quote_kind"])}

{_label_table("factuality", ls.descriptions["factuality"])}

{_label_table("claim source", ls.descriptions["claim_source"])}

{_label_table("relation", ls.descriptions["relation"])}

## Dataset Creation

### Curation Rationale

A small, exhaustively annotated and fully reproducible corpus on one event, with four layers that are
usually annotated separately, so that entity, date, quote and claim systems can be evaluated on the same
text and tools can be tested for exact offsets through every conversion.

### Source Data

#### Data Collection and Processing

The texts were supplied as UTF-8 text files and are kept exactly as decoded: no stripping, no Unicode
normalization, no line-ending changes; each document records its source file and the sha256 of its text.
Metadata (title, publisher, author, dates) is taken from the text only and left null where the text does
not state it. Each document's creation time, against which dates are normalized, is decided from its own
text; the judgement calls are written down in the datasheet.

#### Who are the source data producers?

| doc_id | publisher | author | published | text sha256 |
|---|---|---|---|---|
{source_table}

The **texts** are third-party news articles and analyses; their copyright stays with their publishers and
authors and CC BY 4.0 does not apply to them. They are included verbatim (so that offsets are exact and each
text's sha256 identifies its source) for research on information extraction; reuse of the texts themselves
is subject to their owners' terms. The **annotations** (spans, attributes, relations, metadata written by
the annotators) are released under [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/).

### Annotations

#### Annotation process

Guidelines grounded in OntoNotes 5.0, TimeML TIMEX3, PARC 3.0, ClaimBuster/CLEF CheckThat! and FactBank
were written first. Two independent passes were made over every document in an offset-free draft format
(surface text plus context, resolved to offsets and checked by code), their agreement was measured per
layer (figures in the datasheet), and every disagreement was adjudicated into the gold annotations.

#### Who are the annotators?

Both passes were made by large-language-model annotator sessions that saw only the guidelines and one
document; the maintainers adjudicated. Each span's `provenance` names its annotator and status.

#### Personal and Sensitive Information

No confidential data. The texts name public figures (heads of state, ministers, officials), journalists
and photographers in their professional roles; one author bio gives its author's education. The texts
report on weapons trade, sanctions and war, and some take political positions.

## Bias, Risks, and Limitations

Five articles, one event, English only, mostly Western or Western-based outlets, one opinion piece; entity
and date distributions are dominated by a handful of referents (Kim, Putin, Russia, North Korea). The
agreement figures overstate what two human annotators would reach on new text: the guidelines use these
documents as examples and both passes were made by the same kind of annotator.

### Recommendations

Use it to evaluate, not to train; report results per layer and per document; read the datasheet's
sections on the sources' oddities (mixed quote marks, page dates, captions, footnote markers) before
drawing conclusions from errors on them.

## Citation

```bibtex
@misc{{kim_putin_summit_news_{__version__.replace(".", "_")},
  title  = {{Kim-Putin Summit News: entities, dates, quotes and claims}},
  author = {{{{corpus-pkg maintainers}}}},
  note   = {{Version {__version__}}}
}}
```

## More Information

### Versioning and caching

Each config carries `version: {__version__}` (the corpus_pkg version), with semantic versioning for data:
major for schema breaks, minor for added annotations, patch for corrections. The data files are
content-checked by `MANIFEST` (`sha256sum -c MANIFEST`). Each config's `description` ends with a
fingerprint of its rows: `datasets` keys its cache of a local folder on this YAML and not on the data files,
so without the fingerprint an edited annotation could be served from a stale cache. The folder is generated
by `corpus build`; do not edit it by hand.

## Dataset Card Contact

The maintainers of corpus-pkg, through the issue tracker of its repository.
"""


@dataclass
class ShardResult:
    """What one shard gives the card, or why it could not be built (``error_count`` > 0)."""

    index: int
    rows: dict[str, int] = field(default_factory=dict)
    nbytes: dict[str, int] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    relations: int = 0
    first_error: str | None = None
    error_count: int = 0


def _shard_files(docs: list[AnnotatedDocument], index: int, count: int) -> tuple[ShardResult, dict[str, bytes]]:
    """The Parquet files of one shard of documents sorted by doc_id."""
    made = shard_tables(docs)
    files = {shard_path(c, index, count): parquet_bytes(t) for c, t in made.tables.items()}
    result = ShardResult(
        index,
        rows={c: t.num_rows for c, t in made.tables.items()},
        nbytes={c: t.nbytes for c, t in made.tables.items()},
        digests=made.digests,
        sources=[source_of(d) for d in docs],
        relations=sum(len(d.relations) for d in docs),
    )
    return result, files


def _metadata_files(
    data: Mapping[str, bytes], shards: list[ShardResult], datasheet: bytes | None = None
) -> dict[str, bytes]:
    """README.md, croissant.json, MANIFEST (and the datasheet, if given) for the Parquet files ``data``."""
    import yaml

    from corpus_pkg.croissant import FILENAME, build_croissant_from, dumps

    stats = {
        c: ConfigStats(
            rows=sum(r.rows[c] for r in shards),
            nbytes=sum(r.nbytes[c] for r in shards),
            fingerprint=combined_fingerprint([r.digests[c] for r in shards]),
            shards=len(shards),
        )
        for c in CONFIGS
    }
    sources = [s for r in shards for s in r.sources]
    front = yaml.safe_dump(card_yaml(stats), sort_keys=False, allow_unicode=True, width=10_000)
    body = card_body(stats, sources, sum(r.relations for r in shards), datasheet=datasheet is not None)
    out = {README: f"---\n{front}---\n\n{body}".encode()}
    if datasheet is not None:
        out[DATASHEET] = datasheet
    out[FILENAME] = dumps(build_croissant_from(data)).encode()
    out[MANIFEST] = manifest(ChainMap(out, data)).encode()
    return out


def render(docs: list[AnnotatedDocument], datasheet: bytes | None = None) -> dict[str, bytes]:
    """Every file of the dataset folder, by relative path, made in this process."""
    docs = sorted(docs, key=lambda d: d.doc_id)
    count = shard_count(len(docs))
    files: dict[str, bytes] = {}
    shards = []
    for i, (a, b) in enumerate(shard_bounds(len(docs), count)):
        result, data = _shard_files(docs[a:b], i, count)
        shards.append(result)
        files.update(data)
    files.update(_metadata_files(files, shards, datasheet))
    return dict(sorted(files.items()))


def manifest(files: Mapping[str, bytes]) -> str:
    """``sha256sum`` lines for every file but the manifest itself (read one at a time)."""
    return "".join(f"{hashlib.sha256(files[p]).hexdigest()}  {p}\n" for p in sorted(files) if p != MANIFEST)


# ---------------------------------------------------------------- build, check, load


@dataclass
class BuildResult:
    out_dir: Path
    written: list[str]
    unchanged: list[str]
    removed: list[str]


def _default_out() -> Path:
    from corpus_pkg.paths import dataset_dir

    return dataset_dir()


def _load_docs(annotations_root: Path | None) -> list[AnnotatedDocument]:
    from corpus_pkg.storage import load_corpus

    return load_corpus(annotations_root)


def _existing(out_dir: Path) -> set[str]:
    if not out_dir.is_dir():
        return set()
    return {
        p.relative_to(out_dir).as_posix()
        for p in out_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out_dir).parts)
    }


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _large_corpus(annotations_root: Path | None) -> list[Path] | None:
    """The corpus files sorted by doc_id when the corpus needs more than one shard; None otherwise."""
    from corpus_pkg.storage import corpus_files

    if shard_count(len(corpus_files(annotations_root))) == 1:
        return None
    from corpus_pkg.merge import recover

    recover(annotations_root)  # as validate_corpus does before it reads anything
    return sorted(corpus_files(annotations_root), key=lambda p: p.stem)


@dataclass(frozen=True)
class _ShardTask:
    index: int
    count: int
    paths: list[Path]
    root: Path | None
    dest: Path


def _build_shard(task: _ShardTask) -> ShardResult:
    """Validate, convert and write one shard's Parquet files under ``task.dest`` (runs in a worker).

    Validation is per document, so each shard validates only its own files; the one check that spans
    shards (a doc_id held twice) is made by the caller.
    """
    from corpus_pkg.storage import parse, read_lines
    from corpus_pkg.validate import validate_paths

    with _no_gc():
        errors = validate_paths(task.paths, task.root).errors
        if errors:
            return ShardResult(task.index, first_error=errors[0].render(), error_count=len(errors))
        docs = parse(line.value for path in task.paths for line in read_lines(path) if line.error is None)
        result, files = _shard_files(docs, task.index, task.count)
    for rel, data in files.items():
        write_bytes_atomic(task.dest / rel, data, durable=False)  # staging; moved in later
    return result


def _run_shards(tasks: list[_ShardTask], jobs: int | None) -> list[ShardResult]:
    """Every shard, ``jobs`` at a time; stops scheduling at the first shard that fails."""
    jobs = max(1, min(jobs or _cpu_count(), len(tasks)))
    if jobs == 1:
        results = []
        for task in tasks:
            results.append(_build_shard(task))
            if results[-1].error_count:
                break
        return results
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # spawn, not fork: a parent that already runs pyarrow's threads must not be forked.
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending = {pool.submit(_build_shard, t) for t in tasks}
        results = []
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    results.append(f.result())
                if any(r.error_count for r in results):
                    break
        finally:
            for f in pending:
                f.cancel()
    return sorted(results, key=lambda r: r.index)


def _datasheet(annotations_root: Path | None, docs: list[AnnotatedDocument] | None) -> bytes | None:
    """The datasheet ships in the dataset folder, beside the card that links it, but only for the
    package's own corpus: it describes those five articles, not any other annotations built with this code.
    """
    from corpus_pkg.paths import annotations_dir, datasheet_file, package_annotations_dir

    if docs is not None:
        return None
    root = Path(annotations_root) if annotations_root is not None else annotations_dir()
    if root.resolve() != package_annotations_dir().resolve():
        return None
    sheet = datasheet_file()
    return sheet.read_bytes() if sheet.is_file() else None


def _render_folder(
    paths: list[Path], annotations_root: Path | None, dest: Path, jobs: int | None, datasheet: bytes | None = None
) -> FolderFiles:
    """Build every file of the dataset folder under ``dest``, one shard per worker process."""
    from corpus_pkg.croissant import FolderFiles

    count = shard_count(len(paths))
    tasks = [
        _ShardTask(i, count, paths[a:b], annotations_root, dest)
        for i, (a, b) in enumerate(shard_bounds(len(paths), count))
    ]
    results = _run_shards(tasks, jobs)
    failed = [r for r in results if r.error_count]
    if failed:
        n = sum(r.error_count for r in failed)
        done = "" if len(results) == len(tasks) else f" in the {len(results)} of {count} shards checked"
        raise ValueError(
            f"the corpus does not validate ({n} error{'s' * (n != 1)}{done}); first: {failed[0].first_error}"
        )
    seen: set[str] = set()
    for doc_id in (s[0] for r in results for s in r.sources):
        if doc_id in seen:
            raise ValueError(f"the corpus does not validate: document {doc_id!r} is held by more than one file")
        seen.add(doc_id)
    data = FolderFiles(dest, [shard_path(c, i, count) for c in CONFIGS for i in range(count)])
    meta = _metadata_files(data, results, datasheet)
    for rel, content in meta.items():
        write_bytes_atomic(dest / rel, content, durable=False)  # staging; moved in later
    return FolderFiles(dest, [*data, *meta])


def _move_if_changed(src: Path, dst: Path) -> bool:
    import filecmp

    if dst.is_file() and filecmp.cmp(src, dst, shallow=False):
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)
    return True


def _install(files: Mapping[str, bytes], out_dir: Path) -> BuildResult:
    from corpus_pkg.croissant import FolderFiles

    result = BuildResult(out_dir, [], [], [])
    for rel in sorted(files):
        if isinstance(files, FolderFiles):
            changed = _move_if_changed(files.path(rel), out_dir / rel)
        else:
            changed = write_bytes_atomic(out_dir / rel, files[rel])
        (result.written if changed else result.unchanged).append(rel)
    for rel in sorted(_existing(out_dir) - set(files)):
        (out_dir / rel).unlink()
        result.removed.append(rel)
    for d in sorted((p for p in out_dir.rglob("*") if p.is_dir()), reverse=True):
        if not any(d.iterdir()):
            d.rmdir()
    return result


def build(
    annotations_root: Path | None = None,
    out_dir: Path | None = None,
    docs: list[AnnotatedDocument] | None = None,
    *,
    jobs: int | None = None,
) -> BuildResult:
    """Write the dataset folder from the (validated) annotations; files whose bytes are unchanged are not touched.

    A corpus of more than ``SHARD_DOCS`` documents read from disk is built shard by shard in ``jobs``
    worker processes (default: every available core) into a staging folder beside ``out_dir``, and moved
    in only when every shard succeeded. The workers are spawned, so a script that calls this on such a
    corpus needs the usual ``if __name__ == "__main__":`` guard. Documents given as ``docs`` are built
    in this process (in as many shards, so the bytes are the same).
    """
    out_dir = Path(out_dir) if out_dir is not None else _default_out()
    sheet = _datasheet(annotations_root, docs)
    if docs is None:
        paths = _large_corpus(annotations_root)
        if paths is not None:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.build-", dir=out_dir.parent))
            try:
                return _install(_render_folder(paths, annotations_root, staging, jobs, sheet), out_dir)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        docs = _load_docs(annotations_root)
    return _install(render(docs, sheet), out_dir)


def check(
    annotations_root: Path | None = None,
    out_dir: Path | None = None,
    docs: list[AnnotatedDocument] | None = None,
    *,
    jobs: int | None = None,
) -> list[str]:
    """What in the dataset folder is out of date with the annotations (empty when up to date); writes nothing.

    Parquet files are compared by content (rows, schema and features), not bytes, so a different pyarrow
    version that writes other bytes for the same data does not count as stale; the MANIFEST must match
    the files as they are.
    """
    out_dir = Path(out_dir) if out_dir is not None else _default_out()
    sheet = _datasheet(annotations_root, docs)
    if docs is None:
        paths = _large_corpus(annotations_root)
        if paths is not None:
            with tempfile.TemporaryDirectory(prefix="corpus-check-") as tmp:
                return _compare(_render_folder(paths, annotations_root, Path(tmp), jobs, sheet), out_dir)
        docs = _load_docs(annotations_root)
    return _compare(render(docs, sheet), out_dir)


def _compare(want: Mapping[str, bytes], out_dir: Path) -> list[str]:
    import pyarrow.parquet as pq

    from corpus_pkg.croissant import FolderFiles

    have = _existing(out_dir)
    problems = [f"missing: {rel}" for rel in sorted(set(want) - have)]
    problems += [f"not generated by the build: {rel}" for rel in sorted(have - set(want))]
    for rel in sorted(want):
        path = out_dir / rel
        if rel not in have or rel == MANIFEST:
            continue
        data = want[rel]
        if rel.endswith(".parquet"):
            if path.read_bytes() == data:
                continue
            import pyarrow as pa

            try:
                same = pq.read_table(path).equals(pq.read_table(pa.BufferReader(data)), check_metadata=True)
            except Exception as e:  # a damaged file counts as stale
                problems.append(f"unreadable: {rel}: {e}")
                continue
            if not same:
                problems.append(f"out of date: {rel}")
        elif path.read_bytes() != data:
            problems.append(f"out of date: {rel}")
    if MANIFEST in have:
        # Files that should not be there are reported above; the manifest is checked over the rest.
        on_disk = FolderFiles(out_dir, sorted(have & set(want) - {MANIFEST}))
        if (out_dir / MANIFEST).read_text(encoding="utf-8") != manifest(on_disk):
            problems.append(f"{MANIFEST} does not match the files")
    return problems


def load(config: str = DEFAULT_CONFIG, **kwargs: Any) -> datasets.DatasetDict | datasets.Dataset:
    """``datasets.load_dataset`` on the dataset folder shipped with the package.

    datasets 5.2 cannot load a split with no rows ("corresponds to no data",
    huggingface/datasets#8401); a config that has no rows yet is returned
    empty, with its declared features, instead.
    """
    import datasets

    from corpus_pkg.paths import dataset_dir

    root = dataset_dir()
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
