"""The committed corpus: exact source texts, metadata from the texts, figures that match the data."""

from __future__ import annotations

import hashlib

import pytest

from corpus_pkg.datasheet import render
from corpus_pkg.project import current
from corpus_pkg.storage import load_corpus

REPO_DIR = current().root
# The source texts, byte for byte as they were received, kept in the repository.
SOURCES = REPO_DIR / "sources"


@pytest.fixture(scope="module")
def docs():
    return load_corpus()


def test_each_document_text_is_exactly_its_source_file(docs):
    assert len(docs) == len(list(SOURCES.glob("*.txt"))) == 5
    for d in docs:
        raw = (SOURCES / d.document.source_file).read_bytes()
        assert d.document.text == raw.decode("utf-8")
        assert d.document.sha256 == hashlib.sha256(raw).hexdigest()


def test_metadata_is_taken_from_the_text_itself(docs):
    for d in docs:
        m = d.document
        for value in (m.title, m.publisher, m.author):
            assert value is None or value in m.text, (m.doc_id, value)


def test_every_document_is_annotated_in_all_four_layers(docs):
    for d in docs:
        for layer in ("entity", "date", "quote", "claim"):
            assert d.spans_in(layer), (d.doc_id, layer)
        assert d.relations, d.doc_id


def test_the_entity_clusters_are_shared_across_documents(docs):
    kim = {d.doc_id for d in docs for s in d.spans_in("entity") if s.attributes["cluster"] == "kim-jong-un"}
    assert kim == {d.doc_id for d in docs}


def test_the_datasheet_figures_are_generated_from_the_data():
    text = current().datasheet.read_text(encoding="utf-8")
    assert render(text) == text, "DATASHEET.md has drifted from the data: run `corpus datasheet --write`"


def test_the_changelog_has_an_entry_for_the_package_version():
    from corpus_pkg import __version__

    changelog = (REPO_DIR / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = [line.split("]")[0][4:] for line in changelog.splitlines() if line.startswith("## [")]
    assert releases[0] == "Unreleased" and releases[1] == __version__
