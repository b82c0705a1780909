"""croissant.json: generated from the Parquet files, valid Croissant 1.0 + RAI, readable by mlcroissant."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpus_pkg.croissant import (
    CROISSANT_1_0,
    FILENAME,
    RAI_1_0,
    build_croissant,
    build_croissant_from,
    dumps,
    write_croissant,
)
from corpus_pkg.project import dataset_dir

RAI_REQUIRED = (
    "rai:dataCollection",
    "rai:dataAnnotationProtocol",
    "rai:annotatorDemographics",
    "rai:dataLimitations",
    "rai:dataBiases",
    "rai:personalSensitiveInformation",
    "rai:dataUseCases",
)


def _mlcroissant():
    return pytest.importorskip("mlcroissant", reason="mlcroissant is not installed (pip install mlcroissant)")


def _real_dataset() -> Path:
    root = dataset_dir()
    if not any(root.glob("data/*/*.parquet")):
        pytest.skip(f"{root} has no Parquet files yet (run: corpus build)")
    return root


# ---------------------------------------------------------------- a small dataset folder made here

PROVENANCE = pa.struct([("annotator", pa.string()), ("status", pa.int64()), ("score", pa.float64())])
END = pa.struct([("id", pa.string()), ("text", pa.string()), ("start", pa.int32()), ("end", pa.int32())])
CLASS = {"_type": "ClassLabel"}
PROV_FEATURES = {
    "annotator": {"dtype": "string", "_type": "Value"},
    "status": {**CLASS, "names": ["gold", "prediction"]},
    "score": {"dtype": "float64", "_type": "Value"},
}


def _hf_meta(features: dict) -> dict[bytes, bytes]:
    return {b"huggingface": json.dumps({"info": {"features": features}}).encode()}


def _tables() -> dict[str, pa.Table]:
    """Tables shaped like the built configs: ClassLabels as integers, structs, lists of structs, a list in a list."""
    prov = {"annotator": "a1", "status": 0, "score": None}
    entities = pa.table(
        {
            "doc_id": ["d1", "d1", "d2"],
            "id": ["d1-e001", "d1-e002", "d2-e001"],
            "start": pa.array([0, 10, 3], pa.int32()),
            "end": pa.array([3, 16, 9], pa.int32()),
            "text": ["Kim", "Путин 🚀", "e\u0301 <&>"],
            "label": [0, 1, 0],
            "qid": ["Q56226", None, None],
            "provenance": pa.array([prov] * 3, PROVENANCE),
        }
    ).replace_schema_metadata(_hf_meta({"label": {**CLASS, "names": ["PERSON", "GPE"]}, "provenance": PROV_FEATURES}))
    quotes = pa.table(
        {
            "doc_id": ["d1"],
            "id": ["d1-q001"],
            "start": pa.array([20], pa.int32()),
            "end": pa.array([40], pa.int32()),
            "text": ["“we stand together”"],
            "kind": [0],
            "speaker_stated": [True],
            "speakers": pa.array([[{"id": "d1-e001", "text": "Kim", "start": 0, "end": 3}]], pa.list_(END)),
        }
    ).replace_schema_metadata(_hf_meta({"kind": {**CLASS, "names": ["direct", "indirect", "mixed"]}}))
    documents = pa.table(
        {
            "doc_id": ["d1", "d2"],
            "text": ["Kim ...", "... e\u0301"],
            "quotes": pa.array(
                [[{"id": "d1-q001", "speakers": [{"id": "d1-e001", "text": "Kim", "start": 0, "end": 3}]}], []],
                pa.list_(pa.struct([("id", pa.string()), ("speakers", pa.list_(END))])),
            ),
        }
    )
    ner = pa.table(
        {
            "id": ["d1-s001"],
            "tokens": pa.array([["Kim", "met", "Putin"]], pa.list_(pa.string())),
            "ner_tags": pa.array([[1, 0, 2]], pa.list_(pa.int64())),
        }
    ).replace_schema_metadata(
        _hf_meta({"ner_tags": {"_type": "List", "feature": {**CLASS, "names": ["O", "B-PERSON", "B-GPE"]}}})
    )
    return {"documents": documents, "entities": entities, "quotes": quotes, "ner": ner}


def _write_folder(root: Path) -> Path:
    for config, tbl in _tables().items():
        path = root / "data" / config / "test-00000-of-00001.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(tbl, path, compression="zstd")
    (root / "README.md").write_text("---\nconfigs: []\n---\n", encoding="utf-8")
    return root


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return _write_folder(tmp_path / "dataset")


def _fields(record_set: dict) -> dict[str, dict]:
    return {f["@id"]: f for f in record_set["field"]}


def test_each_parquet_file_is_a_file_object_with_its_sha256_and_a_relative_content_url(folder):
    doc = build_croissant(folder)
    files = {f["contentUrl"]: f for f in doc["distribution"]}
    assert sorted(files) == sorted(p.relative_to(folder).as_posix() for p in folder.glob("data/*/*.parquet"))
    for rel, f in files.items():
        assert f["@type"] == "cr:FileObject"
        assert f["encodingFormat"] == "application/x-parquet"
        assert f["sha256"] == hashlib.sha256((folder / rel).read_bytes()).hexdigest()
        assert not Path(rel).is_absolute()


def test_there_is_one_record_set_per_config_with_a_field_per_parquet_column(folder):
    doc = build_croissant(folder)
    assert [rs["@id"] for rs in doc["recordSet"]] == ["documents", "entities", "ner", "quotes"]
    for rs in doc["recordSet"]:
        schema = pq.read_schema(folder / "data" / rs["@id"] / "test-00000-of-00001.parquet")
        assert list(_fields(rs)) == [f"{rs['@id']}/{name}" for name in schema.names]


def test_field_types_follow_the_arrow_types_and_class_labels_are_named(folder):
    rs = {r["@id"]: r for r in build_croissant(folder)["recordSet"]}
    ent = _fields(rs["entities"])
    assert ent["entities/text"]["dataType"] == "sc:Text"
    assert ent["entities/start"]["dataType"] == "sc:Integer"
    assert ent["entities/label"]["dataType"] == "sc:Integer"
    assert "0=PERSON, 1=GPE" in ent["entities/label"]["description"]
    prov = {f["@id"]: f for f in ent["entities/provenance"]["subField"]}
    assert prov["entities/provenance/score"]["dataType"] == "sc:Float"
    assert prov["entities/provenance/status"]["source"]["transform"] == {"jsonPath": "status"}
    assert "0=gold, 1=prediction" in prov["entities/provenance/status"]["description"]
    quotes = _fields(rs["quotes"])
    assert quotes["quotes/speaker_stated"]["dataType"] == "sc:Boolean"
    assert quotes["quotes/speakers"]["repeated"] is True
    assert [f["@id"] for f in quotes["quotes/speakers"]["subField"]] == [
        "quotes/speakers/id",
        "quotes/speakers/text",
        "quotes/speakers/start",
        "quotes/speakers/end",
    ]
    ner = _fields(rs["ner"])
    assert ner["ner/tokens"]["repeated"] is True and ner["ner/tokens"]["dataType"] == "sc:Text"
    assert "1=B-PERSON" in ner["ner/ner_tags"]["description"]


def test_a_list_inside_a_list_is_left_out_and_named_in_its_parent(folder):
    rs = {r["@id"]: r for r in build_croissant(folder)["recordSet"]}
    quotes = _fields(rs["documents"])["documents/quotes"]
    assert [f["@id"] for f in quotes["subField"]] == ["documents/quotes/id"]
    assert "speakers" in quotes["description"]


def test_the_metadata_declares_croissant_1_0_and_the_rai_fields(folder):
    doc = build_croissant(folder)
    assert doc["conformsTo"] == [CROISSANT_1_0, RAI_1_0]
    assert doc["@context"]["rai"] == "http://mlcommons.org/croissant/RAI/"
    for key in RAI_REQUIRED:
        assert doc[key], key
    who = doc["rai:annotatorDemographics"][0]
    assert "no pass was made by a human" in who.lower() and "Claude (Anthropic)" in who and "adjudicat" in who


def test_the_output_is_deterministic_and_rewritten_only_when_it_changes(folder):
    path = write_croissant(folder)
    first = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    assert write_croissant(folder).read_bytes() == first
    assert path.stat().st_mtime_ns == mtime
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.glob("data/*/*.parquet")}
    assert dumps(build_croissant_from(dict(reversed(list(files.items()))))) == first.decode("utf-8")


def test_a_changed_parquet_file_changes_its_checksum(folder):
    before = {f["contentUrl"]: f["sha256"] for f in build_croissant(folder)["distribution"]}
    path = folder / "data" / "entities" / "test-00000-of-00001.parquet"
    tbl = pq.read_table(path)
    pq.write_table(tbl.slice(0, 2), path)
    after = {f["contentUrl"]: f["sha256"] for f in build_croissant(folder)["distribution"]}
    assert after["data/entities/test-00000-of-00001.parquet"] != before["data/entities/test-00000-of-00001.parquet"]
    assert {k: v for k, v in after.items() if "entities" not in k} == {
        k: v for k, v in before.items() if "entities" not in k
    }


def test_a_folder_without_parquet_files_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no Parquet files"):
        build_croissant(tmp_path)


def test_mlcroissant_validates_the_small_folder_without_warnings_and_reads_every_record_set(folder):
    mlc = _mlcroissant()
    path = folder / FILENAME
    path.write_text(dumps(build_croissant(folder, date_published="2024-01-01")), encoding="utf-8")
    ds = mlc.Dataset(jsonld=str(path))
    assert not ds.metadata.ctx.issues.errors
    assert not ds.metadata.ctx.issues.warnings
    tables = _tables()
    for config, tbl in tables.items():
        records = list(ds.records(record_set=config))
        assert len(records) == tbl.num_rows, config
    entities = list(ds.records(record_set="entities"))
    assert [r["entities/text"].decode("utf-8") for r in entities] == tables["entities"].column("text").to_pylist()
    quote = next(iter(ds.records(record_set="quotes")))
    assert [s["quotes/speakers/id"] for s in quote["quotes/speakers"]] == [b"d1-e001"]


def test_mlcroissant_refuses_a_parquet_file_that_no_longer_matches_its_checksum(folder):
    mlc = _mlcroissant()
    path = write_croissant(folder)
    data = folder / "data" / "entities" / "test-00000-of-00001.parquet"
    pq.write_table(pq.read_table(data).slice(0, 1), data)
    ds = mlc.Dataset(jsonld=str(path))
    # mlcroissant wraps the cause in a GenerationError.
    with pytest.raises(Exception) as info:
        list(ds.records(record_set="entities"))
    chain, e = [], info.value
    while e is not None:
        chain.append(str(e))
        e = e.__cause__
    assert any("Hash of downloaded file" in m for m in chain), chain


# ---------------------------------------------------------------- the real dataset folder


def test_the_committed_croissant_json_is_what_the_parquet_files_generate():
    root = _real_dataset()
    path = root / FILENAME
    assert path.is_file(), f"{path} is missing (write it with corpus_pkg.croissant.write_croissant)"
    assert path.read_text(encoding="utf-8") == dumps(build_croissant(root)), (
        f"{path} is out of date with the Parquet files (rewrite it with write_croissant)"
    )


def test_the_real_dataset_validates_with_mlcroissant_and_its_record_sets_have_the_parquet_row_counts():
    mlc = _mlcroissant()
    root = _real_dataset()
    path = root / FILENAME
    if not path.is_file():
        pytest.fail(f"{path} is missing (write it with corpus_pkg.croissant.write_croissant)")
    ds = mlc.Dataset(jsonld=str(path))
    assert not ds.metadata.ctx.issues.errors
    doc = json.loads(path.read_text(encoding="utf-8"))
    by_id = {f["@id"]: f for f in doc["distribution"]}
    assert any(rs["@id"] == "entities" for rs in doc["recordSet"])
    for rs in doc["recordSet"]:
        file_id = rs["field"][0]["source"]["fileObject"]["@id"]
        expected = pq.read_metadata(root / by_id[file_id]["contentUrl"]).num_rows
        if expected == 0 and rs["@id"] != "entities":
            continue  # mlcroissant reads an empty Parquet file as one without columns
        assert sum(1 for _ in ds.records(record_set=rs["@id"])) == expected, rs["@id"]
