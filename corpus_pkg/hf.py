"""The Hugging Face dataset: its configs, features, rows, Arrow tables and Parquet bytes, and loading.

``corpus_pkg.builder`` writes these into ``dataset/`` and ``corpus_pkg.card``
describes them in its README.md. Two properties are kept on purpose:

* Deterministic: the same annotations give the same bytes (fixed Parquet
  writer settings, a row group per ``CHUNK_DOCS`` documents, so one for a small
  corpus, no timestamps anywhere), and the
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
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_pkg.labels import Attribute, Declaration, label_sets
from corpus_pkg.model import AnnotatedDocument, Span
from corpus_pkg.project import installed
from corpus_pkg.version import __version__

if TYPE_CHECKING:
    import datasets
    import pyarrow as pa


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


# Documents are read, validated, turned into Arrow and written as one Parquet row group
# this many at a time, so a shard never holds all its documents or rows in memory.
CHUNK_DOCS = 250


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


# ---------------------------------------------------------------- encoding and Arrow


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
    """The JSON of one encoded row that a config's fingerprint hashes, without its newline.

    The fingerprint is the sha256 of the features (the ``huggingface`` schema metadata) followed by
    each row as ``json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))`` and a
    newline: independent of the Parquet writer and its version.

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


class _Encoded:
    """The rows of :func:`doc_rows` made already encoded (what ``datasets.Features.encode_example`` gives of
    them, tested), without building them with strings first: ClassLabels through dicts of their names, exactly
    the features' keys."""

    def __init__(self, decl: Declaration | None = None) -> None:
        decl = decl or label_sets()
        self.status = {n: i for i, n in enumerate(decl.statuses)}
        self.relation_type = {n: i for i, n in enumerate(decl.relation_types)}
        self.label: dict[str, dict[str, int]] = {}
        self.attrs: dict[str, list[tuple[str, dict[str, int] | None, Callable[[Any], Any]]]] = {}
        for layer in SPAN_CONFIGS.values():
            self.label[layer] = {n: i for i, n in enumerate(decl.labels_for(layer))}
            self.attrs[layer] = [
                (
                    name,
                    {v: i for i, v in enumerate(a.values)} if a.kind == "enum" else None,
                    bool if a.kind == "boolean" else str,
                )
                for name, a in decl.layers[layer].attributes.items()
            ]
        self.names = {layer: frozenset(a[0] for a in attrs) for layer, attrs in self.attrs.items()}

    def _code(self, ids: dict[str, int], value: Any, what: str) -> int:
        i = ids.get(value) if type(value) is str else None
        if i is None:
            raise ValueError(f"{what} {value!r} is not one of the names of its ClassLabel: {sorted(ids)}")
        return i

    def provenance(self, p: Any) -> dict[str, Any]:
        return {
            "annotator": p.annotator,
            "tool": p.tool,
            "tool_version": p.tool_version,
            "status": self._code(self.status, p.status, "status"),
            "score": None if p.score is None else float(p.score),
        }

    def span(self, span: Span, by_id: dict[str, Span], tails_of: dict[tuple[str, str], list[str]]) -> dict[str, Any]:
        attrs = self.attrs[span.layer]
        if not self.names[span.layer].issuperset(span.attributes):
            extra = sorted(set(span.attributes) - self.names[span.layer])
            raise ValueError(
                f"{span.doc_id}: span {span.id} has attributes {extra} that the dataset features do not "
                f"hold; declare them in schema/labels.json"
            )
        row: dict[str, Any] = {
            "id": span.id,
            "start": span.start,
            "end": span.end,
            "text": span.text,
            "label": self._code(self.label[span.layer], span.label, "label"),
        }
        given = span.attributes
        for name, ids, cast in attrs:
            v = given.get(name)
            row[name] = None if v is None else self._code(ids, v, name) if ids is not None else cast(v)
        row.update(_tail_rows(span, by_id, tails_of))
        row["provenance"] = self.provenance(span.provenance)
        return row

    def rows(self, doc: AnnotatedDocument, configs: Collection[str]) -> dict[str, list[dict[str, Any]]]:
        """``doc_rows(doc, configs)`` encoded, for ``configs`` other than ``ner``."""
        doc = doc.sorted()
        by_id = {s.id: s for s in doc.spans}
        tails_of = _tails_of(doc)
        layers = {layer: c for c, layer in SPAN_CONFIGS.items()}
        spans: dict[str, list[dict[str, Any]]] = {c: [] for c in SPAN_CONFIGS}
        for s in doc.spans:
            spans[layers[s.layer]].append(self.span(s, by_id, tails_of))
        out: dict[str, list[dict[str, Any]]] = {}
        if "documents" in configs:
            meta = doc.document.to_dict()
            extra = sorted(set(meta) - {"record", *DOCUMENT_FIELDS})
            if extra:
                raise ValueError(
                    f"{doc.doc_id}: document fields {extra} are not in the dataset features; add them to "
                    "corpus_pkg/hf.py"
                )
            row: dict[str, Any] = {k: meta[k] for k in DOCUMENT_FIELDS}
            row.update(spans)
            row["relations"] = [
                {
                    "id": r.id,
                    "type": self._code(self.relation_type, r.type, "relation type"),
                    "head": r.head,
                    "tail": r.tail,
                    "provenance": self.provenance(r.provenance),
                }
                for r in doc.relations
            ]
            out["documents"] = [row]
        doc_id = doc.doc_id
        for c in SPAN_CONFIGS:
            if c in configs:
                out[c] = [{"doc_id": doc_id, **r} for r in spans[c]]
        return out


