"""JSON Schemas (draft 2020-12), generated from the label declaration.

``corpus schema --write`` writes them to ``schema/``; a test fails when the
committed files differ from what this module generates.
"""

from __future__ import annotations

from typing import Any

from corpus_pkg.labels import LAYERS, Attribute, Declaration, label_sets

BASE = "https://corpus-pkg.example/schema/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
SPAN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


def _status_description(decl: Declaration) -> list[str]:
    return [f"{name}: {text}" for name, text in decl.status_descriptions.items()]


def _provenance(decl: Declaration) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Who or what made the record and whether it is gold, a prediction or awaiting review.",
        "required": ["annotator", "tool", "tool_version", "status"],
        "additionalProperties": False,
        "properties": {
            "annotator": {"type": "string", "minLength": 1, "description": "Person or pass that made it."},
            "tool": {"type": "string", "minLength": 1, "description": "Software that recorded it."},
            "tool_version": {"type": "string", "minLength": 1},
            "status": {"enum": list(decl.statuses), "description": " ".join(_status_description(decl))},
            "score": {"type": "number", "minimum": 0, "maximum": 1, "description": "Model confidence."},
            "created": {
                "type": "string",
                "format": "date-time",
                "description": "When the work was made or submitted (ISO 8601 date-time).",
            },
            "reviewer": {
                "type": "string",
                "minLength": 1,
                "description": "Who accepted submitted work as gold (corpus review accept).",
            },
        },
    }


def _nullable_string(description: str, fmt: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"type": ["string", "null"], "description": description}
    if fmt:
        s["format"] = fmt
    return s


def document_schema() -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "$id": BASE + "document.schema.json",
        "title": "Document",
        "description": "One source text, kept exactly as its file decodes, with metadata taken from the text.",
        "type": "object",
        "required": ["record", "doc_id", "text", "sha256", "source_file", "language"],
        "additionalProperties": False,
        "properties": {
            "record": {"const": "document"},
            "doc_id": {"type": "string", "pattern": ID_PATTERN, "description": "Stable, readable id."},
            "text": {"type": "string", "minLength": 1, "description": "The exact decoded text."},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256 of the UTF-8 text."},
            "source_file": {"type": "string", "minLength": 1, "description": "The file the text came from."},
            "language": {"type": "string", "pattern": "^[a-z]{2,3}$", "description": "ISO 639 code."},
            "title": _nullable_string("Title as the text states it."),
            "publisher": _nullable_string("Publisher as the text states it; null if it does not."),
            "author": _nullable_string("Author as the text states it; null if it does not."),
            # http(s) only: "uri" alone also admits javascript:, data: and file: URLs.
            "url": {
                **_nullable_string("URL of the article if the text states it.", "uri"),
                "pattern": "^https?://",
            },
            "published": _nullable_string("Publication date as the text states it (ISO 8601)."),
            "dct": {
                "type": ["string", "null"],
                "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
                "description": "Document creation time used to normalize dates (ISO 8601, day or coarser).",
            },
            "dct_note": _nullable_string("Why this DCT, where the choice is a judgement."),
        },
    }


def _span_common(layer: str, decl: Declaration) -> dict[str, Any]:
    return {
        "record": {"const": "span"},
        "id": {"type": "string", "pattern": SPAN_ID_PATTERN, "description": "Unique in the corpus."},
        "doc_id": {"type": "string", "pattern": ID_PATTERN},
        "layer": {"const": layer},
        "start": {"type": "integer", "minimum": 0, "description": "Code point offset, inclusive."},
        "end": {"type": "integer", "minimum": 1, "description": "Code point offset, exclusive."},
        "text": {"type": "string", "minLength": 1, "description": "Must equal document.text[start:end]."},
        "label": {"enum": list(decl.labels_for(layer))},
        "prefix": {"type": "string", "description": "Up to 32 code points before the span (TextQuoteSelector)."},
        "suffix": {"type": "string", "description": "Up to 32 code points after the span (TextQuoteSelector)."},
        "provenance": {"$ref": "#/$defs/provenance"},
    }


def attribute_schema(attribute: Attribute) -> dict[str, Any]:
    """The JSON Schema of one declared attribute."""
    out: dict[str, Any]
    if attribute.kind == "enum":
        out = {"enum": [*attribute.values, *([None] if attribute.nullable else [])]}
    else:
        json_type = {"string": "string", "boolean": "boolean"}[attribute.kind]
        out = {"type": [json_type, "null"] if attribute.nullable else json_type}
    if attribute.pattern is not None:
        out["pattern"] = attribute.pattern
    if attribute.min_length is not None:
        out["minLength"] = attribute.min_length
    if attribute.description is not None:
        out["description"] = attribute.description
    return out


def _attributes(layer: str, decl: Declaration) -> dict[str, Any]:
    declared = decl.layers[layer]
    return {
        "type": "object",
        "required": list(declared.required),
        "additionalProperties": False,
        "properties": {name: attribute_schema(a) for name, a in declared.attributes.items()},
    }


def span_schema(layer: str, decl: Declaration | None = None) -> dict[str, Any]:
    decl = decl or label_sets()
    props = _span_common(layer, decl)
    props["attributes"] = _attributes(layer, decl)
    return {
        "$schema": DIALECT,
        "$id": BASE + f"span-{layer}.schema.json",
        "title": f"Span ({layer})",
        "description": f"One {layer} annotation: a code point range of a document with its surface text.",
        "type": "object",
        "required": [
            "record",
            "id",
            "doc_id",
            "layer",
            "start",
            "end",
            "text",
            "label",
            "attributes",
            "prefix",
            "suffix",
            "provenance",
        ],
        "additionalProperties": False,
        "properties": props,
        "$defs": {"provenance": _provenance(decl)},
    }


