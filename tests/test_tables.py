"""Arrow tables made from leaves: equal to datasets' encoding of the reference rows, and their fingerprints."""

from __future__ import annotations

import dataclasses
import struct

import numpy as np
import pyarrow as pa
import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st
from samples import relabelled, sample_docs, with_undeclared_attribute
from strategies import corpora

from corpus_pkg import hf, tables
from corpus_pkg.model import AnnotatedDocument, Provenance
from corpus_pkg.storage import records_of


def reference_streams(values: list, strings: bool) -> tuple[bytes, bytes]:
    """A leaf's *shape* and *values* streams by the definition, value by value."""
    shape, data = b"", b""
    for v in values:
        if isinstance(v, str):
            shape += struct.pack("<q", len(v.encode("utf-8")))
            data += v.encode("utf-8")
        elif v is None:
            shape += struct.pack("<q", -1)
            data += b"" if strings else struct.pack("<q", 0)
        else:
            shape += struct.pack("<q", 0)
            data += struct.pack("<d", v) if isinstance(v, float) else struct.pack("<q", int(v))
    return shape, data


def reference_fingerprint(tbl: pa.Table) -> str:
    """The fingerprint by its definition, from a whole table's Python values: the features, then each leaf's
    shape and values streams (strings as UTF-8 with their lengths, numbers as 8 little-endian bytes)."""

    def leaves(path: str, arr: pa.Array) -> list[tuple[str, list, bool]]:
        if pa.types.is_struct(arr.type):
            fields = [arr.type.field(i).name for i in range(arr.type.num_fields)]
            return [x for i, name in enumerate(fields) for x in leaves(f"{path}.{name}", arr.field(i))]
        if pa.types.is_list(arr.type):
            return [(f"{path}[]#", arr.value_lengths().to_pylist(), False), *leaves(f"{path}[]", arr.flatten())]
        return [(path, arr.to_pylist(), pa.types.is_string(arr.type))]

    h = xxhash.xxh3_128((tbl.schema.metadata or {}).get(b"huggingface", b"") + b"\n")
    for name in tbl.column_names:
        for path, values, strings in leaves(name, tbl.column(name).combine_chunks()):
            shape, data = reference_streams(values, strings)
            h.update(f"{path} {xxhash.xxh3_128(shape).hexdigest()} {xxhash.xxh3_128(data).hexdigest()}\n".encode())
    return h.hexdigest()


def reference_table(config: str, docs: list[AnnotatedDocument]) -> pa.Table:
    feats = hf.features(config)
    return pa.Table.from_pylist([feats.encode_example(r) for r in hf.rows(config, docs)], schema=feats.arrow_schema)


def assert_tables_match_the_references(docs: list[AnnotatedDocument], configs: tuple[str, ...]) -> None:
    made, digests = tables.tables_of([records_of(d) for d in docs], configs)
    for c in configs:
        want = reference_table(c, docs)
        assert made[c].equals(want, check_metadata=True), c
        assert digests[c] == reference_fingerprint(want), c


def test_tables_equal_datasets_encoding_of_the_reference_rows_and_their_fingerprints_the_definition() -> None:
    docs = sample_docs()
    tiny = Provenance("model", "spacy", "3.8", "prediction", 1e-05)  # a float json and orjson write apart
    docs[0].spans[0] = dataclasses.replace(docs[0].spans[0], provenance=tiny)
    assert_tables_match_the_references(docs, hf.CONFIGS)


@settings(max_examples=30, deadline=None)
@given(corpora())
def test_tables_and_fingerprints_of_generated_corpora_equal_the_references(docs: list[AnnotatedDocument]) -> None:
    # No `ner`: generated entities need not lie on token boundaries (tested apart).
    assert_tables_match_the_references(docs, ("documents", *hf.SPAN_CONFIGS))


def test_the_fingerprint_does_not_depend_on_how_the_documents_are_cut_into_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = [records_of(d) for d in sample_docs()]
    whole = tables.tables_of(records)[1]
    monkeypatch.setattr(tables, "CHUNK_DOCS", 1)
    assert tables.tables_of(records)[1] == whole


