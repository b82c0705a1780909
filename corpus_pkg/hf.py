"""The Hugging Face dataset: features, a deterministic build of ``dataset/``, and loading.

``dataset/`` holds one Parquet file per config under ``data/<config>/``, a
README.md dataset card whose YAML front matter declares the configs and their
features, and a MANIFEST (``sha256sum`` format) of every other file.

Two properties are kept on purpose:

* Deterministic: the same annotations give the same bytes (fixed Parquet
  writer settings, one row group, no timestamps anywhere), and the build only
  rewrites files whose bytes change.
* No stale cache: for a local folder ``datasets`` derives its cache key from
  the README's YAML only, not from the data files. Each config's
  ``description`` therefore ends with a fingerprint of its rows; any change of
  data changes the YAML and so the cache key, while ``version`` stays the
  package version. (Checked on datasets 5.2: a changed ``description`` gives a
  new cache folder under the same ``<config>/<version>/``.)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_pkg import __version__
from corpus_pkg.labels import label_sets
from corpus_pkg.model import AnnotatedDocument, Span

if TYPE_CHECKING:
    import datasets
    import pyarrow as pa

CONFIGS = ("documents", "entities", "dates", "quotes", "claims", "ner")
DEFAULT_CONFIG = "documents"
SPAN_CONFIGS = {"entities": "entity", "dates": "date", "quotes": "quote", "claims": "claim"}
# A five-article corpus is an evaluation set, not training data: one `test` split.
SPLIT = "test"
README = "README.md"
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


def data_path(config: str) -> str:
    return f"data/{config}/{SPLIT}-00000-of-00001.parquet"


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


def _span_row(span: Span, doc: AnnotatedDocument, by_id: dict[str, Span]) -> dict[str, Any]:
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
        rel_type, field = RELATION_FIELD[span.layer]
        tails = sorted(
            (by_id[r.tail] for r in doc.relations if r.type == rel_type and r.head == span.id), key=lambda s: s.sort_key
        )
        row[field] = [
            {"id": t.id, "text": t.text, "cluster": t.attributes.get("cluster"), "start": t.start, "end": t.end}
            for t in tails
        ]
    row["provenance"] = {"score": None, **span.provenance.to_dict()}
    return row


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


def _document_row(doc: AnnotatedDocument) -> dict[str, Any]:
    doc = doc.sorted()
    by_id = {s.id: s for s in doc.spans}
    meta = doc.document.to_dict()
    extra = sorted(set(meta) - {"record", *DOCUMENT_FIELDS})
    if extra:
        raise ValueError(
            f"{doc.doc_id}: document fields {extra} are not in the dataset features; add them to corpus_pkg/hf.py"
        )
    row: dict[str, Any] = {k: meta[k] for k in DOCUMENT_FIELDS}
    for config, layer in SPAN_CONFIGS.items():
        row[config] = [_span_row(s, doc, by_id) for s in doc.spans_in(layer)]
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


def rows(config: str, docs: Iterable[AnnotatedDocument]) -> list[dict[str, Any]]:
    """The rows of ``config`` with labels as strings (before ClassLabel encoding)."""
    docs = sorted(docs, key=lambda d: d.doc_id)
    if config == "documents":
        return [_document_row(d) for d in docs]
    if config in SPAN_CONFIGS:
        out = []
        for d in docs:
            d = d.sorted()
            by_id = {s.id: s for s in d.spans}
            out += [{"doc_id": d.doc_id, **_span_row(s, d, by_id)} for s in d.spans_in(SPAN_CONFIGS[config])]
        return out
    if config == "ner":
        return [r for d in docs for r in ner_rows(d.sorted())]
    raise ValueError(f"unknown config {config!r}")


def table(config: str, docs: Iterable[AnnotatedDocument]) -> pa.Table:
    """The Arrow table of ``config``: ClassLabels as integers, features in the schema metadata (as datasets does)."""
    import pyarrow as pa

    feats = features(config)
    encoded = [feats.encode_example(r) for r in rows(config, docs)]
    return pa.Table.from_pylist(encoded, schema=feats.arrow_schema)


def fingerprint(tbl: pa.Table) -> str:
    """sha256 of the rows and the features, independent of the Parquet writer and its version."""
    h = hashlib.sha256()
    h.update((tbl.schema.metadata or {}).get(b"huggingface", b""))
    for r in tbl.to_pylist():
        h.update(json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


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


def card_yaml(tables: dict[str, pa.Table]) -> dict[str, Any]:
    version = _check_version(__version__)
    configs = []
    infos = []
    for config in CONFIGS:
        tbl = tables[config]
        entry: dict[str, Any] = {
            "config_name": config,
            "version": version,
            "description": f"{DESCRIPTIONS[config]} Data fingerprint sha256:{fingerprint(tbl)}",
            "data_files": [{"split": SPLIT, "path": data_path(config)}],
        }
        if config == DEFAULT_CONFIG:
            entry["default"] = True
        configs.append(entry)
        infos.append(
            {
                "config_name": config,
                "features": features(config)._to_yaml_list(),
                "splits": [{"name": SPLIT, "num_bytes": tbl.nbytes, "num_examples": tbl.num_rows}],
                "dataset_size": tbl.nbytes,
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
        "size_categories": [_size_category(max(t.num_rows for t in tables.values()))],
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


def card_body(tables: dict[str, pa.Table], docs: list[AnnotatedDocument]) -> str:
    ls = label_sets()
    counts = "\n".join(f"| `{c}` | {tables[c].num_rows} | {DESCRIPTIONS[c]} |" for c in CONFIGS)
    n_rel = sum(len(d.relations) for d in docs)
    fields = "\n\n".join(f"### `{c}`\n\n{_field_list(c)}" for c in CONFIGS)
    sources = "\n".join(
        f"| `{d.doc_id}` | {d.document.publisher or 'unknown'} | {d.document.author or 'unknown'} "
        f"| {d.document.published or 'not stated'} | `{d.document.sha256[:12]}` |"
        for d in docs
    )
    return f"""# Kim-Putin Summit News: entities, dates, quotes and claims