def relation_schema(decl: Declaration | None = None) -> dict[str, Any]:
    decl = decl or label_sets()
    return {
        "$schema": DIALECT,
        "$id": BASE + "relation.schema.json",
        "title": "Relation",
        "description": "A typed link from a head span to a tail span of the same document.",
        "type": "object",
        "required": ["record", "id", "doc_id", "type", "head", "tail", "provenance"],
        "additionalProperties": False,
        "properties": {
            "record": {"const": "relation"},
            "id": {"type": "string", "pattern": SPAN_ID_PATTERN},
            "doc_id": {"type": "string", "pattern": ID_PATTERN},
            "type": {"enum": sorted(decl.relation_types), "description": "speaker or claimant."},
            "head": {"type": "string", "minLength": 1, "description": "Span id of the quote or claim."},
            "tail": {"type": "string", "minLength": 1, "description": "Span id of the entity mention."},
            "provenance": {"$ref": "#/$defs/provenance"},
        },
        "$defs": {"provenance": _provenance(decl)},
    }


def batch_header_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Optional first line of a batch: where it comes from and the texts it was made against.",
        "required": ["record", "batch_id"],
        "additionalProperties": False,
        "properties": {
            "record": {"const": "batch"},
            "batch_id": {"type": "string", "pattern": ID_PATTERN},
            "description": {"type": "string"},
            "created": {"type": "string", "format": "date-time"},
            "against": {
                "type": "object",
                "description": "doc_id -> sha256 of the document text the batch was made against.",
                "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            },
        },
    }


def _record_cases(kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """if/then dispatch on ``record`` (and ``layer`` for spans) to the $defs of each record type."""
    cases = [
        {
            "if": {"properties": {"record": {"const": kind}}, "required": ["record"]},
            "then": {"$ref": f"#/$defs/{kind}"},
        }
        for kind in kinds
        if kind != "span"
    ]
    if "span" not in kinds:
        return cases
    cases.append(
        {"if": {"properties": {"record": {"const": "span"}}, "required": ["record"]}, "then": {"required": ["layer"]}}
    )
    return cases + [
        {
            "if": {
                "properties": {"record": {"const": "span"}, "layer": {"const": layer}},
                "required": ["record", "layer"],
            },
            "then": {"$ref": f"#/$defs/span-{layer}"},
        }
        for layer in LAYERS
    ]


def edit_schema() -> dict[str, Any]:
    """A correction of an existing span or relation (batches only): update it to ``value`` or delete it."""
    return {
        "type": "object",
        "description": (
            "Batches only: update or delete the corpus span or relation `id` of `doc_id`, which must still have "
            "the content hashed in `expect` (corpus_pkg.model.content_hash)."
        ),
        "required": ["record", "op", "doc_id", "id", "expect"],
        "additionalProperties": False,
        "properties": {
            "record": {"const": "edit"},
            "op": {"enum": ["update", "delete"], "description": "What to do to the record."},
            "doc_id": {"type": "string", "pattern": ID_PATTERN},
            "id": {"type": "string", "pattern": SPAN_ID_PATTERN, "description": "The corpus id of the record."},
            "expect": {
                "type": "string",
                "pattern": "^[0-9a-f]{64}$",
                "description": "content_hash of the record as the edit expects to find it in the corpus.",
            },
            "value": {
                "type": "object",
                "description": "update only: the complete new span or relation record, with the same id.",
                "required": ["record"],
                "properties": {"record": {"enum": ["span", "relation"]}},
                "allOf": _record_cases(("relation", "span")),
            },
        },
        "if": {"properties": {"op": {"const": "update"}}, "required": ["op"]},
        "then": {"required": ["value"]},
        "else": {"not": {"required": ["value"]}},
    }


def batch_schema(decl: Declaration | None = None) -> dict[str, Any]:
    """One line of a JSONL batch (and of a corpus file): any record type; edits only in batches."""
    decl = decl or label_sets()
    defs: dict[str, Any] = {"provenance": _provenance(decl), "batch": batch_header_schema()}
    doc = document_schema()
    defs["document"] = {k: v for k, v in doc.items() if k not in ("$schema", "$id")}
    rel = relation_schema(decl)
    defs["relation"] = {k: v for k, v in rel.items() if k not in ("$schema", "$id", "$defs")}
    for layer in LAYERS:
        s = span_schema(layer, decl)
        defs[f"span-{layer}"] = {k: v for k, v in s.items() if k not in ("$schema", "$id", "$defs")}
    defs["edit"] = edit_schema()
    cases = _record_cases(("batch", "document", "relation", "edit", "span"))
    return {
        "$schema": DIALECT,
        "$id": BASE + "batch-record.schema.json",
        "title": "Batch record",
        "description": (
            "One line of a JSONL annotation batch or corpus file: a batch header, document, span or relation, "
            "or (batches only) an edit of an existing span or relation."
        ),
        "type": "object",
        "required": ["record"],
        "properties": {
            "record": {"enum": ["batch", "document", "span", "relation", "edit"], "description": "Record type."},
            "layer": {"enum": list(LAYERS), "description": "Span layer (spans only)."},
        },
        "allOf": cases,
        "$defs": defs,
    }


def all_schemas(decl: Declaration | None = None) -> dict[str, dict[str, Any]]:
    """File name -> schema, for everything written to ``schema/``."""
    decl = decl or label_sets()
    out = {
        "document.schema.json": document_schema(),
        "relation.schema.json": relation_schema(decl),
        "batch-record.schema.json": batch_schema(decl),
    }
    for layer in LAYERS:
        out[f"span-{layer}.schema.json"] = span_schema(layer, decl)
    return out
