"""The JSON Schemas: valid against their metaschema, generated from the one label declaration."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from corpus_pkg.jsonio import dumps_pretty
from corpus_pkg.labels import label_sets
from corpus_pkg.project import schema_dir
from corpus_pkg.schemas import all_schemas

SCHEMA_FILES = sorted(all_schemas())


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_each_committed_schema_is_valid_against_the_2020_12_metaschema(name):
    schema = json.loads((schema_dir() / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(name) and schema["title"] and schema["description"]


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_each_committed_schema_equals_what_the_label_declaration_generates(name):
    committed = (schema_dir() / name).read_text(encoding="utf-8")
    assert committed == dumps_pretty(all_schemas()[name]), "run: corpus schema --write"


def test_the_entity_schema_takes_its_labels_from_the_declaration():
    schema = all_schemas()["span-entity.schema.json"]
    assert schema["properties"]["label"]["enum"] == list(label_sets().entity_types)
    assert "PERSON" in label_sets().entity_types


def test_format_checking_is_on_for_urls_in_documents_on_both_paths():
    from corpus_pkg.schema_check import check, is_valid, reference_validator

    doc = {
        "record": "document",
        "doc_id": "x",
        "text": "t",
        "sha256": "0" * 64,
        "source_file": "x.txt",
        "language": "en",
        "url": "https://example.com/a b",
    }
    errors = list(reference_validator().iter_errors(doc))
    assert any(list(e.path) == ["url"] and e.validator == "format" for e in errors)
    assert not is_valid(doc)
    assert [f.field for f in check(doc, "x.jsonl", 1)] == ["/url"]
    assert is_valid(doc | {"url": "https://example.com/a%20b"})


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://example.com/a", "data:,x"])
def test_a_document_url_must_be_http_or_https_on_both_paths(url):
    from corpus_pkg.schema_check import check, is_valid

    doc = {
        "record": "document",
        "doc_id": "x",
        "text": "t",
        "sha256": "0" * 64,
        "source_file": "x.txt",
        "language": "en",
        "url": url,
    }
    assert not is_valid(doc)
    assert [(f.rule, f.field) for f in check(doc, "x.jsonl", 1)] == [("schema", "/url")]
    assert is_valid(doc | {"url": "http://example.com/a"}) and is_valid(doc | {"url": None})
