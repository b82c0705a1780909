"""`corpus publish`: the dry run, the upload plan, refusals, and the card as the Hub reads it (no network)."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from huggingface_hub import DatasetCard

from corpus_pkg import __version__, builder, hf
from corpus_pkg.cli import main
from corpus_pkg.model import AnnotatedDocument
from corpus_pkg.publish import PublishError, publish
from corpus_pkg.storage import load_corpus, write_document

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the real annotations and a dataset folder built from it."""
    root = tmp_path / "annotations"
    shutil.copytree(REPO / "annotations", root)
    out = tmp_path / "dataset"
    builder.build(root, out)
    return root, out


class NoNetwork:
    def __getattr__(self, name: str):
        raise AssertionError(f"the dry run called HfApi.{name}")


class FakeApi:
    """Records the calls a real upload makes."""

    def __init__(self, tags: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.tags = tags

    def create_repo(self, repo_id: str, **kw) -> None:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kw}))

    def list_repo_refs(self, repo_id: str, **kw) -> SimpleNamespace:
        self.calls.append(("list_repo_refs", {"repo_id": repo_id, **kw}))
        return SimpleNamespace(tags=[SimpleNamespace(name=t) for t in self.tags])

    def upload_folder(self, **kw) -> SimpleNamespace:
        self.calls.append(("upload_folder", kw))
        return SimpleNamespace(oid="abc123")

    def create_tag(self, repo_id: str, **kw) -> None:
        self.calls.append(("create_tag", {"repo_id": repo_id, **kw}))


def files_on_disk(folder: Path) -> list[tuple[str, int]]:
    return sorted((p.relative_to(folder).as_posix(), p.stat().st_size) for p in folder.rglob("*") if p.is_file())


def test_the_dry_run_lists_exactly_the_files_and_sizes_and_changes_nothing(built: tuple[Path, Path]) -> None:
    root, out = built
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    lines: list[str] = []
    plan = publish("org/summit-news", dry_run=True, dataset=out, annotations=root, api=NoNetwork(), echo=lines.append)
    assert plan.files == files_on_disk(out)
    assert plan.tag == f"v{__version__}"
    assert [p for p, _ in plan.files] == sorted(
        ["MANIFEST", "README.md", "croissant.json", *(hf.data_path(c) for c in hf.CONFIGS)]
    )
    text = "\n".join(lines)
    for path, size in plan.files:
        assert f"{size:>10}  {path}" in text
    assert f"{plan.total:>10}  total, {len(plan.files)} files" in text
    assert "dry run: nothing uploaded" in text
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_an_upload_sends_the_planned_files_as_a_dataset_and_tags_the_commit(built: tuple[Path, Path]) -> None:
    root, out = built
    api = FakeApi()
    plan = publish("org/summit-news", dataset=out, annotations=root, api=api, echo=lambda _: None)
    names = [name for name, _ in api.calls]
    assert names == ["create_repo", "list_repo_refs", "upload_folder", "create_tag"]
    calls = dict(api.calls)
    assert calls["create_repo"]["repo_type"] == "dataset"
    upload = calls["upload_folder"]
    assert upload["repo_type"] == "dataset" and upload["repo_id"] == "org/summit-news"
    assert Path(upload["folder_path"]) == out
    assert upload["allow_patterns"] == [p for p, _ in plan.files]
    assert calls["create_tag"] == {
        "repo_id": "org/summit-news",
        "repo_type": "dataset",
        "tag": f"v{__version__}",
        "revision": "abc123",
        "tag_message": f"corpus_pkg {__version__}",
    }


def test_an_existing_version_tag_is_never_overwritten(built: tuple[Path, Path]) -> None:
    api = FakeApi(tags=(f"v{__version__}",))
    with pytest.raises(PublishError, match="already has tag"):
        publish("org/summit-news", dataset=built[1], annotations=built[0], api=api, echo=lambda _: None)
    assert "upload_folder" not in [name for name, _ in api.calls]


def test_a_stale_dataset_is_not_published(built: tuple[Path, Path]) -> None:
    root, out = built
    docs = load_corpus(root)
    d = docs[0].document
    write_document(AnnotatedDocument(type(d)(**{**d.__dict__, "title": "A corrected title"})), root)
    with pytest.raises(PublishError, match="out of date"):
        publish("org/summit-news", dry_run=True, dataset=out, annotations=root, api=NoNetwork(), echo=lambda _: None)


@pytest.mark.parametrize("repo_id", ["summit-news", "org/", "/name", "org/name/extra", "org/na me"])
def test_a_malformed_repo_id_is_refused(built: tuple[Path, Path], repo_id: str) -> None:
    with pytest.raises(PublishError, match="ORG/NAME"):
        publish(repo_id, dry_run=True, dataset=built[1], annotations=built[0], api=NoNetwork(), echo=lambda _: None)


def test_the_command_dry_run_prints_the_plan(built: tuple[Path, Path]) -> None:
    root, out = built
    result = CliRunner().invoke(
        main,
        ["publish", "--repo-id", "org/summit-news", "--dry-run", "--dataset", str(out), "--annotations", str(root)],
    )
    assert result.exit_code == 0, result.output
    assert "README.md" in result.output and f"tag v{__version__}" in result.output
    bad = CliRunner().invoke(main, ["publish", "--repo-id", "nope", "--dry-run", "--dataset", str(out)])
    assert bad.exit_code == 1 and "ORG/NAME" in bad.output


def test_the_card_parses_as_the_hub_reads_it(built: tuple[Path, Path]) -> None:
    from datasets.utils.metadata import MetadataConfigs

    card = DatasetCard.load(built[1] / hf.README)
    data = card.data.to_dict()
    assert data["license"] == "cc-by-4.0"
    assert data["language"] == ["en"]
    assert data["pretty_name"]
    assert data["size_categories"] == ["n<1K"]
    assert {"token-classification", "text-classification"} <= set(data["task_categories"])
    configs = MetadataConfigs.from_dataset_card_data(card.data)
    assert list(configs) == list(hf.CONFIGS)
    assert configs.get_default_config_name() == "documents"
    assert {c["version"] for c in configs.values()} == {__version__}
    assert {c["data_files"][0]["path"] for c in configs.values()} == {hf.data_path(c) for c in hf.CONFIGS}
    assert [i["config_name"] for i in data["dataset_info"]] == list(hf.CONFIGS)
    assert "CC BY 4.0 does not apply to them" in card.text
