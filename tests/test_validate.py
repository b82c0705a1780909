"""Every rule of the rules table, each shown failing on the smallest input that breaks it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import DEFAULT_ATTRIBUTES, span_at
from strategies import PROV

from corpus_pkg.batches import validate_batch
from corpus_pkg.findings import RULES
from corpus_pkg.jsonio import dumps, dumps_lines
from corpus_pkg.model import AnnotatedDocument, Document, Relation, content_hash, make_span
from corpus_pkg.storage import document_path, write_document
from corpus_pkg.validate import Report, validate_corpus

TEXT = "Kim Jong Un met Vladimir Putin on 13 September 2023. Putin said “we will help” to e\u0301lite guests."


def _span(doc: Document, sid: str, text: str, layer: str = "entity", label: str = "PERSON", **attrs):
    defaults = {**DEFAULT_ATTRIBUTES, "quote": {"kind": "direct", "speaker_stated": True}}
    return span_at(doc, sid, text, layer, label, **{**defaults[layer], **attrs})


def valid() -> AnnotatedDocument:
    doc = Document.from_text("alpha", TEXT, "alpha.txt")
    kim = _span(doc, "alpha-e001", "Kim Jong Un", cluster="kim-jong-un")
    putin = _span(doc, "alpha-e002", "Vladimir Putin", cluster="vladimir-putin")
    date = _span(doc, "alpha-d001", "13 September 2023", "date", "TIMEX3")
    quote = _span(doc, "alpha-q001", "we will help", "quote", "QUOTE")
    said = Relation("alpha-r001", "alpha", "speaker", quote.id, putin.id, PROV)
    return AnnotatedDocument(doc, [kim, putin, date, quote], [said])


def corpus(tmp: Path, doc: AnnotatedDocument | None = None) -> Path:
    root = tmp / "annotations"
    write_document(doc or valid(), root)
    return root


def edit_line(path: Path, n: int, change: Callable[[dict], dict]) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[n - 1] = dumps(change(json.loads(lines[n - 1])))
    path.write_text("\n".join(lines), encoding="utf-8")


def line_of(doc: AnnotatedDocument, sid: str) -> int:
    """The 1-based line of a record in the stored file (the document is line 1, then spans, then relations)."""
    d = doc.sorted()
    return 2 + [r.id for r in [*d.spans, *d.relations]].index(sid)


def with_span(sid: str, **changes):
    doc = valid()
    return replace(doc, spans=[replace(s, **changes) if s.id == sid else s for s in doc.spans])


def with_extra_span(at: str, length: int) -> AnnotatedDocument:
    """The valid document plus a NORP entity of ``length`` characters where ``at`` starts (found, not typed)."""
    doc = valid()
    start = TEXT.index(at)
    extra = make_span(
        doc.document,
        id="alpha-e003",
        layer="entity",
        start=start,
        end=start + length,
        label="NORP",
        attributes={"kind": "NOM", "cluster": "extra"},
        provenance=PROV,
    )
    return replace(doc, spans=[*doc.spans, extra])


def corpus_case(make: Callable[[Path], Path]) -> Callable[[Path], Report]:
    return lambda tmp: validate_corpus(make(tmp))


def batch_case(records: Callable[[], list[dict]], suffix: str = ".jsonl") -> Callable[[Path], Report]:
    def run(tmp: Path) -> Report:
        root = corpus(tmp)
        path = tmp / f"batch{suffix}"
        path.write_text(dumps_lines(records()) if suffix == ".jsonl" else json.dumps(records()), encoding="utf-8")
        return validate_batch(path, root, plan=False)[0]

    return run


def _file_edit(sid: str, change: Callable[[dict], dict]) -> Callable[[Path], Report]:
    def run(tmp: Path) -> Report:
        root = corpus(tmp)
        edit_line(document_path("alpha", root), line_of(valid(), sid), change)
        return validate_corpus(root)

    return run


def _other_text() -> Document:
    return Document.from_text("alpha", "Breaking: " + TEXT, "alpha.txt")


def _moved_records(findable: bool) -> list[dict]:
    old = _other_text()
    quoted = "Putin said" if findable else "Breaking:"
    spans = [_span(old, "b-1", quoted, cluster="x")]
    header = {"record": "batch", "batch_id": "old", "against": {"alpha": old.sha256}}
    out = [header, *(s.to_dict() for s in spans)]
    if not findable:
        out[1] = out[1] | {"prefix": "", "suffix": " no such context"}
    return out


def _truncated_line(tmp: Path) -> Report:
    path = tmp / "b.jsonl"
    path.write_text('{"record": "span", "id": \n', encoding="utf-8")
    return validate_batch(path, corpus(tmp), plan=False)[0]


def _label_studio_export() -> list[dict]:
    return [{"data": {"doc_id": "alpha", "text": TEXT}, "annotations": [{"result": [{"type": "labels"}]}]}]


def _cross_document_relation() -> AnnotatedDocument:
    doc = valid()
    return replace(doc, relations=[replace(doc.relations[0], tail="beta-e001")])


def _edit(op: str, sid: str, expect: str | None = None, **changes) -> dict:
    """An edit of a span or relation of ``valid()``, expecting its content (or ``expect``)."""
    target = next(r for r in [*valid().spans, *valid().relations] if r.id == sid)
    out = {"record": "edit", "op": op, "doc_id": "alpha", "id": sid, "expect": expect or content_hash(target)}
    if op == "update":
        out["value"] = replace(target, **changes).to_dict()
    return out


CASES: dict[str, Callable[[Path], Report]] = {
    "io": lambda tmp: validate_batch(tmp / "missing.jsonl", corpus(tmp), plan=False)[0],
    "json": _truncated_line,
    "schema": _file_edit("alpha-e001", lambda r: r | {"extra": 1}),
    "unknown-label": _file_edit("alpha-e001", lambda r: r | {"label": "PERSONA"}),
    "sha256": corpus_case(
        lambda tmp: corpus(tmp, replace(valid(), document=replace(valid().document, sha256="0" * 64)))
    ),
    "duplicate-document": batch_case(lambda: [Document.from_text("beta", "Seoul.", "b.txt").to_dict()] * 2),
    "duplicate-id": corpus_case(lambda tmp: corpus(tmp, with_span("alpha-e002", id="alpha-e001"))),
    "unknown-document": batch_case(lambda: [valid().spans[0].to_dict() | {"doc_id": "nowhere"}]),
    "offset-range": _file_edit("alpha-e001", lambda r: r | {"end": 10_000}),
    "text-mismatch": _file_edit("alpha-e001", lambda r: r | {"text": "Kim Jong U🙂"}),
    "stale-text": batch_case(lambda: _moved_records(findable=False)),
    "whitespace-edge": corpus_case(lambda tmp: corpus(tmp, with_extra_span(" guests", len(" guests")))),
    "grapheme-split": corpus_case(lambda tmp: corpus(tmp, with_extra_span("e\u0301lite", 1))),
    "context-mismatch": _file_edit("alpha-e002", lambda r: r | {"prefix": "nothing like it "}),
    "overlap": corpus_case(
        lambda tmp: corpus(
            tmp,
            replace(
                valid(),
                spans=[*valid().spans, _span(valid().document, "alpha-e003", "Jong Un met", cluster="y")],
            ),
        )
    ),
    "timex-value": corpus_case(
        lambda tmp: corpus(tmp, with_span("alpha-d001", attributes={"type": "DATE", "value": "2023-02-30"}))
    ),
    "dangling-relation": corpus_case(
        lambda tmp: corpus(tmp, replace(valid(), relations=[replace(valid().relations[0], tail="alpha-e099")]))
    ),
    "relation-document": corpus_case(lambda tmp: corpus(tmp, _cross_document_relation())),
    "relation-layer": corpus_case(
        lambda tmp: corpus(tmp, replace(valid(), relations=[replace(valid().relations[0], tail="alpha-d001")]))
    ),
    "attribution": corpus_case(lambda tmp: corpus(tmp, replace(valid(), relations=[]))),
    "duplicate-span": batch_case(lambda: [valid().spans[0].to_dict() | {"id": "b-1"}]),
    "moved": batch_case(lambda: _moved_records(findable=True)),
    "id-format": corpus_case(lambda tmp: corpus(tmp, with_span("alpha-e002", id="alpha-x2"))),
    "label-studio": batch_case(_label_studio_export, suffix=".json"),
    "edit-target": batch_case(lambda: [_edit("update", "alpha-e001", label="NORP") | {"id": "alpha-e009"}]),
    "stale-edit": batch_case(lambda: [_edit("update", "alpha-e001", expect="0" * 64, label="NORP")]),
    "edit-applied": batch_case(lambda: [_edit("update", "alpha-e001")]),
}


def test_every_rule_in_the_rules_table_has_a_failing_case():
    assert sorted(CASES) == sorted(RULES)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_rule_fails_on_its_own_case_with_a_located_finding(tmp_path, rule):
    report = CASES[rule](tmp_path)
    hits = [f for f in report.findings if f.rule == rule]
    assert hits, [f.render() for f in report.findings]
    for f in hits:
        assert f.file, f.render()
        assert f.message, f.render()


def test_the_valid_document_of_these_cases_validates(tmp_path):
    report = validate_corpus(corpus(tmp_path))
    assert report.findings == []


def test_a_span_that_keeps_its_id_but_changes_its_text_is_not_a_duplicate(tmp_path):
    root = corpus(tmp_path)
    span = valid().spans[0].to_dict()
    path = tmp_path / "b.jsonl"
    path.write_text(dumps_lines([span | {"text": span["text"] + "🙂"}]), encoding="utf-8")
    report = validate_batch(path, root, plan=False)[0]
    assert [f.rule for f in report.errors] == ["text-mismatch"]
    assert not [f for f in report.findings if f.rule == "duplicate-span"]


def test_an_edit_record_in_a_corpus_file_is_refused(tmp_path):
    root = corpus(tmp_path)
    path = document_path("alpha", root)
    edit = _edit("delete", "alpha-e001")
    path.write_text(path.read_text(encoding="utf-8") + dumps(edit) + "\n", encoding="utf-8")
    report = validate_corpus(root)
    assert [(f.rule, f.record_id) for f in report.errors] == [("schema", "alpha-e001")]
    assert "belongs in a batch" in report.errors[0].message


def test_an_update_whose_value_names_another_record_is_refused(tmp_path):
    root = corpus(tmp_path)
    path = tmp_path / "b.jsonl"
    moved = _edit("update", "alpha-e001", id="alpha-e005")
    relayered = _edit("update", "alpha-e002") | {"value": _edit("update", "alpha-d001")["value"] | {"id": "alpha-e002"}}
    path.write_text(dumps_lines([moved, relayered]), encoding="utf-8")
    report = validate_batch(path, root, plan=False)[0]
    assert [(f.rule, f.field) for f in report.errors] == [("edit-target", "/value/id"), ("edit-target", "/value/layer")]


def test_an_edit_without_the_hash_or_an_update_without_a_value_fails_its_schema(tmp_path):
    root = corpus(tmp_path)
    path = tmp_path / "b.jsonl"
    no_hash = {k: v for k, v in _edit("delete", "alpha-e001").items() if k != "expect"}
    no_value = {k: v for k, v in _edit("update", "alpha-e001").items() if k != "value"}
    bad_value = _edit("update", "alpha-e001") | {"value": valid().spans[0].to_dict() | {"start": 0.0}}
    path.write_text(dumps_lines([no_hash, no_value, bad_value]), encoding="utf-8")
    report = validate_batch(path, root, plan=False)[0]
    assert [(f.rule, f.line) for f in report.errors] == [("schema", 1), ("schema", 2), ("schema", 3)]
    assert report.errors[2].field == "/value/start"


def test_deleting_a_span_a_relation_points_at_is_refused_unless_the_relation_goes_too(tmp_path):
    root = corpus(tmp_path)
    path = tmp_path / "b.jsonl"
    path.write_text(dumps_lines([_edit("delete", "alpha-e002")]), encoding="utf-8")
    report = validate_batch(path, root, plan=False)[0]
    dangling = [f for f in report.errors if f.rule == "dangling-relation"]
    assert [f.record_id for f in dangling] == ["alpha-r001"]
    assert "the batch deletes" in dangling[0].message
    quote = next(s for s in valid().spans if s.layer == "quote")
    unsaid = replace(quote, attributes={**quote.attributes, "speaker_stated": False}).to_dict()
    path.write_text(
        dumps_lines(
            [
                _edit("delete", "alpha-e002"),
                _edit("delete", "alpha-r001"),
                _edit("update", "alpha-q001") | {"value": unsaid},
            ]
        ),
        encoding="utf-8",
    )
    report, plan = validate_batch(path, root)
    assert report.findings == []
    assert plan.changes() == {
        "alpha": ["~1 quote updated", "-1 entity deleted", "-1 relation:speaker deleted"],
    }


@pytest.mark.parametrize(
    ("timex_type", "value", "mod", "ok"),
    [
        ("DURATION", "P4Y", "MORE_THAN", True),
        ("DATE", "2023-09", "START", True),
        ("DATE", "2023-09-13", "BEFORE", True),
        ("DATE", "2023-09-13", "MORE_THAN", False),
        ("DURATION", "P4Y", "BEFORE", False),
        ("SET", "P1D", "APPROX", False),
    ],
)
def test_a_timex_mod_is_refused_on_a_type_it_does_not_apply_to(tmp_path, timex_type, value, mod, ok):
    doc = with_span("alpha-d001", attributes={"type": timex_type, "value": value, "mod": mod})
    rules = {f.rule for f in validate_corpus(corpus(tmp_path, doc)).errors}
    assert rules == (set() if ok else {"timex-value"})


@pytest.mark.parametrize(
    ("kind", "stated", "speakers", "ok"),
    [
        ("belief", True, True, True),
        ("nominal", True, True, True),
        ("belief", False, False, False),
        ("nominal", False, False, False),
        ("nominal", True, False, False),
        ("indirect", False, False, True),
    ],
)
def test_a_belief_or_nominal_quote_needs_a_stated_speaker(tmp_path, kind, stated, speakers, ok):
    doc = with_span("alpha-q001", attributes={"kind": kind, "speaker_stated": stated})
    doc = doc if speakers else replace(doc, relations=[])
    rules = {f.rule for f in validate_corpus(corpus(tmp_path, doc)).errors}
    assert rules == (set() if ok else {"attribution"})
