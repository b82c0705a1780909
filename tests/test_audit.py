"""The audit of the gold against predictions: one test per class of candidate, the batch input, leave-one-out."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from corpus_pkg.audit import audit_document
from corpus_pkg.cli import main
from corpus_pkg.jsonio import dumps_lines
from corpus_pkg.model import AnnotatedDocument, Document, Provenance, Span, make_span
from corpus_pkg.storage import write_document

GOLD = Provenance("tester", "pytest", "1", "gold")
PRED = Provenance("model", "pytest", "1", "prediction", 0.9)
TEXT = "Kim Jong Un met Vladimir Putin in Vostochny on 13 September 2023 and left the next day."
DOC = Document.from_text("alpha", TEXT, "alpha.txt", dct="2023-09-13")


def span(surface: str, sid: str, *, layer="entity", label="PERSON", prov=GOLD, doc=DOC, **attrs) -> Span:
    start = doc.text.index(surface)
    defaults = {"kind": "NAM", "cluster": "x"} if layer == "entity" else {"type": "DATE", "value": "2023-09-13"}
    return make_span(
        doc,
        id=sid,
        layer=layer,
        start=start,
        end=start + len(surface),
        label=label if layer == "entity" else "TIMEX3",
        attributes=defaults | attrs,
        provenance=prov,
    )


def kinds(cands) -> list[tuple[str, str]]:
    return [(c.kind, c.text) for c in cands]


def test_a_prediction_where_the_gold_has_nothing_is_a_possible_miss():
    gold = AnnotatedDocument(DOC, [span("Kim Jong Un", "alpha-e001")])
    got = audit_document(gold, [span("Kim Jong Un", "p1", prov=PRED), span("Vostochny", "p2", prov=PRED)], ["entity"])
    assert kinds(got) == [("possible-miss", "Vostochny")]
    assert got[0].predicted is not None and got[0].gold is None


def test_a_prediction_on_a_gold_extent_with_another_label_or_value_is_a_disagreement():
    gold = AnnotatedDocument(
        DOC,
        [
            span("Kim Jong Un", "alpha-e001", cluster="kim-jong-un"),
            span("13 September 2023", "alpha-d001", layer="date"),
        ],
    )
    predicted = [
        span("Kim Jong Un", "p1", prov=PRED, label="ORG", cluster="kim-jong-un"),
        span("13 September 2023", "p2", layer="date", prov=PRED, value="2023-09-12"),
    ]
    got = audit_document(gold, predicted, ["entity", "date"])
    assert kinds(got) == [("disagreement", "Kim Jong Un"), ("disagreement", "13 September 2023")]
    assert "label PERSON / ORG" in got[0].detail
    assert "value 2023-09-13 / 2023-09-12" in got[1].detail


def test_a_prediction_that_overlaps_a_gold_span_with_another_extent_is_a_boundary_candidate():
    gold = AnnotatedDocument(DOC, [span("13 September 2023", "alpha-d001", layer="date")])
    got = audit_document(gold, [span("September 2023", "p1", layer="date", prov=PRED, value="2023-09")], ["date"])
    assert kinds(got) == [("boundary", "September 2023")]
    assert "alpha-d001" in got[0].detail


def test_a_gold_name_or_date_no_prediction_supports_is_listed_but_a_pronoun_is_not():
    doc = Document.from_text("beta", "Putin said he would come the next day.", "beta.txt", dct="2023-09-13")
    gold = AnnotatedDocument(
        doc,
        [
            span("Putin", "beta-e001", doc=doc),
            span("he", "beta-e002", doc=doc, kind="PRO"),
            span("the next day", "beta-d001", doc=doc, layer="date", value="2023-09-14"),
        ],
    )
    got = audit_document(gold, [], ["entity", "date"])
    assert kinds(got) == [("unsupported", "Putin"), ("unsupported", "the next day")]


def test_agreeing_predictions_give_no_candidates():
    gold = AnnotatedDocument(DOC, [span("Kim Jong Un", "alpha-e001")])
    assert audit_document(gold, [span("Kim Jong Un", "p1", prov=PRED)], ["entity"]) == []


def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "annotations"
    other = Document.from_text("beta", "Later Kim Jong Un flew home.", "beta.txt", dct="2023-09-14")
    write_document(
        AnnotatedDocument(
            DOC,
            [
                span("Kim Jong Un", "alpha-e001", cluster="kim-jong-un"),
                span("Vladimir Putin", "alpha-e002", cluster="vladimir-putin"),
            ],
        ),
        root,
    )
    write_document(AnnotatedDocument(other, [span("Kim Jong Un", "beta-e001", doc=other, cluster="kim-jong-un")]), root)
    return root


def test_the_audit_of_a_batch_lists_its_candidates_as_json_and_changes_nothing(tmp_path):
    root = _corpus(tmp_path)
    before = {p.name: p.read_bytes() for p in (root / "corpus").iterdir()}
    batch = tmp_path / "p.jsonl"
    batch.write_text(dumps_lines([span("Vostochny", "p1", prov=PRED, label="GPE").to_dict()]), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["audit", "--predictions", str(batch), "--layers", "entity", "--format", "json", "--annotations", str(root)],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"]["possible-miss"] == 1
    (miss,) = [c for c in report["documents"]["alpha"] if c["class"] == "possible-miss"]
    assert (miss["start"], miss["end"], miss["text"]) == (
        TEXT.index("Vostochny"),
        TEXT.index("Vostochny") + 9,
        "Vostochny",
    )
    assert {p.name: p.read_bytes() for p in (root / "corpus").iterdir()} == before


def test_a_batch_span_whose_text_is_not_in_the_document_is_refused(tmp_path):
    root = _corpus(tmp_path)
    record = span("Vostochny", "p1", prov=PRED).to_dict() | {"text": "Vostok"}
    batch = tmp_path / "p.jsonl"
    batch.write_text(dumps_lines([record]), encoding="utf-8")
    result = CliRunner().invoke(main, ["audit", "--predictions", str(batch), "--annotations", str(root)])
    assert result.exit_code == 1
    assert "Vostok" in result.output


def test_the_default_audit_never_lets_the_gazetteer_see_the_document_it_predicts(tmp_path):
    root = _corpus(tmp_path)
    result = CliRunner().invoke(main, ["audit", "--layers", "entity", "--format", "json", "--annotations", str(root)])
    assert result.exit_code == 0, result.output
    alpha = json.loads(result.output)["documents"]["alpha"]
    # Kim Jong Un is also a name in beta, so it is predicted in alpha; Vladimir Putin is only in alpha.
    assert [(c["class"], c["text"]) for c in alpha] == [("unsupported", "Vladimir Putin")]
