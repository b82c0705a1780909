"""Agreement between two annotations of the same texts: span F1, Cohen's kappa, the disagreements, and the
`corpus agreement` command over drafts, corpus folders and git refs."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import invoke, write_corpus
from strategies import PROV

from corpus_pkg.agreement import cohen_kappa, compare, disagreement_counts, disagreements, render_markdown
from corpus_pkg.model import AnnotatedDocument, Document, Relation, make_span
from corpus_pkg.project import current

TEXT = "Kim met Putin in Vladivostok on Sunday."
DOC = Document.from_text("t", TEXT, "t.txt")


def span(sid, text, layer="entity", label="PERSON", **attrs):
    start = TEXT.index(text)
    defaults = {
        "entity": {"kind": "NAM", "cluster": text.lower()},
        "date": {"type": "DATE", "value": "2023-09-17"},
        "quote": {"kind": "indirect", "speaker_stated": True},
        "claim": {"checkworthy": True, "factuality": "CT+", "source": "outlet"},
    }
    return make_span(
        DOC,
        id=sid,
        layer=layer,
        start=start,
        end=start + len(text),
        label=label,
        attributes=attrs or defaults[layer],
        provenance=PROV,
    )


# Artstein and Poesio (2008), "Inter-Coder Agreement for Computational Linguistics", Computational
# Linguistics 34(4): 555-596, their running example: two coders label 100 utterances STAT, IREQ or CHCK.
# Coder A: 46 STAT, 44 IREQ, 10 CHCK; coder B: 52 STAT, 32 IREQ, 16 CHCK; they agree on 46 + 32 + 10 = 88
# (A_o = 0.88), 6 of A's IREQ are B's STAT and 6 are B's CHCK. The paper gives pi = 0.7995 and kappa = 0.8013
# (A_e = 0.46 * 0.52 + 0.44 * 0.32 + 0.10 * 0.16 = 0.396). NLTK ships the same table
# (nltk/metrics/artstein_poesio_example.txt) and checks its A_o and pi against the paper.
ARTSTEIN_POESIO = (
    [("STAT", "STAT")] * 46
    + [("IREQ", "STAT")] * 6
    + [("IREQ", "IREQ")] * 32
    + [("IREQ", "CHCK")] * 6
    + [("CHCK", "CHCK")] * 10
)


def test_kappa_reproduces_the_textbook_example_of_artstein_and_poesio():
    assert round(cohen_kappa(ARTSTEIN_POESIO), 4) == 0.8013
    assert cohen_kappa([(b, a) for a, b in ARTSTEIN_POESIO]) == cohen_kappa(ARTSTEIN_POESIO)


def test_kappa_agrees_with_nltks_implementation_on_the_same_example():
    agreement = pytest.importorskip("nltk.metrics.agreement")
    data = [(coder, str(i), pair[k]) for i, pair in enumerate(ARTSTEIN_POESIO) for k, coder in enumerate("ab")]
    assert cohen_kappa(ARTSTEIN_POESIO) == pytest.approx(agreement.AnnotationTask(data=data).kappa())


def test_kappa_is_undefined_not_one_when_both_sides_use_one_category_only():
    assert cohen_kappa([("none", "none")] * 5) is None
    assert cohen_kappa([]) is None
    # One side constant, the other not: chance agreement equals observed agreement, kappa 0 (defined).
    assert cohen_kappa([("x", "x"), ("x", "y")]) == 0.0
    assert cohen_kappa([("x", "x"), ("y", "y")]) == 1.0


def test_identical_passes_agree_perfectly():
    a = [AnnotatedDocument(DOC, [span("e1", "Kim"), span("e2", "Putin"), span("d1", "Sunday", "date", "TIMEX3")])]
    result = compare(a, a)
    assert result["entity"].strict_f1 == 1.0 and result["date"].attributes["value"] == (1, 1)
    assert result["entity"].kappa == {"label": None, "kind": None}  # one category each: n/a, not 1.0


def test_a_missing_span_a_relabel_and_a_wrong_bound_lower_the_scores():
    a = [AnnotatedDocument(DOC, [span("e1", "Kim"), span("e2", "Putin"), span("e3", "Vladivostok", label="GPE")])]
    b = [
        AnnotatedDocument(
            DOC, [span("e1", "Kim"), span("e2", "Putin", label="ORG"), span("e3", "Vladivostok on", label="GPE")]
        )
    ]
    result = compare(a, b)["entity"]
    assert result.strict_f1 < result.partial_f1 < 1.0
    assert abs(result.strict_f1 - 1 / 3) < 1e-9
    # Overlap F1 counts "Vladivostok" / "Vladivostok on" (same label), not Putin (another label).
    assert abs(result.overlap_f1 - 2 / 3) < 1e-9
    assert result.attributes["label"] == (1, 2)
    assert result.same_extent == 2


def test_date_values_are_compared_on_matching_extents():
    a = [AnnotatedDocument(DOC, [span("d1", "Sunday", "date", "TIMEX3")])]
    other = span("d1", "Sunday", "date", "TIMEX3")
    b = [AnnotatedDocument(DOC, [replace(other, attributes={"type": "DATE", "value": "2023-09-10"})])]
    assert compare(a, b)["date"].attributes["value"] == (0, 1)


def test_kappa_is_reported_per_attribute_on_same_extent_spans_and_shown_as_n_a():
    a = [
        AnnotatedDocument(
            DOC,
            [span("e1", "Kim"), span("e2", "Putin"), span("e3", "Vladivostok", label="GPE"), span("e4", "Sunday")],
        )
    ]
    b = [
        AnnotatedDocument(
            DOC,
            [
                span("e1", "Kim"),
                span("e2", "Putin", label="GPE"),
                span("e3", "Vladivostok", label="GPE"),
                span("e4", "Sunday"),
                span("e5", "met", label="ORG"),  # not on a same extent: not in the kappa
            ],
        )
    ]
    result = compare(a, b)["entity"]
    # labels (A, B): PERSON/PERSON, PERSON/GPE, GPE/GPE, PERSON/PERSON: p_o 3/4, p_e (3*2 + 1*2)/16 = 1/2.
    assert result.kappa["label"] == pytest.approx(0.5)
    assert result.kappa["kind"] is None
    assert "label 0.500; kind n/a" in render_markdown({"entity": result})


def test_clusters_named_differently_are_the_same_but_a_split_cluster_is_not():
    kim, kim2 = span("e1", "Kim", cluster="kim", kind="NAM"), span("e2", "Putin", cluster="kim", kind="NAM")
    a = [AnnotatedDocument(DOC, [kim, kim2, span("e3", "Vladivostok", "entity", "GPE", cluster="vl", kind="NAM")])]
    renamed = [replace(s, attributes={**s.attributes, "cluster": s.attributes["cluster"] + "-x"}) for s in a[0].spans]
    assert compare(a, [AnnotatedDocument(DOC, renamed)])["entity"].attributes["cluster"] == (3, 3)
    split = [renamed[0], replace(renamed[1], attributes={**renamed[1].attributes, "cluster": "other"}), renamed[2]]
    assert compare(a, [AnnotatedDocument(DOC, split)])["entity"].attributes["cluster"] == (2, 3)


def test_a_cluster_id_both_sides_use_is_taken_at_its_word():
    # A predictor takes the gold's ids: its wrong "kim" on Putin stays wrong, not renamed away.
    a = [
        AnnotatedDocument(
            DOC, [span("e1", "Kim", cluster="kim", kind="NAM"), span("e2", "Putin", cluster="putin", kind="NAM")]
        )
    ]
    b = [
        AnnotatedDocument(
            DOC, [span("e1", "Kim", cluster="kim", kind="NAM"), span("e2", "Putin", cluster="kim", kind="NAM")]
        )
    ]
    assert compare(a, b)["entity"].attributes["cluster"] == (1, 2)


def test_disagreements_are_only_in_one_side_boundaries_or_attributes():
    quote = span("q1", "met Putin", "quote", "QUOTE")
    a = [
        AnnotatedDocument(
            DOC,
            [span("e1", "Kim"), span("e2", "Vladivostok", label="GPE"), span("e3", "Sunday", label="DATE"), quote],
            [Relation("r1", "t", "speaker", "q1", "e1", PROV)],
        )
    ]
    b = [
        AnnotatedDocument(
            DOC,
            [
                span("e1", "Kim"),
                span("e2", "Vladivostok on", label="GPE"),
                span("e3", "Putin"),
                replace(quote, attributes={"kind": "belief", "speaker_stated": True}),
            ],
            [Relation("r1", "t", "speaker", "q1", "e1", PROV)],
        )
    ]
    found = disagreements(a, b)
    assert [(d.layer, d.kind) for d in found] == [
        ("entity", "only-b"),  # Putin
        ("entity", "boundary"),  # Vladivostok / Vladivostok on
        ("entity", "only-a"),  # Sunday
        ("quote", "attribute"),
    ]
    assert found[-1].differences == ("kind indirect / belief",)
    assert "only in gold" in found[2].render(("gold", "pass"))
    counts = disagreement_counts(found)
    assert counts["entity"] == {"only-a": 1, "only-b": 1, "boundary": 1, "attribute": 0}


def test_documents_whose_texts_differ_are_refused():
    other = Document.from_text("t", TEXT + " Later.", "t.txt")
    with pytest.raises(ValueError, match="its text differs"):
        compare([AnnotatedDocument(DOC)], [AnnotatedDocument(other)])


# ---------------------------------------------------------------- the command

SUMMIT = "Kim met Putin at Vostochny on 13 September 2023. Putin said the talks went well."


def summit_corpus(extra: bool = False) -> list[AnnotatedDocument]:
    doc = Document.from_text("s", SUMMIT, "s.txt")

    def at(sid, text, layer="entity", label="PERSON", occurrence=1, **attrs):
        start = -1
        for _ in range(occurrence):
            start = SUMMIT.index(text, start + 1)
        return make_span(
            doc, id=sid, layer=layer, start=start, end=start + len(text), label=label, attributes=attrs, provenance=PROV
        )

    spans = [
        at("s-e001", "Kim", kind="NAM", cluster="kim"),
        at("s-e002", "Putin", kind="NAM", cluster="putin"),
        at("s-e003", "Vostochny", label="FAC", kind="NAM", cluster="vostochny"),
        at("s-e004", "Putin", occurrence=2, kind="NAM", cluster="putin"),
        at("s-d001", "13 September 2023", "date", "TIMEX3", type="DATE", value="2023-09-13"),
        at("s-q001", "the talks went well", "quote", "QUOTE", kind="indirect", speaker_stated=True),
    ]
    if extra:
        spans.append(at("s-c001", "the talks went well", "claim", "CLAIM", checkworthy=False, factuality="CT+",
                        source="attributed"))  # fmt: skip
    relations = [Relation("s-r001", "s", "speaker", "s-q001", "s-e004", PROV)]
    return [AnnotatedDocument(doc, spans, relations)]


def write_drafts(folder: Path) -> Path:
    folder.mkdir(parents=True)
    draft = {
        "doc_id": "s",
        "annotator": "pass-x",
        "entities": [
            {"key": "k", "text": "Kim", "type": "PERSON", "kind": "NAM", "cluster": "kim-jong-un"},
            {"key": "p1", "text": "Putin", "type": "PERSON", "kind": "NAM", "cluster": "putin", "occurrence": 1},
            {"key": "v", "text": "Vostochny", "type": "GPE", "kind": "NAM", "cluster": "vostochny"},
            {"key": "p2", "text": "Putin", "type": "PERSON", "kind": "NAM", "cluster": "putin", "occurrence": 2},
        ],
        "dates": [{"key": "d", "text": "13 September 2023", "type": "DATE", "value": "2023-09-13"}],
        "quotes": [{"key": "q", "text": "the talks went well", "kind": "indirect", "speakers": ["p2"]}],
        "claims": [],
    }
    (folder / "s.json").write_text(json.dumps(draft), encoding="utf-8")
    return folder


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
    )


def test_the_command_compares_drafts_with_a_git_ref_not_the_working_tree(tmp_path: Path):
    repo = tmp_path / "repo"
    write_corpus(repo / "annotations", summit_corpus())
    shutil.copytree(current().root / "schema", repo / "schema")  # a checkout carries its schema
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "release")
    git(repo, "tag", "v1")
    write_corpus(repo / "annotations", summit_corpus(extra=True))  # the working tree moves on
    drafts = write_drafts(repo / "passes" / "x")

    out = invoke("agreement", "v1", str(drafts), "--format", "json", cwd=repo)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert (result["a"], result["b"]) == ("v1", str(drafts))
    layers = result["layers"]
    assert layers["claim"]["spans_a"] == 0  # the tagged corpus, not the working tree's claim
    assert layers["entity"]["strict_f1"] == 0.75 and layers["entity"]["kappa"] == {
        "label": 0.429,
        "kind": None,
    }  # (3/4 - 9/16) / (1 - 9/16)
    assert layers["quote"]["attributes"]["speaker"] == {"equal": 1, "compared": 1, "share": 1.0}

    listed = invoke("agreement", "v1", str(drafts), "--disagreements", cwd=repo)
    assert listed.returncode == 0, listed.stderr
    assert "s entity [17, 26) label FAC / GPE" in listed.stdout
    assert "| entity | 0 | 0 | 0 | 1 | 1 |" in listed.stdout
    assert "(drafts resolved against the texts of v1)" in listed.stdout


def test_the_command_compares_a_corpus_folder_with_drafts_and_with_another_corpus(tmp_path: Path):
    old = write_corpus(tmp_path / "old", summit_corpus())
    new = write_corpus(tmp_path / "new", summit_corpus(extra=True))
    drafts = write_drafts(tmp_path / "drafts")
    out = invoke("agreement", str(old), str(drafts), "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["layers"]["date"]["strict_f1"] == 1.0
    both = invoke("agreement", str(old / "corpus"), str(new), "--format", "json", "--disagreements", cwd=tmp_path)
    assert both.returncode == 0, both.stderr
    found = json.loads(both.stdout)["disagreements"]
    assert [(d["layer"], d["kind"]) for d in found] == [("claim", "only-b")]


def test_bad_sides_are_clear_errors_naming_them(tmp_path: Path):
    corpus = write_corpus(tmp_path / "c", summit_corpus())
    (tmp_path / "empty").mkdir()
    out = invoke("agreement", str(corpus), str(tmp_path / "empty"), cwd=tmp_path)
    assert out.returncode == 1 and "holds neither drafts" in out.stderr and "Traceback" not in out.stderr
    out = invoke("agreement", str(corpus), "no-such-ref", cwd=tmp_path)
    assert out.returncode == 1 and "'no-such-ref' is neither a folder nor a git ref" in out.stderr
    drafts = write_drafts(tmp_path / "d")
    (drafts / "s.json").write_text("{not json", encoding="utf-8")
    out = invoke("agreement", str(corpus), str(drafts), cwd=tmp_path)
    assert out.returncode == 1 and f"{drafts / 's.json'}: cannot read draft" in out.stderr
    (drafts / "s.json").write_text(json.dumps({"doc_id": "gone", "entities": []}), encoding="utf-8")
    out = invoke("agreement", str(corpus), str(drafts), cwd=tmp_path)
    assert out.returncode == 1 and "document 'gone' is not on the side" in out.stderr