Version {__version__}. {len(docs)} English news articles on the September 2023 meeting of Kim Jong Un and
Vladimir Putin at the Vostochny Cosmodrome, annotated with four span layers and two relations:

- **entities**: OntoNotes 5.0 types, names only plus the nominals and pronouns needed as speakers or
  claimants (`kind` NAM/NOM/PRO), a corpus-wide coreference `cluster` and an optional Wikidata `qid`;
- **dates**: TimeML TIMEX3 with `type` and an ISO-8601 `value` normalized against the document creation time;
- **quotes**: direct, indirect or mixed reported speech (PARC 3.0 content spans) and their speakers;
- **claims**: check-worthy factual claims (ClaimBuster), FactBank factuality, and their claimants.

{n_rel} relations link quotes to speakers and claims to claimants.

## Loading

```python
from datasets import load_dataset
ds = load_dataset("PATH_OR_REPO", "quotes")   # or: import corpus_pkg; corpus_pkg.load("quotes")
ds["{SPLIT}"].features["kind"].int2str(ds["{SPLIT}"][0]["kind"])
```

| config | rows | content |
|---|---|---|
{counts}

`documents` is the default config. A config with 0 rows (a layer not annotated yet) keeps its declared
features and an empty Parquet file; `datasets` 5.2 cannot load an empty split (huggingface/datasets#8401),
so `load_dataset` fails on it while `corpus_pkg.load` returns it empty.

Offsets everywhere are 0-based, end-exclusive **Unicode code point** indices into the document's `text`
(Python `str` indices; W3C Web Annotation and Label Studio count the same way; UTF-8 bytes and UTF-16
units differ). For every span `text == document_text[start:end]`.

## Split

One split, `{SPLIT}`. Five articles are too few to train on and too few to split further without a
split of one article; the corpus is an evaluation set for models trained elsewhere (OntoNotes, PARC,
ClaimBuster, TempEval). Documents, not spans, are the unit: all rows of an article are in the same split.

## The `ner` view

Rows are sentences (spaCy `sentencizer`, plus a break at every line break, since titles and captions
end without punctuation); a sentence boundary that would cut an entity is dropped. Tokens come from
`spacy.blank("en")` with three extra splits for scraped text (footnote superscripts, a trailing `/`, and a
lower-to-upper case change after two lowercase letters, as in a breadcrumb glued to a title:
`HomeWorld|Putin`); whitespace tokens are left out, and `token_starts`/`token_ends` are offsets into the
whole document text, so a row maps back to `documents` directly. Tags are IOB2 over the **gold**
entities only (spans with `provenance.status == "gold"`); predictions are in the `entities` config with
their status and score. Every gold entity lies on token boundaries: the build refuses a corpus where it
does not, rather than move or drop the span.

## Fields

{fields}

Every span and relation carries `provenance`: annotator, tool, tool_version, `status` (gold =
adjudicated human annotation; prediction = a model or a single unadjudicated pass) and an optional score.

## Labels

{_label_table("entity type", ls.descriptions["entity"])}

{_label_table("entity kind", ls.descriptions["entity_kind"])}

{_label_table("TIMEX3 type", ls.descriptions["timex_type"])}

{_label_table("quote kind", ls.descriptions["quote_kind"])}

{_label_table("factuality", ls.descriptions["factuality"])}

{_label_table("claim source", ls.descriptions["claim_source"])}

{_label_table("relation", ls.descriptions["relation"])}

## Sources and license

| doc_id | publisher | author | published | text sha256 |
|---|---|---|---|---|
{sources}

The **annotations** (spans, attributes, relations, metadata written by the annotators) are released
under [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/). The **texts** are third-party news
articles; their copyright stays with their publishers and authors and CC BY 4.0 does not apply to them.
They are included verbatim (so that offsets are exact and each text's sha256 identifies its source) for
research on information extraction; reuse of the texts themselves is subject to their owners' terms.

## Versioning and caching

Each config carries `version: {__version__}` (the corpus_pkg version). The data files are content-checked
by `MANIFEST` (`sha256sum -c MANIFEST`). Each config's `description` ends with a fingerprint of its rows:
`datasets` keys its cache of a local folder on this YAML and not on the data files, so without the
fingerprint an edited annotation could be served from a stale cache. The folder is generated by
`corpus build`; do not edit it by hand.
"""


def render(docs: list[AnnotatedDocument]) -> dict[str, bytes]:
    """Every file of the dataset folder, by relative path."""
    import yaml

    docs = sorted(docs, key=lambda d: d.doc_id)
    tables = {c: table(c, docs) for c in CONFIGS}
    files = {data_path(c): parquet_bytes(t) for c, t in tables.items()}
    front = yaml.safe_dump(card_yaml(tables), sort_keys=False, allow_unicode=True, width=10_000)
    files[README] = f"---\n{front}---\n\n{card_body(tables, docs)}".encode()
    from corpus_pkg.croissant import FILENAME, build_croissant_from, dumps

    files[FILENAME] = dumps(build_croissant_from(files)).encode()
    files[MANIFEST] = manifest(files).encode()
    return dict(sorted(files.items()))


def manifest(files: dict[str, bytes]) -> str:
    """``sha256sum`` lines for every file but the manifest itself."""
    return "".join(f"{hashlib.sha256(b).hexdigest()}  {p}\n" for p, b in sorted(files.items()) if p != MANIFEST)


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


def _write_bytes(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the folder is shipped and read by others
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True


def build(
    annotations_root: Path | None = None, out_dir: Path | None = None, docs: list[AnnotatedDocument] | None = None
) -> BuildResult:
    """Write the dataset folder from the (validated) annotations; files whose bytes are unchanged are not touched."""
    out_dir = Path(out_dir) if out_dir is not None else _default_out()
    files = render(docs if docs is not None else _load_docs(annotations_root))
    result = BuildResult(out_dir, [], [], [])
    for rel, data in files.items():
        (result.written if _write_bytes(out_dir / rel, data) else result.unchanged).append(rel)
    for rel in sorted(_existing(out_dir) - set(files)):
        (out_dir / rel).unlink()
        result.removed.append(rel)
    for d in sorted((p for p in out_dir.rglob("*") if p.is_dir()), reverse=True):
        if not any(d.iterdir()):
            d.rmdir()
    return result


def check(
    annotations_root: Path | None = None, out_dir: Path | None = None, docs: list[AnnotatedDocument] | None = None
) -> list[str]:
    """What in the dataset folder is out of date with the annotations (empty when up to date); writes nothing.

    Parquet files are compared by content (rows, schema and features), not bytes, so a different pyarrow
    version that writes other bytes for the same data does not count as stale; the MANIFEST must match
    the files as they are.
    """
    import pyarrow.parquet as pq

    out_dir = Path(out_dir) if out_dir is not None else _default_out()
    want = render(docs if docs is not None else _load_docs(annotations_root))
    have = _existing(out_dir)
    problems = [f"missing: {rel}" for rel in sorted(set(want) - have)]
    problems += [f"not generated by the build: {rel}" for rel in sorted(have - set(want))]
    for rel, data in want.items():
        path = out_dir / rel
        if rel not in have or rel == MANIFEST:
            continue
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
        on_disk = {rel: (out_dir / rel).read_bytes() for rel in sorted(have & set(want)) if rel != MANIFEST}
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

        path = root / data_path(config)
        if path.is_file() and pq.read_metadata(path).num_rows == 0:
            feats = datasets.Features.from_arrow_schema(pq.read_schema(path))
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
