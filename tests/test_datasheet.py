"""The generated blocks of DATASHEET.md: regenerated from the data, the independent figure pinned to the
released gold (git tag v0.1.0) and not to the working tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from corpus_pkg.datasheet import RELEASED, block, render
from corpus_pkg.project import current

REPO = current().root
SHEET = (REPO / "DATASHEET.md").read_text(encoding="utf-8")
INDEPENDENT = ("agreement-independent", "disagreements-independent", "agreement-headline")


def emptied(text: str, names: tuple[str, ...]) -> str:
    for name in names:
        body = block(text, name)
        assert body, name
        text = text.replace(body, "stale\n")
    return text


def test_every_agreement_block_regenerates_from_the_passes_and_the_released_gold():
    names = (*INDEPENDENT, "agreement", "agreement-adjudicated")
    assert render(emptied(SHEET, names)) == SHEET


def test_the_independent_figure_reads_the_release_not_the_current_corpus(tmp_path: Path):
    root = tmp_path / "annotations"
    shutil.copytree(REPO / "annotations", root)
    # The current gold loses every claim: the comparison with the current gold changes, not the one with v0.1.0.
    for path in (root / "corpus").glob("*.jsonl"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text(
            "".join(x for x in lines if '"layer": "claim"' not in x and '"type": "claimant"' not in x), encoding="utf-8"
        )
    fresh = render(SHEET, root, repo=REPO)
    for name in INDEPENDENT:
        assert block(fresh, name) == block(SHEET, name), name
    assert "| claim | 0 | 113 |" in block(fresh, "agreement-adjudicated")


def test_the_independent_table_reports_kappa_and_the_disagreements_by_kind():
    table = block(SHEET, "agreement-independent")
    assert f"git tag `{RELEASED}`" in table
    assert "Cohen's kappa" in table and "mod n/a" in table
    counts = block(SHEET, "disagreements-independent")
    assert (
        "| layer | only in gold v0.1.0 | only in pass c | boundary differences | label/attribute differences" in counts
    )
    assert "Claude (Anthropic)" in " ".join(block(SHEET, "agreement-headline").split())


def test_a_checkout_without_the_release_tag_is_a_clear_error(tmp_path: Path):
    root = tmp_path / "annotations"
    shutil.copytree(REPO / "annotations", root)
    with pytest.raises(ValueError, match=f"generated block 'agreement-independent'.*git tag {RELEASED}"):
        render(SHEET, root, repo=tmp_path)


def test_a_clone_without_tags_still_reads_the_release_by_its_commit(tmp_path: Path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-tags", str(REPO), str(clone)], check=True)
    assert subprocess.run(["git", "-C", str(clone), "tag"], capture_output=True, text=True).stdout == ""
    fresh = render(SHEET, REPO / "annotations", repo=clone)
    for name in INDEPENDENT:
        assert block(fresh, name) == block(SHEET, name), name


def test_a_release_tag_moved_to_another_commit_is_refused(tmp_path: Path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-tags", str(REPO), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "tag", RELEASED, "HEAD"], check=True)
    with pytest.raises(ValueError, match="the tag was moved"):
        render(SHEET, REPO / "annotations", repo=clone)