@dataclass
class ShardTables:
    """The Arrow table of every config for a run of documents, and the sha256 of each one's rows."""

    tables: dict[str, pa.Table]
    digests: dict[str, str]


class ShardBuilder:
    """Arrow tables of every config, a run of documents at a time, with each config's running fingerprint.

    Tables have ClassLabels as integers and the features in the schema metadata (as datasets writes
    them). ``ner``, the one config with a cost per token, is built as columns (``tokens.sentence_columns``:
    numpy arrays of offsets and tag ids, one list of token strings) and turned into Arrow without a Python
    dict per row; the other configs hold a few rows per document and go through row dicts made already
    encoded (:class:`_Encoded`). Each fingerprint is that of :func:`row_json`, hashed as rows are made.
    """

    def __init__(self, configs: Iterable[str] = CONFIGS) -> None:
        self.configs = tuple(configs)
        feats = {c: features(c) for c in self.configs}
        self.encoded = _Encoded()
        self.schemas = {c: feats[c].arrow_schema for c in self.configs}
        self.dumps = {c: row_json(feats[c]) for c in self.configs if c != "ner"}
        self.hashers = {
            c: hashlib.sha256((self.schemas[c].metadata or {}).get(b"huggingface", b"")) for c in self.configs
        }
        self.rows = dict.fromkeys(self.configs, 0)
        self.nbytes = dict.fromkeys(self.configs, 0)
        self.row_configs = tuple(c for c in self.configs if c != "ner")
        if "ner" in self.configs:
            from corpus_pkg.tokens import tag_names

            self.tag_ids = {t: i for i, t in enumerate(tag_names(label_sets().entity_types))}

    def tables(self, docs: Iterable[AnnotatedDocument]) -> dict[str, pa.Table]:
        """The tables of ``docs``, which come sorted by doc_id and follow those of earlier calls."""
        import orjson
        import pyarrow as pa

        pending: dict[str, list[dict[str, Any]]] = {c: [] for c in self.row_configs}
        ner: list[tuple[str, Any]] = []
        # A float (a provenance score) is the one value orjson may write apart from json: rows go through
        # row_json's check only when some record of these documents holds one.
        scored = False
        for doc in docs:
            scored = scored or any(r.provenance.score is not None for r in (*doc.spans, *doc.relations))
            if self.row_configs:
                for c, got in self.encoded.rows(doc, self.row_configs).items():
                    pending[c].extend(got)
            if "ner" in self.configs:
                ner.append((doc.doc_id, _ner_columns(doc, self.tag_ids)))
        out: dict[str, pa.Table] = {}
        for c in self.configs:
            if c == "ner":
                out[c] = self._ner_table(ner)
                continue
            got = pending[c]
            if scored:
                dump = self.dumps[c]
                self.hashers[c].update(b"".join(dump(r) + b"\n" for r in got))
            else:
                sort = orjson.OPT_SORT_KEYS
                self.hashers[c].update(b"".join(orjson.dumps(r, option=sort) + b"\n" for r in got))
            out[c] = pa.Table.from_pylist(got, schema=self.schemas[c])
        for c, t in out.items():
            self.rows[c] += t.num_rows
            self.nbytes[c] += t.nbytes
        return out

    def _ner_table(self, docs: list[tuple[str, Any]]) -> pa.Table:
        import numpy as np
        import orjson
        import pyarrow as pa

        schema = self.schemas["ner"]
        ids: list[str] = []
        doc_ids: list[str] = []
        tokens: list[str] = []
        starts, ends, token_starts, token_ends, tags, offsets = [], [], [], [], [], []
        lines: list[bytes] = []
        base = 0
        sort = orjson.OPT_SORT_KEYS
        for doc_id, col in docs:
            bounds = col.bounds.tolist()
            n = len(bounds) - 1
            if n == 0:
                continue
            row_ids = [f"{doc_id}-s{i:03d}" for i in range(1, n + 1)]
            ids += row_ids
            doc_ids += [doc_id] * n
            first, last = col.bounds[:-1], col.bounds[1:] - 1
            starts.append(col.starts[first])
            ends.append(col.ends[last])
            offsets.append(col.bounds[:-1] + base)
            base += len(col.tokens)
            tokens += col.tokens
            token_starts.append(col.starts)
            token_ends.append(col.ends)
            tags.append(col.tags)
            ts, te, tg, tk = col.starts.tolist(), col.ends.tolist(), col.tags.tolist(), col.tokens
            for r, rid in enumerate(row_ids):
                a, b = bounds[r], bounds[r + 1]
                row = {
                    "doc_id": doc_id,
                    "end": te[b - 1],
                    "id": rid,
                    "ner_tags": tg[a:b],
                    "start": ts[a],
                    "token_ends": te[a:b],
                    "token_starts": ts[a:b],
                    "tokens": tk[a:b],
                }
                lines.append(orjson.dumps(row, option=sort))
        self.hashers["ner"].update(b"".join(line + b"\n" for line in lines))

        def cat(parts: list[Any], dtype: Any) -> Any:
            return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)

        list_offsets = pa.array(np.concatenate([*offsets, [base]]).astype(np.int32), pa.int32())

        def listed(name: str, values: Any) -> pa.Array:
            typ = schema.field(name).type
            return pa.ListArray.from_arrays(list_offsets, pa.array(values, typ.value_type), type=typ)

        columns = [
            pa.array(ids, pa.string()),
            pa.array(doc_ids, pa.string()),
            pa.array(cat(starts, np.int32), pa.int32()),
            pa.array(cat(ends, np.int32), pa.int32()),
            listed("tokens", tokens),
            listed("token_starts", cat(token_starts, np.int32)),
            listed("token_ends", cat(token_ends, np.int32)),
            listed("ner_tags", cat(tags, np.int64)),
        ]
        return pa.Table.from_arrays(columns, schema=schema)

    def digests(self) -> dict[str, str]:
        return {c: h.hexdigest() for c, h in self.hashers.items()}


