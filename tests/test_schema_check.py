"""The compiled schema check reports what the reference (jsonschema) reports, and never accepts what it refuses."""

from __future__ import annotations

import copy
import json

from helpers import write_corpus
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from strategies import corpora

from corpus_pkg.jsonio import dumps
from corpus_pkg.schema_check import FORMATS, check, explain, is_valid, reference_path
from corpus_pkg.storage import corpus_files, serialize
from corpus_pkg.validate import validate_files

URLS = [
    "https://example.com/a?b=1#c",
    "http://example.com",
    "http://",
    "ftp://example.com/f",
    "mailto:kim@example.com",
    "https://例え.jp/",
    "http://example.com/a b",
    "http://example.com/\n",
    "http://example.com/#a#b",
    "http://[::1",
    "http://example.com/%zz",
]
DATE_TIMES = [
    "2023-09-13T10:00:00Z",
    "2023-09-13t10:00:00z",
    "2023-09-13T23:59:60Z",
    "2023-02-30T10:00:00Z",
    "2023-09-13T10:00:00.5+09:00",
    "2023-09-13T10:00:00Z\n",
    "2023-09-13",
]
ODD_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    1.0,
    2.5,
    10**30,
    "",
    "x",
    "PERSON",
    "UNKNOWN",
    "\n",
    [],
    {},
    "a\n",
    "Q0",
    "Q42",
    "kim-jong-un",
    "bad id!",
    "CT+",
    "direct",
    "DATE",
    "gold",
    "2023",
    "٢٠٢٣",
    *URLS,
    *DATE_TIMES,
]


@st.composite
def mutated(draw, record):
    """A record with one field removed, added, or replaced by an odd value (possibly nested)."""
    r = copy.deepcopy(record)
    target = r
    if draw(st.booleans()):
        nested = [k for k, v in r.items() if isinstance(v, dict)]
        if nested:
            target = r[draw(st.sampled_from(sorted(nested)))]
    action = draw(st.sampled_from(["drop", "add", "replace", "replace"]))
    keys = sorted(target)
    if action == "drop" and keys:
        del target[draw(st.sampled_from(keys))]
    elif action == "add":
        key = draw(st.sampled_from(["extra", "score", "qid", "kind", "url", "created", "dct"]))
        target[key] = draw(st.sampled_from(ODD_VALUES))
    elif keys:
        target[draw(st.sampled_from(keys))] = draw(st.sampled_from(ODD_VALUES))
    return r


BATCH_HEADER = {"record": "batch", "batch_id": "b1", "created": "2023-09-13T10:00:00Z", "against": {"x": "0" * 64}}


@given(corpora(max_docs=2), st.data())
def test_the_compiled_check_never_accepts_what_jsonschema_rejects_and_reports_its_findings(docs, data):
    records = [BATCH_HEADER]
    for d in docs:
        records.append(d.document.to_dict() | {"url": data.draw(st.sampled_from([None, URLS[0]]))})
        records += [s.to_dict() for s in d.spans] + [r.to_dict() for r in d.relations]
    record = data.draw(st.sampled_from(records))
    assert is_valid(record) and not explain(record, "x", 1)
    bad = data.draw(mutated(record))
    if is_valid(bad):
        assert explain(bad, "x", 1) == []
    assert check(bad, "x", 1) == explain(bad, "x", 1)


url_like = st.builds(
    lambda scheme, rest: scheme + rest,
    st.sampled_from(["http://", "https://", "HTTP://", "http:", "urn:", ""]),
    st.text(alphabet="az09.-_~:/?#[]@!$&'()*+,;=% \n\\{}|^`\"<>ä例", max_size=20),
)
date_time_like = st.from_regex(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?\n?"
)


@given(st.one_of(url_like, st.sampled_from(URLS)), st.one_of(date_time_like, st.sampled_from(DATE_TIMES)))
def test_the_compiled_validators_check_formats_as_jsonschema_does(url, date_time):
    checker = Draft202012Validator.FORMAT_CHECKER
    assert FORMATS["uri"](url) == checker.conforms(url, "uri")
    assert FORMATS["date-time"](date_time) == checker.conforms(date_time, "date-time")


def _as_tuples(report):
    return sorted(
        (f.rule, f.file, f.line or 0, f.field or "", f.record_id or "", f.message, f.severity) for f in report.findings
    )


