"""Croissant 1.0 metadata (with the RAI 1.0 extension) for the built dataset folder.

``croissant.json`` is generated from the Parquet files themselves: one
``cr:FileObject`` per file with its sha256 and a ``contentUrl`` relative to
the folder (a config cut into several shards is one ``cr:FileSet`` whose
``includes`` glob names them; their sha256 are in the MANIFEST), and one
``cr:RecordSet`` per config whose fields follow the Parquet (Arrow) schema.
ClassLabel columns are integers; their names are read from the Hugging Face
features stored in the schema metadata and listed in the field description.
Nothing time-dependent goes in, so the same files give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_pkg.version import __version__

if TYPE_CHECKING:
    import pyarrow as pa

FILENAME = "croissant.json"
CROISSANT_1_0 = "http://mlcommons.org/croissant/1.0"
RAI_1_0 = "http://mlcommons.org/croissant/RAI/1.0"
PARQUET = "application/x-parquet"
DATA_GLOB = "data/*/*.parquet"

# The standard Croissant 1.0 @context (as in the spec's 1.0 examples and mlcroissant's
# make_context for 1.0); mlcroissant warns about any key that differs.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

NAME = "kim-putin-summit-news"
TITLE = "Kim-Putin Summit News: entities, dates, quotes and claims"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
KEYWORDS = [
    "news",
    "named entity recognition",
    "coreference",
    "entity linking",
    "TIMEX3",
    "quotation attribution",
    "claim detection",
    "fact-checking",
    "factuality",
]

# The RAI 1.0 properties (docs/croissant-rai-spec.md of mlcommons/croissant).
RAI: dict[str, Any] = {
    "rai:dataCollection": (
        "Five English-language online news articles on the September 2023 meeting of Kim Jong Un and Vladimir "
        "Putin at the Vostochny Cosmodrome were selected by hand and saved as plain text. Each text is kept exactly "
        "as the file decodes (UTF-8, no stripping or normalization) and identified by its sha256, so every offset "
        "refers to the source text as published, including headlines, captions, bylines and footnote markers."
    ),
    "rai:dataCollectionType": ["Manual Human Curator", "Document analysis"],
    "rai:dataCollectionRawData": (
        "Third-party news articles (publisher, author and publication date per document in the documents "
        "record set where the text states them)."
    ),
    "rai:dataPreprocessingProtocol": [
        "None on the texts: no cleaning, no normalization, no sentence splitting of the stored text.",
        "The ner record set is derived: spaCy blank-English tokens, sentences from the spaCy sentencizer plus a "
        "break at each line break, and IOB2 tags over the gold entities.",
    ],
    "rai:dataAnnotationProtocol": (
        "Four span layers and two relations, annotated following written guidelines "
        "(annotations/GUIDELINES.md): entities with OntoNotes 5.0 types, a mention kind (NAM/NOM/PRO), a "
        "corpus-wide coreference cluster and an optional Wikidata QID; TimeML TIMEX3 dates with type and an "
        "ISO-8601 value normalized against the document creation time; quotes (PARC 3.0 content spans; direct, "
        "indirect or mixed speech, and belief or nominal attributions with a stated source) linked to their "
        "speakers; check-worthy factual claims (ClaimBuster, CLEF CheckThat!) "
        "with FactBank factuality and source, linked to their claimants. Annotators record the exact surface "
        "text with disambiguating context; offsets (Unicode code points) are computed and checked by code. "
        "The gold of release 0.1.0 was adjudicated by the maintainers from two passes made from guidelines "
        "revision 1, which quoted these texts as examples (not independent); a third pass made independently "
        "from guidelines revision 2 measures agreement; release 0.2.0 adjudicated its disagreements with the gold "
        "(a language-model session, no person) and applied them as correction batches."
    ),
    "rai:dataAnnotationPlatform": ["Label Studio", "offset-free JSON drafts resolved by corpus_pkg"],
    "rai:dataAnnotationAnalysis": [
        "Agreement of the independent pass with the gold before adjudication (release 0.1.0) is measured per "
        "layer as strict and overlap span F1 (nervaluate) and, on spans with the same extent, as Cohen's kappa "
        "for entity type and kind, TIMEX3 type and mod, quote kind and the claim labels, and as the share of "
        "equal entity clusters, TIMEX3 values and speakers/claimants (by cluster); figures and the disagreement "
        "table are in DATASHEET.md. The agreement of the two earlier passes overstates agreement.",
        "Released spans carry provenance: status gold for adjudicated annotations. Predictions (model output "
        "or a single unadjudicated pass) and annotators' submitted work awaiting review are released only by a "
        "build asked to include them.",
    ],
    "rai:annotationsPerItem": (
        "Two annotation passes per document (not independent), then adjudication; a third, independent pass "
        "for measuring agreement."
    ),
    "rai:annotatorDemographics": [
        "No pass was made by a human annotator: passes a and b by large-language-model annotator sessions (the "
        "model was not recorded), pass c by a language model, Claude (Anthropic); adjudication by the "
        "maintainers; no crowd workers. Demographics were not collected.",
    ],
    "rai:machineAnnotationTools": [
        "Large language models made the annotation passes (spans, labels and attributes as offset-free drafts) "
        "that the maintainers adjudicated into the gold; corpus_pkg.anchor resolves their surface text and "
        "context to offsets.",
        "spaCy blank English tokenizer and sentencizer for the derived ner view.",
    ],
    "rai:dataUseCases": [
        "Evaluation (test split only) of named entity recognition, entity linking, temporal expression "
        "normalization, quotation attribution and claim detection models trained elsewhere.",
        "Development and testing of span-annotation tooling on text with overlapping layers and offsets that "
        "differ between code points, UTF-16 units and UTF-8 bytes.",
        "Not suitable for training: five documents on a single event.",
    ],
    "rai:dataLimitations": [
        "Five documents, all English, all on one news event in September 2023: figures measured on it do not "
        "generalize to other topics, genres, periods or languages.",
        "Non-body text (headlines, captions, bylines, footnotes, author bios) is kept in the texts; some layers "
        "annotate it and some do not, as the guidelines specify.",
        "Document creation times are judgements where an article has no dateline; relative dates are normalized "
        "against them.",
        "Claim check-worthiness and factuality are subjective; agreement on claims is lower than on entities.",
    ],
    "rai:dataBiases": [
        "Source selection: a handful of outlets writing in English for Western audiences; the framing of North "
        "Korea and Russia follows those outlets and is not balanced by sources from the countries involved.",
        "Entity and claim distributions are dominated by a few heads of state and governments.",
    ],
    "rai:personalSensitiveInformation": [
        "Names, roles and quoted statements of public figures (heads of state, officials, analysts) and the "
        "names of article authors, as published in news media. No private individuals' data was collected.",
        "Political opinions: quotes and claims attribute political statements to named people and governments.",
    ],
    "rai:dataSocialImpact": (
        "Claims are annotated for check-worthiness and factuality as stated in the text, not verified against "
        "the world; the labels must not be read as fact-checks of the people or outlets involved."
    ),
    "rai:dataReleaseMaintenancePlan": [
        "Versioned with the corpus_pkg package (semantic versioning); each release is tagged v<version>. "
        "Published versions are not overwritten; corrections go into a new version.",
    ],
}

ARROW_TO_CROISSANT = {
    "string": "sc:Text",
    "large_string": "sc:Text",
    "bool": "sc:Boolean",
    "int8": "sc:Integer",
    "int16": "sc:Integer",
    "int32": "sc:Integer",
    "int64": "sc:Integer",
    "uint8": "sc:Integer",
    "uint16": "sc:Integer",
    "uint32": "sc:Integer",
    "uint64": "sc:Integer",
    "float": "sc:Float",
    "double": "sc:Float",
    "halffloat": "sc:Float",
}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def data_files(dataset_dir: Path) -> list[Path]:
    """The Parquet files of the folder (one or several shards per config), in a stable order."""
    return sorted(Path(dataset_dir).glob(DATA_GLOB), key=lambda p: p.relative_to(dataset_dir).as_posix())


class FolderFiles(Mapping[str, bytes]):
    """The files of a folder by relative path, each read only when asked for, so that describing or
    hashing a large dataset never holds all of it in memory."""

    def __init__(self, root: Path, rels: Iterable[str]) -> None:
        self.root = Path(root)
        self._rels = sorted(set(rels))
        self._known = set(self._rels)

    def path(self, rel: str) -> Path:
        return self.root / rel

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self._known:
            raise KeyError(rel)
        return (self.root / rel).read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(self._rels)

    def __len__(self) -> int:
        return len(self._rels)


def _hf_features(schema: pa.Schema) -> dict[str, Any]:
    """The Hugging Face features stored in the Parquet schema metadata ({} if absent)."""
    raw = (schema.metadata or {}).get(b"huggingface")
    if not raw:
        return {}
    return json.loads(raw).get("info", {}).get("features", {}) or {}


def _feature_item(feature: Any) -> Any:
    """The element feature of a list feature (datasets writes List, Sequence or a one-element list)."""
    if isinstance(feature, list):
        return feature[0] if feature else None
    if isinstance(feature, dict) and feature.get("_type") in ("List", "LargeList", "Sequence"):
        return feature.get("feature")
    return None


def _struct_child(feature: Any, name: str) -> Any:
    if isinstance(feature, dict) and "_type" not in feature:
        return feature.get(name)
    return None


def _class_names(feature: Any) -> list[str] | None:
    if isinstance(feature, dict) and feature.get("_type") == "ClassLabel":
        return list(feature.get("names") or [])
    return None


def _field(
    record_set: str,
    file_id: str,
    column: str,
    path: list[str],
    pa_type: pa.DataType,
    feature: Any,
    description: str | None,
    in_list: bool = False,
    file_kind: str = "fileObject",
) -> dict[str, Any] | None:
    """A cr:Field for the column (``path`` empty) or a value inside it (``path`` = JSON path from the column).

    None for a list inside a list: mlcroissant 1.1 cannot apply a JSON path to it (it fails reading the
    whole record set), so such members are left out and named in their parent's description.
    """
    import pyarrow as pa

    if in_list and (pa.types.is_list(pa_type) or pa.types.is_large_list(pa_type)):
        return None

    field_id = "/".join([record_set, column, *path])
    source: dict[str, Any] = {file_kind: {"@id": file_id}, "extract": {"column": column}}
    if path:
        source["transform"] = {"jsonPath": ".".join(path)} if len(path) == 1 else [{"jsonPath": p} for p in path]
    out: dict[str, Any] = {"@type": "cr:Field", "@id": field_id, "name": field_id}
    repeated = False
    if pa.types.is_list(pa_type) or pa.types.is_large_list(pa_type):
        repeated = True
        pa_type = pa_type.value_type
        feature = _feature_item(feature)
    if pa.types.is_struct(pa_type):
        # A sub-field reads from the same column and picks its member with a JSON path; the members of a
        # list of structs are picked in every element.
        subs = [
            (
                child.name,
                _field(
                    record_set,
                    file_id,
                    column,
                    [*path, child.name],
                    child.type,
                    _struct_child(feature, child.name),
                    None,
                    in_list or repeated,
                    file_kind,
                ),
            )
            for child in pa_type
        ]
        left_out = [name for name, sub in subs if sub is None]
        if left_out:
            note = (
                f"Not described here (a list inside a list): {', '.join(left_out)}; "
                "the per-layer record sets hold them."
            )
            description = f"{description} {note}" if description else note
        if description:
            out["description"] = description
        out["subField"] = [sub for _, sub in subs if sub is not None]
    else:
        if pa.types.is_list(pa_type) or pa.types.is_large_list(pa_type):
            raise ValueError(f"{field_id}: a list of lists has no Croissant 1.0 field")
        data_type = ARROW_TO_CROISSANT.get(str(pa_type))
        if data_type is None:
            raise ValueError(f"{field_id}: no Croissant data type for Arrow type {pa_type}")
        names = _class_names(feature)
        if names is not None:
            label_doc = "Class label index: " + ", ".join(f"{i}={n}" for i, n in enumerate(names)) + "."
            description = f"{description} {label_doc}" if description else label_doc
        if description:
            out["description"] = description
        out["dataType"] = data_type
    out["source"] = source
    if repeated:
        out["repeated"] = True
    return out


def _column_description(config: str, column: str) -> str | None:
    if column == "doc_id":
        return "The document (documents record set) the row belongs to."
    if column in ("start", "end") and config != "documents":
        return (
            "0-based, end-exclusive Unicode code point offset into the document text "
            "(text == document_text[start:end])."
        )
    return None


def record_set(
    config: str,
    file_id: str,
    schema: pa.Schema,
    num_rows: int,
    description: str | None,
    file_kind: str = "fileObject",
) -> dict:
    """The cr:RecordSet of ``config`` read from the cr:FileObject (or, ``file_kind="fileSet"``, cr:FileSet)."""
    features = _hf_features(schema)
    fields = [
        _field(
            config,
            file_id,
            f.name,
            [],
            f.type,
            features.get(f.name),
            _column_description(config, f.name),
            file_kind=file_kind,
        )
        for f in schema
    ]
    text = f"{description} " if description else ""
    return {
        "@type": "cr:RecordSet",
        "@id": config,
        "name": config,
        "description": f"{text}{num_rows} rows.",
        "field": fields,
    }


def _descriptions() -> dict[str, str]:
    try:
        from corpus_pkg.hf import DESCRIPTIONS
    except ImportError:  # the record sets are still described by their schema
        return {}
    return dict(DESCRIPTIONS)


def build_croissant_from(files: Mapping[str, bytes], date_published: str | None = None) -> dict[str, Any]:
    """The Croissant document for the dataset files given as {relative path: bytes}; only Parquet files under
    ``data/<config>/`` are described. Lets the build generate croissant.json from files it has not written yet.

    ``date_published`` (ISO 8601) is left out unless given: a build date would make the output differ per run.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    descriptions = _descriptions()
    distribution = []
    record_sets = []
    by_config: dict[str, list[str]] = {}
    for rel in sorted(files):
        parts = rel.split("/")
        if len(parts) != 3 or parts[0] != "data" or not rel.endswith(".parquet"):
            continue
        by_config.setdefault(parts[1], []).append(rel)
    for config, rels in by_config.items():
        if len(rels) > 1:
            file_set, rs = _file_set(config, rels, files, descriptions.get(config))
            distribution.append(file_set)
            record_sets.append(rs)
            continue
        (rel,) = rels
        data = files[rel]
        meta = pq.read_metadata(pa.BufferReader(data))
        schema = meta.schema.to_arrow_schema()
        file_id = f"{config}-parquet"
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": file_id,
                "name": file_id,
                "description": f"The {config} config ({meta.num_rows} rows), Parquet.",
                "contentUrl": rel,
                "encodingFormat": PARQUET,
                "contentSize": f"{len(data)} B",
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
        record_sets.append(record_set(config, file_id, schema, meta.num_rows, descriptions.get(config)))
    if not record_sets:
        raise ValueError("no Parquet files under data/<config>/ to describe")
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": NAME,
        "alternateName": TITLE,
        "description": (
            "English news articles on the September 2023 meeting of Kim Jong Un and Vladimir Putin, annotated "
            "with entities (OntoNotes 5.0 types, coreference clusters, Wikidata QIDs), TIMEX3 dates, quotes with "
            "their speakers and check-worthy claims with FactBank factuality and their claimants. Offsets are "
            "Unicode code point indices into each document's text. Record sets: "
            + ", ".join(rs["name"] for rs in record_sets)
            + "."
        ),
        "conformsTo": [CROISSANT_1_0, RAI_1_0],
        "version": __version__,
        "license": LICENSE,
        "inLanguage": "en",
        "keywords": KEYWORDS,
        "isLiveDataset": False,
        "citeAs": f"{TITLE}, version {__version__}.",
        **RAI,
        "distribution": distribution,
        "recordSet": record_sets,
    }
    if date_published:
        doc["datePublished"] = date_published
    return doc


