"""Publishing the built dataset folder to the Hugging Face Hub, tagged ``v<version>``.

The upload is refused when the folder is out of date with the annotations or
its MANIFEST does not match its files, and when the tag already exists on the
Hub (a published version is never overwritten; bump the package version).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus_pkg.version import __version__

REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
# Remote files under these patterns that the upload does not carry are deleted,
# so a config or shard removed locally disappears from the Hub too.
DELETE_PATTERNS = ["data/**"]


class PublishError(Exception):
    pass


@dataclass(frozen=True)
class Plan:
    repo_id: str
    tag: str
    folder: Path
    files: list[tuple[str, int]]  # relative path, size in bytes

    @property
    def total(self) -> int:
        return sum(size for _, size in self.files)

    def render(self) -> str:
        lines = [f"{self.repo_id} (dataset), tag {self.tag}, from {self.folder}:"]
        lines += [f"  {size:>10}  {path}" for path, size in self.files]
        lines.append(
            f"  {self.total:>10}  total, {len(self.files)} files; remote files matching "
            f"{', '.join(DELETE_PATTERNS)} that are not listed are deleted"
        )
        return "\n".join(lines)


def plan(repo_id: str, dataset: Path | None = None, annotations: Path | None = None) -> Plan:
    """What would be uploaded; raises :class:`PublishError` if the folder must not be published."""
    from corpus_pkg import builder, hf
    from corpus_pkg.project import dataset_dir

    if not REPO_ID.match(repo_id):
        raise PublishError(f"repo id {repo_id!r} is not ORG/NAME")
    folder = Path(dataset) if dataset is not None else dataset_dir()
    if not (folder / hf.README).is_file():
        raise PublishError(f"{folder} holds no built dataset (run: corpus build)")
    problems = builder.check(annotations, folder)
    if problems:
        raise PublishError(f"{folder} is out of date with the annotations (run: corpus build): " + "; ".join(problems))
    files = [(rel, (folder / rel).stat().st_size) for rel in sorted(builder.existing_files(folder))]
    return Plan(repo_id, f"v{__version__}", folder, files)


def publish(
    repo_id: str,
    *,
    token: str | None = None,
    dry_run: bool = False,
    private: bool = False,
    dataset: Path | None = None,
    annotations: Path | None = None,
    api: Any = None,
    echo: Callable[[str], Any] = print,
) -> Plan:
    """Upload the dataset folder and tag the commit; with ``dry_run`` only report the plan (no network)."""
    p = plan(repo_id, dataset, annotations)
    echo(p.render())
    if dry_run:
        echo("dry run: nothing uploaded")
        return p
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="dataset", exist_ok=True, private=private)
    tags = {t.name for t in api.list_repo_refs(repo_id, repo_type="dataset").tags}
    if p.tag in tags:
        raise PublishError(
            f"{repo_id} already has tag {p.tag}; a published version is not overwritten "
            f"(bump corpus_pkg.__version__ and rebuild)"
        )
    info = api.upload_folder(
        repo_id=repo_id,
        repo_type="dataset",
        folder_path=str(p.folder),
        allow_patterns=[path for path, _ in p.files],
        delete_patterns=DELETE_PATTERNS,
        commit_message=f"Dataset {p.tag}",
    )
    api.create_tag(repo_id, repo_type="dataset", tag=p.tag, revision=info.oid, tag_message=f"corpus_pkg {__version__}")
    echo(f"uploaded {len(p.files)} files to {repo_id} at {info.oid}, tagged {p.tag}")
    return p