_LEAF_TYPES = {
    pa.int64(): st.integers(-(2**63), 2**63 - 1),
    pa.int32(): st.integers(-(2**31), 2**31 - 1),
    pa.float64(): st.floats(allow_nan=False),
    pa.bool_(): st.booleans(),
    pa.string(): st.text(),
}


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(list(_LEAF_TYPES)).flatmap(lambda t: st.tuples(st.just(t), st.lists(st.none() | _LEAF_TYPES[t]))),
    st.data(),
)
def test_the_streams_of_any_slice_of_a_leaf_array_are_those_of_its_values_one_by_one(leaf, data) -> None:
    # The fast paths take views of the Arrow buffers; a slice (a nonzero offset) and nulls must not shift them.
    typ, values = leaf
    start = data.draw(st.integers(0, len(values)))
    stop = data.draw(st.integers(start, len(values)))
    arr = pa.array(values, typ).slice(start, stop - start)
    shape, got = tables.leaf_streams(arr)
    assert (bytes(shape), bytes(got)) == reference_streams(values[start:stop], typ == pa.string())


def test_the_streams_of_list_item_counts_are_numbers() -> None:
    assert tuple(map(bytes, tables.leaf_streams([2, 0, 5]))) == reference_streams([2, 0, 5], False)


def test_every_change_of_a_value_changes_the_fingerprint_of_the_configs_that_hold_it() -> None:
    docs = sample_docs()
    before = tables.tables_of([records_of(d) for d in docs])[1]
    relabelled(docs, 1, "Russia", "LOC")
    after = tables.tables_of([records_of(d) for d in docs])[1]
    assert {c for c in hf.CONFIGS if before[c] != after[c]} == {"documents", "entities", "ner"}


def test_the_ner_rows_are_made_alike_from_entity_records_in_any_order_and_alone() -> None:
    records = [records_of(d) for d in sample_docs()]
    want = reference_table("ner", sample_docs())
    assert tables.tables_of(records)[0]["ner"].equals(want)
    for r in records:
        r.spans["entity"].reverse()
    assert tables.tables_of(records, ("ner",))[0]["ner"].equals(want)
    assert any(t > 0 for tags in want.column("ner_tags").to_pylist() for t in tags)


def test_the_speakers_of_a_quote_are_resolved_into_its_row_in_text_order() -> None:
    docs = sample_docs()
    made = tables.tables_of([records_of(d) for d in docs], ("quotes",))[0]["quotes"].to_pylist()
    assert [[s["text"] for s in r["speakers"]] for r in made] == [["Putin"]]


def test_an_attribute_the_features_do_not_hold_is_refused_naming_it() -> None:
    docs, span_id = with_undeclared_attribute(sample_docs())
    with pytest.raises(ValueError, match=rf"{span_id} has attributes \['salience'\]"):
        tables.tables_of([records_of(d) for d in docs], ("entities",))


def test_every_integer_column_of_a_written_shard_is_delta_encoded_with_statistics_and_reads_back_equal() -> None:
    import pyarrow.parquet as pq

    made, _ = tables.tables_of([records_of(d) for d in sample_docs()])
    sinks = {c: pa.BufferOutputStream() for c in hf.CONFIGS}
    shard = tables.ParquetShard(sinks, {c: t.schema for c, t in made.items()})
    shard.write(made)
    shard.close()
    for c, sink in sinks.items():
        data = pa.BufferReader(sink.getvalue())
        meta = pq.ParquetFile(data).metadata
        cols = [meta.row_group(0).column(i) for i in range(meta.num_columns)]
        ints = [col for col in cols if col.physical_type in ("INT32", "INT64")]
        assert ints, c
        assert all("DELTA_BINARY_PACKED" in col.encodings for col in ints), c
        with_stats = {col.path_in_schema for col in cols if col.is_stats_set}
        assert with_stats == {col.path_in_schema for col in ints} | {"doc_id"}, c
        back = pq.read_table(pa.BufferReader(sink.getvalue()))
        assert back.equals(made[c]) and back.schema.metadata == made[c].schema.metadata, c


def test_the_leaves_of_a_schema_name_struct_fields_list_counts_and_list_items() -> None:
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("spans", pa.list_(pa.struct([("start", pa.int32()), ("tags", pa.list_(pa.int64()))]))),
        ]
    )
    assert tables.leaf_paths(schema) == ["id", "spans[]#", "spans[].start", "spans[].tags[]#", "spans[].tags[]"]


def test_the_streams_of_a_string_array_whose_null_slot_covers_characters_skip_those_characters() -> None:
    # Arrow lets a null slot span bytes of the data buffer; pyarrow never makes one, other writers may.
    offsets = pa.py_buffer(np.array([0, 2, 5, 6], dtype=np.int32).tobytes())
    arr = pa.StringArray.from_buffers(3, offsets, pa.py_buffer(b"abXYZc"), pa.py_buffer(bytes([0b101])))
    assert arr.to_pylist() == ["ab", None, "c"]
    shape, got = tables.leaf_streams(arr)
    assert (bytes(shape), bytes(got)) == reference_streams(["ab", None, "c"], True)
