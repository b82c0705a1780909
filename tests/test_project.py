"""Which corpus a command acts on: the checkout it runs in, found upward like git; the wheel's copy only to read."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_pkg.cli import main
from corpus_pkg.project import ProjectError, current, discover, find_checkout

REPO = current().root
assert REPO is not None, "the tests run from a checkout"


def clone(dest: Path) -> Path:
    """A second checkout of the corpus: its own pyproject marker, schema and annotations."""
    dest.mkdir()
    shutil.copy(REPO / "pyproject.toml", dest / "pyproject.toml")
    shutil.copytree(REPO / "schema", dest / "schema")
    shutil.copytree(REPO / "annotations" / "corpus", dest / "annotations" / "corpus")
    return dest


def shift_first_span(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").split("\n")
    record = json.loads(lines[1])
    assert record["record"] == "span"
    record["start"] += 1
    record["end"] += 1
    lines[1] = json.dumps(record, ensure_ascii=False, sort_keys=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return record["id"]


@pytest.mark.parametrize("where", [".", "annotations/corpus", "schema"])
def test_a_second_clone_validates_its_own_corpus_from_any_subfolder(tmp_path, monkeypatch, where):
    other = clone(tmp_path / "second")
    path = sorted((other / "annotations" / "corpus").glob("*.jsonl"))[0]
    sid = shift_first_span(path)
    monkeypatch.chdir(other / where)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1, result.output
    assert f"{path}:2 /text: error [text-mismatch] {sid}" in result.output
    assert str(other / "annotations") in result.output


def test_the_project_dir_option_names_the_checkout_to_act_on(tmp_path, monkeypatch):
    other = clone(tmp_path / "second")
    shift_first_span(sorted((other / "annotations" / "corpus").glob("*.jsonl"))[0])
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["-C", str(other), "validate"]).exit_code == 1
    assert CliRunner().invoke(main, ["-C", str(REPO), "validate"]).exit_code == 0


def test_outside_any_checkout_a_command_given_annotations_does_not_say_it_reads_the_installed_copy(
    tmp_path, monkeypatch
):
    other = clone(tmp_path / "second")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    out = tmp_path / "built"
    result = CliRunner().invoke(main, ["build", "--annotations", str(other / "annotations"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "reading the copy" not in result.output
    assert f"from {other / 'annotations'}" in result.output
    assert (out / "README.md").is_file()
    read = CliRunner().invoke(main, ["validate"])
    assert read.output.startswith("note: no corpus checkout here; reading the copy shipped"), read.output


def test_a_folder_of_annotations_without_a_schema_is_checked_and_built_against_the_packaged_schema(
    tmp_path, monkeypatch
):
    other = clone(tmp_path / "bare")
    shutil.rmtree(other / "schema")
    (other / "pyproject.toml").unlink()
    monkeypatch.chdir(other / "annotations")
    assert current().schema != other / "schema"
    ok = CliRunner().invoke(main, ["validate"])
    assert ok.exit_code == 0, ok.output
    assert str(other / "annotations") in ok.output
    built = CliRunner().invoke(main, ["build"])
    assert built.exit_code == 0, built.output
    assert (other / "dataset" / "README.md").is_file()
    path = sorted((other / "annotations" / "corpus").glob("*.jsonl"))[0]
    sid = shift_first_span(path)
    bad = CliRunner().invoke(main, ["validate"])
    assert bad.exit_code == 1
    assert f"{path}:2 /text: error [text-mismatch] {sid}" in bad.output


def test_a_folder_that_is_no_checkout_is_refused_by_the_project_dir_option(tmp_path):
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "validate"])
    assert result.exit_code == 2
    assert "not a corpus checkout" in result.output
    with pytest.raises(ProjectError):
        discover(tmp_path)


def test_the_nearest_checkout_upward_wins(tmp_path):
    outer = clone(tmp_path / "outer")
    inner = clone(outer / "nested")
    assert find_checkout(inner / "annotations" / "corpus") == inner.resolve()
    assert find_checkout(outer / "schema") == outer.resolve()


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> Path:
    """The package installed from its wheel into a folder of its own, read-only, as site-packages would be."""
    base = tmp_path_factory.mktemp("wheel")
    wheels, target = base / "wheels", base / "site"
    made = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(REPO)],
        cwd=base,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    (wheel,) = wheels.glob("corpus_pkg-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], check=True
    )
    for p in [target, *target.rglob("*")]:
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    yield target
    for p in [target, *target.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IWUSR)


def run_installed(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CORPUS_ANNOTATIONS", "PYTHONPATH")}
    env.update(PYTHONPATH=str(target), HF_HUB_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "corpus_pkg", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


@pytest.mark.slow
def test_outside_any_checkout_the_installed_copy_is_read_and_said_so(installed_wheel, tmp_path):
    result = run_installed(installed_wheel, tmp_path, "validate")
    assert result.returncode == 0, result.stderr
    shipped = installed_wheel / "corpus_pkg" / "annotations"
    assert result.stderr.splitlines()[0].startswith("note: no corpus checkout here; reading the copy shipped")
    assert str(shipped) in result.stdout + result.stderr


@pytest.mark.slow
def test_outside_any_checkout_a_merge_is_refused_and_nothing_installed_changes(installed_wheel, tmp_path):
    batch = tmp_path / "batch.jsonl"
    first = sorted((REPO / "annotations" / "corpus").glob("*.jsonl"))[0]
    span = json.loads(first.read_text(encoding="utf-8").split("\n")[1])
    batch.write_text(json.dumps(span | {"id": "new-1"}) + "\n", encoding="utf-8")
    before = tree(installed_wheel)
    for command in (["merge", str(batch)], ["add-document", str(batch), "--doc-id", "x"], ["build"]):
        result = run_installed(installed_wheel, tmp_path, *command)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert "needs a checkout" in result.stderr and "nothing was written" in result.stderr
        # the refusal is the whole message: no note that the copy is being read first
        assert "reading the copy" not in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert tree(installed_wheel) == before