@given(corpora(max_docs=3), st.data())
def test_fast_and_reference_paths_give_the_same_findings_on_valid_and_broken_corpora(tmp_path_factory, docs, data):
    root = write_corpus(tmp_path_factory.mktemp("c"), docs)
    files = corpus_files(root)
    # Break a few lines: mutate records, or garble the JSON itself.
    for path in files:
        lines = path.read_text(encoding="utf-8").split("\n")[:-1]
        for _ in range(data.draw(st.integers(0, 2))):
            i = data.draw(st.integers(0, len(lines) - 1))
            how = data.draw(st.sampled_from(["mutate", "garble", "shift"]))
            try:
                value = json.loads(lines[i])
            except ValueError:
                continue  # already garbled
            if how == "mutate":
                lines[i] = dumps(data.draw(mutated(value)))
            elif how == "garble":
                lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
            elif "start" in value:
                value["start"] += data.draw(st.sampled_from([-1, 1]))
                lines[i] = dumps(value)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast = validate_files(files, canonical_ids=True)
    with reference_path():
        reference = validate_files(files, canonical_ids=True)
    assert _as_tuples(fast) == _as_tuples(reference)


def test_a_float_offset_that_json_schema_calls_an_integer_is_refused():
    docs_text = "Kim met Putin."
    from corpus_pkg.model import AnnotatedDocument, Document

    d = Document.from_text("t", docs_text, "t.txt")
    line = serialize(AnnotatedDocument(d)).strip()
    span = {
        "record": "span",
        "id": "t-e001",
        "doc_id": "t",
        "layer": "entity",
        "start": 0.0,
        "end": 3,
        "text": "Kim",
        "label": "PERSON",
        "attributes": {"kind": "NAM", "cluster": "kim"},
        "prefix": "",
        "suffix": " met Putin.",
        "provenance": {"annotator": "a", "tool": "t", "tool_version": "1", "status": "gold"},
    }
    assert not is_valid(span)
    findings = check(span, "x", 2)
    assert [f.field for f in findings] == ["/start"] and "integer" in findings[0].message
    assert line


def _broken_batch(path, docs):
    """A JSONL batch of whole documents with a few broken lines and one document that resumes later."""
    lines = [line for d in docs for line in serialize(d).split("\n")[:-1]]
    lines[3] = lines[3].replace('"start": ', '"start": 1 + ', 1)  # invalid JSON
    span_lines = [i for i, line in enumerate(lines) if '"record": "span"' in line]
    value = json.loads(lines[span_lines[5]])
    value["start"] += 1
    lines[span_lines[5]] = dumps(value)
    lines.append(lines[span_lines[0]])  # the first document's records resume at the end
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_splitting_a_batch_over_two_processes_gives_the_same_findings(tmp_path, monkeypatch):
    from corpus_pkg import batches
    from corpus_pkg.synthetic import generate

    batch = _broken_batch(tmp_path / "batch.jsonl", list(generate(40, seed=3)))
    (tmp_path / "annotations" / "corpus").mkdir(parents=True)
    monkeypatch.setattr(batches, "PARALLEL_MIN_BYTES", 1)
    used = []
    parallel = batches._validate_batch_parallel
    monkeypatch.setattr(batches, "_validate_batch_parallel", lambda *a, **k: used.append(parallel(*a, **k)) or used[-1])
    one, _ = batches.validate_batch(batch, tmp_path / "annotations", plan=False, jobs=1)
    two, _ = batches.validate_batch(batch, tmp_path / "annotations", plan=False, jobs=2)
    assert len(used) == 1 and used[0] is not None, "the batch was not split"
    assert {f.rule for f in one.findings} >= {"json", "text-mismatch", "schema"}
    assert _as_tuples(one) == _as_tuples(two)
    assert dict(one.counts) == dict(two.counts)


@given(corpora(max_docs=1), st.data())
def test_a_span_that_is_not_a_suspect_breaks_no_span_rule(docs, data):
    """validate.suspects screens a document's spans; a span it leaves out must get no finding from place_span."""
    from dataclasses import replace

    from corpus_pkg.validate import place_span, suspects

    for d in docs:
        text = d.document.text
        spans = []
        for s in d.spans:
            change = data.draw(st.sampled_from(["none", "start", "end", "text", "prefix", "suffix", "value"]))
            if change in ("start", "end"):
                s = replace(s, **{change: getattr(s, change) + data.draw(st.integers(-2, 2))})
            elif change == "text":
                s = replace(s, text=data.draw(st.sampled_from([s.text + " ", " " + s.text, s.text[:-1] or "x"])))
            elif change in ("prefix", "suffix"):
                s = replace(s, **{change: getattr(s, change)[1:] + "\u0301"})
            elif change == "value" and s.layer == "date":
                s = replace(s, attributes={**s.attributes, "value": data.draw(st.sampled_from(["P1X", "2023-13"]))})
            spans.append(s)
        flagged = {id(s) for s in suspects(spans, text)}
        for s in spans:
            if id(s) not in flagged:
                assert place_span(s, text) == [], s
