"""Arrow tables of every config, made column by column from documents' records; fingerprints; Parquet shards.

The build (``corpus_pkg.builder``) hands :class:`TableBuilder` the records of up to ``CHUNK_DOCS``
documents at a time in file form (``storage.DocRecords``, read on the valid path without model
objects) and writes each config's table as one Parquet row group (:class:`ParquetShard`). The tables
hold ClassLabels as integers and the features in the schema metadata, as ``datasets`` writes them;
tests hold them equal to ``datasets.Features.encode_example`` of ``hf.rows``, the reference rows.

A table is made from its *leaves*: one Python list, numpy array or Arrow array per leaf of its Arrow
type (each field of a struct; for a list, the number of items of each row, then its items
flattened). The arrays are assembled from the leaves (``pa.ListArray.from_arrays`` and the like),
never from a dict per row, and the fingerprint hashes the leaves' arrays (:class:`Fingerprint`). The
``documents`` config's nested span lists are the span configs' leaves again, converted once.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import xxhash

from corpus_pkg.hf import CONFIGS, DOCUMENT_FIELDS, RELATION_FIELD, SPAN_CONFIGS, features
from corpus_pkg.labels import Declaration, label_sets
from corpus_pkg.storage import DocRecords

if TYPE_CHECKING:
    import pyarrow as pa

# A fingerprint stream: bytes, or a view of a numpy or Arrow buffer.
Stream = bytes | memoryview

# Documents are read, validated, turned into Arrow and written as one Parquet row group
# this many at a time, so a shard never holds all its documents or rows in memory: a run
# in flight is about 50 MB of a worker's 300.
CHUNK_DOCS = 125

# Fixed Parquet writer settings: part of what makes a rebuild byte-identical. No dictionary
# encoding: a dictionary per row group of runs this small costs more than it saves (without
# it the files of 100,000 documents are 17% smaller and quicker to write); zstd level 3
# writes about twice as fast as level 9, for files about 3% larger. Integer columns are
# also delta-encoded, and only integer columns and ``doc_id`` carry statistics (see ``writer_options``).
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": False,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "row_group_size": 1 << 20,
    "store_schema": True,
    "write_page_index": False,
}

Leaves = dict[str, Any]  # leaf path -> list or numpy array of its values, in row order


def writer_options(schema: pa.Schema) -> dict[str, Any]:
    """``PARQUET_OPTIONS`` for a file of this schema (without ``row_group_size``, which goes to each
    write), every integer column delta-encoded (DELTA_BINARY_PACKED): token offsets, span offsets and
    ClassLabel ids are runs of close numbers, so the files are a third smaller (``ner`` half), a little
    quicker to write and a little dearer to read (BENCHMARKS.md). Statistics (min and max per row group,
    what a reader's filter skips row groups by) are written for the integer columns and ``doc_id``, by
    which the rows are sorted, and not for the other strings: the min and max of texts and tokens filter
    nothing and cost 7% of the writing and 3% of the bytes. pyarrow ignores a column path it does not
    know, so a test checks the encoding and the statistics of every column of a written file."""
    import pyarrow as pa

    ints: list[str] = []

    def walk(path: str, typ: pa.DataType) -> None:
        if _is_list(typ):
            walk(f"{path}.list.element", typ.value_type)
        elif pa.types.is_struct(typ):
            for i in range(typ.num_fields):
                walk(f"{path}.{typ.field(i).name}", typ.field(i).type)
        elif pa.types.is_integer(typ):
            ints.append(path)

    for f in schema:
        walk(f.name, f.type)
    options = {k: v for k, v in PARQUET_OPTIONS.items() if k != "row_group_size"}
    stats = [f.name for f in schema if f.name == "doc_id"] + ints
    return {**options, "column_encoding": dict.fromkeys(ints, "DELTA_BINARY_PACKED"), "write_statistics": stats}


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: records make no cycles, and its full passes over the many
    live record dicts of a run cost a large share of a build."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# ---------------------------------------------------------------- leaves and fingerprints


def _is_list(typ: pa.DataType) -> bool:
    import pyarrow as pa

    return pa.types.is_list(typ) or pa.types.is_large_list(typ)


def leaf_paths(schema: pa.Schema) -> list[str]:
    """The leaves of a schema in order: ``a.b`` for a struct's field, ``a[]#`` for the item counts of a
    list and ``a[]`` (or ``a[].b``) for its items."""
    import pyarrow as pa

    out: list[str] = []

    def walk(path: str, typ: pa.DataType) -> None:
        if pa.types.is_struct(typ):
            for i in range(typ.num_fields):
                walk(f"{path}.{typ.field(i).name}", typ.field(i).type)
        elif _is_list(typ):
            out.append(f"{path}[]#")
            walk(f"{path}[]", typ.value_type)
        else:
            out.append(path)

    for f in schema:
        walk(f.name, f.type)
    return out


class Fingerprint:
    """The fingerprint of a config's rows, fed a run of rows at a time.

    Its definition: the XXH3 128-bit hash (hex) of the features (the schema's ``huggingface`` metadata)
    and a line break, then for each leaf in schema order (:func:`leaf_paths`) a line
    ``<leaf> <shape> <values>``, the hex XXH3-128 of the leaf's two streams, which take each of its
    values in row order:

    * a string adds its UTF-8 length to *shape* and its UTF-8 bytes to *values*; a null adds -1 to
      *shape* and nothing to *values*;
    * a number (an integer, a ClassLabel id, a boolean as 0 or 1, a float) adds 0 to *shape* and
      itself to *values*; a null adds -1 and 0;
    * the item counts of a list (``a[]#``) are numbers;

    every number written as 8 little-endian bytes (int64, or float64 for a float). It depends on the
    values only: not on the Parquet writer, its version, the row groups or how the rows were cut into
    runs, and it is computed from the Arrow arrays' buffers without a Python object per value. XXH3
    (the ``xxhash`` library, which ``datasets`` uses for its own fingerprints) because the key guards a
    cache, not against forgery, and it hashes the streams about twenty times faster than SHA-256.
    """

    def __init__(self, schema: pa.Schema) -> None:
        self.meta = (schema.metadata or {}).get(b"huggingface", b"")
        self.leaves = {p: (xxhash.xxh3_128(), xxhash.xxh3_128()) for p in leaf_paths(schema)}

    def update(self, path: str, streams: tuple[Stream, Stream]) -> None:
        """Add a run of one leaf's values, as :func:`leaf_streams` gives them."""
        shape, values = self.leaves[path]
        shape.update(streams[0])
        values.update(streams[1])

    def hexdigest(self) -> str:
        h = xxhash.xxh3_128(self.meta + b"\n")
        for path, (shape, values) in self.leaves.items():
            h.update(f"{path} {shape.hexdigest()} {values.hexdigest()}\n".encode())
        return h.hexdigest()


def leaf_streams(values: Any) -> tuple[Stream, Stream]:
    """The *shape* and *values* streams of a run of one leaf (see :class:`Fingerprint`): an Arrow array of
    strings or numbers, or the item counts of a list (a numpy array or list of ints). Bytes-like objects,
    views of the Arrow buffers where their layout is the stream's already (int64 and float64 without
    nulls, the characters of a string array)."""
    import numpy as np
    import pyarrow as pa

    if not isinstance(values, pa.Array):
        counts = np.asarray(values, dtype="<i8")
        return bytes(8 * len(counts)), counts.data
    n = len(values)
    if values.null_count == 0 and values.type in (pa.int64(), pa.float64()):
        return bytes(8 * n), memoryview(values.buffers()[1])[values.offset * 8 : (values.offset + n) * 8]
    if n == 0:
        return b"", b""
    # numpy on the buffers where it can: each pyarrow.compute call costs microseconds, hundreds a run.
    valid = None if values.null_count == 0 else values.is_valid().to_numpy(zero_copy_only=False)
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        width = 8 if pa.types.is_large_string(values.type) else 4
        ends = np.frombuffer(values.buffers()[1], dtype=f"<i{width}", count=n + 1, offset=values.offset * width)
        lengths = np.diff(ends).astype("<i8")
        if valid is not None:
            spread = lengths[~valid].any()  # a null slot over characters (Arrow allows it)
            lengths[~valid] = -1
            if spread:  # the present values apart
                return lengths.data, leaf_streams(values.filter(pa.array(valid)))[1]
        if ends[0] == ends[-1]:
            return lengths.data, b""
        return lengths.data, memoryview(values.buffers()[2])[int(ends[0]) : int(ends[-1])]
    floats = pa.types.is_floating(values.type)
    if valid is None and (floats or pa.types.is_signed_integer(values.type) or pa.types.is_boolean(values.type)):
        numbers = values.to_numpy(zero_copy_only=False)  # exact in float64 or int64, as the cast below
        return bytes(8 * n), numbers.astype("<f8" if floats else "<i8").data
    numbers = values.cast(pa.float64() if floats else pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
    shape = bytes(8 * n) if valid is None else np.where(valid, 0, -1).astype("<i8").data
    return shape, numbers.astype("<f8" if floats else "<i8").data


def combined_fingerprint(digests: list[str]) -> str:
    """A config's fingerprint from its shards' in order: one shard's is the config's own
    (so a small corpus keeps its card); several are hashed together."""
    if len(digests) == 1:
        return digests[0]
    return xxhash.xxh3_128("".join(f"{d}\n" for d in digests).encode("ascii")).hexdigest()


class _Assembler:
    """Arrays from leaves, each converted once (the ``documents`` config reuses the span configs'), and the
    streams of each leaf for the fingerprint."""

    def __init__(self) -> None:
        self.arrays: dict[int, pa.Array] = {}
        self.streams: dict[int, tuple[bytes, bytes]] = {}

    def array(self, path: str, typ: pa.DataType, leaves: Leaves, made: dict[str, Any]) -> pa.Array:
        """The array of ``path`` (of type ``typ``) from ``leaves``; what each leaf became goes to ``made``."""
        import numpy as np
        import pyarrow as pa

        if pa.types.is_struct(typ):
            fields = [typ.field(i) for i in range(typ.num_fields)]
            children = [self.array(f"{path}.{f.name}", f.type, leaves, made) for f in fields]
            return pa.StructArray.from_arrays(children, fields=fields)
        if _is_list(typ):
            counts = made[f"{path}[]#"] = leaves[f"{path}[]#"]
            offsets = np.zeros(len(counts) + 1, dtype=np.int32)
            np.cumsum(np.asarray(counts, dtype=np.int32) if isinstance(counts, list) else counts, out=offsets[1:])
            items = self.array(f"{path}[]", typ.value_type, leaves, made)
            return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items, type=typ)
        values = leaves[path]
        key = id(values)
        arr = self.arrays.get(key)
        if arr is None:
            if isinstance(values, pa.Array):
                arr = values if values.type == typ else values.cast(typ)
            else:
                arr = pa.array(values, typ)
            self.arrays[key] = arr
        made[path] = arr
        return arr

    def table(self, schema: pa.Schema, leaves: Leaves, fingerprint: Fingerprint) -> pa.Table:
        import pyarrow as pa

        made: dict[str, Any] = {}
        table = pa.Table.from_arrays([self.array(f.name, f.type, leaves, made) for f in schema], schema=schema)
        for path in fingerprint.leaves:
            got = made[path]
            key = id(got)
            streams = self.streams.get(key)
            if streams is None:
                streams = self.streams[key] = leaf_streams(got)
            fingerprint.update(path, streams)
        return table


# ---------------------------------------------------------------- the leaves of each config

_ID, _START, _END, _TEXT = itemgetter("id"), itemgetter("start"), itemgetter("end"), itemgetter("text")
_LABEL, _ATTRIBUTES, _PROVENANCE = itemgetter("label"), itemgetter("attributes"), itemgetter("provenance")
_TAIL_ORDER = itemgetter("start", "end", "layer", "id")  # model.Span.sort_key


def _codes(ids: dict[str, int], values: list[Any], what: str, *, optional: bool = False) -> list[int | None]:
    """The ClassLabel ids of ``values`` (None stays None when ``optional``); a name not declared is refused."""
    try:
        if optional:
            return [None if v is None else ids[v] for v in values]
        return [ids[v] for v in values]
    except (KeyError, TypeError):
        bad = next(v for v in values if not (optional and v is None) and (not isinstance(v, str) or v not in ids))
        raise ValueError(f"{what} {bad!r} is not one of the names of its ClassLabel: {sorted(ids)}") from None


class _Codes:
    """The ClassLabel ids of the declared names, and the attributes the features hold, per layer."""

    def __init__(self, decl: Declaration) -> None:
        self.status = {n: i for i, n in enumerate(decl.statuses)}
        self.relation_type = {n: i for i, n in enumerate(decl.relation_types)}
        self.tail_layer = {n: ends[1] for n, ends in decl.relation_types.items()}
        self.label = {layer: {n: i for i, n in enumerate(decl.labels_for(layer))} for layer in SPAN_CONFIGS.values()}
        self.attrs = {
            layer: [
                (name, {v: i for i, v in enumerate(a.values)} if a.kind == "enum" else None)
                for name, a in decl.layers[layer].attributes.items()
            ]
            for layer in SPAN_CONFIGS.values()
        }
        self.names = {layer: frozenset(n for n, _ in attrs) for layer, attrs in self.attrs.items()}

    def provenance(self, records: list[dict[str, Any]], prefix: str, leaves: Leaves) -> None:
        provs = list(map(_PROVENANCE, records))
        leaves[f"{prefix}annotator"] = [p["annotator"] for p in provs]
        leaves[f"{prefix}tool"] = [p["tool"] for p in provs]
        leaves[f"{prefix}tool_version"] = [p["tool_version"] for p in provs]
        leaves[f"{prefix}status"] = _codes(self.status, [p.get("status", "gold") for p in provs], "status")
        leaves[f"{prefix}score"] = [None if (v := p.get("score")) is None else float(v) for p in provs]


def _span_leaves(codes: _Codes, layer: str, docs: Sequence[DocRecords]) -> Leaves:
    """The leaves of a span config (``doc_id`` first, then those of ``hf.span_feature``)."""
    spans: list[dict[str, Any]] = []
    doc_ids: list[str] = []
    for d in docs:
        items = d.spans.get(layer)
        if items:
            spans += items
            doc_ids += [d.doc_id] * len(items)
    leaves: Leaves = {
        "doc_id": doc_ids,
        "id": list(map(_ID, spans)),
        "start": list(map(_START, spans)),
        "end": list(map(_END, spans)),
        "text": list(map(_TEXT, spans)),
        "label": _codes(codes.label[layer], list(map(_LABEL, spans)), "label"),
    }
    attrs = list(map(_ATTRIBUTES, spans))
    names = codes.names[layer]
    for s, a in zip(spans, attrs, strict=True):
        if not names.issuperset(a):
            raise ValueError(
                f"{s['doc_id']}: span {s['id']} has attributes {sorted(set(a) - names)} that the dataset "
                "features do not hold; declare them in schema/labels.json"
            )
    for name, ids in codes.attrs[layer]:
        values = [a.get(name) for a in attrs]
        leaves[name] = values if ids is None else _codes(ids, values, name, optional=True)
    if layer in RELATION_FIELD:
        leaves.update(_tail_leaves(layer, docs, codes.tail_layer[RELATION_FIELD[layer][0]]))
    codes.provenance(spans, "provenance.", leaves)
    return leaves


def _tail_leaves(layer: str, docs: Sequence[DocRecords], tail_layer: str) -> Leaves:
    """A quote's speakers or a claim's claimants (``hf.RELATION_FIELD``), in text order, as leaves."""
    rel_type, name = RELATION_FIELD[layer]
    counts: list[int] = []
    tails: list[dict[str, Any]] = []
    for d in docs:
        items = d.spans.get(layer)
        if not items:
            continue
        tails_of: dict[str, list[str]] = {}
        for r in d.relations:
            if r["type"] == rel_type:
                tails_of.setdefault(r["head"], []).append(r["tail"])
        if not tails_of:
            counts += [0] * len(items)
            continue
        by_id = {s["id"]: s for s in d.spans.get(tail_layer, ())}
        for s in items:
            got = tails_of.get(s["id"])
            if got is None:
                counts.append(0)
                continue
            counts.append(len(got))
            tails += sorted((by_id[t] for t in got), key=_TAIL_ORDER) if len(got) > 1 else [by_id[got[0]]]
    return {
        f"{name}[]#": counts,
        f"{name}[].id": list(map(_ID, tails)),
        f"{name}[].text": list(map(_TEXT, tails)),
        f"{name}[].cluster": [t["attributes"].get("cluster") for t in tails],
        f"{name}[].start": list(map(_START, tails)),
        f"{name}[].end": list(map(_END, tails)),
    }


_FIELDS = frozenset(("record", *DOCUMENT_FIELDS))


def _document_leaves(codes: _Codes, docs: Sequence[DocRecords], spans: dict[str, Leaves]) -> Leaves:
    """The leaves of ``documents``: the metadata, then each span config's leaves (but ``doc_id``) nested."""
    for d in docs:
        if not _FIELDS.issuperset(d.document):
            extra = sorted(set(d.document) - _FIELDS)
            raise ValueError(
                f"{d.doc_id}: document fields {extra} are not in the dataset features; add them to corpus_pkg/hf.py"
            )
    leaves: Leaves = {k: [d.document.get(k) for d in docs] for k in DOCUMENT_FIELDS}
    for config, layer in SPAN_CONFIGS.items():
        leaves[f"{config}[]#"] = [len(d.spans.get(layer, ())) for d in docs]
        leaves.update((f"{config}[].{k}", v) for k, v in spans[config].items() if k != "doc_id")
    relations = [r for d in docs for r in d.relations]
    leaves["relations[]#"] = [len(d.relations) for d in docs]
    leaves["relations[].id"] = list(map(_ID, relations))
    leaves["relations[].type"] = _codes(codes.relation_type, [r["type"] for r in relations], "relation type")
    leaves["relations[].head"] = [r["head"] for r in relations]
    leaves["relations[].tail"] = [r["tail"] for r in relations]
    codes.provenance(relations, "relations[].provenance.", leaves)
    return leaves


@cache
def _row_suffixes(k: int) -> tuple[str, ...]:
    """``-s001`` to ``-s<k>``: the ends of the ids of a document's ``ner`` rows, made once per count."""
    return tuple(f"-s{j:03d}" for j in range(1, k + 1))


def _ner_leaves(codes: _Codes, docs: Sequence[DocRecords], tag_ids: dict[str, int], entities: Leaves) -> Leaves:
    """The leaves of ``ner``: ``tokens.columns_of_texts`` of the documents' gold entities, whose offsets,
    label ids and status ids are taken as arrays from ``entities``, the leaves of the ``entities`` config."""
    import numpy as np

    from corpus_pkg.tokens import Entity, columns_of_texts, sentence_columns_of

    per_doc = [len(d.spans.get("entity", ())) for d in docs]
    gold = np.array(entities["provenance.status"], dtype=np.int64) == codes.status["gold"]
    b_tag = np.array([tag_ids.get(f"B-{name}", -1) for name in codes.label["entity"]], dtype=np.int64)

    def by_rows() -> Any:
        return sentence_columns_of(
            [
                (
                    d.doc_id,
                    d.document["text"],
                    [
                        Entity(s["id"], s["start"], s["end"], s["text"], s["label"])
                        for s in d.spans.get("entity", ())
                        if s["provenance"].get("status", "gold") == "gold"
                    ],
                )
                for d in docs
            ],
            tag_ids,
        )

    col = columns_of_texts(
        [d.document["text"] for d in docs],
        np.repeat(np.arange(len(docs)), per_doc)[gold],
        np.array(entities["start"], dtype=np.int64)[gold],
        np.array(entities["end"], dtype=np.int64)[gold],
        b_tag[np.array(entities["label"], dtype=np.int64)[gold]],
        by_rows,
    )
    ids: list[str] = []
    doc_ids: list[str] = []
    rows_of = col.rows_of.tolist()
    for i, d in enumerate(docs):
        k = rows_of[i + 1] - rows_of[i]
        doc_id = d.doc_id
        ids += [doc_id + s for s in _row_suffixes(k)]
        doc_ids += [doc_id] * k
    per_row = np.diff(col.bounds)
    return {
        "id": ids,
        "doc_id": doc_ids,
        "start": col.starts[col.bounds[:-1]],
        "end": col.ends[col.bounds[1:] - 1],
        "tokens[]#": per_row,
        "tokens[]": col.tokens,
        "token_starts[]#": per_row,
        "token_starts[]": col.starts,
        "token_ends[]#": per_row,
        "token_ends[]": col.ends,
        "ner_tags[]#": per_row,
        "ner_tags[]": col.tags,
    }


def arrow_schemas(configs: Iterable[str] = CONFIGS, decl: Declaration | None = None) -> dict[str, pa.Schema]:
    """The Arrow schema of each config, its features in the ``huggingface`` metadata (as datasets writes it)."""
    return {c: features(c, decl).arrow_schema for c in configs}


class TableBuilder:
    """The table of every config for a run of documents at a time, with each config's running fingerprint."""

    def __init__(
        self,
        configs: Iterable[str] = CONFIGS,
        decl: Declaration | None = None,
        schemas: dict[str, pa.Schema] | None = None,
    ) -> None:
        """``schemas``: the configs' Arrow schemas, if the caller has them (``arrow_schemas``); a build's
        worker processes are given them, so they need not import ``datasets``."""
        self.configs = tuple(configs)
        decl = decl or label_sets()
        self.schemas = {c: schemas[c] for c in self.configs} if schemas else arrow_schemas(self.configs, decl)
        self.fingerprints = {c: Fingerprint(self.schemas[c]) for c in self.configs}
        self.codes = _Codes(decl)
        self.rows = dict.fromkeys(self.configs, 0)
        self.nbytes = dict.fromkeys(self.configs, 0)
        if "ner" in self.configs:
            from corpus_pkg.tokens import tag_names

            self.tag_ids = {t: i for i, t in enumerate(tag_names(decl.entity_types))}

    def tables(self, docs: Sequence[DocRecords]) -> dict[str, pa.Table]:
        """The tables of ``docs`` (sorted by doc_id, published records only), which follow those of earlier calls."""
        leaves: dict[str, Leaves] = {}
        wanted = set(self.configs)
        spans: dict[str, Leaves] = {}
        if wanted & {"documents", *SPAN_CONFIGS}:
            spans = {c: _span_leaves(self.codes, layer, docs) for c, layer in SPAN_CONFIGS.items()}
            leaves.update((c, v) for c, v in spans.items() if c in wanted)
            if "documents" in wanted:
                leaves["documents"] = _document_leaves(self.codes, docs, spans)
        if "ner" in wanted:
            entities = spans["entities"] if spans else _span_leaves(self.codes, "entity", docs)
            leaves["ner"] = _ner_leaves(self.codes, docs, self.tag_ids, entities)
        made = _Assembler()
        out = {c: made.table(self.schemas[c], leaves[c], self.fingerprints[c]) for c in self.configs}
        for c, t in out.items():
            self.rows[c] += t.num_rows
            self.nbytes[c] += t.nbytes
        return out

    def digests(self) -> dict[str, str]:
        return {c: f.hexdigest() for c, f in self.fingerprints.items()}


def tables_of(
    docs: Iterable[DocRecords], configs: Iterable[str] = CONFIGS
) -> tuple[dict[str, pa.Table], dict[str, str]]:
    """Every config's table of ``docs`` in memory, built ``CHUNK_DOCS`` at a time as a build does and put
    together, and each one's fingerprint."""
    import pyarrow as pa

    made = TableBuilder(configs)
    docs = sorted(docs, key=lambda d: d.doc_id)
    chunks: dict[str, list[pa.Table]] = {c: [] for c in made.configs}
    with no_gc():
        for i in range(0, max(len(docs), 1), CHUNK_DOCS):
            for c, t in made.tables(docs[i : i + CHUNK_DOCS]).items():
                chunks[c].append(t)
    tables = {c: ch[0] if len(ch) == 1 else pa.concat_tables(ch).combine_chunks() for c, ch in chunks.items()}
    return tables, made.digests()


class ParquetShard:
    """One shard's Parquet file of every config, written as its tables come: a row group per call of
    :meth:`write` that has rows (so a shard never holds all its rows in memory), none for an empty file.
    """

    def __init__(self, sinks: dict[str, Any], schemas: dict[str, pa.Schema]) -> None:
        import pyarrow.parquet as pq

        self.row_group_size = PARQUET_OPTIONS["row_group_size"]
        self.writers = {
            c: pq.ParquetWriter(sink, schemas[c], **writer_options(schemas[c])) for c, sink in sinks.items()
        }

    def write(self, tables: dict[str, pa.Table]) -> None:
        for c, t in tables.items():
            # An empty table gets no row group at all: datasets 5.2 fails on a row group of 0 rows.
            if t.num_rows:
                self.writers[c].write_table(t, row_group_size=self.row_group_size)

    def close(self) -> None:
        for w in self.writers.values():
            w.close()
