"""The Hugging Face dataset: features, content, determinism, freshness, no stale cache, and the wheel."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import hashlib
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import TEXT_1, TEXT_2, find, relabelled, sample_docs, with_undeclared_attribute
from strategies import PROV, corpora, without_source

import corpus_pkg
from corpus_pkg import __version__, builder, hf
from corpus_pkg.cli import main
from corpus_pkg.model import AnnotatedDocument, make_span
from corpus_pkg.project import Project
from corpus_pkg.storage import write_document
from corpus_pkg.tokens import AlignmentError, tags_to_spans, tokenize

REPO = Path(__file__).resolve().parent.parent

# The sample holds a prediction; builds of it publish predictions too, to show they survive.
SHOWN = ("prediction",)


def write_corpus(root: Path, docs: list[AnnotatedDocument]) -> Path:
    for d in docs:
        write_document(d, root)
    return root


@pytest.fixture
def sample(tmp_path: Path) -> tuple[Path, Path]:
    """A sample annotations root and the dataset built from it."""
    root = write_corpus(tmp_path / "annotations", sample_docs())
    out = tmp_path / "dataset"
    builder.build(root, out, include=SHOWN)
    return root, out


def load(out: Path, config: str, cache: Path) -> datasets.Dataset:
    return datasets.load_dataset(str(out), config, cache_dir=str(cache))[hf.SPLIT]


def decoded(ds: datasets.Dataset) -> list[dict]:
    """Rows with every ClassLabel turned back into its name."""
    return [_names(ds.features, r) for r in ds]


def _names(feat, value):
    if isinstance(feat, datasets.ClassLabel):
        return None if value is None else feat.int2str(value)  # an optional label left out (a date's mod)
    if isinstance(feat, dict):
        return {k: _names(f, value[k]) for k, f in feat.items()}
    if isinstance(feat, datasets.List):
        return [_names(feat.feature, v) for v in value]
    return value


# ---------------------------------------------------------------- what loads


def test_every_config_loads_with_its_declared_features_and_version(sample: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = sample
    want = {"documents": 2, "entities": 13, "dates": 2, "quotes": 1, "claims": 2}
    for config in hf.CONFIGS:
        ds = load(out, config, tmp_path / "cache")
        assert ds.features == hf.features(config), config
        assert str(ds.info.version) == __version__
        if config in want:
            assert ds.num_rows == want[config], config
    assert load(out, "ner", tmp_path / "cache").num_rows >= 3
    # The default config is `documents`.
    assert datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))[hf.SPLIT].features == hf.features(
        "documents"
    )


def test_labels_load_as_classlabels_from_the_one_declaration(sample: tuple[Path, Path], tmp_path: Path) -> None:
    from corpus_pkg.labels import label_sets

    ls = label_sets()
    ents = load(sample[1], "entities", tmp_path / "cache")
    assert ents.features["label"].names == list(ls.entity_types)
    assert ents.features["kind"].names == list(ls.entity_kinds)
    assert ents.features["provenance"]["status"].names == list(ls.statuses)
    claims = load(sample[1], "claims", tmp_path / "cache")
    assert claims.features["factuality"].names == list(ls.factuality)
    assert {r["label"] for r in decoded(ents)} == {"NORP", "PERSON", "FAC", "GPE"}


def test_every_loaded_span_text_equals_the_slice_of_its_document_text(
    sample: tuple[Path, Path], tmp_path: Path
) -> None:
    _, out = sample
    cache = tmp_path / "cache"
    texts = {r["doc_id"]: r["text"] for r in load(out, "documents", cache)}
    assert texts == {"s-001": TEXT_1, "s-002": TEXT_2}
    checked = 0
    for config in hf.SPAN_CONFIGS:
        for r in load(out, config, cache):
            assert texts[r["doc_id"]][r["start"] : r["end"]] == r["text"]
            for end in r.get("speakers", []) + r.get("claimants", []):
                assert texts[r["doc_id"]][end["start"] : end["end"]] == end["text"]
            checked += 1
    for doc in load(out, "documents", cache):
        for config in hf.SPAN_CONFIGS:
            for s in doc[config]:
                assert doc["text"][s["start"] : s["end"]] == s["text"]
    assert checked == 18


def test_quotes_and_claims_carry_their_speakers_and_claimants_without_a_join(
    sample: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    (quote,) = decoded(load(sample[1], "quotes", cache))
    assert [(s["text"], s["cluster"]) for s in quote["speakers"]] == [("Putin", "vladimir-putin")]
    assert (quote["kind"], quote["speaker_stated"]) == ("mixed", True)
    claims = {c["text"]: c for c in decoded(load(sample[1], "claims", cache))}
    attributed = claims["Russia wants ammunition"]
    assert attributed["source"] == "attributed"
    assert [(s["text"], s["cluster"]) for s in attributed["claimants"]] == [("Analysts", "analysts")]
    outlet = claims["Kim Jong Un met Russian President Vladimir\u00a0Putin"]
    assert outlet["source"] == "outlet" and outlet["claimants"] == []


def test_provenance_and_optional_attributes_survive(sample: tuple[Path, Path], tmp_path: Path) -> None:
    ents = {(r["doc_id"], r["text"]): r for r in decoded(load(sample[1], "entities", tmp_path / "cache"))}
    assert ents[("s-001", "Russian")]["provenance"] == {
        "annotator": "model",
        "tool": "spacy",
        "tool_version": "3.8",
        "status": "prediction",
        "score": 0.87,
    }
    assert ents[("s-001", "Kim Jong Un")]["qid"] == "Q56226"
    assert ents[("s-001", "Analysts")]["qid"] is None
    assert ents[("s-001", "Kim Jong Un")]["provenance"]["score"] is None


def test_ner_tags_convert_back_to_exactly_the_gold_entities(sample: tuple[Path, Path], tmp_path: Path) -> None:
    ner = load(sample[1], "ner", tmp_path / "cache")
    names = ner.features["ner_tags"].feature.names
    got = {
        (r["doc_id"], *s)
        for r in ner
        for s in tags_to_spans(r["token_starts"], r["token_ends"], [names[t] for t in r["ner_tags"]])
    }
    want = {
        (d.doc_id, s.start, s.end, s.label)
        for d in sample_docs()
        for s in d.spans_in("entity")
        if s.provenance.status == "gold"
    }
    assert got == want
    # The prediction ("Russian") is not a training label.
    assert not any(s[1:3] == find(TEXT_1, "Russian") for s in got)


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(corpora(), st.data())
def test_generated_corpora_round_trip_through_load_dataset(
    tmp_path_factory: pytest.TempPathFactory, docs: list[AnnotatedDocument], data: st.DataObject
) -> None:
    # Entities off spaCy token boundaries cannot be in a token view (a separate test shows they raise):
    # keep the aligned ones, and the relations whose ends survive.
    kept = []
    for d in docs:
        tok = tokenize(d.document.text)
        drop = {
            s.id
            for s in d.spans_in("entity")
            if (cs := tok.char_span(s.start, s.end, alignment_mode="strict")) is None
            or cs[0].is_space
            or cs[-1].is_space
        }
        rels = [r for r in d.relations if r.tail not in drop]
        heads = {r.head for r in rels}
        spans = []
        for s in d.spans:
            if s.id in drop:
                continue
            if s.layer == "quote":
                s = make_span(
                    d.document,
                    id=s.id,
                    layer=s.layer,
                    start=s.start,
                    end=s.end,
                    label=s.label,
                    attributes={**s.attributes, "speaker_stated": s.id in heads},
                    provenance=s.provenance,
                )
                s = s if s.id in heads else without_source(d.document, s)
            elif s.layer == "claim":
                s = make_span(
                    d.document,
                    id=s.id,
                    layer=s.layer,
                    start=s.start,
                    end=s.end,
                    label=s.label,
                    attributes={**s.attributes, "source": "attributed" if s.id in heads else "outlet"},
                    provenance=s.provenance,
                )
            spans.append(s)
        kept.append(AnnotatedDocument(d.document, spans, rels))
    tmp = tmp_path_factory.mktemp("gen")
    root = write_corpus(tmp / "annotations", kept)
    builder.build(root, tmp / "dataset")
    texts = {d.doc_id: d.document.text for d in kept}
    for config, layer in hf.SPAN_CONFIGS.items():
        want = sorted((d.doc_id, s.start, s.end, s.text) for d in kept for s in d.spans_in(layer))
        if not want:
            continue  # datasets cannot load an empty split (see test_a_config_without_rows_...)
        ds = load(tmp / "dataset", config, tmp / "cache")
        assert ds.features == hf.features(config)
        assert sorted((r["doc_id"], r["start"], r["end"], r["text"]) for r in ds) == want
        assert all(texts[r["doc_id"]][r["start"] : r["end"]] == r["text"] for r in ds)
    ner = load(tmp / "dataset", "ner", tmp / "cache")
    names = ner.features["ner_tags"].feature.names
    got = sorted(
        (r["doc_id"], *s)
        for r in ner
        for s in tags_to_spans(r["token_starts"], r["token_ends"], [names[t] for t in r["ner_tags"]])
    )
    assert got == sorted((d.doc_id, s.start, s.end, s.label) for d in kept for s in d.spans_in("entity"))


def test_a_misaligned_entity_stops_the_build_naming_it(tmp_path: Path) -> None:
    docs = sample_docs()
    doc = docs[0].document
    start, end = find(doc.text, "Summ")  # inside the token "Summit"
    docs[0].spans.append(
        make_span(
            doc,
            id="s-001-e099",
            layer="entity",
            start=start,
            end=end,
            label="EVENT",
            attributes={"kind": "NAM", "cluster": "x"},
            provenance=PROV,
        )
    )
    root = write_corpus(tmp_path / "annotations", [d.sorted() for d in docs])
    with pytest.raises(AlignmentError, match=r"s-001: entity s-001-e099 'Summ'"):
        builder.build(root, tmp_path / "dataset")
    assert not (tmp_path / "dataset").exists()


def test_a_config_without_rows_loads_empty_through_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = sample_docs()
    docs[1] = AnnotatedDocument(docs[1].document)
    docs[0] = AnnotatedDocument(docs[0].document, [s for s in docs[0].spans if s.layer == "entity"])
    out = tmp_path / "dataset"
    builder.build(None, out, docs=docs, include=SHOWN)
    monkeypatch.setattr("corpus_pkg.hf.installed", lambda: Project(out, out, out, None, "installed package"))
    for config in ("dates", "quotes", "claims"):
        ds = corpus_pkg.load(config, cache_dir=str(tmp_path / "cache"))
        assert ds[hf.SPLIT].num_rows == 0
        assert ds[hf.SPLIT].features == hf.features(config)
        assert corpus_pkg.load(config, split=hf.SPLIT).features == hf.features(config)
    assert corpus_pkg.load("entities", cache_dir=str(tmp_path / "cache"))[hf.SPLIT].num_rows == 8
    # Plain pyarrow readers get an empty table with the full schema.
    assert pq.read_table(out / hf.data_path("quotes")).schema.names == list(hf.features("quotes"))


# ---------------------------------------------------------------- determinism and freshness


def test_rebuilding_unchanged_annotations_is_byte_identical(sample: tuple[Path, Path], tmp_path: Path) -> None:
    root, out = sample
    again = tmp_path / "again"
    builder.build(root, again, include=SHOWN)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (out / rel).read_bytes() == (again / rel).read_bytes(), rel
    mtimes = {rel: (out / rel).stat().st_mtime_ns for rel in files}
    result = builder.build(root, out, include=SHOWN)
    assert result.written == [] and result.removed == []
    assert {rel: (out / rel).stat().st_mtime_ns for rel in files} == mtimes


def test_the_parquet_files_carry_the_features_in_their_schema_metadata(sample: tuple[Path, Path]) -> None:
    for config in hf.CONFIGS:
        schema = pq.read_schema(sample[1] / hf.data_path(config))
        assert datasets.Features.from_arrow_schema(schema) == hf.features(config)
        meta = pq.read_metadata(sample[1] / hf.data_path(config)).metadata
        assert b"huggingface" in meta


def test_the_manifest_holds_the_sha256_of_every_file(sample: tuple[Path, Path]) -> None:
    out = sample[1]
    lines = (out / hf.MANIFEST).read_text(encoding="utf-8").splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != hf.MANIFEST)
    assert sorted(listed) == files
    for rel, digest in listed.items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest


def test_the_card_yaml_declares_configs_features_splits_and_license(sample: tuple[Path, Path]) -> None:
    text = (sample[1] / hf.README).read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert [c["config_name"] for c in front["configs"]] == list(hf.CONFIGS)
    assert [c["config_name"] for c in front["configs"] if c.get("default")] == ["documents"]
    assert {c["version"] for c in front["configs"]} == {__version__}
    assert all("xxh3_128:" in c["description"] for c in front["configs"])
    assert front["license"] == "cc-by-4.0" and front["language"] == ["en"]
    assert "token-classification" in front["task_categories"]
    infos = {i["config_name"]: i for i in front["dataset_info"]}
    assert infos["quotes"]["splits"] == [
        {"name": "test", "num_bytes": infos["quotes"]["splits"][0]["num_bytes"], "num_examples": 1}
    ]
    assert "third-party news articles" in " ".join(text.split())


def test_the_card_has_the_sections_of_the_hub_dataset_card_template_in_its_order(sample: tuple[Path, Path]) -> None:
    import re

    import huggingface_hub

    template = Path(huggingface_hub.__file__).parent / "templates" / "datasetcard_template.md"
    headings = re.findall(r"^(#{2,4}) (.+)$", template.read_text(encoding="utf-8"), flags=re.M)
    required = [f"{h} {t}" for h, t in headings if "[optional]" not in t]
    known = {f"{h} {t.replace(' [optional]', '')}" for h, t in headings}
    card = huggingface_hub.DatasetCard((sample[1] / hf.README).read_text(encoding="utf-8")).text
    ours = [line for line in card.splitlines() if line in known]
    assert [h for h in ours if h in required] == required
    order = [f"{h} {t.replace(' [optional]', '')}" for h, t in headings]
    assert ours == sorted(ours, key=order.index)


def test_the_shipped_dataset_carries_the_datasheet_its_card_links() -> None:
    out = REPO / "dataset"
    assert (out / hf.DATASHEET).read_bytes() == (REPO / "DATASHEET.md").read_bytes()
    assert f"]({hf.DATASHEET})" in (out / hf.README).read_text(encoding="utf-8")
    assert f"  {hf.DATASHEET}\n" in (out / hf.MANIFEST).read_text(encoding="utf-8")


def test_a_build_of_other_annotations_does_not_borrow_the_datasheet(sample: tuple[Path, Path]) -> None:
    assert not (sample[1] / hf.DATASHEET).exists()
    assert f"]({hf.DATASHEET})" not in (sample[1] / hf.README).read_text(encoding="utf-8")
    assert "**Agreement.**" not in (sample[1] / hf.README).read_text(encoding="utf-8")


def test_the_shipped_card_states_the_agreement_paragraph_of_the_datasheet() -> None:
    from corpus_pkg.datasheet import block

    paragraph = block((REPO / "DATASHEET.md").read_text(encoding="utf-8"), "agreement-headline")
    assert paragraph and "Cohen's kappa" in paragraph
    assert paragraph in (REPO / "dataset" / hf.README).read_text(encoding="utf-8")


def test_check_finds_nothing_on_a_fresh_build_and_names_what_is_stale(sample: tuple[Path, Path]) -> None:
    root, out = sample
    assert builder.check(root, out, include=SHOWN) == []
    docs = sample_docs()
    docs[1] = AnnotatedDocument(docs[1].document, [s for s in docs[1].spans if s.layer != "date"])
    write_document(docs[1], root)
    problems = builder.check(root, out, include=SHOWN)
    assert "out of date: data/dates/test-00000-of-00001.parquet" in problems
    assert "out of date: README.md" in problems
    builder.build(root, out, include=SHOWN)
    assert builder.check(root, out, include=SHOWN) == []
    (out / "data" / "stray.parquet").write_bytes(b"x")
    assert builder.check(root, out, include=SHOWN) == ["not generated by the build: data/stray.parquet"]
    (out / "data" / "stray.parquet").unlink()
    path = out / hf.data_path("claims")
    pq.write_table(pq.read_table(path).slice(0, 1), path)
    assert set(builder.check(root, out, include=SHOWN)) == {
        f"out of date: {hf.data_path('claims')}",
        "MANIFEST does not match the files",
    }


def test_check_ignores_parquet_bytes_that_differ_only_in_writer_settings(sample: tuple[Path, Path]) -> None:
    root, out = sample
    path = out / hf.data_path("entities")
    pq.write_table(pq.read_table(path), path, compression="snappy")
    problems = builder.check(root, out, include=SHOWN)
    assert problems == ["MANIFEST does not match the files"]


def test_build_check_exits_1_when_stale_and_writes_nothing(sample: tuple[Path, Path]) -> None:
    root, out = sample
    runner = CliRunner()
    build = ["build", "--include", "prediction", "--annotations", str(root), "--out", str(out)]
    ok = runner.invoke(main, [*build, "--check"])
    assert ok.exit_code == 0, ok.output
    docs = sample_docs()
    docs[0] = AnnotatedDocument(docs[0].document, [s for s in docs[0].spans if s.layer != "date"], docs[0].relations)
    write_document(docs[0], root)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    stale = runner.invoke(main, [*build, "--check"])
    assert stale.exit_code == 1
    assert "out of date" in stale.output
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    done = runner.invoke(main, build)
    assert done.exit_code == 0 and "written" in done.output
    assert runner.invoke(main, [*build, "--check"]).exit_code == 0


def test_the_committed_dataset_is_up_to_date_with_the_annotations() -> None:
    problems = builder.check(REPO / "annotations", REPO / "dataset")
    assert problems == [], "dataset/ is stale; run `corpus build`: " + "; ".join(problems)


def test_the_corpus_command_has_build_diff_and_publish() -> None:
    from corpus_pkg.cli import main

    assert {"build", "diff", "publish"} <= set(main.commands)


# ---------------------------------------------------------------- the stale-cache trap


def test_changing_one_annotation_and_rebuilding_changes_what_load_dataset_returns(
    sample: tuple[Path, Path], tmp_path: Path
) -> None:
    root, out = sample
    cache = tmp_path / "cache"  # one cache for both loads: the trap is a cache hit on old data
    before = {r["text"]: r for r in decoded(load(out, "entities", cache))}
    readme_before = (out / hf.README).read_text(encoding="utf-8")
    assert before["Vostochny Cosmodrome"]["label"] == "FAC"

    docs = relabelled(sample_docs(), 0, "Vostochny Cosmodrome", "LOC")
    write_document(docs[0], root)
    builder.build(root, out, include=SHOWN)

    after = {r["text"]: r for r in decoded(load(out, "entities", cache))}
    assert after["Vostochny Cosmodrome"]["label"] == "LOC"
    assert len(after) == len(before)
    doc_row = decoded(load(out, "documents", cache))[0]
    assert {e["text"]: e["label"] for e in doc_row["entities"]}["Vostochny Cosmodrome"] == "LOC"
    # Only fingerprints changed in the YAML (same row counts); the version is untouched.
    readme_after = (out / hf.README).read_text(encoding="utf-8")
    yb, ya = (yaml.safe_load(t.split("---\n")[1]) for t in (readme_before, readme_after))
    assert [c["version"] for c in ya["configs"]] == [__version__] * len(hf.CONFIGS)
    changed = {c["config_name"] for c, d in zip(yb["configs"], ya["configs"], strict=True) if c != d}
    assert changed == {"documents", "entities", "ner"}
    assert yb["dataset_info"] == ya["dataset_info"]


# ---------------------------------------------------------------- the shipped dataset


def test_the_committed_dataset_loads_through_the_package(tmp_path: Path) -> None:
    docs = corpus_pkg.load("documents", cache_dir=str(tmp_path / "cache"))[hf.SPLIT]
    assert docs.num_rows == len(list((REPO / "annotations" / "corpus").glob("*.jsonl")))
    for config in hf.CONFIGS:
        ds = corpus_pkg.load(config, cache_dir=str(tmp_path / "cache"))[hf.SPLIT]
        assert ds.features == hf.features(config)
        assert str(ds.info.version) == __version__


def test_the_wheel_ships_the_dataset_and_loads_it_from_a_read_only_install(tmp_path: Path) -> None:
    wheels, target, cwd = tmp_path / "wheels", tmp_path / "site", tmp_path / "cwd"
    cwd.mkdir()
    made = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(REPO)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, f"the wheel does not build:\n{made.stderr[-2000:]}"
    (wheel,) = wheels.glob("corpus_pkg-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        cwd=cwd,
    )
    assert (target / "corpus_pkg" / "dataset" / hf.README).is_file()
    for p in [target, *target.rglob("*")]:
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    before = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in target.rglob("*")}
    script = (
        "import json, corpus_pkg\n"
        "from corpus_pkg.project import installed\n"
        "ents = corpus_pkg.load('entities')['test']\n"
        "docs = corpus_pkg.load('documents')['test']\n"
        "print(json.dumps({'module': corpus_pkg.__file__, 'dataset': str(installed().dataset),\n"
        "                  'entities': ents.num_rows, 'documents': docs.num_rows,\n"
        "                  'features': list(ents.features)}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("CORPUS_ANNOTATIONS", "PYTHONPATH")}
    env.update(
        PYTHONPATH=str(target),
        HF_HUB_OFFLINE="1",
        HF_DATASETS_CACHE=str(tmp_path / "cache"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stderr
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        assert Path(got["module"]).is_relative_to(target)
        assert Path(got["dataset"]) == target / "corpus_pkg" / "dataset"
        shipped = pq.read_table(REPO / "dataset" / hf.data_path("documents")).num_rows
        assert got["documents"] == shipped
        assert got["entities"] == pq.read_metadata(REPO / "dataset" / hf.data_path("entities")).num_rows
        assert got["features"] == list(hf.features("entities"))
        assert {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in target.rglob("*")} == before
    finally:
        for p in [target, *target.rglob("*")]:
            p.chmod(p.stat().st_mode | stat.S_IWUSR)
        shutil.rmtree(target)


def test_an_attribute_the_features_do_not_hold_is_refused_not_dropped() -> None:
    docs, span_id = with_undeclared_attribute(sample_docs())
    with pytest.raises(ValueError, match=rf"{span_id} has attributes \['salience'\]"):
        hf.rows("entities", docs)


def test_table_rows_match_features_encoding(sample: tuple[Path, Path]) -> None:
    tbl = pq.read_table(sample[1] / hf.data_path("entities"))
    assert tbl.schema.field("start").type == pa.int32()
    assert tbl.schema.field("label").type == pa.int64()