def _file_set(
    config: str, rels: list[str], files: Mapping[str, bytes], description: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The cr:FileSet of a config cut into shards and its record set (every shard has the same schema).

    A FileSet has no checksum in Croissant 1.0; the MANIFEST holds each shard's sha256.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 0
    schema: pa.Schema | None = None
    for rel in rels:
        meta = pq.read_metadata(pa.BufferReader(files[rel]))
        rows += meta.num_rows
        this = meta.schema.to_arrow_schema()
        if schema is None:
            schema = this
        elif not this.equals(schema, check_metadata=True):
            raise ValueError(f"{rel} has another schema than {rels[0]}; the shards of one config must share it")
    assert schema is not None
    file_id = f"{config}-parquet"
    file_set = {
        "@type": "cr:FileSet",
        "@id": file_id,
        "name": file_id,
        "description": f"The {config} config ({rows} rows in {len(rels)} Parquet shards; sha256 of each in MANIFEST).",
        "encodingFormat": PARQUET,
        "includes": f"data/{config}/*.parquet",
    }
    return file_set, record_set(config, file_id, schema, rows, description, file_kind="fileSet")


def build_croissant(dataset_dir: Path, date_published: str | None = None) -> dict[str, Any]:
    """The Croissant document describing the Parquet files in ``dataset_dir``."""
    dataset_dir = Path(dataset_dir)
    files = FolderFiles(dataset_dir, [p.relative_to(dataset_dir).as_posix() for p in data_files(dataset_dir)])
    if not files:
        raise ValueError(f"{dataset_dir}: no Parquet files matching {DATA_GLOB}")
    return build_croissant_from(files, date_published)


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def write_croissant(dataset_dir: Path, date_published: str | None = None) -> Path:
    """Write ``dataset_dir/croissant.json``; the file is only rewritten when its bytes change."""
    path = Path(dataset_dir) / FILENAME
    text = dumps(build_croissant(dataset_dir, date_published))
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path