def _ner_columns(doc: AnnotatedDocument, tag_ids: dict[str, int]) -> Any:
    """:func:`ner_rows` of ``doc`` as ``tokens.SentenceColumns`` (gold entities only)."""
    from corpus_pkg.tokens import sentence_columns

    gold = [s for s in doc.spans if s.layer == "entity" and s.provenance.status == "gold"]
    return sentence_columns(doc.doc_id, doc.document.text, gold, tag_ids)


def shard_tables(docs: Iterable[AnnotatedDocument], configs: Iterable[str] = CONFIGS) -> ShardTables:
    """Every config's table of ``docs`` in memory, and its fingerprint (see :class:`ShardBuilder`).

    Built ``CHUNK_DOCS`` documents at a time, as a build does, and put together.
    """
    import pyarrow as pa

    made = ShardBuilder(configs)
    docs = sorted(docs, key=lambda d: d.doc_id)
    chunks: dict[str, list[pa.Table]] = {c: [] for c in made.configs}
    with _no_gc():
        for i in range(0, max(len(docs), 1), CHUNK_DOCS):
            for c, t in made.tables(docs[i : i + CHUNK_DOCS]).items():
                chunks[c].append(t)
        tables = {c: ch[0] if len(ch) == 1 else pa.concat_tables(ch).combine_chunks() for c, ch in chunks.items()}
    return ShardTables(tables, made.digests())


class ParquetShard:
    """One shard's Parquet file of every config, written as its tables come: a row group per call of
    :meth:`write` that has rows (so a shard never holds all its rows in memory), none for an empty file.
    """

    def __init__(self, sinks: dict[str, Any], schemas: dict[str, pa.Schema]) -> None:
        import pyarrow.parquet as pq

        options = dict(PARQUET_OPTIONS)
        self.row_group_size = options.pop("row_group_size")
        self.writers = {c: pq.ParquetWriter(sink, schemas[c], **options) for c, sink in sinks.items()}

    def write(self, tables: dict[str, pa.Table]) -> None:
        for c, t in tables.items():
            # An empty table gets no row group at all: datasets 5.2 fails on a row group of 0 rows.
            if t.num_rows:
                self.writers[c].write_table(t, row_group_size=self.row_group_size)

    def close(self) -> None:
        for w in self.writers.values():
            w.close()


def table(config: str, docs: Iterable[AnnotatedDocument]) -> pa.Table:
    """The Arrow table of ``config``: ClassLabels as integers, features in the schema metadata (as datasets does)."""
    return shard_tables(docs, (config,)).tables[config]


def combined_fingerprint(digests: list[str]) -> str:
    """A config's fingerprint from its shards' in order: one shard's is the config's own
    (so a small corpus keeps its card); several are hashed together."""
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("".join(f"{d}\n" for d in digests).encode("ascii")).hexdigest()


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
