"""Review before gold: submitted work is listed, accepted or rejected, and left out of builds until accepted."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from helpers import span_at
from strategies import PROV

from corpus_pkg.cli import main
from corpus_pkg.model import AnnotatedDocument, Document, Provenance, Relation
from corpus_pkg.review import publishable
from corpus_pkg.storage import load_corpus, records_of, write_document
from corpus_pkg.validate import validate_corpus, validate_documents

TEXTS = {
    "alpha": "Kim Jong Un met Vladimir Putin at Vostochny on 13 September 2023. Putin said “we will help”.",
    "beta": "Yoon Suk Yeol warned Russia. 🇰🇷 Seoul and Tokyo 東京 agreed.\nKim left on Sunday.",
}
ANN = "ann@example.org"
OTHER = "bob@example.org"
CREATED = "2026-12-01T10:15:00Z"


def submitted(annotator: str = ANN) -> Provenance:
    return Provenance(annotator, "label-studio", "1.23.2", "submitted", created=CREATED)


def span(doc: Document, sid: str, text: str, layer="entity", occurrence=1, prov=PROV, **attrs):
    if layer == "quote" and not attrs:
        attrs = {"kind": "direct", "speaker_stated": True}
    return span_at(doc, sid, text, layer, occurrence=occurrence, provenance=prov, **attrs)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """alpha: gold Kim and Putin; a submitted second Putin, quote and speaker relation.
    beta: gold Yoon; submitted Seoul (ann) and Tokyo (bob)."""
    base = tmp_path / "annotations"
    a = Document.from_text("alpha", TEXTS["alpha"], "alpha.txt")
    b = Document.from_text("beta", TEXTS["beta"], "beta.txt")
    alpha = AnnotatedDocument(
        a,
        [
            span(a, "alpha-e001", "Kim Jong Un"),
            span(a, "alpha-e002", "Vladimir Putin"),
            span(a, "alpha-e003", "Putin", occurrence=2, prov=submitted()),
            span(a, "alpha-q001", "“we will help”", layer="quote", prov=submitted()),
        ],
        [Relation("alpha-r001", "alpha", "speaker", "alpha-q001", "alpha-e003", submitted())],
    )
    beta = AnnotatedDocument(
        b,
        [
            span(b, "beta-e001", "Yoon Suk Yeol"),
            span(b, "beta-e002", "Seoul", prov=submitted()),
            span(b, "beta-e003", "Tokyo", prov=submitted(OTHER)),
        ],
    )
    write_document(alpha, base)
    write_document(beta, base)
    return base


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def snapshot(base: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((base / "corpus").iterdir())}


def statuses(base: Path) -> dict[str, Provenance]:
    return {r.id: r.provenance for d in load_corpus(base) for r in [*d.spans, *d.relations]}


# ---------------------------------------------------------------- the status and the created field


def test_a_corpus_with_submitted_work_validates(root: Path) -> None:
    assert validate_corpus(root).errors == []
    result = run("validate", "--annotations", str(root))
    assert result.exit_code == 0, result.output


def test_provenance_without_created_or_reviewer_writes_the_same_keys_as_before() -> None:
    assert PROV.to_dict() == {"annotator": PROV.annotator, "tool": PROV.tool, "tool_version": "test", "status": "gold"}
    assert Provenance.from_dict(submitted().to_dict()) == submitted()


def test_a_created_that_is_not_a_date_time_is_a_schema_error(root: Path) -> None:
    doc = next(d for d in load_corpus(root) if d.doc_id == "beta")
    bad = Provenance(ANN, "label-studio", "1.23.2", "submitted", created="yesterday")
    doc.spans[1] = span(doc.document, "beta-e002", "Seoul", prov=bad)
    errors = validate_documents([doc]).errors
    assert [e.rule for e in errors] == ["schema"]
    assert "created" in errors[0].render()


# ---------------------------------------------------------------- list


def test_list_shows_the_submitted_spans_and_relations_with_annotator_and_date(root: Path) -> None:
    result = run("review", "list", "--annotations", str(root))
    assert result.exit_code == 0, result.output
    out = result.output
    assert '  alpha-e003  entity PERSON  "Putin"  ann@example.org  2026-12-01T10:15:00Z' in out
    assert '  alpha-r001  relation speaker  "“we will help” -> Putin"' in out
    assert "beta-e003" in out and "bob@example.org" in out
    assert "alpha-e001" not in out and "beta-e001" not in out  # gold is not listed
    assert f"5 submitted span(s) and relation(s) in 2 document(s) of {root / 'corpus'}" in out


def test_list_as_json_for_one_document_and_one_annotator(root: Path) -> None:
    result = run("review", "list", "beta", "--annotator", OTHER, "--format", "json", "--annotations", str(root))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "beta": [
            {
                "doc_id": "beta",
                "id": "beta-e003",
                "layer": "entity",
                "label": "PERSON",
                "text": "Tokyo",
                "annotator": OTHER,
                "created": CREATED,
            }
        ]
    }


def test_list_of_a_document_not_in_the_corpus_is_an_error(root: Path) -> None:
    result = run("review", "list", "gamma", "--annotations", str(root))
    assert result.exit_code == 1
    assert "'gamma' is not in the corpus" in result.output


# ---------------------------------------------------------------- accept


def test_accepting_a_quote_and_its_speaker_takes_their_relation_along_and_the_corpus_validates(root: Path) -> None:
    result = run(
        "review", "accept", "alpha-q001", "alpha-e003", "--reviewer", "rev@example.org", "--annotations", str(root)
    )
    assert result.exit_code == 0, result.output
    assert "alpha: accepted as gold: alpha-e003 alpha-q001 alpha-r001" in result.output
    assert (
        f"3 span(s) and relation(s) accepted as gold (reviewer rev@example.org) in {root / 'corpus'}" in result.output
    )
    prov = statuses(root)
    for rid in ("alpha-e003", "alpha-q001", "alpha-r001"):
        assert prov[rid] == Provenance(
            ANN, "label-studio", "1.23.2", "gold", created=CREATED, reviewer="rev@example.org"
        )
    assert prov["beta-e002"].status == "submitted"  # not named, not touched
    assert validate_corpus(root).errors == []


def test_accepting_a_quote_whose_speaker_is_still_submitted_is_refused_and_writes_nothing(root: Path) -> None:
    before = snapshot(root)
    result = run("review", "accept", "alpha-q001", "--reviewer", "rev@example.org", "--annotations", str(root))
    assert result.exit_code == 1
    assert 'points at submitted alpha-e003 (entity PERSON "Putin")' in result.output
    assert "corpus review accept alpha-q001 alpha-r001 alpha-e003" in result.output
    assert snapshot(root) == before


def test_accept_by_document_and_annotator_takes_only_that_annotators_work(root: Path) -> None:
    result = run(
        "review",
        "accept",
        "--doc",
        "beta",
        "--annotator",
        ANN,
        "--reviewer",
        "rev@example.org",
        "--annotations",
        str(root),
    )
    assert result.exit_code == 0, result.output
    prov = statuses(root)
    assert prov["beta-e002"].status == "gold" and prov["beta-e003"].status == "submitted"
    assert prov["alpha-e003"].status == "submitted"


def test_accept_all_leaves_nothing_to_review(root: Path) -> None:
    result = run("review", "accept", "--all", "--reviewer", "rev@example.org", "--annotations", str(root))
    assert result.exit_code == 0, result.output
    assert {p.status for p in statuses(root).values()} == {"gold"}
    listed = run("review", "list", "--annotations", str(root))
    assert "0 submitted span(s) and relation(s) in 0 document(s)" in listed.output


def test_the_reviewer_comes_from_corpus_reviewer_when_not_given(root: Path) -> None:
    result = CliRunner(env={"CORPUS_REVIEWER": "env@example.org"}).invoke(
        main, ["review", "accept", "beta-e002", "--annotations", str(root)]
    )
    assert result.exit_code == 0, result.output
    assert statuses(root)["beta-e002"].reviewer == "env@example.org"


def test_accepting_a_gold_span_is_refused(root: Path) -> None:
    result = run("review", "accept", "alpha-e001", "--reviewer", "rev@example.org", "--annotations", str(root))
    assert result.exit_code == 1
    assert "alpha-e001 is gold, not submitted" in result.output


def test_accept_with_nothing_named_is_a_usage_error(root: Path) -> None:
    result = run("review", "accept", "--reviewer", "rev@example.org", "--annotations", str(root))
    assert result.exit_code == 2
    assert "name what to accept" in result.output


def test_an_id_outside_the_scheme_is_a_usage_error(root: Path) -> None:
    result = run("review", "accept", "Putin", "--reviewer", "rev@example.org", "--annotations", str(root))
    assert result.exit_code == 2
    assert "'Putin' is not a corpus id" in result.output


# ---------------------------------------------------------------- reject


def test_rejecting_a_quote_and_its_speaker_removes_them_with_their_relation(root: Path) -> None:
    result = run("review", "reject", "alpha-q001", "alpha-e003", "--annotations", str(root))
    assert result.exit_code == 0, result.output
    assert "alpha: rejected (removed): alpha-e003 alpha-q001 alpha-r001" in result.output
    assert str(root / "corpus") in result.output
    left = statuses(root)
    assert not {"alpha-e003", "alpha-q001", "alpha-r001"} & left.keys()
    assert {"alpha-e001", "alpha-e002", "beta-e002"} <= left.keys()
    assert validate_corpus(root).errors == []


def test_a_reject_that_would_leave_the_corpus_invalid_writes_nothing(root: Path) -> None:
    # Removing the speaker takes the speaker relation with it, leaving a quote with speaker_stated=true and no speaker.
    before = snapshot(root)
    result = run("review", "reject", "alpha-e003", "--annotations", str(root))
    assert result.exit_code == 1
    assert "nothing written" in result.output and "speaker_stated=true but no speaker relation" in result.output
    assert snapshot(root) == before


def test_rejecting_a_span_a_gold_relation_points_at_is_refused(root: Path) -> None:
    doc = next(d for d in load_corpus(root) if d.doc_id == "alpha")
    doc.relations[0] = Relation("alpha-r001", "alpha", "speaker", "alpha-q001", "alpha-e003", PROV)
    write_document(doc, root)
    before = snapshot(root)
    result = run("review", "reject", "alpha-e003", "alpha-q001", "--annotations", str(root))
    assert result.exit_code == 1
    assert "gold relation alpha-r001" in result.output
    assert snapshot(root) == before


# ---------------------------------------------------------------- build


def entity_ids(out: Path) -> set[str]:
    return set(pq.read_table(out / "data" / "entities" / "test-00000-of-00001.parquet").column("id").to_pylist())


def test_the_default_build_publishes_gold_only_and_says_what_it_left_out(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    result = run("build", "--annotations", str(root), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert entity_ids(out) == {"alpha-e001", "alpha-e002", "beta-e001"}
    quotes = pq.read_table(out / "data" / "quotes" / "test-00000-of-00001.parquet")
    assert quotes.num_rows == 0
    assert "left out 4 submitted span(s) and 1 relation(s) not yet accepted: corpus review list" in result.output
    assert run("build", "--check", "--annotations", str(root), "--out", str(out)).exit_code == 0


def test_a_build_including_submitted_work_publishes_it_with_its_status(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    result = run("build", "--include", "submitted", "--annotations", str(root), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert entity_ids(out) == {"alpha-e001", "alpha-e002", "alpha-e003", "beta-e001", "beta-e002", "beta-e003"}
    assert "left out" not in result.output
    table = pq.read_table(out / "data" / "entities" / "test-00000-of-00001.parquet").to_pylist()
    names = ["gold", "prediction", "submitted"]
    assert {r["id"]: names[r["provenance"]["status"]] for r in table}["alpha-e003"] == "submitted"
    # The gold-only check now finds the folder out of date: it holds what a default build leaves out.
    assert run("build", "--check", "--annotations", str(root), "--out", str(out)).exit_code == 1


def test_an_unknown_include_status_is_a_usage_error(root: Path, tmp_path: Path) -> None:
    result = run("build", "--include", "draft", "--annotations", str(root), "--out", str(tmp_path / "d"))
    assert result.exit_code == 2
    assert "'draft' is not one of prediction, submitted" in result.output


def test_publishable_leaves_out_a_relation_whose_end_is_left_out(root: Path) -> None:
    doc = next(d for d in load_corpus(root) if d.doc_id == "alpha")
    doc.relations[0] = Relation("alpha-r001", "alpha", "speaker", "alpha-q001", "alpha-e003", PROV)
    published, left_out = publishable(records_of(doc))
    assert published.relations == []
    submitted = sum(s.provenance.status == "submitted" for s in doc.spans)
    assert left_out == {("submitted", "span"): submitted, ("gold", "relation"): 1}
    published, left_out = publishable(records_of(doc), {"submitted"})
    assert [r["id"] for r in published.relations] == ["alpha-r001"]
    assert not left_out


def test_a_prediction_is_published_only_when_the_build_includes_predictions(root: Path, tmp_path: Path) -> None:
    doc = next(d for d in load_corpus(root) if d.doc_id == "beta")
    doc.spans.append(
        span(doc.document, "beta-e004", "Kim", prov=Provenance("model", "spacy", "3.8", "prediction", 0.9))
    )
    write_document(doc.sorted(), root)
    default = run("build", "--annotations", str(root), "--out", str(tmp_path / "gold"))
    assert default.exit_code == 0, default.output
    assert "beta-e004" not in entity_ids(tmp_path / "gold")
    assert "left out 1 prediction span(s): build with --include prediction to publish them" in default.output
    shown = run("build", "--include", "prediction", "--annotations", str(root), "--out", str(tmp_path / "all"))
    assert shown.exit_code == 0, shown.output
    assert "beta-e004" in entity_ids(tmp_path / "all") and "beta-e002" not in entity_ids(tmp_path / "all")
